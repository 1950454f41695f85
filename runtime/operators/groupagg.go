package operators

import (
	"encoding/binary"
	"fmt"

	"github.com/flinkgo/engine/runtime"
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
}

// GroupAggregate is Flink's GroupAggregate over a changelog, with one
// mini-batch per input batch: every row of a batch is folded into its group
// first (+I/+U accumulate, -U/-D retract), then each group the batch touched
// emits at most one change:
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
// State layout: groups live in index (map from the encoded key, see
// keyEncoder, to a dense group id; a single integer-like key column uses
// intIndex, keyed by the int64 value, instead); per group id: keys (the map key),
// rows (number of accumulated rows, COUNT(*)), keyGroups (key group of the
// key, for rescaling). Each call's accumulator stores its state column-wise
// in slices indexed by group id (accumulators.go); DISTINCT calls share one
// distinctFilter per argument column. Ids of removed groups are reused.
//
// Snapshot (version 1): byte 1, uvarint #key columns, #calls, #distinct
// filters, #groups, then per group: key bytes (uvarint length + bytes),
// uvarint key group, varint rows, each distinct filter's value set, each
// accumulator's encoding. The restore input may be several such snapshots
// concatenated (state of several old subtasks); groups whose key group this
// subtask does not own are dropped.
type GroupAggregate struct {
	keyCols  []int
	calls    []AggCall
	outTypes []*types.Type
	opts     AggOptions
	accs     []accumulator
	// distinctOf[c] is the index in distinct of call c's filter, or -1.
	distinctOf []int
	distinct   []*distinctFilter

	ctx *runtime.OperatorContext
	out runtime.Output
	enc keyEncoder

	index map[string]int32
	keys  []string
	// Single integer-like key column: intIndex maps the value to the group
	// id (no key encoding), nullGroup is the group of the NULL key or -1,
	// intKeys[id] the value.
	intKey    bool
	intIndex  map[int64]int32
	nullGroup int32
	intKeys   []int64
	keyBuf    []byte
	rows      []int64
	keyGroups []int32
	live      []bool
	free      []int32
	keyBytes  int64
	groups    int

	// per batch scratch
	batchSeq uint64
	seen     []uint64 // batch in which the group was last touched
	firstRow []int32  // first row of the batch touching the group
	prevPos  []int32  // row of the old result in vals, -1 for a new group
	gids     []int32
	signs    []int8
	touched  []int32
	vals     []*types.Vector // old and new results per call
	nvals    int32
	keyRows  []int32
	valPos   []int32
	kinds    []types.RowKind
}

var _ runtime.Operator = (*GroupAggregate)(nil)

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
		keyCols:   keyCols,
		calls:     make([]AggCall, len(calls)),
		outTypes:  outTypes,
		opts:      opts,
		enc:       keyEncoder{cols: keyCols},
		index:     make(map[string]int32),
		intIndex:  make(map[int64]int32),
		intKey:    len(keyCols) == 1 && inTypes[keyCols[0]].Kind.Physical() == types.PhysInt64,
		nullGroup: -1,
	}
	distinctByArg := map[int]int{}
	for c, call := range calls {
		if call.Type == nil {
			call.Type = outTypes[len(keyCols)+c]
		}
		if call.Type.Kind.Physical() != outTypes[len(keyCols)+c].Kind.Physical() {
			return nil, fmt.Errorf("operators: %s result type %s does not match output column type %s", call.Kind, call.Type, outTypes[len(keyCols)+c])
		}
		var argType *types.Type
		if call.Kind != AggCountStar {
			if call.Arg < 0 || call.Arg >= len(inTypes) {
				return nil, fmt.Errorf("operators: %s argument column %d out of range", call.Kind, call.Arg)
			}
			argType = inTypes[call.Arg]
		} else {
			call.Arg, call.Distinct = -1, false
		}
		g.calls[c] = call
		acc, err := newAccumulator(call, argType, opts.InsertOnlyInput)
		if err != nil {
			return nil, err
		}
		g.accs = append(g.accs, acc)
		d := -1
		if call.Distinct {
			if !orderedSupported(argType) {
				return nil, fmt.Errorf("operators: %s(DISTINCT) over %s is not supported", call.Kind, argType)
			}
			var ok bool
			if d, ok = distinctByArg[call.Arg]; !ok {
				d = len(g.distinct)
				distinctByArg[call.Arg] = d
				g.distinct = append(g.distinct, &distinctFilter{arg: call.Arg})
			}
		}
		g.distinctOf = append(g.distinctOf, d)
		g.vals = append(g.vals, types.NewVector(call.Type, 2*types.DefaultBatchSize))
	}
	return g, nil
}

// Open restores the groups of this subtask's key groups from the states of
// every old subtask (ctx.RestoredStates), so a restore may change the
// parallelism.
func (g *GroupAggregate) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	g.ctx, g.out = ctx, out
	for _, st := range ctx.RestoredStates {
		if len(st) == 0 {
			continue
		}
		if err := g.restore(st); err != nil {
			return err
		}
	}
	g.recordStateSize()
	return nil
}

// allocGroup returns a fresh group id with empty state.
func (g *GroupAggregate) allocGroup(kg int32) int32 {
	var id int32
	if n := len(g.free); n > 0 {
		id = g.free[n-1]
		g.free = g.free[:n-1]
	} else {
		id = int32(len(g.keys))
		n := len(g.keys) + 1
		g.keys = append(g.keys, "")
		g.intKeys = append(g.intKeys, 0)
		g.rows = append(g.rows, 0)
		g.keyGroups = append(g.keyGroups, 0)
		g.live = append(g.live, false)
		g.seen = append(g.seen, 0)
		g.firstRow = append(g.firstRow, 0)
		g.prevPos = append(g.prevPos, 0)
		for _, a := range g.accs {
			a.grow(n)
		}
		for _, d := range g.distinct {
			d.grow(n)
		}
	}
	g.rows[id], g.keyGroups[id], g.live[id] = 0, kg, true
	g.seen[id] = 0
	for _, a := range g.accs {
		a.init(id)
	}
	for _, d := range g.distinct {
		d.init(id)
	}
	g.groups++
	return id
}

// newGroup creates the group of an encoded key (generic key path).
func (g *GroupAggregate) newGroup(key string, kg int32) int32 {
	id := g.allocGroup(kg)
	g.index[key] = id
	g.keys[id] = key
	g.keyBytes += int64(len(key))
	return id
}

// newIntGroup creates the group of a single BIGINT-like key (x ignored
// when null).
func (g *GroupAggregate) newIntGroup(x int64, null bool, kg int32) int32 {
	id := g.allocGroup(kg)
	if null {
		g.nullGroup = id
	} else {
		g.intIndex[x] = id
	}
	g.intKeys[id] = x
	g.keyBytes += 9
	return id
}

func (g *GroupAggregate) removeGroup(id int32) {
	if g.intKey {
		if id == g.nullGroup {
			g.nullGroup = -1
		} else {
			delete(g.intIndex, g.intKeys[id])
		}
		g.keyBytes -= 9
	} else {
		delete(g.index, g.keys[id])
		g.keyBytes -= int64(len(g.keys[id]))
		g.keys[id] = ""
	}
	g.groups--
	g.rows[id], g.live[id] = 0, false
	for _, a := range g.accs {
		a.release(id)
	}
	for _, d := range g.distinct {
		d.release(id)
	}
	g.free = append(g.free, id)
}

// appendGroupKey appends the key encoding (keyEncoder format) of group id.
func (g *GroupAggregate) appendGroupKey(buf []byte, id int32) []byte {
	if !g.intKey {
		return append(buf, g.keys[id]...)
	}
	if id == g.nullGroup {
		return append(buf, 0)
	}
	return binary.LittleEndian.AppendUint64(append(buf, 1), uint64(g.intKeys[id]))
}

// restoreGroup creates the group of a key read from a snapshot.
func (g *GroupAggregate) restoreGroup(key []byte, kg int32) (int32, error) {
	if !g.intKey {
		if _, dup := g.index[string(key)]; dup {
			return 0, fmt.Errorf("%w: duplicate group in group aggregate state", errCorruptState)
		}
		return g.newGroup(string(key), kg), nil
	}
	switch {
	case len(key) == 1 && key[0] == 0:
		if g.nullGroup >= 0 {
			return 0, fmt.Errorf("%w: duplicate group in group aggregate state", errCorruptState)
		}
		return g.newIntGroup(0, true, kg), nil
	case len(key) == 9 && key[0] == 1:
		x := int64(binary.LittleEndian.Uint64(key[1:]))
		if _, dup := g.intIndex[x]; dup {
			return 0, fmt.Errorf("%w: duplicate group in group aggregate state", errCorruptState)
		}
		return g.newIntGroup(x, false, kg), nil
	}
	return 0, fmt.Errorf("%w: invalid group key", errCorruptState)
}

func (g *GroupAggregate) keyGroupOf(b *types.Batch, i int) int32 {
	if g.ctx == nil || g.ctx.MaxParallel <= 0 || len(g.keyCols) == 0 {
		return 0
	}
	return int32(runtime.KeyGroupOf(runtime.HashKey(b.Cols, g.keyCols, i), g.ctx.MaxParallel))
}

// ProcessBatch folds the batch into the groups and emits their changes.
func (g *GroupAggregate) ProcessBatch(_ int, b *types.Batch) error {
	n := b.Len
	if n == 0 {
		return nil
	}
	g.batchSeq++
	g.gids = resize(g.gids, n)
	g.signs = resize(g.signs, n)
	gids, signs := g.gids, g.signs
	g.touched = g.touched[:0]
	for _, v := range g.vals {
		v.Reset()
	}
	g.nvals = 0
	var intCol *types.Vector
	if g.intKey {
		intCol = b.Cols[g.keyCols[0]]
	}

	// Pass 1: group ids, signs, row counts; old results of touched groups
	// are captured before any accumulation.
	for i := 0; i < n; i++ {
		acc := b.Kinds == nil || b.Kinds[i].IsAccumulate()
		var id int32
		var ok bool
		if intCol != nil {
			null := nullAt(intCol.Nulls, i)
			if null {
				id, ok = g.nullGroup, g.nullGroup >= 0
			} else {
				id, ok = g.intIndex[intCol.Ints[i]]
			}
			if !ok {
				if !acc {
					gids[i], signs[i] = -1, 0
					continue
				}
				id = g.newIntGroup(intCol.Ints[i], null, g.keyGroupOf(b, i))
			}
		} else {
			key := g.enc.encode(b, i)
			id, ok = g.index[string(key)]
			if !ok {
				if !acc {
					gids[i], signs[i] = -1, 0
					continue
				}
				id = g.newGroup(string(key), g.keyGroupOf(b, i))
			}
		}
		if g.seen[id] != g.batchSeq {
			g.seen[id] = g.batchSeq
			g.firstRow[id] = int32(i)
			g.touched = append(g.touched, id)
			if ok {
				g.prevPos[id] = g.nvals
				for c, a := range g.accs {
					a.result(id, g.vals[c])
				}
				g.nvals++
			} else {
				g.prevPos[id] = -1
			}
		}
		gids[i] = id
		if acc {
			signs[i] = 1
			g.rows[id]++
		} else {
			signs[i] = -1
			g.rows[id]--
		}
	}

	// Pass 2: accumulate column by column.
	for _, d := range g.distinct {
		if _, err := d.apply(b.Cols[d.arg], gids[:n], signs[:n]); err != nil {
			return err
		}
	}
	for c, a := range g.accs {
		s := signs[:n]
		if d := g.distinctOf[c]; d >= 0 {
			s = g.distinct[d].signs[:n]
		}
		var arg *types.Vector
		if g.calls[c].Arg >= 0 {
			arg = b.Cols[g.calls[c].Arg]
		}
		if err := a.update(arg, gids[:n], s); err != nil {
			return err
		}
	}

	// Pass 3: new results and the changes to emit.
	g.keyRows, g.valPos, g.kinds = g.keyRows[:0], g.valPos[:0], g.kinds[:0]
	for _, id := range g.touched {
		prev := g.prevPos[id]
		row := g.firstRow[id]
		if g.rows[id] <= 0 {
			if prev >= 0 {
				g.emitRow(row, prev, types.Delete)
			}
			g.removeGroup(id)
			continue
		}
		cur := g.nvals
		for c, a := range g.accs {
			a.result(id, g.vals[c])
		}
		g.nvals++
		switch {
		case prev < 0:
			g.emitRow(row, cur, types.Insert)
		case !g.sameResult(prev, cur):
			if !g.opts.SkipUpdateBefore {
				g.emitRow(row, prev, types.UpdateBefore)
			}
			g.emitRow(row, cur, types.UpdateAfter)
		}
	}
	g.recordStateSize()
	if len(g.kinds) == 0 {
		return nil
	}
	return g.out.Emit(g.buildOutput(b))
}

func (g *GroupAggregate) emitRow(keyRow, valPos int32, k types.RowKind) {
	g.keyRows = append(g.keyRows, keyRow)
	g.valPos = append(g.valPos, valPos)
	g.kinds = append(g.kinds, k)
}

func (g *GroupAggregate) sameResult(a, b int32) bool {
	for _, v := range g.vals {
		if !equalAt(v, int(a), int(b)) {
			return false
		}
	}
	return true
}

func (g *GroupAggregate) buildOutput(b *types.Batch) *types.Batch {
	m := len(g.kinds)
	ob := &types.Batch{Cols: make([]*types.Vector, len(g.outTypes)), Len: m}
	nk := len(g.keyCols)
	for k, c := range g.keyCols {
		v := types.NewVector(g.outTypes[k], m)
		gather(v, b.Cols[c], g.keyRows)
		ob.Cols[k] = v
	}
	for c := range g.accs {
		v := types.NewVector(g.outTypes[nk+c], m)
		gather(v, g.vals[c], g.valPos)
		ob.Cols[nk+c] = v
	}
	for _, k := range g.kinds {
		if k != types.Insert {
			ob.Kinds = append([]types.RowKind(nil), g.kinds...)
			break
		}
	}
	return ob
}

// groupOverhead approximates the bytes of one group besides its key and
// accumulators (map entry, per-id slices).
const groupOverhead = 80

func (g *GroupAggregate) stateBytes() int64 {
	s := g.keyBytes + int64(g.groups)*groupOverhead
	for _, a := range g.accs {
		s += a.stateBytes()
	}
	for _, d := range g.distinct {
		s += d.stateBytes()
	}
	return s
}

func (g *GroupAggregate) recordStateSize() {
	if g.ctx != nil && g.ctx.Metrics != nil {
		g.ctx.Metrics.StateSizeBytes.Store(g.stateBytes())
	}
}

// ProcessWatermark forwards the watermark (group aggregates hold no timers).
func (g *GroupAggregate) ProcessWatermark(wm int64) error { return g.out.EmitWatermark(wm) }

const groupAggStateVersion = 1

// SnapshotState serializes every group (layout in the type's comment).
func (g *GroupAggregate) SnapshotState(int64) ([]byte, error) {
	buf := make([]byte, 0, 64+g.stateBytes())
	buf = append(buf, groupAggStateVersion)
	buf = appendUvarint(buf, uint64(len(g.keyCols)))
	buf = appendUvarint(buf, uint64(len(g.accs)))
	buf = appendUvarint(buf, uint64(len(g.distinct)))
	buf = appendUvarint(buf, uint64(g.groups))
	for id, live := range g.live {
		if !live {
			continue
		}
		g.keyBuf = g.appendGroupKey(g.keyBuf[:0], int32(id))
		buf = appendBytes(buf, g.keyBuf)
		buf = appendUvarint(buf, uint64(g.keyGroups[id]))
		buf = appendVarint(buf, g.rows[id])
		for _, d := range g.distinct {
			buf = d.encode(buf, int32(id))
		}
		for _, a := range g.accs {
			buf = a.encode(buf, int32(id))
		}
	}
	return buf, nil
}

func (g *GroupAggregate) restore(state []byte) error {
	r := &stateReader{b: state}
	filter := g.ctx.MaxParallel > 0 && g.ctx.Parallelism > 0 && len(g.keyCols) > 0
	var lo, hi int
	if filter {
		lo, hi = runtime.KeyGroupRange(g.ctx.Subtask, g.ctx.MaxParallel, g.ctx.Parallelism)
	}
	for !r.empty() {
		if v := r.byte(); v != groupAggStateVersion {
			return fmt.Errorf("%w: group aggregate state version %d", errCorruptState, v)
		}
		nk, nc, nd := r.uvarint(), r.uvarint(), r.uvarint()
		if r.err == nil && (nk != uint64(len(g.keyCols)) || nc != uint64(len(g.accs)) || nd != uint64(len(g.distinct))) {
			return fmt.Errorf("operators: restored group aggregate state has %d keys, %d calls, %d distinct filters; the query has %d, %d, %d",
				nk, nc, nd, len(g.keyCols), len(g.accs), len(g.distinct))
		}
		n := r.count()
		for i := 0; i < n && r.err == nil; i++ {
			key := r.bytes()
			kg := int32(r.uvarint())
			rows := r.varint()
			if r.err != nil {
				break
			}
			id, err := g.restoreGroup(key, kg)
			if err != nil {
				return err
			}
			g.rows[id] = rows
			for _, d := range g.distinct {
				d.decode(r, id)
			}
			for _, a := range g.accs {
				a.decode(r, id)
			}
			if filter && (int(kg) < lo || int(kg) > hi) {
				g.removeGroup(id)
			}
		}
	}
	return r.err
}

// NotifyCheckpointComplete does nothing.
func (g *GroupAggregate) NotifyCheckpointComplete(int64) error { return nil }

// Finish does nothing: every batch was flushed when processed.
func (g *GroupAggregate) Finish() error { return nil }

// Close drops the state.
func (g *GroupAggregate) Close() error {
	g.index = nil
	return nil
}
