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

// eventLog is a runtime.Output recording rows and watermarks in the order
// they were emitted ("wm 5" for a watermark).
type eventLog struct{ events []string }

func (l *eventLog) Emit(b *types.Batch) error {
	l.events = append(l.events, renderBatch(b)...)
	return nil
}

func (l *eventLog) EmitWatermark(wm int64) error {
	l.events = append(l.events, fmt.Sprintf("wm %d", wm))
	return nil
}

func (l *eventLog) take() []string {
	out := l.events
	l.events = nil
	return out
}

// bundleAction is one step of a mini-batch test: feed rows, advance the
// clock, or call one of the operator's flush points; want is what the
// operator emitted during the step.
type bundleAction struct {
	advance int64 // ms added to the clock before the step
	rows    []row // fed as one batch
	wm      int64 // > 0: ProcessWatermark(wm)
	snap    bool  // SnapshotState
	idle    bool  // OnSourceIdle
	tick    bool  // OnProcessingTime
	finish  bool  // Finish
	want    []string
}

// TestMiniBatchBundles: with table.exec.mini-batch.size = 4 and
// allow-latency = 100 ms, the group aggregate and the local aggregate
// buffer rows across input batches and fold the bundle when it holds 4
// rows, when 100 ms passed since its first row (seen on the next batch or
// watermark, or while the source is idle), before a watermark, in
// SnapshotState (before it returns) and in Finish.
func TestMiniBatchBundles(t *testing.T) {
	countSum := []AggCall{{Kind: AggCountStar, Arg: -1, Type: bigint}, {Kind: AggSum, Arg: 1, Type: bigint}}
	ops := []struct {
		name string
		f    func(int, int) (runtime.Operator, error)
		// render maps the group aggregate's expected changes to this
		// operator's output (the local one emits +I partials per bundle).
		local bool
	}{
		{"group", NewGroupAggregate([]int{0}, countSum, kvTypes, []*types.Type{types.String, bigint, bigint},
			AggOptions{InsertOnlyInput: true, MiniBatchSize: 4, MiniBatchLatency: 100 * time.Millisecond}), false},
		{"local", NewLocalGroupAggregate([]int{0}, countSum, kvTypes, 4, 100*time.Millisecond), true},
	}
	type tcase struct {
		name    string
		actions []bundleAction
		// wantLocal overrides want per action for the local aggregate
		// (nil: same as want).
		wantLocal [][]string
	}
	tests := []tcase{
		{
			name: "size: four rows across three batches fold into one change per key",
			actions: []bundleAction{
				{rows: []row{ins("a", 1)}},
				{rows: []row{ins("b", 2), ins("a", 3)}},
				{rows: []row{ins("a", 4)}, want: []string{"+I[a, 3, 8]", "+I[b, 1, 2]"}},
				{rows: []row{ins("a", 1), ins("c", 1), ins("b", 1), ins("a", 1), ins("d", 0)}, // 5 rows: due at once
					want: []string{"-U[a, 3, 8]", "+U[a, 5, 10]", "+I[c, 1, 1]", "-U[b, 1, 2]", "+U[b, 2, 3]", "+I[d, 1, 0]"}},
			},
			wantLocal: [][]string{nil, nil, {"+I[a, 3, 8]", "+I[b, 1, 2]"}, {"+I[a, 2, 2]", "+I[c, 1, 1]", "+I[b, 1, 1]", "+I[d, 1, 0]"}},
		},
		{
			name: "latency: checked on the next batch, while the source is idle and on processing time",
			actions: []bundleAction{
				{rows: []row{ins("a", 1)}},
				{advance: 99, rows: []row{ins("a", 2)}},
				{advance: 1, idle: true, want: []string{"+I[a, 2, 3]"}},
				{advance: 50, rows: []row{ins("b", 1)}},
				{advance: 60, tick: true}, // 60 ms after b's bundle started
				{advance: 40, rows: []row{ins("a", 1)}, want: []string{"+I[b, 1, 1]", "-U[a, 2, 3]", "+U[a, 3, 4]"}},
			},
			wantLocal: [][]string{nil, nil, {"+I[a, 2, 3]"}, nil, nil, {"+I[b, 1, 1]", "+I[a, 1, 1]"}},
		},
		{
			name: "watermark: the bundle's changes go first",
			actions: []bundleAction{
				{rows: []row{ins("a", 1), ins("b", 5)}},
				{wm: 7, want: []string{"+I[a, 1, 1]", "+I[b, 1, 5]", "wm 7"}},
				{wm: 8, want: []string{"wm 8"}},
			},
		},
		{
			name: "snapshot: emitted before SnapshotState returns, nothing buffered in the checkpoint",
			actions: []bundleAction{
				{rows: []row{ins("a", 1)}},
				{snap: true, want: []string{"+I[a, 1, 1]"}},
				{rows: []row{ins("a", 1)}},
				{snap: true, want: []string{"-U[a, 1, 1]", "+U[a, 2, 2]"}},
				{snap: true},
			},
			wantLocal: [][]string{nil, {"+I[a, 1, 1]"}, nil, {"+I[a, 1, 1]"}, nil},
		},
		{
			name: "finish: the last bundle",
			actions: []bundleAction{
				{rows: []row{ins("a", 1), ins("a", 2)}},
				{rows: []row{ins("b", 3)}},
				{finish: true, want: []string{"+I[a, 2, 3]", "+I[b, 1, 3]"}},
			},
		},
	}
	for _, op := range ops {
		for _, tc := range tests {
			t.Run(op.name+"/"+tc.name, func(t *testing.T) {
				o, err := op.f(0, 1)
				if err != nil {
					t.Fatal(err)
				}
				clock := &fakeClock{ms: 1000}
				log := &eventLog{}
				ctx := &runtime.OperatorContext{Ctx: t.Context(), OperatorID: "agg", Metrics: &runtime.OperatorMetrics{}, Clock: clock, Parallelism: 1, MaxParallel: 128}
				if err := o.Open(ctx, log); err != nil {
					t.Fatal(err)
				}
				defer o.Close()
				if d := o.(runtime.ProcessingTimeAware).ProcessingTimeTick(); d != 10*time.Millisecond {
					t.Errorf("ProcessingTimeTick = %v, want a tenth of the latency", d)
				}
				// One input batch object, refilled for every step: the
				// operators borrow it and must copy what they buffer.
				in := types.NewBatch(kvTypes, 8)
				for i, a := range tc.actions {
					clock.ms += a.advance
					var err error
					switch {
					case a.rows != nil:
						in.Reset()
						for _, r := range a.rows {
							in.AppendKind(r.k)
							for c, v := range r.v {
								appendTestValue(in.Cols[c], v)
							}
							in.Len++
						}
						err = o.ProcessBatch(0, in)
						in.Cols[0].Data = append(in.Cols[0].Data[:0], "zzzzzz"...) // clobber the borrowed batch
						clear(in.Cols[1].Ints)
					case a.wm > 0:
						err = o.ProcessWatermark(a.wm)
					case a.snap:
						var st []byte
						st, err = o.SnapshotState(int64(i + 1))
						if st != nil {
							t.Errorf("step %d: SnapshotState returned %d bytes of operator state", i+1, len(st))
						}
					case a.idle:
						err = o.(runtime.IdleAware).OnSourceIdle()
					case a.tick:
						err = o.(runtime.ProcessingTimeAware).OnProcessingTime()
					case a.finish:
						err = o.Finish()
					}
					if err != nil {
						t.Fatalf("step %d: %v", i+1, err)
					}
					want := a.want
					if op.local && tc.wantLocal != nil {
						want = tc.wantLocal[i]
					}
					eqRows(t, fmt.Sprintf("step %d", i+1), log.take(), want...)
				}
			})
		}
	}
}

// TestMiniBatchRetractions: a bundle over a changelog folds +I/-U/+U/-D of
// several batches together, as one input batch would.
func TestMiniBatchRetractions(t *testing.T) {
	countSum := []AggCall{{Kind: AggCountStar, Arg: -1, Type: bigint}, {Kind: AggSum, Arg: 1, Type: bigint}}
	f := NewGroupAggregate([]int{0}, countSum, kvTypes, []*types.Type{types.String, bigint, bigint}, AggOptions{MiniBatchSize: 100, MiniBatchLatency: time.Hour})
	for _, kind := range allBackends {
		h := openAgg(t, f, kind, 0, 1, nil)
		eqRows(t, "first", h.feed(t, mkBatch(kvTypes, ins("a", 1), ins("b", 2))))
		eqRows(t, "second", h.feed(t, mkBatch(kvTypes, ub("a", 1), ua("a", 5), del("b", 2), ins("c", 1))))
		if err := h.op.ProcessWatermark(1); err != nil {
			t.Fatal(err)
		}
		eqRows(t, kind.String(), h.out.take(), "+I[a, 1, 5]", "+I[c, 1, 1]")
	}
}

// TestMiniBatchLargeBundle: a bundle of more than DefaultBatchSize groups
// leaves in batches of at most DefaultBatchSize rows.
func TestMiniBatchLargeBundle(t *testing.T) {
	calls := []AggCall{{Kind: AggCountStar, Arg: -1, Type: bigint}}
	for _, f := range []func(int, int) (runtime.Operator, error){
		NewGroupAggregate([]int{0}, calls, []*types.Type{bigint, bigint}, []*types.Type{bigint, bigint}, AggOptions{InsertOnlyInput: true, MiniBatchSize: 5000, MiniBatchLatency: time.Hour}),
		NewLocalGroupAggregate([]int{0}, calls, []*types.Type{bigint, bigint}, 5000, time.Hour),
	} {
		h := openAgg(t, f, heapBackend, 0, 1, nil)
		keys := map[int64]bool{}
		for i := 0; i < 3; i++ {
			b := benchAggBatch(i*1024, 1<<20)
			for _, k := range b.Cols[0].Ints {
				keys[k] = true
			}
			h.feed(t, b)
		}
		if err := h.op.Finish(); err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, b := range h.out.batches {
			if b.Len > types.DefaultBatchSize {
				t.Fatalf("%T: batch of %d rows", h.op, b.Len)
			}
			total += b.Len
		}
		if total != len(keys) || total <= types.DefaultBatchSize {
			t.Fatalf("%T: %d rows, want %d", h.op, total, len(keys))
		}
	}
}

// TestMiniBatchNoAllocPerRow: buffering copies rows into the reused bundle
// batch; a batch that does not close the bundle allocates nothing.
func TestMiniBatchNoAllocPerRow(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	calls := []AggCall{{Kind: AggCountStar, Arg: -1, Type: bigint}, {Kind: AggSum, Arg: 1, Type: bigint}, {Kind: AggMax, Arg: 1, Type: bigint}}
	out := []*types.Type{bigint, bigint, bigint, bigint}
	in := []*types.Type{types.BigInt, types.BigInt}
	for _, f := range []func(int, int) (runtime.Operator, error){
		NewGroupAggregate([]int{0}, calls, in, out, AggOptions{InsertOnlyInput: true, MiniBatchSize: 8 * types.DefaultBatchSize, MiniBatchLatency: time.Hour}),
		NewLocalGroupAggregate([]int{0}, calls, in, 8*types.DefaultBatchSize, time.Hour),
	} {
		h := openAgg(t, f, pebbleBackend, 0, 1, nil)
		b := benchAggBatch(0, 64)
		// Warm up: grow the bundle's buffers to a full bundle once.
		for range 8 {
			h.feed(t, b)
		}
		// 7 batches buffered, the 8th folds the bundle of 8192 rows.
		allocs := testing.AllocsPerRun(10, func() {
			for range 8 {
				if err := h.op.ProcessBatch(0, b); err != nil {
					t.Fatal(err)
				}
			}
			h.out.batches = h.out.batches[:0]
		})
		t.Logf("%T: %.0f allocations per bundle of 8192 rows over 64 groups", h.op, allocs)
		if allocs > 200 {
			t.Errorf("%T: %.0f allocations per bundle of 8192 rows over 64 groups", h.op, allocs)
		}
	}
}

// TestLocalGroupAggregatePartials: the partial row of each key per bundle.
func TestLocalGroupAggregatePartials(t *testing.T) {
	in := []*types.Type{types.String, types.Int, types.Decimal(10, 2), types.Double, types.String}
	calls := []AggCall{
		{Kind: AggCountStar, Arg: -1, Type: bigint},
		{Kind: AggCount, Arg: 1, Type: bigint},
		{Kind: AggSum, Arg: 1, Type: types.Int},
		{Kind: AggSum0, Arg: 2, Type: types.Decimal(38, 2)},
		{Kind: AggAvg, Arg: 1, Type: types.Int},
		{Kind: AggAvg, Arg: 2, Type: types.Decimal(38, 6)},
		{Kind: AggAvg, Arg: 3, Type: types.Double},
		{Kind: AggMin, Arg: 4, Type: types.String},
		{Kind: AggMax, Arg: 2, Type: types.Decimal(10, 2)},
	}
	parts, err := LocalAggPartials(calls, in)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range parts {
		var ts []string
		for _, t := range p {
			ts = append(ts, t.String())
		}
		got = append(got, strings.Join(ts, "+"))
	}
	eqRows(t, "partial types", got, "BIGINT NOT NULL", "BIGINT NOT NULL", "INT", "DECIMAL(38, 2)",
		"BIGINT+BIGINT NOT NULL", "DECIMAL(38, 2)+BIGINT NOT NULL", "DOUBLE+BIGINT NOT NULL", "STRING", "DECIMAL(10, 2)")

	tests := []struct {
		name  string
		keys  []int
		steps []aggStep
	}{
		{
			name: "per key",
			keys: []int{0},
			steps: []aggStep{
				{rows: []row{ins("a", 1, dec("1.50"), 0.5, "x"), ins("b", nil, nil, nil, nil), ins("a", 2147483647, dec("2.25"), 1.0, "w")},
					want: []string{
						"+I[a, 2, 2, -2147483648, 3.75, 2147483648, 2, 3.75, 2, 1.5, 2, w, 2.25]",
						"+I[b, 1, 0, NULL, 0.00, NULL, 0, NULL, 0, NULL, 0, NULL, NULL]"}},
				// every bundle starts afresh: no state
				{rows: []row{ins("a", -3, dec("-1.00"), -2.0, "z")},
					want: []string{"+I[a, 1, 1, -3, -1.00, -3, 1, -1.00, 1, -2, 1, z, -1.00]"}},
			},
		},
		{
			name: "global (no keys)",
			steps: []aggStep{
				{rows: []row{ins("a", 1, dec("1.50"), 0.5, "x"), ins("b", 4, nil, 1.5, "y")},
					want: []string{"+I[2, 2, 5, 1.50, 5, 2, 1.50, 1, 2, 2, x, 1.50]"}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := openOp(t, NewLocalGroupAggregate(tc.keys, calls, in, 0, 0), nil)
			for i, st := range tc.steps {
				eqRows(t, fmt.Sprintf("step %d", i+1), h.feed(t, mkBatch(in, st.rows...)), st.want...)
			}
			if err := h.op.ProcessBatch(0, mkBatch(in, del("a", 1, nil, nil, nil))); err == nil {
				t.Errorf("a retraction must fail the local aggregate")
			}
		})
	}
}

// materialize applies a changelog (rendered rows) to a multiset of rows
// and returns the rows left, sorted.
func materialize(t testing.TB, rows []string) []string {
	t.Helper()
	live := map[string]int{}
	for _, r := range rows {
		k, v := r[:2], r[2:]
		switch k {
		case "+I", "+U":
			live[v]++
		case "-U", "-D":
			if live[v] == 0 {
				t.Fatalf("retraction of a row not present: %s", r)
			}
			live[v]--
		}
	}
	var out []string
	for v, n := range live {
		for range n {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// TestTwoPhaseMatchesOnePhase feeds the same random append-only input to a
// one-phase GroupAggregate (a change per row, as without mini-batch) and to
// local aggregates (two "source subtasks", mini-batch bundles) whose
// partials go by key group to global aggregates at parallelism 2; halfway
// every operator is checkpointed (the local ones flush in SnapshotState,
// before the global ones snapshot, as the barrier order guarantees) and
// the global phase is restored at parallelism 3. The final results agree,
// on both backends.
func TestTwoPhaseMatchesOnePhase(t *testing.T) {
	in := []*types.Type{types.String, types.BigInt, types.Int, types.Decimal(10, 2), types.Double, types.String}
	calls := []AggCall{
		{Kind: AggCountStar, Arg: -1, Type: bigint},
		{Kind: AggCount, Arg: 1, Type: bigint},
		{Kind: AggSum, Arg: 1, Type: bigint},
		{Kind: AggSum, Arg: 2, Type: types.Int},
		{Kind: AggSum, Arg: 3, Type: types.Decimal(38, 2)},
		{Kind: AggSum0, Arg: 2, Type: types.Int},
		{Kind: AggAvg, Arg: 1, Type: bigint},
		{Kind: AggAvg, Arg: 2, Type: types.Int},
		{Kind: AggAvg, Arg: 3, Type: types.Decimal(38, 6)},
		{Kind: AggAvg, Arg: 4, Type: types.Double},
		{Kind: AggMin, Arg: 5, Type: types.String},
		{Kind: AggMax, Arg: 5, Type: types.String},
		{Kind: AggMin, Arg: 3, Type: types.Decimal(10, 2)},
		{Kind: AggMax, Arg: 1, Type: bigint},
	}
	for _, keys := range [][]int{{0}, nil, {5, 0}} {
		var out []*types.Type
		for _, k := range keys {
			out = append(out, in[k])
		}
		for _, c := range calls {
			out = append(out, c.Type)
		}
		parts, err := LocalAggPartials(calls, in)
		if err != nil {
			t.Fatal(err)
		}
		var partTypes []*types.Type
		for _, k := range keys {
			partTypes = append(partTypes, in[k])
		}
		for _, p := range parts {
			partTypes = append(partTypes, p...)
		}
		global, err := GlobalAggCalls(calls, len(keys))
		if err != nil {
			t.Fatal(err)
		}
		gkeys := make([]int, len(keys))
		for i := range gkeys {
			gkeys[i] = i
		}
		one := NewGroupAggregate(keys, calls, in, out, AggOptions{InsertOnlyInput: true, PerRow: true})
		local := NewLocalGroupAggregate(keys, calls, in, 50, time.Hour)
		glob := NewGroupAggregate(gkeys, global, partTypes, out, AggOptions{InsertOnlyInput: true, MiniBatchSize: 30, MiniBatchLatency: time.Hour})
		for _, kind := range runtimeBackends {
			t.Run(fmt.Sprintf("keys%v/%s", keys, kind), func(t *testing.T) {
				rng := rand.New(rand.NewSource(int64(len(keys)) + 11))
				store := state.NewMemoryStore()
				oneH := openAgg(t, one, kind, 0, 1, nil)
				locals := []*aggHarness{openAgg(t, local, noRuntime, 0, 2, nil), openAgg(t, local, noRuntime, 1, 2, nil)}
				par := 2
				globals := make([]*aggHarness, par)
				for s := range globals {
					globals[s] = openAgg(t, glob, kind, s, par, nil)
				}
				var oneOut, twoOut []string
				route := func() { // local output → globals by key group
					for _, l := range locals {
						for _, b := range l.out.batches {
							for s, part := range splitBySubtask(b, gkeys, par) {
								if part.Len > 0 {
									twoOut = append(twoOut, globals[s].feed(t, part)...)
								}
							}
						}
						l.out.batches = nil
					}
				}
				for round := 0; round < 60; round++ {
					var rows []row
					for i := rng.Intn(40); i >= 0; i-- {
						x := rng.Intn(2000) - 1000
						r := []any{fmt.Sprintf("k%d", rng.Intn(9)), int64(x) * 1_000_000_007, 2_000_000_000 + rng.Intn(100_000_000),
							dec(fmt.Sprintf("%d.%02d", x, rng.Intn(100))), float64(rng.Intn(64)) / 8, fmt.Sprintf("s%d", rng.Intn(5))}
						if rng.Intn(7) == 0 {
							r[1], r[2], r[3], r[4] = nil, nil, nil, nil
						}
						if rng.Intn(11) == 0 {
							r[5] = nil
						}
						rows = append(rows, row{types.Insert, r})
					}
					b := mkBatch(in, rows...)
					oneOut = append(oneOut, oneH.feed(t, b)...)
					l := locals[round%2]
					if err := l.op.ProcessBatch(0, b); err != nil {
						t.Fatal(err)
					}
					route()
					if round == 30 { // checkpoint everything, restore the global phase at parallelism 3
						for _, l := range locals {
							if _, err := l.op.SnapshotState(1); err != nil {
								t.Fatal(err)
							}
						}
						route()
						var hs [][]byte
						for _, g := range globals {
							hs = append(hs, g.snapshot(t, 1, store))
							twoOut = append(twoOut, g.out.take()...) // the bundle folded by SnapshotState
						}
						par = 3
						globals = make([]*aggHarness, par)
						for s := range globals {
							globals[s] = openAgg(t, glob, kind, s, par, hs, store)
						}
					}
				}
				for _, l := range locals {
					if err := l.op.Finish(); err != nil {
						t.Fatal(err)
					}
				}
				route()
				for _, g := range globals {
					if err := g.op.ProcessWatermark(runtime.MaxWatermark); err != nil {
						t.Fatal(err)
					}
					twoOut = append(twoOut, g.out.take()...)
				}
				want, got := materialize(t, oneOut), materialize(t, twoOut)
				if len(want) == 0 {
					t.Fatal("no results")
				}
				if !slices.Equal(want, got) {
					t.Fatalf("two-phase results differ:\n got %v\nwant %v", got, want)
				}
				if len(twoOut) >= len(oneOut) {
					t.Errorf("two-phase emitted %d changes, one-phase per row %d: bundles should fold", len(twoOut), len(oneOut))
				}
			})
		}
	}
}

// TestMiniBatchNoTickWithoutBundle: without buffering no processing-time
// calls are asked for.
func TestMiniBatchNoTickWithoutBundle(t *testing.T) {
	calls := []AggCall{{Kind: AggCountStar, Arg: -1, Type: bigint}}
	for _, opts := range []AggOptions{{PerRow: true}, {}, {PerRow: true, MiniBatchSize: 10, MiniBatchLatency: time.Second}} {
		op, err := NewGroupAggregate([]int{0}, calls, kvTypes, []*types.Type{types.String, bigint}, opts)(0, 1)
		if err != nil {
			t.Fatal(err)
		}
		if d := op.(runtime.ProcessingTimeAware).ProcessingTimeTick(); d != 0 {
			t.Errorf("%+v: ProcessingTimeTick = %v, want 0", opts, d)
		}
	}
	op, _ := NewLocalGroupAggregate([]int{0}, calls, kvTypes, 0, time.Second)(0, 1)
	if d := op.(runtime.ProcessingTimeAware).ProcessingTimeTick(); d != 0 {
		t.Errorf("local without bundle: ProcessingTimeTick = %v, want 0", d)
	}
}
