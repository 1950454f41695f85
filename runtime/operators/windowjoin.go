package operators

import (
	"errors"
	"fmt"
	"hash/maphash"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// WindowJoin is Flink's window join (WindowJoinOperator) of two append-only
// inputs that carry the window_start and window_end of the same window:
// input 0 is the left side, input 1 the right side, both hash-partitioned by
// their key columns (the equi-join keys, then window_start and window_end).
// Rows are buffered per key and window until the watermark passes the
// window's end (window_end - 1 ≤ watermark); then the window's rows of both
// sides are joined once and emitted as +I, and the window's state is freed:
//
//	inner      every matching (left, right) pair
//	left/right/full
//	           the pairs, and every row of an outer side without a match
//	           padded with NULLs for the other side
//	semi/anti  every left row with at least one match (without any);
//	           left columns only
//
// A pair matches when the join keys are equal and not NULL and the residual
// condition (over the joined row) is true. Rows whose join key holds a NULL
// never match: an outer side (and the left side of an anti join) keeps them
// to emit them at the window's end; other sides drop them at once. Rows of a
// window that has already fired are late: they are dropped and counted in
// OperatorMetrics.LateRecords. The output is append-only.
//
// # State
//
// Keyed by the encoded key columns (keyEncoder format: the join keys, then
// window_start and window_end, so the window is part of the key), in the key
// group of the columns' hash (the hash the exchange partitions by). Per key
// and window: ListStates "left" and "right" with each side's rows in
// arrival order (one element per input batch: its rows of the key, each in
// keyEncoder format over all columns, concatenated), and a ValueState
// "pending" (one byte) that marks the window as scheduled. The states never
// expire by TTL (like Flink's window operators): firing frees them. Pending
// windows are indexed in memory (window end → keys) and rebuilt in Open
// from the keys of "pending", so a restore at any parallelism fires every
// restored window once, in the subtask that owns its key group.
// SnapshotState returns nil; the runtime snapshots the backend.
type WindowJoin struct {
	jt       JoinType
	keys     [2][]int // key columns of each side; the last two are window_start, window_end
	nJoin    int      // the first nJoin key columns are the equi-join keys
	types    [2][]*types.Type
	outTypes []*types.Type
	residual expr.Expr
	ev       *expr.Evaluator
	outer    [2]bool // the side's unmatched rows are emitted (padded, or anti-joined)

	keyedBase
	out     runtime.Output
	rows    [2]state.ListState
	pending state.ValueState

	keyEnc    [2]keyEncoder
	rowEnc    [2]keyEncoder
	bk        batchKeys
	arena     []byte // the encoded rows of one key of a batch
	watermark int64
	timers    windowTimers

	// firing: the key's decoded columns and both sides' rows
	keyVecs   []*types.Vector
	side      [2][]*types.Vector
	bcast     []*types.Vector // a left row repeated per right row, for the residual
	match     []bool
	rmatched  []bool
	evalBatch types.Batch

	outVecs []*types.Vector
	nOut    int
}

var _ runtime.Operator = (*WindowJoin)(nil)

var errWindowJoinClosed = errors.New("operators: window join used before Open or after Close")

// pendingMark is the value of the "pending" state.
var pendingMark = []byte{1}

// NewWindowJoin returns the factory of a window join of leftTypes and
// rightTypes rows. leftKeys and rightKeys are each side's key columns: the
// first numJoinKeys are the equi-join keys (leftKeys[i] = rightKeys[i],
// same physical types), then window_start and window_end (TIMESTAMP(3),
// µs). residual (over the joined row, nil for none) further decides which
// pairs match.
func NewWindowJoin(jt JoinType, leftKeys, rightKeys []int, numJoinKeys int, leftTypes, rightTypes []*types.Type, residual expr.Expr) func(int, int) (runtime.Operator, error) {
	return func(int, int) (runtime.Operator, error) {
		if len(leftKeys) != len(rightKeys) || numJoinKeys < 0 || len(leftKeys) != numJoinKeys+2 {
			return nil, fmt.Errorf("operators: window join needs the join keys then window_start and window_end on both sides (%d and %d keys, %d join keys)",
				len(leftKeys), len(rightKeys), numJoinKeys)
		}
		j := &WindowJoin{jt: jt, keys: [2][]int{leftKeys, rightKeys}, nJoin: numJoinKeys,
			types: [2][]*types.Type{leftTypes, rightTypes}, residual: residual, watermark: runtime.MinWatermark}
		for i := range leftKeys {
			l, r := leftTypes[leftKeys[i]], rightTypes[rightKeys[i]]
			if !l.Equal(r, true) || l.Scale != r.Scale {
				return nil, fmt.Errorf("operators: window join key %d has types %s and %s; cast them to one type", i, l, r)
			}
		}
		for s := range 2 {
			if t := j.types[s][j.keys[s][len(leftKeys)-1]]; t.Kind.Physical() != types.PhysInt64 {
				return nil, fmt.Errorf("operators: window join: window_end column is %s", t)
			}
		}
		semi := jt == SemiJoin || jt == AntiJoin
		j.outer = [2]bool{jt == LeftJoin || jt == FullJoin || jt == AntiJoin, jt == RightJoin || jt == FullJoin}
		for s := range 2 {
			j.keyEnc[s] = keyEncoder{cols: j.keys[s]}
			all := make([]int, len(j.types[s]))
			for i := range all {
				all[i] = i
			}
			j.rowEnc[s] = keyEncoder{cols: all}
			for _, t := range j.types[s] {
				j.side[s] = append(j.side[s], types.NewVector(t, 16))
				if s == 0 || !semi {
					ot := t
					if !semi {
						ot = t.WithNullable(true)
					}
					j.outTypes = append(j.outTypes, ot)
				}
			}
		}
		for _, t := range j.types[0] {
			j.bcast = append(j.bcast, types.NewVector(t, 16))
		}
		for _, c := range leftKeys {
			j.keyVecs = append(j.keyVecs, types.NewVector(leftTypes[c], 1))
		}
		if residual != nil {
			ev, err := expr.Compile(residual)
			if err != nil {
				return nil, err
			}
			j.ev = ev
		}
		j.bk.seed = maphash.MakeSeed()
		return j, nil
	}
}

// Open obtains the keyed state backend, registers the states and rebuilds
// the pending windows from the restored ones.
func (j *WindowJoin) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	j.out = out
	if err := j.openKeyed(ctx, "window join"); err != nil {
		return err
	}
	var err error
	for s, name := range [2]string{"left", "right"} {
		if j.rows[s], err = j.backend.RegisterList(state.Descriptor{Name: name, TTL: -1}); err != nil {
			return err
		}
	}
	if j.pending, err = j.backend.RegisterValue(state.Descriptor{Name: "pending", TTL: -1}); err != nil {
		return err
	}
	for _, t := range j.outTypes {
		j.outVecs = append(j.outVecs, types.NewVector(t, types.DefaultBatchSize))
	}
	var derr error
	err = j.backend.Keys("pending", func(kg int, key []byte) bool {
		end, err := j.decodeKey(key)
		if err != nil {
			derr = fmt.Errorf("operators: window join %s: restored key: %w", ctx.OperatorID, err)
			return false
		}
		j.timers.schedule(end, kg, key)
		return true
	})
	if err == nil {
		err = derr
	}
	j.recordStateSize()
	return err
}

// decodeKey decodes an encoded key into j.keyVecs and returns its window
// end (µs).
func (j *WindowJoin) decodeKey(key []byte) (int64, error) {
	b := key
	var err error
	for _, v := range j.keyVecs {
		v.Reset()
		if b, err = decodeKeyValue(v, b); err != nil {
			return 0, err
		}
	}
	if v := j.keyVecs[len(j.keyVecs)-1]; !v.IsNull(0) && len(b) == 0 {
		return v.Ints[0], nil
	}
	return 0, errCorruptKey
}

// ProcessBatch buffers the rows of one side under their key and window;
// nothing is emitted.
func (j *WindowJoin) ProcessBatch(input int, b *types.Batch) error {
	if j.backend == nil {
		return errWindowJoinClosed
	}
	if input != 0 && input != 1 {
		return fmt.Errorf("operators: window join %s: input %d", j.ctx.OperatorID, input)
	}
	if b.Len == 0 {
		return nil
	}
	for r := range b.Kinds {
		if b.Kinds[r] != types.Insert {
			return fmt.Errorf("operators: window join %s: the input must be append-only, got %s", j.ctx.OperatorID, b.Kinds[r])
		}
	}
	s := input
	j.bk.group(b, &j.keyEnc[s], false)
	ends := b.Cols[j.keys[s][len(j.keys[s])-1]]
	var err error
	for k := range j.bk.n {
		rows := j.bk.rowsOf(int32(k))
		first := int(rows[0])
		if ends.IsNull(first) {
			return fmt.Errorf("operators: window join %s: NULL window_end", j.ctx.OperatorID)
		}
		end := ends.Ints[first]
		if fired(end, j.watermark) {
			if j.ctx.Metrics != nil {
				j.ctx.Metrics.LateRecords.Add(int64(len(rows)))
			}
			continue
		}
		if !j.outer[s] && j.nullKey(b, s, first) {
			continue // never matches and is never emitted
		}
		if err = j.buffer(s, b, int32(k), rows, end); err != nil {
			break
		}
	}
	j.recordStateSize()
	return err
}

// nullKey reports whether the join key of row r of side s holds a NULL.
func (j *WindowJoin) nullKey(b *types.Batch, s, r int) bool {
	for _, c := range j.keys[s][:j.nJoin] {
		if b.Cols[c].IsNull(r) {
			return true
		}
	}
	return false
}

// buffer appends rows (all of key k of the grouped batch) to side s's state
// and schedules the window when it is new.
func (j *WindowJoin) buffer(s int, b *types.Batch, k int32, rows []int32, end int64) error {
	kg := runtime.KeyGroupOf(runtime.HashKey(b.Cols, j.keys[s], int(rows[0])), j.maxPar)
	key := j.bk.key(k)
	j.backend.SetCurrentKey(kg, key)
	_, scheduled, err := j.pending.Value()
	if err != nil {
		return err
	}
	if !scheduled {
		if err := j.pending.Update(pendingMark); err != nil {
			return err
		}
		j.timers.schedule(end, kg, key)
	}
	// One list element per key and batch: the rows, concatenated.
	j.arena = j.arena[:0]
	for _, r := range rows {
		j.arena = append(j.arena, j.rowEnc[s].encode(b, int(r))...)
	}
	return j.rows[s].Add(j.arena)
}

// ProcessWatermark fires every window that ends at or before the watermark,
// in window-end order, then forwards the watermark.
func (j *WindowJoin) ProcessWatermark(wm int64) error {
	if j.backend == nil {
		return errWindowJoinClosed
	}
	if wm > j.watermark {
		j.watermark = wm
	}
	err := j.timers.fireDue(j.watermark, j.fireKey)
	if err == nil {
		err = j.flush()
	}
	j.recordStateSize()
	if err != nil {
		return err
	}
	return j.out.EmitWatermark(wm)
}

// fireKey joins the rows of one key and window, emits the result and
// frees the window's state.
func (j *WindowJoin) fireKey(kg int, key []byte) error {
	if _, err := j.decodeKey(key); err != nil {
		return fmt.Errorf("operators: window join %s: key: %w", j.ctx.OperatorID, err)
	}
	nullKey := false
	for _, v := range j.keyVecs[:j.nJoin] {
		nullKey = nullKey || v.IsNull(0)
	}
	j.backend.SetCurrentKey(kg, key)
	var n [2]int
	for s := range 2 {
		var err error
		if n[s], err = j.load(s); err != nil {
			return err
		}
	}
	// Which pairs match, left row by left row.
	j.rmatched = resize(j.rmatched, n[1])
	clear(j.rmatched)
	for l := range n[0] {
		anyMatch := false
		if !nullKey && n[1] > 0 {
			if err := j.evalMatches(l, n[1]); err != nil {
				return err
			}
			for r, m := range j.match {
				if !m {
					continue
				}
				anyMatch = true
				j.rmatched[r] = true
				if j.jt == SemiJoin || j.jt == AntiJoin {
					break
				}
				if err := j.emitPair(l, r); err != nil {
					return err
				}
			}
		}
		switch {
		case j.jt == SemiJoin && anyMatch, j.jt == AntiJoin && !anyMatch:
			if err := j.emitLeft(l, false); err != nil {
				return err
			}
		case j.jt == LeftJoin && !anyMatch, j.jt == FullJoin && !anyMatch:
			if err := j.emitLeft(l, true); err != nil {
				return err
			}
		}
	}
	if j.outer[1] {
		for r := range n[1] {
			if !j.rmatched[r] {
				if err := j.emitRightPadded(r); err != nil {
					return err
				}
			}
		}
	}
	for s := range 2 {
		if err := j.rows[s].Clear(); err != nil {
			return err
		}
	}
	return j.pending.Clear()
}

// load decodes side s's rows of the current key into j.side[s] and returns
// their number.
func (j *WindowJoin) load(s int) (int, error) {
	vecs := j.side[s]
	for _, v := range vecs {
		v.Reset()
	}
	n := 0
	var derr error
	err := j.rows[s].Get(func(e []byte) bool {
		for rest := e; len(rest) > 0; n++ {
			for _, v := range vecs {
				if rest, derr = decodeKeyValue(v, rest); derr != nil {
					return false
				}
			}
		}
		return true
	})
	if err == nil && derr != nil {
		err = fmt.Errorf("operators: window join %s: the state does not match the joined tables (or is corrupt): %w: %w", j.ctx.OperatorID, errCorruptState, derr)
	}
	return n, err
}

// evalMatches sets j.match[r] for every right row r of the current key
// against left row l.
func (j *WindowJoin) evalMatches(l, n int) error {
	j.match = resize(j.match, n)
	if j.ev == nil {
		for r := range j.match {
			j.match[r] = true
		}
		return nil
	}
	eb := &j.evalBatch
	eb.Len, eb.Kinds = n, nil
	eb.Cols = eb.Cols[:0]
	for i, v := range j.side[0] {
		bv := j.bcast[i]
		bv.Reset()
		for range n {
			bv.AppendFrom(v, l)
		}
		eb.Cols = append(eb.Cols, bv)
	}
	eb.Cols = append(eb.Cols, j.side[1]...)
	res, err := j.ev.Eval(eb)
	if err != nil {
		return err
	}
	for r := range n {
		j.match[r] = res.Bools[r] && !res.IsNull(r)
	}
	return nil
}

func (j *WindowJoin) emitPair(l, r int) error {
	nl := len(j.side[0])
	for i, v := range j.side[0] {
		j.outVecs[i].AppendFrom(v, l)
	}
	for i, v := range j.side[1] {
		j.outVecs[nl+i].AppendFrom(v, r)
	}
	return j.rowDone()
}

// emitLeft emits left row l, padded with NULLs for the right side when pad.
func (j *WindowJoin) emitLeft(l int, pad bool) error {
	nl := len(j.side[0])
	for i, v := range j.side[0] {
		j.outVecs[i].AppendFrom(v, l)
	}
	if pad {
		for i := range j.side[1] {
			j.outVecs[nl+i].AppendNull()
		}
	}
	return j.rowDone()
}

func (j *WindowJoin) emitRightPadded(r int) error {
	nl := len(j.side[0])
	for i := range j.side[0] {
		j.outVecs[i].AppendNull()
	}
	for i, v := range j.side[1] {
		j.outVecs[nl+i].AppendFrom(v, r)
	}
	return j.rowDone()
}

func (j *WindowJoin) rowDone() error {
	j.nOut++
	if j.nOut >= types.DefaultBatchSize {
		return j.flush()
	}
	return nil
}

// flush emits the rows collected so far as one insert-only batch.
func (j *WindowJoin) flush() error {
	n := j.nOut
	if n == 0 {
		return nil
	}
	ob := &types.Batch{Cols: make([]*types.Vector, len(j.outVecs)), Len: n}
	for c, v := range j.outVecs {
		ov := types.NewVector(v.Type, n)
		ov.AppendRange(v, 0, n)
		ob.Cols[c] = ov
		v.Reset()
	}
	j.nOut = 0
	return j.out.Emit(ob)
}

// SnapshotState returns nil: the rows are in the keyed state backend.
func (j *WindowJoin) SnapshotState(int64) ([]byte, error) { return nil, nil }

func (j *WindowJoin) NotifyCheckpointComplete(int64) error { return nil }

// Finish fires nothing: at the end of input the runtime sends the final
// watermark first (MaxWatermark), which fires every window.
func (j *WindowJoin) Finish() error { return nil }

// Close closes the backend when Open created it.
func (j *WindowJoin) Close() error {
	return j.closeBackend()
}
