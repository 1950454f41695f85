package expr

import (
	"fmt"

	"github.com/flinkgo/engine/runtime/types"
)

// Conditional forms "CASE", "COALESCE", "IFNULL", "IF", "NULLIF".
//
// CASE is the searched form with arguments
//
//	when1, then1, when2, then2, ..., [else]
//
// (an odd count means the last argument is the ELSE value; no ELSE means
// ELSE NULL). Every when is BOOLEAN; a NULL condition counts as not true.
// The planner rewrites the simple form CASE x WHEN v1 THEN r1 ... into
// CASE WHEN x = v1 THEN r1 .... The result type is CommonType of the
// results, nullable when any result is nullable or there is no ELSE.
//
// All branches are evaluated for every row (vectorized); when a branch
// fails (e.g. a division by zero the condition guards against) the
// evaluator retries it over only the rows that select it (Guard, lazy.go),
// so errors surface only from rows whose value is used.

func init() {
	Register(&Function{Name: "CASE", MinArgs: 2, MaxArgs: -1, Infer: caseInfer, Bind: caseBind, Guard: caseGuard})
	Register(&Function{Name: "COALESCE", MinArgs: 1, MaxArgs: -1, Infer: coalesceInfer("COALESCE"), Bind: coalesceBind, Guard: coalesceGuard})
	Register(&Function{Name: "IFNULL", MinArgs: 2, MaxArgs: 2, Infer: coalesceInfer("IFNULL"), Bind: coalesceBind, Guard: coalesceGuard})
	Register(&Function{Name: "IF", MinArgs: 3, MaxArgs: 3, Infer: ifInfer, Bind: ifBind, Guard: ifGuard})
	Register(&Function{Name: "NULLIF", MinArgs: 2, MaxArgs: 2, Infer: nullifInfer, Bind: nullifBind})
}

var errMixing = fmt.Errorf("Illegal mixing of types in CASE or COALESCE statement")

func caseInfer(args []*types.Type) (*types.Type, error) {
	var results []*types.Type
	for i := 0; i+1 < len(args); i += 2 {
		if !isBoolOrNull(args[i]) {
			return nil, fmt.Errorf("Expected a boolean type for the WHEN condition %d of CASE, but got %s", i/2+1, args[i])
		}
		results = append(results, args[i+1])
	}
	hasElse := len(args)%2 == 1
	if hasElse {
		results = append(results, args[len(args)-1])
	}
	t, err := CommonType(results...)
	if err != nil {
		return nil, errMixing
	}
	if !hasElse {
		t = t.WithNullable(true)
	}
	return t, nil
}

// resultTargets converts the value arguments to the result type.
func resultTargets(args []*types.Type, ret *types.Type, isValue func(i int) bool) []*types.Type {
	to := make([]*types.Type, len(args))
	for i, a := range args {
		if !isValue(i) {
			if isNullType(a) {
				to[i] = types.Boolean
			}
			continue
		}
		if isNullType(a) || needsConversion(a, ret) {
			to[i] = ret.WithNullable(true)
		}
	}
	return to
}

func caseBind(args []*types.Type, ret *types.Type) (Kernel, error) {
	pairs := len(args) / 2
	hasElse := len(args)%2 == 1
	var choice []int32
	var srcs []*types.Vector
	k := func(args []*types.Vector, n int, out *types.Vector) error {
		if cap(choice) < n {
			choice = make([]int32, n)
		}
		choice = choice[:n]
		srcs = srcs[:0]
		for p := 0; p < pairs; p++ {
			srcs = append(srcs, args[2*p+1])
		}
		def := int32(-1)
		if hasElse {
			def = int32(len(srcs))
			srcs = append(srcs, args[len(args)-1])
		}
		for i := range choice {
			choice[i] = def
		}
		for p := pairs - 1; p >= 0; p-- {
			w := args[2*p]
			for i, b := range w.Bools[:n] {
				if b && !nullAt(w.Nulls, i) {
					choice[i] = int32(p)
				}
			}
		}
		selectRows(out, srcs, choice, n)
		return nil
	}
	to := resultTargets(args, ret, func(i int) bool { return i%2 == 1 || hasElse && i == len(args)-1 })
	return coerceArgs(k, args, to)
}

func coalesceInfer(name string) func([]*types.Type) (*types.Type, error) {
	return func(args []*types.Type) (*types.Type, error) {
		t, err := CommonType(args...)
		if err != nil {
			return nil, errMixing
		}
		nullable := true
		for _, a := range args {
			if !a.Nullable() {
				nullable = false
			}
		}
		return t.WithNullable(nullable), nil
	}
}

func coalesceBind(args []*types.Type, ret *types.Type) (Kernel, error) {
	var choice []int32
	k := func(args []*types.Vector, n int, out *types.Vector) error {
		if cap(choice) < n {
			choice = make([]int32, n)
		}
		choice = choice[:n]
		for i := range choice {
			choice[i] = -1
		}
		for j := len(args) - 1; j >= 0; j-- {
			a := args[j]
			if !anyNull(a.Nulls) && a.Type.Kind != types.KindNull {
				for i := range choice {
					choice[i] = int32(j)
				}
				continue
			}
			for i := range choice {
				if !nullAt(a.Nulls, i) {
					choice[i] = int32(j)
				}
			}
		}
		selectRows(out, args, choice, n)
		return nil
	}
	return coerceArgs(k, args, resultTargets(args, ret, func(int) bool { return true }))
}

func ifInfer(args []*types.Type) (*types.Type, error) {
	if !isBoolOrNull(args[0]) {
		return nil, applyError("IF", false, args, "IF(<BOOLEAN>, <ANY>, <ANY>)")
	}
	t, err := CommonType(args[1], args[2])
	if err != nil {
		return nil, applyError("IF", false, args, "IF(<BOOLEAN>, <ANY>, <ANY>)")
	}
	return t, nil
}

func ifBind(args []*types.Type, ret *types.Type) (Kernel, error) {
	var choice []int32
	srcs := make([]*types.Vector, 2)
	k := func(args []*types.Vector, n int, out *types.Vector) error {
		if cap(choice) < n {
			choice = make([]int32, n)
		}
		choice = choice[:n]
		c := args[0]
		for i, b := range c.Bools[:n] {
			if b && !nullAt(c.Nulls, i) {
				choice[i] = 0
			} else {
				choice[i] = 1
			}
		}
		srcs[0], srcs[1] = args[1], args[2]
		selectRows(out, srcs, choice, n)
		return nil
	}
	return coerceArgs(k, args, resultTargets(args, ret, func(i int) bool { return i > 0 }))
}

func nullifInfer(args []*types.Type) (*types.Type, error) {
	if _, ok := comparisonType(args[0], args[1]); !ok {
		return nil, applyError("NULLIF", false, args, "NULLIF(<COMPARABLE_TYPE>, <COMPARABLE_TYPE>)")
	}
	if isNullType(args[0]) {
		return nil, fmt.Errorf("Illegal use of 'NULL'")
	}
	return plain(args[0]).WithNullable(true), nil
}

func nullifBind(args []*types.Type, ret *types.Type) (Kernel, error) {
	eq, err := bindCompare(opEq, args[0], args[1], nil)
	if err != nil {
		return nil, err
	}
	ev := types.NewVector(types.Boolean, types.DefaultBatchSize)
	var choice []int32
	srcs := make([]*types.Vector, 1)
	return func(args []*types.Vector, n int, out *types.Vector) error {
		ev.Reset()
		if err := eq(args, n, ev); err != nil {
			return err
		}
		if cap(choice) < n {
			choice = make([]int32, n)
		}
		choice = choice[:n]
		for i, b := range ev.Bools[:n] {
			if b && !nullAt(ev.Nulls, i) {
				choice[i] = -1
			} else {
				choice[i] = 0
			}
		}
		srcs[0] = args[0]
		selectRows(out, srcs, choice, n)
		return nil
	}, nil
}
