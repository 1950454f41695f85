package operators

import (
	"time"

	"fmt"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// WindowAggregate is Flink's WindowAggregate over the rows of a window
// table function (TUMBLE, HOP, CUMULATE): its input is append-only and
// carries window_start and window_end columns; it groups by key columns
// that include both, and emits each group's result once, as +I, when the
// watermark passes the end of the group's window (window_end - 1 ≤
// watermark), then frees the group's state. Rows that arrive for a window
// that has already fired are late: they are dropped and counted in
// OperatorMetrics.LateRecords.
//
// State and accumulators are the GroupAggregate's (same "acc" layout; the
// window columns are part of the group key). Pending windows are indexed in
// memory (window end → its keys); the index is not checkpointed but rebuilt
// in Open from the keys of the "acc" state, so restores at any parallelism
// fire every restored window.
type WindowAggregate struct {
	*GroupAggregate
	endKey    int // index in keyCols of window_end
	endCol    int // its input column
	keyTypes  []*types.Type
	watermark int64
	// procTime: windows over processing time fire when the operator's
	// clock passes their end (checked at every batch and watermark), and
	// at the end of input; watermarks do not fire them.
	procTime bool

	timers windowTimers

	// per fire
	keyVecs []*types.Vector
	scratch []*types.Vector // one per key column, for decoding keys
}

var _ runtime.Operator = (*WindowAggregate)(nil)

// NewWindowAggregate returns the factory of a WindowAggregate grouping by
// keyCols (which include window_start and window_end; windowEndKey is the
// position of window_end in keyCols) and computing calls. Output columns:
// the key columns, then one per call.
func NewWindowAggregate(keyCols []int, windowEndKey int, calls []AggCall, inputTypes, outputTypes []*types.Type, procTime bool) func(subtask, parallelism int) (runtime.Operator, error) {
	return func(subtask, parallelism int) (runtime.Operator, error) {
		if windowEndKey < 0 || windowEndKey >= len(keyCols) {
			return nil, fmt.Errorf("operators: window aggregate: window_end key %d out of range", windowEndKey)
		}
		g, err := newGroupAggregate(keyCols, calls, inputTypes, outputTypes, AggOptions{InsertOnlyInput: true})
		if err != nil {
			return nil, err
		}
		w := &WindowAggregate{GroupAggregate: g, endKey: windowEndKey, endCol: keyCols[windowEndKey],
			watermark: runtime.MinWatermark, procTime: procTime}
		if inputTypes[w.endCol].Kind.Physical() != types.PhysInt64 {
			return nil, fmt.Errorf("operators: window aggregate: window_end column is %s", inputTypes[w.endCol])
		}
		for _, c := range keyCols {
			w.keyTypes = append(w.keyTypes, inputTypes[c])
		}
		return w, nil
	}
}

// Open registers the states and rebuilds the pending windows from the
// restored groups.
func (w *WindowAggregate) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	if err := w.GroupAggregate.Open(ctx, out); err != nil {
		return err
	}
	w.keyVecs = make([]*types.Vector, len(w.keyTypes))
	for i, t := range w.keyTypes {
		w.keyVecs[i] = types.NewVector(t, fireChunk)
	}
	w.scratch = make([]*types.Vector, len(w.keyTypes))
	for i, t := range w.keyTypes {
		w.scratch[i] = types.NewVector(t, 1)
	}
	w.timers.keyOrder = w.backend.Type() == state.BackendPebble
	var derr error
	err := w.backend.Keys("acc", func(kg int, key []byte) bool {
		end, err := w.endOf(key)
		if err != nil {
			derr = fmt.Errorf("operators: window aggregate %s: restored group key: %w", ctx.OperatorID, err)
			return false
		}
		w.timers.schedule(end, kg, key)
		return true
	})
	if err == nil {
		err = derr
	}
	return err
}

// endOf decodes the window end (µs) out of an encoded group key.
func (w *WindowAggregate) endOf(key []byte) (int64, error) {
	b := key
	var err error
	for i := 0; i <= w.endKey; i++ {
		v := w.scratch[i]
		v.Reset()
		if b, err = decodeKeyValue(v, b); err != nil {
			return 0, err
		}
	}
	if v := w.scratch[w.endKey]; !v.IsNull(0) {
		return v.Ints[0], nil
	}
	return 0, errCorruptKey
}

// fired reports whether the window ending at end (µs) has fired at wm (ms).
func fired(end, wm int64) bool {
	return wm != runtime.MinWatermark && floorDiv(end, 1000)-1 <= wm
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// ProcessBatch folds the rows into their window groups; nothing is emitted.
func (w *WindowAggregate) ProcessBatch(_ int, b *types.Batch) error {
	if b.Len == 0 {
		return nil
	}
	g := w.GroupAggregate
	if g.backend == nil {
		return errAggClosed
	}
	g.keys.group(b, &g.enc, false)
	for c, call := range g.calls {
		if call.Arg >= 0 {
			g.args[c] = b.Cols[call.Arg]
		}
	}
	var err error
	ends := b.Cols[w.endCol]
	if w.procTime {
		w.watermark = max(w.watermark, g.ctx.Clock.NowMillis())
	}
	for s := range g.keys.n {
		rows := g.keys.rowsOf(int32(s))
		end := ends.Ints[rows[0]]
		if fired(end, w.watermark) {
			if g.ctx.Metrics != nil {
				g.ctx.Metrics.LateRecords.Add(int64(len(rows)))
			}
			continue
		}
		if err = w.fold(b, int32(s), rows, end); err != nil {
			break
		}
	}
	clear(g.args)
	g.recordStateSize()
	if err == nil && w.procTime {
		err = w.fireDue()
	}
	return err
}

func (w *WindowAggregate) fold(b *types.Batch, s int32, rows []int32, end int64) error {
	g := w.GroupAggregate
	kg := runtime.KeyGroupOf(runtime.HashKey(b.Cols, g.keyCols, int(rows[0])), g.maxPar)
	key := g.keys.key(s)
	g.backend.SetCurrentKey(kg, key)
	v, existed, err := g.accState.Value()
	if err != nil {
		return err
	}
	if existed {
		if err := g.decodeAcc(v); err != nil {
			return err
		}
	} else {
		g.resetAcc()
		w.timers.schedule(end, kg, key)
	}
	for _, r := range rows {
		if err := g.applyRow(b, int(r), 1); err != nil {
			return err
		}
	}
	g.accBuf = g.encodeAcc(g.accBuf[:0])
	return g.accState.Update(g.accBuf)
}

// fireChunk bounds the rows of one emitted batch.
const fireChunk = 4096

// ProcessWatermark fires every window that ends at or before the watermark,
// in window-end order, then forwards the watermark.
func (w *WindowAggregate) ProcessWatermark(wm int64) error {
	switch {
	case w.procTime && wm == runtime.MaxWatermark:
		w.watermark = wm // end of input: fire every window
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

// fireDue fires the windows that end at or before w.watermark (event time,
// or the clock for processing-time windows).
func (w *WindowAggregate) fireDue() error {
	fired := false
	err := w.timers.fireDue(w.watermark, func(kg int, key []byte) error {
		fired = true
		return w.fireKey(kg, key)
	})
	if err == nil && fired {
		err = w.emit()
	}
	w.recordStateSize()
	return err
}

// fireKey emits the result of one fired group and clears its state.
func (w *WindowAggregate) fireKey(kg int, key []byte) error {
	g := w.GroupAggregate
	g.backend.SetCurrentKey(kg, key)
	v, ok, err := g.accState.Value()
	if err != nil || !ok {
		return err // !ok: expired by TTL
	}
	if err := g.decodeAcc(v); err != nil {
		return err
	}
	if err := g.appendResults(); err != nil {
		return err
	}
	b := key
	for _, kv := range w.keyVecs {
		if b, err = decodeKeyValue(kv, b); err != nil {
			return fmt.Errorf("operators: window aggregate %s: group key: %w", g.ctx.OperatorID, err)
		}
	}
	if err := g.clearGroup(); err != nil {
		return err
	}
	if int(g.nvals) >= fireChunk {
		return w.emit()
	}
	return nil
}

func (w *WindowAggregate) resetOutput() {
	g := w.GroupAggregate
	for _, v := range g.vals {
		v.Reset()
	}
	for _, v := range w.keyVecs {
		v.Reset()
	}
	g.nvals = 0
}

// emit sends the fired rows collected so far.
func (w *WindowAggregate) emit() error {
	g := w.GroupAggregate
	n := int(g.nvals)
	if n == 0 {
		return nil
	}
	ob := &types.Batch{Cols: make([]*types.Vector, len(g.outTypes)), Len: n}
	nk := len(g.keyCols)
	for k, kv := range w.keyVecs {
		v := types.NewVector(g.outTypes[k], n)
		v.AppendRange(kv, 0, n)
		ob.Cols[k] = v
	}
	for c := range g.accs {
		v := types.NewVector(g.outTypes[nk+c], n)
		v.AppendRange(g.vals[c], 0, n)
		ob.Cols[nk+c] = v
	}
	w.resetOutput()
	return g.out.Emit(ob)
}

// Finish fires nothing: at the end of input the runtime sends the final
// watermark first (MaxWatermark), which fires every window.
func (w *WindowAggregate) Finish() error { return nil }

// procTimeTick is how often windows over processing time look at the
// clock when no input arrives.
const procTimeTick = 50 * time.Millisecond

// ProcessingTimeTick implements runtime.ProcessingTimeAware: windows over
// processing time fire from the clock, also when no row arrives after
// their end (a quiet socket or topic), as Flink's timers do.
func (w *WindowAggregate) ProcessingTimeTick() time.Duration {
	if w.procTime {
		return procTimeTick
	}
	return w.GroupAggregate.ProcessingTimeTick()
}

// OnProcessingTime fires the windows the clock has passed.
func (w *WindowAggregate) OnProcessingTime() error {
	if !w.procTime {
		return w.GroupAggregate.OnProcessingTime()
	}
	return w.fireByClock()
}

// OnSourceIdle implements runtime.IdleAware for a window chained to its
// source: an idle source still lets the clock fire windows.
func (w *WindowAggregate) OnSourceIdle() error {
	if !w.procTime {
		return w.GroupAggregate.OnSourceIdle()
	}
	return w.fireByClock()
}

func (w *WindowAggregate) fireByClock() error {
	if w.watermark == runtime.MaxWatermark {
		return nil
	}
	w.watermark = max(w.watermark, w.ctx.Clock.NowMillis())
	return w.fireDue()
}
