package planner

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"

	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/operators"
	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// ORDER BY, LIMIT, OFFSET and FETCH of a SELECT (the query tail; sql's
// rewrite turns OFFSET / FETCH into TiDB's LIMIT and NULLS FIRST | LAST
// into a wrapper function, orderItem unwraps it).
//
// An ORDER BY item is, as in Calcite, a 1-based position, a column of the
// SELECT list (by name or alias, the output first), an expression over the
// SELECT list's columns, or any expression over the SELECT's input
// (aggregates included under GROUP BY): those are computed as hidden
// columns of the SELECT, sorted on and dropped.
//
// Batch mode sorts in the query's BatchFinal (batch.go). Streaming mode
// takes what Flink's streaming planner takes: ORDER BY ... LIMIT n and LIMIT
// n alone are a Top-N over the whole input (a Rank without partition, Flink's
// SortLimit and Limit); an ORDER BY without a fetch is Flink's
// "Sort on a non-time-attribute field is not supported." unless it starts
// with a time attribute ascending: Flink's temporal sort (temporalsort.go).

// orderItem is an ORDER BY item without the NULLS FIRST | LAST wrapper the
// rewrite puts around it.
func orderItem(it *ast.ByItem) (ast.ExprNode, operators.NullOrder) {
	if f, ok := it.Expr.(*ast.FuncCallExpr); ok && len(f.Args) == 1 {
		switch f.FnName.L {
		case sql.NullsFirstFunc:
			return f.Args[0], operators.NullsFirst
		case sql.NullsLastFunc:
			return f.Args[0], operators.NullsLast
		}
	}
	return it.Expr, operators.NullsDefault
}

// orderedSelect binds a SELECT with ORDER BY and/or LIMIT / OFFSET /
// FETCH.
func (qb *queryBinder) orderedSelect(s *ast.SelectStmt) (Node, *scope, error) {
	order, limit := s.OrderBy, s.Limit
	fields := s.Fields
	s.OrderBy, s.Limit = nil, nil
	defer func() { s.OrderBy, s.Limit, s.Fields = order, limit, fields }()
	offset, fetch, err := qb.fetch(limit)
	if err != nil {
		return nil, nil, err
	}
	undoMark := len(qb.undo)
	in, sc, err := qb.selectStmt(s)
	if err != nil || qb.sortDropped(s, offset, fetch) {
		return in, sc, err
	}
	width := len(in.Schema())
	var keys []operators.SortKey
	if order != nil {
		var hidden []ast.ExprNode
		keys, hidden, err = qb.sortKeys(order, in)
		if err != nil {
			return nil, nil, err
		}
		if len(hidden) > 0 {
			if in, err = qb.withHiddenFields(s, fields, hidden, undoMark, in.Schema()); err != nil {
				return nil, nil, err
			}
			for i := range keys {
				if keys[i].Col < 0 {
					keys[i].Col = width + (-keys[i].Col - 1)
				}
			}
		}
		if in, keys, err = qb.computedSortKeys(in, keys, order); err != nil {
			return nil, nil, err
		}
	}
	return qb.sorted(in, keys, offset, fetch, width)
}

// orderedSetOpr binds a UNION with ORDER BY and/or LIMIT / OFFSET / FETCH:
// its ORDER BY takes the output columns only (by name or position) and
// expressions over them.
func (qb *queryBinder) orderedSetOpr(x *ast.SetOprStmt) (Node, *scope, error) {
	order, limit := x.OrderBy, x.Limit
	x.OrderBy, x.Limit = nil, nil
	defer func() { x.OrderBy, x.Limit = order, limit }()
	offset, fetch, err := qb.fetch(limit)
	if err != nil {
		return nil, nil, err
	}
	in, sc, err := qb.setOpr(x)
	if err != nil || qb.sortDropped(x, offset, fetch) {
		return in, sc, err
	}
	width := len(in.Schema())
	var keys []operators.SortKey
	if order != nil {
		var hidden []ast.ExprNode
		if keys, hidden, err = qb.sortKeys(order, in); err != nil {
			return nil, nil, err
		}
		if len(hidden) > 0 {
			_, err := qb.exprBinder(scopeOf("", in.Schema())).bind(hidden[0])
			return nil, nil, err
		}
		if in, keys, err = qb.computedSortKeys(in, keys, order); err != nil {
			return nil, nil, err
		}
	}
	return qb.sorted(in, keys, offset, fetch, width)
}

// fetch reads LIMIT / OFFSET / FETCH: fetch -1 is none.
func (qb *queryBinder) fetch(limit *ast.Limit) (offset, fetch int64, err error) {
	if limit == nil {
		return 0, -1, nil
	}
	if fetch, err = qb.constantInt(limit.Count, "LIMIT"); err != nil {
		return 0, 0, err
	}
	if fetch == math.MaxInt64 { // sql.NoLimitCount: OFFSET alone
		fetch = -1
	}
	if limit.Offset != nil {
		if offset, err = qb.constantInt(limit.Offset, "OFFSET"); err != nil {
			return 0, 0, err
		}
	}
	return offset, fetch, nil
}

// sortDropped reports an ORDER BY without OFFSET or fetch in a subquery
// or a view: Calcite removes it (SqlToRelConverter's
// isRemoveSortInSubQuery), so it neither sorts nor fails in streaming mode.
func (qb *queryBinder) sortDropped(n ast.ResultSetNode, offset, fetch int64) bool {
	return offset == 0 && fetch < 0 && (qb.sub || n != qb.q.Node)
}

// sorted ends a query with its sort and fetch in the runtime mode's way,
// keeping the first width columns.
func (qb *queryBinder) sorted(in Node, keys []operators.SortKey, offset, fetch int64, width int) (Node, *scope, error) {
	mode, err := RuntimeModeFrom(qb.p.Config)
	if err != nil {
		return nil, nil, err
	}
	var out Node
	if mode == BatchMode {
		out = &BatchFinal{Input: in, OrderBy: keys, Offset: offset, Limit: fetch}
	} else if out, err = qb.streamingSort(in, keys, offset, fetch); err != nil {
		return nil, nil, err
	}
	if len(out.Schema()) > width {
		out = projectFirst(out, width)
	}
	return out, scopeOf("", out.Schema()), nil
}

// sortKeys resolves the ORDER BY items against the query's output in,
// one key per item: a column's index; math.MinInt for an expression over
// the output (computedSortKeys computes it); -(i+1) for an item only the
// SELECT's input binds, returned as hidden[i].
func (qb *queryBinder) sortKeys(order *ast.OrderByClause, in Node) ([]operators.SortKey, []ast.ExprNode, error) {
	out := in.Schema()
	eb := qb.exprBinder(scopeOf("", out))
	var keys []operators.SortKey
	var hidden []ast.ExprNode
	for _, it := range order.Items {
		e, nulls := orderItem(it)
		key := operators.SortKey{Col: math.MinInt, Desc: it.Desc, Nulls: nulls}
		if pe, ok := e.(*ast.PositionExpr); ok && pe.P == nil {
			if pe.N < 1 || pe.N > len(out) {
				return nil, nil, qb.errAt("ORDER", "Ordinal out of range: ORDER BY %d, the query has %d columns", pe.N, len(out))
			}
			key.Col = pe.N - 1
			keys = append(keys, key)
			continue
		}
		if cn, ok := e.(*ast.ColumnNameExpr); ok && cn.Name.Table.O != "" {
			// t.col: the output column the SELECT list took from it.
			col := -1
			for i, c := range out {
				if c.Name == cn.Name.Name.O {
					if col >= 0 {
						col = -2
						break
					}
					col = i
				}
			}
			if col >= 0 {
				key.Col = col
				keys = append(keys, key)
				continue
			}
		}
		b, err := eb.bind(e)
		if err != nil {
			key.Col = -(len(hidden) + 1)
			hidden = append(hidden, e)
			keys = append(keys, key)
			continue
		}
		switch x := b.(type) {
		case *expr.ColumnRef:
			key.Col = x.Index
		case *expr.Literal:
			if x.T.IsInteger() && !x.Value.IsNull(0) {
				pos := x.Value.Ints[0]
				if pos < 1 || pos > int64(len(out)) {
					return nil, nil, qb.errAt("ORDER", "Ordinal out of range: ORDER BY %d, the query has %d columns", pos, len(out))
				}
				key.Col = int(pos - 1)
			}
		}
		keys = append(keys, key) // Col still MinInt: computed over the output
	}
	return keys, hidden, nil
}

// withHiddenFields binds the SELECT again with the hidden ORDER BY
// expressions appended to its list (after undoing the first binding's AST
// edits): they are computed over its input, after its aggregation.
func (qb *queryBinder) withHiddenFields(s *ast.SelectStmt, fields *ast.FieldList, hidden []ast.ExprNode, undoMark int, out []Column) (Node, error) {
	if s.Distinct {
		return nil, qb.calciteAt("ORDER", "Expression '%s' is not in the select clause", exprText(hidden[0]))
	}
	for i := len(qb.undo) - 1; i >= undoMark; i-- {
		qb.undo[i]()
	}
	qb.undo = qb.undo[:undoMark]
	fl := &ast.FieldList{Fields: append([]*ast.SelectField{}, fields.Fields...)}
	for i, e := range hidden {
		fl.Fields = append(fl.Fields, &ast.SelectField{Expr: e, AsName: ast.NewCIStr(hiddenName(e, len(out)+i, out, fl))})
	}
	s.Fields = fl
	in, _, err := qb.selectStmt(s)
	return in, err
}

// hiddenName names a hidden ORDER BY expression as Calcite names the extra
// select item it adds (shown by EXPLAIN): a column by its name, anything
// else EXPR$<ordinal>, made unique among the output's names and the hidden
// ones before it with a numeric suffix (ts, ts0, ts1, ...).
func hiddenName(e ast.ExprNode, ordinal int, out []Column, fl *ast.FieldList) string {
	base := "EXPR$" + strconv.Itoa(ordinal)
	if c, ok := e.(*ast.ColumnNameExpr); ok {
		base = c.Name.Name.O
	}
	taken := func(n string) bool {
		for _, c := range out {
			if strings.EqualFold(c.Name, n) {
				return true
			}
		}
		for _, f := range fl.Fields {
			if f.AsName.L != "" && strings.EqualFold(f.AsName.O, n) {
				return true
			}
		}
		return false
	}
	name := base
	for i := 0; taken(name); i++ {
		name = base + strconv.Itoa(i)
	}
	return name
}

// computedSortKeys computes the keys still without a column (expressions
// over the SELECT's output) in a Calc appended to in's columns.
func (qb *queryBinder) computedSortKeys(in Node, keys []operators.SortKey, order *ast.OrderByClause) (Node, []operators.SortKey, error) {
	var extra []expr.Expr
	cols := in.Schema()
	for i := range keys {
		if keys[i].Col != math.MinInt {
			continue
		}
		e, _ := orderItem(order.Items[i])
		b, err := qb.exprBinder(scopeOf("", cols)).bind(e)
		if err != nil {
			return nil, nil, err
		}
		if _, ok := b.(*expr.Literal); ok {
			// A constant orders nothing (Calcite drops it).
			keys[i].Col = -1
			continue
		}
		keys[i].Col = len(cols) + len(extra)
		extra = append(extra, b)
	}
	kept := keys[:0]
	for _, k := range keys {
		if k.Col >= 0 {
			kept = append(kept, k)
		}
	}
	keys = kept
	if len(extra) == 0 {
		return in, keys, nil
	}
	c := &Calc{Input: in}
	for i, col := range cols {
		c.Exprs = append(c.Exprs, &expr.ColumnRef{Index: i, Name: col.Name, T: col.Type})
		c.Names = append(c.Names, col.Name)
	}
	for i, e := range extra {
		c.Exprs = append(c.Exprs, e)
		c.Names = append(c.Names, fmt.Sprintf("$sort%d", i))
	}
	return c, keys, nil
}

// projectFirst keeps the first n columns of in.
func projectFirst(in Node, n int) Node {
	cols := in.Schema()
	c := &Calc{Input: in}
	for i := range n {
		c.Exprs = append(c.Exprs, &expr.ColumnRef{Index: i, Name: cols[i].Name, T: cols[i].Type})
		c.Names = append(c.Names, cols[i].Name)
	}
	return c
}

// streamingSort plans ORDER BY / LIMIT / OFFSET on an unbounded changelog
// as Flink's streaming planner does: a fetch makes it a Top-N over the whole
// input (rows offset+1 .. offset+fetch of the order, arrival order without
// ORDER BY); without one only a sort on a time attribute is allowed.
func (qb *queryBinder) streamingSort(in Node, keys []operators.SortKey, offset, fetch int64) (Node, error) {
	if fetch < 0 {
		if len(keys) == 0 {
			return nil, qb.errAt("OFFSET", "OFFSET without FETCH or LIMIT is not supported in streaming mode: add FETCH FIRST n ROWS ONLY or set 'execution.runtime-mode' = 'batch'")
		}
		if k := keys[0]; in.Schema()[k.Col].Type.TimeAttr != types.NoTimeAttr && !k.Desc {
			return temporalSort(in, keys)
		}
		return nil, &TableError{Msg: "Sort on a non-time-attribute field is not supported."}
	}
	if fetch == 0 {
		// LIMIT 0: Calcite's empty result.
		return emptyOf(in), nil
	}
	if offset+fetch > math.MaxInt32 {
		return nil, qb.errAt("LIMIT", "OFFSET + LIMIT of a streaming Top-N must be at most %d, got %d", math.MaxInt32, offset+fetch)
	}
	pos := qb.q.Locate("ORDER")
	if len(keys) == 0 {
		pos = qb.q.Locate("LIMIT")
	}
	r := newRank(in, nil, keys, pos)
	r.Limit = int(offset + fetch)
	var top Node = r
	if offset > 0 {
		rn := len(r.Schema()) - 1
		gt, err := expr.NewCall(mustLookup(">"), &expr.ColumnRef{Index: rn, Name: rowNumberName, T: r.Schema()[rn].Type},
			expr.LiteralInt(offset, types.BigInt.WithNullable(false)))
		if err != nil {
			return nil, err
		}
		c := projectFirst(r, len(in.Schema())).(*Calc)
		c.Condition = gt
		return c, nil
	}
	return projectFirst(top, len(in.Schema())), nil
}

// temporalSort is Flink's temporal sort of an append-only input on keys,
// the first a time attribute ascending. An updating input is Flink's
// changelog inference error, naming the changes the node producing them
// emits (a deduplication keeping the last row updates, a Top-N also
// deletes).
func temporalSort(in Node, keys []operators.SortKey) (Node, error) {
	if in.Changelog() != AppendOnly {
		producer := updatingProducer(in)
		changes := "update and delete"
		if r, ok := producer.(*Rank); ok && r.ReplaceOnTie {
			changes = "update"
		}
		return nil, &TableError{Msg: fmt.Sprintf("TemporalSort doesn't support consuming %s changes which is produced by node %s", changes, producer.Describe())}
	}
	return &TemporalSort{Input: in, OrderBy: keys}, nil
}

// emptyOf is in filtered by FALSE: no rows, in's schema.
func emptyOf(in Node) Node {
	c := projectFirst(in, len(in.Schema())).(*Calc)
	c.Condition = expr.LiteralBool(false)
	return c
}

// exprText is the text of an expression for messages, names unquoted.
func exprText(e ast.ExprNode) string {
	var b strings.Builder
	if err := e.Restore(format.NewRestoreCtx(format.RestoreKeyWordUppercase|format.RestoreStringSingleQuotes, &b)); err != nil {
		return "?"
	}
	return b.String()
}
