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
			h := openOp(t, NewWatermarkAssigner(1, nil, tc.interval, 0), nil)
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
	h := openOp(t, NewWatermarkAssigner(1, strategy, 0, 0), nil)
	h.feed(t, mkBatch(wmTypes, ins(1, ts(10_000))))
	if !slices.Equal(h.out.wms, []int64{5000}) {
		t.Fatalf("watermarks = %v", h.out.wms)
	}
}

func TestWatermarkAssignerUpstreamAndState(t *testing.T) {
	f := NewWatermarkAssigner(1, nil, 0, 0)
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
	if _, err := NewWatermarkAssigner(0, nil, 0, 0)(0, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := NewWatermarkAssigner(0, col(0, types.BigInt), 0, 0)(0, 1); err == nil {
		t.Fatal("expected an error for a BIGINT strategy")
	}
}

// fakeSplits is a SplitAware reader stand-in.
type fakeSplits struct {
	owned []int64
	last  int64
}

func (f *fakeSplits) Splits() []int64  { return f.owned }
func (f *fakeSplits) LastSplit() int64 { return f.last }

func TestWatermarkAssignerPerSplit(t *testing.T) {
	in := []*types.Type{types.BigInt, types.Timestamp(3)}
	h := openOp(t, NewWatermarkAssigner(1, nil, 0, 100), nil)
	splits := &fakeSplits{owned: []int64{7, 9}}
	h.ctx.SourceSplits = splits
	feed := func(split int64, ms int64) {
		splits.last = split
		h.feed(t, mkBatch(in, ins(1, ms*1000)))
	}
	feed(7, 5000)
	if len(h.out.wms) != 0 {
		t.Fatalf("split 9 has no rows yet, but watermarks %v", h.out.wms)
	}
	feed(9, 2000)
	feed(7, 8000) // split 9 holds it at 2000
	if got := h.out.wms; len(got) != 1 || got[0] != 2000 {
		t.Fatalf("watermarks %v, want [2000]", got)
	}
	h.clock.ms += 150 // split 9 idle
	feed(7, 9000)
	if got := h.out.wms; got[len(got)-1] != 9000 {
		t.Fatalf("idle split still holds back: %v", got)
	}
	feed(9, 3000) // active again, but the watermark never goes back
	feed(7, 9500)
	if got := h.out.wms; got[len(got)-1] != 9000 {
		t.Fatalf("watermark moved after the split came back: %v", got)
	}
	feed(9, 9800)
	if got := h.out.wms; got[len(got)-1] != 9500 {
		t.Fatalf("watermarks %v, want ... 9500", got)
	}
}

func TestWatermarkAssignerEmitsWhileSourceIdle(t *testing.T) {
	in := []*types.Type{types.BigInt, types.Timestamp(3)}
	h := openOp(t, NewWatermarkAssigner(1, nil, 200, 0), nil)
	h.clock.ms += 200
	h.feed(t, mkBatch(in, ins(1, int64(5000*1000))))
	h.feed(t, mkBatch(in, ins(2, int64(7000*1000)))) // within the interval: held
	if got := h.out.wms; len(got) != 1 || got[0] != 5000 {
		t.Fatalf("watermarks %v", got)
	}
	ia := h.op.(runtime.IdleAware)
	if err := ia.OnSourceIdle(); err != nil {
		t.Fatal(err)
	}
	if len(h.out.wms) != 1 {
		t.Fatalf("emitted before the interval passed: %v", h.out.wms)
	}
	h.clock.ms += 200
	if err := ia.OnSourceIdle(); err != nil {
		t.Fatal(err)
	}
	if got := h.out.wms; len(got) != 2 || got[1] != 7000 {
		t.Fatalf("the advanced watermark was not emitted while idle: %v", got)
	}
}
