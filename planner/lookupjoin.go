package planner

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/operators"
	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// LookupJoin joins each input row with the rows a dimension table holds
// for its key when the row passes (processing-time temporal join against a
// connector that supports lookups). Its rows are the input's columns then
// the table's connector columns.
type LookupJoin struct {
	Input     Node
	Table     *Table
	Source    connectors.LookupSource
	Outer     bool
	LeftKeys  []int // input columns
	RightKeys []int // table connector columns, same order
	Residual  expr.Expr
	schema    []Column
}

func (j *LookupJoin) Schema() []Column     { return j.schema }
func (j *LookupJoin) Inputs() []Node       { return []Node{j.Input} }
func (j *LookupJoin) Changelog() Changelog { return j.Input.Changelog() }
func (j *LookupJoin) Describe() string {
	jt := "InnerJoin"
	if j.Outer {
		jt = "LeftOuterJoin"
	}
	nl := len(j.Input.Schema())
	var keys []string
	for i, l := range j.LeftKeys {
		keys = append(keys, j.schema[nl+j.RightKeys[i]].Name+"="+j.schema[l].Name)
	}
	d := fmt.Sprintf("LookupJoin(table=[%s], joinType=[%s], lookup=[%s]", strings.ReplaceAll(j.Table.Name, ".", ", "), jt, strings.Join(keys, ", "))
	if j.Residual != nil {
		d += ", where=[" + j.Residual.String() + "]"
	}
	sel := make([]string, len(j.schema))
	for i, c := range j.schema {
		sel[i] = c.Name
	}
	return d + ", select=[" + strings.Join(sel, ", ") + "])"
}
func (j *LookupJoin) WithInputs(in []Node) Node {
	n := *j
	n.Input = in[0]
	return &n
}

// lookupJoin binds `left [LEFT] JOIN dim FOR SYSTEM_TIME AS OF left.proctime
// [AS d] ON ...`.
func (qb *queryBinder) lookupJoin(x *ast.Join, tn *ast.TableName, ts *ast.TableSource, left Node, lsc *scope) (Node, *scope, error) {
	pos := qb.q.Locate("SYSTEM_TIME")
	if x.Tp != ast.LeftJoin && (x.Tp != ast.CrossJoin || x.StraightJoin) {
		return nil, nil, validationf(pos, "Temporal table joins support INNER and LEFT joins only")
	}
	if x.On == nil {
		return nil, nil, validationf(pos, "A temporal table join needs an ON condition with an equality on the table's key")
	}
	at, err := qb.exprBinder(lsc).bind(tn.AsOf.TsExpr)
	if err != nil {
		return nil, nil, err
	}
	ref, isRef := at.(*expr.ColumnRef)
	if isRef && lsc.cols[ref.Index].typ.TimeAttr == types.RowTime {
		return qb.temporalJoin(x, tn, ts, left, lsc, ref.Index)
	}
	if !isRef || lsc.cols[ref.Index].typ.TimeAttr != types.ProcTime {
		return nil, nil, validationf(pos, "Temporal table join currently only supports 'FOR SYSTEM_TIME AS OF' left table's time attribute field: its rowtime attribute (a column with a WATERMARK: event-time temporal join against a versioned table) or its processing-time attribute (a column AS PROCTIME(): lookup join)")
	}
	parts := []string{}
	if tn.Schema.O != "" {
		parts = append(parts, tn.Schema.O)
	}
	parts = append(parts, tn.Name.O)
	name, err := qb.p.Catalog.QualifiedName(sql.ObjectName{Parts: parts, Pos: qb.q.Locate(tn.Name.O)})
	if err != nil {
		return nil, nil, err
	}
	t, ok := qb.p.Catalog.Table(name)
	if _, view := qb.p.Catalog.View(name); !ok && view {
		return nil, nil, validationf(pos, "Processing-time temporal join is not supported yet: view %s cannot be looked up. For the version valid at each row's event time, join FOR SYSTEM_TIME AS OF the left table's rowtime attribute.", tn.Name.O)
	}
	if !ok {
		return nil, nil, qb.p.Catalog.NotFound(sql.ObjectName{Parts: parts}, qb.q.Locate(parts[0]))
	}
	src, err := qb.p.createSource(t)
	if err != nil {
		return nil, nil, err
	}
	ls, ok := src.(connectors.LookupSource)
	if !ok && t.Watermark != nil {
		return nil, nil, validationf(pos, "Processing-time temporal join is not supported yet: table %s cannot be looked up (connector '%s'). For the version valid at each row's event time, join FOR SYSTEM_TIME AS OF the left table's rowtime attribute.", tn.Name.O, t.Options["connector"])
	}
	if !ok {
		return nil, nil, validationf(pos, "Table %s cannot be looked up: its connector '%s' does not support lookups (use a lookup source such as jdbc)", tn.Name.O, t.Options["connector"])
	}
	alias := ts.AsName.O
	if alias == "" {
		alias = tn.Name.O
	}
	sc := &scope{cols: append([]scopeColumn{}, lsc.cols...)}
	for _, c := range t.ConnectorColumns {
		sc.cols = append(sc.cols, scopeColumn{table: alias, name: c.Name, typ: c.Type})
	}
	cond, err := qb.exprBinder(sc).bind(x.On.Expr)
	if err != nil {
		return nil, nil, err
	}
	nl := len(lsc.cols)
	j := &LookupJoin{Input: left, Table: t, Source: ls, Outer: x.Tp == ast.LeftJoin}
	var residual []expr.Expr
	for _, c := range conjuncts(cond) {
		if l, r, ok := equiKey(c, nl); ok {
			lt, rt := left.Schema()[l].Type, t.ConnectorColumns[r].Type
			if lt.Kind.Physical() == rt.Kind.Physical() && lt.Scale == rt.Scale {
				j.LeftKeys, j.RightKeys = append(j.LeftKeys, l), append(j.RightKeys, r)
				continue
			}
		}
		residual = append(residual, c)
	}
	if len(j.LeftKeys) == 0 {
		return nil, nil, validationf(qb.q.Locate("ON"), "Temporal table join requires an equality condition on fields of table [%s] (of the same type as the left side's)", t.Name)
	}
	j.Residual = andAll(residual)
	j.schema = append(j.schema, left.Schema()...)
	for _, c := range t.ConnectorColumns {
		j.schema = append(j.schema, Column{Name: c.Name, Type: c.Type.WithNullable(true)})
	}
	return j, sc, nil
}

// lookupTarget recognises a join whose right side is FOR SYSTEM_TIME AS OF.
func lookupTarget(x *ast.Join) (*ast.TableName, *ast.TableSource, bool) {
	ts, ok := x.Right.(*ast.TableSource)
	if !ok {
		return nil, nil, false
	}
	tn, ok := ts.Source.(*ast.TableName)
	if !ok || tn.AsOf == nil {
		return nil, nil, false
	}
	return tn, ts, true
}

// lookupOperator is the physical operator of a lookup join.
func lookupOperator(x *LookupJoin) func(int, int) (runtime.Operator, error) {
	all := make([]int, len(x.Table.ConnectorColumns))
	for i := range all {
		all[i] = i
	}
	src, rk := x.Source, x.RightKeys
	newLookuper := func(subtask, par int) (operators.Lookuper, error) {
		return src.NewLookuper(subtask, par, rk, all)
	}
	var rightTypes []*types.Type
	for _, c := range x.Table.ConnectorColumns {
		rightTypes = append(rightTypes, c.Type)
	}
	return operators.NewLookupJoin(newLookuper, x.LeftKeys, columnTypes(x.Input.Schema()), rightTypes, x.Outer, x.Residual)
}
