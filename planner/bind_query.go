package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/formats"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// Planner binds statements against a session's catalog and configuration.
// It is used by one session goroutine at a time.
type Planner struct {
	Catalog *Catalog
	Config  *Config
}

// queryBinder binds one query text (its Rewrites and positions).
type queryBinder struct {
	p  *Planner
	q  *sql.Query
	rw *sql.Rewrites
	// undo reverts the edits binding makes to the AST (planQuery runs it
	// at the end), so a view's stored query binds again at its next use.
	undo []func()
	zone *time.Location // table.local-time-zone
	// sub: the query is a view's, part of a larger one (orderby.go drops
	// its ORDER BY without a fetch, as Calcite).
	sub bool
}

// PlanQuery binds a query into a logical plan (without a sink).
func (p *Planner) PlanQuery(q *sql.Query) (Node, error) {
	n, err := p.planQuery(q, false)
	if err != nil {
		return nil, err
	}
	if err := checkRanks(n); err != nil {
		return nil, err
	}
	return p.finishQuery(n) // batch.go: the runtime mode
}

// planQuery binds a query; sub: as part of a larger one (a view).
func (p *Planner) planQuery(q *sql.Query, sub bool) (Node, error) {
	zone, err := p.SessionZone()
	if err != nil {
		return nil, err
	}
	qb := &queryBinder{p: p, q: q, rw: q.Rewrites, zone: zone, sub: sub}
	defer func() {
		for i := len(qb.undo) - 1; i >= 0; i-- {
			qb.undo[i]()
		}
	}()
	n, _, err := qb.resultSet(q.Node)
	return n, err
}

func (qb *queryBinder) exprBinder(s *scope) *exprBinder {
	return &exprBinder{scope: s, rw: qb.rw, loc: qb.q, zone: qb.zone}
}

func (qb *queryBinder) errAt(word, format string, args ...any) error {
	return validationf(qb.q.Locate(word), format, args...)
}

// calciteAt is errAt for a check Calcite's validator makes in Flink, with
// its message (printed as Flink prints it: ValidationError).
func (qb *queryBinder) calciteAt(word, format string, args ...any) error {
	return calcitef(qb.q.Locate(word), format, args...)
}

func (qb *queryBinder) resultSet(n ast.ResultSetNode) (Node, *scope, error) {
	switch x := n.(type) {
	case *ast.SelectStmt:
		return qb.selectStmt(x)
	case *ast.SetOprStmt:
		return qb.setOpr(x)
	}
	return nil, nil, qb.errAt("", "Unsupported query: %T", n)
}

func (qb *queryBinder) setOpr(x *ast.SetOprStmt) (Node, *scope, error) {
	if x.With != nil {
		return nil, nil, qb.errAt("UNION", "WITH on set operations is not supported yet")
	}
	if x.OrderBy != nil || x.Limit != nil {
		return qb.orderedSetOpr(x) // orderby.go
	}
	var ins []Node
	var first *scope
	distinct := false
	for i, s := range x.SelectList.Selects {
		rs, ok := s.(ast.ResultSetNode)
		if !ok {
			return nil, nil, qb.errAt("UNION", "Unsupported set operation input")
		}
		if sel, ok := s.(*ast.SelectStmt); ok && i > 0 && sel.AfterSetOperator != nil {
			switch *sel.AfterSetOperator {
			case ast.UnionAll:
			case ast.Union:
				distinct = true
			default:
				return nil, nil, qb.errAt("", "%s is not supported yet", sel.AfterSetOperator.String())
			}
		}
		n, sc, err := qb.resultSet(rs)
		if err != nil {
			return nil, nil, err
		}
		if first == nil {
			first = sc
		}
		ins = append(ins, n)
	}
	ins, err := unifySchemas(ins)
	if err != nil {
		return nil, nil, qb.errAt("UNION", "%s", err.Error())
	}
	var out Node = &Union{Ins: ins}
	if distinct {
		keys := make([]int, len(out.Schema()))
		for i := range keys {
			keys[i] = i
		}
		out = &Aggregate{Input: out, Keys: keys}
	}
	return out, scopeOf("", out.Schema()), nil
}

// unifySchemas casts union inputs to common column types.
func unifySchemas(ins []Node) ([]Node, error) {
	width := len(ins[0].Schema())
	for _, n := range ins {
		if len(n.Schema()) != width {
			return nil, fmt.Errorf("Set operator requires inputs with the same number of columns: %d and %d", width, len(n.Schema()))
		}
	}
	common := make([]*types.Type, width)
	for c := 0; c < width; c++ {
		ts := make([]*types.Type, len(ins))
		for i, n := range ins {
			ts[i] = n.Schema()[c].Type
		}
		t, err := expr.CommonType(ts...)
		if err != nil {
			return nil, err
		}
		common[c] = t
	}
	out := make([]Node, len(ins))
	for i, n := range ins {
		sc := n.Schema()
		need := false
		exprs := make([]expr.Expr, width)
		names := make([]string, width)
		for c := range sc {
			var e expr.Expr = &expr.ColumnRef{Index: c, Name: sc[c].Name, T: sc[c].Type}
			if !sc[c].Type.Equal(common[c], false) {
				ce, err := expr.ImplicitCast(e, common[c])
				if err != nil {
					return nil, err
				}
				e, need = ce, true
			}
			exprs[c] = e
			names[c] = ins[0].Schema()[c].Name
		}
		if need {
			out[i] = &Calc{Input: n, Exprs: exprs, Names: names}
		} else {
			out[i] = n
		}
	}
	return out, nil
}

func (qb *queryBinder) selectStmt(s *ast.SelectStmt) (Node, *scope, error) {
	if s.Kind == ast.SelectStmtKindValues {
		return qb.values(s.Lists)
	}
	if s.OrderBy != nil || s.Limit != nil {
		return qb.orderedSelect(s) // orderby.go
	}
	var in Node
	var sc *scope
	var err error
	if s.From == nil {
		in = &Values{Rows: &types.Batch{Len: 1}}
		sc = &scope{}
	} else {
		in, sc, err = qb.from(s.From.TableRefs)
		if err != nil {
			return nil, nil, err
		}
	}
	where := s.Where
	if where != nil {
		// The filter first (pushed into joins), then [NOT] IN (subquery)
		// conjuncts as semi and anti joins.
		var subs []ast.ExprNode
		where, subs = splitSubqueries(where)
		if where != nil {
			cond, err := qb.exprBinder(sc).bind(where)
			if err != nil {
				return nil, nil, err
			}
			if cond.Type().Kind != types.KindBoolean {
				return nil, nil, qb.calciteAt("WHERE", "WHERE clause must be a condition")
			}
			if in, err = applyWhere(in, cond); err != nil {
				return nil, nil, err
			}
		}
		for _, sq := range subs {
			if err := checkNoCrossJoin(in); err != nil {
				return nil, nil, err
			}
			if in, err = qb.subqueryJoin(sq, in, sc); err != nil {
				return nil, nil, err
			}
		}
	}
	if err := checkNoCrossJoin(in); err != nil {
		return nil, nil, err
	}
	rewriteAggFilters(s)
	aggs := collectAggregates(s)
	if s.GroupBy != nil || len(aggs) > 0 || (s.Having != nil) {
		return qb.aggregate(s, in, sc, aggs)
	}
	if in, sc, err = qb.overAggregate(s, in, sc); err != nil {
		return nil, nil, err
	}
	if in, sc, err = qb.rowNumber(s, in, sc); err != nil {
		return nil, nil, err
	}
	fields, err := qb.expandFields(s.Fields.Fields, sc)
	if err != nil {
		return nil, nil, err
	}
	eb := qb.exprBinder(sc)
	exprs := make([]expr.Expr, len(fields))
	for i, f := range fields {
		e, err := eb.bind(f.Expr)
		if err != nil {
			return nil, nil, err
		}
		exprs[i] = e
	}
	out := &Calc{Input: in, Exprs: exprs, Names: fieldNames(fields)}
	var result Node = out
	if s.Distinct {
		keys := make([]int, len(exprs))
		for i := range keys {
			keys[i] = i
		}
		result = &Aggregate{Input: out, Keys: keys}
	}
	return result, scopeOf("", result.Schema()), nil
}

func identity(s *scope) []expr.Expr {
	out := make([]expr.Expr, len(s.cols))
	for i, c := range s.cols {
		out[i] = &expr.ColumnRef{Index: i, Name: c.name, T: c.typ}
	}
	return out
}

func names(s *scope) []string {
	out := make([]string, len(s.cols))
	for i, c := range s.cols {
		out[i] = c.name
	}
	return out
}

// expandFields replaces * and t.* by column references.
func (qb *queryBinder) expandFields(fs []*ast.SelectField, sc *scope) ([]*ast.SelectField, error) {
	var out []*ast.SelectField
	for _, f := range fs {
		if f.WildCard == nil {
			out = append(out, f)
			continue
		}
		t := f.WildCard.Table.O
		n := 0
		for _, c := range sc.cols {
			if (t != "" && c.table != t) || strings.HasPrefix(c.name, "$") {
				continue
			}
			out = append(out, &ast.SelectField{Expr: &ast.ColumnNameExpr{Name: &ast.ColumnName{Table: ast.NewCIStr(c.table), Name: ast.NewCIStr(c.name)}}})
			n++
		}
		if t != "" && n == 0 {
			return nil, qb.errAt(t, "Unknown table '%s'", t)
		}
	}
	return out, nil
}

func fieldNames(fs []*ast.SelectField) []string {
	out := make([]string, len(fs))
	used := map[string]int{}
	for i, f := range fs {
		name := f.AsName.O
		if name == "" {
			if c, ok := f.Expr.(*ast.ColumnNameExpr); ok && !strings.HasPrefix(c.Name.Name.O, "$window_") {
				name = c.Name.Name.O
			} else {
				name = fmt.Sprintf("EXPR$%d", i)
			}
		}
		if n := used[name]; n > 0 {
			used[name]++
			name = fmt.Sprintf("%s%d", name, n-1)
		} else {
			used[name] = 1
		}
		out[i] = name
	}
	return out
}

// aggCollector walks expressions collecting aggregate calls.
type aggCollector struct {
	found []*ast.AggregateFuncExpr
	depth int
}

func (a *aggCollector) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.AggregateFuncExpr:
		a.found = append(a.found, x)
		return n, true
	case *ast.SubqueryExpr, *ast.ExistsSubqueryExpr:
		return n, true
	}
	return n, false
}
func (a *aggCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func collectAggregates(s *ast.SelectStmt) []*ast.AggregateFuncExpr {
	c := &aggCollector{}
	for _, f := range s.Fields.Fields {
		if f.Expr != nil {
			f.Expr.Accept(c)
		}
	}
	if s.Having != nil {
		s.Having.Expr.Accept(c)
	}
	return c.found
}

// aggregate plans GROUP BY / aggregates / HAVING / the select list.
func (qb *queryBinder) aggregate(s *ast.SelectStmt, in Node, sc *scope, aggs []*ast.AggregateFuncExpr) (Node, *scope, error) {
	eb := qb.exprBinder(sc)
	var pre []expr.Expr
	var preNames []string
	computed := map[string]int{}
	var groupItems []ast.ExprNode
	if s.GroupBy != nil {
		for _, it := range s.GroupBy.Items {
			groupItems = append(groupItems, it.Expr)
		}
	}
	in, sc, groupItems, err := qb.legacyGroupWindow(s, in, sc, groupItems)
	if err != nil {
		return nil, nil, err
	}
	eb = qb.exprBinder(sc)
	groupItems, sets, err := expandGroupingSets(groupItems)
	if err != nil {
		return nil, nil, qb.errAt("GROUP", "%s", err.Error())
	}
	for i, g := range groupItems {
		e, err := eb.bind(g)
		if err != nil {
			return nil, nil, err
		}
		key := restore(g)
		if _, dup := computed[key]; dup {
			continue
		}
		computed[key] = len(pre)
		name := fmt.Sprintf("$f%d", i)
		if c, ok := g.(*ast.ColumnNameExpr); ok {
			name = c.Name.Name.O
			computed[restore(&ast.ColumnNameExpr{Name: &ast.ColumnName{Name: c.Name.Name}})] = len(pre)
			for _, col := range sc.cols {
				if col.name == c.Name.Name.O && col.table != "" {
					computed[restore(&ast.ColumnNameExpr{Name: &ast.ColumnName{Table: ast.NewCIStr(col.table), Name: c.Name.Name}})] = len(pre)
				}
			}
		}
		pre = append(pre, e)
		preNames = append(preNames, name)
	}
	nKeys := len(pre)
	var calls []AggCall
	aggIndex := map[string]int{}
	for _, a := range aggs {
		key := restore(a)
		if _, ok := aggIndex[key]; ok {
			continue
		}
		call, err := qb.aggCall(a, eb, &pre, &preNames)
		if err != nil {
			return nil, nil, err
		}
		call.Name = fmt.Sprintf("EXPR$%d", len(calls))
		aggIndex[key] = nKeys + len(calls)
		calls = append(calls, call)
	}
	keys := make([]int, nKeys)
	for i := range keys {
		keys[i] = i
	}
	var agg Node
	gcalls := collectGroupingCalls(s)
	if sets == nil && len(gcalls) > 0 {
		// GROUPING()/GROUPING_ID() under a plain GROUP BY: one grouping
		// set of every grouping expression (the calls give 0).
		set := []string{}
		for _, g := range groupItems {
			set = append(set, restore(g))
		}
		sets = [][]string{set}
	}
	if sets != nil {
		if agg, err = groupingSetsUnion(&Calc{Input: in, Exprs: pre, Names: preNames}, nKeys, calls, sets, computed, gcalls); err != nil {
			return nil, nil, qb.errAt("GROUP", "%s", err.Error())
		}
		for i, g := range gcalls {
			aggIndex[restore(g)] = nKeys + len(calls) + i
		}
	} else {
		a := &Aggregate{Input: &Calc{Input: in, Exprs: pre, Names: preNames}, Keys: keys, Calls: calls}
		if s.From != nil {
			if j := s.From.TableRefs; j != nil && j.Right == nil {
				if a.StateTTL, err = qb.stateTTL(qb.refAlias(j.Left)); err != nil {
					return nil, nil, err
				}
			}
		}
		agg = asWindowAggregate(a)
	}
	post := scopeOf("", agg.Schema())
	for k, v := range aggIndex {
		computed[k] = v
	}
	pb := &exprBinder{scope: post, rw: qb.rw, loc: qb.q, computed: computed, grouped: true, ungrouped: sc, zone: qb.zone}
	fields, err := qb.expandFields(s.Fields.Fields, sc)
	if err != nil {
		return nil, nil, err
	}
	exprs := make([]expr.Expr, len(fields))
	for i, f := range fields {
		e, err := pb.bind(f.Expr)
		if err != nil {
			return nil, nil, err
		}
		exprs[i] = e
	}
	var cond expr.Expr
	if s.Having != nil {
		c, err := pb.bind(s.Having.Expr)
		if err != nil {
			return nil, nil, err
		}
		cond = c
	}
	var out Node = &Calc{Input: agg, Exprs: exprs, Names: fieldNames(fields), Condition: cond}
	if s.Distinct {
		ks := make([]int, len(exprs))
		for i := range ks {
			ks[i] = i
		}
		out = &Aggregate{Input: out, Keys: ks}
	}
	return out, scopeOf("", out.Schema()), nil
}

// aggCall binds one aggregate function, appending its argument to pre.
func (qb *queryBinder) aggCall(a *ast.AggregateFuncExpr, eb *exprBinder, pre *[]expr.Expr, preNames *[]string) (AggCall, error) {
	name := strings.ToUpper(a.F)
	call := AggCall{Func: name, Distinct: a.Distinct, Arg: -1}
	if name == "COUNT" && len(a.Args) == 1 {
		if v, ok := a.Args[0].(ast.ValueExpr); ok && v.GetValue() != nil && !a.Distinct {
			// COUNT(*) and COUNT(1)
			call.Type = types.BigInt.WithNullable(false)
			return call, nil
		}
	}
	if name == "GROUP_CONCAT" { // LISTAGG(x [, sep]), rewritten for the parser
		sep, ok := a.Args[len(a.Args)-1].(ast.ValueExpr)
		if len(a.Args) != 2 || !ok || a.Distinct {
			return call, qb.errAt("LISTAGG", "LISTAGG takes a value and an optional constant separator")
		}
		arg, err := eb.bind(a.Args[0])
		if err != nil {
			return call, err
		}
		if !arg.Type().IsString() {
			return call, qb.calciteAt("LISTAGG", "Cannot apply 'LISTAGG' to arguments of type 'LISTAGG(<%s>)'. Supported form(s): 'LISTAGG(<CHARACTER>[, <CHARACTER>])'", typeFamily(arg.Type()))
		}
		call.Func, call.Separator = "LISTAGG", fmt.Sprint(sep.GetValue())
		call.Arg = len(*pre)
		*pre = append(*pre, arg)
		*preNames = append(*preNames, fmt.Sprintf("$f%d", len(*pre)-1))
		call.Type = types.String.WithNullable(true)
		return call, nil
	}
	if len(a.Args) != 1 {
		return call, qb.calciteAt(a.F, "Invalid number of arguments to function '%s'. Was expecting 1 arguments", name)
	}
	arg, err := eb.bind(a.Args[0])
	if err != nil {
		return call, err
	}
	call.Arg = len(*pre)
	*pre = append(*pre, arg)
	*preNames = append(*preNames, fmt.Sprintf("$f%d", len(*pre)-1))
	t := arg.Type()
	switch name {
	case "COUNT":
		call.Type = types.BigInt.WithNullable(false)
	case "SUM", "SUM0":
		if !t.IsNumeric() {
			return call, qb.calciteAt(a.F, "Cannot apply '%s' to arguments of type '%s(<%s>)'. Supported form(s): '%s(<NUMERIC>)'", name, name, typeFamily(t), name)
		}
		switch {
		case t.Kind == types.KindDecimal:
			call.Type = types.Decimal(38, t.Scale)
		case t.IsInteger():
			call.Type = &types.Type{Kind: t.Kind}
		default:
			call.Type = types.Double
		}
		if name == "SUM0" {
			call.Type = call.Type.WithNullable(false)
		}
	case "AVG":
		if !t.IsNumeric() {
			return call, qb.calciteAt(a.F, "Cannot apply 'AVG' to arguments of type 'AVG(<%s>)'. Supported form(s): 'AVG(<NUMERIC>)'", typeFamily(t))
		}
		switch {
		case t.Kind == types.KindDecimal:
			call.Type = types.Decimal(38, max(6, t.Scale))
		case t.IsInteger():
			call.Type = &types.Type{Kind: t.Kind}
		default:
			call.Type = types.Double
		}
	case "MIN", "MAX", "FIRST_VALUE", "LAST_VALUE":
		call.Type = t.WithNullable(true).WithTimeAttr(types.NoTimeAttr)
	case "STDDEV", "STDDEV_POP", "STDDEV_SAMP", "VAR_POP", "VAR_SAMP", "VARIANCE":
		if !t.IsNumeric() {
			return call, qb.calciteAt(a.F, "Cannot apply '%s' to arguments of type '%s(<%s>)'. Supported form(s): '%s(<NUMERIC>)'", name, name, typeFamily(t), name)
		}
		call.Func = map[string]string{"STDDEV": "STDDEV_SAMP", "VARIANCE": "VAR_SAMP"}[name]
		if call.Func == "" {
			call.Func = name
		}
		switch {
		case t.Kind == types.KindDecimal:
			call.Type = types.Decimal(38, t.Scale)
		default:
			call.Type = &types.Type{Kind: t.Kind}
		}
	default:
		return call, qb.calciteAt(a.F, "No match found for function signature %s(%s)", strings.ToLower(a.F), argTypeList([]expr.Expr{arg}))
	}
	return call, nil
}

// values plans VALUES (...), (...): constant rows.
func (qb *queryBinder) values(rows []*ast.RowExpr) (Node, *scope, error) {
	eb := qb.exprBinder(&scope{})
	var bound [][]expr.Expr
	for _, r := range rows {
		es, err := eb.bindAll(r.Values)
		if err != nil {
			return nil, nil, err
		}
		if len(bound) > 0 && len(es) != len(bound[0]) {
			return nil, nil, qb.errAt("VALUES", "Values passed to VALUES operator must have compatible types: rows have %d and %d columns", len(bound[0]), len(es))
		}
		for _, e := range es {
			if !isConstant(e) {
				return nil, nil, qb.errAt("VALUES", "VALUES accepts constant expressions only, got %s", e)
			}
		}
		bound = append(bound, es)
	}
	width := len(bound[0])
	cols := make([]Column, width)
	colTypes := make([]*types.Type, width)
	for c := 0; c < width; c++ {
		ts := make([]*types.Type, len(bound))
		for r := range bound {
			ts[r] = bound[r][c].Type()
		}
		t, err := expr.CommonType(ts...)
		if err != nil {
			return nil, nil, qb.errAt("VALUES", "Values passed to VALUES operator must have compatible types: %s", err.Error())
		}
		if t.Kind == types.KindChar {
			t = types.VarChar(t.Length).WithNullable(t.Nullable())
		}
		cols[c] = Column{Name: fmt.Sprintf("EXPR$%d", c), Type: t}
		colTypes[c] = t
	}
	batch := types.NewBatch(colTypes, len(bound))
	for _, row := range bound {
		for c, e := range row {
			ce, err := expr.ImplicitCast(e, colTypes[c])
			if err != nil {
				return nil, nil, qb.errAt("VALUES", "%s", err.Error())
			}
			v, err := expr.EvalConstant(ce)
			if err != nil {
				return nil, nil, qb.errAt("VALUES", "%s", err.Error())
			}
			batch.Cols[c].AppendFrom(v, 0)
		}
		batch.Len++
	}
	n := &Values{Rows: batch, schema: cols}
	return n, scopeOf("", cols), nil
}

// ---- FROM ----

func (qb *queryBinder) from(n ast.ResultSetNode) (Node, *scope, error) {
	switch x := n.(type) {
	case *ast.Join:
		if x.Right == nil {
			return qb.from(x.Left)
		}
		if ts, ok := x.Right.(*ast.TableSource); ok {
			if tn, ok := ts.Source.(*ast.TableName); ok && strings.HasPrefix(tn.Name.L, "__unnest_") {
				return qb.unnest(x, tn, ts)
			}
		}
		return qb.join(x)
	case *ast.TableSource:
		alias := x.AsName.O
		switch src := x.Source.(type) {
		case *ast.TableName:
			if strings.HasPrefix(src.Name.L, "__table_") {
				var i int
				fmt.Sscanf(src.Name.L, "__table_%d", &i)
				if i >= len(qb.rw.Tables) {
					return nil, nil, qb.errAt("", "malformed table reference")
				}
				ref := qb.rw.Tables[i]
				if alias == "" {
					alias = ref.Name.Name()
				}
				return qb.namedTable(ref.Name, ref.Options, alias)
			}
			if src.AsOf != nil {
				return nil, nil, qb.errAt("SYSTEM_TIME", "FOR SYSTEM_TIME AS OF (temporal and lookup joins) is not supported yet")
			}
			if strings.HasPrefix(src.Name.L, "__tvf_") {
				var i int
				fmt.Sscanf(src.Name.L, "__tvf_%d", &i)
				if i >= len(qb.rw.TableFuncs) {
					return nil, nil, qb.errAt("TABLE", "malformed table function call")
				}
				return qb.windowTVF(&qb.rw.TableFuncs[i], alias)
			}
			if alias == "" {
				alias = src.Name.O
			}
			parts := []string{}
			if src.Schema.O != "" {
				parts = append(parts, src.Schema.O)
			}
			parts = append(parts, src.Name.O)
			return qb.namedTable(sql.ObjectName{Parts: parts, Pos: qb.q.Locate(parts[0])}, nil, alias)
		case *ast.SelectStmt, *ast.SetOprStmt:
			if alias == "" {
				alias = "EXPR$0"
			}
			node, _, err := qb.resultSet(src.(ast.ResultSetNode))
			if err != nil {
				return nil, nil, err
			}
			sc := scopeOf(alias, node.Schema())
			if cols, ok := qb.rw.ColumnAliases[alias]; ok && alias != "" {
				if len(cols) != len(sc.cols) {
					return nil, nil, qb.errAt(alias, "List of column aliases must have same degree as table; table has %d columns, whereas alias list has %d columns", len(sc.cols), len(cols))
				}
				for i := range sc.cols {
					sc.cols[i].name = cols[i]
				}
				node = &Calc{Input: node, Exprs: identity(sc), Names: names(sc)}
			}
			return node, sc, nil
		}
		return nil, nil, qb.errAt("", "Unsupported table reference %T", x.Source)
	}
	return nil, nil, qb.errAt("", "Unsupported FROM clause %T", n)
}

func (qb *queryBinder) unnest(j *ast.Join, tn *ast.TableName, ts *ast.TableSource) (Node, *scope, error) {
	left, lsc, err := qb.from(j.Left)
	if err != nil {
		return nil, nil, err
	}
	var i int
	fmt.Sscanf(tn.Name.L, "__unnest_%d", &i)
	if i >= len(qb.rw.Unnests) {
		return nil, nil, qb.errAt("UNNEST", "malformed UNNEST")
	}
	un := qb.rw.Unnests[i]
	eb := &exprBinder{scope: lsc, rw: un.Expr.Rewrites, loc: un.Expr, zone: qb.zone}
	arr, err := eb.bind(un.Expr.Node)
	if err != nil {
		return nil, nil, err
	}
	outer := j.Tp == ast.LeftJoin
	if j.On != nil {
		if v, ok := j.On.Expr.(ast.ValueExpr); !ok || fmt.Sprint(v.GetValue()) != "1" {
			return nil, nil, qb.errAt("ON", "UNNEST only supports ON TRUE")
		}
	}
	node, err := NewUnnest(left, arr, outer, un.Columns)
	if err != nil {
		return nil, nil, qb.errAt("UNNEST", "%s", err.Error())
	}
	alias := un.Alias
	if alias == "" {
		alias = ts.AsName.O
	}
	sc := &scope{cols: append([]scopeColumn{}, lsc.cols...)}
	for _, c := range node.Schema()[len(lsc.cols):] {
		sc.cols = append(sc.cols, scopeColumn{table: alias, name: c.Name, typ: c.Type})
	}
	return node, sc, nil
}

// namedTable plans a scan of a table (with dynamic options from an
// OPTIONS hint) or expands a view.
func (qb *queryBinder) namedTable(n sql.ObjectName, hintOptions []sql.Option, alias string) (Node, *scope, error) {
	name, err := qb.p.Catalog.QualifiedName(n)
	if err != nil {
		return nil, nil, err
	}
	if v, ok := qb.p.Catalog.View(name); ok {
		if len(hintOptions) > 0 {
			path, _ := qb.p.Catalog.Resolve(n)
			return nil, nil, &ValidationError{Msg: fmt.Sprintf("View '%s' cannot be enriched with new options. Hints can only be applied to tables.", path.Quoted())}
		}
		q, err := v.Query.Fresh()
		if err != nil {
			return nil, nil, err
		}
		restore := func() {}
		if v.Catalog != "" {
			restore = qb.p.Catalog.SetCurrent(v.Catalog, v.Database)
		}
		node, err := qb.p.planQuery(q, true)
		restore()
		if err != nil {
			return nil, nil, err
		}
		sc := scopeOf(alias, v.Columns)
		if len(v.Def.Columns) > 0 {
			node = &Calc{Input: node, Exprs: identity(sc), Names: names(sc)}
		}
		return node, sc, nil
	}
	t, ok := qb.p.Catalog.Table(name)
	if !ok {
		return nil, nil, qb.p.Catalog.NotFound(n, qb.q.Locate(n.Parts[0]))
	}
	if len(hintOptions) > 0 {
		c := *t
		c.Options = map[string]string{}
		for k, v := range t.Options {
			c.Options[k] = v
		}
		for _, o := range hintOptions {
			c.Options[o.Key] = o.Value
		}
		t = &c
	}
	node, err := qb.p.ScanTable(t)
	if err != nil {
		return nil, nil, err
	}
	return node, scopeOf(alias, node.Schema()), nil
}

// ScanTable plans a full scan of a table: the connector columns, then the
// computed columns in schema order, then the watermark assigner.
func (p *Planner) ScanTable(t *Table) (Node, error) {
	src, err := p.createSource(t)
	if err != nil {
		return nil, err
	}
	all := make([]int, len(t.ConnectorColumns))
	for i := range all {
		all[i] = i
	}
	var n Node = NewScan(t, src, all)
	needCalc := false
	exprs := make([]expr.Expr, len(t.Columns))
	nms := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		nms[i] = c.Name
		if c.Kind == ComputedColumn {
			needCalc = true
			zone, _ := p.SessionZone()
			exprs[i] = inZone(c.Expr, zone) // bound at CREATE TABLE, evaluated in today's zone
			continue
		}
		exprs[i] = &expr.ColumnRef{Index: c.Connector, Name: c.Name, T: t.ConnectorColumns[c.Connector].Type}
		if c.Connector != i {
			needCalc = true
		}
	}
	if needCalc {
		n = &Calc{Input: n, Exprs: exprs, Names: nms}
	}
	if t.Watermark != nil {
		n = &WatermarkAssigner{Input: n, Rowtime: t.Rowtime, Strategy: t.Watermark}
		// The rowtime column carries its time attribute from here on.
		sc := n.Schema()
		ex := make([]expr.Expr, len(sc))
		for i, c := range sc {
			ct := c.Type
			if i == t.Rowtime {
				ct = ct.WithTimeAttr(types.RowTime)
			}
			ex[i] = &expr.ColumnRef{Index: i, Name: c.Name, T: ct}
		}
		n = &Calc{Input: n, Exprs: ex, Names: nms}
	}
	return n, nil
}

// createSource validates a table's options and creates its source.
func (p *Planner) createSource(t *Table) (connectors.Source, error) {
	f, err := p.factory(t)
	if err != nil {
		return nil, err
	}
	sf, ok := f.(connectors.SourceFactory)
	if !ok {
		return nil, &ValidationError{Msg: fmt.Sprintf("Connector '%s' can only be used as a sink. It cannot be used as a source.", f.Identifier())}
	}
	return sf.CreateSource(p.connectorTable(t))
}

// factory finds and validates the connector of a table.
func (p *Planner) factory(t *Table) (connectors.Factory, error) {
	id, ok := t.Options["connector"]
	if !ok {
		return nil, &ValidationError{Msg: fmt.Sprintf("Table options do not contain an option key 'connector' for discovering a connector. Therefore, Flink assumes a managed table. However, a managed table factory that implements org.apache.flink.table.factories.ManagedTableFactory is not in the classpath.\n\nTable: %s", t.Name)}
	}
	f, ok := connectors.Lookup(id)
	if !ok {
		return nil, &ValidationError{Msg: fmt.Sprintf("Could not find any factory for identifier '%s' that implements 'org.apache.flink.table.factories.DynamicTableFactory' in the classpath.\n\nAvailable factory identifiers are:\n\n%s", id, strings.Join(connectors.Identifiers(), "\n"))}
	}
	// Per-column options ('#' in a key) exist for the stored columns only,
	// as in Flink: a computed column takes none.
	var cols []string
	for _, c := range t.Columns {
		if c.Kind != ComputedColumn {
			cols = append(cols, c.Name)
		}
	}
	if err := connectors.ValidateOptions(f, t.Options, cols, FormatOptionKeys(t.Options)); err != nil {
		return nil, err
	}
	return f, nil
}

// FormatOptionKeys returns the option keys of the formats a table uses
// ('format', 'key.format', 'value.format'), for option validation.
func FormatOptionKeys(opts map[string]string) []string {
	var keys []string
	if f, ok := opts["format"]; ok {
		keys = append(keys, formats.OptionKeys(f, "")...)
	}
	for _, p := range []string{"key.", "value."} {
		if f, ok := opts[p+"format"]; ok {
			keys = append(keys, formats.OptionKeys(f, p)...)
		}
	}
	return keys
}

func (p *Planner) connectorTable(t *Table) *connectors.Table {
	ct := &connectors.Table{Name: t.Name, Columns: t.ConnectorColumns, Options: t.Options, Config: p.Config.Map()}
	for _, k := range t.PrimaryKey {
		ct.PrimaryKey = append(ct.PrimaryKey, t.Columns[t.ColumnIndex(k)].Connector)
	}
	ct.PartitionKeys = partitionKeyIndexes(t) // insert_partition.go
	return ct
}
