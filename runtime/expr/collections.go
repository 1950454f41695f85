package expr

import (
	"fmt"
	"strconv"

	"github.com/flinkgo/engine/runtime/types"
)

// Collection constructors and accessors:
//
//	"__ARRAY"(e1, ..., en)        ARRAY[e1, ..., en]; elements widened to CommonType
//	"__MAP"(k1, v1, ..., kn, vn)  MAP[k1, v1, ...]; keys and values widened
//	"ROW"(f1, ..., fn)            ROW(f1, ...): fields EXPR$0, EXPR$1, ... (the
//	                              planner may replace Call.T by a ROW type with
//	                              other names / convertible field types)
//	CARDINALITY(array | map)      INT
//	ELEMENT(array)                the only element; NULL when empty; error
//	                              when there is more than one
//	ITEM(array, i)                array[i], 1-based; NULL when out of range
//	ITEM(map, key)                map[key]; NULL when absent
//	ARRAY_CONTAINS(array, v)      BOOLEAN
//	MAP_KEYS(map), MAP_VALUES(map) ARRAY
//
// SPLIT(s, delim) → ARRAY<STRING> is in strings.go.

func init() {
	Register(&Function{Name: "__ARRAY", MinArgs: 1, MaxArgs: -1, Infer: arrayInfer, Bind: arrayBind})
	Register(&Function{Name: "__MAP", MinArgs: 2, MaxArgs: -1, Infer: mapInfer, Bind: mapBind})
	Register(&Function{Name: "ROW", MinArgs: 1, MaxArgs: -1, Infer: rowInfer, Bind: rowBind})
	Register(&Function{Name: "CARDINALITY", MinArgs: 1, MaxArgs: 1,
		Infer: func(args []*types.Type) (*types.Type, error) {
			if args[0].Kind != types.KindArray && args[0].Kind != types.KindMap {
				return nil, applyError("CARDINALITY", false, args, "CARDINALITY(<MULTISET>)", "CARDINALITY(<ARRAY>)", "CARDINALITY(<MAP>)")
			}
			return nullableIf(types.Int, args), nil
		},
		Bind: func([]*types.Type, *types.Type) (Kernel, error) { return cardinalityKernel, nil }})
	Register(&Function{Name: "ELEMENT", MinArgs: 1, MaxArgs: 1,
		Infer: func(args []*types.Type) (*types.Type, error) {
			if args[0].Kind != types.KindArray {
				return nil, applyError("ELEMENT", false, args, "ELEMENT(<ARRAY>)")
			}
			return args[0].Elem.WithNullable(true), nil
		},
		Bind: func([]*types.Type, *types.Type) (Kernel, error) { return elementKernel, nil }})
	Register(&Function{Name: "ITEM", MinArgs: 2, MaxArgs: 2, Infer: itemInfer, Bind: itemBind})
	Register(&Function{Name: "ARRAY_CONTAINS", MinArgs: 2, MaxArgs: 2,
		Infer: func(args []*types.Type) (*types.Type, error) {
			if args[0].Kind != types.KindArray {
				return nil, applyError("ARRAY_CONTAINS", false, args, "ARRAY_CONTAINS(<ARRAY>, <ANY>)")
			}
			if _, ok := comparisonType(args[0].Elem, args[1]); !ok {
				return nil, applyError("ARRAY_CONTAINS", false, args, "ARRAY_CONTAINS(<ARRAY>, <ANY>)")
			}
			return types.Boolean.WithNullable(args[0].Nullable()), nil
		},
		Bind: arrayContainsBind})
	for _, f := range []struct {
		name  string
		child int
	}{{"MAP_KEYS", 0}, {"MAP_VALUES", 1}} {
		child := f.child
		name := f.name
		Register(&Function{Name: name, MinArgs: 1, MaxArgs: 1,
			Infer: func(args []*types.Type) (*types.Type, error) {
				if args[0].Kind != types.KindMap {
					return nil, applyError(name, false, args, name+"(<MAP>)")
				}
				e := args[0].Key
				if child == 1 {
					e = args[0].Elem
				}
				return types.ArrayOf(e).WithNullable(args[0].Nullable()), nil
			},
			Bind: func([]*types.Type, *types.Type) (Kernel, error) { return mapPartKernel(child), nil }})
	}
}

// ---------------------------------------------------------------------------
// Constructors

func arrayInfer(args []*types.Type) (*types.Type, error) {
	e, err := CommonType(args...)
	if err != nil {
		return nil, fmt.Errorf("Parameters must be of the same type: %v", err)
	}
	if isNullType(e) {
		return nil, fmt.Errorf("Illegal use of 'NULL'")
	}
	return types.ArrayOf(e).WithNullable(false), nil
}

func arrayBind(args []*types.Type, ret *types.Type) (Kernel, error) {
	k := func(args []*types.Vector, n int, out *types.Vector) error {
		elems := out.Children[0]
		for i := 0; i < n; i++ {
			for _, a := range args {
				elems.AppendFrom(a, i)
			}
			out.CloseNested()
		}
		return nil
	}
	return coerceArgs(k, args, resultTargets(args, ret.Elem, func(int) bool { return true }))
}

func mapInfer(args []*types.Type) (*types.Type, error) {
	if len(args)%2 != 0 {
		return nil, fmt.Errorf("MAP requires an even number of arguments")
	}
	var ks, vs []*types.Type
	for i := 0; i < len(args); i += 2 {
		ks = append(ks, args[i])
		vs = append(vs, args[i+1])
	}
	k, err := CommonType(ks...)
	if err != nil {
		return nil, fmt.Errorf("Parameters must be of the same type: %v", err)
	}
	v, err := CommonType(vs...)
	if err != nil {
		return nil, fmt.Errorf("Parameters must be of the same type: %v", err)
	}
	if isNullType(k) || isNullType(v) {
		return nil, fmt.Errorf("Illegal use of 'NULL'")
	}
	return types.MapOf(k, v).WithNullable(false), nil
}

func mapBind(args []*types.Type, ret *types.Type) (Kernel, error) {
	k := func(args []*types.Vector, n int, out *types.Vector) error {
		keys, vals := out.Children[0], out.Children[1]
		for i := 0; i < n; i++ {
			for j := 0; j < len(args); j += 2 {
				keys.AppendFrom(args[j], i)
				vals.AppendFrom(args[j+1], i)
			}
			out.CloseNested()
		}
		return nil
	}
	to := make([]*types.Type, len(args))
	for i, a := range args {
		t := ret.Key
		if i%2 == 1 {
			t = ret.Elem
		}
		if isNullType(a) || needsConversion(a, t) {
			to[i] = t.WithNullable(true)
		}
	}
	return coerceArgs(k, args, to)
}

func rowInfer(args []*types.Type) (*types.Type, error) {
	fs := make([]types.Field, len(args))
	for i, a := range args {
		fs[i] = types.Field{Name: "EXPR$" + strconv.Itoa(i), Type: a}
	}
	return types.RowOf(fs...).WithNullable(false), nil
}

func rowBind(args []*types.Type, ret *types.Type) (Kernel, error) {
	if len(ret.Fields) != len(args) {
		return nil, fmt.Errorf("ROW type %s does not match %d arguments", ret, len(args))
	}
	fs := make([]castFunc, len(args))
	for i, a := range args {
		f, err := castFor(a, ret.Fields[i].Type, false)
		if err != nil {
			return nil, err
		}
		fs[i] = f
	}
	return func(args []*types.Vector, n int, out *types.Vector) error {
		for i, f := range fs {
			if err := f(args[i], n, out.Children[i]); err != nil {
				return err
			}
		}
		out.Nulls = out.Nulls[:0]
		out.Len = n
		return nil
	}, nil
}

// ---------------------------------------------------------------------------
// Accessors

func cardinalityKernel(args []*types.Vector, n int, out *types.Vector) error {
	a := args[0]
	r := sizeInts(out, n)
	for i := range r {
		r[i] = int64(a.Offsets[i+1] - a.Offsets[i])
	}
	copyNulls(out, a, n)
	finish(out, n)
	return nil
}

func elementKernel(args []*types.Vector, n int, out *types.Vector) error {
	a := args[0]
	for i := 0; i < n; i++ {
		if nullAt(a.Nulls, i) {
			out.AppendNull()
			continue
		}
		switch a.Offsets[i+1] - a.Offsets[i] {
		case 0:
			out.AppendNull()
		case 1:
			out.AppendFrom(a.Children[0], int(a.Offsets[i]))
		default:
			return fmt.Errorf("Array has more than one element.")
		}
	}
	return nil
}

func itemInfer(args []*types.Type) (*types.Type, error) {
	c, k := args[0], args[1]
	switch {
	case c.Kind == types.KindArray && isIntegerOrNull(k):
		return c.Elem.WithNullable(true), nil
	case c.Kind == types.KindMap:
		if _, ok := comparisonType(c.Key, k); ok {
			return c.Elem.WithNullable(true), nil
		}
	}
	return nil, applyError("ITEM", false, args, "<ARRAY>[<INTEGER>]", "<MAP>[<ANY>]")
}

func itemBind(args []*types.Type, ret *types.Type) (Kernel, error) {
	if args[0].Kind == types.KindArray {
		k := func(args []*types.Vector, n int, out *types.Vector) error {
			a, idx := args[0], args[1]
			for i := 0; i < n; i++ {
				if nullAt(a.Nulls, i) || nullAt(idx.Nulls, i) {
					out.AppendNull()
					continue
				}
				j := idx.Ints[i]
				if j < 1 || j > int64(a.Offsets[i+1]-a.Offsets[i]) {
					out.AppendNull()
					continue
				}
				out.AppendFrom(a.Children[0], int(a.Offsets[i])+int(j-1))
			}
			return nil
		}
		return coerceArgs(k, args, []*types.Type{nil, nullTargets(args[1:], types.Int)[0]})
	}
	keyT := args[0].Key
	k := func(args []*types.Vector, n int, out *types.Vector) error {
		m, key := args[0], args[1]
		keys, vals := m.Children[0], m.Children[1]
		for i := 0; i < n; i++ {
			if nullAt(m.Nulls, i) || nullAt(key.Nulls, i) {
				out.AppendNull()
				continue
			}
			found := -1
			for j := int(m.Offsets[i+1]) - 1; j >= int(m.Offsets[i]); j-- {
				if compareAt(keys, j, key, i) == 0 {
					found = j
					break
				}
			}
			if found < 0 {
				out.AppendNull()
				continue
			}
			out.AppendFrom(vals, found)
		}
		return nil
	}
	to := []*types.Type{nil, nil}
	if isNullType(args[1]) || needsConversion(args[1], keyT) || args[1].Kind.Physical() != keyT.Kind.Physical() {
		to[1] = keyT.WithNullable(true)
	}
	return coerceArgs(k, args, to)
}

func arrayContainsBind(args []*types.Type, ret *types.Type) (Kernel, error) {
	elemT := args[0].Elem
	k := func(args []*types.Vector, n int, out *types.Vector) error {
		a, v := args[0], args[1]
		elems := a.Children[0]
		r := sizeBools(out, n)
		out.Nulls = out.Nulls[:0]
		for i := range r {
			r[i] = false
			if nullAt(a.Nulls, i) {
				out.SetNull(i)
				continue
			}
			vNull := nullAt(v.Nulls, i)
			for j := int(a.Offsets[i]); j < int(a.Offsets[i+1]); j++ {
				en := nullAt(elems.Nulls, j)
				if en && vNull || !en && !vNull && compareAt(elems, j, v, i) == 0 {
					r[i] = true
					break
				}
			}
		}
		finish(out, n)
		return nil
	}
	to := []*types.Type{nil, nil}
	if isNullType(args[1]) || needsConversion(args[1], elemT) || args[1].Kind.Physical() != elemT.Kind.Physical() {
		to[1] = elemT.WithNullable(true)
	}
	return coerceArgs(k, args, to)
}

func mapPartKernel(child int) Kernel {
	return func(args []*types.Vector, n int, out *types.Vector) error {
		m := args[0]
		src := m.Children[child]
		dst := out.Children[0]
		for i := 0; i < n; i++ {
			if nullAt(m.Nulls, i) {
				out.AppendNull()
				continue
			}
			for j := m.Offsets[i]; j < m.Offsets[i+1]; j++ {
				dst.AppendFrom(src, int(j))
			}
			out.CloseNested()
		}
		return nil
	}
}
