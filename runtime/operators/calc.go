package operators

import (
	"fmt"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
)

// Calc is Flink's Calc: an optional filter condition followed by a
// projection, row kinds preserved. It is stateless.
//
// Evaluation order per batch:
//
//  1. the condition (BOOLEAN; NULL counts as false) over the whole batch;
//  2. when every row passes (or there is no condition), the projections
//     over the input batch itself: ColumnRef projections reuse the input
//     vectors (zero copy, the input batch is forwarded piecewise), computed
//     projections are copied out of their evaluator's scratch vector;
//  3. otherwise the input columns the projections read are compacted to
//     the selected rows (typed gather per column) and the projections are
//     evaluated over the compacted batch only, so expressions never see
//     rows the condition rejected (Flink evaluates projections only on
//     rows that pass; e.g. a division guarded by WHERE b <> 0). Columns read
//     only inside computed projections are compacted into reusable scratch
//     vectors; columns projected as is are compacted into fresh vectors
//     that move downstream.
type Calc struct {
	projs   []expr.Expr
	condEv  *expr.Evaluator
	projEvs []*expr.Evaluator // nil entry: the projection is a ColumnRef
	refCol  []int             // input column of a ColumnRef projection, else -1
	used    []bool            // input column read by some projection
	top     []bool            // input column projected as is
	scratch []*types.Vector   // compaction scratch per input column
	sel     []int32
	seen    []bool
	out     runtime.Output
}

var _ runtime.Operator = (*Calc)(nil)

// NewCalc returns the factory of a Calc projecting projections over the
// rows satisfying condition (nil: every row). Empty projections forward
// every input column.
func NewCalc(projections []expr.Expr, condition expr.Expr) func(subtask, parallelism int) (runtime.Operator, error) {
	return func(subtask, parallelism int) (runtime.Operator, error) {
		return newCalc(projections, condition)
	}
}

func newCalc(projs []expr.Expr, cond expr.Expr) (*Calc, error) {
	c := &Calc{projs: projs}
	if cond != nil {
		if k := cond.Type().Kind; k != types.KindBoolean && k != types.KindNull {
			return nil, fmt.Errorf("operators: Calc condition %s has type %s, expected BOOLEAN", cond, cond.Type())
		}
		ev, err := expr.Compile(cond)
		if err != nil {
			return nil, err
		}
		c.condEv = ev
	}
	for _, p := range projs {
		if ref, ok := p.(*expr.ColumnRef); ok {
			c.refCol = append(c.refCol, ref.Index)
			c.projEvs = append(c.projEvs, nil)
			c.mark(ref.Index, true)
			continue
		}
		ev, err := expr.Compile(p)
		if err != nil {
			return nil, err
		}
		c.refCol = append(c.refCol, -1)
		c.projEvs = append(c.projEvs, ev)
		c.walk(p)
	}
	c.seen = make([]bool, len(c.used))
	return c, nil
}

func (c *Calc) mark(col int, top bool) {
	for len(c.used) <= col {
		c.used = append(c.used, false)
		c.top = append(c.top, false)
		c.scratch = append(c.scratch, nil)
	}
	c.used[col] = true
	if top {
		c.top[col] = true
	}
}

func (c *Calc) walk(e expr.Expr) {
	switch x := e.(type) {
	case *expr.ColumnRef:
		c.mark(x.Index, false)
	case *expr.Call:
		for _, a := range x.Args {
			c.walk(a)
		}
	case *expr.FieldAccess:
		c.walk(x.Arg)
	}
}

// Open keeps the output.
func (c *Calc) Open(_ *runtime.OperatorContext, out runtime.Output) error {
	c.out = out
	return nil
}

// ProcessBatch filters and projects one batch.
func (c *Calc) ProcessBatch(_ int, b *types.Batch) error {
	n := b.Len
	if n == 0 {
		return nil
	}
	if len(c.projs) == 0 && c.condEv == nil {
		return c.out.Emit(b)
	}
	if c.condEv == nil {
		return c.project(b)
	}
	v, err := c.condEv.Eval(b)
	if err != nil {
		return err
	}
	sel := c.sel[:0]
	if v.Type.Kind.Physical() == types.PhysBool {
		bools := v.Bools[:n]
		if !v.HasNulls() {
			for i, t := range bools {
				if t {
					sel = append(sel, int32(i))
				}
			}
		} else {
			nulls := v.Nulls
			for i, t := range bools {
				if t && !nullAt(nulls, i) {
					sel = append(sel, int32(i))
				}
			}
		}
	}
	c.sel = sel
	switch len(sel) {
	case 0:
		return nil
	case n:
		return c.project(b)
	}
	if len(c.projs) == 0 {
		return c.out.Emit(compactRows(b, sel))
	}
	g := &types.Batch{Cols: make([]*types.Vector, len(c.used)), Len: len(sel), Kinds: gatherKinds(b, sel)}
	for col, used := range c.used {
		if !used {
			continue
		}
		src := b.Cols[col]
		var dst *types.Vector
		if c.top[col] {
			dst = types.NewVector(src.Type, len(sel))
		} else {
			dst = c.scratch[col]
			if dst == nil || dst.Type != src.Type {
				dst = types.NewVector(src.Type, types.DefaultBatchSize)
				c.scratch[col] = dst
			}
			dst.Reset()
		}
		gather(dst, src, sel)
		g.Cols[col] = dst
	}
	return c.project(g)
}

// project evaluates the projections over src and emits the result. Input
// vectors projected as is move into the output (the first time; a column
// projected twice is copied the second time).
func (c *Calc) project(src *types.Batch) error {
	if len(c.projs) == 0 {
		return c.out.Emit(src)
	}
	ob := &types.Batch{Cols: make([]*types.Vector, len(c.projs)), Len: src.Len, Kinds: src.Kinds}
	seen := c.seen
	clear(seen)
	for i, ev := range c.projEvs {
		if ev == nil {
			col := c.refCol[i]
			if seen[col] {
				ob.Cols[i] = cloneVector(src.Cols[col])
			} else {
				seen[col] = true
				ob.Cols[i] = src.Cols[col]
			}
			continue
		}
		v, err := ev.Eval(src)
		if err != nil {
			return err
		}
		cv := newVectorExact(c.projs[i].Type(), v)
		appendRange(cv, v, 0, src.Len)
		ob.Cols[i] = cv
	}
	return c.out.Emit(ob)
}

// ProcessWatermark forwards the watermark.
func (c *Calc) ProcessWatermark(wm int64) error { return c.out.EmitWatermark(wm) }

// SnapshotState returns nil: Calc is stateless.
func (c *Calc) SnapshotState(int64) ([]byte, error) { return nil, nil }

// NotifyCheckpointComplete does nothing.
func (c *Calc) NotifyCheckpointComplete(int64) error { return nil }

// Finish does nothing.
func (c *Calc) Finish() error { return nil }

// Close does nothing.
func (c *Calc) Close() error { return nil }
