package operators

import (
	"slices"
	"testing"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

var wmTypes = []*types.Type{types.BigInt, types.Timestamp3}

// ts returns µs for a ms instant.
func ts(ms int64) int64 { return ms * 1000 }

func TestWatermarkAssigner(t *testing.T) {
	type step struct {
		advanceMs int64 // clock advance before the batch
		rowtimes  []any // µs values, nil = NULL
		want      []int64
	}
	tests := []struct {
		name     string
		interval int64
		steps    []step
	}{
		{
			name: "every batch",
			steps: []step{
				{rowtimes: []any{ts(5000), ts(7000), ts(6000)}, want: []int64{7000}},
				{rowtimes: []any{ts(6500)}},                           // no advance
				{rowtimes: []any{nil, ts(7001)}, want: []int64{7001}}, // NULL ignored
				{rowtimes: []any{nil}},
			},
		},
		{
			name:     "interval",
			interval: 200,
			steps: []step{
				{advanceMs: 100, rowtimes: []any{ts(1000)}},                      // 100ms since open
				{advanceMs: 100, rowtimes: []any{ts(2000)}, want: []int64{2000}}, // 200ms
				{advanceMs: 50, rowtimes: []any{ts(3000)}},
				{advanceMs: 149, rowtimes: []any{ts(2500)}},
				{advanceMs: 1, rowtimes: []any{ts(2600)}, want: []int64{3000}},
			},
		},
		{
			name: "floor of µs before the epoch",
			steps: []step{
				{rowtimes: []any{int64(-1500)}, want: []int64{-2}},
				{rowtimes: []any{int64(1999)}, want: []int64{1}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := openOp(t, NewWatermarkAssigner(1, nil, tc.interval), nil)
			for i, st := range tc.steps {
				h.clock.ms += st.advanceMs
				var rows []row
				for k, rt := range st.rowtimes {
					rows = append(rows, ins(k, rt))
				}
				in := mkBatch(wmTypes, rows...)
				if err := h.op.ProcessBatch(0, in); err != nil {
					t.Fatal(err)
				}
				if len(h.out.batches) != 1 || h.out.batches[0] != in {
					t.Fatalf("step %d: batch not passed through", i)
				}
				h.out.batches = nil
				if !slices.Equal(h.out.wms, st.want) {
					t.Fatalf("step %d: watermarks %v, want %v", i, h.out.wms, st.want)
				}
				h.out.wms = nil
			}
		})
	}
}

func TestWatermarkAssignerStrategy(t *testing.T) {
	// WATERMARK FOR ts AS ts - INTERVAL '5' SECOND, written with the
	// test-local BIGINT '+' over the µs column.
	strategy := call(fnAd, col(1, types.BigInt), litInt(-5_000_000))
	strategy.T = types.Timestamp3
	h := openOp(t, NewWatermarkAssigner(1, strategy, 0), nil)
	h.feed(t, mkBatch(wmTypes, ins(1, ts(10_000))))
	if !slices.Equal(h.out.wms, []int64{5000}) {
		t.Fatalf("watermarks = %v", h.out.wms)
	}
}

func TestWatermarkAssignerUpstreamAndState(t *testing.T) {
	f := NewWatermarkAssigner(1, nil, 0)
	h := openOp(t, f, nil)
	h.feed(t, mkBatch(wmTypes, ins(1, ts(9000))))
	if err := h.op.ProcessWatermark(100_000); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.out.wms, []int64{9000}) {
		t.Fatalf("upstream watermark must be ignored: %v", h.out.wms)
	}
	st, err := h.op.SnapshotState(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.op.ProcessWatermark(runtime.MaxWatermark); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.out.wms, []int64{9000, runtime.MaxWatermark}) {
		t.Fatalf("MaxWatermark must be forwarded: %v", h.out.wms)
	}

	r := openOp(t, f, st)
	r.feed(t, mkBatch(wmTypes, ins(1, ts(8000)))) // older than the restored max
	if !slices.Equal(r.out.wms, []int64{9000}) {
		t.Fatalf("restored watermark: %v", r.out.wms)
	}
	// Several old subtasks' states: the smallest wins.
	other := openOp(t, f, nil)
	other.feed(t, mkBatch(wmTypes, ins(1, ts(4000))))
	st2, _ := other.op.SnapshotState(1)
	m := openOp(t, f, slices.Concat(st, st2))
	m.feed(t, mkBatch(wmTypes, ins(1, ts(1000))))
	if !slices.Equal(m.out.wms, []int64{4000}) {
		t.Fatalf("merged watermark: %v", m.out.wms)
	}
	if _, err := NewWatermarkAssigner(0, nil, 0)(0, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := NewWatermarkAssigner(0, col(0, types.BigInt), 0)(0, 1); err == nil {
		t.Fatal("expected an error for a BIGINT strategy")
	}
}
