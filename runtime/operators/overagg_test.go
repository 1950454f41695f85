package operators

import (
	"slices"
	"testing"

	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// Over test input: key STRING, v BIGINT, ts TIMESTAMP(3) (µs).
var overIn = []*types.Type{types.String, types.BigInt, types.Timestamp(3)}

func overRowOf(k string, v, ms int64) row { return ins(k, v, ms*1000) }

func TestOverAggregate(t *testing.T) {
	sum := []AggCall{{Kind: AggSum, Arg: 1, Type: types.BigInt}}
	tests := []struct {
		name  string
		frame OverFrame
		want  []string
	}{
		{"rows 1 preceding", OverFrame{Rows: true, Preceding: 1},
			[]string{"+I[a, 1, 1000000, 1]", "+I[a, 2, 2000000, 3]", "+I[a, 4, 2000000, 6]", "+I[a, 8, 5000000, 12]"}},
		{"range 1 s with peers", OverFrame{Preceding: 1000},
			[]string{"+I[a, 1, 1000000, 1]", "+I[a, 2, 2000000, 7]", "+I[a, 4, 2000000, 7]", "+I[a, 8, 5000000, 8]"}},
		{"unbounded", OverFrame{Unbounded: true},
			[]string{"+I[a, 1, 1000000, 1]", "+I[a, 2, 2000000, 7]", "+I[a, 4, 2000000, 7]", "+I[a, 8, 5000000, 15]"}},
	}
	for _, tc := range tests {
		for _, kind := range allBackends {
			t.Run(tc.name+"/"+kind.String(), func(t *testing.T) {
				store := state.NewMemoryStore()
				f := NewOverAggregate([]int{0}, 2, tc.frame, false, sum, overIn)
				h := openAgg(t, f, kind, 0, 1, nil)
				// Out of order within the watermark's delay: emitted sorted.
				eqRows(t, "buffered", h.feed(t, mkBatch(overIn, overRowOf("a", 2, 2000), overRowOf("a", 1, 1000), overRowOf("a", 4, 2000))))
				eqRows(t, "first rows", h.watermark(t, 2000), tc.want[:3]...)
				h.feed(t, mkBatch(overIn, overRowOf("a", 8, 5000), overRowOf("a", 99, 1500)))
				if h.ctx.Metrics.LateRecords.Load() != 1 {
					t.Errorf("late records = %d", h.ctx.Metrics.LateRecords.Load())
				}
				if kind == noRuntime {
					eqRows(t, "last row", h.watermark(t, 9000), tc.want[3])
					return
				}
				hd := h.snapshot(t, 1, store)
				eqRows(t, "last row", h.watermark(t, 9000), tc.want[3])
				// Restored at parallelism 2: the pending row comes out once.
				var got []string
				for sub := range 2 {
					r := openAgg(t, f, kind, sub, 2, [][]byte{hd}, store)
					got = append(got, r.watermark(t, 9000)...)
				}
				slices.Sort(got)
				eqRows(t, "restored", got, tc.want[3])
			})
		}
	}
}

// TestOverAggregateProcTime: ordered by processing time, rows are emitted
// when they arrive, with the operator clock's time; a batch's rows are
// peers of a RANGE frame; watermarks emit nothing.
func TestOverAggregateProcTime(t *testing.T) {
	sum := []AggCall{{Kind: AggSum, Arg: 1, Type: types.BigInt}}
	tests := []struct {
		name  string
		frame OverFrame
		want  [][]string
	}{
		{"rows 1 preceding", OverFrame{Rows: true, Preceding: 1}, [][]string{
			{"+I[a, 1, 0, 1]", "+I[a, 2, 0, 3]", "+I[b, 5, 0, 5]"}, {"+I[a, 4, 0, 6]"}, {"+I[a, 8, 0, 12]"}}},
		{"range 1 s", OverFrame{Preceding: 1000}, [][]string{
			{"+I[a, 1, 0, 3]", "+I[a, 2, 0, 3]", "+I[b, 5, 0, 5]"}, {"+I[a, 4, 0, 7]"}, {"+I[a, 8, 0, 8]"}}},
		{"unbounded", OverFrame{Unbounded: true}, [][]string{
			{"+I[a, 1, 0, 3]", "+I[a, 2, 0, 3]", "+I[b, 5, 0, 5]"}, {"+I[a, 4, 0, 7]"}, {"+I[a, 8, 0, 15]"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := openOp(t, NewOverAggregate([]int{0}, 2, tc.frame, true, sum, overIn), nil)
			h.clock.ms = 1000
			got := h.feed(t, mkBatch(overIn, overRowOf("a", 1, 0), overRowOf("b", 5, 0), overRowOf("a", 2, 0)))
			slices.Sort(got)
			eqRows(t, "first batch", got, tc.want[0]...)
			if err := h.op.ProcessWatermark(99999); err != nil {
				t.Fatal(err)
			}
			eqRows(t, "watermark", h.out.take())
			h.clock.ms = 1500
			eqRows(t, "second batch", h.feed(t, mkBatch(overIn, overRowOf("a", 4, 0))), tc.want[1]...)
			h.clock.ms = 3000
			eqRows(t, "third batch", h.feed(t, mkBatch(overIn, overRowOf("a", 8, 0))), tc.want[2]...)
		})
	}
}
