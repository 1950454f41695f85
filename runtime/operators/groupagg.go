package operators

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// AggOptions tune a GroupAggregate.
type AggOptions struct {
	// SkipUpdateBefore drops -U rows (Flink's generateUpdateBefore = false,
	// chosen by the planner when no downstream operator needs them): an
	// updated group emits only +U. Deletions still emit -D.
	SkipUpdateBefore bool
	// InsertOnlyInput declares that the input never retracts: MIN/MAX and
	// FIRST_VALUE/LAST_VALUE then keep one value per group instead of a
	// multiset of values. A retraction for such a call is an error.
	InsertOnlyInput bool
	// StateTTL overrides table.exec.state.ttl for this operator's state
	// (the STATE_TTL hint); 0 keeps the job's setting.
	StateTTL time.Duration
	// PerRow emits the change of every input row, as Flink's GroupAggFunction
	// does without mini-batch (table.exec.mini-batch.enabled = false, the
	// default): "hadoop hadoop" gives +I[hadoop, 1], -U[hadoop, 1],
	// +U[hadoop, 2]. Otherwise each mini-batch is folded into at most one
	// change per group (MiniBatchGroupAggFunction).
	PerRow bool
	// MiniBatchSize (table.exec.mini-batch.size), when PerRow is false and
	// it is positive, buffers the input rows across batches: a bundle is
	// folded when it holds MiniBatchSize rows, when MiniBatchLatency
	// (table.exec.mini-batch.allow-latency) has passed since its first row
	// (checked on every batch, and while no input arrives:
	// runtime.IdleAware, runtime.ProcessingTimeAware), before a watermark
	// is forwarded, in SnapshotState and in Finish (minibatch.go). With 0
	// every input batch is one mini-batch.
	MiniBatchSize    int
	MiniBatchLatency time.Duration
	// EmptyInputRow makes a global aggregation (no group keys) emit the
	// row of its calls over no rows at end of input when its input was
	// empty, as SQL and Flink's batch mode do (COUNT(*) = 0, SUM = NULL).
	// A streaming aggregation emits nothing until a row arrives.
	EmptyInputRow bool
}

// GroupAggregate is Flink's GroupAggregate over a changelog. With
// AggOptions.PerRow every input row emits its change (foldPerRow);
// otherwise the rows are folded a mini-batch at a time — a bundle of
// AggOptions.MiniBatchSize rows buffered across input batches (minibatch.go),
// or each input batch without it: every row of the mini-batch is folded into
// its group first (+I/+U accumulate, -U/-D retract), then each group the
// mini-batch touched emits at most one change:
//
//	new group, count > 0            +I(new)
//	existing group, result changed  -U(old) +U(new)  (-U unless SkipUpdateBefore)
//	existing group, unchanged       nothing
//	existing group, count drops to 0 -D(old), state removed
//	new group, count back to 0      nothing, state removed
//
// Retractions that arrive for a key without state (before any
// accumulation of the key in this batch) are dropped, as Flink's
// MiniBatchGroupAggFunction does. Output rows are key columns then one
// column per call, in the order groups were first touched in the batch.
//
// # State
//
// The groups live in the runtime's keyed state backend
// (OperatorContext.KeyedState; package runtime/state), heap or Pebble, so
// checkpoints, incremental uploads and rescaling are the backend's. The
// state key is the group key in keyEncoder format (empty for a global
// aggregation), in key group runtime.KeyGroupOf(runtime.HashKey(...)) of
// the row (0 for a global aggregation). Per key:
//
//	"acc"            ValueState: format byte (1), varint row count (COUNT(*)
//	                 of the group), per orderStore uvarint next and live
//	                 count, then each call's accumulator (accumulators.go):
//	                 COUNT n; SUM/AVG count and sum; MIN/MAX and
//	                 FIRST/LAST_VALUE a state byte and the cached value.
//	"values/<col>"   MapState, only for a column used by a DISTINCT call or
//	                 by MIN/MAX over retracting input: ordered value
//	                 encoding → varint count (valueCounts, valueset.go).
//	"order/<col>[/distinct]", "index/<col>[/distinct]"
//	                 MapStates, only for FIRST_VALUE/LAST_VALUE over
//	                 retracting input: the values in accumulation order
//	                 (orderStore, valueset.go).
//
// Over insert-only input MIN/MAX and FIRST/LAST_VALUE live in "acc" alone.
// Retracting MIN/MAX and FIRST/LAST_VALUE cache their result in "acc" and
// read the map only when that value is retracted (with Pebble, whose map
// iteration is in key order, MIN and FIRST_VALUE stop at the first entry).
//
// A batch is folded key by key: its rows are grouped by key first (batchKeys),
// then per key the operator sets the key once, reads "acc" once, applies
// the key's rows in order, writes "acc" once (or clears every state of the
// key when its count drops to 0) and records the change to emit.
// SnapshotState returns nil: the runtime snapshots the backend.
//
// With state TTL (table.exec.state.ttl) every entry expires on its own, as
// with Flink's state TTL. "acc" is rewritten whenever its group changes, so
// it outlives the group's map entries; a map entry not written for the TTL
// (a DISTINCT value, a MIN/MAX value, a FIRST/LAST_VALUE occurrence) reads
// as absent, so the results of such long-lived groups may drift, as in
// Flink.
type GroupAggregate struct {
	keyCols  []int
	calls    []AggCall
	outTypes []*types.Type
	opts     AggOptions
	accs     []accumulator
	// distinctOf[c] is the index in counts of call c's DISTINCT filter, or -1.
	distinctOf []int
	counts     []*valueCounts
	orders     []*orderStore
	args       []*types.Vector // per call: its argument column in the current batch

	keyedBase
	out      runtime.Output
	enc      keyEncoder
	accState state.ValueState
	rows     int64 // row count of the current group
	rd       stateReader
	accBuf   []byte
	keys     batchKeys

	// per batch output
	vals    []*types.Vector // old and new results per call
	nvals   int32
	keyRows []int32
	valPos  []int32
	kinds   []types.RowKind
	reorder bool
	order   []uint64

	mb *miniBatch // the bundle (AggOptions.MiniBatchSize)
}

var (
	_ runtime.Operator            = (*GroupAggregate)(nil)
	_ runtime.IdleAware           = (*GroupAggregate)(nil)
	_ runtime.ProcessingTimeAware = (*GroupAggregate)(nil)
)

// NewGroupAggregate returns the factory of a GroupAggregate grouping by
// keyCols (empty: global aggregation) and computing calls. inputTypes are
// the input column types; outputTypes the output columns: the key columns
// then one per call.
func NewGroupAggregate(keyCols []int, calls []AggCall, inputTypes []*types.Type, outputTypes []*types.Type, opts AggOptions) func(subtask, parallelism int) (runtime.Operator, error) {
	return func(subtask, parallelism int) (runtime.Operator, error) {
		return newGroupAggregate(keyCols, calls, inputTypes, outputTypes, opts)
	}
}

func newGroupAggregate(keyCols []int, calls []AggCall, inTypes, outTypes []*types.Type, opts AggOptions) (*GroupAggregate, error) {
	if len(outTypes) != len(keyCols)+len(calls) {
		return nil, fmt.Errorf("operators: group aggregate has %d output types for %d keys and %d calls", len(outTypes), len(keyCols), len(calls))
	}
	for _, k := range keyCols {
		if k < 0 || k >= len(inTypes) {
			return nil, fmt.Errorf("operators: group key column %d out of range", k)
		}
	}
	g := &GroupAggregate{
		keyCols:  keyCols,
		calls:    make([]AggCall, len(calls)),
		outTypes: outTypes,
		opts:     opts,
		enc:      keyEncoder{cols: keyCols},
		args:     make([]*types.Vector, len(calls)),
	}
	g.keys.seed = maphash.MakeSeed()
	if opts.PerRow {
		g.mb = &miniBatch{}
	} else {
		g.mb = newMiniBatch(opts.MiniBatchSize, opts.MiniBatchLatency, inTypes)
	}
	for c, call := range calls {
		if call.Type == nil {
			call.Type = outTypes[len(keyCols)+c]
		}
		if call.Type.Kind.Physical() != outTypes[len(keyCols)+c].Kind.Physical() {
			return nil, fmt.Errorf("operators: %s result type %s does not match output column type %s", call.Kind, call.Type, outTypes[len(keyCols)+c])
		}
		var argType *types.Type
		if call.Kind == AggAvgMerge && (call.CountArg < 0 || call.CountArg >= len(inTypes) || inTypes[call.CountArg].Kind.Physical() != types.PhysInt64) {
			return nil, fmt.Errorf("operators: %s count column %d out of range or not BIGINT", call.Kind, call.CountArg)
		}
		if call.Kind != AggCountStar {
			if call.Arg < 0 || call.Arg >= len(inTypes) {
				return nil, fmt.Errorf("operators: %s argument column %d out of range", call.Kind, call.Arg)
			}
			argType = inTypes[call.Arg]
		} else {
			call.Arg, call.Distinct = -1, false
		}
		g.calls[c] = call
		ordered := call.Kind == AggMin || call.Kind == AggMax || call.Kind == AggFirstValue || call.Kind == AggLastValue
		if (ordered || call.Distinct) && !orderedSupported(argType) {
			if call.Distinct {
				return nil, fmt.Errorf("operators: %s(DISTINCT) over %s is not supported", call.Kind, argType)
			}
			return nil, fmt.Errorf("operators: %s over %s is not supported", call.Kind, argType)
		}
		d := -1
		if call.Distinct {
			d = g.valueCountsOf(call.Arg)
		}
		g.distinctOf = append(g.distinctOf, d)
		var vals *valueCounts
		var order *orderStore
		if !opts.InsertOnlyInput {
			switch call.Kind {
			case AggMin, AggMax:
				vals = g.counts[g.valueCountsOf(call.Arg)]
			case AggFirstValue, AggLastValue, AggListAgg:
				order = g.orderStoreOf(call.Arg, d)
			}
		}
		acc, err := newAccumulator(call, argType, vals, order)
		if err != nil {
			return nil, err
		}
		g.accs = append(g.accs, acc)
		g.vals = append(g.vals, types.NewVector(call.Type, 2*types.DefaultBatchSize))
	}
	return g, nil
}

// valueCountsOf returns the index in g.counts of column arg's value counts.
func (g *GroupAggregate) valueCountsOf(arg int) int {
	for i, vc := range g.counts {
		if vc.arg == arg {
			return i
		}
	}
	g.counts = append(g.counts, &valueCounts{arg: arg, name: "values/" + strconv.Itoa(arg)})
	return len(g.counts) - 1
}

// orderStoreOf returns the order store of column arg gated by the DISTINCT
// filter distinct (-1: none).
func (g *GroupAggregate) orderStoreOf(arg, distinct int) *orderStore {
	for _, o := range g.orders {
		if o.arg == arg && o.distinct == distinct {
			return o
		}
	}
	suffix := strconv.Itoa(arg)
	if distinct >= 0 {
		suffix += "/distinct"
	}
	o := &orderStore{arg: arg, distinct: distinct, name: "order/" + suffix}
	g.orders = append(g.orders, o)
	return o
}

// Open obtains the keyed state backend (already restored by the runtime,
// for this subtask's key groups, at any parallelism) and registers the
// states. Without a runtime backend (ctx.KeyedState nil) it creates a
// private heap backend for the subtask's key groups and closes it in Close.
func (g *GroupAggregate) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	g.ctx, g.out = ctx, out
	g.mb.open(ctx)
	for _, st := range ctx.RestoredStates {
		if len(st) > 0 {
			return fmt.Errorf("operators: group aggregate %s: the checkpoint holds operator state of an older version of the group aggregate, which keeps its state in the keyed state backend now; start the job without that checkpoint", ctx.OperatorID)
		}
	}
	var err error
	if err = g.openKeyed(ctx, ""); err != nil {
		return err
	}
	if err := g.register(); err != nil {
		return err
	}
	g.recordStateSize()
	return nil
}

// openKeyedBackend returns the runtime's keyed state backend of the
// operator, or, without a runtime (ctx.KeyedState nil), a private heap
// backend for the subtask's key groups that the operator must close (own).
func openKeyedBackend(ctx *runtime.OperatorContext) (b state.KeyedBackend, own bool, maxPar int, err error) {
	maxPar = ctx.MaxParallel
	if maxPar <= 0 {
		maxPar = 128
	}
	if ctx.KeyedState != nil {
		b, err = ctx.KeyedState()
		return b, false, maxPar, err
	}
	par := max(ctx.Parallelism, 1)
	lo, hi := runtime.KeyGroupRange(ctx.Subtask, maxPar, par)
	hb, err := state.NewHeapBackend(state.Config{
		OperatorID: ctx.OperatorID, Subtask: ctx.Subtask, Parallelism: par,
		MaxParallelism: maxPar, KeyGroupStart: lo, KeyGroupEnd: hi,
	})
	if err != nil {
		return nil, false, maxPar, err
	}
	return hb, true, maxPar, nil
}

func (g *GroupAggregate) register() error {
	b := g.backend
	var err error
	if g.accState, err = b.RegisterValue(state.Descriptor{Name: "acc", TTL: g.opts.StateTTL}); err != nil {
		return err
	}
	ordered := b.Type() == state.BackendPebble
	for _, vc := range g.counts {
		if vc.m, err = b.RegisterMap(state.Descriptor{Name: vc.name, TTL: g.opts.StateTTL}); err != nil {
			return err
		}
		vc.ordered = ordered
	}
	for _, o := range g.orders {
		if o.order, err = b.RegisterMap(state.Descriptor{Name: o.name, TTL: g.opts.StateTTL}); err != nil {
			return err
		}
		if o.index, err = b.RegisterMap(state.Descriptor{Name: "index/" + o.name[len("order/"):], TTL: g.opts.StateTTL}); err != nil {
			return err
		}
		o.ordered = ordered
	}
	return nil
}

var errAggClosed = errors.New("operators: group aggregate used before Open or after Close")

// ProcessBatch folds the batch into the groups, key by key, and emits their
// changes; with a mini-batch bundle (AggOptions.MiniBatchSize) it copies
// the rows into the bundle and folds the bundle when it is due.
func (g *GroupAggregate) ProcessBatch(_ int, b *types.Batch) error {
	if g.backend == nil {
		return errAggClosed
	}
	if !g.mb.buffering() {
		return g.foldBatch(b)
	}
	if g.mb.add(b) {
		return g.flush()
	}
	return nil
}

// flush folds the buffered bundle, if any, and empties it.
func (g *GroupAggregate) flush() error {
	if g.mb.empty() {
		return nil
	}
	if g.backend == nil {
		return errAggClosed
	}
	err := g.foldBatch(g.mb.buf)
	g.mb.reset()
	return err
}

// OnSourceIdle folds a bundle whose latency passed while no rows arrive
// (behind a source).
func (g *GroupAggregate) OnSourceIdle() error {
	if g.mb.due() {
		return g.flush()
	}
	return nil
}

// ProcessingTimeTick asks the task to call OnProcessingTime while it waits
// for input, when rows may wait in a bundle for the latency.
func (g *GroupAggregate) ProcessingTimeTick() time.Duration { return g.mb.tick() }

// OnProcessingTime folds a bundle whose latency passed while no rows arrive.
func (g *GroupAggregate) OnProcessingTime() error { return g.OnSourceIdle() }

// foldBatch folds the rows of b (one mini-batch, or one input batch) into
// the groups and emits the changes.
func (g *GroupAggregate) foldBatch(b *types.Batch) error {
	if b.Len == 0 {
		return nil
	}
	g.keys.group(b, &g.enc, len(g.keyCols) == 0)
	for c, call := range g.calls {
		if call.Arg >= 0 {
			g.args[c] = b.Cols[call.Arg]
		}
		if m, ok := g.accs[c].(*avgMergeAcc); ok {
			m.counts = b.Cols[call.CountArg]
		}
	}
	for _, v := range g.vals {
		v.Reset()
	}
	g.nvals = 0
	g.keyRows, g.valPos, g.kinds = g.keyRows[:0], g.valPos[:0], g.kinds[:0]
	g.reorder = false
	var err error
	fold := g.fold
	if g.opts.PerRow {
		fold = g.foldPerRow
		g.reorder = g.keys.n > 1 // changes in input row order
	}
	for s := range g.keys.n {
		if err = fold(b, int32(s)); err != nil {
			break
		}
	}
	clear(g.args)
	for _, a := range g.accs {
		if m, ok := a.(*avgMergeAcc); ok {
			m.counts = nil
		}
	}
	g.recordStateSize()
	if err != nil || len(g.kinds) == 0 {
		return err
	}
	if g.reorder {
		g.sortChanges()
	}
	// A large bundle leaves in batches of at most DefaultBatchSize rows.
	for lo := 0; lo < len(g.kinds); lo += types.DefaultBatchSize {
		if err := g.out.Emit(g.buildOutput(b, lo, min(lo+types.DefaultBatchSize, len(g.kinds)))); err != nil {
			return err
		}
	}
	return nil
}

// fold applies the rows of batch key s to its group and records the change.
func (g *GroupAggregate) fold(b *types.Batch, s int32) error {
	rows := g.keys.rowsOf(s)
	kg := 0
	if len(g.keyCols) > 0 {
		kg = runtime.KeyGroupOf(runtime.HashKey(b.Cols, g.keyCols, int(rows[0])), g.maxPar)
	}
	g.backend.SetCurrentKey(kg, g.keys.key(s))
	v, existed, err := g.accState.Value()
	if err != nil {
		return err
	}
	prev, first := int32(-1), int32(-1)
	if existed {
		if err := g.decodeAcc(v); err != nil {
			return err
		}
		prev, first = g.nvals, rows[0]
		if err := g.appendResults(); err != nil {
			return err
		}
	} else {
		g.resetAcc()
	}
	for _, r := range rows {
		sign := int8(1)
		if b.Kinds != nil && !b.Kinds[r].IsAccumulate() {
			sign = -1
		}
		if first < 0 {
			if sign < 0 {
				continue // retraction for a key without state: dropped
			}
			first = r
		}
		if err := g.applyRow(b, int(r), sign); err != nil {
			return err
		}
	}
	if first < 0 {
		return nil // only dropped retractions: nothing was touched
	}
	if first != rows[0] {
		g.reorder = true
	}
	if g.rows <= 0 {
		if existed {
			g.emitRow(first, prev, types.Delete)
		}
		return g.clearGroup()
	}
	cur := g.nvals
	if err := g.appendResults(); err != nil {
		return err
	}
	switch {
	case !existed:
		g.emitRow(first, cur, types.Insert)
	case !g.sameResult(prev, cur):
		if !g.opts.SkipUpdateBefore {
			g.emitRow(first, prev, types.UpdateBefore)
		}
		g.emitRow(first, cur, types.UpdateAfter)
	}
	g.accBuf = g.encodeAcc(g.accBuf[:0])
	return g.accState.Update(g.accBuf)
}

// foldPerRow applies the rows of batch key s to its group one by one and
// records the change each row makes, as Flink's GroupAggFunction: a
// retraction for a group without state is dropped, an unchanged result
// emits nothing, and a group whose row count drops to 0 emits -D and is
// cleared (a later row of the batch starts it afresh with +I).
func (g *GroupAggregate) foldPerRow(b *types.Batch, s int32) error {
	rows := g.keys.rowsOf(s)
	kg := 0
	if len(g.keyCols) > 0 {
		kg = runtime.KeyGroupOf(runtime.HashKey(b.Cols, g.keyCols, int(rows[0])), g.maxPar)
	}
	g.backend.SetCurrentKey(kg, g.keys.key(s))
	v, live, err := g.accState.Value()
	if err != nil {
		return err
	}
	prev := int32(-1)
	if live {
		if err := g.decodeAcc(v); err != nil {
			return err
		}
		prev = g.nvals
		if err := g.appendResults(); err != nil {
			return err
		}
	} else {
		g.resetAcc()
	}
	touched := false
	for _, r := range rows {
		sign := int8(1)
		if b.Kinds != nil && !b.Kinds[r].IsAccumulate() {
			sign = -1
		}
		if !live && sign < 0 {
			continue // retraction for a group without state: dropped
		}
		touched = true
		if err := g.applyRow(b, int(r), sign); err != nil {
			return err
		}
		if g.rows <= 0 {
			if live {
				g.emitRow(r, prev, types.Delete)
			}
			if err := g.clearGroup(); err != nil {
				return err
			}
			g.resetAcc()
			live = false
			continue
		}
		cur := g.nvals
		if err := g.appendResults(); err != nil {
			return err
		}
		switch {
		case !live:
			g.emitRow(r, cur, types.Insert)
			live = true
		case !g.sameResult(prev, cur):
			if !g.opts.SkipUpdateBefore {
				g.emitRow(r, prev, types.UpdateBefore)
			}
			g.emitRow(r, cur, types.UpdateAfter)
		}
		prev = cur
	}
	if !live || !touched {
		return nil
	}
	g.accBuf = g.encodeAcc(g.accBuf[:0])
	return g.accState.Update(g.accBuf)
}

// applyRow folds row r with sign s into the current group: value counts
// first, then the order stores (gated by their DISTINCT filter), then the
// calls (gated by theirs).
func (g *GroupAggregate) applyRow(b *types.Batch, r int, s int8) error {
	g.rows += int64(s)
	for _, vc := range g.counts {
		if err := vc.apply(b.Cols[vc.arg], r, s); err != nil {
			return err
		}
	}
	for _, o := range g.orders {
		os := s
		if o.distinct >= 0 {
			os = g.counts[o.distinct].sign()
		}
		if err := o.apply(b.Cols[o.arg], r, os); err != nil {
			return err
		}
	}
	for c, a := range g.accs {
		cs := s
		if d := g.distinctOf[c]; d >= 0 {
			cs = g.counts[d].sign()
		}
		if err := a.add(g.args[c], r, cs); err != nil {
			return err
		}
	}
	return nil
}

// accFormat is the first byte of every "acc" value.
const accFormat = 2 // 2: fixed-width counts and integer sums

func (g *GroupAggregate) resetAcc() {
	g.rows = 0
	for _, o := range g.orders {
		o.reset()
	}
	for _, a := range g.accs {
		a.reset()
	}
}

func (g *GroupAggregate) encodeAcc(buf []byte) []byte {
	buf = appendInt64(append(buf, accFormat), g.rows)
	for _, o := range g.orders {
		buf = o.encode(buf)
	}
	for _, a := range g.accs {
		buf = a.encode(buf)
	}
	return buf
}

func (g *GroupAggregate) decodeAcc(v []byte) error {
	r := &g.rd
	r.b, r.err = v, nil
	if f := r.byte(); r.err == nil && f != accFormat {
		return fmt.Errorf("operators: group aggregate %s: state format %d not supported", g.ctx.OperatorID, f)
	}
	g.rows = r.int64()
	for _, o := range g.orders {
		o.decode(r)
	}
	for _, a := range g.accs {
		a.decode(r)
	}
	err := r.err
	if err == nil && len(r.b) != 0 {
		err = fmt.Errorf("%w: %d trailing bytes", errCorruptState, len(r.b))
	}
	r.b = nil
	if err != nil {
		return fmt.Errorf("operators: group aggregate %s: the state of a group does not match the aggregate calls of this query (or is corrupt): %w", g.ctx.OperatorID, err)
	}
	return nil
}

// clearGroup removes every state of the current key.
func (g *GroupAggregate) clearGroup() error {
	if err := g.accState.Clear(); err != nil {
		return err
	}
	for _, vc := range g.counts {
		if err := vc.m.Clear(); err != nil {
			return err
		}
	}
	for _, o := range g.orders {
		if err := o.order.Clear(); err != nil {
			return err
		}
		if err := o.index.Clear(); err != nil {
			return err
		}
	}
	return nil
}

// appendResults appends every call's current result to vals.
func (g *GroupAggregate) appendResults() error {
	for c, a := range g.accs {
		if err := a.result(g.vals[c]); err != nil {
			return err
		}
	}
	g.nvals++
	return nil
}

func (g *GroupAggregate) emitRow(keyRow, valPos int32, k types.RowKind) {
	g.keyRows = append(g.keyRows, keyRow)
	g.valPos = append(g.valPos, valPos)
	g.kinds = append(g.kinds, k)
}

// sortChanges orders the changes by the first row that touched their group
// (a key whose first rows were dropped retractions counts from its first
// accumulation), keeping the order of each group's -U/+U.
func (g *GroupAggregate) sortChanges() {
	g.order = g.order[:0]
	for i, r := range g.keyRows {
		g.order = append(g.order, uint64(r)<<32|uint64(i))
	}
	slices.Sort(g.order)
	n := len(g.kinds)
	keyRows := slices.Grow(g.keyRows[n:], n)
	valPos := slices.Grow(g.valPos[n:], n)
	kinds := slices.Grow(g.kinds[n:], n)
	for _, o := range g.order {
		i := uint32(o)
		keyRows = append(keyRows, g.keyRows[i])
		valPos = append(valPos, g.valPos[i])
		kinds = append(kinds, g.kinds[i])
	}
	g.keyRows = append(g.keyRows[:0], keyRows...)
	g.valPos = append(g.valPos[:0], valPos...)
	g.kinds = append(g.kinds[:0], kinds...)
}

func (g *GroupAggregate) sameResult(a, b int32) bool {
	for _, v := range g.vals {
		if !equalAt(v, int(a), int(b)) {
			return false
		}
	}
	return true
}

// buildOutput builds the batch of changes [lo, hi).
func (g *GroupAggregate) buildOutput(b *types.Batch, lo, hi int) *types.Batch {
	m := hi - lo
	ob := &types.Batch{Cols: make([]*types.Vector, len(g.outTypes)), Len: m}
	nk := len(g.keyCols)
	for k, c := range g.keyCols {
		v := types.NewVector(g.outTypes[k], m)
		gather(v, b.Cols[c], g.keyRows[lo:hi])
		ob.Cols[k] = v
	}
	for c := range g.accs {
		v := types.NewVector(g.outTypes[nk+c], m)
		gather(v, g.vals[c], g.valPos[lo:hi])
		ob.Cols[nk+c] = v
	}
	for _, k := range g.kinds[lo:hi] {
		if k != types.Insert {
			ob.Kinds = append([]types.RowKind(nil), g.kinds[lo:hi]...)
			break
		}
	}
	return ob
}

// ProcessWatermark folds the buffered bundle, then forwards the watermark
// (group aggregates hold no timers).
func (g *GroupAggregate) ProcessWatermark(wm int64) error {
	if err := g.flush(); err != nil {
		return err
	}
	return g.out.EmitWatermark(wm)
}

// SnapshotState folds and emits the buffered bundle (the runtime snapshots
// the keyed state backend after it and sends the barrier after the
// changes) and returns nil: the groups are in the keyed state backend.
func (g *GroupAggregate) SnapshotState(int64) ([]byte, error) { return nil, g.flush() }

// NotifyCheckpointComplete does nothing (the runtime notifies the backend).
func (g *GroupAggregate) NotifyCheckpointComplete(int64) error { return nil }

// Finish folds what is still buffered and, with AggOptions.EmptyInputRow,
// emits the result over no rows of a global aggregation that saw none.
func (g *GroupAggregate) Finish() error {
	if err := g.flush(); err != nil {
		return err
	}
	if !g.opts.EmptyInputRow || len(g.keyCols) > 0 {
		return nil
	}
	if lo, hi := runtime.KeyGroupRange(g.ctx.Subtask, g.maxPar, max(g.ctx.Parallelism, 1)); lo > 0 || hi <= 0 {
		return nil // another subtask owns the global group
	}
	g.backend.SetCurrentKey(0, nil)
	if _, existed, err := g.accState.Value(); err != nil || existed {
		return err
	}
	g.resetAcc()
	for _, v := range g.vals {
		v.Reset()
	}
	g.nvals = 0
	g.keyRows, g.valPos, g.kinds = g.keyRows[:0], g.valPos[:0], g.kinds[:0]
	if err := g.appendResults(); err != nil {
		return err
	}
	g.emitRow(0, 0, types.Insert)
	return g.out.Emit(g.buildOutput(&types.Batch{}, 0, 1))
}

// Close closes the backend when Open created it; the runtime closes its own.
func (g *GroupAggregate) Close() error {
	g.accState = nil
	return g.closeBackend()
}

// batchKeys groups the rows of one batch by key: an open-addressing table
// over the encoded keys (keyEncoder format) hashed with maphash, reused from
// batch to batch, so an existing key costs no allocation. Keys are numbered
// in the order of their first row; rowsOf(s) lists key s's rows in order.
type batchKeys struct {
	seed    maphash.Seed
	n       int      // keys in the current batch
	table   []int32  // key+1, 0 = empty; length the power of two above 2×rows
	hashes  []uint64 // per key
	ends    []int32  // per key: end of its encoding in arena
	arena   []byte
	starts  []int32 // per key: start of its rows in rows; n+1 entries
	rowKey  []int32 // per row: its key
	rows    []int32 // rows grouped by key
	counter []int32
}

// group fills the table for b; global puts every row under the empty key.
func (k *batchKeys) group(b *types.Batch, enc *keyEncoder, global bool) {
	n := b.Len
	k.rows = resize(k.rows, n)
	if global {
		k.n = 1
		k.ends = append(k.ends[:0], 0)
		k.arena = k.arena[:0]
		k.starts = append(k.starts[:0], 0, int32(n))
		for i := range k.rows {
			k.rows[i] = int32(i)
		}
		return
	}
	size := 16
	for size < 2*n+1 {
		size <<= 1
	}
	if cap(k.table) < size {
		k.table = make([]int32, size)
	} else {
		k.table = k.table[:size]
		clear(k.table)
	}
	mask := len(k.table) - 1
	k.n = 0
	k.hashes, k.ends, k.arena = k.hashes[:0], k.ends[:0], k.arena[:0]
	k.rowKey = resize(k.rowKey, n)
	k.counter = k.counter[:0]
	for i := 0; i < n; i++ {
		key := enc.encode(b, i)
		h := maphash.Bytes(k.seed, key)
		p := int(h) & mask
		for {
			e := k.table[p]
			if e == 0 {
				k.table[p] = int32(k.n) + 1
				k.hashes = append(k.hashes, h)
				k.arena = append(k.arena, key...)
				k.ends = append(k.ends, int32(len(k.arena)))
				k.counter = append(k.counter, 0)
				e = int32(k.n) + 1
				k.n++
			} else if s := e - 1; k.hashes[s] != h || !bytes.Equal(k.key(s), key) {
				p = (p + 1) & mask
				continue
			}
			k.rowKey[i] = e - 1
			k.counter[e-1]++
			break
		}
	}
	// Counting sort of the rows by key, stable.
	k.starts = resize(k.starts, k.n+1)
	k.starts[0] = 0
	for s, c := range k.counter {
		k.starts[s+1] = k.starts[s] + c
		k.counter[s] = k.starts[s]
	}
	for i, s := range k.rowKey[:n] {
		k.rows[k.counter[s]] = int32(i)
		k.counter[s]++
	}
}

// key returns the encoding of key s (valid until the next group).
func (k *batchKeys) key(s int32) []byte {
	start := int32(0)
	if s > 0 {
		start = k.ends[s-1]
	}
	return k.arena[start:k.ends[s]]
}

// rowsOf returns the rows of key s in batch order.
func (k *batchKeys) rowsOf(s int32) []int32 { return k.rows[k.starts[s]:k.starts[s+1]] }
