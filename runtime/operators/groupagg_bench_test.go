package operators

import (
	"testing"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// benchAggBatch: 1024 rows over nkeys BIGINT keys.
func benchAggBatch(offset, nkeys int) *types.Batch {
	ts := []*types.Type{types.BigInt, types.BigInt}
	b := types.NewBatch(ts, types.DefaultBatchSize)
	for i := 0; i < types.DefaultBatchSize; i++ {
		b.Cols[0].AppendInt(int64((i*7919 + offset) % nkeys))
		b.Cols[1].AppendInt(int64(i))
	}
	b.Len = types.DefaultBatchSize
	return b
}

// benchAgg runs f over batches (round robin) on each runtime backend.
func benchAgg(b *testing.B, f func(int, int) (runtime.Operator, error), batches []*types.Batch) {
	for _, kind := range runtimeBackends {
		b.Run(kind.String(), func(b *testing.B) {
			h := openAgg(b, f, kind, 0, 1, nil)
			for _, in := range batches {
				h.feed(b, in)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := h.op.ProcessBatch(0, batches[i%len(batches)]); err != nil {
					b.Fatal(err)
				}
				h.out.batches = h.out.batches[:0]
			}
			reportPerRow(b, types.DefaultBatchSize)
		})
	}
}

// BenchmarkGroupAggCountSum: SELECT k, COUNT(*), SUM(v) GROUP BY k, 1000 keys.
func BenchmarkGroupAggCountSum(b *testing.B) {
	calls := []AggCall{{Kind: AggCountStar, Arg: -1, Type: types.BigInt}, {Kind: AggSum, Arg: 1, Type: types.BigInt}}
	f := NewGroupAggregate([]int{0}, calls, []*types.Type{types.BigInt, types.BigInt},
		[]*types.Type{types.BigInt, types.BigInt, types.BigInt}, AggOptions{})
	benchAgg(b, f, []*types.Batch{benchAggBatch(0, 1000), benchAggBatch(1, 1000), benchAggBatch(2, 1000), benchAggBatch(3, 1000)})
}

// BenchmarkGroupAggStringKeyMinMax: string keys, MIN/MAX with retraction support.
func BenchmarkGroupAggStringKeyMinMax(b *testing.B) {
	ts := []*types.Type{types.String, types.BigInt}
	in := types.NewBatch(ts, types.DefaultBatchSize)
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = "key-" + string(rune('a'+i%26)) + string(rune('a'+i/26%26))
	}
	for i := 0; i < types.DefaultBatchSize; i++ {
		in.Cols[0].AppendString(keys[(i*7919)%1000])
		in.Cols[1].AppendInt(int64(i % 50))
	}
	in.Len = types.DefaultBatchSize
	calls := []AggCall{{Kind: AggMin, Arg: 1, Type: types.BigInt}, {Kind: AggMax, Arg: 1, Type: types.BigInt}}
	benchAgg(b, NewGroupAggregate([]int{0}, calls, ts, []*types.Type{types.String, types.BigInt, types.BigInt}, AggOptions{}), []*types.Batch{in})
}
