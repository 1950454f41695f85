package operators

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// TemporalJoinSpec describes an event-time temporal join: an append-only
// left input joined, on LeftKeys = RightKeys, with the version of a
// versioned table (the right input, a changelog keyed by a primary key that
// the right keys include) valid at each left row's rowtime.
type TemporalJoinSpec struct {
	LeftKeys, RightKeys   []int
	LeftTime, RightTime   int // rowtime columns (TIMESTAMP(3) or TIMESTAMP_LTZ(3), µs)
	LeftTypes, RightTypes []*types.Type
	Outer                 bool      // LEFT JOIN: a left row without a version is padded with NULLs
	Residual              expr.Expr // over left ++ right columns; nil: none
}

// TemporalJoin is Flink's event-time temporal join (TemporalRowTimeJoinOperator):
//
//	SELECT ... FROM l [LEFT] JOIN r FOR SYSTEM_TIME AS OF l.rowtime ON l.k = r.k
//
// Input 0 is the left (probe) side, append-only; input 1 is the versioned
// table: every +I/+U row is a new version of its key valid from its
// rowtime, a -D row ends the validity of the key's version at its rowtime,
// -U rows are ignored (the update's +U carries the new version; Flink asks
// the right input for its changes without UPDATE_BEFORE). Both arrive
// hash-partitioned by the join keys.
//
// Left rows wait in state until the watermark (the minimum of both inputs)
// passes their rowtime; then each joins with the latest version of its key
// whose rowtime is at or before its own (if that version is a deletion, or
// there is none, or the residual condition fails: INNER drops the row, LEFT
// emits it padded with NULLs). Output rows are the left columns then the
// right columns, all +I, emitted before the watermark that released them.
// A left row that arrives with a rowtime the watermark has already passed
// is not dropped: it joins at the next watermark against the versions still
// in state, as in Flink. Versions are cleaned as the watermark passes: per
// key only the latest version at or before the watermark is kept (dropped
// too when it is a deletion), with every newer one. Left rows whose join key
// or rowtime is NULL never match (LEFT emits them padded at once); right
// rows with a NULL key or rowtime are ignored.
//
// # State
//
// Keyed by the encoded join key (keyEncoder format) in the key group of its
// hash (as the exchange partitions). Per key:
//
//   - "left" MapState: 8-byte order-preserving rowtime (ms) and an 8-byte
//     sequence number → the left row (keyEncoder encoding of all columns).
//   - "right" MapState: 8-byte order-preserving rowtime (ms) → 1 byte (1 a
//     version, 0 a deletion), then for a version the right row (keyEncoder
//     encoding of all columns). A later row with the same rowtime replaces
//     the earlier one, as in Flink.
//   - "timer" ValueState: the rowtime (ms, 8 bytes little endian) at which
//     the key is next due (its earliest waiting left row, or the version
//     after the latest one the watermark passed, whose arrival makes that one
//     obsolete), like Flink's registered timer.
//
// Due keys are indexed in memory (windowTimers) and rebuilt in Open from
// the "timer" state, so restores at any parallelism fire every key.
// SnapshotState returns nil; the runtime snapshots the backend.
type TemporalJoin struct {
	spec     TemporalJoinSpec
	outTypes []*types.Type
	ev       *expr.Evaluator

	keyedBase
	out       runtime.Output
	left      state.MapState
	right     state.MapState
	timer     state.ValueState
	keyEnc    [2]keyEncoder
	rowEnc    [2]keyEncoder
	timers    windowTimers
	watermark int64
	seq       uint64

	mapKey  [16]byte
	valBuf  []byte
	tsBuf   [8]byte
	curKey  []byte
	arena   byteArena
	due     []tjLeft
	vers    []tjVersion
	removed [][]byte

	// per fired key: the due left rows decoded, and each one's version
	// (or NULLs), for the residual and the output
	lrows     []*types.Vector
	rrows     []*types.Vector
	verRows   []*types.Vector // decoded versions of the key, time order
	verIdx    []int32         // per version: its row in verRows, -1 deletion
	pair      []int32         // per due left row: the version row, -1 none
	evalBatch types.Batch

	outVecs []*types.Vector
}

// tjLeft is a waiting left row of the key being fired.
type tjLeft struct {
	key []byte // map key: time and sequence number
	t   int64
	row []byte
}

// tjVersion is a version of the key being fired.
type tjVersion struct {
	key []byte // map key
	t   int64
	row []byte // nil for a deletion
}

var _ runtime.Operator = (*TemporalJoin)(nil)

// NewTemporalJoin returns the factory of an event-time temporal join.
func NewTemporalJoin(spec TemporalJoinSpec) func(int, int) (runtime.Operator, error) {
	return func(int, int) (runtime.Operator, error) {
		if len(spec.LeftKeys) == 0 || len(spec.LeftKeys) != len(spec.RightKeys) {
			return nil, fmt.Errorf("operators: temporal join needs equal, non-empty key lists (%d and %d keys)", len(spec.LeftKeys), len(spec.RightKeys))
		}
		for i := range spec.LeftKeys {
			l, r := spec.LeftTypes[spec.LeftKeys[i]], spec.RightTypes[spec.RightKeys[i]]
			if l.Kind.Physical() != r.Kind.Physical() || l.Scale != r.Scale {
				return nil, fmt.Errorf("operators: temporal join key %d has types %s and %s; cast them to one type", i, l, r)
			}
		}
		for s, c := range [2]int{spec.LeftTime, spec.RightTime} {
			ts := [2][]*types.Type{spec.LeftTypes, spec.RightTypes}[s]
			if c < 0 || c >= len(ts) || ts[c].Kind.Physical() != types.PhysInt64 {
				return nil, fmt.Errorf("operators: temporal join: time column %d of input %d is not a timestamp", c, s)
			}
		}
		j := &TemporalJoin{spec: spec, watermark: runtime.MinWatermark}
		for s, ts := range [2][]*types.Type{spec.LeftTypes, spec.RightTypes} {
			j.keyEnc[s] = keyEncoder{cols: [2][]int{spec.LeftKeys, spec.RightKeys}[s]}
			all := make([]int, len(ts))
			for i := range all {
				all[i] = i
			}
			j.rowEnc[s] = keyEncoder{cols: all}
		}
		for _, t := range spec.LeftTypes {
			j.outTypes = append(j.outTypes, t)
			j.lrows = append(j.lrows, types.NewVector(t, 16))
		}
		for _, t := range spec.RightTypes {
			if spec.Outer {
				j.outTypes = append(j.outTypes, t.WithNullable(true))
			} else {
				j.outTypes = append(j.outTypes, t)
			}
			// NULLs stand for the missing version of a row.
			j.rrows = append(j.rrows, types.NewVector(t.WithNullable(true), 16))
			j.verRows = append(j.verRows, types.NewVector(t.WithNullable(true), 16))
		}
		if spec.Residual != nil {
			ev, err := expr.Compile(spec.Residual)
			if err != nil {
				return nil, err
			}
			j.ev = ev
		}
		return j, nil
	}
}

// Open obtains the keyed state backend, registers the states and rebuilds
// the due index from the restored timers.
func (j *TemporalJoin) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	j.out = out
	if err := j.openKeyed(ctx, "temporal join"); err != nil {
		return err
	}
	var err error
	if j.left, err = j.backend.RegisterMap(state.Descriptor{Name: "left"}); err != nil {
		return err
	}
	if j.right, err = j.backend.RegisterMap(state.Descriptor{Name: "right"}); err != nil {
		return err
	}
	if j.timer, err = j.backend.RegisterValue(state.Descriptor{Name: "timer", TTL: -1}); err != nil {
		return err
	}
	if ctx.Clock != nil {
		j.seq = uint64(ctx.Clock.NowMicros()) << 8 // apart from earlier runs' numbers
	}
	for _, t := range j.outTypes {
		j.outVecs = append(j.outVecs, types.NewVector(t, types.DefaultBatchSize))
	}
	var derr error
	err = j.backend.Keys("timer", func(kg int, key []byte) bool {
		j.backend.SetCurrentKey(kg, key)
		v, ok, err := j.timer.Value()
		if err != nil || (ok && len(v) != 8) {
			derr = fmt.Errorf("operators: temporal join %s: restored timer: %w", ctx.OperatorID, errCorruptState)
			if err != nil {
				derr = err
			}
			return false
		}
		if ok {
			j.timers.schedule(dueEnd(int64(binary.LittleEndian.Uint64(v))), kg, key)
		}
		return true
	})
	if err == nil {
		err = derr
	}
	j.recordStateSize()
	return err
}

// dueEnd is the windowTimers end (µs) that fires once the watermark reaches
// t (ms).
func dueEnd(t int64) int64 { return (t + 1) * 1000 }

// timeKey writes the order-preserving encoding of t (ms) into b.
func timeKey(b []byte, t int64) { binary.BigEndian.PutUint64(b, uint64(t)^(1<<63)) }

func timeOfKey(b []byte) int64 { return int64(binary.BigEndian.Uint64(b) ^ (1 << 63)) }

// ProcessBatch stores left rows until the watermark passes them and right
// rows as versions of their keys.
func (j *TemporalJoin) ProcessBatch(input int, b *types.Batch) error {
	if j.backend == nil {
		return errJoinClosed
	}
	if input != 0 && input != 1 {
		return fmt.Errorf("operators: temporal join %s: input %d", j.ctx.OperatorID, input)
	}
	keys, tc := j.spec.LeftKeys, j.spec.LeftTime
	if input == 1 {
		keys, tc = j.spec.RightKeys, j.spec.RightTime
	}
	times := b.Cols[tc]
	for r := 0; r < b.Len; r++ {
		kind := b.Kind(r)
		if input == 0 && !kind.IsAccumulate() {
			return fmt.Errorf("operators: temporal join %s received a retraction on its left input; it must be append-only", j.ctx.OperatorID)
		}
		if input == 1 && kind == types.UpdateBefore {
			continue
		}
		null := times.IsNull(r)
		for _, c := range keys {
			null = null || b.Cols[c].IsNull(r)
		}
		if null {
			if input == 0 && j.spec.Outer {
				j.emitPaddedFrom(b.Cols, r)
			}
			continue
		}
		t := floorDiv(times.Ints[r], 1000)
		kg := runtime.KeyGroupOf(runtime.HashKey(b.Cols, keys, r), j.maxPar)
		j.backend.SetCurrentKey(kg, j.keyEnc[input].encode(b, r))
		if input == 0 {
			j.seq++
			timeKey(j.mapKey[:8], t)
			binary.BigEndian.PutUint64(j.mapKey[8:], j.seq)
			if err := j.left.Put(j.mapKey[:16], j.rowEnc[0].encode(b, r)); err != nil {
				return err
			}
		} else {
			timeKey(j.mapKey[:8], t)
			if kind == types.Delete {
				j.valBuf = append(j.valBuf[:0], 0)
			} else {
				j.valBuf = append(append(j.valBuf[:0], 1), j.rowEnc[1].encode(b, r)...)
			}
			if err := j.right.Put(j.mapKey[:8], j.valBuf); err != nil {
				return err
			}
		}
		if err := j.registerDue(t, kg, j.keyEnc[input].buf); err != nil {
			return err
		}
		if j.outVecs[0].Len >= types.DefaultBatchSize {
			if err := j.flush(); err != nil {
				return err
			}
		}
	}
	j.recordStateSize()
	return j.flush()
}

// registerDue makes the current key due at t unless it already is at or
// before t (Flink's registerSmallestTimer).
func (j *TemporalJoin) registerDue(t int64, kg int, key []byte) error {
	v, ok, err := j.timer.Value()
	if err != nil {
		return err
	}
	if ok && len(v) == 8 && int64(binary.LittleEndian.Uint64(v)) <= t {
		return nil
	}
	binary.LittleEndian.PutUint64(j.tsBuf[:], uint64(t))
	if err := j.timer.Update(j.tsBuf[:]); err != nil {
		return err
	}
	j.timers.schedule(dueEnd(t), kg, key)
	return nil
}

// ProcessWatermark joins the left rows the watermark has passed, cleans
// the versions no future row can need, then forwards the watermark.
func (j *TemporalJoin) ProcessWatermark(wm int64) error {
	if j.backend == nil {
		return errJoinClosed
	}
	if wm > j.watermark {
		j.watermark = wm
	}
	if err := j.timers.fireDue(j.watermark, j.fire); err != nil {
		return err
	}
	if err := j.flush(); err != nil {
		return err
	}
	j.recordStateSize()
	return j.out.EmitWatermark(wm)
}

// fire processes one due key.
func (j *TemporalJoin) fire(kg int, key []byte) error {
	wm := j.watermark
	j.curKey = append(j.curKey[:0], key...)
	j.backend.SetCurrentKey(kg, j.curKey)
	v, ok, err := j.timer.Value()
	if err != nil {
		return err
	}
	if !ok || len(v) != 8 || int64(binary.LittleEndian.Uint64(v)) > wm {
		return nil // an index entry superseded by an earlier or a later due time
	}
	j.arena.reset()
	j.due = j.due[:0]
	next := int64(runtime.MaxWatermark)
	var derr error
	err = j.left.Iterate(func(k, v []byte) bool {
		if len(k) != 16 {
			derr = fmt.Errorf("operators: temporal join %s: left entry key of %d bytes: %w", j.ctx.OperatorID, len(k), errCorruptState)
			return false
		}
		t := timeOfKey(k)
		if t <= wm {
			j.due = append(j.due, tjLeft{key: j.arena.keep(k), t: t, row: j.arena.keep(v)})
		} else {
			next = min(next, t)
		}
		return true
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return err
	}
	if err := j.loadVersions(); err != nil {
		return err
	}
	if len(j.due) > 0 {
		slices.SortFunc(j.due, func(a, b tjLeft) int { return bytes.Compare(a.key, b.key) })
		if err := j.joinDue(); err != nil {
			return err
		}
		for _, l := range j.due {
			if err := j.left.Remove(l.key); err != nil {
				return err
			}
		}
	}
	// Keep the latest version at or before the watermark (unless it is a
	// deletion) and every later one.
	latest := -1
	for i, ver := range j.vers {
		if ver.t > wm {
			next = min(next, ver.t)
			break
		}
		latest = i
	}
	j.removed = j.removed[:0]
	for i := 0; i <= latest; i++ {
		if i < latest || j.vers[i].row == nil {
			j.removed = append(j.removed, j.vers[i].key)
		}
	}
	for _, k := range j.removed {
		if err := j.right.Remove(k); err != nil {
			return err
		}
	}
	if next == runtime.MaxWatermark {
		return j.timer.Clear()
	}
	binary.LittleEndian.PutUint64(j.tsBuf[:], uint64(next))
	if err := j.timer.Update(j.tsBuf[:]); err != nil {
		return err
	}
	j.timers.schedule(dueEnd(next), kg, j.curKey)
	return nil
}

// loadVersions reads the current key's versions in time order.
func (j *TemporalJoin) loadVersions() error {
	j.vers = j.vers[:0]
	var derr error
	err := j.right.Iterate(func(k, v []byte) bool {
		if len(k) != 8 || len(v) == 0 {
			derr = fmt.Errorf("operators: temporal join %s: version entry: %w", j.ctx.OperatorID, errCorruptState)
			return false
		}
		ver := tjVersion{key: j.arena.keep(k), t: timeOfKey(k)}
		if v[0] == 1 {
			ver.row = j.arena.keep(v[1:])
		}
		j.vers = append(j.vers, ver)
		return true
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return err
	}
	slices.SortFunc(j.vers, func(a, b tjVersion) int { return bytes.Compare(a.key, b.key) })
	return nil
}

// joinDue joins the due left rows of the current key (time order) with
// their versions and appends the results to the output.
func (j *TemporalJoin) joinDue() error {
	for _, v := range j.lrows {
		v.Reset()
	}
	for _, v := range j.rrows {
		v.Reset()
	}
	for _, v := range j.verRows {
		v.Reset()
	}
	j.verIdx = j.verIdx[:0]
	for _, ver := range j.vers {
		if ver.row == nil {
			j.verIdx = append(j.verIdx, -1)
			continue
		}
		j.verIdx = append(j.verIdx, int32(j.verRows[0].Len))
		if err := j.decodeRow(j.verRows, ver.row); err != nil {
			return err
		}
	}
	j.pair = j.pair[:0]
	for _, l := range j.due {
		if err := j.decodeRow(j.lrows, l.row); err != nil {
			return err
		}
		// The latest version at or before the row's time.
		i, found := slices.BinarySearchFunc(j.vers, l.t, func(v tjVersion, t int64) int {
			switch {
			case v.t < t:
				return -1
			case v.t > t:
				return 1
			}
			return 0
		})
		if !found {
			i--
		}
		p := int32(-1)
		if i >= 0 {
			p = j.verIdx[i]
		}
		j.pair = append(j.pair, p)
		for c, v := range j.rrows {
			if p < 0 {
				v.AppendNull()
			} else {
				v.AppendFrom(j.verRows[c], int(p))
			}
		}
	}
	n := len(j.due)
	var res *types.Vector
	if j.ev != nil {
		eb := &j.evalBatch
		eb.Len, eb.Kinds = n, nil
		eb.Cols = append(append(eb.Cols[:0], j.lrows...), j.rrows...)
		var err error
		if res, err = j.ev.Eval(eb); err != nil {
			return err
		}
	}
	nl := len(j.lrows)
	for r := range n {
		match := j.pair[r] >= 0 && (res == nil || (res.Bools[r] && !res.IsNull(r)))
		if !match && !j.spec.Outer {
			continue
		}
		for c, v := range j.lrows {
			j.outVecs[c].AppendFrom(v, r)
		}
		for c, v := range j.rrows {
			if match {
				j.outVecs[nl+c].AppendFrom(v, r)
			} else {
				j.outVecs[nl+c].AppendNull()
			}
		}
		if j.outVecs[0].Len >= types.DefaultBatchSize {
			if err := j.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeRow appends a stored row (keyEncoder encoding of every column) to
// vecs.
func (j *TemporalJoin) decodeRow(vecs []*types.Vector, row []byte) error {
	rest := row
	var err error
	for _, v := range vecs {
		if rest, err = decodeKeyValue(v, rest); err != nil {
			return fmt.Errorf("operators: temporal join %s: the state does not match the joined tables (or is corrupt): %w", j.ctx.OperatorID, err)
		}
	}
	return nil
}

// emitPaddedFrom emits row r of the left columns cols with NULLs for the
// right side.
func (j *TemporalJoin) emitPaddedFrom(cols []*types.Vector, r int) {
	nl := len(j.spec.LeftTypes)
	for c := range j.outVecs {
		if c < nl {
			j.outVecs[c].AppendFrom(cols[c], r)
		} else {
			j.outVecs[c].AppendNull()
		}
	}
}

func (j *TemporalJoin) flush() error {
	n := j.outVecs[0].Len
	if n == 0 {
		return nil
	}
	ob := &types.Batch{Cols: make([]*types.Vector, len(j.outVecs)), Len: n}
	for c, v := range j.outVecs {
		ob.Cols[c] = types.NewVector(v.Type, n)
		ob.Cols[c].AppendRange(v, 0, n)
		v.Reset()
	}
	return j.out.Emit(ob)
}

// SnapshotState returns nil: everything is in the keyed state backend.
func (j *TemporalJoin) SnapshotState(int64) ([]byte, error) { return nil, nil }

func (j *TemporalJoin) NotifyCheckpointComplete(int64) error { return nil }

// Finish does nothing: the final watermark has joined every waiting row.
func (j *TemporalJoin) Finish() error { return nil }

// Close closes the backend when Open created it.
func (j *TemporalJoin) Close() error {
	return j.closeBackend()
}
