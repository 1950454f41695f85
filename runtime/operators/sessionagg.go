package operators

import (
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// SessionWindowAggregate is Flink's session window aggregation: per group
// key, rows whose times lie less than the gap apart form one session
// [first time, last time + gap); sessions merge when a row bridges them.
// When the watermark passes a session's end (end - 1 ≤ watermark) the
// operator emits one +I row for it — the key columns, one column per call,
// window_start, window_end and window_time (end - 1 ms; TIMESTAMP(3)) — and
// frees it. Rows whose own
// window [t, t + gap) has already passed the watermark are late: dropped and
// counted in OperatorMetrics.LateRecords. The input must be append-only.
//
// Over processing time (procTime) the watermark is the clock: sessions
// close when the clock passes their end, checked on every batch and every
// ProcessingTimeTick (or source idle call) whether or not rows arrive, as
// Flink's processing-time timers fire; the end of input closes them all.
//
// # State
//
// Keyed by the group key (keyEncoder format) in its key group, one
// ValueState "sessions": uvarint n, then per session: start and end (µs,
// 8 bytes each, little endian), uvarint row count, and each row (uvarint
// length, keyEncoder encoding of all input columns). Sessions keep their
// rows rather than accumulators, so merging two sessions is exact for every
// aggregate; the result is computed when the session fires. Pending session
// ends are indexed in memory and rebuilt from the state in Open.
type SessionWindowAggregate struct {
	*GroupAggregate
	timeCol   int
	gap       int64 // µs
	inTypes   []*types.Type
	keyTypes  []*types.Type
	sessState state.ValueState
	rowEnc    keyEncoder
	watermark int64
	procTime  bool

	timers windowTimers

	sess    []session
	merged  []session
	rows    byteArena // the current key's state and new rows
	stBuf   []byte
	scratch *types.Batch // decoded rows of one session
	keyVecs []*types.Vector
	bounds  [3]*types.Vector // window_start, window_end, window_time of the fired rows
}

// session is one session of the current key; rows point into a buffer
// that lives until the key's state is stored.
type session struct {
	start, end int64
	rows       [][]byte
}

var _ runtime.Operator = (*SessionWindowAggregate)(nil)

// NewSessionWindowAggregate returns the factory of a session window
// aggregation grouping by keyCols over time column timeCol with the given
// gap (ms). outputTypes: the key columns, one per call, window_start,
// window_end, window_time. procTime: the time column is processing time.
func NewSessionWindowAggregate(keyCols []int, timeCol int, gapMs int64, calls []AggCall, inputTypes, outputTypes []*types.Type, procTime bool) func(int, int) (runtime.Operator, error) {
	return func(int, int) (runtime.Operator, error) {
		if gapMs <= 0 {
			return nil, fmt.Errorf("SESSION window gap must be positive, got %d ms", gapMs)
		}
		for _, c := range calls {
			if c.Distinct {
				return nil, fmt.Errorf("operators: %s(DISTINCT) in a SESSION window is not supported yet", c.Kind)
			}
		}
		if len(outputTypes) != len(keyCols)+len(calls)+3 {
			return nil, fmt.Errorf("operators: session window aggregate has %d output types for %d keys and %d calls", len(outputTypes), len(keyCols), len(calls))
		}
		g, err := newGroupAggregate(keyCols, calls, inputTypes, outputTypes[:len(outputTypes)-3], AggOptions{InsertOnlyInput: true})
		if err != nil {
			return nil, err
		}
		w := &SessionWindowAggregate{GroupAggregate: g, timeCol: timeCol, gap: gapMs * 1000, inTypes: inputTypes,
			watermark: runtime.MinWatermark, procTime: procTime}
		all := make([]int, len(inputTypes))
		for i := range all {
			all[i] = i
		}
		w.rowEnc = keyEncoder{cols: all}
		for _, c := range keyCols {
			w.keyTypes = append(w.keyTypes, inputTypes[c])
		}
		return w, nil
	}
}

// Open registers the state and rebuilds the pending session ends.
func (w *SessionWindowAggregate) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	if err := w.GroupAggregate.Open(ctx, out); err != nil {
		return err
	}
	var err error
	if w.sessState, err = w.backend.RegisterValue(state.Descriptor{Name: "sessions"}); err != nil {
		return err
	}
	w.scratch = &types.Batch{}
	for _, t := range w.inTypes {
		w.scratch.Cols = append(w.scratch.Cols, types.NewVector(t, 16))
	}
	for _, t := range w.keyTypes {
		w.keyVecs = append(w.keyVecs, types.NewVector(t, fireChunk))
	}
	ts := types.Timestamp(3).WithNullable(false)
	w.bounds = [3]*types.Vector{types.NewVector(ts, fireChunk), types.NewVector(ts, fireChunk), types.NewVector(ts, fireChunk)}
	type restored struct {
		kg  int
		key []byte
	}
	var keys []restored
	if err := w.backend.Keys("sessions", func(kg int, key []byte) bool {
		keys = append(keys, restored{kg, slices.Clone(key)})
		return true
	}); err != nil {
		return err
	}
	for _, k := range keys {
		w.backend.SetCurrentKey(k.kg, k.key)
		if err := w.load(); err != nil {
			return err
		}
		for _, s := range w.sess {
			w.timers.schedule(s.end, k.kg, k.key)
		}
	}
	return nil
}

// load decodes the current key's sessions into w.sess.
func (w *SessionWindowAggregate) load() error {
	w.sess = w.sess[:0]
	v, ok, err := w.sessState.Value()
	if err != nil || !ok {
		return err
	}
	b := w.rows.keep(v) // the rows point into it
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return w.corrupt()
	}
	b = b[k:]
	for range n {
		if len(b) < 16 {
			return w.corrupt()
		}
		s := session{start: int64(binary.LittleEndian.Uint64(b)), end: int64(binary.LittleEndian.Uint64(b[8:]))}
		b = b[16:]
		m, k := binary.Uvarint(b)
		if k <= 0 || m > uint64(len(b)) {
			return w.corrupt()
		}
		b = b[k:]
		for range m {
			r, rest, err := uvarintBytes(b)
			if err != nil {
				return w.corrupt()
			}
			s.rows = append(s.rows, r)
			b = rest
		}
		w.sess = append(w.sess, s)
	}
	return nil
}

func (w *SessionWindowAggregate) corrupt() error {
	return fmt.Errorf("operators: session window aggregate %s: %w", w.ctx.OperatorID, errCorruptState)
}

// store writes w.sess for the current key (or clears it when empty).
func (w *SessionWindowAggregate) store() error {
	if len(w.sess) == 0 {
		return w.sessState.Clear()
	}
	b := binary.AppendUvarint(w.stBuf[:0], uint64(len(w.sess)))
	for _, s := range w.sess {
		b = binary.LittleEndian.AppendUint64(b, uint64(s.start))
		b = binary.LittleEndian.AppendUint64(b, uint64(s.end))
		b = binary.AppendUvarint(b, uint64(len(s.rows)))
		for _, r := range s.rows {
			b = binary.AppendUvarint(b, uint64(len(r)))
			b = append(b, r...)
		}
	}
	w.stBuf = b
	return w.sessState.Update(b)
}

// ProcessBatch adds the rows to their keys' sessions, merging sessions a
// row bridges; nothing is emitted.
func (w *SessionWindowAggregate) ProcessBatch(_ int, b *types.Batch) error {
	if b.Len == 0 {
		return nil
	}
	g := w.GroupAggregate
	if g.backend == nil {
		return errAggClosed
	}
	if w.procTime && w.watermark != runtime.MaxWatermark {
		w.watermark = max(w.watermark, g.ctx.Clock.NowMillis())
	}
	g.keys.group(b, &g.enc, len(g.keyCols) == 0)
	tc := b.Cols[w.timeCol]
	for s := range g.keys.n {
		rows := g.keys.rowsOf(int32(s))
		kg := 0
		if len(g.keyCols) > 0 {
			kg = runtime.KeyGroupOf(runtime.HashKey(b.Cols, g.keyCols, int(rows[0])), g.maxPar)
		}
		key := g.keys.key(int32(s))
		g.backend.SetCurrentKey(kg, key)
		w.rows.reset()
		if err := w.load(); err != nil {
			return err
		}
		changed := false
		for _, r := range rows {
			if tc.IsNull(int(r)) {
				continue
			}
			ts := tc.Ints[r]
			if fired(ts+w.gap, w.watermark) {
				if g.ctx.Metrics != nil {
					g.ctx.Metrics.LateRecords.Add(1)
				}
				continue
			}
			row := w.rows.keep(w.rowEnc.encode(b, int(r)))
			end := w.add(ts, row)
			w.timers.schedule(end, kg, key)
			changed = true
		}
		if changed {
			if err := w.store(); err != nil {
				return err
			}
		}
	}
	g.recordStateSize()
	if w.procTime {
		return w.fireDue()
	}
	return nil
}

// fireDue fires and emits the sessions that ended at or before the
// watermark.
func (w *SessionWindowAggregate) fireDue() error {
	if err := w.timers.fireDue(w.watermark, w.fireKey); err != nil {
		return err
	}
	if err := w.emit(); err != nil {
		return err
	}
	w.recordStateSize()
	return nil
}

// ProcessingTimeTick implements runtime.ProcessingTimeAware: sessions over
// processing time close from the clock, also when no row follows them.
func (w *SessionWindowAggregate) ProcessingTimeTick() time.Duration {
	if w.procTime {
		return procTimeTick
	}
	return w.GroupAggregate.ProcessingTimeTick()
}

// OnProcessingTime closes the sessions the clock has passed.
func (w *SessionWindowAggregate) OnProcessingTime() error {
	if !w.procTime {
		return w.GroupAggregate.OnProcessingTime()
	}
	return w.fireByClock()
}

// OnSourceIdle implements runtime.IdleAware for a session window chained
// to its source.
func (w *SessionWindowAggregate) OnSourceIdle() error {
	if !w.procTime {
		return w.GroupAggregate.OnSourceIdle()
	}
	return w.fireByClock()
}

func (w *SessionWindowAggregate) fireByClock() error {
	if w.watermark == runtime.MaxWatermark {
		return nil
	}
	w.watermark = max(w.watermark, w.ctx.Clock.NowMillis())
	return w.fireDue()
}

// add puts a row at time ts into the current key's sessions and returns
// the end of the session it ends up in.
func (w *SessionWindowAggregate) add(ts int64, row []byte) int64 {
	cur := session{start: ts, end: ts + w.gap, rows: [][]byte{row}}
	w.merged = w.merged[:0]
	for _, s := range w.sess {
		if s.start < cur.end && cur.start < s.end {
			cur.start, cur.end = min(cur.start, s.start), max(cur.end, s.end)
			cur.rows = append(s.rows, cur.rows...)
			continue
		}
		w.merged = append(w.merged, s)
	}
	w.merged = append(w.merged, cur)
	slices.SortFunc(w.merged, func(a, b session) int {
		switch {
		case a.start < b.start:
			return -1
		case a.start > b.start:
			return 1
		}
		return 0
	})
	w.sess, w.merged = w.merged, w.sess
	return cur.end
}

// ProcessWatermark fires the sessions that end at or before the watermark.
func (w *SessionWindowAggregate) ProcessWatermark(wm int64) error {
	switch {
	case w.procTime && wm == runtime.MaxWatermark:
		w.watermark = wm // end of input: close every session
	case w.procTime:
		w.watermark = max(w.watermark, w.ctx.Clock.NowMillis())
	case wm > w.watermark:
		w.watermark = wm
	}
	if err := w.fireDue(); err != nil {
		return err
	}
	return w.out.EmitWatermark(wm)
}

// fireKey emits every fired session of one key (it may be listed for a
// session that merged since: its sessions are checked again).
func (w *SessionWindowAggregate) fireKey(kg int, key []byte) error {
	g := w.GroupAggregate
	g.backend.SetCurrentKey(kg, key)
	w.rows.reset()
	if err := w.load(); err != nil {
		return err
	}
	kept := w.sess[:0]
	emitted := false
	for _, s := range w.sess {
		if !fired(s.end, w.watermark) {
			kept = append(kept, s)
			continue
		}
		emitted = true
		if err := w.result(key, s); err != nil {
			return err
		}
	}
	if !emitted {
		return nil
	}
	w.sess = kept
	if err := w.store(); err != nil {
		return err
	}
	if int(g.nvals) >= fireChunk {
		return w.emit()
	}
	return nil
}

// result aggregates the rows of one session and appends its output row.
func (w *SessionWindowAggregate) result(key []byte, s session) error {
	g := w.GroupAggregate
	sb := w.scratch
	for _, v := range sb.Cols {
		v.Reset()
	}
	var err error
	for _, r := range s.rows {
		rest := r
		for _, v := range sb.Cols {
			if rest, err = decodeKeyValue(v, rest); err != nil {
				return fmt.Errorf("operators: session window aggregate %s: stored row: %w", g.ctx.OperatorID, err)
			}
		}
	}
	sb.Len = len(s.rows)
	for c, call := range g.calls {
		if call.Arg >= 0 {
			g.args[c] = sb.Cols[call.Arg]
		}
	}
	g.resetAcc()
	for i := 0; i < sb.Len; i++ {
		if err := g.applyRow(sb, i, 1); err != nil {
			return err
		}
	}
	clear(g.args)
	if err := g.appendResults(); err != nil {
		return err
	}
	rest := key
	for _, kv := range w.keyVecs {
		if rest, err = decodeKeyValue(kv, rest); err != nil {
			return fmt.Errorf("operators: session window aggregate %s: group key: %w", g.ctx.OperatorID, err)
		}
	}
	w.bounds[0].AppendInt(s.start)
	w.bounds[1].AppendInt(s.end)
	w.bounds[2].AppendInt(s.end - 1000)
	return nil
}

// emit sends the fired rows collected so far.
func (w *SessionWindowAggregate) emit() error {
	g := w.GroupAggregate
	n := int(g.nvals)
	if n == 0 {
		return nil
	}
	nk := len(g.keyCols)
	ob := &types.Batch{Cols: make([]*types.Vector, nk+len(g.calls)+3), Len: n}
	for k, kv := range w.keyVecs {
		ob.Cols[k] = types.NewVector(kv.Type, n)
		ob.Cols[k].AppendRange(kv, 0, n)
		kv.Reset()
	}
	for c := range g.accs {
		ob.Cols[nk+c] = types.NewVector(g.vals[c].Type, n)
		ob.Cols[nk+c].AppendRange(g.vals[c], 0, n)
		g.vals[c].Reset()
	}
	for i, v := range w.bounds {
		ob.Cols[nk+len(g.calls)+i] = types.NewVector(v.Type, n)
		ob.Cols[nk+len(g.calls)+i].AppendRange(v, 0, n)
		v.Reset()
	}
	g.nvals = 0
	return g.out.Emit(ob)
}

// Finish fires nothing: the final watermark (MaxWatermark) has fired every
// session before the input ends.
func (w *SessionWindowAggregate) Finish() error { return nil }
