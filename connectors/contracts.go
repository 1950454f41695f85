// Package connectors declares how table connectors plug into the engine and
// keeps the registry of built-in ones (one sub-package per connector, each
// registering itself from init; package all imports every built-in).
//
// Call order: the planner looks up the Factory named by the table's
// 'connector' option, calls ValidateOptions, then CreateSource/CreateSink
// once per table scan or insert at plan time. At run time the runtime calls
// Source.NewReader / Sink.NewWriter once per subtask, from the job's setup
// goroutine; the returned reader/writer is then used by one task goroutine
// only (see runtime's lifecycle contract).
//
// Ownership: a reader returns batches it allocated; ownership moves to the
// runtime. A writer (a runtime.Operator) borrows each batch for one call.
package connectors

import (
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
)

// Column is a column a connector reads or writes: physical columns and
// metadata columns (Metadata true, MetadataKey the key from METADATA FROM).
// Computed columns never reach connectors.
type Column struct {
	Name        string
	Type        *types.Type
	Metadata    bool
	MetadataKey string
}

// Table is what a connector gets to build a source or a sink.
type Table struct {
	// Name is fully qualified: default_catalog.default_database.t
	Name       string
	Columns    []Column
	PrimaryKey []int // indexes into Columns; nil if none
	// PartitionKeys are the PARTITIONED BY columns, in that order
	// (indexes into Columns); nil if none.
	PartitionKeys []int
	Options       map[string]string
	// Config is the session configuration (SET keys) at planning time.
	Config map[string]string
}

// ChangelogMode says which row kinds a source produces or a sink accepts.
type ChangelogMode uint8

const (
	InsertOnly ChangelogMode = iota // +I
	Upsert                          // +I, +U, -D (keyed by the primary key)
	AllKinds                        // +I, -U, +U, -D
)

// Factory is implemented by every connector.
type Factory interface {
	// Identifier is the value of the 'connector' option.
	Identifier() string
	// RequiredOptions and OptionalOptions list accepted keys (without
	// 'connector'). A key may contain '#' standing for one column name
	// ("fields.#.kind") or end in '*' to accept any suffix ("properties.*").
	RequiredOptions() []string
	OptionalOptions() []string
}

// SourceFactory creates scan sources.
type SourceFactory interface {
	Factory
	CreateSource(t *Table) (Source, error)
}

// SinkFactory creates sinks.
type SinkFactory interface {
	Factory
	CreateSink(t *Table) (Sink, error)
}

// Source is a planned scan of one table.
type Source interface {
	// Bounded reports whether the scan ends by itself.
	Bounded() bool
	ChangelogMode() ChangelogMode
	// Parallelism is the source's own parallelism (e.g. scan.parallelism),
	// 0 to use the job default.
	Parallelism() int
	// NewReader creates the reader of subtask (0-based) out of parallelism.
	// Its batches hold the columns listed by projection (indexes into
	// Table.Columns) in that order.
	NewReader(subtask, parallelism int, projection []int) (runtime.SourceReader, error)
}

// Sink is a planned write into one table.
type Sink interface {
	// ChangelogMode is what the sink accepts.
	ChangelogMode() ChangelogMode
	// Parallelism from sink.parallelism, 0 to follow the input.
	Parallelism() int
	// NewWriter creates the writer of one subtask. It receives batches
	// whose columns are Table.Columns (non-virtual ones) in order.
	NewWriter(subtask, parallelism int) (runtime.Operator, error)
}

// ProjectionPushDown is an optional trait of a Source: false keeps the
// planner from narrowing its scan to the columns a query reads, for a
// source that cannot do so in Flink (its plans, which EXPLAIN shows, keep
// a Calc above a scan of every column). Sources without it are narrowed.
type ProjectionPushDown interface {
	ProjectionPushDown() bool
}

// FilterPushDown is an optional ability of a Source: evaluating some filter
// conjuncts itself (a database turning them into WHERE, a partitioned source
// skipping partitions). The planner offers the conjuncts of a filter right
// above the scan, each referencing Table.Columns by index; the source
// returns which it accepts and a new Source that applies them. Accepted
// conjuncts are removed from the plan, so a source must only accept what it
// evaluates exactly.
type FilterPushDown interface {
	PushFilters(conjuncts []expr.Expr) (accepted []bool, withFilters Source)
}
