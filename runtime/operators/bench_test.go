package operators

import (
	"testing"

	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
)

func benchCalcBatch() *types.Batch {
	ts := []*types.Type{types.BigInt, types.BigInt, types.String, types.Double}
	b := types.NewBatch(ts, types.DefaultBatchSize)
	for i := 0; i < types.DefaultBatchSize; i++ {
		b.Cols[0].AppendInt(int64(i))
		if i%10 == 0 {
			b.Cols[1].AppendNull()
		} else {
			b.Cols[1].AppendInt(int64(i * 3))
		}
		b.Cols[2].AppendString("some-string-value")
		b.Cols[3].AppendFloat(float64(i) / 3)
	}
	b.Len = types.DefaultBatchSize
	return b
}

func reportPerRow(b *testing.B, rowsPerOp int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rowsPerOp), "ns/row")
}

// BenchmarkCalcFilterProject: WHERE a > 512 (half the rows), SELECT a + b, c, d.
func BenchmarkCalcFilterProject(b *testing.B) {
	a, bb := col(0, types.BigInt), col(1, types.BigInt)
	projs := []expr.Expr{call(fnAd, a, bb), col(2, types.String), col(3, types.Double)}
	benchCalc(b, projs, call(fnGt, a, litInt(512)))
}

// BenchmarkCalcProjectZeroCopy: SELECT c, a (ColumnRefs, no condition).
func BenchmarkCalcProjectZeroCopy(b *testing.B) {
	benchCalc(b, []expr.Expr{col(2, types.String), col(0, types.BigInt)}, nil)
}

func benchCalc(b *testing.B, projs []expr.Expr, cond expr.Expr) {
	h := openOp(b, NewCalc(projs, cond), nil)
	in := benchCalcBatch()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := h.op.ProcessBatch(0, in); err != nil {
			b.Fatal(err)
		}
		h.out.batches = h.out.batches[:0]
	}
	reportPerRow(b, in.Len)
}

// BenchmarkCalcStrategyEvalThenGather measures the alternative Calc does not
// use (evaluate projections over every row, then gather the survivors), for
// comparison with BenchmarkCalcFilterProject. It is also wrong for
// projections that fail on rows the filter rejects.
func BenchmarkCalcStrategyEvalThenGather(b *testing.B) {
	a, bb := col(0, types.BigInt), col(1, types.BigInt)
	projs := []expr.Expr{call(fnAd, a, bb), col(2, types.String), col(3, types.Double)}
	condEv, _ := expr.Compile(call(fnGt, a, litInt(512)))
	evs := make([]*expr.Evaluator, len(projs))
	for i, p := range projs {
		evs[i], _ = expr.Compile(p)
	}
	in := benchCalcBatch()
	var sel []int32
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, _ := condEv.Eval(in)
		sel = sel[:0]
		for j := 0; j < in.Len; j++ {
			if v.Bools[j] && !v.IsNull(j) {
				sel = append(sel, int32(j))
			}
		}
		out := &types.Batch{Cols: make([]*types.Vector, len(projs)), Len: len(sel)}
		for k, ev := range evs {
			pv, _ := ev.Eval(in)
			out.Cols[k] = types.NewVector(projs[k].Type(), len(sel))
			gather(out.Cols[k], pv, sel)
		}
	}
	reportPerRow(b, in.Len)
}
