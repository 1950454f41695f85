package operators

import (
	"encoding/binary"
	"fmt"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
)

// WatermarkAssigner is the source-side watermark generator of a table with
// `WATERMARK FOR rowtime AS strategy`: it evaluates the strategy per row
// (a TIMESTAMP(3)/TIMESTAMP_LTZ(3) value, µs since epoch; NULLs ignored),
// tracks the maximum, and emits it (in ms, floor of µs/1000) when it
// advanced and at least emitIntervalMs passed on the OperatorContext clock
// since the previous emission (counted from Open, like Flink's periodic
// emitter; 0 = after every batch that advanced it). Rows pass through
// unchanged and are emitted before the watermark they produced.
//
// Watermarks from upstream are ignored except MaxWatermark (end of input),
// which is forwarded.
//
// Behind a split-aware source (OperatorContext.SourceSplits, e.g. Kafka,
// whose batches each hold one partition's rows) the maximum is kept per
// split and the watermark is the minimum over the splits the reader owns,
// as Flink's per-partition watermarks: a split that has produced no row yet
// holds it back, and a split without rows for the idle timeout
// (table.exec.source.idle-timeout, 0 = never) stops holding it back until
// it has rows again.
//
// State: the maximum watermark (ms) as 1 version byte + 8 bytes big endian.
// A restore input holding several snapshots (several old subtasks) keeps
// the smallest, so the watermark never overtakes restored data.
type WatermarkAssigner struct {
	ev       *expr.Evaluator
	interval int64
	ctx      *runtime.OperatorContext
	out      runtime.Output
	current  int64 // max watermark seen, ms
	emitted  int64 // last emitted, ms
	lastEmit int64 // clock ms of the last emission (or Open)

	idleMs int64
	splits map[int64]*splitMark
}

// splitMark is one split's maximum watermark and when it last had rows (or
// was first listed), clock ms.
type splitMark struct {
	max     int64
	lastRow int64
}

var _ runtime.Operator = (*WatermarkAssigner)(nil)

// NewWatermarkAssigner returns the factory of a WatermarkAssigner. strategy
// nil means the rowtime column itself (a strategy without delay).
func NewWatermarkAssigner(rowtimeColumn int, strategy expr.Expr, emitIntervalMs, idleTimeoutMs int64) func(subtask, parallelism int) (runtime.Operator, error) {
	return func(subtask, parallelism int) (runtime.Operator, error) {
		s := strategy
		if s == nil {
			s = &expr.ColumnRef{Index: rowtimeColumn, Name: "rowtime", T: types.Timestamp3}
		}
		if s.Type().Kind.Physical() != types.PhysInt64 || !s.Type().IsTimestamp() {
			return nil, fmt.Errorf("operators: watermark strategy %s has type %s, expected TIMESTAMP(3) or TIMESTAMP_LTZ(3)", s, s.Type())
		}
		ev, err := expr.Compile(s)
		if err != nil {
			return nil, err
		}
		return &WatermarkAssigner{ev: ev, interval: emitIntervalMs, idleMs: idleTimeoutMs}, nil
	}
}

const watermarkStateVersion = 1

// Open restores the maximum watermark.
func (w *WatermarkAssigner) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	w.ctx, w.out = ctx, out
	w.current, w.emitted = runtime.MinWatermark, runtime.MinWatermark
	if ctx.Clock != nil {
		w.lastEmit = ctx.Clock.NowMillis()
	}
	// After a restore the assigner starts from the smallest maximum any old
	// subtask had seen: never ahead of data that may still come.
	restored, any := runtime.MaxWatermark, false
	for _, st := range ctx.RestoredStates {
		for len(st) > 0 {
			if len(st) < 9 || st[0] != watermarkStateVersion {
				return fmt.Errorf("%w: watermark assigner state", errCorruptState)
			}
			restored = min(restored, int64(binary.BigEndian.Uint64(st[1:9])))
			st = st[9:]
			any = true
		}
	}
	if any {
		w.current = restored
	}
	return nil
}

// ProcessBatch tracks the batch's maximum watermark, forwards the batch and
// emits the watermark when due.
func (w *WatermarkAssigner) ProcessBatch(_ int, b *types.Batch) error {
	if b.Len == 0 {
		return nil
	}
	v, err := w.ev.Eval(b)
	if err != nil {
		return err
	}
	maxUs := int64(runtime.MinWatermark)
	found := false
	ints := v.Ints[:b.Len]
	if !v.HasNulls() {
		for _, x := range ints {
			if x > maxUs {
				maxUs = x
			}
		}
		found = true
	} else {
		for i, x := range ints {
			if !nullAt(v.Nulls, i) && (!found || x > maxUs) {
				maxUs, found = x, true
			}
		}
	}
	ms := int64(runtime.MinWatermark)
	if found {
		ms = maxUs / 1000
		if maxUs%1000 < 0 {
			ms-- // floor for instants before the epoch
		}
	}
	switch {
	case w.ctx != nil && w.ctx.SourceSplits != nil:
		w.perSplit(ms)
	case ms > w.current:
		w.current = ms
	}
	if err := w.out.Emit(b); err != nil {
		return err
	}
	return w.maybeEmit()
}

// perSplit records the batch's maximum ms for the split it came from and
// advances the watermark to the minimum over the owned, non-idle splits.
func (w *WatermarkAssigner) perSplit(ms int64) {
	var now int64
	if w.ctx.Clock != nil {
		now = w.ctx.Clock.NowMillis()
	}
	if w.splits == nil {
		w.splits = map[int64]*splitMark{}
	}
	src := w.ctx.SourceSplits
	sm := w.splits[src.LastSplit()]
	if sm == nil {
		sm = &splitMark{max: runtime.MinWatermark}
		w.splits[src.LastSplit()] = sm
	}
	sm.max, sm.lastRow = max(sm.max, ms), now
	w.advanceSplits(now)
}

// advanceSplits moves the watermark to the minimum over the owned splits
// that are not idle.
func (w *WatermarkAssigner) advanceSplits(now int64) {
	src := w.ctx.SourceSplits
	low, active := int64(runtime.MaxWatermark), false
	for _, id := range src.Splits() {
		m := w.splits[id]
		if m == nil {
			m = &splitMark{max: runtime.MinWatermark, lastRow: now}
			w.splits[id] = m
		}
		if w.idleMs > 0 && now-m.lastRow >= w.idleMs {
			continue
		}
		low, active = min(low, m.max), true
	}
	if active && low > w.current {
		w.current = low
	}
}

func (w *WatermarkAssigner) maybeEmit() error {
	if w.current <= w.emitted {
		return nil
	}
	var now int64
	if w.ctx != nil && w.ctx.Clock != nil {
		now = w.ctx.Clock.NowMillis()
	}
	if w.interval > 0 && now-w.lastEmit < w.interval {
		return nil
	}
	w.emitted, w.lastEmit = w.current, now
	return w.out.EmitWatermark(w.current)
}

var _ runtime.IdleAware = (*WatermarkAssigner)(nil)

// OnSourceIdle emits a watermark that advanced with the last rows once the
// emit interval has passed, and lets splits become idle, while the source
// has nothing to read.
func (w *WatermarkAssigner) OnSourceIdle() error {
	if w.ctx != nil && w.ctx.SourceSplits != nil && w.splits != nil {
		var now int64
		if w.ctx.Clock != nil {
			now = w.ctx.Clock.NowMillis()
		}
		w.advanceSplits(now)
	}
	return w.maybeEmit()
}

// ProcessWatermark forwards only the final watermark.
func (w *WatermarkAssigner) ProcessWatermark(wm int64) error {
	if wm != runtime.MaxWatermark || w.emitted == runtime.MaxWatermark {
		return nil
	}
	w.emitted = wm
	return w.out.EmitWatermark(wm)
}

// SnapshotState encodes the maximum watermark.
func (w *WatermarkAssigner) SnapshotState(int64) ([]byte, error) {
	buf := make([]byte, 1, 9)
	buf[0] = watermarkStateVersion
	return binary.BigEndian.AppendUint64(buf, uint64(w.current)), nil
}

// NotifyCheckpointComplete does nothing.
func (w *WatermarkAssigner) NotifyCheckpointComplete(int64) error { return nil }

// Finish does nothing (the final watermark arrives through ProcessWatermark).
func (w *WatermarkAssigner) Finish() error { return nil }

// Close does nothing.
func (w *WatermarkAssigner) Close() error { return nil }
