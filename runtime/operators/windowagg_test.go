package operators

import (
	"slices"
	"testing"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// Window test input: key STRING, v BIGINT, window_start, window_end
// (TIMESTAMP(3) as µs).
var winIn = []*types.Type{types.String, types.BigInt, types.Timestamp(3), types.Timestamp(3)}

func winRow(k string, v int64, startMs, endMs int64) row {
	return ins(k, v, startMs*1000, endMs*1000)
}

// newWinAgg groups by key, window_start, window_end with COUNT(*), SUM(v).
func newWinAgg() func(int, int) (runtime.Operator, error) {
	out := []*types.Type{types.String, types.Timestamp(3), types.Timestamp(3), types.BigInt.WithNullable(false), types.BigInt}
	return NewWindowAggregate([]int{0, 2, 3}, 2, []AggCall{
		{Kind: AggCountStar, Arg: -1, Type: types.BigInt.WithNullable(false)},
		{Kind: AggSum, Arg: 1, Type: types.BigInt},
	}, winIn, out, false)
}

func (h *aggHarness) watermark(t *testing.T, wm int64) []string {
	t.Helper()
	if err := h.op.ProcessWatermark(wm); err != nil {
		t.Fatalf("watermark %d: %v", wm, err)
	}
	return h.out.take()
}

func TestWindowAggregateFiresOnWatermark(t *testing.T) {
	for _, kind := range allBackends {
		t.Run(kind.String(), func(t *testing.T) {
			a := openAgg(t, newWinAgg(), kind, 0, 1, nil)
			got := a.feed(t, mkBatch(winIn,
				winRow("a", 1, 0, 10), winRow("b", 2, 0, 10), winRow("a", 3, 0, 10),
				winRow("a", 4, 10, 20), winRow("c", 5, 20, 30)))
			eqRows(t, "no output before the watermark", got)
			eqRows(t, "watermark before the first end", a.watermark(t, 8))
			got = a.watermark(t, 9) // end 10 - 1 ≤ 9: window [0, 10) fires
			slices.Sort(got)
			eqRows(t, "first window", got,
				"+I[a, 0, 10000, 2, 4]",
				"+I[b, 0, 10000, 1, 2]")
			// A row for the fired window is late: dropped and counted.
			eqRows(t, "late row", a.feed(t, mkBatch(winIn, winRow("a", 100, 0, 10), winRow("a", 6, 10, 20))))
			if n := a.ctx.Metrics.LateRecords.Load(); n != 1 {
				t.Errorf("late records = %d, want 1", n)
			}
			eqRows(t, "two windows at once", a.watermark(t, 100),
				"+I[a, 10000, 20000, 2, 10]",
				"+I[c, 20000, 30000, 1, 5]")
			if keys := keysOf(t, a); len(keys) != 0 {
				t.Errorf("state left after every window fired: %v", keys)
			}
			if wms := a.out.wms; len(wms) != 3 || wms[2] != 100 {
				t.Errorf("forwarded watermarks %v", wms)
			}
		})
	}
}

func TestWindowAggregateRestoreRescaled(t *testing.T) {
	var rows []row
	for i := range 300 {
		k := string(rune('a' + i%13))
		end := int64(10 * (1 + i%4))
		rows = append(rows, winRow(k, int64(i), end-10, end))
	}
	in := mkBatch(winIn, rows...)
	for _, kind := range runtimeBackends {
		t.Run(kind.String(), func(t *testing.T) {
			store := state.NewMemoryStore()
			ref := openAgg(t, newWinAgg(), kind, 0, 1, nil)
			ref.feed(t, in)
			h := ref.snapshot(t, 1, store)
			want := ref.watermark(t, 1000)
			if len(want) != 13*4 {
				t.Fatalf("reference emitted %d rows", len(want))
			}
			slices.Sort(want)
			// Restore at parallelism 3: the pending windows are rebuilt from
			// the state and every group fires once, in its subtask.
			var got []string
			for sub := range 3 {
				a := openAgg(t, newWinAgg(), kind, sub, 3, [][]byte{h}, store)
				got = append(got, a.watermark(t, 1000)...)
				eqRows(t, "second watermark", a.watermark(t, 2000))
			}
			slices.Sort(got)
			eqRows(t, "restored at parallelism 3", got, want...)
			// Groups arriving after the restore merge with the restored ones.
			b := openAgg(t, newWinAgg(), kind, 0, 1, [][]byte{h}, store)
			b.feed(t, mkBatch(winIn, winRow("a", 1000, 0, 10)))
			got = b.watermark(t, 9)
			if len(got) != 13 {
				t.Fatalf("first window after restore: %v", got)
			}
		})
	}
}

func TestDecodeKeyValueRoundTrip(t *testing.T) {
	ts := []*types.Type{types.String, types.BigInt, types.Double, types.Boolean, types.Decimal(10, 2),
		types.ArrayOf(types.Int), types.RowOf(types.Field{Name: "x", Type: types.String}, types.Field{Name: "y", Type: types.Int})}
	b := mkBatch(ts,
		ins("a", 1, 1.5, true, dec("3.25"), []any{1, nil, 3}, rowVal{"r", 7}),
		ins(nil, nil, nil, nil, nil, nil, nil),
		ins("", -5, -0.0, false, dec("-0.01"), []any{}, rowVal{nil, nil}))
	enc := keyEncoder{cols: []int{0, 1, 2, 3, 4, 5, 6}}
	out := make([]*types.Vector, len(ts))
	for i, t := range ts {
		out[i] = types.NewVector(t, 4)
	}
	for r := 0; r < b.Len; r++ {
		k := enc.encode(b, r)
		var err error
		for _, v := range out {
			if k, err = decodeKeyValue(v, k); err != nil {
				t.Fatalf("row %d: %v", r, err)
			}
		}
		if len(k) != 0 {
			t.Fatalf("row %d: %d bytes left", r, len(k))
		}
	}
	got := renderBatch(&types.Batch{Cols: out, Len: b.Len})
	eqRows(t, "decoded keys", got, renderBatch(b)...)
	if _, err := decodeKeyValue(types.NewVector(types.BigInt, 1), []byte{1, 2}); err == nil {
		t.Errorf("short key decoded")
	}
}

// Session test input: key STRING, v BIGINT, ts TIMESTAMP(3) (µs).
var sessIn = []*types.Type{types.String, types.BigInt, types.Timestamp(3)}

func sessRow(k string, v int64, ms int64) row { return ins(k, v, ms*1000) }

func newSessAgg() func(int, int) (runtime.Operator, error) {
	ts := types.Timestamp(3).WithNullable(false)
	return NewSessionWindowAggregate([]int{0}, 2, 10, []AggCall{
		{Kind: AggCountStar, Arg: -1, Type: types.BigInt.WithNullable(false)},
		{Kind: AggSum, Arg: 1, Type: types.BigInt},
	}, sessIn, []*types.Type{types.String, types.BigInt.WithNullable(false), types.BigInt, ts, ts, ts}, false)
}

func TestSessionWindowAggregate(t *testing.T) {
	for _, kind := range allBackends {
		t.Run(kind.String(), func(t *testing.T) {
			a := openAgg(t, newSessAgg(), kind, 0, 1, nil)
			eqRows(t, "rows", a.feed(t, mkBatch(sessIn, sessRow("a", 1, 0), sessRow("a", 2, 25), sessRow("b", 3, 5))))
			// 12 bridges nothing yet (0..10 and 12..22); 20 bridges 12 and 25.
			a.feed(t, mkBatch(sessIn, sessRow("a", 4, 12), sessRow("a", 8, 20)))
			eqRows(t, "watermark 8", a.watermark(t, 8))
			got := a.watermark(t, 15)
			slices.Sort(got)
			eqRows(t, "first sessions", got, "+I[a, 1, 1, 0, 10000, 9000]", "+I[b, 1, 3, 5000, 15000, 14000]")
			eqRows(t, "late row", a.feed(t, mkBatch(sessIn, sessRow("a", 100, 2))))
			if a.ctx.Metrics.LateRecords.Load() != 1 {
				t.Errorf("late records = %d", a.ctx.Metrics.LateRecords.Load())
			}
			eqRows(t, "merged session", a.watermark(t, 100), "+I[a, 3, 14, 12000, 35000, 34000]")
			left := 0
			if err := a.agg().backend.Keys("sessions", func(int, []byte) bool { left++; return true }); err != nil || left != 0 {
				t.Errorf("session state left for %d keys (%v)", left, err)
			}
		})
	}
}

func TestSessionWindowAggregateRestoreRescaled(t *testing.T) {
	var rows []row
	for i := range 90 {
		rows = append(rows, sessRow(string(rune('a'+i%11)), int64(i), int64(i*3%40)))
	}
	for _, kind := range runtimeBackends {
		t.Run(kind.String(), func(t *testing.T) {
			store := state.NewMemoryStore()
			ref := openAgg(t, newSessAgg(), kind, 0, 1, nil)
			ref.feed(t, mkBatch(sessIn, rows...))
			h := ref.snapshot(t, 1, store)
			want := ref.watermark(t, 1000)
			slices.Sort(want)
			if len(want) < 11 {
				t.Fatalf("reference: %v", want)
			}
			var got []string
			for sub := range 3 {
				a := openAgg(t, newSessAgg(), kind, sub, 3, [][]byte{h}, store)
				got = append(got, a.watermark(t, 1000)...)
			}
			slices.Sort(got)
			eqRows(t, "restored at parallelism 3", got, want...)
		})
	}
}

func TestWindowAggregateProcessingTime(t *testing.T) {
	out := []*types.Type{types.String, types.Timestamp(3), types.Timestamp(3), types.BigInt.WithNullable(false), types.BigInt}
	f := NewWindowAggregate([]int{0, 2, 3}, 2, []AggCall{
		{Kind: AggCountStar, Arg: -1, Type: types.BigInt.WithNullable(false)},
		{Kind: AggSum, Arg: 1, Type: types.BigInt},
	}, winIn, out, true)
	a := openAgg(t, f, heapBackend, 0, 1, nil)
	a.clock.ms = 5
	eqRows(t, "open window", a.feed(t, mkBatch(winIn, winRow("a", 1, 0, 10), winRow("a", 2, 0, 10))))
	eqRows(t, "event-time watermarks do not fire", a.watermark(t, 1000))
	a.clock.ms = 10
	eqRows(t, "the clock fires at the next batch", a.feed(t, mkBatch(winIn, winRow("b", 5, 10, 20))), "+I[a, 0, 10000, 2, 3]")
	eqRows(t, "end of input fires the rest", a.watermark(t, runtime.MaxWatermark), "+I[b, 10000, 20000, 1, 5]")
}

// Windows over processing time fire from the clock with no further input:
// the task's processing-time tick (or an idle source) is enough.
func TestWindowAggregateProcessingTimeFiresWithoutInput(t *testing.T) {
	out := []*types.Type{types.String, types.Timestamp(3), types.Timestamp(3), types.BigInt.WithNullable(false), types.BigInt}
	f := NewWindowAggregate([]int{0, 2, 3}, 2, []AggCall{
		{Kind: AggCountStar, Arg: -1, Type: types.BigInt.WithNullable(false)},
		{Kind: AggSum, Arg: 1, Type: types.BigInt},
	}, winIn, out, true)
	a := openAgg(t, f, heapBackend, 0, 1, nil)
	w := a.op.(*WindowAggregate)
	if w.ProcessingTimeTick() <= 0 {
		t.Fatal("a processing-time window asks for no tick")
	}
	a.clock.ms = 5
	eqRows(t, "open windows", a.feed(t, mkBatch(winIn, winRow("a", 1, 0, 10), winRow("b", 2, 10, 20))))
	if err := w.OnProcessingTime(); err != nil {
		t.Fatal(err)
	}
	eqRows(t, "nothing due yet", a.out.take())
	a.clock.ms = 12
	if err := w.OnProcessingTime(); err != nil {
		t.Fatal(err)
	}
	eqRows(t, "the tick fires the first window", a.out.take(), "+I[a, 0, 10000, 1, 1]")
	a.clock.ms = 25
	if err := w.OnSourceIdle(); err != nil {
		t.Fatal(err)
	}
	eqRows(t, "an idle source fires the second", a.out.take(), "+I[b, 10000, 20000, 1, 2]")
}

// Sessions over processing time close when the clock passes their end
// (last row + gap), on a batch, a tick or an idle source; the end of input
// closes the rest.
func TestSessionWindowProcessingTime(t *testing.T) {
	ts := types.Timestamp(3).WithNullable(false)
	f := NewSessionWindowAggregate([]int{0}, 2, 10, []AggCall{
		{Kind: AggCountStar, Arg: -1, Type: types.BigInt.WithNullable(false)},
		{Kind: AggSum, Arg: 1, Type: types.BigInt},
	}, sessIn, []*types.Type{types.String, types.BigInt.WithNullable(false), types.BigInt, ts, ts, ts}, true)
	a := openAgg(t, f, heapBackend, 0, 1, nil)
	w := a.op.(*SessionWindowAggregate)
	if w.ProcessingTimeTick() <= 0 {
		t.Fatal("a processing-time session window asks for no tick")
	}
	a.clock.ms = 0
	eqRows(t, "rows open sessions", a.feed(t, mkBatch(sessIn, sessRow("a", 1, 0), sessRow("b", 2, 3))))
	eqRows(t, "event-time watermarks do not close them", a.watermark(t, 1000))
	a.clock.ms = 5
	eqRows(t, "a row extends a's session", a.feed(t, mkBatch(sessIn, sessRow("a", 4, 5))))
	a.clock.ms = 13
	if err := w.OnProcessingTime(); err != nil {
		t.Fatal(err)
	}
	eqRows(t, "the tick closes b's session [3, 13)", a.out.take(), "+I[b, 1, 2, 3000, 13000, 12000]")
	a.clock.ms = 16
	if err := w.OnSourceIdle(); err != nil {
		t.Fatal(err)
	}
	eqRows(t, "an idle source closes a's session [0, 15)", a.out.take(), "+I[a, 2, 5, 0, 15000, 14000]")
	eqRows(t, "a new session", a.feed(t, mkBatch(sessIn, sessRow("c", 7, 16))))
	eqRows(t, "end of input closes it", a.watermark(t, runtime.MaxWatermark), "+I[c, 1, 7, 16000, 26000, 25000]")
}
