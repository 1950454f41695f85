package expr

import (
	"github.com/flinkgo/engine/runtime/types"
)

// Boolean logic with SQL three-valued semantics: "AND", "OR" (two or more
// arguments), "NOT", and the null tests "IS NULL", "IS NOT NULL",
// "IS TRUE", "IS FALSE", "IS NOT TRUE", "IS NOT FALSE" (never NULL).
//
//	AND: FALSE if any operand is FALSE, else NULL if any is NULL, else TRUE.
//	OR:  TRUE if any operand is TRUE, else NULL if any is NULL, else FALSE.
//
// Operands are evaluated for every row (vectorized); an operand that fails
// is retried over only the rows not yet decided (Guard, lazy.go), which
// gives the effect of short-circuit evaluation for errors.

func init() {
	Register(&Function{Name: "AND", Infix: "AND", MinArgs: 2, MaxArgs: -1, Infer: boolInfer("AND", true), Bind: boolBind(andKernel), Guard: andGuard})
	Register(&Function{Name: "OR", Infix: "OR", MinArgs: 2, MaxArgs: -1, Infer: boolInfer("OR", true), Bind: boolBind(orKernel), Guard: orGuard})
	Register(&Function{Name: "NOT", MinArgs: 1, MaxArgs: 1, Infer: boolInfer("NOT", false), Bind: boolBind(notKernel)})
	tests := []struct {
		name string
		f    func(null, v bool) bool
	}{
		{"IS TRUE", func(null, v bool) bool { return !null && v }},
		{"IS FALSE", func(null, v bool) bool { return !null && !v }},
		{"IS NOT TRUE", func(null, v bool) bool { return null || !v }},
		{"IS NOT FALSE", func(null, v bool) bool { return null || v }},
	}
	for _, t := range tests {
		Register(&Function{Name: t.name, MinArgs: 1, MaxArgs: 1,
			Infer: func(args []*types.Type) (*types.Type, error) {
				if !isBoolOrNull(args[0]) {
					return nil, applyError(t.name, false, args, "<BOOLEAN> "+t.name)
				}
				return types.Boolean.WithNullable(false), nil
			},
			Bind: boolBind(truthKernel(t.f))})
	}
	Register(&Function{Name: "IS NULL", MinArgs: 1, MaxArgs: 1, Infer: notNullBool, Bind: isNullBind(true)})
	Register(&Function{Name: "IS NOT NULL", MinArgs: 1, MaxArgs: 1, Infer: notNullBool, Bind: isNullBind(false)})
}

func boolInfer(name string, infix bool) func([]*types.Type) (*types.Type, error) {
	return func(args []*types.Type) (*types.Type, error) {
		for _, a := range args {
			if !isBoolOrNull(a) {
				form := "<BOOLEAN> " + name + " <BOOLEAN>"
				if !infix {
					form = name + " <BOOLEAN>"
				}
				return nil, applyError(name, infix, args, form)
			}
		}
		return nullableIf(types.Boolean, args), nil
	}
}

// boolBind converts untyped NULL arguments to BOOLEAN before k.
func boolBind(k Kernel) func([]*types.Type, *types.Type) (Kernel, error) {
	return func(args []*types.Type, ret *types.Type) (Kernel, error) {
		to := make([]*types.Type, len(args))
		for i, a := range args {
			if isNullType(a) {
				to[i] = types.Boolean
			}
		}
		return coerceArgs(k, args, to)
	}
}

func andKernel(args []*types.Vector, n int, out *types.Vector) error {
	return logicKernel(args, n, out, false)
}

func orKernel(args []*types.Vector, n int, out *types.Vector) error {
	return logicKernel(args, n, out, true)
}

// logicKernel folds AND (dominant = false) or OR (dominant = true).
func logicKernel(args []*types.Vector, n int, out *types.Vector, dominant bool) error {
	r := sizeBools(out, n)
	noNulls := true
	for _, a := range args {
		if anyNull(a.Nulls) {
			noNulls = false
			break
		}
	}
	if noNulls {
		copy(r, args[0].Bools[:n])
		for _, a := range args[1:] {
			b := a.Bools[:n]
			if dominant {
				for i := range r {
					r[i] = r[i] || b[i]
				}
			} else {
				for i := range r {
					r[i] = r[i] && b[i]
				}
			}
		}
		out.Nulls = out.Nulls[:0]
		out.Len = n
		return nil
	}
	setNullWords(out, n)
	for i := range r {
		decided := false
		sawNull := false
		for _, a := range args {
			if nullAt(a.Nulls, i) {
				sawNull = true
				continue
			}
			if a.Bools[i] == dominant {
				decided = true
				break
			}
		}
		switch {
		case decided:
			r[i] = dominant
		case sawNull:
			r[i] = false
			out.SetNull(i)
		default:
			r[i] = !dominant
		}
	}
	finish(out, n)
	return nil
}

func notKernel(args []*types.Vector, n int, out *types.Vector) error {
	r := sizeBools(out, n)
	for i, b := range args[0].Bools[:n] {
		r[i] = !b
	}
	copyNulls(out, args[0], n)
	finish(out, n)
	return nil
}

func truthKernel(f func(null, v bool) bool) Kernel {
	return func(args []*types.Vector, n int, out *types.Vector) error {
		a := args[0]
		r := sizeBools(out, n)
		for i := range r {
			r[i] = f(nullAt(a.Nulls, i), a.Bools[i])
		}
		out.Nulls = out.Nulls[:0]
		out.Len = n
		return nil
	}
}

func notNullBool([]*types.Type) (*types.Type, error) { return types.Boolean.WithNullable(false), nil }

func isNullBind(want bool) func([]*types.Type, *types.Type) (Kernel, error) {
	return func([]*types.Type, *types.Type) (Kernel, error) {
		return func(args []*types.Vector, n int, out *types.Vector) error {
			a := args[0]
			r := sizeBools(out, n)
			if a.Type.Kind == types.KindNull {
				for i := range r {
					r[i] = want
				}
			} else {
				for i := range r {
					r[i] = nullAt(a.Nulls, i) == want
				}
			}
			out.Nulls = out.Nulls[:0]
			out.Len = n
			return nil
		}, nil
	}
}
