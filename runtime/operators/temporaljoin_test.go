package operators

import (
	"fmt"
	"slices"
	"testing"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// Left: (currency, order time, amount); right: (currency, rate, rate time).
var (
	tjLeftTypes  = []*types.Type{types.String, types.Timestamp(3), types.BigInt}
	tjRightTypes = []*types.Type{types.String, types.BigInt, types.Timestamp(3)}
)

// ms is a TIMESTAMP(3) value (µs) at t milliseconds.
func ms(t int64) int64 { return t * 1000 }

func tjSpec(outer bool) TemporalJoinSpec {
	return TemporalJoinSpec{LeftKeys: []int{0}, RightKeys: []int{0}, LeftTime: 1, RightTime: 2,
		LeftTypes: tjLeftTypes, RightTypes: tjRightTypes, Outer: outer}
}

// tjStep feeds rows to input 0 (left) or 1 (right), or, with input -1,
// the watermark wm; want is the output (any order).
type tjStep struct {
	input int
	rows  []row
	wm    int64
	want  []string
}

func wmStep(wm int64, want ...string) tjStep { return tjStep{input: -1, wm: wm, want: want} }

func (h *aggHarness) step(t *testing.T, st tjStep) []string {
	t.Helper()
	if st.input < 0 {
		if err := h.op.ProcessWatermark(st.wm); err != nil {
			t.Fatalf("watermark %d: %v", st.wm, err)
		}
		if n := len(h.out.wms); n == 0 || h.out.wms[n-1] != st.wm {
			t.Fatalf("watermark %d not forwarded: %v", st.wm, h.out.wms)
		}
		return h.out.take()
	}
	ts := tjLeftTypes
	if st.input == 1 {
		ts = tjRightTypes
	}
	return h.feedInput(t, st.input, mkBatch(ts, st.rows...))
}

func TestTemporalJoin(t *testing.T) {
	// amount < rate, over left ++ right
	lessThan := call(binaryIntFn("<", types.Boolean, func(a, b int64, out *types.Vector) error {
		out.AppendBool(a < b)
		return nil
	}), col(2, types.BigInt), col(4, types.BigInt))
	tests := []struct {
		name  string
		outer bool
		where bool
		steps []tjStep
	}{
		{"inner: each row joins the version valid at its time", false, false, []tjStep{
			{input: 1, rows: []row{ins("EUR", 10, ms(1000)), ins("EUR", 20, ms(5000)), ins("USD", 1, ms(0))}},
			{input: 0, rows: []row{ins("EUR", ms(3000), 1), ins("EUR", ms(5000), 2), ins("EUR", ms(500), 3), ins("GBP", ms(2000), 4)}},
			wmStep(2999),
			wmStep(10000, "+I[EUR, 3000000, 1, EUR, 10, 1000000]", "+I[EUR, 5000000, 2, EUR, 20, 5000000]"),
		}},
		{"left: rows without a version are padded", true, false, []tjStep{
			{input: 1, rows: []row{ins("EUR", 10, ms(1000))}},
			{input: 0, rows: []row{ins("EUR", ms(3000), 1), ins("EUR", ms(500), 3), ins("GBP", ms(2000), 4), ins(nil, ms(2000), 5)},
				want: []string{"+I[NULL, 2000000, 5, NULL, NULL, NULL]"}}, // a NULL key never matches
			wmStep(10000, "+I[EUR, 3000000, 1, EUR, 10, 1000000]", "+I[EUR, 500000, 3, NULL, NULL, NULL]", "+I[GBP, 2000000, 4, NULL, NULL, NULL]"),
		}},
		{"rows wait for the watermark; versions may arrive later and out of order", true, false, []tjStep{
			{input: 0, rows: []row{ins("EUR", ms(6000), 1), ins("EUR", ms(8000), 2)}},
			{input: 1, rows: []row{ins("EUR", 30, ms(7000))}},
			{input: 1, rows: []row{ins("EUR", 20, ms(5000)), ins("EUR", 10, ms(1000))}},
			wmStep(5999),
			wmStep(6000, "+I[EUR, 6000000, 1, EUR, 20, 5000000]"),
			wmStep(9000, "+I[EUR, 8000000, 2, EUR, 30, 7000000]"),
		}},
		{"a deletion ends a version; -U rows are ignored", true, false, []tjStep{
			{input: 1, rows: []row{ins("EUR", 10, ms(1000)), ub("EUR", 10, ms(1000)), ua("EUR", 20, ms(3000)), del("EUR", 20, ms(6000))}},
			{input: 0, rows: []row{ins("EUR", ms(2000), 1), ins("EUR", ms(4000), 2), ins("EUR", ms(7000), 3)}},
			wmStep(10000, "+I[EUR, 2000000, 1, EUR, 10, 1000000]", "+I[EUR, 4000000, 2, EUR, 20, 3000000]",
				"+I[EUR, 7000000, 3, NULL, NULL, NULL]"),
			// a new version after the deletion
			{input: 1, rows: []row{ins("EUR", 40, ms(11000))}},
			{input: 0, rows: []row{ins("EUR", ms(12000), 4)}},
			wmStep(12000, "+I[EUR, 12000000, 4, EUR, 40, 11000000]"),
		}},
		{"late left rows join the versions still in state", true, false, []tjStep{
			{input: 1, rows: []row{ins("EUR", 10, ms(1000)), ins("EUR", 20, ms(5000))}},
			wmStep(6000),
			// 5.5 s is late but sees the version of 5 s; 2 s is late and its
			// version (1 s) was cleaned when the watermark passed 5 s.
			{input: 0, rows: []row{ins("EUR", ms(5500), 1), ins("EUR", ms(2000), 2)}},
			wmStep(6001, "+I[EUR, 5500000, 1, EUR, 20, 5000000]", "+I[EUR, 2000000, 2, NULL, NULL, NULL]"),
		}},
		{"residual condition", true, true, []tjStep{
			{input: 1, rows: []row{ins("EUR", 10, ms(1000))}},
			{input: 0, rows: []row{ins("EUR", ms(2000), 5), ins("EUR", ms(3000), 50)}},
			wmStep(4000, "+I[EUR, 2000000, 5, EUR, 10, 1000000]", "+I[EUR, 3000000, 50, NULL, NULL, NULL]"),
		}},
		{"inner residual drops", false, true, []tjStep{
			{input: 1, rows: []row{ins("EUR", 10, ms(1000))}},
			{input: 0, rows: []row{ins("EUR", ms(2000), 5), ins("EUR", ms(3000), 50)}},
			wmStep(4000, "+I[EUR, 2000000, 5, EUR, 10, 1000000]"),
		}},
	}
	for _, tc := range tests {
		for _, kind := range allBackends {
			t.Run(tc.name+"/"+kind.String(), func(t *testing.T) {
				spec := tjSpec(tc.outer)
				if tc.where {
					spec.Residual = lessThan
				}
				h := openAgg(t, NewTemporalJoin(spec), kind, 0, 1, nil)
				for i, st := range tc.steps {
					got := h.step(t, st)
					slices.Sort(got)
					want := slices.Clone(st.want)
					slices.Sort(want)
					eqRows(t, fmt.Sprintf("step %d", i), got, want...)
				}
			})
		}
	}
}

// tjCount counts the left rows and versions in state under key.
func tjCount(t *testing.T, h *aggHarness, key string) (left, right int) {
	t.Helper()
	j := h.op.(*TemporalJoin)
	b := mkBatch([]*types.Type{types.String}, ins(key))
	j.backend.SetCurrentKey(runtime.KeyGroupOf(runtime.HashKey(b.Cols, []int{0}, 0), 128), j.keyEnc[0].encode(b, 0))
	if err := j.left.Iterate(func(_, _ []byte) bool { left++; return true }); err != nil {
		t.Fatal(err)
	}
	if err := j.right.Iterate(func(_, _ []byte) bool { right++; return true }); err != nil {
		t.Fatal(err)
	}
	return left, right
}

func TestTemporalJoinCleansState(t *testing.T) {
	for _, kind := range allBackends {
		t.Run(kind.String(), func(t *testing.T) {
			h := openAgg(t, NewTemporalJoin(tjSpec(false)), kind, 0, 1, nil)
			h.step(t, tjStep{input: 1, rows: []row{ins("EUR", 10, ms(1000)), ins("EUR", 20, ms(2000)), ins("EUR", 30, ms(3000)), ins("EUR", 40, ms(9000))}})
			h.step(t, tjStep{input: 0, rows: []row{ins("EUR", ms(2500), 1), ins("EUR", ms(8000), 2)}})
			if l, r := tjCount(t, h, "EUR"); l != 2 || r != 4 {
				t.Fatalf("before the watermark: %d left rows, %d versions", l, r)
			}
			eqRows(t, "at 5 s", h.step(t, wmStep(5000)), "+I[EUR, 2500000, 1, EUR, 20, 2000000]")
			// 3 s is the latest version at or before 5 s: it and 9 s stay.
			if l, r := tjCount(t, h, "EUR"); l != 1 || r != 2 {
				t.Fatalf("after 5 s: %d left rows, %d versions; want 1, 2", l, r)
			}
			eqRows(t, "at 10 s", h.step(t, wmStep(10000)), "+I[EUR, 8000000, 2, EUR, 30, 3000000]")
			if l, r := tjCount(t, h, "EUR"); l != 0 || r != 1 {
				t.Fatalf("after 10 s: %d left rows, %d versions; want 0, 1", l, r)
			}
			// A deletion the watermark passed leaves nothing.
			h.step(t, tjStep{input: 1, rows: []row{del("EUR", 40, ms(11000))}})
			h.step(t, wmStep(12000))
			if l, r := tjCount(t, h, "EUR"); l != 0 || r != 0 {
				t.Fatalf("after the deletion: %d left rows, %d versions; want none", l, r)
			}
		})
	}
}

func TestTemporalJoinRestoreRescaled(t *testing.T) {
	f := NewTemporalJoin(tjSpec(true))
	var left, right []row
	for i := range 120 {
		k := fmt.Sprintf("k%d", i%17)
		right = append(right, ins(k, int64(i), ms(int64(100*i))))
		left = append(left, ins(k, ms(int64(100*i+50)), int64(i)))
	}
	for _, kind := range runtimeBackends {
		t.Run(kind.String(), func(t *testing.T) {
			store := state.NewMemoryStore()
			ref := openAgg(t, f, kind, 0, 1, nil)
			ref.feedInput(t, 1, mkBatch(tjRightTypes, right[:60]...))
			ref.feedInput(t, 0, mkBatch(tjLeftTypes, left...))
			ref.step(t, wmStep(3000)) // joins rows up to 3 s, cleans versions
			h := ref.snapshot(t, 1, store)
			rest := mkBatch(tjRightTypes, right[60:]...)
			ref.feedInput(t, 1, rest)
			want := ref.step(t, wmStep(runtime.MaxWatermark))
			if len(want) != 90 {
				t.Fatalf("reference emitted %d rows at the end, want 90", len(want))
			}
			slices.Sort(want)
			var got []string
			for sub := range 3 {
				a := openAgg(t, f, kind, sub, 3, [][]byte{h}, store)
				got = append(got, a.feedInput(t, 1, splitBySubtask(rest, []int{0}, 3)[sub])...)
				got = append(got, a.step(t, wmStep(runtime.MaxWatermark))...)
			}
			slices.Sort(got)
			eqRows(t, "after restore at parallelism 3", got, want...)
		})
	}
}

func TestTemporalJoinRejectsRetractionsOnTheLeft(t *testing.T) {
	h := openAgg(t, NewTemporalJoin(tjSpec(false)), heapBackend, 0, 1, nil)
	if err := h.op.ProcessBatch(0, mkBatch(tjLeftTypes, del("EUR", ms(1), 1))); err == nil {
		t.Fatal("a retraction on the left input was accepted")
	}
	if _, err := NewTemporalJoin(TemporalJoinSpec{LeftKeys: []int{2}, RightKeys: []int{0}, LeftTime: 1, RightTime: 2,
		LeftTypes: tjLeftTypes, RightTypes: tjRightTypes})(0, 1); err == nil {
		t.Fatal("BIGINT = STRING keys accepted")
	}
}
