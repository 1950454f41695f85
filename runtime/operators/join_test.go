package operators

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

var joinSide = []*types.Type{types.String, types.BigInt}

type joinStep struct {
	input int
	rows  []row
	want  []string
}

func (h *aggHarness) feedInput(t *testing.T, input int, b *types.Batch) []string {
	t.Helper()
	if err := h.op.ProcessBatch(input, b); err != nil {
		t.Fatalf("process input %d: %v", input, err)
	}
	return h.out.take()
}

func TestJoin(t *testing.T) {
	// residual: a < b (left column 1, right column 3 of the joined row)
	lessThan := call(binaryIntFn("<", types.Boolean, func(a, b int64, out *types.Vector) error {
		out.AppendBool(a < b)
		return nil
	}), col(1, types.BigInt), col(3, types.BigInt))
	tests := []struct {
		name     string
		jt       JoinType
		residual expr.Expr
		steps    []joinStep
	}{
		{"inner join keeps the input's row kind", InnerJoin, nil, []joinStep{
			{0, []row{ins("a", 1), ins("b", 2)}, nil},
			{1, []row{ins("a", 10), ins("a", 11)}, []string{"+I[a, 1, a, 10]", "+I[a, 1, a, 11]"}},
			{0, []row{ub("a", 1), ua("a", 5)}, []string{"-U[a, 1, a, 10]", "-U[a, 1, a, 11]", "+U[a, 5, a, 10]", "+U[a, 5, a, 11]"}},
			{1, []row{del("a", 10)}, []string{"-D[a, 5, a, 10]"}},
			{0, []row{ins(nil, 7)}, nil}, // NULL keys never match
		}},
		{"duplicates join once per occurrence", InnerJoin, nil, []joinStep{
			{0, []row{ins("a", 1), ins("a", 1)}, nil},
			{1, []row{ins("a", 2)}, []string{"+I[a, 1, a, 2]", "+I[a, 1, a, 2]"}},
			{0, []row{del("a", 1)}, []string{"-D[a, 1, a, 2]"}},
			{1, []row{ins("a", 3)}, []string{"+I[a, 1, a, 3]"}},
		}},
		{"inner join: rows of a key in one batch see the other side's rows", InnerJoin, nil, []joinStep{
			{1, []row{ins("a", 10), ins("b", 20)}, nil},
			{0, []row{ins("a", 1), ins("b", 2), ins("a", 3), ub("a", 1), ins("c", 4), ins("a", 1), ins("c", 5)},
				[]string{"+I[a, 1, a, 10]", "+I[b, 2, b, 20]", "+I[a, 3, a, 10]", "-U[a, 1, a, 10]", "+I[a, 1, a, 10]"}},
			{1, []row{ins("a", 11), del("a", 10), ins("c", 6), ins("a", 12)},
				[]string{"+I[a, 1, a, 11]", "+I[a, 3, a, 11]", "-D[a, 1, a, 10]", "-D[a, 3, a, 10]",
					"+I[c, 4, c, 6]", "+I[c, 5, c, 6]", "+I[a, 1, a, 12]", "+I[a, 3, a, 12]"}},
		}},
		{"left join pads and retracts the padding", LeftJoin, nil, []joinStep{
			{0, []row{ins("a", 1), ins(nil, 9)}, []string{"+I[a, 1, NULL, NULL]", "+I[NULL, 9, NULL, NULL]"}},
			{1, []row{ins("a", 10)}, []string{"-D[a, 1, NULL, NULL]", "+I[a, 1, a, 10]"}},
			{1, []row{ins("a", 11)}, []string{"+I[a, 1, a, 11]"}},
			{1, []row{del("a", 10)}, []string{"-D[a, 1, a, 10]"}},
			{1, []row{del("a", 11)}, []string{"-D[a, 1, a, 11]", "+I[a, 1, NULL, NULL]"}},
			{0, []row{del("a", 1)}, []string{"-D[a, 1, NULL, NULL]"}},
			{1, []row{ins("a", 12)}, nil},
		}},
		{"right join mirrors the left join", RightJoin, nil, []joinStep{
			{1, []row{ins("a", 10)}, []string{"+I[NULL, NULL, a, 10]"}},
			{0, []row{ins("a", 1)}, []string{"-D[NULL, NULL, a, 10]", "+I[a, 1, a, 10]"}},
			{0, []row{ub("a", 1)}, []string{"-U[a, 1, a, 10]", "+I[NULL, NULL, a, 10]"}}, // the inner side keeps its kind
		}},
		{"full join", FullJoin, nil, []joinStep{
			{0, []row{ins("a", 1)}, []string{"+I[a, 1, NULL, NULL]"}},
			{1, []row{ins("b", 2)}, []string{"+I[NULL, NULL, b, 2]"}},
			{1, []row{ins("a", 3)}, []string{"-D[a, 1, NULL, NULL]", "+I[a, 1, a, 3]"}},
			{0, []row{del("a", 1)}, []string{"-D[a, 1, a, 3]", "+I[NULL, NULL, a, 3]"}},
		}},
		{"residual condition", LeftJoin, lessThan, []joinStep{
			{1, []row{ins("a", 5), ins("a", 20)}, nil},
			{0, []row{ins("a", 10)}, []string{"+I[a, 10, a, 20]"}},
			{0, []row{ins("a", 30)}, []string{"+I[a, 30, NULL, NULL]"}},
			{1, []row{ins("a", 40)}, []string{"+I[a, 10, a, 40]", "-D[a, 30, NULL, NULL]", "+I[a, 30, a, 40]"}},
		}},
	}
	for _, tc := range tests {
		for _, kind := range allBackends {
			t.Run(tc.name+"/"+kind.String(), func(t *testing.T) {
				h := openAgg(t, NewJoin(tc.jt, []int{0}, []int{0}, joinSide, joinSide, tc.residual, nil), kind, 0, 1, nil)
				for _, st := range tc.steps {
					// State iteration order is not defined: compare sorted.
					got := h.feedInput(t, st.input, mkBatch(joinSide, st.rows...))
					slices.Sort(got)
					want := slices.Clone(st.want)
					slices.Sort(want)
					eqRows(t, tc.name, got, want...)
				}
			})
		}
	}
}

func TestJoinRestoreRescaled(t *testing.T) {
	f := NewJoin(InnerJoin, []int{0}, []int{0}, joinSide, joinSide, nil, nil)
	var left, right []row
	for i := range 200 {
		k := string(rune('a' + i%23))
		left = append(left, ins(k, int64(i)))
		if i%3 == 0 {
			right = append(right, ins(k, int64(1000+i)))
		}
	}
	probe := mkBatch(joinSide, ins("a", 7), ins("q", 8), ins("w", 9))
	for _, kind := range runtimeBackends {
		t.Run(kind.String(), func(t *testing.T) {
			store := state.NewMemoryStore()
			ref := openAgg(t, f, kind, 0, 1, nil)
			ref.feedInput(t, 0, mkBatch(joinSide, left...))
			ref.feedInput(t, 1, mkBatch(joinSide, right[:20]...))
			h := ref.snapshot(t, 1, store)
			want := ref.feedInput(t, 1, probe)
			if len(want) == 0 {
				t.Fatal("no reference output")
			}
			slices.Sort(want)
			var got []string
			for sub := range 3 {
				a := openAgg(t, f, kind, sub, 3, [][]byte{h}, store)
				got = append(got, a.feedInput(t, 1, splitBySubtask(probe, []int{0}, 3)[sub])...)
			}
			slices.Sort(got)
			eqRows(t, "after restore at parallelism 3", got, want...)
		})
	}
}

func TestJoinRejectsMismatchedKeys(t *testing.T) {
	if _, err := NewJoin(InnerJoin, []int{1}, []int{0}, joinSide, joinSide, nil, nil)(0, 1); err == nil {
		t.Errorf("BIGINT = STRING keys accepted")
	}
}

func TestSemiAntiJoin(t *testing.T) {
	tests := []struct {
		jt    JoinType
		steps []joinStep
	}{
		{SemiJoin, []joinStep{
			{0, []row{ins("a", 1), ins("b", 2)}, nil},
			{1, []row{ins("a", 10)}, []string{"+I[a, 1]"}},
			{1, []row{ins("a", 11)}, nil}, // a second match changes nothing
			{0, []row{ins("a", 3)}, []string{"+I[a, 3]"}},
			{1, []row{del("a", 10)}, nil},
			{1, []row{del("a", 11)}, []string{"-D[a, 1]", "-D[a, 3]"}},
			{0, []row{ins(nil, 4)}, nil},
		}},
		{AntiJoin, []joinStep{
			{0, []row{ins("a", 1), ins("b", 2), ins(nil, 9)}, []string{"+I[a, 1]", "+I[b, 2]", "+I[NULL, 9]"}},
			{1, []row{ins("a", 10)}, []string{"-D[a, 1]"}},
			{1, []row{ins("a", 11)}, nil},
			{1, []row{del("a", 10), del("a", 11)}, []string{"+I[a, 1]"}},
			{0, []row{del("b", 2)}, []string{"-D[b, 2]"}},
		}},
	}
	for _, tc := range tests {
		for _, kind := range allBackends {
			t.Run(tc.jt.String()+"/"+kind.String(), func(t *testing.T) {
				h := openAgg(t, NewJoin(tc.jt, []int{0}, []int{0}, joinSide, joinSide, nil, nil), kind, 0, 1, nil)
				for i, st := range tc.steps {
					got := h.feedInput(t, st.input, mkBatch(joinSide, st.rows...))
					slices.Sort(got)
					want := slices.Clone(st.want)
					slices.Sort(want)
					eqRows(t, fmt.Sprintf("step %d", i), got, want...)
				}
			})
		}
	}
}

func TestIntervalJoinDropsState(t *testing.T) {
	// (key, time µs) on both sides; left.t - right.t in [-1000, 0] ms:
	// a left row matches right rows up to one second after it.
	side := []*types.Type{types.String, types.Timestamp(3)}
	iv := &IntervalBounds{LeftTime: 1, RightTime: 1, Lower: -1000, Upper: 0, HasLower: true, HasUpper: true}
	diff := call(binaryIntFn("-", types.BigInt, func(a, b int64, out *types.Vector) error {
		out.AppendInt(a - b)
		return nil
	}), col(1, types.BigInt), col(3, types.BigInt))
	between := call(binaryIntFn("in_bounds", types.Boolean, func(a, _ int64, out *types.Vector) error {
		out.AppendBool(a >= -1000_000 && a <= 0)
		return nil
	}), diff, litInt(0))
	for _, kind := range runtimeBackends {
		t.Run(kind.String(), func(t *testing.T) {
			h := openAgg(t, NewJoin(InnerJoin, []int{0}, []int{0}, side, side, between, iv), kind, 0, 1, nil)
			h.feedInput(t, 0, mkBatch(side, ins("a", int64(1000_000)), ins("a", int64(5000_000))))
			got := h.feedInput(t, 1, mkBatch(side, ins("a", int64(1500_000)), ins("a", int64(3000_000))))
			eqRows(t, "matches", got, "+I[a, 1000000, a, 1500000]")
			count := func() (n int) {
				for _, m := range h.op.(*Join).rows {
					m.Iterate(func(_, _ []byte) bool { n++; return true })
				}
				return n
			}
			h.backend.SetCurrentKey(runtime.KeyGroupOf(runtime.HashKey(mkBatch(side, ins("a", 0)).Cols, []int{0}, 0), 128), []byte{1, 1, 'a'})
			if n := count(); n != 4 {
				t.Fatalf("%d rows in state before the watermark", n)
			}
			// At 4.5 s: left row 1 s (dead after 2 s) and right rows 1.5 s
			// and 3 s (dead after their own time) are gone; left 5 s stays.
			if err := h.op.ProcessWatermark(4500); err != nil {
				t.Fatal(err)
			}
			h.backend.SetCurrentKey(runtime.KeyGroupOf(runtime.HashKey(mkBatch(side, ins("a", 0)).Cols, []int{0}, 0), 128), []byte{1, 1, 'a'})
			if n := count(); n != 1 {
				t.Fatalf("%d rows in state after the watermark, want 1", n)
			}
			eqRows(t, "still joins", h.feedInput(t, 1, mkBatch(side, ins("a", int64(5500_000)))), "+I[a, 5000000, a, 5500000]")
		})
	}
}

// TestJoinLiveFrom: the rows before liveFrom are exactly the rows whose
// deadline the watermark has fired (what cleanup removes).
func TestJoinLiveFrom(t *testing.T) {
	for _, b := range []IntervalBounds{
		{Lower: -3000, Upper: 2000, HasLower: true, HasUpper: true},
		{Lower: 1500, Upper: 0, HasLower: true, HasUpper: true},
		{Upper: 999, HasUpper: true},
		{Lower: -1, HasLower: true},
	} {
		j := &Join{interval: &b}
		for s := range 2 {
			for _, wm := range []int64{-5001, -1, 0, 1, 998, 999, 1000, 1001, 123456, 1_700_000_000_123} {
				from, ok := j.liveFrom(s, wm)
				if _, has := j.deadline(s, 0); !has {
					if ok {
						t.Fatalf("%+v side %d: liveFrom without a bound", b, s)
					}
					continue
				}
				for tm := from - 2500; tm < from+2500; tm++ {
					d, _ := j.deadline(s, tm)
					if fired(d, wm) != (tm < from) {
						t.Fatalf("%+v side %d wm %d: row time %d fired=%v, liveFrom %d", b, s, wm, tm, fired(d, wm), from)
					}
				}
			}
		}
	}
}

// TestIntervalJoinRefusesOldLayout: a checkpoint whose join rows are under
// "left"/"right" (the layout an interval join used before its rows were
// keyed by time) is refused with a clear error instead of read wrongly.
func TestIntervalJoinRefusesOldLayout(t *testing.T) {
	side := []*types.Type{types.String, types.Timestamp(3)}
	iv := &IntervalBounds{LeftTime: 1, RightTime: 1, Lower: -1000, Upper: 0, HasLower: true, HasUpper: true}
	for _, kind := range runtimeBackends {
		t.Run(kind.String(), func(t *testing.T) {
			store := state.NewMemoryStore()
			old := openAgg(t, NewJoin(InnerJoin, []int{0}, []int{0}, side, side, nil, nil), kind, 0, 1, nil)
			old.feedInput(t, 0, mkBatch(side, ins("a", int64(1000_000))))
			h := old.snapshot(t, 1, store)
			_, err := startAgg(t, NewJoin(InnerJoin, []int{0}, []int{0}, side, side, nil, iv), kind, 0, 1, [][]byte{h}, store)
			if err == nil || !strings.Contains(err.Error(), "layout of an older version") {
				t.Fatalf("restoring the old layout: %v", err)
			}
		})
	}
}
