package planner

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"

	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/operators"
	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// Join is a regular (unbounded state) join of two inputs on equal keys,
// with an optional residual condition. Its rows are the left columns then
// the right columns (right names that clash get a numeric suffix, as in
// Flink: id, id0); the columns of an outer join's inner side are nullable.
type Join struct {
	Left, Right Node
	Type        operators.JoinType
	// LeftKeys[i] = RightKeys[i] (indexes into each input); Residual is
	// over the joined row (nil: none).
	LeftKeys, RightKeys []int
	Residual            expr.Expr
	// Interval is set for an interval join: append-only inputs whose
	// residual bounds the difference of their rowtimes, so the state can be
	// cleaned as the watermark advances.
	Interval *operators.IntervalBounds
	// StateTTL per side, from a STATE_TTL hint naming the side's table (0:
	// the job's table.exec.state.ttl).
	StateTTL [2]time.Duration
	schema   []Column
}

// newJoin builds the join; cond (over left ++ right, may be nil) is split
// into equal keys, conjuncts pushed into one input where that keeps the
// join's meaning, and the residual.
func newJoin(left, right Node, jt operators.JoinType, cond expr.Expr, pos sql.Pos) (Node, error) {
	if cond != nil {
		if n, ok, err := castJoinKeys(left, right, jt, cond, pos); ok || err != nil {
			return n, err
		}
	}
	nl := len(left.Schema())
	j := &Join{Left: left, Right: right, Type: jt}
	var residual, toLeft, toRight []expr.Expr
	if cond != nil {
		for _, c := range conjuncts(cond) {
			if l, r, ok := equiKey(c, nl); ok && left.Schema()[l].Type.Equal(right.Schema()[r].Type, true) {
				j.LeftKeys, j.RightKeys = append(j.LeftKeys, l), append(j.RightKeys, r)
				continue
			}
			switch side := sideOf(c, nl); {
			// A condition on the inner side of an outer join (or on either
			// side of an inner join) filters that input.
			case side == 0 && (jt == operators.InnerJoin || jt == operators.RightJoin):
				toLeft = append(toLeft, c)
			case side == 1 && (jt == operators.InnerJoin || jt == operators.LeftJoin):
				toRight = append(toRight, shiftRefs(c, -nl))
			default:
				residual = append(residual, c)
			}
		}
	}
	if len(j.LeftKeys) == 0 {
		return nil, validationf(pos, "Joins without an equality between columns of both sides (cross joins, non-equi joins) are not supported yet; add an equi-join condition such as a.id = b.id (with columns of the same type)")
	}
	var err error
	if j.Left, err = filterInput(left, toLeft); err != nil {
		return nil, err
	}
	if j.Right, err = filterInput(right, toRight); err != nil {
		return nil, err
	}
	if err := checkNoCrossJoin(j.Left); err != nil {
		return nil, err
	}
	if err := checkNoCrossJoin(j.Right); err != nil {
		return nil, err
	}
	j.Residual = andAll(residual)
	if j.Left.Changelog() == AppendOnly && j.Right.Changelog() == AppendOnly {
		j.Interval = intervalBounds(residual, j.Left.Schema(), j.Right.Schema())
	}
	used := map[string]bool{}
	for s, in := range []Node{j.Left, j.Right} {
		nullable := (s == 0 && (jt == operators.RightJoin || jt == operators.FullJoin)) ||
			(s == 1 && (jt == operators.LeftJoin || jt == operators.FullJoin))
		for _, c := range in.Schema() {
			name := c.Name
			for k := 0; used[name]; k++ {
				name = c.Name + strconv.Itoa(k)
			}
			used[name] = true
			if nullable {
				c.Type = c.Type.WithNullable(true)
			}
			j.schema = append(j.schema, Column{Name: name, Type: c.Type})
		}
	}
	return asWindowJoin(j), nil
}

// intervalBounds finds in the residual conjuncts bounds on the difference
// of a left and a right rowtime attribute — l.t BETWEEN r.t - INTERVAL a
// AND r.t + INTERVAL b, or comparisons of l.t and r.t ± INTERVAL c — as
// lower ≤ l.t - r.t ≤ upper; nil when there are none. The conjuncts stay in
// the residual (they still decide matches); the bounds only let state go.
func intervalBounds(conj []expr.Expr, left, right []Column) *operators.IntervalBounds {
	nl := len(left)
	var b *operators.IntervalBounds
	rowtime := func(c int) bool {
		if c < nl {
			return left[c].Type.TimeAttr == types.RowTime
		}
		return right[c-nl].Type.TimeAttr == types.RowTime
	}
	// term recognises col or col ± interval literal: (col, offset ms).
	term := func(e expr.Expr) (int, int64, bool) {
		switch x := e.(type) {
		case *expr.ColumnRef:
			return x.Index, 0, rowtime(x.Index)
		case *expr.Call:
			if len(x.Args) != 2 || (x.Fn.Name != "+" && x.Fn.Name != "-") {
				return 0, 0, false
			}
			ref, ok1 := x.Args[0].(*expr.ColumnRef)
			lit, ok2 := x.Args[1].(*expr.Literal)
			if !ok1 || !ok2 || lit.T.Kind != types.KindIntervalDayTime || lit.Value.IsNull(0) || !rowtime(ref.Index) {
				return 0, 0, false
			}
			off := lit.Value.Ints[0]
			if x.Fn.Name == "-" {
				off = -off
			}
			return ref.Index, off, true
		}
		return 0, 0, false
	}
	// bound records a op c for terms a = (ca + oa), c = (cb + ob).
	bound := func(a, c expr.Expr, op string) {
		ca, oa, ok1 := term(a)
		cb, ob, ok2 := term(c)
		if !ok1 || !ok2 || (ca < nl) == (cb < nl) {
			return
		}
		// Normalise to l - r op v.
		var v int64
		if ca < nl {
			v = ob - oa
		} else {
			v = oa - ob
			op = map[string]string{">=": "<=", ">": "<", "<=": ">=", "<": ">"}[op]
		}
		if b == nil {
			l, r := ca, cb-nl
			if ca >= nl {
				l, r = cb, ca-nl
			}
			b = &operators.IntervalBounds{LeftTime: l, RightTime: r}
		}
		switch op {
		case ">=", ">":
			if !b.HasLower || v > b.Lower {
				b.Lower, b.HasLower = v, true
			}
		case "<=", "<":
			if !b.HasUpper || v < b.Upper {
				b.Upper, b.HasUpper = v, true
			}
		}
	}
	for _, c := range conj {
		call, ok := c.(*expr.Call)
		if !ok {
			continue
		}
		switch {
		case call.Fn.Name == "BETWEEN" && len(call.Args) == 3:
			bound(call.Args[0], call.Args[1], ">=")
			bound(call.Args[0], call.Args[2], "<=")
		case len(call.Args) == 2 && (call.Fn.Name == ">=" || call.Fn.Name == ">" || call.Fn.Name == "<=" || call.Fn.Name == "<"):
			bound(call.Args[0], call.Args[1], call.Fn.Name)
		}
	}
	return b
}

// castJoinKeys handles equalities between columns of both sides whose
// types differ but have a common type (INT = BIGINT, INT = DECIMAL): each
// side gets its key cast to the common type as an extra column, the join
// runs on those, and a projection drops them again. ok is false when no
// key needs a cast.
func castJoinKeys(left, right Node, jt operators.JoinType, cond expr.Expr, pos sql.Pos) (Node, bool, error) {
	nl, nr := len(left.Schema()), len(right.Schema())
	conj := conjuncts(cond)
	type pair struct {
		i    int // conjunct
		l, r int
		t    *types.Type
	}
	var pairs []pair
	for i, c := range conj {
		l, r, ok := equiKey(c, nl)
		if !ok {
			continue
		}
		lt, rt := left.Schema()[l].Type, right.Schema()[r].Type
		if lt.Equal(rt, true) {
			continue
		}
		ct, err := expr.CommonType(lt, rt)
		if err != nil {
			continue
		}
		pairs = append(pairs, pair{i, l, r, ct.WithNullable(!lt.NotNull || !rt.NotNull)})
	}
	if len(pairs) == 0 {
		return nil, false, nil
	}
	extend := func(n Node, cols []int, to []*types.Type) (Node, error) {
		sc := scopeOf("", n.Schema())
		exprs, nms := identity(sc), names(sc)
		for k, c := range cols {
			e, err := expr.ImplicitCast(exprs[c], to[k].WithNullable(!n.Schema()[c].Type.NotNull))
			if err != nil {
				return nil, err
			}
			exprs = append(exprs, e)
			nms = append(nms, fmt.Sprintf("$key%d", k))
		}
		return &Calc{Input: n, Exprs: exprs, Names: nms}, nil
	}
	var lcols, rcols []int
	var ts []*types.Type
	for _, p := range pairs {
		lcols, rcols, ts = append(lcols, p.l), append(rcols, p.r), append(ts, p.t)
	}
	l2, err := extend(left, lcols, ts)
	if err != nil {
		return nil, false, err
	}
	r2, err := extend(right, rcols, ts)
	if err != nil {
		return nil, false, err
	}
	extra := len(pairs)
	// Right columns move behind the left side's new key columns.
	shifted := make([]expr.Expr, len(conj))
	for i, c := range conj {
		shifted[i] = mapExpr(c, func(x expr.Expr) expr.Expr {
			if r, ok := x.(*expr.ColumnRef); ok && r.Index >= nl {
				return &expr.ColumnRef{Index: r.Index + extra, Name: r.Name, T: r.T}
			}
			return x
		})
	}
	for k, p := range pairs {
		lk := &expr.ColumnRef{Index: nl + k, Name: fmt.Sprintf("$key%d", k), T: l2.Schema()[nl+k].Type}
		rk := &expr.ColumnRef{Index: nl + extra + nr + k, Name: fmt.Sprintf("$key%d", k), T: r2.Schema()[nr+k].Type}
		eq, err := expr.NewCall(mustLookup("="), lk, rk)
		if err != nil {
			return nil, false, err
		}
		shifted[p.i] = eq
	}
	j, err := newJoin(l2, r2, jt, andAll(shifted), pos)
	if err != nil {
		return nil, false, err
	}
	// Back to the original columns.
	js := j.Schema()
	var exprs []expr.Expr
	var nms []string
	for i := 0; i < nl; i++ {
		exprs, nms = append(exprs, &expr.ColumnRef{Index: i, Name: js[i].Name, T: js[i].Type}), append(nms, js[i].Name)
	}
	for i := 0; i < nr; i++ {
		c := nl + extra + i
		exprs, nms = append(exprs, &expr.ColumnRef{Index: c, Name: js[c].Name, T: js[c].Type}), append(nms, js[c].Name)
	}
	return &Calc{Input: j, Exprs: exprs, Names: nms}, true, nil
}

func mustLookup(name string) *expr.Function {
	f, ok := expr.Lookup(name)
	if !ok {
		panic("planner: no function " + name)
	}
	return f
}

// equiKey recognises left.col = right.col (either order).
func equiKey(c expr.Expr, nl int) (l, r int, ok bool) {
	call, isCall := c.(*expr.Call)
	if !isCall || call.Fn.Name != "=" || len(call.Args) != 2 {
		return 0, 0, false
	}
	a, aok := call.Args[0].(*expr.ColumnRef)
	b, bok := call.Args[1].(*expr.ColumnRef)
	if !aok || !bok {
		return 0, 0, false
	}
	switch {
	case a.Index < nl && b.Index >= nl:
		return a.Index, b.Index - nl, true
	case b.Index < nl && a.Index >= nl:
		return b.Index, a.Index - nl, true
	}
	return 0, 0, false
}

// sideOf says which input the columns of c come from: 0 left only, 1 right
// only, 2 both (or none).
func sideOf(c expr.Expr, nl int) int {
	left, right := false, false
	visitRefs(c, func(r *expr.ColumnRef) {
		if r.Index < nl {
			left = true
		} else {
			right = true
		}
	})
	switch {
	case left && !right:
		return 0
	case right && !left:
		return 1
	}
	return 2
}

// shiftRefs moves the column references of e by delta.
func shiftRefs(e expr.Expr, delta int) expr.Expr {
	return mapExpr(e, func(x expr.Expr) expr.Expr {
		if r, ok := x.(*expr.ColumnRef); ok {
			return &expr.ColumnRef{Index: r.Index + delta, Name: r.Name, T: r.T}
		}
		return x
	})
}

// filterInput applies conjuncts to n: pushed further into a join, else as a
// filtering Calc.
func filterInput(n Node, cs []expr.Expr) (Node, error) {
	if len(cs) == 0 {
		return n, nil
	}
	switch j := n.(type) {
	case *crossJoin:
		return newJoin(j.left, j.right, operators.InnerJoin, andAll(cs), j.pos)
	case *Join:
		if out, ok, err := j.withFilter(cs); ok || err != nil {
			return out, err
		}
	case *WindowJoin:
		if out, ok, err := j.withFilter(cs); ok || err != nil {
			return out, err
		}
	}
	sc := scopeOf("", n.Schema())
	return &Calc{Input: n, Exprs: identity(sc), Names: names(sc), Condition: andAll(cs)}, nil
}

// withFilter pushes a filter above the join into it where the join type
// allows (a WHERE over an inner join is its join condition); what cannot be
// pushed stays above. ok is false when nothing could be pushed.
func (j *Join) withFilter(cs []expr.Expr) (Node, bool, error) {
	nl := len(j.Left.Schema())
	left, right, both, keep := splitJoinFilters(cs, nl, j.Type == operators.InnerJoin || j.Type == operators.LeftJoin,
		j.Type == operators.InnerJoin || j.Type == operators.RightJoin, j.Type == operators.InnerJoin)
	if len(left)+len(right)+len(both) == 0 {
		return nil, false, nil
	}
	n := *j
	var err error
	if n.Left, n.Right, err = filterInputs(j.Left, j.Right, left, right); err != nil {
		return nil, false, err
	}
	if len(both) > 0 {
		var cond []expr.Expr
		if n.Residual != nil {
			cond = append(cond, n.Residual)
		}
		n.Residual = andAll(append(cond, both...))
		if n.Left.Changelog() == AppendOnly && n.Right.Changelog() == AppendOnly {
			n.Interval = intervalBounds(conjuncts(n.Residual), n.Left.Schema(), n.Right.Schema())
		}
	}
	return filterAbove(&n, keep), true, nil
}

// splitJoinFilters sorts the conjuncts of a filter over a join's output
// (nl left columns) by what they read: the left side's columns (pushed
// below the join when pushLeft), the right side's (shifted to the right
// input's columns; when pushRight), both sides' (into the join condition
// when intoJoin); the rest stays above the join.
func splitJoinFilters(cs []expr.Expr, nl int, pushLeft, pushRight, intoJoin bool) (left, right, both, keep []expr.Expr) {
	for _, c := range cs {
		switch side := sideOf(c, nl); {
		case side == 0 && pushLeft:
			left = append(left, c)
		case side == 1 && pushRight:
			right = append(right, shiftRefs(c, -nl))
		case side == 2 && intoJoin:
			both = append(both, c)
		default:
			keep = append(keep, c)
		}
	}
	return left, right, both, keep
}

// filterInputs puts each side's pushed-down conjuncts below the join.
func filterInputs(l, r Node, left, right []expr.Expr) (Node, Node, error) {
	l, err := filterInput(l, left)
	if err != nil {
		return nil, nil, err
	}
	r, err = filterInput(r, right)
	return l, r, err
}

// filterAbove keeps the conjuncts no side could take as a filter above n.
func filterAbove(n Node, keep []expr.Expr) Node {
	if len(keep) == 0 {
		return n
	}
	sc := scopeOf("", n.Schema())
	return &Calc{Input: n, Exprs: identity(sc), Names: names(sc), Condition: andAll(keep)}
}

func (j *Join) Schema() []Column { return j.schema }
func (j *Join) Inputs() []Node   { return []Node{j.Left, j.Right} }
func (j *Join) Changelog() Changelog {
	appendOnly := j.Left.Changelog() == AppendOnly && j.Right.Changelog() == AppendOnly
	if appendOnly && (j.Type == operators.InnerJoin || j.Type == operators.SemiJoin) {
		return AppendOnly
	}
	return Updating
}
func (j *Join) Describe() string {
	var conds []string
	for i := range j.LeftKeys {
		conds = append(conds, "=("+j.Left.Schema()[j.LeftKeys[i]].Name+", "+j.Right.Schema()[j.RightKeys[i]].Name+")")
	}
	if j.Residual != nil {
		conds = append(conds, j.Residual.String())
	}
	where := conds[0]
	if len(conds) > 1 {
		where = "AND(" + strings.Join(conds, ", ") + ")"
	}
	sel := make([]string, len(j.schema))
	for i, c := range j.schema {
		sel[i] = c.Name
	}
	if iv := j.Interval; iv != nil {
		lower, upper := "-inf", "+inf"
		if iv.HasLower {
			lower = strconv.FormatInt(iv.Lower, 10)
		}
		if iv.HasUpper {
			upper = strconv.FormatInt(iv.Upper, 10)
		}
		return "IntervalJoin(joinType=[" + j.Type.String() + "], windowBounds=[isRowTime=true, leftLowerBound=" + lower +
			", leftUpperBound=" + upper + ", leftTimeIndex=" + strconv.Itoa(iv.LeftTime) + ", rightTimeIndex=" + strconv.Itoa(iv.RightTime) +
			"], where=[" + where + "], select=[" + strings.Join(sel, ", ") + "])"
	}
	ttl := ""
	if j.StateTTL != [2]time.Duration{} {
		ttl = ", stateTtl=[left=" + j.StateTTL[0].String() + ", right=" + j.StateTTL[1].String() + "]"
	}
	return "Join(joinType=[" + j.Type.String() + "], where=[" + where + "], select=[" + strings.Join(sel, ", ") +
		"], leftInputSpec=[NoUniqueKey], rightInputSpec=[NoUniqueKey]" + ttl + ")"
}
func (j *Join) WithInputs(in []Node) Node {
	n := *j
	n.Left, n.Right = in[0], in[1]
	return &n
}

// join binds a JOIN (or comma join) of two table references.
func (qb *queryBinder) join(x *ast.Join) (Node, *scope, error) {
	if x.NaturalJoin || x.Using != nil {
		return nil, nil, qb.errAt("JOIN", "NATURAL JOIN and JOIN ... USING are not supported yet; write the condition with ON")
	}
	left, lsc, err := qb.from(x.Left)
	if err != nil {
		return nil, nil, err
	}
	if tn, ts, ok := lookupTarget(x); ok {
		return qb.lookupJoin(x, tn, ts, left, lsc)
	}
	right, rsc, err := qb.from(x.Right)
	if err != nil {
		return nil, nil, err
	}
	jt := operators.InnerJoin
	switch {
	case x.StraightJoin: // FULL [OUTER] JOIN, rewritten before TiDB parsing
		jt = operators.FullJoin
	case x.Tp == ast.LeftJoin:
		jt = operators.LeftJoin
	case x.Tp == ast.RightJoin:
		jt = operators.RightJoin
	}
	sc := &scope{cols: append(append([]scopeColumn{}, lsc.cols...), rsc.cols...)}
	if x.On == nil {
		if jt != operators.InnerJoin {
			return nil, nil, qb.errAt("JOIN", "An outer join needs an ON condition")
		}
		// A comma or CROSS join: the WHERE clause brings the condition.
		return &crossJoin{left: left, right: right, pos: qb.q.Locate("JOIN")}, sc, nil
	}
	cond, err := qb.exprBinder(sc).bind(x.On.Expr)
	if err != nil {
		return nil, nil, err
	}
	n, err := newJoin(left, right, jt, cond, qb.q.Locate("ON"))
	if err != nil {
		return nil, nil, err
	}
	if n, err = qb.withJoinTTL(n, x); err != nil {
		return nil, nil, err
	}
	return n, sc, nil
}

// refAlias is the name a FROM item is known by: its alias or table name.
func (qb *queryBinder) refAlias(n ast.ResultSetNode) string {
	ts, ok := n.(*ast.TableSource)
	if !ok {
		return ""
	}
	if ts.AsName.O != "" {
		return ts.AsName.O
	}
	if tn, ok := ts.Source.(*ast.TableName); ok {
		if strings.HasPrefix(tn.Name.L, "__table_") {
			var i int
			fmt.Sscanf(tn.Name.L, "__table_%d", &i)
			if i < len(qb.rw.Tables) {
				return qb.rw.Tables[i].Name.Name()
			}
		}
		return tn.Name.O
	}
	return ""
}

// stateTTL is the TTL a STATE_TTL hint gives the table known as alias (0
// when none).
func (qb *queryBinder) stateTTL(alias string) (time.Duration, error) {
	if alias == "" {
		return 0, nil
	}
	for _, o := range qb.rw.StateTTL {
		if strings.EqualFold(o.Key, alias) {
			d, err := ParseDuration(o.Value)
			if err != nil || d <= 0 {
				return 0, validationf(o.Pos, "Invalid STATE_TTL value '%s' for '%s': expected a positive duration such as '1d' or '12 h'", o.Value, o.Key)
			}
			return d, nil
		}
	}
	return 0, nil
}

// withJoinTTL applies STATE_TTL hints naming the join's inputs.
func (qb *queryBinder) withJoinTTL(n Node, x *ast.Join) (Node, error) {
	var ttl [2]time.Duration
	for i, side := range []ast.ResultSetNode{x.Left, x.Right} {
		d, err := qb.stateTTL(qb.refAlias(side))
		if err != nil {
			return nil, err
		}
		ttl[i] = d
	}
	if ttl == [2]time.Duration{} {
		return n, nil
	}
	set := func(j *Join) Node { c := *j; c.StateTTL = ttl; return &c }
	switch j := n.(type) {
	case *Join:
		return set(j), nil
	case *Calc: // keys cast to a common type
		if in, ok := j.Input.(*Join); ok {
			c := *j
			c.Input = set(in)
			return &c, nil
		}
	}
	return n, nil
}

// crossJoin is a join without ON, waiting for the WHERE clause to supply
// its condition; it never reaches the plan.
type crossJoin struct {
	left, right Node
	pos         sql.Pos
}

func (c *crossJoin) Schema() []Column {
	return append(append([]Column{}, c.left.Schema()...), c.right.Schema()...)
}
func (c *crossJoin) Inputs() []Node       { return []Node{c.left, c.right} }
func (c *crossJoin) Changelog() Changelog { return Updating }
func (c *crossJoin) Describe() string     { return "CrossJoin" }
func (c *crossJoin) WithInputs(in []Node) Node {
	return &crossJoin{left: in[0], right: in[1], pos: c.pos}
}

// applyWhere filters in by cond, turning a cross join into a join with the
// condition and pushing conjuncts into joins.
func applyWhere(in Node, cond expr.Expr) (Node, error) {
	var rest []expr.Expr
	for _, c := range conjuncts(cond) {
		if n, ok := rankLimit(in, c); ok {
			in = n
			continue
		}
		rest = append(rest, c)
	}
	return filterInput(in, rest)
}

// checkNoCrossJoin fails when a cross join got no WHERE condition.
func checkNoCrossJoin(n Node) error {
	if cj, ok := n.(*crossJoin); ok {
		return validationf(cj.pos, "Cross joins are not supported yet; add a join condition (ON or WHERE a.id = b.id)")
	}
	return nil
}

// splitSubqueries takes the `x [NOT] IN (subquery)` conjuncts out of a
// WHERE condition; rest is what remains (nil when nothing).
func splitSubqueries(where ast.ExprNode) (rest ast.ExprNode, subs []ast.ExprNode) {
	var walk func(e ast.ExprNode) ast.ExprNode
	walk = func(e ast.ExprNode) ast.ExprNode {
		switch x := e.(type) {
		case *ast.BinaryOperationExpr:
			if x.Op != opcode.LogicAnd {
				return e
			}
			l, r := walk(x.L), walk(x.R)
			switch {
			case l == nil:
				return r
			case r == nil:
				return l
			}
			return &ast.BinaryOperationExpr{Op: opcode.LogicAnd, L: l, R: r}
		case *ast.PatternInExpr:
			if x.Sel != nil {
				subs = append(subs, x)
				return nil
			}
		case *ast.ExistsSubqueryExpr:
			subs = append(subs, x)
			return nil
		case *ast.UnaryOperationExpr:
			if ex, ok := x.V.(*ast.ExistsSubqueryExpr); ok && (x.Op == opcode.Not || x.Op == opcode.Not2) {
				subs = append(subs, &ast.ExistsSubqueryExpr{Sel: ex.Sel, Not: !ex.Not})
				return nil
			}
		case *ast.ParenthesesExpr:
			if in := walk(x.Expr); in != x.Expr {
				if in == nil {
					return nil
				}
				return &ast.ParenthesesExpr{Expr: in}
			}
		}
		return e
	}
	return walk(where), subs
}

// subqueryJoin plans one subquery conjunct of a WHERE clause.
func (qb *queryBinder) subqueryJoin(sq ast.ExprNode, in Node, sc *scope) (Node, error) {
	switch x := sq.(type) {
	case *ast.PatternInExpr:
		return qb.semiJoin(x, in, sc)
	case *ast.ExistsSubqueryExpr:
		return qb.existsJoin(x, in, sc)
	}
	return nil, qb.errAt("SELECT", "Unsupported subquery")
}

// existsJoin plans `[NOT] EXISTS (SELECT ... FROM t WHERE t.k = outer.k
// [AND ...])` as a semi (anti) join of in on the correlated equalities; the
// other conditions of the subquery filter its input. Other correlated
// conditions, and subqueries with GROUP BY, are not supported.
func (qb *queryBinder) existsJoin(x *ast.ExistsSubqueryExpr, in Node, sc *scope) (Node, error) {
	pos := qb.q.Locate("EXISTS")
	q, ok := x.Sel.(*ast.SubqueryExpr)
	if !ok {
		return nil, validationf(pos, "Unsupported EXISTS subquery")
	}
	sel, ok := q.Query.(*ast.SelectStmt)
	if !ok || sel.From == nil || sel.GroupBy != nil || sel.Having != nil || sel.Limit != nil {
		return nil, validationf(pos, "EXISTS supports a SELECT ... FROM ... WHERE subquery without GROUP BY, HAVING or LIMIT")
	}
	inner, isc, err := qb.from(sel.From.TableRefs)
	if err != nil {
		return nil, err
	}
	var conj []ast.ExprNode
	if sel.Where != nil {
		conj = astConjuncts(sel.Where, nil)
	}
	// Outer columns first, then the subquery's.
	both := &scope{cols: append(append([]scopeColumn{}, sc.cols...), isc.cols...)}
	no := len(sc.cols)
	var filters []expr.Expr
	var lk, rk []int
	for _, c := range conj {
		if e, err := qb.exprBinder(isc).bind(c); err == nil {
			filters = append(filters, e)
			continue
		}
		e, err := qb.exprBinder(both).bind(c)
		if err != nil {
			return nil, err
		}
		l, r, ok := equiKey(e, no)
		if !ok || !in.Schema()[l].Type.Equal(inner.Schema()[r].Type, true) {
			return nil, validationf(pos, "A correlated condition of EXISTS must be an equality between an outer and an inner column of the same type: %s", restore(c))
		}
		lk, rk = append(lk, l), append(rk, r)
	}
	if len(lk) == 0 {
		return nil, validationf(pos, "EXISTS needs a correlated equality such as inner.k = outer.k (uncorrelated EXISTS is not supported yet)")
	}
	if len(filters) > 0 {
		if inner, err = filterInput(inner, filters); err != nil {
			return nil, err
		}
	}
	if err := checkNoCrossJoin(inner); err != nil {
		return nil, err
	}
	jt := operators.SemiJoin
	if x.Not {
		jt = operators.AntiJoin
	}
	return asWindowJoin(&Join{Left: in, Right: inner, Type: jt, LeftKeys: lk, RightKeys: rk, schema: append([]Column{}, in.Schema()...)}), nil
}

// semiJoin plans `x IN (SELECT y ...)` as a semi join of in on x = y, and
// NOT IN as an anti join (without SQL's NULL-aware NOT IN: a NULL in the
// subquery does not empty the result).
func (qb *queryBinder) semiJoin(sq *ast.PatternInExpr, in Node, sc *scope) (Node, error) {
	pos := qb.q.Locate("IN")
	left, err := qb.exprBinder(sc).bind(sq.Expr)
	if err != nil {
		return nil, err
	}
	ref, ok := left.(*expr.ColumnRef)
	if !ok {
		return nil, validationf(pos, "IN (subquery) needs a column on its left side; compute the expression in a subquery first")
	}
	q, ok := sq.Sel.(*ast.SubqueryExpr)
	if !ok {
		return nil, validationf(pos, "Unsupported IN subquery")
	}
	if n, ok, err := qb.correlatedIn(sq, ref, in, sc); ok {
		return n, err
	}
	right, _, err := qb.resultSet(q.Query)
	if err != nil {
		return nil, err
	}
	if len(right.Schema()) != 1 {
		return nil, validationf(pos, "The subquery of IN must return one column, it returns %d", len(right.Schema()))
	}
	if !right.Schema()[0].Type.Equal(ref.T, true) {
		return nil, validationf(pos, "IN (subquery) compares %s with %s; cast one side to the other's type", ref.T, right.Schema()[0].Type)
	}
	jt := operators.SemiJoin
	if sq.Not {
		jt = operators.AntiJoin
		if ref.T.Nullable() || right.Schema()[0].Type.Nullable() {
			return nullAwareNotIn(in, right, ref.Index)
		}
	}
	return &Join{Left: in, Right: right, Type: jt, LeftKeys: []int{ref.Index}, RightKeys: []int{0},
		schema: append([]Column{}, in.Schema()...)}, nil
}

// nullAwareNotIn plans x NOT IN (SELECT y ...) with SQL's three-valued
// logic, as Flink's null-aware anti join: a row passes when no y equals x,
// no y is NULL, and x is not NULL — unless the subquery is empty, when
// every row passes. It is the union of
//
//	x IS NOT NULL rows, anti-joined on x = y, then anti-joined with the
//	  subquery's NULL rows (when y is nullable)
//	x IS NULL rows, anti-joined with the whole subquery (when x is nullable)
//
// where "anti-joined with" a whole input is a join on a constant key: all
// its rows meet in one subtask, as Flink's global joins.
func nullAwareNotIn(in, right Node, x int) (Node, error) {
	isNull := func(n Node, col int, not bool) (Node, error) {
		name := "IS NULL"
		if not {
			name = "IS NOT NULL"
		}
		c := n.Schema()[col]
		cond, err := expr.NewCall(mustLookup(name), &expr.ColumnRef{Index: col, Name: c.Name, T: c.Type})
		if err != nil {
			return nil, err
		}
		sc := scopeOf("", n.Schema())
		return &Calc{Input: n, Exprs: identity(sc), Names: names(sc), Condition: cond}, nil
	}
	// antiAll keeps the rows of l when r is empty (a constant join key).
	antiAll := func(l, r Node) Node {
		withOne := func(n Node) Node {
			sc := scopeOf("", n.Schema())
			return &Calc{Input: n, Exprs: append(identity(sc), intLiteral(1, types.Int)), Names: append(names(sc), "$one")}
		}
		nl := len(l.Schema())
		j := &Join{Left: withOne(l), Right: withOne(r), Type: operators.AntiJoin, LeftKeys: []int{nl}, RightKeys: []int{len(r.Schema())}}
		j.schema = append([]Column{}, j.Left.Schema()...)
		sc := scopeOf("", l.Schema())
		return &Calc{Input: j, Exprs: identity(sc), Names: names(sc)}
	}
	schema := append([]Column{}, in.Schema()...)
	notNull, err := isNull(in, x, true)
	if err != nil {
		return nil, err
	}
	var out Node = &Join{Left: notNull, Right: right, Type: operators.AntiJoin, LeftKeys: []int{x}, RightKeys: []int{0}, schema: schema}
	if right.Schema()[0].Type.Nullable() {
		nulls, err := isNull(right, 0, false)
		if err != nil {
			return nil, err
		}
		out = antiAll(out, nulls)
	}
	if !in.Schema()[x].Type.Nullable() {
		return out, nil
	}
	nullX, err := isNull(in, x, false)
	if err != nil {
		return nil, err
	}
	return &Union{Ins: []Node{out, antiAll(nullX, right)}}, nil
}

// astConjuncts appends the AND-ed terms of e (through parentheses) to out.
func astConjuncts(e ast.ExprNode, out []ast.ExprNode) []ast.ExprNode {
	switch x := e.(type) {
	case *ast.BinaryOperationExpr:
		if x.Op == opcode.LogicAnd {
			return astConjuncts(x.R, astConjuncts(x.L, out))
		}
	case *ast.ParenthesesExpr:
		return astConjuncts(x.Expr, out)
	}
	return append(out, e)
}
