package runtime

import "sync/atomic"

// OperatorMetrics are counters an operator instance updates; they are read
// concurrently by status reporting, hence atomics.
type OperatorMetrics struct {
	RecordsIn      atomic.Int64
	RecordsOut     atomic.Int64
	ParseErrors    atomic.Int64 // malformed records skipped (ignore-parse-errors)
	LateRecords    atomic.Int64
	StateSizeBytes atomic.Int64
}
