package expr

import (
	"github.com/flinkgo/engine/runtime/types"
)

// Lazy evaluation of conditional forms. Kernels see whole vectors, so every
// argument of CASE, IF, COALESCE, AND and OR is evaluated for every row.
// When that raises an error (division by zero, a failing CAST) the
// evaluator calls retryGuarded, which evaluates the argument again over only
// the rows whose value can matter (Function.Guard) and leaves the others
// NULL. The common, error-free path costs nothing extra.

// retryGuarded re-evaluates argument j of call node n over the rows that
// need it after evaluating it over all of b failed with err.
func (n *node) retryGuarded(j int, b *types.Batch, err error) (*types.Vector, error) {
	call, ok := n.expr.(*Call)
	if !ok || call.Fn.Guard == nil {
		return nil, err
	}
	guard := call.Fn.Guard
	prev := n.argVecs[:j]
	rows := make([]int, 0, b.Len)
	for i := 0; i < b.Len; i++ {
		if guard(j, prev, i) {
			rows = append(rows, i)
		}
	}
	if len(rows) == b.Len {
		return nil, err
	}
	out := types.NewVector(call.Args[j].Type(), b.Len)
	if len(rows) == 0 {
		appendNulls(out, b.Len)
		return out, nil
	}
	sub := &types.Batch{Len: len(rows), Cols: make([]*types.Vector, len(b.Cols))}
	for c, col := range b.Cols {
		v := types.NewVector(col.Type, len(rows))
		for _, i := range rows {
			v.AppendFrom(col, i)
		}
		sub.Cols[c] = v
	}
	part, err := n.args[j].eval(sub)
	if err != nil {
		return nil, err
	}
	k := 0
	for i := 0; i < b.Len; i++ {
		if k < len(rows) && rows[k] == i {
			out.AppendFrom(part, k)
			k++
		} else {
			out.AppendNull()
		}
	}
	return out, nil
}

// isTrue reports a non-NULL TRUE at row i of a BOOLEAN vector.
func isTrue(v *types.Vector, i int) bool {
	return v.Type.Kind == types.KindBoolean && !nullAt(v.Nulls, i) && v.Bools[i]
}

// caseGuard: a WHEN (even index) or the ELSE matters while no earlier WHEN
// is true; THEN k (odd index) where WHEN k is the first true one.
func caseGuard(j int, prev []*types.Vector, i int) bool {
	k := j / 2
	for p := 0; p < k; p++ {
		if isTrue(prev[2*p], i) {
			return false
		}
	}
	if j%2 == 1 {
		return isTrue(prev[j-1], i)
	}
	return true
}

// ifGuard: the THEN value matters where the condition is true, the ELSE
// value elsewhere.
func ifGuard(j int, prev []*types.Vector, i int) bool {
	switch j {
	case 1:
		return isTrue(prev[0], i)
	case 2:
		return !isTrue(prev[0], i)
	}
	return true
}

// coalesceGuard: an argument matters while every earlier one is NULL.
func coalesceGuard(j int, prev []*types.Vector, i int) bool {
	for _, p := range prev {
		if !nullAt(p.Nulls, i) && p.Type.Kind != types.KindNull {
			return false
		}
	}
	return true
}

// andGuard: an operand matters while no earlier one is FALSE.
func andGuard(j int, prev []*types.Vector, i int) bool {
	for _, p := range prev {
		if p.Type.Kind == types.KindBoolean && !nullAt(p.Nulls, i) && !p.Bools[i] {
			return false
		}
	}
	return true
}

// orGuard: an operand matters while no earlier one is TRUE.
func orGuard(j int, prev []*types.Vector, i int) bool {
	for _, p := range prev {
		if isTrue(p, i) {
			return false
		}
	}
	return true
}
