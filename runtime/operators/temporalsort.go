package operators

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/cockroachdb/apd/v3"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// TemporalSort is Flink's streaming sort on a time attribute ascending
// (StreamExecTemporalSort) over an insert-only input, run with parallelism
// 1 behind a global exchange.
//
// Over a rowtime (RowTimeSortOperator) rows wait in keyed state until the
// watermark passes their time, then leave in time order, rows of one
// millisecond in the order of the secondary sort keys (ties in arrival
// order). Rows whose time the watermark has already passed are late:
// dropped and counted; rows with a NULL time are dropped. The final
// watermark at end of input emits every pending row.
//
// Over a proctime (ProcTimeSortOperator) a row is due when it arrives: each
// input batch (the rows that arrived together) leaves at once, sorted by
// the secondary keys. Nothing waits, so nothing is kept in state.
//
// # State
//
// Everything is in key group 0 (the operator has one subtask). Per pending
// millisecond, under the key of that millisecond (8 bytes, big-endian,
// order-preserving), a ListState "rows" of entries: uvarint length and the
// secondary sort key (appendSortKey), then the row (keyEncoder encoding of
// every column), in arrival order. Under the empty key, ValueState
// "watermark" holds the latest watermark (8 bytes, little-endian), so a
// restored operator still drops what was late before the failure and never
// emits a row behind one it already emitted; the final watermark (end of
// input, or a drain before a savepoint) is kept as the latest time it
// emitted instead, as Flink keeps the last triggered time, so a job
// restored from a drained savepoint takes the rows after it. The pending
// milliseconds are indexed in memory and rebuilt from "rows" in Open.
type TemporalSort struct {
	timeCol  int
	procTime bool
	sortKeys []SortKey // the secondary keys (after the time attribute)
	inTypes  []*types.Type

	keyedBase
	out       runtime.Output
	rows      state.ListState
	wmState   state.ValueState
	rowEnc    keyEncoder
	tmp       apd.Decimal
	watermark int64
	kept      int64   // the watermark as "watermark" state holds it
	lastFired int64   // the latest millisecond emitted
	pending   []int64 // pending milliseconds, ascending

	keyBuf  [8]byte // state key of a millisecond (timeKey)
	skBuf   []byte
	valBuf  []byte
	due     []sortEntry
	arena   byteArena
	sel     []int32
	outVecs []*types.Vector
}

// sortEntry is one buffered row: its secondary sort key and its encoding
// (a due row of a rowtime sort), or its row index (a proctime batch).
type sortEntry struct {
	key []byte
	row []byte
	idx int32
}

var _ runtime.Operator = (*TemporalSort)(nil)

// NewTemporalSort returns the factory of a temporal sort over inTypes on
// the time attribute column timeCol (TIMESTAMP(3) or TIMESTAMP_LTZ(3), µs),
// a processing-time attribute when procTime, then the secondary keys.
func NewTemporalSort(timeCol int, procTime bool, secondary []SortKey, inTypes []*types.Type) func(int, int) (runtime.Operator, error) {
	return func(int, int) (runtime.Operator, error) {
		for _, k := range secondary {
			if k.Col < 0 || k.Col >= len(inTypes) {
				return nil, fmt.Errorf("operators: temporal sort key column %d out of range", k.Col)
			}
		}
		all := make([]int, len(inTypes))
		for i := range all {
			all[i] = i
		}
		return &TemporalSort{timeCol: timeCol, procTime: procTime, sortKeys: secondary, inTypes: inTypes,
			rowEnc: keyEncoder{cols: all}, watermark: runtime.MinWatermark, kept: runtime.MinWatermark, lastFired: runtime.MinWatermark}, nil
	}
}

// Open registers the states, reads the restored watermark and rebuilds the
// index of pending milliseconds.
func (s *TemporalSort) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	s.out = out
	if err := s.openKeyed(ctx, "TemporalSort"); err != nil {
		return err
	}
	for _, t := range s.inTypes {
		s.outVecs = append(s.outVecs, types.NewVector(t, types.DefaultBatchSize))
	}
	if s.procTime {
		return nil
	}
	// Rows wait for the watermark, not for a state TTL (as in Flink, whose
	// sort operators do not use table.exec.state.ttl).
	var err error
	if s.rows, err = s.backend.RegisterList(state.Descriptor{Name: "rows", TTL: -1}); err != nil {
		return err
	}
	if s.wmState, err = s.backend.RegisterValue(state.Descriptor{Name: "watermark", TTL: -1}); err != nil {
		return err
	}
	if !s.ownsKeyGroup0() {
		return nil
	}
	s.backend.SetCurrentKey(0, nil)
	v, ok, err := s.wmState.Value()
	if err != nil {
		return err
	}
	if ok {
		if len(v) != 8 {
			return fmt.Errorf("operators: temporal sort %s: %w", ctx.OperatorID, errCorruptState)
		}
		s.watermark = int64(binary.LittleEndian.Uint64(v))
		s.kept, s.lastFired = s.watermark, s.watermark
	}
	err = s.backend.Keys("rows", func(kg int, key []byte) bool {
		if kg == 0 && len(key) == 8 {
			s.pending = append(s.pending, timeOfKey(key))
		}
		return true
	})
	slices.Sort(s.pending)
	return err
}

// ownsKeyGroup0 reports whether this subtask holds the operator's state
// (a restore at a higher parallelism gives it to subtask 0 only).
func (s *TemporalSort) ownsKeyGroup0() bool {
	start, _ := s.backend.KeyGroupRange()
	return start == 0
}

// ProcessBatch buffers the rows (rowtime) or emits the batch sorted
// (proctime).
func (s *TemporalSort) ProcessBatch(_ int, b *types.Batch) error {
	if b.Len == 0 {
		return nil
	}
	for i := 0; i < b.Len; i++ {
		if b.Kind(i) != types.Insert {
			return fmt.Errorf("operators: temporal sort %s received a change (%s); its input must be insert-only", s.ctx.OperatorID, b.Kind(i))
		}
	}
	if s.procTime {
		return s.sortBatch(b)
	}
	tc := b.Cols[s.timeCol]
	cur, have := int64(0), false
	for i := 0; i < b.Len; i++ {
		if tc.IsNull(i) {
			continue
		}
		t := floorDiv(tc.Ints[i], 1000)
		if t <= s.watermark {
			if s.ctx.Metrics != nil {
				s.ctx.Metrics.LateRecords.Add(1)
			}
			continue
		}
		if !have || t != cur {
			cur, have = t, true
			timeKey(s.keyBuf[:], t)
			s.backend.SetCurrentKey(0, s.keyBuf[:])
			if j, found := slices.BinarySearch(s.pending, t); !found {
				s.pending = slices.Insert(s.pending, j, t)
			}
		}
		var err error
		if s.skBuf, err = appendSortKey(s.skBuf[:0], s.sortKeys, b, i, &s.tmp); err != nil {
			return err
		}
		s.valBuf = binary.AppendUvarint(s.valBuf[:0], uint64(len(s.skBuf)))
		s.valBuf = append(s.valBuf, s.skBuf...)
		s.valBuf = append(s.valBuf, s.rowEnc.encode(b, i)...)
		if err := s.rows.Add(s.valBuf); err != nil {
			return err
		}
	}
	s.recordStateSize()
	return nil
}

// sortBatch emits b's rows in the order of the secondary keys.
func (s *TemporalSort) sortBatch(b *types.Batch) error {
	if len(s.sortKeys) == 0 {
		return s.out.Emit(b)
	}
	s.due = s.due[:0]
	s.arena.reset()
	for i := 0; i < b.Len; i++ {
		var err error
		if s.skBuf, err = appendSortKey(s.skBuf[:0], s.sortKeys, b, i, &s.tmp); err != nil {
			return err
		}
		s.due = append(s.due, sortEntry{key: s.arena.keep(s.skBuf), idx: int32(i)})
	}
	slices.SortStableFunc(s.due, compareSortEntries)
	s.sel = s.sel[:0]
	for _, e := range s.due {
		s.sel = append(s.sel, e.idx)
	}
	ob := &types.Batch{Cols: make([]*types.Vector, len(b.Cols)), Len: b.Len}
	for c, v := range b.Cols {
		ob.Cols[c] = types.NewVector(v.Type, b.Len)
		gather(ob.Cols[c], v, s.sel)
	}
	return s.out.Emit(ob)
}

func compareSortEntries(a, b sortEntry) int { return bytes.Compare(a.key, b.key) }

// ProcessWatermark emits the rows the watermark has passed, then forwards it.
func (s *TemporalSort) ProcessWatermark(wm int64) error {
	if s.procTime || wm <= s.watermark {
		return s.out.EmitWatermark(wm)
	}
	s.watermark = wm
	for len(s.pending) > 0 && s.pending[0] <= wm {
		t := s.pending[0]
		s.pending = s.pending[1:]
		if err := s.fire(t); err != nil {
			return err
		}
		s.lastFired = t
	}
	if err := s.flush(); err != nil {
		return err
	}
	keep := wm
	if wm == runtime.MaxWatermark {
		keep = max(s.kept, s.lastFired)
	}
	if s.ownsKeyGroup0() && keep != s.kept {
		s.kept = keep
		s.backend.SetCurrentKey(0, nil)
		s.valBuf = binary.LittleEndian.AppendUint64(s.valBuf[:0], uint64(keep))
		if err := s.wmState.Update(s.valBuf); err != nil {
			return err
		}
	}
	s.recordStateSize()
	return s.out.EmitWatermark(wm)
}

// fire emits the rows of millisecond t sorted by the secondary keys and
// clears them.
func (s *TemporalSort) fire(t int64) error {
	timeKey(s.keyBuf[:], t)
	s.backend.SetCurrentKey(0, s.keyBuf[:])
	s.due = s.due[:0]
	s.arena.reset()
	var bad bool
	err := s.rows.Get(func(v []byte) bool {
		key, row, err := uvarintBytes(s.arena.keep(v))
		if err != nil {
			bad = true
			return false
		}
		s.due = append(s.due, sortEntry{key: key, row: row})
		return true
	})
	if err != nil {
		return err
	}
	if bad {
		return fmt.Errorf("operators: temporal sort %s: %w", s.ctx.OperatorID, errCorruptState)
	}
	if len(s.sortKeys) > 0 {
		slices.SortStableFunc(s.due, compareSortEntries)
	}
	for _, e := range s.due {
		if err := s.emit(e.row); err != nil {
			return err
		}
	}
	return s.rows.Clear()
}

// emit appends a stored row to the output, flushing full batches.
func (s *TemporalSort) emit(row []byte) error {
	rest := row
	var err error
	for _, v := range s.outVecs {
		if rest, err = decodeKeyValue(v, rest); err != nil {
			return fmt.Errorf("operators: temporal sort %s: stored row: %w", s.ctx.OperatorID, err)
		}
	}
	if s.outVecs[0].Len >= types.DefaultBatchSize {
		return s.flush()
	}
	return nil
}

func (s *TemporalSort) flush() error {
	if len(s.outVecs) == 0 {
		return nil
	}
	n := s.outVecs[0].Len
	if n == 0 {
		return nil
	}
	ob := &types.Batch{Cols: make([]*types.Vector, len(s.outVecs)), Len: n}
	for c, v := range s.outVecs {
		ob.Cols[c] = types.NewVector(v.Type, n)
		ob.Cols[c].AppendRange(v, 0, n)
		v.Reset()
	}
	return s.out.Emit(ob)
}

// SnapshotState returns nil: everything is in the keyed state backend.
func (s *TemporalSort) SnapshotState(int64) ([]byte, error) { return nil, nil }

// NotifyCheckpointComplete does nothing.
func (s *TemporalSort) NotifyCheckpointComplete(int64) error { return nil }

// Finish does nothing: the final watermark has emitted every row.
func (s *TemporalSort) Finish() error { return nil }

// Close closes the backend when Open created it.
func (s *TemporalSort) Close() error { return s.closeBackend() }
