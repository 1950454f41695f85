package operators

import (
	"slices"
	"testing"

	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

var rankIn = []*types.Type{types.String, types.BigInt, types.String}

func TestRankChanges(t *testing.T) {
	tests := []struct {
		name    string
		limit   int
		replace bool
		keys    []SortKey
		steps   [][]row
		want    [][]string
	}{
		{"top-2 by value descending", 2, false, []SortKey{{Col: 1, Desc: true}},
			[][]row{{ins("a", 5, "x")}, {ins("a", 7, "y")}, {ins("a", 6, "z")}, {ins("a", 1, "w")}, {ins("b", 1, "v")}},
			[][]string{
				{"+I[a, 5, x, 1]"},
				{"-U[a, 5, x, 1]", "+U[a, 7, y, 1]", "+I[a, 5, x, 2]"},
				{"-U[a, 5, x, 2]", "+U[a, 6, z, 2]"},
				nil,
				{"+I[b, 1, v, 1]"},
			}},
		{"ties keep arrival order", 2, false, []SortKey{{Col: 1}},
			[][]row{{ins("a", 1, "first"), ins("a", 1, "second"), ins("a", 1, "third")}},
			[][]string{{"+I[a, 1, first, 1]", "+I[a, 1, second, 2]"}}},
		{"deduplication keeps the last row", 1, true, []SortKey{{Col: 1, Desc: true}},
			[][]row{{ins("a", 1, "first")}, {ins("a", 1, "second")}, {ins("a", 0, "older")}},
			[][]string{{"+I[a, 1, first, 1]"}, {"-U[a, 1, first, 1]", "+U[a, 1, second, 1]"}, nil}},
		{"deduplication emits every new last row of a batch", 1, true, []SortKey{{Col: 1, Desc: true}},
			[][]row{{ins("a", 1, "v1"), ins("a", 3, "v3"), ins("a", 2, "older"), ins("a", 4, "v4")}},
			[][]string{{"+I[a, 1, v1, 1]", "-U[a, 1, v1, 1]", "+U[a, 3, v3, 1]", "-U[a, 3, v3, 1]", "+U[a, 4, v4, 1]"}}},
		{"string order with NULLs first", 3, false, []SortKey{{Col: 2}},
			[][]row{{ins("a", 1, "b"), ins("a", 2, "a\x00z"), ins("a", 3, nil), ins("a", 4, "a")}},
			[][]string{{ // a change per row, as Flink's AppendOnlyTopNFunction
				"+I[a, 1, b, 1]",
				"-U[a, 1, b, 1]", "+U[a, 2, a\x00z, 1]", "+I[a, 1, b, 2]",
				"-U[a, 2, a\x00z, 1]", "+U[a, 3, NULL, 1]", "-U[a, 1, b, 2]", "+U[a, 2, a\x00z, 2]", "+I[a, 1, b, 3]",
				"-U[a, 2, a\x00z, 2]", "+U[a, 4, a, 2]", "-U[a, 1, b, 3]", "+U[a, 2, a\x00z, 3]"}}},
	}
	for _, tc := range tests {
		for _, kind := range allBackends {
			t.Run(tc.name+"/"+kind.String(), func(t *testing.T) {
				h := openAgg(t, NewRank([]int{0}, tc.keys, tc.limit, tc.replace, rankIn, -1, true), kind, 0, 1, nil)
				for i, rows := range tc.steps {
					eqRows(t, tc.name, h.feed(t, mkBatch(rankIn, rows...)), tc.want[i]...)
				}
			})
		}
	}
}

func TestRankRestoreRescaled(t *testing.T) {
	f := NewRank([]int{0}, []SortKey{{Col: 1, Desc: true}}, 3, false, rankIn, -1, true)
	var rows []row
	for i := range 120 {
		rows = append(rows, ins(string(rune('a'+i%17)), int64(i*7%50), "r"))
	}
	probe := mkBatch(rankIn, ins("a", 100, "new"), ins("k", 100, "new"), ins("q", -1, "low"))
	for _, kind := range runtimeBackends {
		t.Run(kind.String(), func(t *testing.T) {
			store := state.NewMemoryStore()
			ref := openAgg(t, f, kind, 0, 1, nil)
			ref.feed(t, mkBatch(rankIn, rows...))
			h := ref.snapshot(t, 1, store)
			want := ref.feed(t, probe)
			slices.Sort(want)
			var got []string
			for sub := range 2 {
				a := openAgg(t, f, kind, sub, 2, [][]byte{h}, store)
				got = append(got, a.feed(t, splitBySubtask(probe, []int{0}, 2)[sub])...)
			}
			slices.Sort(got)
			if len(want) != 12 {
				t.Fatalf("reference changes: %v", want)
			}
			eqRows(t, "restored at parallelism 2", got, want...)
		})
	}
}

func TestRankRejectsRetractions(t *testing.T) {
	h := openAgg(t, NewRank([]int{0}, []SortKey{{Col: 1}}, 1, false, rankIn, -1, true), heapBackend, 0, 1, nil)
	if err := h.op.ProcessBatch(0, mkBatch(rankIn, del("a", 1, "x"))); err == nil {
		t.Errorf("retraction accepted")
	}
}

func TestWindowRank(t *testing.T) {
	// item, price, window_start, window_end; partition by the window
	in := []*types.Type{types.String, types.BigInt, types.Timestamp(3), types.Timestamp(3)}
	f := NewRank([]int{2, 3}, []SortKey{{Col: 1, Desc: true}}, 2, false, in, 1, true)
	for _, kind := range allBackends {
		t.Run(kind.String(), func(t *testing.T) {
			store := state.NewMemoryStore()
			h := openAgg(t, f, kind, 0, 1, nil)
			eqRows(t, "nothing before the window ends", h.feed(t, mkBatch(in,
				ins("a", 5, 0, 10000), ins("b", 9, 0, 10000), ins("c", 7, 0, 10000), ins("d", 1, 10000, 20000))))
			var hd []byte
			if kind != noRuntime {
				hd = h.snapshot(t, 1, store)
			}
			got := h.watermark(t, 9)
			eqRows(t, "first window", got, "+I[b, 9, 0, 10000, 1]", "+I[c, 7, 0, 10000, 2]")
			eqRows(t, "late", h.feed(t, mkBatch(in, ins("z", 99, 0, 10000))))
			eqRows(t, "second window", h.watermark(t, 100), "+I[d, 1, 10000, 20000, 1]")
			if kind == noRuntime {
				return
			}
			// Restored, the pending windows fire again from the state.
			r := openAgg(t, f, kind, 0, 1, [][]byte{hd}, store)
			got = r.watermark(t, 100)
			slices.Sort(got)
			eqRows(t, "restored", got, "+I[b, 9, 0, 10000, 1]", "+I[c, 7, 0, 10000, 2]", "+I[d, 1, 10000, 20000, 1]")
		})
	}
}

func TestRetractableRank(t *testing.T) {
	f := NewRetractableRank([]int{0}, []SortKey{{Col: 1, Desc: true}}, 2, rankIn, true)
	for _, kind := range allBackends {
		t.Run(kind.String(), func(t *testing.T) {
			h := openAgg(t, f, kind, 0, 1, nil)
			eqRows(t, "three rows", h.feed(t, mkBatch(rankIn, ins("a", 5, "x"), ins("a", 7, "y"), ins("a", 6, "z"))),
				"+I[a, 5, x, 1]", "-U[a, 5, x, 1]", "+U[a, 7, y, 1]", "+I[a, 5, x, 2]", "-U[a, 5, x, 2]", "+U[a, 6, z, 2]")
			// The top row is retracted: the third one moves up.
			eqRows(t, "retract the top", h.feed(t, mkBatch(rankIn, ub("a", 7, "y"))),
				"-U[a, 7, y, 1]", "+U[a, 6, z, 1]", "-U[a, 6, z, 2]", "+U[a, 5, x, 2]")
			eqRows(t, "update back", h.feed(t, mkBatch(rankIn, ua("a", 8, "y"))),
				"-U[a, 6, z, 1]", "+U[a, 8, y, 1]", "-U[a, 5, x, 2]", "+U[a, 6, z, 2]")
			eqRows(t, "delete below the top", h.feed(t, mkBatch(rankIn, del("a", 5, "x"))))
			eqRows(t, "shrink", h.feed(t, mkBatch(rankIn, del("a", 8, "y"), del("a", 6, "z"))),
				"-D[a, 6, z, 2]", "-U[a, 8, y, 1]", "+U[a, 6, z, 1]", "-D[a, 6, z, 1]")
			eqRows(t, "unknown retraction", h.feed(t, mkBatch(rankIn, del("a", 1, "q"))))
		})
	}
}

// TestRankWithoutRowNumber: when nothing reads the row number, rows that
// leave the Top-N are deleted and rows that enter it inserted (Flink's
// Top-N without row number), for append-only and retracting input.
func TestRankWithoutRowNumber(t *testing.T) {
	for _, kind := range allBackends {
		t.Run(kind.String(), func(t *testing.T) {
			h := openAgg(t, NewRank([]int{0}, []SortKey{{Col: 1, Desc: true}}, 2, false, rankIn, -1, false), kind, 0, 1, nil)
			eqRows(t, "fill", h.feed(t, mkBatch(rankIn, ins("a", 5, "x"), ins("a", 7, "y"))), "+I[a, 5, x, 0]", "+I[a, 7, y, 0]")
			eqRows(t, "evict", h.feed(t, mkBatch(rankIn, ins("a", 6, "z"))), "-D[a, 5, x, 0]", "+I[a, 6, z, 0]")
			eqRows(t, "below", h.feed(t, mkBatch(rankIn, ins("a", 1, "w"))))

			r := openAgg(t, NewRetractableRank([]int{0}, []SortKey{{Col: 1, Desc: true}}, 2, rankIn, false), kind, 0, 1, nil)
			eqRows(t, "retractable fill", r.feed(t, mkBatch(rankIn, ins("a", 5, "x"), ins("a", 7, "y"), ins("a", 6, "z"))),
				"+I[a, 5, x, 0]", "+I[a, 7, y, 0]", "-D[a, 5, x, 0]", "+I[a, 6, z, 0]")
			eqRows(t, "retract the top", r.feed(t, mkBatch(rankIn, ub("a", 7, "y"))), "-D[a, 7, y, 0]", "+I[a, 5, x, 0]")
			eqRows(t, "retract below", r.feed(t, mkBatch(rankIn, del("a", 1, "q"))))
		})
	}
}
