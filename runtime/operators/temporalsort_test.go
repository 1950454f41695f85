package operators

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// Temporal sort test input: id BIGINT, name STRING, ts TIMESTAMP(3) (µs).
var sortIn = []*types.Type{types.BigInt, types.String, types.Timestamp(3)}

func sortRow(id int64, name any, ms int64) row { return ins(id, name, ms*1000) }

// TestTemporalSortRowtime: rows leave when the watermark passes their
// time, in time order and within a millisecond in the secondary keys'
// order (NULL placement included, ties in arrival order); late rows are
// dropped and counted; a snapshot restores the pending rows exactly, also
// at another parallelism, on every backend.
func TestTemporalSortRowtime(t *testing.T) {
	tests := []struct {
		name string
		keys []SortKey
		// rows emitted by the watermark at 2000, then by the end of input
		first, rest []string
	}{
		{"time only", nil,
			[]string{"+I[2, b, 1000000]", "+I[3, NULL, 1000000]", "+I[4, a, 1000000]", "+I[1, a, 2000000]", "+I[5, c, 2000000]"},
			[]string{"+I[6, x, 5000000]", "+I[8, NULL, 7000000]"}},
		{"name asc (nulls first), id desc", []SortKey{{Col: 1}, {Col: 0, Desc: true}},
			[]string{"+I[3, NULL, 1000000]", "+I[4, a, 1000000]", "+I[2, b, 1000000]", "+I[1, a, 2000000]", "+I[5, c, 2000000]"},
			[]string{"+I[6, x, 5000000]", "+I[8, NULL, 7000000]"}},
		{"name asc nulls last", []SortKey{{Col: 1, Nulls: NullsLast}},
			[]string{"+I[4, a, 1000000]", "+I[2, b, 1000000]", "+I[3, NULL, 1000000]", "+I[1, a, 2000000]", "+I[5, c, 2000000]"},
			[]string{"+I[6, x, 5000000]", "+I[8, NULL, 7000000]"}},
		{"name desc (nulls last)", []SortKey{{Col: 1, Desc: true}},
			[]string{"+I[2, b, 1000000]", "+I[4, a, 1000000]", "+I[3, NULL, 1000000]", "+I[5, c, 2000000]", "+I[1, a, 2000000]"},
			[]string{"+I[6, x, 5000000]", "+I[8, NULL, 7000000]"}},
		{"name desc nulls first", []SortKey{{Col: 1, Desc: true, Nulls: NullsFirst}},
			[]string{"+I[3, NULL, 1000000]", "+I[2, b, 1000000]", "+I[4, a, 1000000]", "+I[5, c, 2000000]", "+I[1, a, 2000000]"},
			[]string{"+I[6, x, 5000000]", "+I[8, NULL, 7000000]"}},
	}
	for _, tc := range tests {
		for _, kind := range allBackends {
			t.Run(tc.name+"/"+kind.String(), func(t *testing.T) {
				store := state.NewMemoryStore()
				f := NewTemporalSort(2, false, tc.keys, sortIn)
				h := openAgg(t, f, kind, 0, 1, nil)
				eqRows(t, "buffered", h.feed(t, mkBatch(sortIn,
					sortRow(1, "a", 2000), sortRow(2, "b", 1000), sortRow(3, nil, 1000))))
				eqRows(t, "more buffered", h.feed(t, mkBatch(sortIn,
					sortRow(4, "a", 1000), sortRow(5, "c", 2000), sortRow(6, "x", 5000), ins(int64(99), "null time", nil))))
				eqRows(t, "watermark before every row", h.watermark(t, 999))
				eqRows(t, "watermark 2000", h.watermark(t, 2000), tc.first...)
				if got := h.out.wms; !slices.Equal(got, []int64{999, 2000}) {
					t.Errorf("forwarded watermarks %v", got)
				}
				// At or below the watermark: late.
				h.feed(t, mkBatch(sortIn, sortRow(7, "late", 2000), sortRow(8, nil, 7000), sortRow(9, "late", 1500)))
				if n := h.ctx.Metrics.LateRecords.Load(); n != 2 {
					t.Errorf("late records = %d, want 2", n)
				}
				if kind == noRuntime {
					eqRows(t, "end of input", h.watermark(t, 1<<63-1), tc.rest...)
					return
				}
				hd := h.snapshot(t, 1, store)
				eqRows(t, "end of input", h.watermark(t, 1<<63-1), tc.rest...)
				// Restored after the final watermark (a drained savepoint):
				// rows after the last one emitted are taken, earlier ones are late.
				drained := openAgg(t, f, kind, 0, 1, [][]byte{h.snapshot(t, 2, store)}, store)
				drained.feed(t, mkBatch(sortIn, sortRow(12, "z", 7001), sortRow(13, "late", 7000)))
				eqRows(t, "after drain", drained.watermark(t, 1<<63-1), "+I[12, z, 7001000]")
				if n := drained.ctx.Metrics.LateRecords.Load(); n != 1 {
					t.Errorf("after drain: late records = %d, want 1", n)
				}
				// Restored, at parallelism 1 and 2: the pending rows come out
				// once, in order; what was late stays late.
				for _, par := range []int{1, 2} {
					var got []string
					for sub := range par {
						r := openAgg(t, f, kind, sub, par, [][]byte{hd}, store)
						if sub == 0 {
							r.feed(t, mkBatch(sortIn, sortRow(10, "late again", 1999), sortRow(11, "y", 6000)))
							if n := r.ctx.Metrics.LateRecords.Load(); n != 1 {
								t.Errorf("restored at %d: late records = %d, want 1", par, n)
							}
						}
						got = append(got, r.watermark(t, 5500)...)
						got = append(got, r.watermark(t, 1<<63-1)...)
					}
					eqRows(t, "restored", got, tc.rest[0], "+I[11, y, 6000000]", tc.rest[1])
				}
			})
		}
	}
}

// TestTemporalSortManyRows: more rows than one output batch leave in order,
// across several milliseconds and watermarks.
func TestTemporalSortManyRows(t *testing.T) {
	for _, kind := range allBackends {
		t.Run(kind.String(), func(t *testing.T) {
			h := openAgg(t, NewTemporalSort(2, false, []SortKey{{Col: 0, Desc: true}}, sortIn), kind, 0, 1, nil)
			var rows []row
			for i := range 3000 {
				rows = append(rows, sortRow(int64(i), "r", int64(1000+(i*7)%5)))
			}
			h.feed(t, mkBatch(sortIn, rows...))
			got := h.watermark(t, 1001)
			got = append(got, h.watermark(t, 1<<63-1)...)
			if len(got) != 3000 {
				t.Fatalf("%d rows out, want 3000", len(got))
			}
			var want []string
			for ms := range int64(5) {
				for i := 2999; i >= 0; i-- {
					if int64((i*7)%5) == ms {
						want = append(want, "+I["+strconv.Itoa(i)+", r, "+strconv.FormatInt((1000+ms)*1000, 10)+"]")
					}
				}
			}
			eqRows(t, "order", got, want...)
		})
	}
}

// TestTemporalSortProcTime: over processing time each batch leaves at
// once, sorted by the secondary keys; without them it passes through.
func TestTemporalSortProcTime(t *testing.T) {
	h := openAgg(t, NewTemporalSort(2, true, []SortKey{{Col: 1}, {Col: 0, Desc: true}}, sortIn), heapBackend, 0, 1, nil)
	eqRows(t, "sorted batch", h.feed(t, mkBatch(sortIn, sortRow(1, "b", 0), sortRow(2, nil, 0), sortRow(3, "a", 0), sortRow(4, "b", 0))),
		"+I[2, NULL, 0]", "+I[3, a, 0]", "+I[4, b, 0]", "+I[1, b, 0]")
	eqRows(t, "watermark", h.watermark(t, 5000))
	if h.ctx.Metrics.LateRecords.Load() != 0 {
		t.Errorf("late records counted over processing time")
	}
	p := openAgg(t, NewTemporalSort(2, true, nil, sortIn), heapBackend, 0, 1, nil)
	eqRows(t, "pass-through", p.feed(t, mkBatch(sortIn, sortRow(1, "b", 0), sortRow(2, nil, 0))), "+I[1, b, 0]", "+I[2, NULL, 0]")
}

// TestTemporalSortRejectsChanges: the input must be insert-only.
func TestTemporalSortRejectsChanges(t *testing.T) {
	for _, proc := range []bool{false, true} {
		h := openAgg(t, NewTemporalSort(2, proc, nil, sortIn), heapBackend, 0, 1, nil)
		err := h.op.ProcessBatch(0, mkBatch(sortIn, sortRow(1, "a", 1000), del(int64(1), "a", int64(1000000))))
		if err == nil || !strings.Contains(err.Error(), "insert-only") {
			t.Errorf("procTime=%v: got %v, want an insert-only error", proc, err)
		}
	}
}
