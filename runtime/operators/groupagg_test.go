package operators

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// aggCase describes a group aggregate and a sequence of input batches with
// the rows expected after each.
type aggCase struct {
	name  string
	keys  []int
	calls []AggCall
	in    []*types.Type
	out   []*types.Type
	opts  AggOptions
	steps []aggStep
}

type aggStep struct {
	rows []row
	want []string
}

var (
	kvTypes = []*types.Type{types.String, types.BigInt}
	bigint  = types.BigInt
)

func TestGroupAggregate(t *testing.T) {
	countStar := AggCall{Kind: AggCountStar, Arg: -1, Type: bigint}
	sumV := AggCall{Kind: AggSum, Arg: 1, Type: bigint}
	tests := []aggCase{
		{
			name: "insert-only input: +I then -U/+U",
			keys: []int{0}, calls: []AggCall{countStar, sumV},
			in: kvTypes, out: []*types.Type{types.String, bigint, bigint},
			steps: []aggStep{
				{rows: []row{ins("a", 1), ins("b", 2)}, want: []string{"+I[a, 1, 1]", "+I[b, 1, 2]"}},
				{rows: []row{ins("a", 10)}, want: []string{"-U[a, 1, 1]", "+U[a, 2, 11]"}},
				{rows: []row{ins("b", 1), ins("c", 5), ins("b", 1)}, want: []string{"-U[b, 1, 2]", "+U[b, 3, 4]", "+I[c, 1, 5]"}},
			},
		},
		{
			name: "one change per key per batch",
			keys: []int{0}, calls: []AggCall{sumV},
			in: kvTypes, out: []*types.Type{types.String, bigint},
			steps: []aggStep{
				{rows: []row{ins("a", 1), ins("a", 2), ins("a", 3)}, want: []string{"+I[a, 6]"}},
				{rows: []row{ins("a", 1), del("a", 1)}, want: nil}, // unchanged: nothing
			},
		},
		{
			name: "retraction input: -D when the count drops to zero",
			keys: []int{0}, calls: []AggCall{countStar, sumV},
			in: kvTypes, out: []*types.Type{types.String, bigint, bigint},
			steps: []aggStep{
				{rows: []row{ins("a", 1), ins("a", 2), ins("b", 5)}, want: []string{"+I[a, 2, 3]", "+I[b, 1, 5]"}},
				{rows: []row{ub("a", 2), ua("a", 20)}, want: []string{"-U[a, 2, 3]", "+U[a, 2, 21]"}},
				{rows: []row{del("a", 1), del("b", 5)}, want: []string{"-U[a, 2, 21]", "+U[a, 1, 20]", "-D[b, 1, 5]"}},
				{rows: []row{del("a", 20)}, want: []string{"-D[a, 1, 20]"}},
				{rows: []row{ins("a", 7)}, want: []string{"+I[a, 1, 7]"}}, // state was removed
			},
		},
		{
			name: "retraction of an unknown key is dropped",
			keys: []int{0}, calls: []AggCall{countStar},
			in: kvTypes, out: []*types.Type{types.String, bigint},
			steps: []aggStep{
				{rows: []row{del("x", 1), ins("x", 1), del("x", 1)}, want: nil},
				{rows: []row{del("y", 1), ins("y", 1)}, want: []string{"+I[y, 1]"}},
			},
		},
		{
			name: "MIN/MAX under retraction",
			keys: []int{0},
			calls: []AggCall{
				{Kind: AggMin, Arg: 1, Type: bigint}, {Kind: AggMax, Arg: 1, Type: bigint},
			},
			in: kvTypes, out: []*types.Type{types.String, bigint, bigint},
			steps: []aggStep{
				{rows: []row{ins("k", 5), ins("k", 3), ins("k", 7), ins("k", 3)}, want: []string{"+I[k, 3, 7]"}},
				{rows: []row{del("k", 3)}, want: nil}, // one 3 is left
				{rows: []row{del("k", 3)}, want: []string{"-U[k, 3, 7]", "+U[k, 5, 7]"}},
				{rows: []row{del("k", 7), ins("k", 6)}, want: []string{"-U[k, 5, 7]", "+U[k, 5, 6]"}},
				{rows: []row{ins("k", nil)}, want: nil},
				{rows: []row{del("k", 5), del("k", 6)}, want: []string{"-U[k, 5, 6]", "+U[k, NULL, NULL]"}},
				{rows: []row{del("k", nil)}, want: []string{"-D[k, NULL, NULL]"}},
			},
		},
		{
			name: "MIN/MAX of strings and doubles with retraction",
			keys: nil,
			calls: []AggCall{
				{Kind: AggMin, Arg: 0, Type: types.String}, {Kind: AggMax, Arg: 0, Type: types.String},
				{Kind: AggMin, Arg: 1, Type: types.Double}, {Kind: AggMax, Arg: 1, Type: types.Double},
			},
			in: []*types.Type{types.String, types.Double}, out: []*types.Type{types.String, types.String, types.Double, types.Double},
			steps: []aggStep{
				{rows: []row{ins("pear", -1.5), ins("apple", 2.0), ins("zoo", -7.25)}, want: []string{"+I[apple, zoo, -7.25, 2]"}},
				{rows: []row{del("apple", -7.25)}, want: []string{"-U[apple, zoo, -7.25, 2]", "+U[pear, zoo, -1.5, 2]"}},
			},
		},
		{
			name: "COUNT DISTINCT and SUM DISTINCT",
			keys: []int{0},
			calls: []AggCall{
				{Kind: AggCount, Arg: 1, Distinct: true, Type: bigint},
				{Kind: AggSum, Arg: 1, Distinct: true, Type: bigint},
				{Kind: AggCount, Arg: 1, Type: bigint},
			},
			in: kvTypes, out: []*types.Type{types.String, bigint, bigint, bigint},
			steps: []aggStep{
				{rows: []row{ins("a", 1), ins("a", 1), ins("a", 2), ins("a", nil)}, want: []string{"+I[a, 2, 3, 3]"}},
				{rows: []row{del("a", 1)}, want: []string{"-U[a, 2, 3, 3]", "+U[a, 2, 3, 2]"}},
				{rows: []row{del("a", 1)}, want: []string{"-U[a, 2, 3, 2]", "+U[a, 1, 2, 1]"}},
				{rows: []row{ins("a", 5)}, want: []string{"-U[a, 1, 2, 1]", "+U[a, 2, 7, 2]"}},
			},
		},
		{
			name:  "global aggregation",
			calls: []AggCall{countStar, sumV, {Kind: AggAvg, Arg: 1, Type: bigint}},
			in:    kvTypes, out: []*types.Type{bigint, bigint, bigint},
			steps: []aggStep{
				{rows: []row{ins("a", 1), ins("b", 2)}, want: []string{"+I[2, 3, 1]"}},
				{rows: []row{ins("c", nil)}, want: []string{"-U[2, 3, 1]", "+U[3, 3, 1]"}},
				{rows: []row{del("a", 1), del("b", 2)}, want: []string{"-U[3, 3, 1]", "+U[1, NULL, NULL]"}},
				{rows: []row{del("c", nil)}, want: []string{"-D[1, NULL, NULL]"}},
				{rows: []row{ins("d", -7), ins("e", 2)}, want: []string{"+I[2, -5, -2]"}}, // AVG truncates toward zero
			},
		},
		{
			name: "COUNT ignores NULL, SUM of NULLs is NULL, $SUM0 is 0",
			keys: []int{0},
			calls: []AggCall{
				{Kind: AggCount, Arg: 1, Type: bigint}, sumV, {Kind: AggSum0, Arg: 1, Type: bigint},
			},
			in: kvTypes, out: []*types.Type{types.String, bigint, bigint, bigint},
			steps: []aggStep{
				{rows: []row{ins("a", nil), ins("a", nil)}, want: []string{"+I[a, 0, NULL, 0]"}},
				{rows: []row{ins("a", 4)}, want: []string{"-U[a, 0, NULL, 0]", "+U[a, 1, 4, 4]"}},
			},
		},
		{
			name: "SUM/AVG in the result type: INT wraps, DOUBLE and DECIMAL",
			keys: []int{0},
			calls: []AggCall{
				{Kind: AggSum, Arg: 1, Type: types.Int},
				{Kind: AggAvg, Arg: 2, Type: types.Double},
				{Kind: AggSum, Arg: 3, Type: types.Decimal(38, 2)},
				{Kind: AggAvg, Arg: 3, Type: types.Decimal(38, 6)},
				{Kind: AggAvg, Arg: 1, Type: types.Int},
			},
			in:  []*types.Type{types.String, types.Int, types.Double, types.Decimal(10, 2)},
			out: []*types.Type{types.String, types.Int, types.Double, types.Decimal(38, 2), types.Decimal(38, 6), types.Int},
			steps: []aggStep{
				{rows: []row{ins("a", 2147483647, 1.0, dec("1.10")), ins("a", 1, 2.0, dec("2.20")), ins("a", 1, 4.0, dec("0.01"))},
					want: []string{"+I[a, -2147483647, 2.3333333333333335, 3.31, 1.103333, 715827883]"}},
			},
		},
		{
			name: "FIRST_VALUE/LAST_VALUE with retraction",
			keys: []int{0},
			calls: []AggCall{
				{Kind: AggFirstValue, Arg: 1, Type: bigint}, {Kind: AggLastValue, Arg: 1, Type: bigint},
			},
			in: kvTypes, out: []*types.Type{types.String, bigint, bigint},
			steps: []aggStep{
				{rows: []row{ins("a", nil), ins("a", 1), ins("a", 2), ins("a", 3)}, want: []string{"+I[a, 1, 3]"}},
				{rows: []row{del("a", 1), del("a", 3)}, want: []string{"-U[a, 1, 3]", "+U[a, 2, 2]"}},
				{rows: []row{ins("a", 9)}, want: []string{"-U[a, 2, 2]", "+U[a, 2, 9]"}},
			},
		},
		{
			name: "insert-only MIN/MAX/FIRST/LAST",
			keys: []int{0},
			opts: AggOptions{InsertOnlyInput: true},
			calls: []AggCall{
				{Kind: AggMin, Arg: 1, Type: bigint}, {Kind: AggMax, Arg: 1, Type: bigint},
				{Kind: AggFirstValue, Arg: 1, Type: bigint}, {Kind: AggLastValue, Arg: 1, Type: bigint},
			},
			in: kvTypes, out: []*types.Type{types.String, bigint, bigint, bigint, bigint},
			steps: []aggStep{
				{rows: []row{ins("a", 4), ins("a", 2), ins("a", 9), ins("a", nil)}, want: []string{"+I[a, 2, 9, 4, 9]"}},
				{rows: []row{ins("a", 3)}, want: []string{"-U[a, 2, 9, 4, 9]", "+U[a, 2, 9, 4, 3]"}},
			},
		},
		{
			name: "SkipUpdateBefore emits only +U",
			keys: []int{0}, calls: []AggCall{sumV}, opts: AggOptions{SkipUpdateBefore: true},
			in: kvTypes, out: []*types.Type{types.String, bigint},
			steps: []aggStep{
				{rows: []row{ins("a", 1)}, want: []string{"+I[a, 1]"}},
				{rows: []row{ins("a", 1)}, want: []string{"+U[a, 2]"}},
				{rows: []row{del("a", 1), del("a", 1)}, want: []string{"-D[a, 2]"}},
			},
		},
		{
			name: "composite and NULL keys",
			keys: []int{1, 0}, calls: []AggCall{countStar},
			in: kvTypes, out: []*types.Type{bigint, types.String, bigint},
			steps: []aggStep{
				{rows: []row{ins("a", 1), ins(nil, 1), ins("a", nil), ins(nil, nil), ins("a", 1), ins(nil, nil)},
					want: []string{"+I[1, a, 2]", "+I[1, NULL, 1]", "+I[NULL, a, 1]", "+I[NULL, NULL, 2]"}},
			},
		},
		{
			name: "single BIGINT key with NULL (integer key index)",
			keys: []int{1}, calls: []AggCall{countStar},
			in: kvTypes, out: []*types.Type{bigint, bigint},
			steps: []aggStep{
				{rows: []row{ins("a", 1), ins("b", nil), ins("c", 1), ins("d", -5)}, want: []string{"+I[1, 2]", "+I[NULL, 1]", "+I[-5, 1]"}},
				{rows: []row{del("b", nil), del("x", 7), ins("e", nil), del("d", -5)}, want: []string{"-D[-5, 1]"}},
				{rows: []row{del("e", nil)}, want: []string{"-D[NULL, 1]"}},
				{rows: []row{ins("f", nil)}, want: []string{"+I[NULL, 1]"}},
			},
		},
		{
			name: "wide DECIMAL keys and MIN/MAX beyond 64 bits",
			keys: []int{0},
			calls: []AggCall{
				{Kind: AggMin, Arg: 1, Type: types.Decimal(38, 2)}, {Kind: AggMax, Arg: 1, Type: types.Decimal(38, 2)},
				{Kind: AggCount, Arg: 1, Distinct: true, Type: bigint},
			},
			in:  []*types.Type{types.Decimal(38, 2), types.Decimal(38, 2)},
			out: []*types.Type{types.Decimal(38, 2), types.Decimal(38, 2), types.Decimal(38, 2), bigint},
			steps: []aggStep{
				{rows: []row{
					ins(dec("99999999999999999999999999999999.99"), dec("12345678901234567890123.45")),
					ins(dec("99999999999999999999999999999999.99"), dec("-98765432109876543210.99")),
					ins(dec("99999999999999999999999999999999.99"), dec("-0.01")),
					ins(dec("-1"), dec("0")),
					ins(dec("-1.00"), dec("-99999999999999999999999999999999.99")),
				}, want: []string{
					"+I[99999999999999999999999999999999.99, -98765432109876543210.99, 12345678901234567890123.45, 3]",
					"+I[-1.00, -99999999999999999999999999999999.99, 0.00, 2]",
				}},
				{rows: []row{del(dec("99999999999999999999999999999999.99"), dec("-98765432109876543210.99"))}, want: []string{
					"-U[99999999999999999999999999999999.99, -98765432109876543210.99, 12345678901234567890123.45, 3]",
					"+U[99999999999999999999999999999999.99, -0.01, 12345678901234567890123.45, 2]",
				}},
			},
		},
		{
			name: "SELECT DISTINCT (no calls)",
			keys: []int{0},
			in:   kvTypes, out: []*types.Type{types.String},
			steps: []aggStep{
				{rows: []row{ins("a", 1), ins("a", 2), ins("b", 1)}, want: []string{"+I[a]", "+I[b]"}},
				{rows: []row{ins("a", 3), del("b", 1)}, want: []string{"-D[b]"}},
			},
		},
		{
			name: "first touch ignores dropped retractions",
			keys: []int{0}, calls: []AggCall{countStar},
			in: kvTypes, out: []*types.Type{types.String, bigint},
			steps: []aggStep{
				{rows: []row{del("y", 1), ins("x", 1), ins("y", 1), ins("x", 2)}, want: []string{"+I[x, 2]", "+I[y, 1]"}},
				{rows: []row{del("z", 1), ins("y", 1), ins("z", 1), del("x", 1)}, want: []string{"-U[y, 1]", "+U[y, 2]", "+I[z, 1]", "-U[x, 2]", "+U[x, 1]"}},
			},
		},
		{
			name: "FIRST_VALUE/LAST_VALUE retract the earliest occurrence",
			keys: []int{0},
			calls: []AggCall{
				{Kind: AggFirstValue, Arg: 1, Type: bigint}, {Kind: AggLastValue, Arg: 1, Type: bigint},
			},
			in: kvTypes, out: []*types.Type{types.String, bigint, bigint},
			steps: []aggStep{
				{rows: []row{ins("a", 1), ins("a", 2), ins("a", 1)}, want: []string{"+I[a, 1, 1]"}},
				{rows: []row{del("a", 1)}, want: []string{"-U[a, 1, 1]", "+U[a, 2, 1]"}},
				{rows: []row{del("a", 1)}, want: []string{"-U[a, 2, 1]", "+U[a, 2, 2]"}},
				{rows: []row{ins("a", 3), del("a", 2)}, want: []string{"-U[a, 2, 2]", "+U[a, 3, 3]"}},
				{rows: []row{ins("a", 4), del("a", 5)}, want: []string{"-U[a, 3, 3]", "+U[a, 3, 4]"}}, // 5 was never accumulated
				{rows: []row{ins("a", 4), ins("a", 6)}, want: []string{"-U[a, 3, 4]", "+U[a, 3, 6]"}},
				{rows: []row{del("a", 3), del("a", 4)}, want: []string{"-U[a, 3, 6]", "+U[a, 4, 6]"}},
				{rows: []row{del("a", 6)}, want: []string{"-D[a, 4, 6]"}}, // the row count reached 0
			},
		},
		{
			name: "per row (no mini-batch): one change per input row, in input order",
			keys: []int{0}, calls: []AggCall{countStar, sumV}, opts: AggOptions{PerRow: true},
			in: kvTypes, out: []*types.Type{types.String, bigint, bigint},
			steps: []aggStep{
				{rows: []row{ins("a", 1), ins("b", 2), ins("a", 3)}, want: []string{"+I[a, 1, 1]", "+I[b, 1, 2]", "-U[a, 1, 1]", "+U[a, 2, 4]"}},
				{rows: []row{del("c", 1), ins("b", 0), del("a", 1), del("a", 3), ins("a", 5)}, want: []string{
					"-U[b, 1, 2]", "+U[b, 2, 2]", "-U[a, 2, 4]", "+U[a, 1, 3]", "-D[a, 1, 3]", "+I[a, 1, 5]"}},
			},
		},
		{
			name: "per row without -U, unchanged results emit nothing",
			keys: []int{0}, calls: []AggCall{{Kind: AggMax, Arg: 1, Type: bigint}}, opts: AggOptions{PerRow: true, SkipUpdateBefore: true},
			in: kvTypes, out: []*types.Type{types.String, bigint},
			steps: []aggStep{
				{rows: []row{ins("a", 5), ins("a", 3), ins("a", 7), del("a", 3)}, want: []string{"+I[a, 5]", "+U[a, 7]"}},
				{rows: []row{del("a", 7), del("a", 5)}, want: []string{"+U[a, 5]", "-D[a, 5]"}},
			},
		},
		{
			name: "LISTAGG over a changelog: retraction removes the earliest occurrence, order kept",
			keys: []int{0},
			calls: []AggCall{
				{Kind: AggListAgg, Arg: 1, Separator: ";", Type: types.String}, {Kind: AggFirstValue, Arg: 1, Type: types.String},
			},
			in: []*types.Type{types.String, types.String}, out: []*types.Type{types.String, types.String, types.String},
			steps: []aggStep{
				{rows: []row{ins("a", "x"), ins("a", "y"), ins("a", "x")}, want: []string{"+I[a, x;y;x, x]"}},
				{rows: []row{del("a", "x")}, want: []string{"-U[a, x;y;x, x]", "+U[a, y;x, y]"}},
				{rows: []row{ins("a", "z"), del("a", "q")}, want: []string{"-U[a, y;x, y]", "+U[a, y;x;z, y]"}}, // q was never accumulated
				{rows: []row{del("a", "y"), ins("a", "y")}, want: []string{"-U[a, y;x;z, y]", "+U[a, x;z;y, x]"}},
				{rows: []row{ins("a", nil), ins("a", nil)}, want: nil}, // NULLs are skipped; nothing changed (del q counted as a row)
				{rows: []row{del("a", "x"), del("a", "z"), del("a", "y")}, want: []string{"-U[a, x;z;y, x]", "+U[a, NULL, NULL]"}},
				{rows: []row{del("a", nil)}, want: []string{"-D[a, NULL, NULL]"}},
			},
		},
		{
			name: "MAX under retraction: re-add, rescan, values never added",
			keys: []int{0}, calls: []AggCall{{Kind: AggMax, Arg: 1, Type: bigint}},
			in: kvTypes, out: []*types.Type{types.String, bigint},
			steps: []aggStep{
				{rows: []row{ins("k", 5), ins("k", 9)}, want: []string{"+I[k, 9]"}},
				{rows: []row{del("k", 9), ins("k", 7)}, want: []string{"-U[k, 9]", "+U[k, 7]"}},
				{rows: []row{del("k", 7), ins("k", 8)}, want: []string{"-U[k, 7]", "+U[k, 8]"}},
				{rows: []row{del("k", 100)}, want: nil},
				{rows: []row{ins("k", 100)}, want: nil},
				{rows: []row{del("k", 5), del("k", 8)}, want: []string{"-D[k, 8]"}},
			},
		},
		{
			name: "MIN(DISTINCT), COUNT(DISTINCT) and MAX over one column",
			keys: []int{0},
			calls: []AggCall{
				{Kind: AggMin, Arg: 1, Distinct: true, Type: bigint},
				{Kind: AggCount, Arg: 1, Distinct: true, Type: bigint},
				{Kind: AggMax, Arg: 1, Type: bigint},
				{Kind: AggSum, Arg: 1, Type: bigint},
			},
			in: kvTypes, out: []*types.Type{types.String, bigint, bigint, bigint, bigint},
			steps: []aggStep{
				{rows: []row{ins("a", 4), ins("a", 4), ins("a", 2)}, want: []string{"+I[a, 2, 2, 4, 10]"}},
				{rows: []row{del("a", 2), del("a", 4)}, want: []string{"-U[a, 2, 2, 4, 10]", "+U[a, 4, 1, 4, 4]"}},
			},
		},
	}
	for _, kind := range allBackends {
		for _, tc := range tests {
			t.Run(kind.String()+"/"+tc.name, func(t *testing.T) {
				h := openAgg(t, NewGroupAggregate(tc.keys, tc.calls, tc.in, tc.out, tc.opts), kind, 0, 1, nil)
				for i, st := range tc.steps {
					eqRows(t, fmt.Sprintf("step %d", i+1), h.feed(t, mkBatch(tc.in, st.rows...)), st.want...)
				}
			})
		}
	}
}

// aggBackend selects how a test hands the aggregate its keyed state.
type aggBackend int

const (
	noRuntime     aggBackend = iota // ctx.KeyedState nil: the aggregate's own heap backend
	heapBackend                     // a runtime-owned heap backend
	pebbleBackend                   // a runtime-owned Pebble backend
)

var (
	allBackends     = []aggBackend{noRuntime, heapBackend, pebbleBackend}
	runtimeBackends = []aggBackend{heapBackend, pebbleBackend}
)

func (k aggBackend) String() string {
	return [...]string{"own-heap", "heap", "pebble"}[k]
}

// aggHarness runs an aggregate the way the runtime does: KeyedState
// creates (and restores) the backend on the first call; the test closes
// it after the operator.
type aggHarness struct {
	*harness
	backend state.KeyedBackend // nil for noRuntime
}

func (h *aggHarness) agg() *GroupAggregate {
	switch w := h.op.(type) {
	case *WindowAggregate:
		return w.GroupAggregate
	case *SessionWindowAggregate:
		return w.GroupAggregate
	}
	return h.op.(*GroupAggregate)
}

// newAggBackend creates a backend of kind for a subtask, restored from
// handles when given.
func newAggBackend(t testing.TB, kind aggBackend, subtask, par int, handles [][]byte, store *state.MemoryStore) (state.KeyedBackend, error) {
	lo, hi := runtime.KeyGroupRange(subtask, 128, par)
	cfg := state.Config{OperatorID: "agg", Subtask: subtask, Parallelism: par, MaxParallelism: 128, KeyGroupStart: lo, KeyGroupEnd: hi, Incremental: true}
	typ := state.BackendHeap
	if kind == pebbleBackend {
		typ, cfg.Dir = state.BackendPebble, t.TempDir()
	}
	b, err := state.NewBackend(typ, cfg)
	if err != nil {
		return nil, err
	}
	if handles != nil {
		if err := b.Restore(handles, store); err != nil {
			b.Close()
			return nil, err
		}
	}
	return b, nil
}

// startAgg creates and opens an aggregate subtask; Open's error is returned.
func startAgg(t testing.TB, f func(int, int) (runtime.Operator, error), kind aggBackend, subtask, par int, handles [][]byte, store *state.MemoryStore) (*aggHarness, error) {
	t.Helper()
	op, err := f(subtask, par)
	if err != nil {
		t.Fatalf("factory: %v", err)
	}
	h := &aggHarness{harness: &harness{op: op, out: &collector{}, clock: &fakeClock{ms: 1000}}}
	h.ctx = &runtime.OperatorContext{
		Ctx: t.Context(), OperatorID: "agg", Metrics: &runtime.OperatorMetrics{}, Clock: h.clock,
		Subtask: subtask, Parallelism: par, MaxParallel: 128,
	}
	if kind != noRuntime {
		h.ctx.KeyedState = func() (state.KeyedBackend, error) {
			if h.backend == nil {
				b, err := newAggBackend(t, kind, subtask, par, handles, store)
				if err != nil {
					return nil, err
				}
				h.backend = b
			}
			return h.backend, nil
		}
		t.Cleanup(func() {
			if h.backend != nil {
				if err := h.backend.Close(); err != nil {
					t.Errorf("closing backend: %v", err)
				}
			}
		})
	}
	if err := op.Open(h.ctx, h.out); err != nil {
		op.Close()
		return nil, err
	}
	t.Cleanup(func() { op.Close() })
	return h, nil
}

func openAgg(t testing.TB, f func(int, int) (runtime.Operator, error), kind aggBackend, subtask, par int, handles [][]byte, store ...*state.MemoryStore) *aggHarness {
	t.Helper()
	var st *state.MemoryStore
	if len(store) > 0 {
		st = store[0]
	}
	h, err := startAgg(t, f, kind, subtask, par, handles, st)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return h
}

// snapshot takes a checkpoint of the aggregate's backend as the runtime
// does (SnapshotState, then both phases of the backend snapshot) and
// returns the marshalled handle.
func (h *aggHarness) snapshot(t testing.TB, id int64, store *state.MemoryStore) []byte {
	t.Helper()
	if st, err := h.op.SnapshotState(id); err != nil || st != nil {
		t.Fatalf("SnapshotState = %d bytes, %v; want nil (state is in the backend)", len(st), err)
	}
	p, err := h.backend.Snapshot(id)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release()
	hd, err := p.Write(store)
	if err != nil {
		t.Fatal(err)
	}
	return state.MarshalHandle(hd)
}

// dumpState renders every key's states (acc value and map entries, sorted)
// of an aggregate, for comparing two aggregates' states.
func dumpState(t testing.TB, h *aggHarness) []string {
	t.Helper()
	g := h.agg()
	type key struct {
		kg  int
		key string
	}
	var keys []key
	if err := g.backend.Keys("acc", func(kg int, k []byte) bool {
		keys = append(keys, key{kg, string(k)})
		return true
	}); err != nil {
		t.Fatal(err)
	}
	mapEntries := func(m state.MapState) string {
		var es []string
		if err := m.Iterate(func(k, v []byte) bool {
			es = append(es, fmt.Sprintf("%x=%x", k, v))
			return true
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(es)
		return strings.Join(es, ",")
	}
	var out []string
	for _, k := range keys {
		g.backend.SetCurrentKey(k.kg, []byte(k.key))
		v, ok, err := g.accState.Value()
		if err != nil || !ok {
			t.Fatalf("key %q: acc %v %v", k.key, ok, err)
		}
		line := fmt.Sprintf("%d %x acc=%x", k.kg, k.key, v)
		for _, vc := range g.counts {
			line += " " + vc.name + "{" + mapEntries(vc.m) + "}"
		}
		for _, o := range g.orders {
			line += " " + o.name + "{" + mapEntries(o.order) + "}{" + mapEntries(o.index) + "}"
		}
		out = append(out, line)
	}
	slices.Sort(out)
	return out
}

// keysOf returns the group keys (encoded) and their key groups held by an
// aggregate's backend.
func keysOf(t testing.TB, h *aggHarness) map[string]int {
	t.Helper()
	keys := map[string]int{}
	if err := h.agg().backend.Keys("acc", func(kg int, k []byte) bool {
		keys[string(k)] = kg
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestGroupAggregateInsertOnlyRejectsRetraction(t *testing.T) {
	for _, kind := range allBackends {
		h := openAgg(t, NewGroupAggregate([]int{0}, []AggCall{{Kind: AggMax, Arg: 1, Type: bigint}}, kvTypes,
			[]*types.Type{types.String, bigint}, AggOptions{InsertOnlyInput: true}), kind, 0, 1, nil)
		h.feed(t, mkBatch(kvTypes, ins("a", 1)))
		if err := h.op.ProcessBatch(0, mkBatch(kvTypes, del("a", 1))); err == nil {
			t.Fatalf("%s: expected an error for a retraction", kind)
		}
	}
}

func TestGroupAggregateRejectsBadPlans(t *testing.T) {
	bad := []struct {
		name  string
		calls []AggCall
		out   []*types.Type
	}{
		{"output arity", []AggCall{{Kind: AggCountStar, Arg: -1, Type: bigint}}, []*types.Type{types.String}},
		{"argument range", []AggCall{{Kind: AggSum, Arg: 7, Type: bigint}}, []*types.Type{types.String, bigint}},
		{"SUM of strings", []AggCall{{Kind: AggSum, Arg: 0, Type: bigint}}, []*types.Type{types.String, bigint}},
		{"type mismatch", []AggCall{{Kind: AggCount, Arg: 1, Type: types.String}}, []*types.Type{types.String, bigint}},
	}
	for _, tc := range bad {
		if _, err := NewGroupAggregate([]int{0}, tc.calls, kvTypes, tc.out, AggOptions{})(0, 1); err == nil {
			t.Errorf("%s: expected an error", tc.name)
		}
	}
}

// TestGroupAggregateRejectsOldOperatorState: state written by SnapshotState
// of the former map-based aggregate cannot be restored.
func TestGroupAggregateRejectsOldOperatorState(t *testing.T) {
	op, _ := NewGroupAggregate(nil, []AggCall{{Kind: AggCountStar, Arg: -1, Type: bigint}}, kvTypes, []*types.Type{bigint}, AggOptions{})(0, 1)
	ctx := &runtime.OperatorContext{Metrics: &runtime.OperatorMetrics{}, MaxParallel: 128, Parallelism: 1, RestoredStates: [][]byte{nil, {1, 0, 1, 0, 0}}}
	if err := op.Open(ctx, &collector{}); err == nil {
		t.Fatal("expected an error")
	}
	op.Close()
}

// snapshotCase is an aggregate exercising every kind of accumulator state.
func snapshotCase() ([]int, []AggCall, []*types.Type, []*types.Type) {
	in := []*types.Type{types.String, types.BigInt, types.Double, types.Decimal(12, 3), types.String}
	calls := []AggCall{
		{Kind: AggCountStar, Arg: -1, Type: bigint},
		{Kind: AggCount, Arg: 1, Type: bigint},
		{Kind: AggSum, Arg: 1, Type: bigint},
		{Kind: AggSum, Arg: 2, Type: types.Double},
		{Kind: AggSum, Arg: 3, Type: types.Decimal(38, 3)},
		{Kind: AggAvg, Arg: 3, Type: types.Decimal(38, 6)},
		{Kind: AggMin, Arg: 4, Type: types.String},
		{Kind: AggMax, Arg: 3, Type: types.Decimal(12, 3)},
		{Kind: AggCount, Arg: 4, Distinct: true, Type: bigint},
		{Kind: AggFirstValue, Arg: 4, Type: types.String},
		{Kind: AggLastValue, Arg: 2, Type: types.Double},
	}
	out := []*types.Type{types.String}
	for _, c := range calls {
		out = append(out, c.Type)
	}
	return []int{0}, calls, in, out
}

func snapshotInput(n, seed int) *types.Batch {
	in := []*types.Type{types.String, types.BigInt, types.Double, types.Decimal(12, 3), types.String}
	var rows []row
	for i := 0; i < n; i++ {
		x := (i*7 + seed*13) % 23
		r := []any{fmt.Sprintf("k%d", x%9), x, float64(x) / 4, dec(fmt.Sprintf("%d.%03d", x, i%1000)), fmt.Sprintf("s%d", x%5)}
		if x%6 == 0 {
			r[1], r[4] = nil, nil
		}
		k := types.Insert
		if seed > 0 && i%3 == 0 {
			k = types.Delete
		}
		rows = append(rows, row{k, r})
	}
	return mkBatch(in, rows...)
}

func TestGroupAggregateSnapshotRoundTrip(t *testing.T) {
	keys, calls, in, out := snapshotCase()
	f := NewGroupAggregate(keys, calls, in, out, AggOptions{})
	for _, kind := range runtimeBackends {
		t.Run(kind.String(), func(t *testing.T) {
			store := state.NewMemoryStore()
			a := openAgg(t, f, kind, 0, 1, nil)
			a.feed(t, snapshotInput(200, 0))
			a.feed(t, snapshotInput(50, 1))
			if a.ctx.Metrics.StateSizeBytes.Load() <= 0 {
				t.Errorf("state size metric not recorded")
			}
			h := a.snapshot(t, 1, store)
			a.backend.NotifyCheckpointComplete(1)
			b := openAgg(t, f, kind, 0, 1, [][]byte{h}, store)
			// Same state: the states agree entry by entry and further input
			// gives the same changes.
			if da, db := dumpState(t, a), dumpState(t, b); len(da) == 0 || !slices.Equal(da, db) {
				t.Fatalf("restored state differs:\n%s\nwant\n%s", strings.Join(db, "\n"), strings.Join(da, "\n"))
			}
			for seed := 2; seed < 6; seed++ {
				in := snapshotInput(60, seed)
				ra, rb := a.feed(t, in), b.feed(t, in)
				if len(ra) == 0 {
					t.Fatalf("seed %d: no output", seed)
				}
				eqRows(t, fmt.Sprintf("seed %d", seed), rb, ra...)
			}
			// An incremental second checkpoint restores too.
			h2 := a.snapshot(t, 2, store)
			c := openAgg(t, f, kind, 0, 1, [][]byte{h2}, store)
			if da, dc := dumpState(t, a), dumpState(t, c); !slices.Equal(da, dc) {
				t.Fatalf("second checkpoint: restored state differs")
			}
			// A query with other calls fails on the first restored group.
			g := openAgg(t, NewGroupAggregate(keys, calls[:3], in, out[:4], AggOptions{}), kind, 0, 1, [][]byte{h}, store)
			if err := g.op.ProcessBatch(0, snapshotInput(10, 0)); err == nil || !strings.Contains(err.Error(), "does not match") {
				t.Errorf("expected a state mismatch error, got %v", err)
			}
			// A damaged checkpoint fails Open.
			bad := state.NewMemoryStore()
			for ref, data := range store.Files() {
				bad.SetFile(ref, data[:len(data)/2])
			}
			if _, err := startAgg(t, f, kind, 0, 1, [][]byte{h}, bad); err == nil {
				t.Errorf("expected a corrupt checkpoint error")
			}
		})
	}
}

// splitBySubtask routes the rows of b to the subtasks owning their key
// groups, as the hash exchange does.
func splitBySubtask(b *types.Batch, keys []int, par int) []*types.Batch {
	sel := make([][]int32, par)
	for i := 0; i < b.Len; i++ {
		kg := runtime.KeyGroupOf(runtime.HashKey(b.Cols, keys, i), 128)
		s := runtime.SubtaskOfKeyGroup(kg, 128, par)
		sel[s] = append(sel[s], int32(i))
	}
	out := make([]*types.Batch, par)
	for s := range out {
		ob := &types.Batch{Cols: make([]*types.Vector, len(b.Cols)), Len: len(sel[s]), Kinds: gatherKinds(b, sel[s])}
		for c, v := range b.Cols {
			ob.Cols[c] = types.NewVector(v.Type, len(sel[s]))
			gather(ob.Cols[c], v, sel[s])
		}
		out[s] = ob
	}
	return out
}

func TestGroupAggregateRescaleRestore(t *testing.T) {
	keys, calls, in, out := snapshotCase()
	f := NewGroupAggregate(keys, calls, in, out, AggOptions{})
	for _, kind := range runtimeBackends {
		t.Run(kind.String(), func(t *testing.T) {
			store := state.NewMemoryStore()
			a := openAgg(t, f, kind, 0, 1, nil)
			a.feed(t, snapshotInput(300, 0))
			h1 := a.snapshot(t, 1, store)
			all := keysOf(t, a)

			// Scale out 1 → 3: every group lands in exactly one subtask, the
			// one owning its key group.
			subs := make([]*aggHarness, 3)
			seen := map[string]int{}
			for sub := range subs {
				subs[sub] = openAgg(t, f, kind, sub, 3, [][]byte{h1}, store)
				lo, hi := runtime.KeyGroupRange(sub, 128, 3)
				for k, kg := range keysOf(t, subs[sub]) {
					if kg < lo || kg > hi || kg != all[k] {
						t.Errorf("subtask %d holds key %q in key group %d (range [%d, %d], was %d)", sub, k, kg, lo, hi, all[k])
					}
					if prev, dup := seen[k]; dup {
						t.Errorf("key %q in subtasks %d and %d", k, prev, sub)
					}
					seen[k] = sub
				}
			}
			if len(seen) != len(all) {
				t.Fatalf("rescaled subtasks hold %d groups, want %d", len(seen), len(all))
			}
			next := snapshotInput(80, 3)
			var got []string
			for sub, part := range splitBySubtask(next, keys, 3) {
				got = append(got, subs[sub].feed(t, part)...)
			}
			want := a.feed(t, next)
			slices.Sort(got)
			slices.Sort(want)
			eqRows(t, "after scale-out", got, want...)

			// Scale in 3 → 1: the three snapshots restore every group.
			var hs [][]byte
			for sub := range subs {
				hs = append(hs, subs[sub].snapshot(t, 2, store))
			}
			b := openAgg(t, f, kind, 0, 1, [][]byte{nil, hs[2], hs[0], hs[1]}, store)
			if got, want := keysOf(t, b), keysOf(t, a); len(got) != len(want) {
				t.Fatalf("merged restore holds %d groups, want %d", len(got), len(want))
			}
			if da, db := dumpState(t, a), dumpState(t, b); !slices.Equal(da, db) {
				t.Fatalf("merged state differs from the unscaled one")
			}
			next = snapshotInput(80, 4)
			eqRows(t, "after scale-in", b.feed(t, next), a.feed(t, next)...)
		})
	}
}

func TestGroupAggregateStateRemoved(t *testing.T) {
	calls := []AggCall{{Kind: AggMin, Arg: 1, Type: bigint}, {Kind: AggCount, Arg: 1, Distinct: true, Type: bigint}, {Kind: AggLastValue, Arg: 1, Type: bigint}}
	f := NewGroupAggregate([]int{0}, calls, kvTypes, []*types.Type{types.String, bigint, bigint, bigint}, AggOptions{})
	for _, kind := range allBackends {
		h := openAgg(t, f, kind, 0, 1, nil)
		var rows, dels []row
		for i := 0; i < 100; i++ {
			rows = append(rows, ins(fmt.Sprintf("key-%d", i), i), ins(fmt.Sprintf("key-%d", i), i+1))
			dels = append(dels, del(fmt.Sprintf("key-%d", i), i), del(fmt.Sprintf("key-%d", i), i+1))
		}
		h.feed(t, mkBatch(kvTypes, rows...))
		full := h.ctx.Metrics.StateSizeBytes.Load()
		if n := len(dumpState(t, h)); n != 100 {
			t.Fatalf("%s: %d groups, want 100", kind, n)
		}
		h.feed(t, mkBatch(kvTypes, dels...))
		empty := h.ctx.Metrics.StateSizeBytes.Load()
		if full <= 0 {
			t.Fatalf("%s: state size %d", kind, full)
		}
		// Pebble's size counts tombstones until compaction; the heap
		// backend's shrinks at once.
		if kind != pebbleBackend && empty >= full {
			t.Fatalf("%s: state size full=%d empty=%d", kind, full, empty)
		}
		g := h.agg()
		for _, name := range []string{"acc", g.counts[0].name, g.orders[0].name, "index/1"} {
			if err := g.backend.Keys(name, func(int, []byte) bool {
				t.Fatalf("%s: state %s keeps a key", kind, name)
				return false
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestGroupAggregateForwardsWatermarks(t *testing.T) {
	h := openOp(t, NewGroupAggregate(nil, []AggCall{{Kind: AggCountStar, Arg: -1, Type: bigint}}, kvTypes, []*types.Type{bigint}, AggOptions{}), nil)
	if err := h.op.ProcessWatermark(7); err != nil || len(h.out.wms) != 1 {
		t.Fatalf("watermark not forwarded: %v %v", err, h.out.wms)
	}
}

// TestGroupAggregateNoAllocPerRow: folding a batch allocates per batch
// (the output) and, inside the backend, per group written; nothing per row.
// The heap backend also allocates per map entry written (it copies keys and
// values), so the map states are checked on Pebble only.
func TestGroupAggregateNoAllocPerRow(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	countSum := []AggCall{{Kind: AggCountStar, Arg: -1, Type: bigint}, {Kind: AggSum, Arg: 1, Type: bigint}}
	withMaps := append(slices.Clone(countSum), AggCall{Kind: AggMax, Arg: 1, Type: bigint}, AggCall{Kind: AggCount, Arg: 1, Distinct: true, Type: bigint})
	for _, tc := range []struct {
		calls []AggCall
		kinds []aggBackend
	}{{countSum, allBackends}, {withMaps, []aggBackend{pebbleBackend}}} {
		out := []*types.Type{bigint}
		for range tc.calls {
			out = append(out, bigint)
		}
		f := NewGroupAggregate([]int{0}, tc.calls, []*types.Type{types.BigInt, types.BigInt}, out, AggOptions{})
		for _, kind := range tc.kinds {
			h := openAgg(t, f, kind, 0, 1, nil)
			// 1024 rows over 4 keys, each row accumulated and retracted.
			b := benchAggBatch(0, 4)
			b.Kinds = make([]types.RowKind, b.Len)
			for i := range b.Kinds {
				if i%2 == 1 {
					b.Kinds[i] = types.Delete
					b.Cols[0].Ints[i], b.Cols[1].Ints[i] = b.Cols[0].Ints[i-1], b.Cols[1].Ints[i-1]
				}
			}
			b.Kinds[0] = types.Insert
			h.feed(t, b)
			allocs := testing.AllocsPerRun(20, func() {
				if err := h.op.ProcessBatch(0, b); err != nil {
					t.Fatal(err)
				}
				h.out.batches = h.out.batches[:0]
			})
			if allocs > 40 {
				t.Errorf("%s, %d calls: %.0f allocations per 1024-row batch over 4 groups", kind, len(tc.calls), allocs)
			}
		}
	}
}

func TestGroupAggregateIntKeySnapshot(t *testing.T) {
	calls := []AggCall{{Kind: AggCountStar, Arg: -1, Type: bigint}, {Kind: AggMax, Arg: 0, Type: types.String}}
	f := NewGroupAggregate([]int{1}, calls, kvTypes, []*types.Type{bigint, bigint, types.String}, AggOptions{})
	for _, kind := range runtimeBackends {
		store := state.NewMemoryStore()
		a := openAgg(t, f, kind, 0, 1, nil)
		a.feed(t, mkBatch(kvTypes, ins("a", 1), ins("b", nil), ins("c", 2), ins("d", nil), ins("e", 3)))
		b := openAgg(t, f, kind, 0, 1, [][]byte{a.snapshot(t, 1, store)}, store)
		next := mkBatch(kvTypes, ins("z", 1), del("b", nil), del("e", 3), ins("y", 2))
		want := []string{"-U[1, 1, a]", "+U[1, 2, z]", "-U[NULL, 2, d]", "+U[NULL, 1, d]", "-D[3, 1, e]", "-U[2, 1, c]", "+U[2, 2, y]"}
		eqRows(t, kind.String()+" original", a.feed(t, next), want...)
		eqRows(t, kind.String()+" restored", b.feed(t, next), want...)
	}
}

// TestGroupAggregateBackendsAgree feeds random changelogs (retractions of
// present and absent values, NULLs, several rows per key and batch) to the
// aggregate on every backend, with checkpoints and restores in between, and
// checks that all give the same changes.
func TestGroupAggregateBackendsAgree(t *testing.T) {
	keys, calls, in, out := snapshotCase()
	calls = append(calls,
		AggCall{Kind: AggMax, Arg: 4, Type: types.String},
		AggCall{Kind: AggFirstValue, Arg: 2, Type: types.Double},
		AggCall{Kind: AggMin, Arg: 1, Distinct: true, Type: bigint},
		AggCall{Kind: AggSum, Arg: 1, Distinct: true, Type: bigint},
		AggCall{Kind: AggListAgg, Arg: 4, Separator: ",", Type: types.String},
	)
	out = append(out, types.String, types.Double, bigint, bigint, types.String)
	f := NewGroupAggregate(keys, calls, in, out, AggOptions{})
	rng := rand.New(rand.NewSource(7))
	store := state.NewMemoryStore()
	hs := make([]*aggHarness, len(allBackends))
	for i, kind := range allBackends {
		hs[i] = openAgg(t, f, kind, 0, 1, nil)
	}
	for round := 0; round < 40; round++ {
		var rows []row
		for i := rng.Intn(200); i >= 0; i-- {
			x := rng.Intn(12)
			r := []any{fmt.Sprintf("k%d", rng.Intn(7)), x, float64(rng.Intn(5)) / 2, dec(fmt.Sprintf("%d.%03d", x, rng.Intn(3))), fmt.Sprintf("s%d", rng.Intn(4))}
			if rng.Intn(8) == 0 {
				r[1], r[4] = nil, nil
			}
			k := types.Insert
			if rng.Intn(3) == 0 {
				k = types.Delete
			}
			rows = append(rows, row{k, r})
		}
		b := mkBatch(in, rows...)
		want := hs[0].feed(t, b)
		for _, h := range hs[1:] {
			eqRows(t, fmt.Sprintf("round %d", round), h.feed(t, b), want...)
		}
		if round%10 == 9 { // checkpoint and restart the runtime-backed ones
			for i, kind := range allBackends {
				if kind == noRuntime {
					continue
				}
				h := hs[i].snapshot(t, int64(round), store)
				hs[i] = openAgg(t, f, kind, 0, 1, [][]byte{h}, store)
			}
		}
	}
}

// TestGroupAggregateStateTTL: with state TTL, a group whose state expired
// starts afresh, and retractions that find expired map entries (DISTINCT
// values, MIN/MAX values, FIRST/LAST_VALUE occurrences) are no errors; both
// backends agree.
func TestGroupAggregateStateTTL(t *testing.T) {
	calls := []AggCall{
		{Kind: AggCountStar, Arg: -1, Type: bigint}, {Kind: AggCount, Arg: 1, Distinct: true, Type: bigint},
		{Kind: AggFirstValue, Arg: 1, Type: bigint}, {Kind: AggLastValue, Arg: 1, Type: bigint}, {Kind: AggMin, Arg: 1, Type: bigint},
	}
	f := NewGroupAggregate([]int{0}, calls, kvTypes, []*types.Type{types.String, bigint, bigint, bigint, bigint, bigint}, AggOptions{})
	steps := []struct {
		advanceMs int64
		rows      []row
	}{
		{0, []row{ins("a", 1), ins("a", 2), ins("b", 1)}},
		{2000, []row{ins("a", 5)}}, // everything expired: a starts afresh, b is gone
		{0, []row{del("b", 1), ins("a", 3)}},
		{600, []row{ins("a", 3), ins("a", 4)}},
		{600, []row{del("a", 3), del("a", 5)}}, // the first 3 and 5 expired, acc did not
		{0, []row{ins("a", 3), del("a", 4), ins("a", 7)}},
		{0, []row{del("a", 3), del("a", 3)}},
	}
	var outs [][]string
	for _, kind := range runtimeBackends {
		now := int64(1_000_000)
		lo, hi := runtime.KeyGroupRange(0, 128, 1)
		cfg := state.Config{OperatorID: "agg", Parallelism: 1, MaxParallelism: 128, KeyGroupStart: lo, KeyGroupEnd: hi,
			TTL: time.Second, Clock: func() int64 { return now }}
		typ := state.BackendHeap
		if kind == pebbleBackend {
			typ, cfg.Dir = state.BackendPebble, t.TempDir()
		}
		b, err := state.NewBackend(typ, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		op, _ := f(0, 1)
		out := &collector{}
		ctx := &runtime.OperatorContext{OperatorID: "agg", Metrics: &runtime.OperatorMetrics{}, Parallelism: 1, MaxParallel: 128,
			KeyedState: func() (state.KeyedBackend, error) { return b, nil }}
		if err := op.Open(ctx, out); err != nil {
			t.Fatal(err)
		}
		defer op.Close()
		var got []string
		for i, st := range steps {
			now += st.advanceMs
			if err := op.ProcessBatch(0, mkBatch(kvTypes, st.rows...)); err != nil {
				t.Fatalf("%s step %d: %v", kind, i+1, err)
			}
			got = append(got, fmt.Sprintf("step %d: %v", i+1, out.take()))
		}
		if got[1] != "step 2: [+I[a, 1, 1, 5, 5, 5]]" {
			t.Errorf("%s: after expiry got %s", kind, got[1])
		}
		outs = append(outs, got)
	}
	eqRows(t, "pebble vs heap", outs[1], outs[0]...)
}

// TestGroupAggregateEmptyInputRow: with AggOptions.EmptyInputRow (batch
// mode) a global aggregation over no rows emits its calls over no rows at
// end of input; over some rows, or grouped, or without the option, only
// what the rows gave.
func TestGroupAggregateEmptyInputRow(t *testing.T) {
	calls := []AggCall{{Kind: AggCountStar, Arg: -1, Type: bigint}, {Kind: AggSum, Arg: 1, Type: bigint}}
	global := []*types.Type{bigint, bigint}
	cases := []struct {
		name  string
		keys  []int
		out   []*types.Type
		opts  AggOptions
		input []row
		want  []string
	}{
		{"empty", nil, global, AggOptions{EmptyInputRow: true}, nil, []string{"+I[0, NULL]"}},
		{"rows", nil, global, AggOptions{EmptyInputRow: true}, []row{ins("a", 2), ins("b", 3)}, []string{"+I[2, 5]"}},
		{"streaming", nil, global, AggOptions{}, nil, nil},
		{"grouped", []int{0}, []*types.Type{types.String, bigint, bigint}, AggOptions{EmptyInputRow: true}, nil, nil},
	}
	for _, c := range cases {
		for _, kind := range allBackends {
			h := openAgg(t, NewGroupAggregate(c.keys, calls, kvTypes, c.out, c.opts), kind, 0, 1, nil)
			var got []string
			if len(c.input) > 0 {
				got = h.feed(t, mkBatch(kvTypes, c.input...))
			}
			if err := h.op.Finish(); err != nil {
				t.Fatal(err)
			}
			got = append(got, h.out.take()...)
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("%s on %s: got %v, want %v", c.name, kind, got, c.want)
			}
		}
	}
}
