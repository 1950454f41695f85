package operators

import (
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// ValuesSource emits a constant batch once (`SELECT 1`, `VALUES ...`): only
// subtask 0 emits, every other subtask ends at once. Each emission is a copy,
// so the factory can be run again after a restart.
//
// State: one byte, 1 once the batch was emitted, so a restore after the
// emission does not emit it again.
type ValuesSource struct {
	rows    *types.Batch
	subtask int
	done    bool
}

var _ runtime.SourceReader = (*ValuesSource)(nil)

// NewValuesSource returns the factory of a ValuesSource emitting rows.
func NewValuesSource(rows *types.Batch) func(subtask, parallelism int) (runtime.SourceReader, error) {
	return func(subtask, parallelism int) (runtime.SourceReader, error) {
		return &ValuesSource{rows: rows, subtask: subtask}, nil
	}
}

// Open restores whether the batch was emitted.
func (s *ValuesSource) Open(ctx *runtime.OperatorContext) error {
	for _, st := range ctx.RestoredStates {
		if len(st) > 0 && st[0] == 1 {
			s.done = true // the rows were emitted before the checkpoint
		}
	}
	return nil
}

// Poll returns the batch the first time (subtask 0), then SourceEnd.
func (s *ValuesSource) Poll() (*types.Batch, runtime.SourceStatus, error) {
	if s.done || s.subtask != 0 || s.rows == nil || s.rows.Len == 0 {
		s.done = true
		return nil, runtime.SourceEnd, nil
	}
	s.done = true
	return cloneBatch(s.rows), runtime.SourceEnd, nil
}

// SnapshotState records whether the batch was emitted.
func (s *ValuesSource) SnapshotState(int64) ([]byte, error) {
	if s.done {
		return []byte{1}, nil
	}
	return []byte{0}, nil
}

// NotifyCheckpointComplete does nothing.
func (s *ValuesSource) NotifyCheckpointComplete(int64) error { return nil }

// Close does nothing.
func (s *ValuesSource) Close() error { return nil }
