package operators

import (
	"errors"
	"fmt"
	"hash/maphash"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// LocalGroupAggregate is the first phase of Flink's two-phase ("local/
// global") aggregation (table.optimizer.agg-phase-strategy; Flink's
// MiniBatchLocalGroupAggFunction): chained on the input side of the hash
// exchange, stateless, it folds each mini-batch (or, without one, each
// input batch) per group key in memory and emits one partial row per key:
// the key columns, then per call its partial accumulator (LocalAggPartials):
//
//	COUNT(*), COUNT(x)  BIGINT count
//	SUM(x), $SUM0(x)    the sum in the call's result type (SUM: NULL when
//	                    no value)
//	AVG(x)              the sum (LocalAvgSumType; NULL when no value) and
//	                    the BIGINT count of the values
//	MIN(x), MAX(x)      the extreme (NULL when no value)
//
// A GroupAggregate after the exchange merges the partials into the keyed
// state (COUNT → $SUM0, SUM → SUM, $SUM0 → $SUM0, AVG → AggAvgMerge,
// MIN/MAX → MIN/MAX). The input must be insert-only: a retraction is an
// error. The buffered bundle is emitted before watermarks, in
// SnapshotState (before the barrier leaves the task) and in Finish, so
// nothing is lost at a checkpoint; there is no state.
type LocalGroupAggregate struct {
	keyCols  []int
	calls    []AggCall
	outTypes []*types.Type
	accs     []accumulator
	avgs     []*numAcc // per call: the AVG accumulator (for its count), or nil
	args     []*types.Vector
	enc      keyEncoder
	keys     batchKeys
	firsts   []int32 // per key of the current chunk: its first row
	mb       *miniBatch
	out      runtime.Output
}

var (
	_ runtime.Operator            = (*LocalGroupAggregate)(nil)
	_ runtime.IdleAware           = (*LocalGroupAggregate)(nil)
	_ runtime.ProcessingTimeAware = (*LocalGroupAggregate)(nil)
)

// LocalAvgSumType is the type of AVG's partial sum over arg with result
// type res: the domain AVG sums in (numAcc) — DECIMAL(38, scale of arg)
// when either is DECIMAL, DOUBLE when either is approximate, else BIGINT.
func LocalAvgSumType(arg, res *types.Type) *types.Type {
	ap, rp := arg.Kind.Physical(), res.Kind.Physical()
	switch {
	case ap == types.PhysDecimal || rp == types.PhysDecimal:
		s := 0
		if ap == types.PhysDecimal {
			s = arg.Scale
		}
		return types.Decimal(38, s)
	case ap == types.PhysFloat64 || rp == types.PhysFloat64:
		return types.Double
	}
	return types.BigInt
}

// LocalAggSupported reports whether a call can be split into local and
// global phases.
func LocalAggSupported(c AggCall) bool {
	if c.Distinct {
		return false
	}
	switch c.Kind {
	case AggCount, AggCountStar, AggSum, AggSum0, AggAvg, AggMin, AggMax:
		return true
	}
	return false
}

// LocalAggPartials returns the partial columns of each call (one, or two
// for AVG) as the LocalGroupAggregate emits them after the key columns;
// inTypes are the input column types.
func LocalAggPartials(calls []AggCall, inTypes []*types.Type) ([][]*types.Type, error) {
	out := make([][]*types.Type, len(calls))
	for i, c := range calls {
		if !LocalAggSupported(c) {
			return nil, fmt.Errorf("operators: %s cannot be split into local and global aggregation", c.Kind)
		}
		if c.Kind != AggCountStar && (c.Arg < 0 || c.Arg >= len(inTypes)) {
			return nil, fmt.Errorf("operators: %s argument column %d out of range", c.Kind, c.Arg)
		}
		switch c.Kind {
		case AggCount, AggCountStar:
			out[i] = []*types.Type{types.BigInt.WithNullable(false)}
		case AggSum, AggMin, AggMax:
			out[i] = []*types.Type{c.Type.WithNullable(true)}
		case AggSum0:
			out[i] = []*types.Type{c.Type}
		case AggAvg:
			out[i] = []*types.Type{LocalAvgSumType(inTypes[c.Arg], c.Type).WithNullable(true), types.BigInt.WithNullable(false)}
		}
	}
	return out, nil
}

// GlobalAggCalls returns the calls of the global phase: a GroupAggregate
// over the LocalGroupAggregate's output (numKeys key columns, then the
// partials of calls) that merges the partials and yields the results of
// calls (same types).
func GlobalAggCalls(calls []AggCall, numKeys int) ([]AggCall, error) {
	col := numKeys
	out := make([]AggCall, len(calls))
	for i, c := range calls {
		m := AggCall{Arg: col, Type: c.Type}
		col++
		switch c.Kind {
		case AggCount, AggCountStar, AggSum0:
			m.Kind = AggSum0
		case AggSum, AggMin, AggMax:
			m.Kind = c.Kind
		case AggAvg:
			m.Kind, m.CountArg = AggAvgMerge, col
			col++
		default:
			return nil, fmt.Errorf("operators: %s has no global phase", c.Kind)
		}
		out[i] = m
	}
	return out, nil
}

// NewLocalGroupAggregate returns the factory of a LocalGroupAggregate
// grouping by keyCols and computing the partials of calls over an
// insert-only input with column types inTypes. miniBatchSize > 0 buffers
// rows across input batches as GroupAggregate does (AggOptions).
func NewLocalGroupAggregate(keyCols []int, calls []AggCall, inTypes []*types.Type, miniBatchSize int, miniBatchLatency time.Duration) func(subtask, parallelism int) (runtime.Operator, error) {
	return func(subtask, parallelism int) (runtime.Operator, error) {
		return newLocalGroupAggregate(keyCols, calls, inTypes, miniBatchSize, miniBatchLatency)
	}
}

func newLocalGroupAggregate(keyCols []int, calls []AggCall, inTypes []*types.Type, size int, latency time.Duration) (*LocalGroupAggregate, error) {
	for _, k := range keyCols {
		if k < 0 || k >= len(inTypes) {
			return nil, fmt.Errorf("operators: group key column %d out of range", k)
		}
	}
	parts, err := LocalAggPartials(calls, inTypes)
	if err != nil {
		return nil, err
	}
	l := &LocalGroupAggregate{
		keyCols: keyCols, calls: calls, enc: keyEncoder{cols: keyCols},
		args: make([]*types.Vector, len(calls)), avgs: make([]*numAcc, len(calls)),
		mb: newMiniBatch(size, latency, inTypes),
	}
	l.keys.seed = maphash.MakeSeed()
	for _, k := range keyCols {
		l.outTypes = append(l.outTypes, inTypes[k])
	}
	for i, c := range calls {
		var argType *types.Type
		if c.Kind != AggCountStar {
			argType = inTypes[c.Arg]
		}
		l.outTypes = append(l.outTypes, parts[i]...)
		var acc accumulator
		switch c.Kind {
		case AggCount, AggCountStar:
			acc = &countAcc{star: c.Kind == AggCountStar}
		case AggSum, AggSum0:
			acc, err = newNumAcc(AggCall{Kind: c.Kind, Type: parts[i][0]}, argType)
		case AggAvg:
			var n *numAcc
			n, err = newNumAcc(AggCall{Kind: AggSum, Type: parts[i][0]}, argType)
			acc, l.avgs[i] = n, n
		case AggMin, AggMax:
			if !orderedSupported(argType) {
				return nil, fmt.Errorf("operators: %s over %s is not supported", c.Kind, argType)
			}
			acc, err = newAccumulator(c, argType, nil, nil)
		}
		if err != nil {
			return nil, err
		}
		l.accs = append(l.accs, acc)
	}
	return l, nil
}

// OutputTypes are the key columns' types then the partial columns'.
func (l *LocalGroupAggregate) OutputTypes() []*types.Type { return l.outTypes }

func (l *LocalGroupAggregate) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	l.out = out
	l.mb.open(ctx)
	return nil
}

var errLocalAggRetraction = errors.New("operators: local aggregate received a retraction (two-phase aggregation needs an insert-only input)")

// ProcessBatch folds b at once, or adds it to the bundle and folds the
// bundle when it is due.
func (l *LocalGroupAggregate) ProcessBatch(_ int, b *types.Batch) error {
	if b.Kinds != nil {
		for _, k := range b.Kinds[:b.Len] {
			if k != types.Insert {
				return errLocalAggRetraction
			}
		}
	}
	if !l.mb.buffering() {
		return l.fold(b)
	}
	if l.mb.add(b) {
		return l.flush()
	}
	return nil
}

func (l *LocalGroupAggregate) flush() error {
	if l.mb.empty() {
		return nil
	}
	err := l.fold(l.mb.buf)
	l.mb.reset()
	return err
}

// fold emits one partial row per key of b, in the order of the keys' first
// rows, in batches of at most DefaultBatchSize rows.
func (l *LocalGroupAggregate) fold(b *types.Batch) error {
	if b.Len == 0 {
		return nil
	}
	l.keys.group(b, &l.enc, len(l.keyCols) == 0)
	for c, call := range l.calls {
		if call.Arg >= 0 && call.Kind != AggCountStar {
			l.args[c] = b.Cols[call.Arg]
		}
	}
	defer clear(l.args)
	nk := len(l.keyCols)
	for lo := 0; lo < l.keys.n; lo += types.DefaultBatchSize {
		hi := min(lo+types.DefaultBatchSize, l.keys.n)
		ob := &types.Batch{Cols: make([]*types.Vector, len(l.outTypes)), Len: hi - lo}
		for i, t := range l.outTypes {
			ob.Cols[i] = types.NewVector(t, hi-lo)
		}
		l.firsts = l.firsts[:0]
		for s := lo; s < hi; s++ {
			rows := l.keys.rowsOf(int32(s))
			l.firsts = append(l.firsts, rows[0])
			col := nk
			for c, a := range l.accs {
				a.reset()
				for _, r := range rows {
					if err := a.add(l.args[c], int(r), 1); err != nil {
						return err
					}
				}
				if err := a.result(ob.Cols[col]); err != nil {
					return err
				}
				col++
				if n := l.avgs[c]; n != nil {
					ob.Cols[col].AppendInt(n.cnt)
					col++
				}
			}
		}
		for k, c := range l.keyCols {
			gather(ob.Cols[k], b.Cols[c], l.firsts)
		}
		if err := l.out.Emit(ob); err != nil {
			return err
		}
	}
	return nil
}

// OnSourceIdle folds a bundle whose latency passed while the source has
// nothing to read.
func (l *LocalGroupAggregate) OnSourceIdle() error {
	if l.mb.due() {
		return l.flush()
	}
	return nil
}

// ProcessingTimeTick: behind an operator other than a source (chaining
// off, or after a join) the latency is checked while no input arrives.
func (l *LocalGroupAggregate) ProcessingTimeTick() time.Duration { return l.mb.tick() }

// OnProcessingTime folds a bundle whose latency passed.
func (l *LocalGroupAggregate) OnProcessingTime() error { return l.OnSourceIdle() }

// ProcessWatermark folds the bundle, then forwards the watermark.
func (l *LocalGroupAggregate) ProcessWatermark(wm int64) error {
	if err := l.flush(); err != nil {
		return err
	}
	return l.out.EmitWatermark(wm)
}

// SnapshotState emits the bundle's partials (before the barrier goes
// downstream) and returns nil: the operator has no state.
func (l *LocalGroupAggregate) SnapshotState(int64) ([]byte, error) { return nil, l.flush() }

func (l *LocalGroupAggregate) NotifyCheckpointComplete(int64) error { return nil }

// Finish emits what is still buffered.
func (l *LocalGroupAggregate) Finish() error { return l.flush() }

func (l *LocalGroupAggregate) Close() error { return nil }
