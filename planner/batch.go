package planner

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/operators"
	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// Batch mode (execution.runtime-mode), as Flink's RuntimeExecutionMode:
// STREAMING (the default) or BATCH. AUTOMATIC is a valid value that Flink's
// Table API planner refuses, and so does this one. In batch mode a query must read bounded sources
// only, and its result is its final table: PlanQuery ends an updating
// query with a BatchFinal, which applies the changelog and emits the final
// rows once at end of input, and ORDER BY / LIMIT become a BatchFinal that
// sorts. Group aggregations fold their input in bundles emitted at end of
// input (PhysicalOptions.Batch), so they send few changes to it. Batch jobs
// take no checkpoints (session/checkpointing.go).

// RuntimeMode is execution.runtime-mode.
type RuntimeMode uint8

const (
	// StreamingMode is Flink's STREAMING: unbounded changelogs.
	StreamingMode RuntimeMode = iota
	// BatchMode is Flink's BATCH: bounded inputs, final results.
	BatchMode
	// AutomaticMode is a valid value no statement can be planned in
	// (RuntimeModeFrom returns it with Flink's error).
	AutomaticMode
)

// RuntimeModeKey is the configuration key of the runtime mode.
const RuntimeModeKey = "execution.runtime-mode"

// RuntimeModeFrom reads execution.runtime-mode (case-insensitive), failing
// as Flink's configuration does on an unknown value.
func RuntimeModeFrom(c *Config) (RuntimeMode, error) {
	if c == nil {
		return StreamingMode, nil
	}
	v, ok := c.Lookup(RuntimeModeKey)
	if !ok {
		return StreamingMode, nil
	}
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "STREAMING":
		return StreamingMode, nil
	case "BATCH":
		return BatchMode, nil
	case "AUTOMATIC":
		// Flink's planner factory refuses it: the SQL client plans every
		// statement with an explicit mode.
		return AutomaticMode, &TableError{Msg: fmt.Sprintf("Unsupported mode '%s' for '%s'. Only an explicit BATCH or STREAMING mode is supported in Table API.", "AUTOMATIC", RuntimeModeKey)}
	}
	return StreamingMode, &ValidationError{Msg: fmt.Sprintf("Could not parse value '%s' for key '%s'.\nExpected one of: STREAMING, BATCH, AUTOMATIC.", v, RuntimeModeKey)}
}

// IsBatch reports whether the configuration asks for batch mode
// (execution.runtime-mode = batch); an invalid value is an error.
func IsBatch(c *Config) (bool, error) {
	m, err := RuntimeModeFrom(c)
	return m == BatchMode, err
}

// BatchFinal is the end of a bounded query in batch mode: the final table
// of its input's changelog, emitted insert-only at end of input, sorted by
// OrderBy and cut to Offset and Limit (-1: none) rows when asked
// (operators.BatchFinal). It runs in one task.
type BatchFinal struct {
	Input   Node
	OrderBy []operators.SortKey
	Offset  int64
	Limit   int64
}

func (f *BatchFinal) Schema() []Column     { return f.Input.Schema() }
func (f *BatchFinal) Inputs() []Node       { return []Node{f.Input} }
func (f *BatchFinal) Changelog() Changelog { return AppendOnly }
func (f *BatchFinal) Describe() string {
	in := f.Input.Schema()
	order := make([]string, len(f.OrderBy))
	for i, k := range f.OrderBy {
		dir := "ASC"
		if k.Desc {
			dir = "DESC"
		}
		order[i] = in[k.Col].Name + " " + dir
	}
	switch {
	case len(order) > 0 && f.Limit >= 0:
		return fmt.Sprintf("SortLimit(orderBy=[%s], offset=[%d], fetch=[%d], global=[true])", strings.Join(order, ", "), f.Offset, f.Limit)
	case len(order) > 0 && f.Offset > 0:
		return fmt.Sprintf("SortLimit(orderBy=[%s], offset=[%d], fetch=[unlimited], global=[true])", strings.Join(order, ", "), f.Offset)
	case len(order) > 0:
		return "Sort(orderBy=[" + strings.Join(order, ", ") + "])"
	case f.Limit >= 0:
		return fmt.Sprintf("Limit(offset=[%d], fetch=[%d], global=[true])", f.Offset, f.Limit)
	case f.Offset > 0:
		return fmt.Sprintf("Limit(offset=[%d], fetch=[unlimited], global=[true])", f.Offset)
	}
	return "BatchMaterialize(changelog=[final])"
}
func (f *BatchFinal) WithInputs(in []Node) Node { n := *f; n.Input = in[0]; return &n }

// finishQuery applies the runtime mode to a planned top-level query: in
// batch mode every source must be bounded, and an updating result gets a
// BatchFinal.
func (p *Planner) finishQuery(n Node) (Node, error) {
	mode, err := RuntimeModeFrom(p.Config)
	if err != nil {
		return nil, err
	}
	if mode != BatchMode {
		return n, nil
	}
	if s := unboundedScan(n); s != nil {
		return nil, &ValidationError{Msg: fmt.Sprintf("Querying an unbounded table '%s' in batch mode is not allowed. The table source is unbounded.", s.Table.Name)}
	}
	if n.Changelog() == Updating {
		n = &BatchFinal{Input: n, Limit: -1}
	}
	return n, nil
}

// unboundedScan returns the first scan of an unbounded source in n.
func unboundedScan(n Node) *Scan {
	if s, ok := n.(*Scan); ok && !s.Source.Bounded() {
		return s
	}
	for _, in := range n.Inputs() {
		if s := unboundedScan(in); s != nil {
			return s
		}
	}
	return nil
}

// constantInt binds a non-negative integer literal (LIMIT, OFFSET).
func (qb *queryBinder) constantInt(n ast.ExprNode, what string) (int64, error) {
	e, err := qb.exprBinder(&scope{}).bind(n)
	if err != nil {
		return 0, err
	}
	if l, ok := e.(*expr.Literal); ok && l.T.IsInteger() && !l.Value.IsNull(0) && l.Value.Ints[0] >= 0 {
		return l.Value.Ints[0], nil
	}
	return 0, qb.errAt(what, "%s must be a non-negative integer literal, got %s", what, e)
}

// batchColumnTypes are the column types of a BatchFinal's rows.
func batchColumnTypes(f *BatchFinal) []*types.Type { return columnTypes(f.Input.Schema()) }

// batchBundleRows bounds the rows a group aggregation buffers in batch
// mode before folding them (memory); beyond it the aggregation emits
// updates, which the BatchFinal at the end of the query absorbs.
const batchBundleRows = 1 << 20

// OverwriteSink is the ability of a sink to take INSERT OVERWRITE (Flink's
// SupportsOverwrite): the sink that replaces the table's contents.
type OverwriteSink interface {
	WithOverwrite() (connectors.Sink, error)
}

// checkOverwrite fails an INSERT OVERWRITE outside batch mode, as Flink.
func (p *Planner) checkOverwrite(ins *sql.Insert) error {
	if !ins.Overwrite {
		return nil
	}
	batch, err := IsBatch(p.Config)
	if err != nil {
		return err
	}
	if !batch {
		return &TableError{Msg: "Streaming mode not support overwrite."}
	}
	return nil
}

// insertSink applies INSERT OVERWRITE and a static PARTITION clause to the
// sink of table t (checkStaticPartition: insert_partition.go).
func (p *Planner) insertSink(ins *sql.Insert, t *Table, s connectors.Sink) (connectors.Sink, error) {
	if err := checkStaticPartition(ins, t); err != nil {
		return nil, err
	}
	if !ins.Overwrite {
		return s, nil
	}
	o, ok := s.(OverwriteSink)
	if !ok {
		return nil, &ValidationError{Msg: fmt.Sprintf("INSERT OVERWRITE requires that the underlying DynamicTableSink of table '%s' implements the SupportsOverwrite interface.", t.Name)}
	}
	return o.WithOverwrite()
}
