package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/operators"
	"github.com/flinkgo/engine/runtime/types"
)

// WindowJoin is Flink's window join: a join of two append-only inputs that
// both carry the window_start and window_end of the same event-time window
// table function (directly, or through a window aggregation, window Top-N
// or window join), with a condition that equates both. Each side's rows are kept per
// join key and window until the watermark passes the window's end; then the
// window's rows are joined once — inner matches, outer rows without a match
// padded with NULLs, semi/anti left rows with (without) a match — emitted
// as insertions, and the window's state is freed. Its rows are the left
// columns then the right columns (left only for semi and anti joins), as
// for Join; the window columns of the sides never padded with NULLs stay
// window columns (windowColumn), so window aggregations, Top-Ns and
// deduplications may follow.
type WindowJoin struct {
	Left, Right Node
	Type        operators.JoinType
	// LeftKeys[i] = RightKeys[i]: the equi-join keys other than the window
	// bounds.
	LeftKeys, RightKeys []int
	// Start and End are the window_start and window_end columns of each
	// input ([0] left, [1] right).
	Start, End [2]int
	Window     WindowSpec
	Residual   expr.Expr
	schema     []Column
	// names of the left ++ right columns as in the joined row (right names
	// that clash get a suffix), for the condition in EXPLAIN.
	names []string
}

func (w *WindowJoin) Schema() []Column     { return w.schema }
func (w *WindowJoin) Inputs() []Node       { return []Node{w.Left, w.Right} }
func (w *WindowJoin) Changelog() Changelog { return AppendOnly }
func (w *WindowJoin) WithInputs(in []Node) Node {
	n := *w
	n.Left, n.Right = in[0], in[1]
	return &n
}

// Describe renders the node as Flink's plans do:
// WindowJoin(leftWindow=[TUMBLE(win_start=[window_start], win_end=[window_end], size=[5 min])], ...).
func (w *WindowJoin) Describe() string {
	nl := len(w.Left.Schema())
	var conds []string
	for i := range w.LeftKeys {
		conds = append(conds, "=("+w.names[w.LeftKeys[i]]+", "+w.names[nl+w.RightKeys[i]]+")")
	}
	if w.Residual != nil {
		// Columns by their names in the joined row (price, price0).
		conds = append(conds, mapExpr(w.Residual, func(x expr.Expr) expr.Expr {
			if r, ok := x.(*expr.ColumnRef); ok && r.Index < len(w.names) {
				return &expr.ColumnRef{Index: r.Index, Name: w.names[r.Index], T: r.T}
			}
			return x
		}).String())
	}
	where := "true"
	switch len(conds) {
	case 0:
	case 1:
		where = conds[0]
	default:
		where = "AND(" + strings.Join(conds, ", ") + ")"
	}
	sel := make([]string, len(w.schema))
	for i, c := range w.schema {
		sel[i] = c.Name
	}
	return "WindowJoin(leftWindow=[" + w.describeWindow(w.Left, 0) + "], rightWindow=[" + w.describeWindow(w.Right, 1) +
		"], joinType=[" + w.Type.String() + "], where=[" + where + "], select=[" + strings.Join(sel, ", ") + "])"
}

func (w *WindowJoin) describeWindow(in Node, side int) string {
	s := in.Schema()
	return w.Window.describeAttached(s[w.Start[side]].Name, s[w.End[side]].Name)
}

// preservedSide maps column col of the join's output to the input it comes
// from, when that input is never padded with NULLs: the left of an inner,
// left, semi or anti join, the right of an inner or right join. Only such
// columns keep their window properties (Flink's FlinkRelMdWindowProperties
// for window joins): on a null-generating side window_start may be NULL.
func (w *WindowJoin) preservedSide(col int) (side Node, c int, ok bool) {
	nl := len(w.Left.Schema())
	switch {
	case col < nl && w.Type != operators.RightJoin && w.Type != operators.FullJoin:
		return w.Left, col, true
	case col >= nl && (w.Type == operators.InnerJoin || w.Type == operators.RightJoin):
		return w.Right, col - nl, true
	}
	return nil, 0, false
}

// asWindowJoin turns j into a WindowJoin when it is one: both inputs
// append-only, and among its keys window_start = window_start and
// window_end = window_end of the same event-time window on both sides.
// Anything else stays the regular join.
func asWindowJoin(j *Join) Node {
	if j.Left.Changelog() != AppendOnly || j.Right.Changelog() != AppendOnly {
		return j
	}
	var wtf [2]*WindowTableFunction
	start, end := [2]int{-1, -1}, [2]int{-1, -1}
	var lk, rk []int
	for i := range j.LeftKeys {
		l, r := j.LeftKeys[i], j.RightKeys[i]
		lw, lwhich, lok := windowColumn(j.Left, l)
		rw, rwhich, rok := windowColumn(j.Right, r)
		consistent := lok && rok && lwhich == rwhich && lwhich < 2 &&
			(wtf[0] == nil || wtf[0] == lw) && (wtf[1] == nil || wtf[1] == rw)
		switch {
		case consistent && lwhich == 0 && start[0] < 0:
			start = [2]int{l, r}
		case consistent && lwhich == 1 && end[0] < 0:
			end = [2]int{l, r}
		default:
			lk, rk = append(lk, l), append(rk, r)
			continue
		}
		wtf = [2]*WindowTableFunction{lw, rw}
	}
	if start[0] < 0 || end[0] < 0 || wtf[0].Window != wtf[1].Window || wtf[0].Window.Kind == operators.WindowSession {
		return j
	}
	for _, w := range wtf {
		if w.Input.Schema()[w.TimeCol].Type.TimeAttr != types.RowTime {
			return j
		}
	}
	wj := &WindowJoin{Left: j.Left, Right: j.Right, Type: j.Type, LeftKeys: lk, RightKeys: rk,
		Start: start, End: end, Window: wtf[0].Window, Residual: j.Residual, schema: j.schema}
	used := map[string]bool{}
	for _, in := range []Node{j.Left, j.Right} {
		for _, c := range in.Schema() {
			name := c.Name
			for k := 0; used[name]; k++ {
				name = c.Name + strconv.Itoa(k)
			}
			used[name] = true
			wj.names = append(wj.names, name)
		}
	}
	return wj
}

// withFilter pushes a filter above the window join into it where the join
// type allows, as Join.withFilter does: conditions on the left columns into
// the left input of an inner, left, semi or anti join, on the right columns
// into the right input of an inner or right join, on both into an inner
// join's residual; the rest stays above. ok is false when nothing could be
// pushed.
func (w *WindowJoin) withFilter(cs []expr.Expr) (Node, bool, error) {
	left, right, both, keep := splitJoinFilters(cs, len(w.Left.Schema()), w.Type != operators.RightJoin && w.Type != operators.FullJoin,
		w.Type == operators.InnerJoin || w.Type == operators.RightJoin, w.Type == operators.InnerJoin)
	if len(left)+len(right)+len(both) == 0 {
		return nil, false, nil
	}
	n := *w
	var err error
	if n.Left, n.Right, err = filterInputs(w.Left, w.Right, left, right); err != nil {
		return nil, false, err
	}
	if len(both) > 0 {
		if n.Residual != nil {
			both = append([]expr.Expr{n.Residual}, both...)
		}
		n.Residual = andAll(both)
	}
	return filterAbove(&n, keep), true, nil
}

// stateKeys are the columns each side's rows are partitioned and kept by:
// the join keys, then window_start and window_end.
func (w *WindowJoin) stateKeys() (left, right []int) {
	left = append(append([]int{}, w.LeftKeys...), w.Start[0], w.End[0])
	right = append(append([]int{}, w.RightKeys...), w.Start[1], w.End[1])
	return left, right
}

// buildWindowJoin translates a WindowJoin: both inputs hash-partitioned by
// their join keys and window bounds into one vertex.
func (b *graphBuilder) buildWindowJoin(x *WindowJoin, id string) (*runtime.Vertex, error) {
	left, right, err := b.buildBoth(x.Left, x.Right)
	if err != nil {
		return nil, err
	}
	lk, rk := x.stateKeys()
	v := b.newVertex("WindowJoin", b.opts.Parallelism)
	v.Chain = []runtime.OperatorSpec{{ID: id, Name: "WindowJoin",
		New: operators.NewWindowJoin(x.Type, lk, rk, len(x.LeftKeys), columnTypes(x.Left.Schema()), columnTypes(x.Right.Schema()), x.Residual)}}
	b.hashInto(left, v, x.Left, lk, runtime.Hash, 0)
	b.hashInto(right, v, x.Right, rk, runtime.Hash, 1)
	return v, nil
}

// refersOutside reports whether the WHERE clause of sel names a table
// (t.col) that its FROM clause does not define: a correlated subquery.
func (qb *queryBinder) refersOutside(sel *ast.SelectStmt) bool {
	defined := map[string]bool{}
	var walk func(n ast.ResultSetNode)
	walk = func(n ast.ResultSetNode) {
		switch x := n.(type) {
		case *ast.Join:
			walk(x.Left)
			if x.Right != nil {
				walk(x.Right)
			}
		case *ast.TableSource:
			defined[strings.ToLower(qb.refAlias(x))] = true
		}
	}
	walk(sel.From.TableRefs)
	v := &qualifierVisitor{defined: defined}
	sel.Where.Accept(v)
	return v.outside
}

// qualifierVisitor looks for column references qualified by a table name
// that is not defined.
type qualifierVisitor struct {
	defined map[string]bool
	outside bool
}

func (v *qualifierVisitor) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.SubqueryExpr:
		return n, true // its own scope
	case *ast.ColumnNameExpr:
		if t := x.Name.Table.L; t != "" && !v.defined[t] {
			v.outside = true
		}
	}
	return n, false
}

func (v *qualifierVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// correlatedIn plans `x [NOT] IN (SELECT y FROM t WHERE t.a = outer.a AND
// ...)`, an IN subquery whose WHERE clause refers to the outer query, as a
// semi (anti) join on x = y and the correlated equalities (a window join
// when those equate the window bounds of both sides); the subquery's other
// conditions filter its input. ok is false for a subquery whose WHERE
// clause names no outer table (the caller plans it as a plain IN).
func (qb *queryBinder) correlatedIn(sq *ast.PatternInExpr, ref *expr.ColumnRef, in Node, sc *scope) (Node, bool, error) {
	q, ok := sq.Sel.(*ast.SubqueryExpr)
	if !ok {
		return nil, false, nil
	}
	sel, ok := q.Query.(*ast.SelectStmt)
	if !ok || sel.From == nil || sel.Where == nil || sel.GroupBy != nil || sel.Having != nil || sel.Limit != nil ||
		sel.Distinct || sel.Fields == nil || len(sel.Fields.Fields) != 1 || sel.Fields.Fields[0].WildCard != nil {
		return nil, false, nil
	}
	if !qb.refersOutside(sel) {
		return nil, false, nil // not correlated: a plain IN
	}
	conj := astConjuncts(sel.Where, nil)
	inner, isc, err := qb.from(sel.From.TableRefs)
	if err != nil {
		return nil, false, err
	}
	var filters []expr.Expr
	var correlated []ast.ExprNode
	for _, c := range conj {
		if e, err := qb.exprBinder(isc).bind(c); err == nil {
			filters = append(filters, e)
			continue
		}
		correlated = append(correlated, c)
	}
	pos := qb.q.Locate("IN")
	// Outer columns first, then the subquery's.
	both := &scope{cols: append(append([]scopeColumn{}, sc.cols...), isc.cols...)}
	no := len(sc.cols)
	var lk, rk []int
	for _, c := range correlated {
		e, err := qb.exprBinder(both).bind(c)
		if err != nil {
			return nil, true, err
		}
		l, r, ok := equiKey(e, no)
		if !ok || !in.Schema()[l].Type.Equal(inner.Schema()[r].Type, true) {
			return nil, true, validationf(pos, "A correlated condition of an IN subquery must be an equality between an outer and an inner column of the same type: %s", restore(c))
		}
		lk, rk = append(lk, l), append(rk, r)
	}
	if len(filters) > 0 {
		if inner, err = filterInput(inner, filters); err != nil {
			return nil, true, err
		}
	}
	if err := checkNoCrossJoin(inner); err != nil {
		return nil, true, err
	}
	// The selected value: a column of the subquery, or an expression
	// computed as an extra column.
	e, err := qb.exprBinder(isc).bind(sel.Fields.Fields[0].Expr)
	if err != nil {
		return nil, true, err
	}
	col := -1
	if r, ok := e.(*expr.ColumnRef); ok {
		col = r.Index
	} else {
		s := scopeOf("", inner.Schema())
		inner = &Calc{Input: inner, Exprs: append(identity(s), e), Names: append(names(s), fmt.Sprintf("$in%d", len(s.cols)))}
		col = len(s.cols)
	}
	if !inner.Schema()[col].Type.Equal(ref.T, true) {
		return nil, true, validationf(pos, "IN (subquery) compares %s with %s; cast one side to the other's type", ref.T, inner.Schema()[col].Type)
	}
	jt := operators.SemiJoin
	if sq.Not {
		jt = operators.AntiJoin
	}
	j := &Join{Left: in, Right: inner, Type: jt, LeftKeys: append([]int{ref.Index}, lk...), RightKeys: append([]int{col}, rk...),
		schema: append([]Column{}, in.Schema()...)}
	return asWindowJoin(j), true, nil
}

// windowRowtime reports whether column col of n is the event-time column
// of a window table function (windowTimeColumn): the function makes
// window_time the time attribute, but a window deduplication ordered by the
// original column (ORDER BY ts DESC, rn = 1) keeps the last row on ties
// as Flink's WindowDeduplicate does.
func windowRowtime(n Node, col int) bool {
	return windowTimeColumn(n, col) == types.RowTime
}

// windowTimeColumn follows column col of n as windowColumn follows window
// properties (projections, window Top-Ns, the preserved sides of window
// joins) to the time column of a window table function, and returns the
// time attribute that column had before the function (NoTimeAttr when col
// is no such column).
func windowTimeColumn(n Node, col int) types.TimeAttr {
	for {
		switch x := n.(type) {
		case *Calc:
			ref, ok := x.Exprs[col].(*expr.ColumnRef)
			if !ok {
				return types.NoTimeAttr
			}
			n, col = x.Input, ref.Index
		case *Rank:
			if x.WindowEnd < 0 || col >= len(x.Input.Schema()) {
				return types.NoTimeAttr
			}
			n = x.Input
		case *WindowJoin:
			side, c, ok := x.preservedSide(col)
			if !ok {
				return types.NoTimeAttr
			}
			n, col = side, c
		case *WindowTableFunction:
			if col != x.TimeCol {
				return types.NoTimeAttr
			}
			return x.Input.Schema()[col].Type.TimeAttr
		default:
			return types.NoTimeAttr
		}
	}
}
