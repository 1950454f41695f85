package operators

import (
	"fmt"
	"slices"
	"testing"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// Window join test input, both sides: key STRING, v BIGINT, window_start,
// window_end (TIMESTAMP(3) as µs); joined on key and the window bounds.
var (
	wjSide = winIn
	wjKeys = []int{0, 2, 3}
)

func newWindowJoin(jt JoinType, residual expr.Expr) func(int, int) (runtime.Operator, error) {
	return NewWindowJoin(jt, wjKeys, wjKeys, 1, wjSide, wjSide, residual)
}

// wjStep feeds rows into one input (input >= 0) or a watermark (input < 0:
// wm) and expects the output, compared sorted.
type wjStep struct {
	input int
	rows  []row
	wm    int64
	want  []string
}

func wjRows(input int, rows ...row) wjStep { return wjStep{input: input, rows: rows} }

func wjFire(wm int64, want ...string) wjStep { return wjStep{input: -1, wm: wm, want: want} }

func (h *aggHarness) runWindowJoin(t *testing.T, steps []wjStep) {
	t.Helper()
	for i, st := range steps {
		var got []string
		if st.input >= 0 {
			got = h.feedInput(t, st.input, mkBatch(wjSide, st.rows...))
		} else {
			got = h.watermark(t, st.wm)
		}
		slices.Sort(got)
		want := slices.Clone(st.want)
		slices.Sort(want)
		eqRows(t, fmt.Sprintf("step %d", i), got, want...)
	}
}

// windowJoinStateKeys counts the keys left in the window join's states.
func windowJoinStateKeys(t *testing.T, h *aggHarness) int {
	t.Helper()
	n := 0
	for _, name := range []string{"left", "right", "pending"} {
		if err := h.op.(*WindowJoin).backend.Keys(name, func(int, []byte) bool { n++; return true }); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

func TestWindowJoin(t *testing.T) {
	// residual: left v < right v (joined row columns 1 and 5)
	lessThan := call(binaryIntFn("<", types.Boolean, func(a, b int64, out *types.Vector) error {
		out.AppendBool(a < b)
		return nil
	}), col(1, types.BigInt), col(5, types.BigInt))
	// Left: a,1 and b,2 and NULL,9 in [0, 10); a,3 in [10, 20).
	// Right: a,10 and a,11 and c,12 in [0, 10); NULL,13 in [10, 20).
	input := []wjStep{
		wjRows(0, winRow("a", 1, 0, 10), winRow("b", 2, 0, 10), ins(nil, 9, 0, 10000), winRow("a", 3, 10, 20)),
		wjRows(1, winRow("a", 10, 0, 10), winRow("c", 12, 0, 10)),
		wjRows(1, winRow("a", 11, 0, 10), ins(nil, 13, 10000, 20000)),
		wjFire(8), // nothing has fired yet
	}
	tests := []struct {
		name     string
		jt       JoinType
		residual expr.Expr
		steps    []wjStep
	}{
		{"inner", InnerJoin, nil, []wjStep{
			wjFire(9, "+I[a, 1, 0, 10000, a, 10, 0, 10000]", "+I[a, 1, 0, 10000, a, 11, 0, 10000]"),
			wjFire(100),
		}},
		{"left pads unmatched left rows at the window's end", LeftJoin, nil, []wjStep{
			wjFire(9, "+I[a, 1, 0, 10000, a, 10, 0, 10000]", "+I[a, 1, 0, 10000, a, 11, 0, 10000]",
				"+I[b, 2, 0, 10000, NULL, NULL, NULL, NULL]", "+I[NULL, 9, 0, 10000, NULL, NULL, NULL, NULL]"),
			wjFire(19, "+I[a, 3, 10000, 20000, NULL, NULL, NULL, NULL]"),
		}},
		{"right", RightJoin, nil, []wjStep{
			wjFire(9, "+I[a, 1, 0, 10000, a, 10, 0, 10000]", "+I[a, 1, 0, 10000, a, 11, 0, 10000]",
				"+I[NULL, NULL, NULL, NULL, c, 12, 0, 10000]"),
			wjFire(19, "+I[NULL, NULL, NULL, NULL, NULL, 13, 10000, 20000]"),
		}},
		{"full", FullJoin, nil, []wjStep{
			wjFire(100, "+I[a, 1, 0, 10000, a, 10, 0, 10000]", "+I[a, 1, 0, 10000, a, 11, 0, 10000]",
				"+I[b, 2, 0, 10000, NULL, NULL, NULL, NULL]", "+I[NULL, 9, 0, 10000, NULL, NULL, NULL, NULL]",
				"+I[NULL, NULL, NULL, NULL, c, 12, 0, 10000]",
				"+I[a, 3, 10000, 20000, NULL, NULL, NULL, NULL]", "+I[NULL, NULL, NULL, NULL, NULL, 13, 10000, 20000]"),
		}},
		{"semi emits a left row once however many matches", SemiJoin, nil, []wjStep{
			wjFire(100, "+I[a, 1, 0, 10000]"),
		}},
		{"anti keeps rows without a match, NULL keys included", AntiJoin, nil, []wjStep{
			wjFire(9, "+I[b, 2, 0, 10000]", "+I[NULL, 9, 0, 10000]"),
			wjFire(19, "+I[a, 3, 10000, 20000]"),
		}},
		{"residual condition", FullJoin, lessThan, []wjStep{
			wjRows(0, winRow("a", 10, 0, 10)), // matches a,11 only
			wjFire(9, "+I[a, 1, 0, 10000, a, 10, 0, 10000]", "+I[a, 1, 0, 10000, a, 11, 0, 10000]",
				"+I[a, 10, 0, 10000, a, 11, 0, 10000]",
				"+I[b, 2, 0, 10000, NULL, NULL, NULL, NULL]", "+I[NULL, 9, 0, 10000, NULL, NULL, NULL, NULL]",
				"+I[NULL, NULL, NULL, NULL, c, 12, 0, 10000]"),
			wjFire(19, "+I[a, 3, 10000, 20000, NULL, NULL, NULL, NULL]", "+I[NULL, NULL, NULL, NULL, NULL, 13, 10000, 20000]"),
		}},
		{"residual in an anti join", AntiJoin, lessThan, []wjStep{
			wjRows(0, winRow("a", 11, 0, 10), winRow("a", 10, 0, 10)),
			wjFire(9, "+I[a, 11, 0, 10000]", "+I[b, 2, 0, 10000]", "+I[NULL, 9, 0, 10000]"),
			wjFire(19, "+I[a, 3, 10000, 20000]"),
		}},
		{"duplicates join once per occurrence", InnerJoin, nil, []wjStep{
			wjRows(1, winRow("a", 10, 0, 10)),
			wjFire(9, "+I[a, 1, 0, 10000, a, 10, 0, 10000]", "+I[a, 1, 0, 10000, a, 10, 0, 10000]",
				"+I[a, 1, 0, 10000, a, 11, 0, 10000]"),
		}},
	}
	for _, tc := range tests {
		for _, kind := range allBackends {
			t.Run(tc.name+"/"+kind.String(), func(t *testing.T) {
				h := openAgg(t, newWindowJoin(tc.jt, tc.residual), kind, 0, 1, nil)
				h.runWindowJoin(t, input)
				h.runWindowJoin(t, tc.steps)
				h.runWindowJoin(t, []wjStep{wjFire(runtime.MaxWatermark)})
				if n := windowJoinStateKeys(t, h); n != 0 {
					t.Errorf("%d keys left in the state after every window fired", n)
				}
				if wms := h.out.wms; len(wms) == 0 || wms[len(wms)-1] != runtime.MaxWatermark {
					t.Errorf("forwarded watermarks %v", wms)
				}
			})
		}
	}
}

func TestWindowJoinLateRows(t *testing.T) {
	for _, kind := range allBackends {
		t.Run(kind.String(), func(t *testing.T) {
			h := openAgg(t, newWindowJoin(LeftJoin, nil), kind, 0, 1, nil)
			h.runWindowJoin(t, []wjStep{
				wjRows(0, winRow("a", 1, 0, 10)),
				wjFire(9, "+I[a, 1, 0, 10000, NULL, NULL, NULL, NULL]"),
				// Both sides' rows of the fired window are late.
				wjRows(1, winRow("a", 2, 0, 10)),
				wjRows(0, winRow("a", 3, 0, 10), winRow("a", 4, 10, 20)),
				wjRows(1, winRow("a", 5, 10, 20)),
				// An older watermark changes nothing.
				wjFire(5),
				wjFire(19, "+I[a, 4, 10000, 20000, a, 5, 10000, 20000]"),
			})
			if n := h.ctx.Metrics.LateRecords.Load(); n != 2 {
				t.Errorf("late records = %d, want 2", n)
			}
		})
	}
}

func TestWindowJoinManyRowsPerWindow(t *testing.T) {
	// More output rows than one batch holds; several keys and windows.
	var left, right []row
	for i := range 300 {
		k := string(rune('a' + i%3))
		end := int64(10 * (1 + i%2))
		left = append(left, winRow(k, int64(i), end-10, end))
		right = append(right, winRow(k, int64(-i), end-10, end))
	}
	h := openAgg(t, newWindowJoin(InnerJoin, nil), pebbleBackend, 0, 1, nil)
	h.feedInput(t, 0, mkBatch(wjSide, left...))
	h.feedInput(t, 1, mkBatch(wjSide, right...))
	// Each window has 3 keys with 50 rows on each side.
	for _, wm := range []int64{9, 19} {
		if err := h.op.ProcessWatermark(wm); err != nil {
			t.Fatal(err)
		}
		for _, b := range h.out.batches {
			if b.Kinds != nil || b.Len > types.DefaultBatchSize {
				t.Errorf("batch of %d rows with kinds %v", b.Len, b.Kinds != nil)
			}
		}
		if got := h.out.take(); len(got) != 3*50*50 {
			t.Errorf("window fired at %d: %d rows, want %d", wm, len(got), 3*50*50)
		}
	}
}

// TestWindowJoinRestoreMidWindow checkpoints a window join with windows
// half filled, restores it at parallelism 1 and 3 on both runtime backends,
// feeds the rest and checks that every window fires once with the same
// result as without the restore.
func TestWindowJoinRestoreMidWindow(t *testing.T) {
	var left, right []row
	for i := range 240 {
		k := string(rune('a' + i%11))
		end := int64(10 * (1 + i%4))
		if i%5 == 0 {
			k = "" // a key only some windows have
		}
		left = append(left, winRow(k, int64(i), end-10, end))
		if i%2 == 0 {
			right = append(right, winRow(k, int64(1000+i), end-10, end))
		}
	}
	before := func(rs []row) []row { return rs[:len(rs)/2] }
	after := func(rs []row) []row { return rs[len(rs)/2:] }
	for _, jt := range []JoinType{InnerJoin, FullJoin, AntiJoin} {
		f := newWindowJoin(jt, nil)
		for _, kind := range runtimeBackends {
			t.Run(jt.String()+"/"+kind.String(), func(t *testing.T) {
				ref := openAgg(t, f, kind, 0, 1, nil)
				ref.feedInput(t, 0, mkBatch(wjSide, left...))
				ref.feedInput(t, 1, mkBatch(wjSide, right...))
				want := ref.watermark(t, 1000)
				if len(want) == 0 {
					t.Fatal("no reference output")
				}
				slices.Sort(want)

				store := state.NewMemoryStore()
				a := openAgg(t, f, kind, 0, 1, nil)
				a.feedInput(t, 0, mkBatch(wjSide, before(left)...))
				a.feedInput(t, 1, mkBatch(wjSide, before(right)...))
				eqRows(t, "nothing fires before the watermark", a.watermark(t, 5))
				h := a.snapshot(t, 1, store)
				// What the original does after the checkpoint is discarded.
				a.feedInput(t, 0, mkBatch(wjSide, winRow("zzz", 1, 0, 10)))

				for _, par := range []int{1, 3} {
					var got []string
					lb := splitBySubtask(mkBatch(wjSide, after(left)...), wjKeys, par)
					rb := splitBySubtask(mkBatch(wjSide, after(right)...), wjKeys, par)
					for sub := range par {
						r := openAgg(t, f, kind, sub, par, [][]byte{h}, store)
						r.feedInput(t, 0, lb[sub])
						r.feedInput(t, 1, rb[sub])
						got = append(got, r.watermark(t, 1000)...)
						eqRows(t, "a later watermark fires nothing again", r.watermark(t, 2000))
						if n := windowJoinStateKeys(t, r); n != 0 {
							t.Errorf("subtask %d: %d keys left", sub, n)
						}
					}
					slices.Sort(got)
					eqRows(t, fmt.Sprintf("restored at parallelism %d", par), got, want...)
				}
			})
		}
	}
}

func TestWindowJoinRejects(t *testing.T) {
	if _, err := NewWindowJoin(InnerJoin, []int{1, 2, 3}, []int{0, 2, 3}, 1, wjSide, wjSide, nil)(0, 1); err == nil {
		t.Errorf("BIGINT = STRING keys accepted")
	}
	if _, err := NewWindowJoin(InnerJoin, []int{0, 2}, []int{0, 2}, 1, wjSide, wjSide, nil)(0, 1); err == nil {
		t.Errorf("keys without the window bounds accepted")
	}
	h := openAgg(t, newWindowJoin(InnerJoin, nil), heapBackend, 0, 1, nil)
	if err := h.op.ProcessBatch(0, mkBatch(wjSide, del("a", 1, int64(0), int64(10000)))); err == nil {
		t.Errorf("a retraction was accepted")
	}
}

// TestWindowJoinNoAllocPerRow checks that buffering a batch and firing a
// window allocate per key and window (new state entries, the window index,
// and the heap backend's copy of each stored list element: a key's rows of
// one batch are one element) and per output batch, never per row.
func TestWindowJoinNoAllocPerRow(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	// Per window w: 1000 left rows over 4 keys, one right row of key a.
	const windows = 12
	var left, right []*types.Batch
	for w := range int64(windows) {
		var rows []row
		for i := range 1000 {
			rows = append(rows, winRow(string(rune('a'+i%4)), int64(i), 10*w, 10*w+10))
		}
		left = append(left, mkBatch(wjSide, rows...))
		right = append(right, mkBatch(wjSide, winRow("a", 1, 10*w, 10*w+10)))
	}
	for _, kind := range allBackends {
		t.Run(kind.String(), func(t *testing.T) {
			h := openAgg(t, newWindowJoin(InnerJoin, nil), kind, 0, 1, nil)
			w := 0
			if allocs := testing.AllocsPerRun(windows-1, func() {
				if err := h.op.ProcessBatch(0, left[w]); err != nil {
					t.Fatal(err)
				}
				w++
			}); allocs > 100 {
				t.Errorf("%.0f allocations buffering 1000 rows of 4 new keys", allocs)
			}
			for _, b := range right {
				h.feedInput(t, 1, b)
			}
			// Each window emits the 250 joined rows of key a.
			w = 0
			allocs := testing.AllocsPerRun(windows-1, func() {
				if err := h.op.ProcessWatermark(int64(10*w + 9)); err != nil {
					t.Fatal(err)
				}
				w++
			})
			if got := len(h.out.take()); got != windows*250 {
				t.Fatalf("%d rows emitted", got)
			}
			if allocs > 100 {
				t.Errorf("%.0f allocations firing a window of 4 keys, 1000 rows", allocs)
			}
		})
	}
}
