package expr

import (
	"bytes"
	"cmp"
	"time"

	"github.com/flinkgo/engine/runtime/types"
)

// Comparisons "=", "<>", "<", "<=", ">", ">=", "IS DISTINCT FROM",
// "IS NOT DISTINCT FROM", "BETWEEN", "NOT BETWEEN", "IN", "NOT IN",
// "GREATEST", "LEAST".
//
// Operands are converted to a common type first (CommonType: numeric
// widening, DATE vs TIMESTAMP → TIMESTAMP, VARCHAR vs CHAR); a string
// compared with a date/time value is cast to that type. Strings compare by
// UTF-8 bytes (code point order), booleans FALSE < TRUE, ARRAY/ROW
// lexicographically. Any NULL operand gives NULL (except IS [NOT] DISTINCT
// FROM). DOUBLE NaN compares unequal to everything, like Java's primitives.

type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

var cmpOps = []struct {
	name string
	op   cmpOp
}{{"=", opEq}, {"<>", opNe}, {"<", opLt}, {"<=", opLe}, {">", opGt}, {">=", opGe}}

func init() {
	for _, c := range cmpOps {
		op := c.op
		name := c.name
		Register(&Function{Name: name, Infix: name, MinArgs: 2, MaxArgs: 2,
			Infer: cmpInfer(name),
			Bind: func(args []*types.Type, ret *types.Type) (Kernel, error) {
				return bindCompare(op, args[0], args[1], nil)
			},
			BindZoned: func(args []*types.Type, ret *types.Type, zone *time.Location) (Kernel, error) {
				return bindCompare(op, args[0], args[1], zone)
			}})
	}
	Register(&Function{Name: "IS DISTINCT FROM", Infix: "IS DISTINCT FROM", MinArgs: 2, MaxArgs: 2,
		Infer: distinctInfer("IS DISTINCT FROM"), Bind: distinctBind(true)})
	Register(&Function{Name: "IS NOT DISTINCT FROM", Infix: "IS NOT DISTINCT FROM", MinArgs: 2, MaxArgs: 2,
		Infer: distinctInfer("IS NOT DISTINCT FROM"), Bind: distinctBind(false)})
	Register(&Function{Name: "BETWEEN", MinArgs: 3, MaxArgs: 3, Infer: betweenInfer("BETWEEN"), Bind: betweenBind(false)})
	Register(&Function{Name: "NOT BETWEEN", MinArgs: 3, MaxArgs: 3, Infer: betweenInfer("NOT BETWEEN"), Bind: betweenBind(true)})
	Register(&Function{Name: "IN", MinArgs: 2, MaxArgs: -1, Infer: inInfer("IN"), Bind: inBind(false)})
	Register(&Function{Name: "NOT IN", MinArgs: 2, MaxArgs: -1, Infer: inInfer("NOT IN"), Bind: inBind(true)})
	Register(&Function{Name: "GREATEST", MinArgs: 1, MaxArgs: -1, Infer: extremeInfer("GREATEST"), Bind: extremeBind(1)})
	Register(&Function{Name: "LEAST", MinArgs: 1, MaxArgs: -1, Infer: extremeInfer("LEAST"), Bind: extremeBind(-1)})
}

func cmpInfer(name string) func([]*types.Type) (*types.Type, error) {
	return func(args []*types.Type) (*types.Type, error) {
		if _, ok := comparisonType(args[0], args[1]); !ok {
			return nil, applyError(name, true, args, "<COMPARABLE_TYPE> "+name+" <COMPARABLE_TYPE>")
		}
		return nullableIf(types.Boolean, args), nil
	}
}

// compareTargets returns the conversions that bring each argument to ct
// for comparing (DECIMAL scales and timestamp precisions compare as is).
func compareTargets(args []*types.Type, ct *types.Type) []*types.Type {
	to := make([]*types.Type, len(args))
	for i, a := range args {
		if a.Kind == ct.Kind {
			switch a.Kind {
			case types.KindDecimal, types.KindTimestamp, types.KindTimestampLTZ, types.KindTime:
				continue
			}
		}
		if isNullType(a) || needsConversion(a, ct) {
			to[i] = ct
		}
	}
	return to
}

// bindCompare returns a kernel computing a op b into a BOOLEAN vector.
// A TIMESTAMP compared with a TIMESTAMP_LTZ is converted in the session
// time zone.
func bindCompare(op cmpOp, a, b *types.Type, zone *time.Location) (Kernel, error) {
	ct, ok := comparisonType(a, b)
	if !ok {
		return nil, applyError("=", true, []*types.Type{a, b})
	}
	args := []*types.Type{a, b}
	return coerceArgsIn(compareKernel(op, ct), args, compareTargets(args, ct), zone)
}

func cmpLoop[T cmp.Ordered](op cmpOp, a, b []T, r []bool) {
	a = a[:len(r)]
	b = b[:len(r)]
	switch op {
	case opEq:
		for i := range r {
			r[i] = a[i] == b[i]
		}
	case opNe:
		for i := range r {
			r[i] = a[i] != b[i]
		}
	case opLt:
		for i := range r {
			r[i] = a[i] < b[i]
		}
	case opLe:
		for i := range r {
			r[i] = a[i] <= b[i]
		}
	case opGt:
		for i := range r {
			r[i] = a[i] > b[i]
		}
	case opGe:
		for i := range r {
			r[i] = a[i] >= b[i]
		}
	}
}

// cmpResults maps three-way results to booleans.
func cmpResults(op cmpOp, c []int8, r []bool) {
	c = c[:len(r)]
	switch op {
	case opEq:
		for i := range r {
			r[i] = c[i] == 0
		}
	case opNe:
		for i := range r {
			r[i] = c[i] != 0
		}
	case opLt:
		for i := range r {
			r[i] = c[i] < 0
		}
	case opLe:
		for i := range r {
			r[i] = c[i] <= 0
		}
	case opGt:
		for i := range r {
			r[i] = c[i] > 0
		}
	case opGe:
		for i := range r {
			r[i] = c[i] >= 0
		}
	}
}

// compareKernel compares two vectors of the same physical type.
func compareKernel(op cmpOp, ct *types.Type) Kernel {
	phys := ct.Kind.Physical()
	nanos := types.HasNanos(ct)
	var c []int8
	return func(args []*types.Vector, n int, out *types.Vector) error {
		a, b := args[0], args[1]
		r := sizeBools(out, n)
		switch {
		case phys == types.PhysInt64 && nanos && (len(a.Nanos) > 0 || len(b.Nanos) > 0):
			if cap(c) < n {
				c = make([]int8, n)
			}
			c = c[:n]
			for i := range c {
				c[i] = int8(cmpTimestamp(a, i, b, i))
			}
			cmpResults(op, c, r)
		case phys == types.PhysInt64:
			cmpLoop(op, a.Ints, b.Ints, r)
		case phys == types.PhysFloat64:
			cmpLoop(op, a.Floats, b.Floats, r)
		case phys == types.PhysNone:
			clear(r)
		default:
			if cap(c) < n {
				c = make([]int8, n)
			}
			c = c[:n]
			switch phys {
			case types.PhysBool:
				for i := range c {
					c[i] = int8(b2i(a.Bools[i]) - b2i(b.Bools[i]))
				}
			case types.PhysBytes:
				if op == opEq || op == opNe {
					for i := range c {
						if bytes.Equal(bytesAt(a, i), bytesAt(b, i)) {
							c[i] = 0
						} else {
							c[i] = 1
						}
					}
				} else {
					for i := range c {
						c[i] = int8(bytes.Compare(bytesAt(a, i), bytesAt(b, i)))
					}
				}
			case types.PhysDecimal:
				for i := range c {
					c[i] = int8(a.Decs[i].Cmp(&b.Decs[i]))
				}
			default:
				for i := range c {
					if nullAt(a.Nulls, i) || nullAt(b.Nulls, i) {
						c[i] = 0
						continue
					}
					c[i] = int8(compareAt(a, i, b, i))
				}
			}
			cmpResults(op, c, r)
		}
		unionNulls(out, n, a, b)
		finish(out, n)
		return nil
	}
}

// cmpTimestamp compares int64-stored values, then the nanoseconds of
// timestamps that have them.
func cmpTimestamp(a *types.Vector, i int, b *types.Vector, j int) int {
	if c := cmp.Compare(a.Ints[i], b.Ints[j]); c != 0 {
		return c
	}
	return cmp.Compare(a.NanoAt(i), b.NanoAt(j))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// compareAt compares row i of a with row j of b (same physical type);
// NULL sorts first. Used for nested values and the rare generic paths.
func compareAt(a *types.Vector, i int, b *types.Vector, j int) int {
	an, bn := a.IsNull(i), b.IsNull(j)
	switch {
	case an && bn:
		return 0
	case an:
		return -1
	case bn:
		return 1
	}
	switch a.Type.Kind.Physical() {
	case types.PhysBool:
		return b2i(a.Bools[i]) - b2i(b.Bools[j])
	case types.PhysInt64:
		return cmpTimestamp(a, i, b, j)
	case types.PhysFloat64:
		return cmp.Compare(a.Floats[i], b.Floats[j])
	case types.PhysDecimal:
		return a.Decs[i].Cmp(&b.Decs[j])
	case types.PhysBytes:
		return bytes.Compare(bytesAt(a, i), bytesAt(b, j))
	case types.PhysArray, types.PhysMap:
		as, ae := int(a.Offsets[i]), int(a.Offsets[i+1])
		bs, be := int(b.Offsets[j]), int(b.Offsets[j+1])
		for k := 0; as+k < ae && bs+k < be; k++ {
			for c := range a.Children {
				if r := compareAt(a.Children[c], as+k, b.Children[c], bs+k); r != 0 {
					return r
				}
			}
		}
		return cmp.Compare(ae-as, be-bs)
	case types.PhysRow:
		for c := range a.Children {
			if r := compareAt(a.Children[c], i, b.Children[c], j); r != 0 {
				return r
			}
		}
	}
	return 0
}

// ---------------------------------------------------------------------------
// IS [NOT] DISTINCT FROM

func distinctInfer(name string) func([]*types.Type) (*types.Type, error) {
	return func(args []*types.Type) (*types.Type, error) {
		if _, ok := comparisonType(args[0], args[1]); !ok {
			return nil, applyError(name, true, args, "<COMPARABLE_TYPE> "+name+" <COMPARABLE_TYPE>")
		}
		return types.Boolean.WithNullable(false), nil
	}
}

func distinctBind(distinct bool) func([]*types.Type, *types.Type) (Kernel, error) {
	return func(args []*types.Type, ret *types.Type) (Kernel, error) {
		ne, err := bindCompare(opNe, args[0], args[1], nil)
		if err != nil {
			return nil, err
		}
		tmp := types.NewVector(types.Boolean, types.DefaultBatchSize)
		return func(args []*types.Vector, n int, out *types.Vector) error {
			tmp.Reset()
			if err := ne(args, n, tmp); err != nil {
				return err
			}
			r := sizeBools(out, n)
			a, b := args[0], args[1]
			for i := range r {
				an, bn := nullAt(a.Nulls, i), nullAt(b.Nulls, i)
				var d bool
				if an || bn {
					d = an != bn
				} else {
					d = tmp.Bools[i]
				}
				r[i] = d == distinct
			}
			out.Nulls = out.Nulls[:0]
			out.Len = n
			return nil
		}, nil
	}
}

// ---------------------------------------------------------------------------
// BETWEEN

func betweenInfer(name string) func([]*types.Type) (*types.Type, error) {
	return func(args []*types.Type) (*types.Type, error) {
		if _, ok := betweenType(args); !ok {
			return nil, applyError(name, false, args, name+"(<COMPARABLE_TYPE>, <COMPARABLE_TYPE>, <COMPARABLE_TYPE>)")
		}
		return nullableIf(types.Boolean, args), nil
	}
}

func betweenType(args []*types.Type) (*types.Type, bool) {
	ct, ok := comparisonType(args[0], args[1])
	if !ok {
		return nil, false
	}
	return comparisonType(ct, args[2])
}

// betweenBind computes x >= lo AND x <= hi (negated: x < lo OR x > hi).
func betweenBind(not bool) func([]*types.Type, *types.Type) (Kernel, error) {
	return func(args []*types.Type, ret *types.Type) (Kernel, error) {
		ct, ok := betweenType(args)
		if !ok {
			return nil, applyError("BETWEEN", false, args)
		}
		lowOp, highOp := opGe, opLe
		if not {
			lowOp, highOp = opLt, opGt
		}
		low := compareKernel(lowOp, ct)
		high := compareKernel(highOp, ct)
		lv := types.NewVector(types.Boolean, types.DefaultBatchSize)
		hv := types.NewVector(types.Boolean, types.DefaultBatchSize)
		pair := make([]*types.Vector, 2)
		k := func(args []*types.Vector, n int, out *types.Vector) error {
			lv.Reset()
			hv.Reset()
			pair[0], pair[1] = args[0], args[1]
			if err := low(pair, n, lv); err != nil {
				return err
			}
			pair[1] = args[2]
			if err := high(pair, n, hv); err != nil {
				return err
			}
			pair[0], pair[1] = lv, hv
			if not {
				return orKernel(pair, n, out)
			}
			return andKernel(pair, n, out)
		}
		return coerceArgs(k, args, compareTargets(args, ct))
	}
}

// ---------------------------------------------------------------------------
// IN: x IN (v1, ..., vk) = x = v1 OR ... OR x = vk (three-valued).

func inInfer(name string) func([]*types.Type) (*types.Type, error) {
	return func(args []*types.Type) (*types.Type, error) {
		if _, ok := inType(args); !ok {
			return nil, applyError(name, false, args, "<COMPARABLE_TYPE> "+name+" (<COMPARABLE_TYPE>, ...)")
		}
		return nullableIf(types.Boolean, args), nil
	}
}

func inType(args []*types.Type) (*types.Type, bool) {
	ct := args[0]
	for _, a := range args[1:] {
		t, ok := comparisonType(ct, a)
		if !ok {
			return nil, false
		}
		ct = t
	}
	if isNullType(ct) {
		ct = types.Boolean
	}
	return plain(ct), true
}

func inBind(not bool) func([]*types.Type, *types.Type) (Kernel, error) {
	return func(args []*types.Type, ret *types.Type) (Kernel, error) {
		ct, ok := inType(args)
		if !ok {
			return nil, applyError("IN", false, args)
		}
		eq := compareKernel(opEq, ct)
		ev := types.NewVector(types.Boolean, types.DefaultBatchSize)
		pair := make([]*types.Vector, 2)
		k := func(args []*types.Vector, n int, out *types.Vector) error {
			// acc: found[i] (some element equal), sawNull[i] via out.Nulls.
			r := sizeBools(out, n)
			clear(r)
			setNullWords(out, n)
			pair[0] = args[0]
			for _, v := range args[1:] {
				ev.Reset()
				pair[1] = v
				if err := eq(pair, n, ev); err != nil {
					return err
				}
				for i := range r {
					if nullAt(ev.Nulls, i) {
						if !r[i] {
							out.SetNull(i)
						}
						continue
					}
					if ev.Bools[i] {
						r[i] = true
						out.ClearNull(i)
					}
				}
			}
			if not {
				for i := range r {
					r[i] = !r[i]
				}
			}
			finish(out, n)
			return nil
		}
		return coerceArgs(k, args, compareTargets(args, ct))
	}
}

// ---------------------------------------------------------------------------
// GREATEST / LEAST: NULL when any argument is NULL.

func extremeInfer(name string) func([]*types.Type) (*types.Type, error) {
	return func(args []*types.Type) (*types.Type, error) {
		t, err := CommonType(args...)
		if err != nil || isNullType(t) {
			return nil, applyError(name, false, args, name+"(<COMPARABLE_TYPE>, ...)")
		}
		return nullableIf(t, args), nil
	}
}

func extremeBind(dir int) func([]*types.Type, *types.Type) (Kernel, error) {
	return func(args []*types.Type, ret *types.Type) (Kernel, error) {
		var choice []int32
		k := func(args []*types.Vector, n int, out *types.Vector) error {
			if cap(choice) < n {
				choice = make([]int32, n)
			}
			choice = choice[:n]
			for i := range choice {
				best := int32(0)
				for j := range args {
					if nullAt(args[j].Nulls, i) {
						best = -1
						break
					}
					if j > 0 && compareAt(args[j], i, args[best], i)*dir > 0 {
						best = int32(j)
					}
				}
				choice[i] = best
			}
			selectRows(out, args, choice, n)
			return nil
		}
		to := make([]*types.Type, len(args))
		for i, a := range args {
			if isNullType(a) || needsConversion(a, ret) {
				to[i] = ret
			}
		}
		return coerceArgs(k, args, to)
	}
}
