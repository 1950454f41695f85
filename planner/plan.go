package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
)

// Column is a named, typed column of a plan node's output.
type Column struct {
	Name string
	Type *types.Type
}

// Changelog is the kind of stream a node produces.
type Changelog uint8

const (
	// AppendOnly streams contain only +I.
	AppendOnly Changelog = iota
	// Updating streams contain +I, -U, +U and -D.
	Updating
)

// Node is an immutable logical plan node. Rewrites return new nodes.
type Node interface {
	Schema() []Column
	Inputs() []Node
	// Changelog is inferred from the inputs at construction.
	Changelog() Changelog
	// Describe is the one-line description used by EXPLAIN and errors, in
	// Flink's style: "Calc(select=[a, b], where=[>(a, 1)])".
	Describe() string
	// WithInputs returns a copy of the node over new inputs.
	WithInputs(in []Node) Node
}

// Scan reads a catalog table through its connector. Columns lists the
// connector columns read (indexes into the table's connector columns).
type Scan struct {
	Table   *Table
	Source  connectors.Source
	Columns []int
	// Filters were pushed into the source (over connector columns).
	Filters []expr.Expr
	schema  []Column
}

// NewScan builds a scan of the given connector columns.
func NewScan(t *Table, src connectors.Source, cols []int) *Scan {
	s := &Scan{Table: t, Source: src, Columns: cols}
	for _, c := range cols {
		cc := t.ConnectorColumns[c]
		s.schema = append(s.schema, Column{Name: cc.Name, Type: cc.Type})
	}
	return s
}

func (s *Scan) Schema() []Column { return s.schema }
func (s *Scan) Inputs() []Node   { return nil }
func (s *Scan) Changelog() Changelog {
	if s.Source.ChangelogMode() == connectors.InsertOnly {
		return AppendOnly
	}
	return Updating
}
func (s *Scan) Describe() string {
	names := make([]string, len(s.schema))
	for i, c := range s.schema {
		names[i] = c.Name
	}
	d := fmt.Sprintf("TableSourceScan(table=[[%s]], fields=[%s]", strings.ReplaceAll(s.Table.Name, ".", ", "), strings.Join(names, ", "))
	if len(s.Filters) > 0 {
		fs := make([]string, len(s.Filters))
		for i, f := range s.Filters {
			fs[i] = f.String()
		}
		d += ", filter=[" + strings.Join(fs, ", ") + "]"
	}
	return d + ")"
}
func (s *Scan) WithInputs([]Node) Node { return s }

// Calc evaluates an optional condition and projections (Flink's Calc).
type Calc struct {
	Input     Node
	Exprs     []expr.Expr
	Names     []string
	Condition expr.Expr // nil: no filter
}

func (c *Calc) Schema() []Column {
	out := make([]Column, len(c.Exprs))
	for i, e := range c.Exprs {
		out[i] = Column{Name: c.Names[i], Type: e.Type()}
	}
	return out
}
func (c *Calc) Inputs() []Node       { return []Node{c.Input} }
func (c *Calc) Changelog() Changelog { return c.Input.Changelog() }
func (c *Calc) Describe() string {
	sel := make([]string, len(c.Exprs))
	for i, e := range c.Exprs {
		s := e.String()
		if s != c.Names[i] {
			s += " AS " + c.Names[i]
		}
		sel[i] = s
	}
	d := "Calc(select=[" + strings.Join(sel, ", ") + "]"
	if c.Condition != nil {
		d += ", where=[" + c.Condition.String() + "]"
	}
	return d + ")"
}
func (c *Calc) WithInputs(in []Node) Node { n := *c; n.Input = in[0]; return &n }

// IsIdentity reports a Calc that passes its input through unchanged.
func (c *Calc) IsIdentity() bool {
	in := c.Input.Schema()
	if c.Condition != nil || len(c.Exprs) != len(in) {
		return false
	}
	for i, e := range c.Exprs {
		r, ok := e.(*expr.ColumnRef)
		if !ok || r.Index != i || c.Names[i] != in[i].Name || !r.T.Equal(in[i].Type, false) {
			return false
		}
	}
	return true
}

// WatermarkAssigner computes watermarks from a rowtime column.
type WatermarkAssigner struct {
	Input    Node
	Rowtime  int
	Strategy expr.Expr
}

func (w *WatermarkAssigner) Schema() []Column     { return w.Input.Schema() }
func (w *WatermarkAssigner) Inputs() []Node       { return []Node{w.Input} }
func (w *WatermarkAssigner) Changelog() Changelog { return w.Input.Changelog() }
func (w *WatermarkAssigner) Describe() string {
	return fmt.Sprintf("WatermarkAssigner(rowtime=[%s], watermark=[%s])", w.Input.Schema()[w.Rowtime].Name, w.Strategy)
}
func (w *WatermarkAssigner) WithInputs(in []Node) Node { n := *w; n.Input = in[0]; return &n }

// AggCall is one aggregate function of an Aggregate.
type AggCall struct {
	Func     string // COUNT, SUM, SUM0, MIN, MAX, AVG, FIRST_VALUE, LAST_VALUE
	Arg      int    // input column; -1 for COUNT(*)
	Distinct bool
	Type     *types.Type
	Name     string
	// Separator of LISTAGG.
	Separator string
}

// Aggregate is a group aggregation producing an updating stream.
type Aggregate struct {
	Input Node
	Keys  []int
	Calls []AggCall
	// StateTTL comes from a STATE_TTL hint naming the aggregated table
	// (0: the job's table.exec.state.ttl).
	StateTTL time.Duration
}

func (a *Aggregate) Schema() []Column {
	in := a.Input.Schema()
	out := make([]Column, 0, len(a.Keys)+len(a.Calls))
	for _, k := range a.Keys {
		out = append(out, in[k])
	}
	for _, c := range a.Calls {
		out = append(out, Column{Name: c.Name, Type: c.Type})
	}
	return out
}
func (a *Aggregate) Inputs() []Node       { return []Node{a.Input} }
func (a *Aggregate) Changelog() Changelog { return Updating }
func (a *Aggregate) Describe() string {
	in := a.Input.Schema()
	keys := make([]string, len(a.Keys))
	for i, k := range a.Keys {
		keys[i] = in[k].Name
	}
	sel := append([]string{}, keys...)
	for _, c := range a.Calls {
		arg := "*"
		if c.Arg >= 0 {
			arg = in[c.Arg].Name
		}
		if c.Distinct {
			arg = "DISTINCT " + arg
		}
		sel = append(sel, fmt.Sprintf("%s(%s) AS %s", c.Func, arg, c.Name))
	}
	ttl := ""
	if a.StateTTL != 0 {
		ttl = ", stateTtl=[" + a.StateTTL.String() + "]"
	}
	if len(keys) == 0 {
		return "GroupAggregate(select=[" + strings.Join(sel, ", ") + "]" + ttl + ")"
	}
	return "GroupAggregate(groupBy=[" + strings.Join(keys, ", ") + "], select=[" + strings.Join(sel, ", ") + "]" + ttl + ")"
}
func (a *Aggregate) WithInputs(in []Node) Node { n := *a; n.Input = in[0]; return &n }

// Unnest joins each row with the elements of an array (CROSS JOIN UNNEST).
type Unnest struct {
	Input  Node
	Array  expr.Expr
	Outer  bool
	schema []Column
}

// NewUnnest builds an unnest whose extra columns are named by names.
func NewUnnest(in Node, arr expr.Expr, outer bool, names []string) (*Unnest, error) {
	u := &Unnest{Input: in, Array: arr, Outer: outer}
	u.schema = append(u.schema, in.Schema()...)
	t := arr.Type()
	var elems []*types.Type
	switch t.Kind {
	case types.KindArray:
		if t.Elem.Kind == types.KindRow {
			for _, f := range t.Elem.Fields {
				elems = append(elems, f.Type)
			}
		} else {
			elems = []*types.Type{t.Elem}
		}
	case types.KindMap:
		elems = []*types.Type{t.Key, t.Elem}
	default:
		return nil, fmt.Errorf("UNNEST needs an ARRAY or MAP argument, got %s", t)
	}
	for i, et := range elems {
		name := fmt.Sprintf("f%d", i)
		if i < len(names) {
			name = names[i]
		} else if len(elems) == 1 && len(names) == 0 {
			name = "EXPR$0"
		}
		u.schema = append(u.schema, Column{Name: name, Type: et.WithNullable(true)})
	}
	return u, nil
}

func (u *Unnest) Schema() []Column     { return u.schema }
func (u *Unnest) Inputs() []Node       { return []Node{u.Input} }
func (u *Unnest) Changelog() Changelog { return u.Input.Changelog() }
func (u *Unnest) Describe() string {
	return fmt.Sprintf("Correlate(invocation=[UNNEST(%s)], joinType=[%s])", u.Array, map[bool]string{false: "INNER", true: "LEFT"}[u.Outer])
}
func (u *Unnest) WithInputs(in []Node) Node { n := *u; n.Input = in[0]; return &n }

// Union is UNION ALL of inputs with identical schemas.
type Union struct {
	Ins []Node
}

func (u *Union) Schema() []Column { return u.Ins[0].Schema() }
func (u *Union) Inputs() []Node   { return u.Ins }
func (u *Union) Changelog() Changelog {
	for _, i := range u.Ins {
		if i.Changelog() == Updating {
			return Updating
		}
	}
	return AppendOnly
}
func (u *Union) Describe() string {
	names := make([]string, 0)
	for _, c := range u.Schema() {
		names = append(names, c.Name)
	}
	return "Union(all=[true], union=[" + strings.Join(names, ", ") + "])"
}
func (u *Union) WithInputs(in []Node) Node { return &Union{Ins: in} }

// Values is a constant table.
type Values struct {
	Rows   *types.Batch
	schema []Column
}

func (v *Values) Schema() []Column       { return v.schema }
func (v *Values) Inputs() []Node         { return nil }
func (v *Values) Changelog() Changelog   { return AppendOnly }
func (v *Values) Describe() string       { return fmt.Sprintf("Values(tuples=[%d rows])", v.Rows.Len) }
func (v *Values) WithInputs([]Node) Node { return v }

// Sink writes its input into a table (or back to the client for SELECT:
// Table is nil and Collect is set).
type Sink struct {
	Input   Node
	Table   *Table
	Sink    connectors.Sink
	Collect bool
	// Materialize is table.exec.sink.upsert-materialize when the INSERT
	// was planned (rule SinkUpsertMaterialize, sinkmaterialize.go).
	Materialize UpsertMaterialize
	// TwoPhaseAgg splits the qualifying group aggregations below the sink
	// into local and global phases (table.optimizer.agg-phase-strategy
	// with mini-batch; rule TwoPhaseAggregate, twophase.go).
	TwoPhaseAgg bool
}

func (s *Sink) Schema() []Column     { return s.Input.Schema() }
func (s *Sink) Inputs() []Node       { return []Node{s.Input} }
func (s *Sink) Changelog() Changelog { return s.Input.Changelog() }
func (s *Sink) Describe() string {
	names := make([]string, 0)
	for _, c := range s.Input.Schema() {
		names = append(names, c.Name)
	}
	if s.Collect {
		return "Sink(table=[*anonymous_collect$*], fields=[" + strings.Join(names, ", ") + "])"
	}
	return "Sink(table=[" + s.Table.Name + "], fields=[" + strings.Join(names, ", ") + "])"
}
func (s *Sink) WithInputs(in []Node) Node { n := *s; n.Input = in[0]; return &n }
