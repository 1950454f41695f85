package operators

import (
	"fmt"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
)

// Lookuper finds the rows of a dimension table matching keys; the
// connectors' Lookuper (connectors.Lookuper) has this method set. See its
// documentation for call order and ownership.
type Lookuper interface {
	Open(ctx *runtime.OperatorContext) error
	Lookup(keys []*types.Vector, n int, out *types.Batch, from []int32) ([]int32, error)
	Close() error
}

// LookupJoin is Flink's processing-time lookup join (JOIN dim FOR
// SYSTEM_TIME AS OF o.proc_time AS d ON o.k = d.k): every input row is
// joined with the rows the dimension table holds for its key at the moment
// it passes, looked up once per input batch; an optional residual
// condition over the joined row filters the matches. Inner: rows without a
// match are dropped; left outer: they are padded with NULLs. Output rows
// keep their input row's kind and input order. Stateless (a cache, if any,
// belongs to the lookuper).
type LookupJoin struct {
	newLookuper func(subtask, parallelism int) (Lookuper, error)
	keys        []int
	leftTypes   []*types.Type
	rightTypes  []*types.Type
	outer       bool
	ev          *expr.Evaluator

	lk      Lookuper
	out     runtime.Output
	keyVecs []*types.Vector
	found   *types.Batch
	from    []int32
	joined  types.Batch
	keep    []bool
}

var _ runtime.Operator = (*LookupJoin)(nil)

// NewLookupJoin returns the factory of a lookup join: the input's key
// columns keys are looked up (in the lookuper's key order); rightTypes are
// the types of the rows the lookuper returns; residual is over the joined
// row (nil for none).
func NewLookupJoin(newLookuper func(subtask, parallelism int) (Lookuper, error), keys []int, leftTypes, rightTypes []*types.Type, outer bool, residual expr.Expr) func(int, int) (runtime.Operator, error) {
	return func(subtask, parallelism int) (runtime.Operator, error) {
		j := &LookupJoin{newLookuper: newLookuper, keys: keys, leftTypes: leftTypes, rightTypes: rightTypes, outer: outer}
		if residual != nil {
			ev, err := expr.Compile(residual)
			if err != nil {
				return nil, err
			}
			j.ev = ev
		}
		return j, nil
	}
}

// Open creates and opens the lookuper of this subtask.
func (j *LookupJoin) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	j.out = out
	lk, err := j.newLookuper(ctx.Subtask, max(ctx.Parallelism, 1))
	if err != nil {
		return err
	}
	j.lk = lk
	if err := lk.Open(ctx); err != nil {
		return fmt.Errorf("lookup join %s: %w", ctx.Name, err)
	}
	j.found = &types.Batch{}
	for _, t := range j.rightTypes {
		j.found.Cols = append(j.found.Cols, types.NewVector(t, types.DefaultBatchSize))
	}
	return nil
}

// ProcessBatch looks up the batch's keys and emits the joined rows.
func (j *LookupJoin) ProcessBatch(_ int, b *types.Batch) error {
	if b.Len == 0 {
		return nil
	}
	j.keyVecs = j.keyVecs[:0]
	for _, k := range j.keys {
		j.keyVecs = append(j.keyVecs, b.Cols[k])
	}
	for _, v := range j.found.Cols {
		v.Reset()
	}
	j.found.Len = 0
	var err error
	if j.from, err = j.lk.Lookup(j.keyVecs, b.Len, j.found, j.from[:0]); err != nil {
		return err
	}
	m := len(j.from)
	// Candidate pairs: input row from[i] with found row i.
	jb := &j.joined
	jb.Len, jb.Kinds = m, nil
	jb.Cols = jb.Cols[:0]
	for _, v := range b.Cols {
		g := types.NewVector(v.Type, m)
		gather(g, v, j.from)
		jb.Cols = append(jb.Cols, g)
	}
	jb.Cols = append(jb.Cols, j.found.Cols...)
	keep := j.keep[:0]
	for range m {
		keep = append(keep, true)
	}
	j.keep = keep
	if j.ev != nil && m > 0 {
		res, err := j.ev.Eval(jb)
		if err != nil {
			return err
		}
		for i := range keep {
			keep[i] = res.Bools[i] && !res.IsNull(i)
		}
	}
	// Output in input order: each row's matches, or its padding.
	ob := &types.Batch{Cols: make([]*types.Vector, len(b.Cols)+len(j.rightTypes))}
	for c, v := range jb.Cols {
		t := v.Type
		if c >= len(b.Cols) {
			t = t.WithNullable(true)
		}
		ob.Cols[c] = types.NewVector(t, m)
	}
	var kinds []types.RowKind
	p := 0
	for r := 0; r < b.Len; r++ {
		matched := false
		for ; p < m && int(j.from[p]) == r; p++ {
			if !keep[p] {
				continue
			}
			matched = true
			for c, v := range jb.Cols {
				ob.Cols[c].AppendFrom(v, p)
			}
			kinds = append(kinds, b.Kind(r))
			ob.Len++
		}
		if !matched && j.outer {
			for c, v := range b.Cols {
				ob.Cols[c].AppendFrom(v, r)
			}
			for c := range j.rightTypes {
				ob.Cols[len(b.Cols)+c].AppendNull()
			}
			kinds = append(kinds, b.Kind(r))
			ob.Len++
		}
	}
	if ob.Len == 0 {
		return nil
	}
	if b.Kinds != nil {
		ob.Kinds = kinds
	}
	return j.out.Emit(ob)
}

func (j *LookupJoin) ProcessWatermark(wm int64) error      { return j.out.EmitWatermark(wm) }
func (j *LookupJoin) SnapshotState(int64) ([]byte, error)  { return nil, nil }
func (j *LookupJoin) NotifyCheckpointComplete(int64) error { return nil }
func (j *LookupJoin) Finish() error                        { return nil }

// Close closes the lookuper.
func (j *LookupJoin) Close() error {
	if j.lk == nil {
		return nil
	}
	err := j.lk.Close()
	j.lk = nil
	return err
}
