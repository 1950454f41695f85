package planner

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/operators"
	"github.com/flinkgo/engine/runtime/types"
)

// Legacy group windows: GROUP BY TUMBLE(ts, size) / HOP(ts, slide, size)
// with TUMBLE_START/_END/_ROWTIME (and HOP_*) in the select list are planned
// as the window table function they are equivalent to: the input gets
// window_start, window_end and window_time columns, the group window item
// becomes those three keys, and the auxiliary functions refer to them; the
// aggregate then becomes a WindowAggregate.

// legacyWindowNames are the hidden names of the added window columns.
var legacyWindowNames = [3]string{"$window_start", "$window_end", "$window_time"}

// legacyGroupWindow rewrites the group items of s when one of them is a
// group window function. It returns the (possibly) new input, scope and
// group items.
func (qb *queryBinder) legacyGroupWindow(s *ast.SelectStmt, in Node, sc *scope, items []ast.ExprNode) (Node, *scope, []ast.ExprNode, error) {
	at := -1
	var call *ast.FuncCallExpr
	for i, it := range items {
		if f, ok := it.(*ast.FuncCallExpr); ok {
			switch f.FnName.L {
			case "tumble", "hop", "session":
				if at >= 0 {
					return nil, nil, nil, qb.errAt(f.FnName.O, "Only one group window is allowed in GROUP BY")
				}
				at, call = i, f
			}
		}
	}
	if call == nil {
		return in, sc, items, nil
	}
	name := strings.ToUpper(call.FnName.O)
	var kind operators.WindowKind
	want := 2
	switch name {
	case "TUMBLE":
		kind = operators.WindowTumble
	case "HOP":
		kind, want = operators.WindowHop, 3
	default:
		kind = operators.WindowSession
	}
	if len(call.Args) != want {
		return nil, nil, nil, qb.calciteAt(call.FnName.O, "Invalid number of arguments to function '%s'. Was expecting %d arguments", name, want)
	}
	eb := qb.exprBinder(sc)
	te, err := eb.bind(call.Args[0])
	if err != nil {
		return nil, nil, nil, err
	}
	ref, ok := te.(*expr.ColumnRef)
	if !ok || sc.cols[ref.Index].typ.TimeAttr == types.NoTimeAttr {
		return nil, nil, nil, qb.errAt(call.FnName.O, "Window can only be defined on a time attribute column, but is type of %s", te.Type())
	}
	var ms [2]int64
	for i, a := range call.Args[1:] {
		e, err := eb.bind(a)
		if err != nil {
			return nil, nil, nil, err
		}
		lit, ok := fold(e).(*expr.Literal)
		if !ok || lit.T.Kind != types.KindIntervalDayTime || lit.Value.IsNull(0) {
			return nil, nil, nil, qb.errAt(call.FnName.O, "The window size of %s must be a constant DAY-TIME interval such as INTERVAL '1' MINUTE", name)
		}
		ms[i] = lit.Value.Ints[0]
	}
	spec := WindowSpec{Kind: kind, Size: ms[0]}
	if kind == operators.WindowHop {
		spec.Slide, spec.Size = ms[0], ms[1]
	}
	if err := operators.ValidateWindow(kind, spec.Size, spec.Slide, spec.Step); err != nil {
		return nil, nil, nil, qb.errAt(call.FnName.O, "%s", err.Error())
	}
	wtf := NewWindowTableFunction(in, ref.Index, spec)
	nsc := &scope{cols: append([]scopeColumn{}, sc.cols...)}
	for i, c := range wtf.Schema()[len(sc.cols):] {
		nsc.cols = append(nsc.cols, scopeColumn{name: legacyWindowNames[i], typ: c.Type})
	}
	// The window's time column is no longer a time attribute after it.
	nsc.cols[ref.Index].typ = wtf.Schema()[ref.Index].Type
	out := append([]ast.ExprNode{}, items[:at]...)
	for _, n := range legacyWindowNames {
		out = append(out, windowColumnExpr(n))
	}
	out = append(out, items[at+1:]...)
	aux := &auxWindowRewriter{prefix: strings.ToLower(name) + "_"}
	for _, f := range s.Fields.Fields {
		if f.Expr != nil {
			if n, ok := f.Expr.Accept(aux); ok {
				f.Expr = n.(ast.ExprNode)
			}
		}
	}
	if s.Having != nil {
		if n, ok := s.Having.Expr.Accept(aux); ok {
			s.Having.Expr = n.(ast.ExprNode)
		}
	}
	return wtf, nsc, out, nil
}

func windowColumnExpr(name string) *ast.ColumnNameExpr {
	return &ast.ColumnNameExpr{Name: &ast.ColumnName{Name: ast.NewCIStr(name)}}
}

// auxWindowRewriter replaces TUMBLE_START(...) and friends by the window
// columns.
type auxWindowRewriter struct{ prefix string }

func (r *auxWindowRewriter) Enter(n ast.Node) (ast.Node, bool) { return n, false }
func (r *auxWindowRewriter) Leave(n ast.Node) (ast.Node, bool) {
	f, ok := n.(*ast.FuncCallExpr)
	if !ok || !strings.HasPrefix(f.FnName.L, r.prefix) {
		return n, true
	}
	switch strings.TrimPrefix(f.FnName.L, r.prefix) {
	case "start":
		return windowColumnExpr(legacyWindowNames[0]), true
	case "end":
		return windowColumnExpr(legacyWindowNames[1]), true
	case "rowtime":
		return windowColumnExpr(legacyWindowNames[2]), true
	}
	return n, true
}

// aggFilterRewriter turns agg(x) FILTER (WHERE c), which the parser hands
// over as __FILTER(agg(x), c), into agg(CASE WHEN c THEN x END): every
// aggregate ignores NULL arguments, so only rows where c holds count.
// COUNT(*) becomes COUNT(CASE WHEN c THEN 1 END).
type aggFilterRewriter struct{}

func (aggFilterRewriter) Enter(n ast.Node) (ast.Node, bool) { return n, false }
func (aggFilterRewriter) Leave(n ast.Node) (ast.Node, bool) {
	f, ok := n.(*ast.FuncCallExpr)
	if !ok || f.FnName.L != "__filter" || len(f.Args) != 2 {
		return n, true
	}
	agg, ok := f.Args[0].(*ast.AggregateFuncExpr)
	if !ok || len(agg.Args) != 1 {
		return n, true
	}
	out := *agg
	out.Args = []ast.ExprNode{&ast.CaseExpr{WhenClauses: []*ast.WhenClause{{Expr: f.Args[1], Result: agg.Args[0]}}}}
	return &out, true
}

// rewriteAggFilters applies aggFilterRewriter to the select list and HAVING.
func rewriteAggFilters(s *ast.SelectStmt) {
	for _, f := range s.Fields.Fields {
		if f.Expr != nil {
			if n, ok := f.Expr.Accept(aggFilterRewriter{}); ok {
				f.Expr = n.(ast.ExprNode)
			}
		}
	}
	if s.Having != nil {
		if n, ok := s.Having.Expr.Accept(aggFilterRewriter{}); ok {
			s.Having.Expr = n.(ast.ExprNode)
		}
	}
}
