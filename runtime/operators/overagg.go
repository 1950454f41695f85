package operators

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"slices"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// OverFrame is the frame of an OVER aggregation ordered by a rowtime:
// ROWS BETWEEN n PRECEDING AND CURRENT ROW (Rows, Preceding rows), RANGE
// BETWEEN INTERVAL PRECEDING AND CURRENT ROW (Preceding ms), or UNBOUNDED
// PRECEDING (either kind).
type OverFrame struct {
	Rows      bool
	Unbounded bool
	Preceding int64
}

// OverAggregate is Flink's OverAggregate on event time over an append-only
// input: rows wait in state until the watermark passes their time, then are
// emitted in time order, each with the aggregates of its frame — the rows
// of its partition from the frame's start up to the row itself (RANGE: up
// to every row with the same time). Rows whose time the watermark has
// already passed are late: dropped and counted. Output: the input columns,
// then one column per call; append-only.
//
// # State
//
// Keyed by the partition key (keyEncoder format). "pending" MapState: time
// (8 bytes, order-preserving) and a sequence number → the row (keyEncoder
// encoding of all input columns). Bounded frames keep "history"
// ValueState: uvarint n, then per row its time (8 bytes) and the row
// (uvarint length, bytes), the rows a later frame may still need;
// unbounded frames keep "acc" ValueState: the calls' accumulators. Pending
// times are indexed in memory and rebuilt from "pending" in Open.
type OverAggregate struct {
	partCols []int
	timeCol  int
	frame    OverFrame
	procTime bool
	calls    []AggCall
	inTypes  []*types.Type
	outTypes []*types.Type
	accs     []accumulator

	keyedBase
	clock     runtime.Clock
	out       runtime.Output
	pending   state.MapState
	history   state.ValueState
	accState  state.ValueState
	enc       keyEncoder
	rowEnc    keyEncoder
	keys      batchKeys
	timers    windowTimers
	watermark int64
	seq       uint64

	due     []overRow // pending rows being fired, time order
	fired   byteArena // their keys and rows, and the loaded history
	hist    []overRow
	scratch *types.Batch // decoded frame rows
	rd      stateReader
	buf     []byte
	keyBuf  []byte
	outVecs []*types.Vector
}

// overRow is a row and its time (ms).
type overRow struct {
	key []byte // pending map key (fired rows only)
	t   int64
	row []byte
}

var _ runtime.Operator = (*OverAggregate)(nil)

// NewOverAggregate returns the factory of an OVER aggregation partitioned
// by partCols, ordered by the rowtime column timeCol (TIMESTAMP(3), µs), or
// with procTime by processing time: each batch's rows take the operator
// clock's time when they arrive (ms, never decreasing) and are emitted at
// once, in arrival order; rows arriving in the same millisecond are peers
// of a RANGE frame, as in Flink. Watermarks are then only forwarded.
func NewOverAggregate(partCols []int, timeCol int, frame OverFrame, procTime bool, calls []AggCall, inTypes []*types.Type) func(int, int) (runtime.Operator, error) {
	return func(int, int) (runtime.Operator, error) {
		o := &OverAggregate{partCols: partCols, timeCol: timeCol, frame: frame, procTime: procTime, calls: calls, inTypes: inTypes,
			enc: keyEncoder{cols: partCols}, watermark: runtime.MinWatermark}
		all := make([]int, len(inTypes))
		for i := range all {
			all[i] = i
		}
		o.rowEnc = keyEncoder{cols: all}
		o.outTypes = append([]*types.Type{}, inTypes...)
		for _, c := range calls {
			if c.Distinct {
				return nil, fmt.Errorf("operators: %s(DISTINCT) OVER is not supported yet", c.Kind)
			}
			var argType *types.Type
			if c.Arg >= 0 {
				argType = inTypes[c.Arg]
			}
			a, err := newAccumulator(c, argType, nil, nil)
			if err != nil {
				return nil, err
			}
			o.accs = append(o.accs, a)
			o.outTypes = append(o.outTypes, c.Type)
		}
		o.keys.seed = maphash.MakeSeed()
		return o, nil
	}
}

// Open registers the states and rebuilds the pending index.
func (o *OverAggregate) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	o.ctx, o.out = ctx, out
	var err error
	if err = o.openKeyed(ctx, ""); err != nil {
		return err
	}
	if o.pending, err = o.backend.RegisterMap(state.Descriptor{Name: "pending"}); err != nil {
		return err
	}
	if o.history, err = o.backend.RegisterValue(state.Descriptor{Name: "history"}); err != nil {
		return err
	}
	if o.accState, err = o.backend.RegisterValue(state.Descriptor{Name: "acc"}); err != nil {
		return err
	}
	o.clock = ctx.Clock
	if o.clock == nil {
		o.clock = runtime.SystemClock{}
	}
	o.seq = uint64(o.clock.NowMicros()) << 8 // apart from earlier runs' numbers
	o.scratch = &types.Batch{}
	for _, t := range o.inTypes {
		o.scratch.Cols = append(o.scratch.Cols, types.NewVector(t, 16))
	}
	for _, t := range o.outTypes {
		o.outVecs = append(o.outVecs, types.NewVector(t, types.DefaultBatchSize))
	}
	// Every restored key is checked at the first watermark.
	return o.backend.Keys("pending", func(kg int, key []byte) bool {
		o.timers.schedule(-1<<62, kg, key)
		return true
	})
}

// ProcessBatch puts the rows into their partitions' pending state.
func (o *OverAggregate) ProcessBatch(_ int, b *types.Batch) error {
	if b.Len == 0 {
		return nil
	}
	o.keys.group(b, &o.enc, len(o.partCols) == 0)
	tc := b.Cols[o.timeCol]
	now := int64(0)
	if o.procTime {
		now = o.clock.NowMillis()
		if now <= o.watermark {
			now = o.watermark + 1 // one arrival time per batch, increasing
		}
	}
	for s := range o.keys.n {
		rows := o.keys.rowsOf(int32(s))
		kg := 0
		if len(o.partCols) > 0 {
			kg = runtime.KeyGroupOf(runtime.HashKey(b.Cols, o.partCols, int(rows[0])), o.maxPar)
		}
		key := o.keys.key(int32(s))
		o.backend.SetCurrentKey(kg, key)
		for _, r := range rows {
			if !b.Kind(int(r)).IsAccumulate() {
				return fmt.Errorf("operators: OVER aggregation %s received a retraction; its input must be append-only", o.ctx.OperatorID)
			}
			t := now
			switch {
			case o.procTime:
			case tc.IsNull(int(r)):
				continue
			default:
				t = floorDiv(tc.Ints[r], 1000)
			}
			if o.watermark != runtime.MinWatermark && t <= o.watermark {
				if o.ctx.Metrics != nil {
					o.ctx.Metrics.LateRecords.Add(1)
				}
				continue
			}
			o.seq++
			o.keyBuf = binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(o.keyBuf[:0], uint64(t)^(1<<63)), o.seq)
			if err := o.pending.Put(o.keyBuf, o.rowEnc.encode(b, int(r))); err != nil {
				return err
			}
			o.timers.schedule((t+1)*1000, kg, key)
		}
	}
	if o.procTime {
		// The batch's rows are due at once: fire them as a watermark at
		// their arrival time would, without forwarding one.
		o.watermark = now
		if err := o.fire(); err != nil {
			return err
		}
	}
	o.recordStateSize()
	return nil
}

// ProcessWatermark emits the rows the watermark has passed, then forwards it.
func (o *OverAggregate) ProcessWatermark(wm int64) error {
	if o.procTime {
		return o.out.EmitWatermark(wm)
	}
	if wm > o.watermark {
		o.watermark = wm
	}
	if err := o.fire(); err != nil {
		return err
	}
	o.recordStateSize()
	return o.out.EmitWatermark(wm)
}

// fire emits the pending rows at or before o.watermark.
func (o *OverAggregate) fire() error {
	if err := o.timers.fireDue(o.watermark, func(kg int, key []byte) error {
		return o.fireKey(kg, key)
	}); err != nil {
		return err
	}
	return o.flush()
}

// fireKey emits the due rows of one partition in time order.
func (o *OverAggregate) fireKey(kg int, key []byte) error {
	o.backend.SetCurrentKey(kg, key)
	o.due = o.due[:0]
	o.fired.reset()
	err := o.pending.Iterate(func(k, v []byte) bool {
		if len(k) == 16 {
			if t := int64(binary.BigEndian.Uint64(k) ^ (1 << 63)); t <= o.watermark {
				o.due = append(o.due, overRow{key: o.fired.keep(k), t: t, row: o.fired.keep(v)})
			}
		}
		return true
	})
	if err != nil || len(o.due) == 0 {
		return err
	}
	slices.SortFunc(o.due, func(a, b overRow) int { return bytes.Compare(a.key, b.key) })
	for _, r := range o.due {
		if err := o.pending.Remove(r.key); err != nil {
			return err
		}
	}
	if o.frame.Unbounded {
		return o.fireUnbounded()
	}
	return o.fireBounded()
}

// fireUnbounded folds the due rows into the running accumulators.
func (o *OverAggregate) fireUnbounded() error {
	if v, ok, err := o.accState.Value(); err != nil {
		return err
	} else if ok {
		o.rd.b, o.rd.err = v, nil
		for _, a := range o.accs {
			a.decode(&o.rd)
		}
		if o.rd.err != nil {
			return fmt.Errorf("operators: OVER aggregation %s: %w", o.ctx.OperatorID, o.rd.err)
		}
	} else {
		for _, a := range o.accs {
			a.reset()
		}
	}
	for i := 0; i < len(o.due); {
		// RANGE: the rows of one time are peers, each sees all of them.
		j := i + 1
		if !o.frame.Rows {
			for j < len(o.due) && o.due[j].t == o.due[i].t {
				j++
			}
		}
		if err := o.fold(o.due[i:j]); err != nil {
			return err
		}
		for _, r := range o.due[i:j] {
			if err := o.emit(r.row); err != nil {
				return err
			}
		}
		i = j
	}
	o.buf = o.buf[:0]
	for _, a := range o.accs {
		o.buf = a.encode(o.buf)
	}
	return o.accState.Update(o.buf)
}

// fireBounded recomputes each due row's frame from the kept history.
func (o *OverAggregate) fireBounded() error {
	if err := o.loadHistory(); err != nil {
		return err
	}
	for i := 0; i < len(o.due); {
		j := i + 1
		if !o.frame.Rows {
			for j < len(o.due) && o.due[j].t == o.due[i].t {
				j++
			}
		}
		for _, r := range o.due[i:j] {
			if o.frame.Rows {
				o.hist = append(o.hist, r)
				if n := int(o.frame.Preceding) + 1; len(o.hist) > n {
					o.hist = o.hist[len(o.hist)-n:]
				}
			} else {
				o.hist = append(o.hist, r)
			}
			if o.frame.Rows {
				if err := o.recompute(o.hist); err != nil {
					return err
				}
				if err := o.emit(r.row); err != nil {
					return err
				}
			}
		}
		if !o.frame.Rows {
			t := o.due[i].t
			k := 0
			for k < len(o.hist) && o.hist[k].t < t-o.frame.Preceding {
				k++
			}
			o.hist = o.hist[k:]
			if err := o.recompute(o.hist); err != nil {
				return err
			}
			for _, r := range o.due[i:j] {
				if err := o.emit(r.row); err != nil {
					return err
				}
			}
		}
		i = j
	}
	return o.storeHistory()
}

// fold adds rows to the accumulators.
func (o *OverAggregate) fold(rows []overRow) error {
	sb := o.scratch
	for _, v := range sb.Cols {
		v.Reset()
	}
	for _, r := range rows {
		rest := r.row
		var err error
		for _, v := range sb.Cols {
			if rest, err = decodeKeyValue(v, rest); err != nil {
				return fmt.Errorf("operators: OVER aggregation %s: stored row: %w", o.ctx.OperatorID, err)
			}
		}
	}
	sb.Len = len(rows)
	for c, a := range o.accs {
		var arg *types.Vector
		if o.calls[c].Arg >= 0 {
			arg = sb.Cols[o.calls[c].Arg]
		}
		for i := 0; i < sb.Len; i++ {
			if err := a.add(arg, i, 1); err != nil {
				return err
			}
		}
	}
	return nil
}

// recompute sets the accumulators to the aggregates of rows.
func (o *OverAggregate) recompute(rows []overRow) error {
	for _, a := range o.accs {
		a.reset()
	}
	return o.fold(rows)
}

// emit appends the row with the accumulators' current results.
func (o *OverAggregate) emit(row []byte) error {
	rest := row
	var err error
	for c := range o.inTypes {
		if rest, err = decodeKeyValue(o.outVecs[c], rest); err != nil {
			return err
		}
	}
	for c, a := range o.accs {
		if err := a.result(o.outVecs[len(o.inTypes)+c]); err != nil {
			return err
		}
	}
	if o.outVecs[0].Len >= types.DefaultBatchSize {
		return o.flush()
	}
	return nil
}

func (o *OverAggregate) flush() error {
	n := o.outVecs[0].Len
	if n == 0 {
		return nil
	}
	ob := &types.Batch{Cols: make([]*types.Vector, len(o.outVecs)), Len: n}
	for c, v := range o.outVecs {
		ob.Cols[c] = types.NewVector(v.Type, n)
		ob.Cols[c].AppendRange(v, 0, n)
		v.Reset()
	}
	return o.out.Emit(ob)
}

func (o *OverAggregate) loadHistory() error {
	o.hist = o.hist[:0]
	v, ok, err := o.history.Value()
	if err != nil || !ok {
		return err
	}
	b := o.fired.keep(v)
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return fmt.Errorf("operators: OVER aggregation %s: %w", o.ctx.OperatorID, errCorruptState)
	}
	b = b[k:]
	for range n {
		if len(b) < 8 {
			return fmt.Errorf("operators: OVER aggregation %s: %w", o.ctx.OperatorID, errCorruptState)
		}
		t := int64(binary.LittleEndian.Uint64(b))
		row, rest, err := uvarintBytes(b[8:])
		if err != nil {
			return fmt.Errorf("operators: OVER aggregation %s: %w", o.ctx.OperatorID, errCorruptState)
		}
		o.hist = append(o.hist, overRow{t: t, row: row})
		b = rest
	}
	return nil
}

func (o *OverAggregate) storeHistory() error {
	if len(o.hist) == 0 {
		return o.history.Clear()
	}
	b := binary.AppendUvarint(o.buf[:0], uint64(len(o.hist)))
	for _, r := range o.hist {
		b = binary.LittleEndian.AppendUint64(b, uint64(r.t))
		b = binary.AppendUvarint(b, uint64(len(r.row)))
		b = append(b, r.row...)
	}
	o.buf = b
	return o.history.Update(b)
}

// SnapshotState returns nil: everything is in the keyed state backend.
func (o *OverAggregate) SnapshotState(int64) ([]byte, error) { return nil, nil }

func (o *OverAggregate) NotifyCheckpointComplete(int64) error { return nil }

// Finish does nothing: the final watermark has emitted every row.
func (o *OverAggregate) Finish() error { return nil }

// Close closes the backend when Open created it.
func (o *OverAggregate) Close() error {
	return o.closeBackend()
}
