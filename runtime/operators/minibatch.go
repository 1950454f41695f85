package operators

import (
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// miniBatch is the bundle of Flink's mini-batch aggregation
// (table.exec.mini-batch.*; MiniBatchGroupAggFunction,
// MiniBatchLocalGroupAggFunction and their MiniBatchAssigner): the input
// rows are copied into one operator-owned batch, reused from bundle to
// bundle, and folded together when the bundle is due — it holds size rows,
// or latency has passed since its first row — and whenever the operator
// must not hold rows back: before a watermark is forwarded, in
// SnapshotState (so the keyed state snapshot and the barrier follow the
// bundle's changes; the bundle itself is never part of a checkpoint) and in
// Finish.
//
// With size 0 the operator folds every input batch as it comes (no
// buffering).
type miniBatch struct {
	size    int   // rows that close a bundle; 0: no buffering
	latency int64 // ms after the bundle's first row that close it; 0: none
	clock   runtime.Clock
	buf     *types.Batch
	kinds   []types.RowKind // buf.Kinds' array while buf is insert-only
	start   int64           // clock at the bundle's first row
}

func newMiniBatch(size int, latency time.Duration, colTypes []*types.Type) *miniBatch {
	if size <= 0 {
		return &miniBatch{}
	}
	return &miniBatch{size: size, latency: latency.Milliseconds(), buf: types.NewBatch(colTypes, min(size, types.DefaultBatchSize))}
}

// buffering reports whether rows are kept across input batches.
func (m *miniBatch) buffering() bool { return m.size > 0 }

// open sets the clock (the system clock when the context has none).
func (m *miniBatch) open(ctx *runtime.OperatorContext) {
	m.clock = ctx.Clock
	if m.clock == nil {
		m.clock = runtime.SystemClock{}
	}
}

// add copies the rows of b (borrowed) into the bundle and reports whether
// the bundle is due.
func (m *miniBatch) add(b *types.Batch) bool {
	if b.Len == 0 {
		return m.due()
	}
	n := m.buf.Len
	if n == 0 {
		m.start = m.clock.NowMillis()
	}
	for c, v := range m.buf.Cols {
		appendRange(v, b.Cols[c], 0, b.Len)
	}
	if b.Kinds != nil || m.buf.Kinds != nil {
		if m.buf.Kinds == nil {
			k := m.kinds[:0]
			for range n {
				k = append(k, types.Insert)
			}
			m.buf.Kinds = k
		}
		if b.Kinds != nil {
			m.buf.Kinds = append(m.buf.Kinds, b.Kinds[:b.Len]...)
		} else {
			for range b.Len {
				m.buf.Kinds = append(m.buf.Kinds, types.Insert)
			}
		}
	}
	m.buf.Len = n + b.Len
	return m.buf.Len >= m.size || m.late()
}

// late reports a non-empty bundle older than the latency.
func (m *miniBatch) late() bool {
	return m.buf.Len > 0 && m.latency > 0 && m.clock.NowMillis()-m.start >= m.latency
}

// due reports a bundle that must be folded now.
func (m *miniBatch) due() bool {
	return m.buffering() && m.buf.Len > 0 && (m.buf.Len >= m.size || m.late())
}

// tick is how often an operator with a bundle wants its latency checked
// while no input arrives (runtime.ProcessingTimeAware): 0 without a
// latency, else a tenth of it, between 1 ms and 100 ms.
func (m *miniBatch) tick() time.Duration {
	if !m.buffering() || m.latency <= 0 {
		return 0
	}
	return time.Duration(min(max(m.latency/10, 1), 100)) * time.Millisecond
}

// empty reports whether nothing is buffered.
func (m *miniBatch) empty() bool { return !m.buffering() || m.buf.Len == 0 }

// reset empties the bundle, keeping its buffers.
func (m *miniBatch) reset() {
	if m.buf.Kinds != nil {
		m.kinds = m.buf.Kinds[:0]
	}
	m.buf.Reset()
}
