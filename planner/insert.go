package planner

import (
	"fmt"
	"strings"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/sql"
)

// SinkColumns are the columns an INSERT writes: physical and non-virtual
// metadata columns in schema order.
func SinkColumns(t *Table) []int {
	var out []int
	for i, c := range t.Columns {
		if c.Kind == PhysicalColumn || (c.Kind == MetadataColumn && !c.Virtual) {
			out = append(out, i)
		}
	}
	return out
}

// PlanInsert binds INSERT INTO t SELECT ... into a sink plan.
func (p *Planner) PlanInsert(ins *sql.Insert) (*Sink, error) {
	name, err := p.Catalog.QualifiedName(ins.Table)
	if err != nil {
		return nil, err
	}
	if err := p.checkOverwrite(ins); err != nil { // batch.go
		return nil, err
	}
	t, ok := p.Catalog.Table(name)
	if !ok {
		if _, isView := p.Catalog.View(name); isView {
			return nil, validationf(ins.Table.Pos, "View '%s' cannot be written to; INSERT needs a table", name)
		}
		return nil, p.Catalog.NotFound(ins.Table, ins.Table.Pos)
	}
	target := SinkColumns(t)
	static, err := p.staticPartitions(ins, t, target) // insert_partition.go
	if err != nil {
		return nil, err
	}
	q, err := p.PlanQuery(ins.Query)
	if err != nil {
		return nil, err
	}
	in := q.Schema()
	// Map query columns onto the sink's columns.
	src := make([]int, len(target)) // sink column -> query column, -1 = NULL
	if len(ins.Columns) > 0 {
		for i := range src {
			src[i] = -1
		}
		if len(ins.Columns) != len(in) {
			return nil, validationf(ins.Pos, "Column list has %d columns but the query produces %d", len(ins.Columns), len(in))
		}
		for qi, cn := range ins.Columns {
			found := false
			for si, ti := range target {
				if t.Columns[ti].Name == cn {
					src[si] = qi
					found = true
				}
			}
			if !found {
				return nil, validationf(ins.Pos, "Unknown target column '%s'", cn)
			}
		}
		for si := range src {
			if static != nil && static[si] != nil && src[si] >= 0 {
				return nil, validationf(ins.Pos, "Target column '%s' is assigned more than once", t.Columns[target[si]].Name)
			}
		}
	} else {
		nstatic := 0
		for _, e := range static {
			if e != nil {
				nstatic++
			}
		}
		if len(in)+nstatic != len(target) {
			return nil, flinkf(ins.Pos, "Column types of query result and sink for '%s' do not match.\nCause: Different number of columns.\n\nQuery schema: %s\nSink schema:  %s",
				t.Name, schemaString(staticQuerySchema(in, static)), sinkSchemaString(t, target))
		}
		qi := 0
		for i := range src {
			if static != nil && static[i] != nil {
				src[i] = -1
				continue
			}
			src[i] = qi
			qi++
		}
	}
	exprs := make([]expr.Expr, len(target))
	nms := make([]string, len(target))
	for si, ti := range target {
		col := t.Columns[ti]
		nms[si] = col.Name
		if static != nil && static[si] != nil {
			exprs[si] = static[si]
			continue
		}
		if src[si] < 0 {
			if !col.Type.Nullable() {
				return nil, validationf(ins.Pos, "Column '%s' is NOT NULL, however, a null value is being written into it.", col.Name)
			}
			exprs[si] = nullLiteral(col.Type)
			continue
		}
		qc := in[src[si]]
		var e expr.Expr = &expr.ColumnRef{Index: src[si], Name: qc.Name, T: qc.Type}
		if !qc.Type.Equal(col.Type, true) {
			ce, err := expr.ImplicitCast(e, col.Type.WithNullable(true))
			if err != nil {
				return nil, flinkf(ins.Pos, "Column types of query result and sink for '%s' do not match.\nCause: Incompatible types for sink column '%s' at position %d.\n\nQuery schema: %s\nSink schema:  %s",
					t.Name, col.Name, si, schemaString(in), sinkSchemaString(t, target))
			}
			if c, ok := ce.(*expr.Call); ok { // TIMESTAMP ↔ TIMESTAMP_LTZ in the session zone
				c.Zone, _ = p.SessionZone()
			}
			e = ce
		}
		exprs[si] = e
	}
	input := Node(&Calc{Input: q, Exprs: exprs, Names: nms})
	sink, err := p.createSink(t)
	if err != nil {
		return nil, err
	}
	if sink, err = p.insertSink(ins, t, sink); err != nil { // batch.go: OVERWRITE, PARTITION
		return nil, err
	}
	mode, err := upsertMaterializeFrom(p.Config)
	if err != nil {
		return nil, err
	}
	two, err := twoPhaseFrom(p.Config)
	if err != nil {
		return nil, err
	}
	s := &Sink{Input: input, Table: t, Sink: sink, Materialize: mode, TwoPhaseAgg: two}
	if err := checkSinkChangelog(s); err != nil {
		return nil, err
	}
	return s, nil
}

func schemaString(cols []Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = "[" + c.Name + ": " + c.Type.String() + "]"
	}
	return strings.Join(parts, ", ")
}

func sinkSchemaString(t *Table, idx []int) string {
	parts := make([]string, len(idx))
	for i, k := range idx {
		parts[i] = "[" + t.Columns[k].Name + ": " + t.Columns[k].Type.String() + "]"
	}
	return strings.Join(parts, ", ")
}

func (p *Planner) createSink(t *Table) (connectors.Sink, error) {
	f, err := p.factory(t)
	if err != nil {
		return nil, err
	}
	sf, ok := f.(connectors.SinkFactory)
	if !ok {
		return nil, &ValidationError{Msg: fmt.Sprintf("Connector '%s' can only be used as a source. It cannot be used as a sink.", f.Identifier())}
	}
	return sf.CreateSink(p.connectorTable(t))
}

// checkSinkChangelog fails when an updating stream reaches a sink that only
// takes insertions, with Flink's message and a hint saying what to do.
func checkSinkChangelog(s *Sink) error {
	if s.Collect || s.Input.Changelog() == AppendOnly {
		return nil
	}
	if s.Sink.ChangelogMode() != connectors.InsertOnly {
		if s.Sink.ChangelogMode() == connectors.Upsert && len(s.Table.PrimaryKey) == 0 {
			return &TableError{Msg: fmt.Sprintf("Table sink '%s' needs a PRIMARY KEY to consume update changes.\n"+
				"Hint: declare one on the table, e.g. PRIMARY KEY (...) NOT ENFORCED, naming the columns that identify a row of the result (the GROUP BY columns of an aggregation).", s.Table.Name)}
		}
		return nil
	}
	producer := updatingProducer(s.Input)
	connector := s.Table.Options["connector"]
	var todo string
	switch {
	case connector == "jdbc":
		todo = fmt.Sprintf("Declare a PRIMARY KEY on '%s' (PRIMARY KEY (...) NOT ENFORCED, naming the columns that identify a row of the result, "+
			"such as the GROUP BY columns): the 'jdbc' sink then writes the changes as upserts by that key.", s.Table.Name)
	case connector == "kafka":
		todo = "Use the 'upsert-kafka' connector with a PRIMARY KEY (...) NOT ENFORCED (the columns that identify a row of the result, " +
			"such as the GROUP BY columns), or a changelog format such as 'debezium-json'."
	default:
		todo = "Write the result into a sink that takes updates through a primary key, such as 'jdbc' or 'upsert-kafka' with " +
			"PRIMARY KEY (...) NOT ENFORCED (the columns that identify a row of the result, such as the GROUP BY columns), or into 'print'/'blackhole'."
	}
	return &TableError{Msg: fmt.Sprintf("Table sink '%s' doesn't support consuming update changes which is produced by node %s\n"+
		"Hint: '%s' (connector '%s') only accepts insert-only (append) streams. %s",
		s.Table.Name, producer.Describe(), s.Table.Name, connector, todo)}
}

// updatingProducer finds the node that first turns the stream updating.
func updatingProducer(n Node) Node {
	for _, in := range n.Inputs() {
		if in.Changelog() == Updating {
			return updatingProducer(in)
		}
	}
	return n
}
