package operators

import (
	"fmt"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
)

// Unnest implements `CROSS JOIN UNNEST(arr) AS t(...)` (and, with outer,
// `LEFT JOIN UNNEST(arr) ON TRUE`): each input row is repeated once per
// element of its array, row kind preserved. Output columns are the input
// columns followed by the element columns (UnnestElementTypes): the element
// for ARRAY<T>, the fields for ARRAY<ROW<...>> (a NULL row element gives
// NULL fields), key and value for MAP<K, V>. A NULL or empty array yields
// no row, or with outer one row with NULL element columns. Stateless.
type Unnest struct {
	ev    *expr.Evaluator
	kind  types.Kind
	isRow bool
	outer bool
	rep   []int32 // input row of each output row
	elem  []int32 // element index of each output row, -1 for NULL
	rowEl []int32 // elem with NULL ROW elements mapped to -1
	out   runtime.Output
}

var _ runtime.Operator = (*Unnest)(nil)

// UnnestElementTypes returns the element columns UNNEST appends for a
// value of type t (ARRAY or MAP), or an error for other types.
func UnnestElementTypes(t *types.Type) ([]*types.Type, error) {
	switch t.Kind {
	case types.KindArray:
		if t.Elem.Kind == types.KindRow {
			ts := make([]*types.Type, len(t.Elem.Fields))
			for i, f := range t.Elem.Fields {
				ts[i] = f.Type
				if t.Elem.Nullable() {
					ts[i] = f.Type.WithNullable(true)
				}
			}
			return ts, nil
		}
		return []*types.Type{t.Elem}, nil
	case types.KindMap:
		return []*types.Type{t.Key, t.Elem}, nil
	}
	return nil, fmt.Errorf("operators: UNNEST expects an ARRAY or MAP, got %s", t)
}

// NewUnnest returns the factory of an Unnest over the array (or map)
// expression; outer keeps rows whose array is NULL or empty.
func NewUnnest(array expr.Expr, outer bool) func(subtask, parallelism int) (runtime.Operator, error) {
	return func(subtask, parallelism int) (runtime.Operator, error) {
		t := array.Type()
		if _, err := UnnestElementTypes(t); err != nil {
			return nil, err
		}
		ev, err := expr.Compile(array)
		if err != nil {
			return nil, err
		}
		return &Unnest{ev: ev, kind: t.Kind, isRow: t.Kind == types.KindArray && t.Elem.Kind == types.KindRow, outer: outer}, nil
	}
}

// Open keeps the output.
func (u *Unnest) Open(_ *runtime.OperatorContext, out runtime.Output) error {
	u.out = out
	return nil
}

// ProcessBatch expands every row by its elements.
func (u *Unnest) ProcessBatch(_ int, b *types.Batch) error {
	if b.Len == 0 {
		return nil
	}
	v, err := u.ev.Eval(b)
	if err != nil {
		return err
	}
	rep, elem := u.rep[:0], u.elem[:0]
	for i := 0; i < b.Len; i++ {
		from, to := v.Offsets[i], v.Offsets[i+1]
		if nullAt(v.Nulls, i) || from == to {
			if u.outer {
				rep = append(rep, int32(i))
				elem = append(elem, -1)
			}
			continue
		}
		for j := from; j < to; j++ {
			rep = append(rep, int32(i))
			elem = append(elem, j)
		}
	}
	u.rep, u.elem = rep, elem
	m := len(rep)
	if m == 0 {
		return nil
	}
	var elemCols []*types.Vector
	if u.isRow {
		elemCols = v.Children[0].Children
	} else {
		elemCols = v.Children
	}
	sel := elem
	if u.isRow && v.Children[0].HasNulls() {
		rows := v.Children[0]
		u.rowEl = resize(u.rowEl, m)
		for k, j := range elem {
			if j >= 0 && nullAt(rows.Nulls, int(j)) {
				j = -1
			}
			u.rowEl[k] = j
		}
		sel = u.rowEl
	}
	// Long expansions are emitted in batches of at most
	// types.DefaultBatchSize rows.
	for lo := 0; lo < m; lo += types.DefaultBatchSize {
		hi := min(lo+types.DefaultBatchSize, m)
		r := rep[lo:hi]
		ob := &types.Batch{Cols: make([]*types.Vector, 0, len(b.Cols)+len(elemCols)), Len: hi - lo, Kinds: gatherKinds(b, r)}
		for _, c := range b.Cols {
			dst := types.NewVector(c.Type, hi-lo)
			gather(dst, c, r)
			ob.Cols = append(ob.Cols, dst)
		}
		for _, c := range elemCols {
			dst := types.NewVector(c.Type, hi-lo)
			gather(dst, c, sel[lo:hi])
			ob.Cols = append(ob.Cols, dst)
		}
		if err := u.out.Emit(ob); err != nil {
			return err
		}
	}
	return nil
}

// ProcessWatermark forwards the watermark.
func (u *Unnest) ProcessWatermark(wm int64) error { return u.out.EmitWatermark(wm) }

// SnapshotState returns nil: Unnest is stateless.
func (u *Unnest) SnapshotState(int64) ([]byte, error) { return nil, nil }

// NotifyCheckpointComplete does nothing.
func (u *Unnest) NotifyCheckpointComplete(int64) error { return nil }

// Finish does nothing.
func (u *Unnest) Finish() error { return nil }

// Close does nothing.
func (u *Unnest) Close() error { return nil }
