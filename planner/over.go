package planner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/operators"
	"github.com/flinkgo/engine/runtime/types"
)

// OverAggregate computes aggregates over a window of each row's partition
// ordered by a rowtime (SUM(x) OVER (PARTITION BY k ORDER BY ts ROWS
// BETWEEN 2 PRECEDING AND CURRENT ROW)); its rows are the input's plus one
// column per call, emitted in time order as the watermark passes them.
type OverAggregate struct {
	Input       Node
	PartitionBy []int
	TimeCol     int
	Frame       operators.OverFrame
	ProcTime    bool // ordered by a processing-time attribute
	Calls       []AggCall
	schema      []Column
}

func (o *OverAggregate) Schema() []Column     { return o.schema }
func (o *OverAggregate) Inputs() []Node       { return []Node{o.Input} }
func (o *OverAggregate) Changelog() Changelog { return AppendOnly }
func (o *OverAggregate) Describe() string {
	in := o.Input.Schema()
	part := make([]string, len(o.PartitionBy))
	for i, p := range o.PartitionBy {
		part[i] = in[p].Name
	}
	frame := "RANG"
	if o.Frame.Rows {
		frame = "ROWS"
	}
	bound := "UNBOUNDED PRECEDING"
	if !o.Frame.Unbounded {
		bound = fmt.Sprintf("%d PRECEDING", o.Frame.Preceding)
	}
	var aggs []string
	for _, c := range o.Calls {
		arg := "*"
		if c.Arg >= 0 {
			arg = in[c.Arg].Name
		}
		aggs = append(aggs, fmt.Sprintf("%s(%s) AS %s", c.Func, arg, c.Name))
	}
	return fmt.Sprintf("OverAggregate(partitionBy=[%s], orderBy=[%s ASC], window=[%s BETWEEN %s AND CURRENT ROW], select=[%s])",
		strings.Join(part, ", "), in[o.TimeCol].Name, frame, bound, strings.Join(aggs, ", "))
}
func (o *OverAggregate) WithInputs(in []Node) Node {
	n := *o
	n.Input = in[0]
	return &n
}

var overAggregates = map[string]bool{"sum": true, "count": true, "avg": true, "min": true, "max": true}

// overAggregate plans the aggregate OVER (...) calls of the select list:
// one OverAggregate over the input, the calls replaced by its columns.
func (qb *queryBinder) overAggregate(s *ast.SelectStmt, in Node, sc *scope) (Node, *scope, error) {
	var fields []*ast.SelectField
	for _, f := range s.Fields.Fields {
		if w, ok := f.Expr.(*ast.WindowFuncExpr); ok && overAggregates[strings.ToLower(w.Name)] {
			fields = append(fields, f)
		}
	}
	if len(fields) == 0 {
		return in, sc, nil
	}
	pos := qb.q.Locate("OVER")
	eb := qb.exprBinder(sc)
	cc := newComputedColumns(eb, sc, "$over_key")
	var part []int
	var tc int
	var frame operators.OverFrame
	for i, f := range fields {
		ws, err := namedWindow(f.Expr.(*ast.WindowFuncExpr).Spec, s.WindowSpecs, 0)
		if err != nil {
			return nil, nil, validationf(pos, "%s", err.Error())
		}
		p, t, fr, err := qb.overWindow(ws, eb, sc, cc.column)
		if err != nil {
			return nil, nil, err
		}
		if i == 0 {
			part, tc, frame = p, t, fr
		} else if !slices.Equal(p, part) || t != tc || fr != frame {
			// Flink's limitation for streaming OVER aggregates.
			return nil, nil, validationf(pos, "Over Agg: Unsupported use of OVER windows. All aggregates must be computed on the same window (the same PARTITION BY, ORDER BY and frame); compute the others in a separate query and join them")
		}
	}
	var calls []AggCall
	for i, f := range fields {
		w := f.Expr.(*ast.WindowFuncExpr)
		a := &ast.AggregateFuncExpr{F: w.Name, Args: w.Args, Distinct: w.Distinct}
		call, err := qb.aggCall(a, eb, &cc.exprs, &cc.names)
		if err != nil {
			return nil, nil, err
		}
		call.Name = fmt.Sprintf("$over%d", i)
		calls = append(calls, call)
		f.Expr = windowColumnExpr(call.Name)
	}
	input := cc.input(in)
	o := &OverAggregate{Input: input, PartitionBy: part, TimeCol: tc, Frame: frame, Calls: calls,
		ProcTime: input.Schema()[tc].Type.TimeAttr == types.ProcTime}
	o.schema = append(o.schema, input.Schema()...)
	for _, c := range calls {
		o.schema = append(o.schema, Column{Name: c.Name, Type: c.Type})
	}
	nsc := &scope{cols: append([]scopeColumn{}, sc.cols...)}
	for _, c := range o.schema[len(sc.cols):] {
		nsc.cols = append(nsc.cols, scopeColumn{name: c.Name, typ: c.Type})
	}
	return o, nsc, nil
}

// overWindow resolves one OVER window: partition columns, the rowtime
// column and the frame.
func (qb *queryBinder) overWindow(ws ast.WindowSpec, eb *exprBinder, sc *scope, column func(ast.ExprNode) (int, error)) ([]int, int, operators.OverFrame, error) {
	pos := qb.q.Locate("OVER")
	var frame operators.OverFrame
	var part []int
	if ws.PartitionBy != nil {
		for _, it := range ws.PartitionBy.Items {
			c, err := column(it.Expr)
			if err != nil {
				return nil, 0, frame, err
			}
			part = append(part, c)
		}
	}
	if ws.OrderBy == nil || len(ws.OrderBy.Items) != 1 || ws.OrderBy.Items[0].Desc {
		return nil, 0, frame, validationf(pos, "OVER windows must be ordered by one time attribute, ascending")
	}
	tc, err := column(ws.OrderBy.Items[0].Expr)
	if err != nil {
		return nil, 0, frame, err
	}
	if tc >= len(sc.cols) || sc.cols[tc].typ.TimeAttr == types.NoTimeAttr {
		return nil, 0, frame, validationf(pos, "OVER windows must be ordered by a time attribute: a rowtime column (with a WATERMARK) or a processing-time column (AS PROCTIME())")
	}
	frame = operators.OverFrame{Unbounded: true}
	if fc := ws.Frame; fc != nil {
		frame.Rows = fc.Type == ast.Rows
		if fc.Type != ast.Rows && fc.Type != ast.Ranges {
			return nil, 0, frame, validationf(pos, "Only ROWS and RANGE frames are supported")
		}
		if fc.Extent.End.Type != ast.CurrentRow || fc.Extent.Start.Type != ast.Preceding {
			return nil, 0, frame, validationf(pos, "OVER frames must be BETWEEN ... PRECEDING AND CURRENT ROW")
		}
		if !fc.Extent.Start.UnBounded {
			e, err := eb.bind(fc.Extent.Start.Expr)
			if err != nil {
				return nil, 0, frame, err
			}
			lit, ok := fold(e).(*expr.Literal)
			switch {
			case !ok || lit.Value.IsNull(0) || lit.T.Kind.Physical() != types.PhysInt64:
				return nil, 0, frame, validationf(pos, "The PRECEDING bound must be a constant")
			case frame.Rows && !lit.T.IsInteger():
				return nil, 0, frame, validationf(pos, "A ROWS frame's PRECEDING bound must be a number of rows")
			case !frame.Rows && lit.T.Kind != types.KindIntervalDayTime:
				return nil, 0, frame, validationf(pos, "A RANGE frame over a time attribute needs an INTERVAL PRECEDING bound")
			}
			frame.Unbounded, frame.Preceding = false, lit.Value.Ints[0]
		}
	}
	return part, tc, frame, nil
}

// namedWindow resolves a window that names one of the query's WINDOW
// clause definitions (OVER w, or OVER (w ORDER BY ...) refining it) into
// the full specification.
func namedWindow(ws ast.WindowSpec, defs []ast.WindowSpec, depth int) (ast.WindowSpec, error) {
	name := ws.Ref
	if ws.OnlyAlias {
		name = ws.Name
	}
	if name.L == "" {
		return ws, nil
	}
	if depth > len(defs) {
		return ws, fmt.Errorf("Window '%s' is defined in terms of itself", name.O)
	}
	for _, d := range defs {
		if d.Name.L != name.L {
			continue
		}
		base := d
		base.Name = ast.CIStr{}
		base, err := namedWindow(base, defs, depth+1)
		if err != nil {
			return ws, err
		}
		if ws.OnlyAlias {
			return base, nil
		}
		if ws.PartitionBy != nil {
			if base.PartitionBy != nil {
				return ws, fmt.Errorf("Window '%s' already has a PARTITION BY; a window that refers to it cannot add one", name.O)
			}
			base.PartitionBy = ws.PartitionBy
		}
		if ws.OrderBy != nil {
			if base.OrderBy != nil {
				return ws, fmt.Errorf("Window '%s' already has an ORDER BY; a window that refers to it cannot add one", name.O)
			}
			base.OrderBy = ws.OrderBy
		}
		if ws.Frame != nil {
			base.Frame = ws.Frame
		}
		return base, nil
	}
	return ws, fmt.Errorf("Window '%s' not found: define it with WINDOW %s AS (PARTITION BY ... ORDER BY ...) after FROM/WHERE/GROUP BY", name.O, name.O)
}
