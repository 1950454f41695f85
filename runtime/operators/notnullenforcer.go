package operators

import (
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// NotNullEnforcer is Flink's ConstraintEnforcer with a NotNullEnforcer: it
// runs right before a sink and checks that the sink's NOT NULL columns get
// no NULL (table.exec.sink.not-null-enforcer): ERROR fails the job with
// Flink's message, DROP drops such rows silently. Stateless; a batch
// without NULLs in those columns passes through untouched.
type NotNullEnforcer struct {
	cols  []int    // the checked columns
	names []string // their names, for the error
	drop  bool
	sel   []int32
	out   runtime.Output
}

var _ runtime.Operator = (*NotNullEnforcer)(nil)

// NotNullError is the failure of a job that wrote NULL into a NOT NULL
// column of a sink (Flink's TableException).
type NotNullError struct{ Column string }

func (e *NotNullError) Error() string {
	return "Column '" + e.Column + "' is NOT NULL, however, a null value is being written into it. " +
		"You can set job configuration 'table.exec.sink.not-null-enforcer'='DROP' to suppress this exception and drop such records silently."
}

// FlinkClass names the exception Flink raises.
func (e *NotNullError) FlinkClass() string { return "org.apache.flink.table.api.TableException" }

// NewNotNullEnforcer returns the factory of a NotNullEnforcer checking
// columns cols (named names); drop selects DROP over ERROR.
func NewNotNullEnforcer(cols []int, names []string, drop bool) func(subtask, parallelism int) (runtime.Operator, error) {
	return func(subtask, parallelism int) (runtime.Operator, error) {
		return &NotNullEnforcer{cols: cols, names: names, drop: drop}, nil
	}
}

// Open keeps the output.
func (e *NotNullEnforcer) Open(_ *runtime.OperatorContext, out runtime.Output) error {
	e.out = out
	return nil
}

// ProcessBatch forwards b when no checked column holds a NULL; otherwise it
// fails (ERROR) or forwards the rows without one (DROP).
func (e *NotNullEnforcer) ProcessBatch(_ int, b *types.Batch) error {
	bad := -1
	for i, c := range e.cols {
		if b.Cols[c].HasNulls() {
			bad = i
			break
		}
	}
	if bad < 0 {
		return e.out.Emit(b)
	}
	if !e.drop {
		for i, c := range e.cols {
			v := b.Cols[c]
			for r := 0; r < b.Len; r++ {
				if v.IsNull(r) {
					return &NotNullError{Column: e.names[i]}
				}
			}
		}
		return e.out.Emit(b) // NULL bits beyond the rows only
	}
	e.sel = e.sel[:0]
rows:
	for r := 0; r < b.Len; r++ {
		for _, c := range e.cols {
			if b.Cols[c].IsNull(r) {
				continue rows
			}
		}
		e.sel = append(e.sel, int32(r))
	}
	if len(e.sel) == b.Len {
		return e.out.Emit(b)
	}
	if len(e.sel) == 0 {
		return nil
	}
	return e.out.Emit(compactRows(b, e.sel))
}

// ProcessWatermark forwards the watermark.
func (e *NotNullEnforcer) ProcessWatermark(wm int64) error { return e.out.EmitWatermark(wm) }

// SnapshotState returns nil: stateless.
func (e *NotNullEnforcer) SnapshotState(int64) ([]byte, error) { return nil, nil }

// NotifyCheckpointComplete does nothing.
func (e *NotNullEnforcer) NotifyCheckpointComplete(int64) error { return nil }

// Finish does nothing.
func (e *NotNullEnforcer) Finish() error { return nil }

// Close does nothing.
func (e *NotNullEnforcer) Close() error { return nil }
