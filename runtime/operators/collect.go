package operators

import (
	"context"
	"os"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// CollectSink is the sink behind a plain SELECT in the client: it sends a
// copy of every batch (the input is borrowed) to a channel, blocking until
// the reader takes it or the job is cancelled (OperatorContext.Ctx).
// Watermarks are dropped; Finish sends nothing (the reader learns of the end
// from the job). Stateless.
type CollectSink struct {
	rows chan<- *types.Batch
	ctx  context.Context
}

var _ runtime.Operator = (*CollectSink)(nil)

// NewCollectSink returns the factory of a CollectSink writing to rows.
func NewCollectSink(rows chan<- *types.Batch) func(subtask, parallelism int) (runtime.Operator, error) {
	return func(subtask, parallelism int) (runtime.Operator, error) {
		return &CollectSink{rows: rows}, nil
	}
}

// Open keeps the cancellation context.
func (s *CollectSink) Open(ctx *runtime.OperatorContext, _ runtime.Output) error {
	s.ctx = ctx.Ctx
	if s.ctx == nil {
		s.ctx = context.Background()
	}
	return nil
}

// ProcessBatch sends a copy of b.
func (s *CollectSink) ProcessBatch(_ int, b *types.Batch) error {
	if b.Len == 0 {
		return nil
	}
	c := cloneBatch(b)
	select {
	case s.rows <- c:
		return nil
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
}

// ProcessWatermark drops the watermark.
func (s *CollectSink) ProcessWatermark(int64) error { return nil }

// SnapshotState returns nil: the sink is stateless. Under the test hook
// runtime.CheckpointMarkers it first waits until the reader took every
// batch sent before the barrier (an empty batch goes last; the reader
// prints a batch before it takes the next), then writes the marker line to
// standard output, where the client prints its result table.
func (s *CollectSink) SnapshotState(id int64) ([]byte, error) {
	if !runtime.CheckpointMarkers() {
		return nil, nil
	}
	select {
	case s.rows <- &types.Batch{}:
	case <-s.ctx.Done():
		return nil, s.ctx.Err()
	}
	for len(s.rows) > 0 {
		select {
		case <-s.ctx.Done():
			return nil, s.ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
	_, err := os.Stdout.Write(runtime.AppendCheckpointMarker(nil, "", id))
	return nil, err
}

// NotifyCheckpointComplete does nothing.
func (s *CollectSink) NotifyCheckpointComplete(int64) error { return nil }

// Finish does nothing.
func (s *CollectSink) Finish() error { return nil }

// Close does nothing; the channel belongs to the caller.
func (s *CollectSink) Close() error { return nil }
