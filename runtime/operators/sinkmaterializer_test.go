package operators

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// Rows (k, b, n) as a GROUP BY k, b would emit them, into a sink keyed on k.
var smTypes = []*types.Type{types.BigInt.WithNullable(false), types.String, types.BigInt}

type smStep struct {
	rows []row
	want []string
}

func TestSinkMaterializer(t *testing.T) {
	cases := []struct {
		name         string
		updateBefore bool
		steps        []smStep
	}{
		{name: "one upstream key, one change per batch", steps: []smStep{
			{[]row{ins(1, "x", 1)}, []string{"+I[1, x, 1]"}},
			{[]row{ub(1, "x", 1)}, []string{"-D[1, x, 1]"}},
			{[]row{ua(1, "x", 2)}, []string{"+I[1, x, 2]"}},
		}},
		{name: "a -U/+U pair in one batch is one upsert", steps: []smStep{
			{[]row{ins(1, "x", 1)}, []string{"+I[1, x, 1]"}},
			{[]row{ub(1, "x", 1), ua(1, "x", 2)}, []string{"+U[1, x, 2]"}},
		}},
		{name: "a -U/+U pair in one batch with update-before", updateBefore: true, steps: []smStep{
			{[]row{ins(1, "x", 1)}, []string{"+I[1, x, 1]"}},
			{[]row{ub(1, "x", 1), ua(1, "x", 2)}, []string{"-U[1, x, 1]", "+U[1, x, 2]"}},
			{[]row{del(1, "x", 2)}, []string{"-D[1, x, 2]"}},
		}},
		{name: "two upstream keys in order", steps: []smStep{
			{[]row{ins(1, "x", 1)}, []string{"+I[1, x, 1]"}},
			{[]row{ins(1, "y", 1)}, []string{"+U[1, y, 1]"}},
			{[]row{del(1, "y", 1)}, []string{"+U[1, x, 1]"}},
			{[]row{del(1, "x", 1)}, []string{"-D[1, x, 1]"}},
		}},
		{name: "two upstream keys with update-before", updateBefore: true, steps: []smStep{
			{[]row{ins(1, "x", 1)}, []string{"+I[1, x, 1]"}},
			{[]row{ins(1, "y", 1)}, []string{"-U[1, x, 1]", "+U[1, y, 1]"}},
			{[]row{del(1, "y", 1)}, []string{"-U[1, y, 1]", "+U[1, x, 1]"}},
		}},
		{
			// The row of sink key 1 moves from upstream key (1, x) to (1, y):
			// the upstream emits -D(1, x) and +I(1, y) from two subtasks, and
			// the insertion overtakes the retraction.
			name: "out-of-order retraction from another upstream key", steps: []smStep{
				{[]row{ins(1, "x", 1)}, []string{"+I[1, x, 1]"}},
				{[]row{ins(1, "y", 1)}, []string{"+U[1, y, 1]"}},
				{[]row{del(1, "x", 1)}, nil}, // not the last row: the sink keeps (1, y)
				{[]row{ub(1, "y", 1)}, []string{"-D[1, y, 1]"}},
				{[]row{ua(1, "y", 2)}, []string{"+I[1, y, 2]"}},
			}},
		{name: "the same move in order", steps: []smStep{
			{[]row{ins(1, "x", 1)}, []string{"+I[1, x, 1]"}},
			{[]row{del(1, "x", 1)}, []string{"-D[1, x, 1]"}},
			{[]row{ins(1, "y", 1)}, []string{"+I[1, y, 1]"}},
		}},
		{name: "the move in one batch, insertion first", steps: []smStep{
			{[]row{ins(1, "x", 1)}, []string{"+I[1, x, 1]"}},
			{[]row{ins(1, "y", 1), del(1, "x", 1)}, []string{"+U[1, y, 1]"}},
		}},
		{name: "retraction of a row never seen is dropped", steps: []smStep{
			{[]row{del(2, "x", 1)}, nil},
			{[]row{ins(2, "x", 1)}, []string{"+I[2, x, 1]"}},
			{[]row{ub(2, "x", 9)}, nil},
			{[]row{del(2, "x", 1), ins(2, "z", 1), del(2, "z", 1)}, []string{"-D[2, x, 1]"}},
		}},
		{name: "equal rows: the last row does not change", steps: []smStep{
			{[]row{ins(1, "x", 1)}, []string{"+I[1, x, 1]"}},
			{[]row{ins(1, "x", 1)}, nil},
			{[]row{del(1, "x", 1)}, nil},
			{[]row{del(1, "x", 1)}, []string{"-D[1, x, 1]"}},
			{[]row{del(1, "x", 1)}, nil},
		}},
		{name: "a retraction removes the latest equal row", steps: []smStep{
			{[]row{ins(1, "a", 1)}, []string{"+I[1, a, 1]"}},
			{[]row{ins(1, "b", 1)}, []string{"+U[1, b, 1]"}},
			{[]row{ins(1, "a", 1)}, []string{"+U[1, a, 1]"}},
			// alive: a, b, a → removing the latest a leaves b last
			{[]row{del(1, "a", 1)}, []string{"+U[1, b, 1]"}},
			{[]row{del(1, "b", 1)}, []string{"+U[1, a, 1]"}},
		}},
		{name: "keys in order of their first row", steps: []smStep{
			{[]row{ins(2, "a", 1), ins(1, "a", 1), ins(2, "b", 1), ins(3, nil, nil), del(3, nil, nil)},
				[]string{"+I[2, b, 1]", "+I[1, a, 1]"}},
			{[]row{del(1, "a", 1), ua(2, "c", 2), ins(1, "a", 2)},
				[]string{"+U[1, a, 2]", "+U[2, c, 2]"}},
		}},
		{name: "NULL columns compare equal", steps: []smStep{
			{[]row{ins(4, nil, nil)}, []string{"+I[4, NULL, NULL]"}},
			{[]row{ins(4, "x", nil)}, []string{"+U[4, x, NULL]"}},
			{[]row{del(4, nil, nil)}, nil},
			{[]row{del(4, "x", nil)}, []string{"-D[4, x, NULL]"}},
		}},
	}
	for _, tc := range cases {
		for _, kind := range allBackends {
			t.Run(tc.name+"/"+kind.String(), func(t *testing.T) {
				h := openAgg(t, NewSinkMaterializer([]int{0}, smTypes, SinkMaterializerOptions{UpdateBefore: tc.updateBefore}), kind, 0, 1, nil)
				for i, st := range tc.steps {
					eqRows(t, fmt.Sprintf("step %d", i+1), h.feed(t, mkBatch(smTypes, st.rows...)), st.want...)
				}
			})
		}
	}
}

func TestSinkMaterializerCompositeKeyAndInsertOnlyBatch(t *testing.T) {
	ts := []*types.Type{types.String, types.BigInt, types.Double}
	h := openAgg(t, NewSinkMaterializer([]int{1, 0}, ts, SinkMaterializerOptions{}), heapBackend, 0, 1, nil)
	// An insert-only batch (Kinds nil).
	b := mkBatch(ts, ins("a", 1, 1.5), ins("a", 2, 2.5), ins("a", 1, 3.5))
	b.Kinds = nil
	eqRows(t, "insert-only", h.feed(t, b), "+I[a, 1, 3.5]", "+I[a, 2, 2.5]")
	eqRows(t, "retract", h.feed(t, mkBatch(ts, del("a", 1, 3.5))), "+U[a, 1, 1.5]")
}

// smRoute splits rows by the subtask that owns their key (column 0) at
// parallelism par, as the hash exchange in front of the operator does.
func smRoute(rows []row, par int) [][]row {
	out := make([][]row, par)
	for _, r := range rows {
		b := mkBatch(smTypes, r)
		kg := runtime.KeyGroupOf(runtime.HashKey(b.Cols, []int{0}, 0), 128)
		s := runtime.SubtaskOfKeyGroup(kg, 128, par)
		out[s] = append(out[s], r)
	}
	return out
}

func TestSinkMaterializerSnapshotRestoreRescale(t *testing.T) {
	before := []row{
		ins(1, "x", 1), ins(1, "y", 1), // key 1: x then y alive
		ins(2, "x", 5),
		ins(3, "x", 1), ins(3, "x", 1), // duplicates
		ins(4, "a", 1), ins(4, "b", 1), ins(4, "c", 1),
		ins(5, "x", 1), del(5, "x", 1), // gone
	}
	after := []row{
		del(1, "y", 1),                 // → (1, x) again
		del(2, "x", 5),                 // → deleted
		del(3, "x", 1),                 // one copy left: nothing
		del(4, "b", 1),                 // not last: nothing
		del(4, "c", 1),                 // → (4, a)
		del(5, "x", 1), ins(6, "z", 1), // 5 has no state; 6 is new
	}
	want := []string{"+U[1, x, 1]", "-D[2, x, 5]", "+U[4, a, 1]", "+I[6, z, 1]"}
	for _, kind := range runtimeBackends {
		for _, newPar := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/1to%d", kind, newPar), func(t *testing.T) {
				store := state.NewMemoryStore()
				f := NewSinkMaterializer([]int{0}, smTypes, SinkMaterializerOptions{})
				h := openAgg(t, f, kind, 0, 1, nil, store)
				h.feed(t, mkBatch(smTypes, before...))
				handle := h.snapshot(t, 1, store)
				// Changes after the checkpoint are lost with the failure.
				h.feed(t, mkBatch(smTypes, del(1, "x", 1), del(1, "y", 1)))

				var got []string
				for sub, rows := range smRoute(after, newPar) {
					r := openAgg(t, f, kind, sub, newPar, [][]byte{handle}, store)
					if len(rows) > 0 {
						got = append(got, r.feed(t, mkBatch(smTypes, rows...))...)
					}
				}
				slices.Sort(got)
				w := slices.Clone(want)
				slices.Sort(w)
				eqRows(t, "after restore", got, w...)
			})
		}
	}
}

func TestSinkMaterializerStateTTL(t *testing.T) {
	now := int64(1_000) // 0 would mean "no write time"
	lo, hi := runtime.KeyGroupRange(0, 128, 1)
	b, err := state.NewHeapBackend(state.Config{OperatorID: "m", Parallelism: 1, MaxParallelism: 128,
		KeyGroupStart: lo, KeyGroupEnd: hi, TTL: time.Minute, Clock: func() int64 { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	op, err := NewSinkMaterializer([]int{0}, smTypes, SinkMaterializerOptions{})(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{op: op, out: &collector{}, clock: &fakeClock{}}
	h.ctx = &runtime.OperatorContext{Ctx: t.Context(), OperatorID: "m", Metrics: &runtime.OperatorMetrics{}, Clock: h.clock,
		Parallelism: 1, MaxParallel: 128, KeyedState: func() (state.KeyedBackend, error) { return b, nil }}
	if err := op.Open(h.ctx, h.out); err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	eqRows(t, "insert", h.feed(t, mkBatch(smTypes, ins(1, "x", 1), ins(2, "x", 1))), "+I[1, x, 1]", "+I[2, x, 1]")
	now = 31_000
	eqRows(t, "touch key 2", h.feed(t, mkBatch(smTypes, ins(2, "y", 1))), "+U[2, y, 1]")
	now = 62_000
	// Key 1 expired: its retraction finds nothing and a new row is a first row.
	eqRows(t, "expired", h.feed(t, mkBatch(smTypes, del(1, "x", 1), ins(1, "z", 1))), "+I[1, z, 1]")
	eqRows(t, "alive", h.feed(t, mkBatch(smTypes, del(2, "y", 1))), "+U[2, x, 1]")
}
