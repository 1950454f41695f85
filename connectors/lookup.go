package connectors

import (
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// LookupSource is an optional ability of a Source: point lookups by key,
// for lookup joins (JOIN dim FOR SYSTEM_TIME AS OF o.proc_time AS d ON
// o.k = d.k). The planner calls NewLookuper once per subtask of the join
// at plan/setup time.
type LookupSource interface {
	// NewLookuper creates the lookuper of subtask (0-based) out of
	// parallelism. keyColumns are the table columns (indexes into
	// Table.Columns) the join's equality conditions name, in the order the
	// key vectors will be passed to Lookup; projection lists the columns
	// (indexes into Table.Columns) the returned rows hold, in that order.
	NewLookuper(subtask, parallelism int, keyColumns, projection []int) (Lookuper, error)
}

// Lookuper finds the rows of a table matching keys.
//
// Call order, from the join operator's task goroutine only (never
// concurrently): Open once, Lookup any number of times, Close once (also
// after a failed Open or Lookup).
//
// Ownership: key vectors are borrowed for the call. Rows are appended to
// the caller's batch out, which the caller owns; the lookuper keeps no
// reference to it. A lookuper owns its connections and cache.
type Lookuper interface {
	Open(ctx *runtime.OperatorContext) error
	// Lookup looks up the first n rows of keys (one vector per key column,
	// in keyColumns order, types as the table's columns). For every input
	// row i, in order, it appends each matching table row (projected) to
	// out and i to from, and returns the extended from. A key with a NULL
	// part matches nothing (SQL equality). Call it once per input batch.
	Lookup(keys []*types.Vector, n int, out *types.Batch, from []int32) ([]int32, error)
	Close() error
}
