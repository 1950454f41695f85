package operators

import (
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// PassThrough forwards batches of every input and watermarks unchanged. It
// heads vertices that union several inputs (UNION ALL): the task already
// merges the inputs' watermarks. Stateless.
type PassThrough struct {
	out runtime.Output
}

var _ runtime.Operator = (*PassThrough)(nil)

// NewPassThrough returns the factory of a PassThrough.
func NewPassThrough() func(subtask, parallelism int) (runtime.Operator, error) {
	return func(subtask, parallelism int) (runtime.Operator, error) {
		return &PassThrough{}, nil
	}
}

// Open keeps the output.
func (p *PassThrough) Open(_ *runtime.OperatorContext, out runtime.Output) error {
	p.out = out
	return nil
}

// ProcessBatch forwards b (ownership moves downstream with it).
func (p *PassThrough) ProcessBatch(_ int, b *types.Batch) error { return p.out.Emit(b) }

// ProcessWatermark forwards the watermark.
func (p *PassThrough) ProcessWatermark(wm int64) error { return p.out.EmitWatermark(wm) }

// SnapshotState returns nil: stateless.
func (p *PassThrough) SnapshotState(int64) ([]byte, error) { return nil, nil }

// NotifyCheckpointComplete does nothing.
func (p *PassThrough) NotifyCheckpointComplete(int64) error { return nil }

// Finish does nothing.
func (p *PassThrough) Finish() error { return nil }

// Close does nothing.
func (p *PassThrough) Close() error { return nil }
