package operators

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/flinkgo/engine/runtime"
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
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := openOp(t, NewGroupAggregate(tc.keys, tc.calls, tc.in, tc.out, tc.opts), nil)
			for i, st := range tc.steps {
				eqRows(t, fmt.Sprintf("step %d", i+1), h.feed(t, mkBatch(tc.in, st.rows...)), st.want...)
			}
		})
	}
}

func TestGroupAggregateInsertOnlyRejectsRetraction(t *testing.T) {
	h := openOp(t, NewGroupAggregate([]int{0}, []AggCall{{Kind: AggMax, Arg: 1, Type: bigint}}, kvTypes,
		[]*types.Type{types.String, bigint}, AggOptions{InsertOnlyInput: true}), nil)
	h.feed(t, mkBatch(kvTypes, ins("a", 1)))
	if err := h.op.ProcessBatch(0, mkBatch(kvTypes, del("a", 1))); err == nil {
		t.Fatal("expected an error for a retraction")
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
	a := openOp(t, f, nil)
	a.feed(t, snapshotInput(200, 0))
	a.feed(t, snapshotInput(50, 1))
	st, err := a.op.SnapshotState(1)
	if err != nil {
		t.Fatal(err)
	}
	if a.ctx.Metrics.StateSizeBytes.Load() <= 0 {
		t.Errorf("state size metric not recorded")
	}
	b := openOp(t, f, st)
	// Same state: snapshots agree byte for byte and further input gives the
	// same changes.
	st2, _ := b.op.SnapshotState(2)
	if !bytes.Equal(canonicalGroups(t, st), canonicalGroups(t, st2)) {
		t.Fatalf("restored state differs from the snapshot")
	}
	for seed := 2; seed < 6; seed++ {
		in := snapshotInput(60, seed)
		ra, rb := a.feed(t, in), b.feed(t, in)
		if len(ra) == 0 {
			t.Fatalf("seed %d: no output", seed)
		}
		eqRows(t, fmt.Sprintf("seed %d", seed), rb, ra...)
	}
	if _, err := NewGroupAggregate(keys, calls[:3], in, out[:4], AggOptions{})(0, 1); err != nil {
		t.Fatal(err)
	}
	// A query with other calls refuses the state.
	g, _ := NewGroupAggregate(keys, calls[:3], in, out[:4], AggOptions{})(0, 1)
	ctx := &runtime.OperatorContext{Metrics: &runtime.OperatorMetrics{}, RestoredStates: [][]byte{st}, MaxParallel: 128, Parallelism: 1}
	if err := g.Open(ctx, &collector{}); err == nil {
		t.Errorf("expected a state mismatch error")
	}
	// Truncated state is reported, not half-loaded silently.
	g, _ = f(0, 1)
	ctx = &runtime.OperatorContext{Metrics: &runtime.OperatorMetrics{}, RestoredStates: [][]byte{st[:len(st)/2]}, MaxParallel: 128, Parallelism: 1}
	if err := g.Open(ctx, &collector{}); err == nil {
		t.Errorf("expected a corrupt state error")
	}
}

// canonicalGroups splits a snapshot into per-group byte strings, sorted, so
// two snapshots of the same groups compare equal whatever the group order.
func canonicalGroups(t *testing.T, st []byte) []byte {
	t.Helper()
	keys, calls, in, out := snapshotCase()
	g, err := newGroupAggregate(keys, calls, in, out, AggOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g.ctx = &runtime.OperatorContext{Metrics: &runtime.OperatorMetrics{}}
	if err := g.restore(st); err != nil {
		t.Fatal(err)
	}
	var parts [][]byte
	for id, live := range g.live {
		if !live {
			continue
		}
		var buf []byte
		buf = appendBytes(buf, g.appendGroupKey(nil, int32(id)))
		buf = appendVarint(buf, g.rows[id])
		for _, a := range g.accs {
			buf = a.encode(buf, int32(id))
		}
		parts = append(parts, buf)
	}
	sort.Slice(parts, func(i, j int) bool { return bytes.Compare(parts[i], parts[j]) < 0 })
	return bytes.Join(parts, []byte{0xff})
}

func TestGroupAggregateRescaleRestore(t *testing.T) {
	keys, calls, in, out := snapshotCase()
	f := NewGroupAggregate(keys, calls, in, out, AggOptions{})
	a := openOp(t, f, nil)
	a.feed(t, snapshotInput(300, 0))
	st, _ := a.op.SnapshotState(1)
	all := a.op.(*GroupAggregate).groups

	total := 0
	var parts [][]byte
	for sub := 0; sub < 3; sub++ {
		op, _ := f(sub, 3)
		ctx := &runtime.OperatorContext{Metrics: &runtime.OperatorMetrics{}, RestoredStates: [][]byte{st}, MaxParallel: 128, Parallelism: 3, Subtask: sub}
		if err := op.Open(ctx, &collector{}); err != nil {
			t.Fatal(err)
		}
		g := op.(*GroupAggregate)
		lo, hi := runtime.KeyGroupRange(sub, 128, 3)
		for id, live := range g.live {
			if live && (int(g.keyGroups[id]) < lo || int(g.keyGroups[id]) > hi) {
				t.Errorf("subtask %d kept key group %d outside [%d, %d]", sub, g.keyGroups[id], lo, hi)
			}
		}
		total += g.groups
		p, _ := op.SnapshotState(2)
		parts = append(parts, p)
	}
	if total != all {
		t.Fatalf("rescaled subtasks hold %d groups, want %d", total, all)
	}
	// Scaling back in: the concatenated snapshots restore every group.
	b := openOp(t, f, slices.Concat(parts...))
	if got := b.op.(*GroupAggregate).groups; got != all {
		t.Fatalf("merged restore holds %d groups, want %d", got, all)
	}
	next := snapshotInput(80, 3)
	eqRows(t, "after merge", b.feed(t, next), a.feed(t, next)...)
}

func TestGroupAggregateStateSizeShrinks(t *testing.T) {
	h := openOp(t, NewGroupAggregate([]int{0}, []AggCall{{Kind: AggMin, Arg: 1, Type: bigint}}, kvTypes,
		[]*types.Type{types.String, bigint}, AggOptions{}), nil)
	var rows, dels []row
	for i := 0; i < 100; i++ {
		rows = append(rows, ins(fmt.Sprintf("key-%d", i), i))
		dels = append(dels, del(fmt.Sprintf("key-%d", i), i))
	}
	h.feed(t, mkBatch(kvTypes, rows...))
	full := h.ctx.Metrics.StateSizeBytes.Load()
	h.feed(t, mkBatch(kvTypes, dels...))
	empty := h.ctx.Metrics.StateSizeBytes.Load()
	if full <= 0 || empty >= full {
		t.Fatalf("state size full=%d empty=%d", full, empty)
	}
	if g := h.op.(*GroupAggregate); g.groups != 0 || len(g.index) != 0 {
		t.Fatalf("groups left: %d", g.groups)
	}
	// Ids are reused.
	h.feed(t, mkBatch(kvTypes, rows...))
	if g := h.op.(*GroupAggregate); len(g.keys) != 100 {
		t.Fatalf("group ids not reused: %d slots", len(g.keys))
	}
}

func TestGroupAggregateForwardsWatermarks(t *testing.T) {
	h := openOp(t, NewGroupAggregate(nil, []AggCall{{Kind: AggCountStar, Arg: -1, Type: bigint}}, kvTypes, []*types.Type{bigint}, AggOptions{}), nil)
	if err := h.op.ProcessWatermark(7); err != nil || len(h.out.wms) != 1 {
		t.Fatalf("watermark not forwarded: %v %v", err, h.out.wms)
	}
}

func TestGroupAggregateNoAllocPerRow(t *testing.T) {
	h := openOp(t, NewGroupAggregate([]int{0}, []AggCall{{Kind: AggCountStar, Arg: -1, Type: bigint}, {Kind: AggSum, Arg: 1, Type: bigint}},
		[]*types.Type{types.BigInt, types.BigInt}, []*types.Type{bigint, bigint, bigint}, AggOptions{}), nil)
	b := benchAggBatch(0)
	h.feed(t, b)
	allocs := testing.AllocsPerRun(20, func() {
		if err := h.op.ProcessBatch(0, b); err != nil {
			t.Fatal(err)
		}
		h.out.batches = h.out.batches[:0]
	})
	// A few allocations per batch (the output batch), none per row.
	if allocs > 20 {
		t.Fatalf("%.0f allocations per 1024-row batch", allocs)
	}
}

func TestGroupAggregateIntKeySnapshot(t *testing.T) {
	calls := []AggCall{{Kind: AggCountStar, Arg: -1, Type: bigint}, {Kind: AggMax, Arg: 0, Type: types.String}}
	f := NewGroupAggregate([]int{1}, calls, kvTypes, []*types.Type{bigint, bigint, types.String}, AggOptions{})
	a := openOp(t, f, nil)
	a.feed(t, mkBatch(kvTypes, ins("a", 1), ins("b", nil), ins("c", 2), ins("d", nil), ins("e", 3)))
	st, _ := a.op.SnapshotState(1)
	b := openOp(t, f, st)
	next := mkBatch(kvTypes, ins("z", 1), del("b", nil), del("e", 3), ins("y", 2))
	want := []string{"-U[1, 1, a]", "+U[1, 2, z]", "-U[NULL, 2, d]", "+U[NULL, 1, d]", "-D[3, 1, e]", "-U[2, 1, c]", "+U[2, 2, y]"}
	eqRows(t, "original", a.feed(t, next), want...)
	eqRows(t, "restored", b.feed(t, next), want...)
}
