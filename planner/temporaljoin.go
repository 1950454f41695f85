package planner

import (
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/operators"
	"github.com/flinkgo/engine/runtime/types"
)

// TemporalJoin is an event-time temporal join:
//
//	left [LEFT] JOIN versioned FOR SYSTEM_TIME AS OF left.rowtime ON left.k = versioned.pk
//
// Each row of the append-only left input joins with the version of the
// right input (a versioned table: a primary key and a rowtime attribute;
// append-only, or a changelog such as a deduplicating view) valid at the
// row's rowtime. Its rows are the left columns then the right columns
// (names that clash get a numeric suffix, as in a regular join); the output
// is append-only and keeps the left rowtime as its time attribute, the
// right columns lose theirs (and are nullable for LEFT).
type TemporalJoin struct {
	Left, Right         Node
	Outer               bool
	LeftKeys, RightKeys []int // LeftKeys[i] = RightKeys[i]
	LeftTime, RightTime int   // rowtime columns of each input
	PrimaryKey          []int // the right input's primary key (included in RightKeys)
	Residual            expr.Expr
	schema              []Column
}

func (j *TemporalJoin) Schema() []Column     { return j.schema }
func (j *TemporalJoin) Inputs() []Node       { return []Node{j.Left, j.Right} }
func (j *TemporalJoin) Changelog() Changelog { return AppendOnly }
func (j *TemporalJoin) WithInputs(in []Node) Node {
	n := *j
	n.Left, n.Right = in[0], in[1]
	return &n
}

// Describe renders the join as Flink's StreamPhysicalTemporalJoin does:
// the equalities, then the temporal condition (left time, right time,
// primary key, keys), then the residual.
func (j *TemporalJoin) Describe() string {
	nl := len(j.Left.Schema())
	name := func(i int) string { return j.schema[i].Name }
	list := func(cols []int, off int) string {
		s := make([]string, len(cols))
		for i, c := range cols {
			s[i] = name(off + c)
		}
		return strings.Join(s, ", ")
	}
	var conds []string
	for i := range j.LeftKeys {
		conds = append(conds, "=("+name(j.LeftKeys[i])+", "+name(nl+j.RightKeys[i])+")")
	}
	conds = append(conds, "__TEMPORAL_JOIN_CONDITION("+name(j.LeftTime)+", "+name(nl+j.RightTime)+
		", __TEMPORAL_JOIN_CONDITION_PRIMARY_KEY("+list(j.PrimaryKey, nl)+"), __TEMPORAL_JOIN_LEFT_KEY("+
		list(j.LeftKeys, 0)+"), __TEMPORAL_JOIN_RIGHT_KEY("+list(j.RightKeys, nl)+"))")
	if j.Residual != nil {
		conds = append(conds, j.Residual.String())
	}
	jt := "InnerJoin"
	if j.Outer {
		jt = "LeftOuterJoin"
	}
	sel := make([]string, len(j.schema))
	for i, c := range j.schema {
		sel[i] = c.Name
	}
	return "TemporalJoin(joinType=[" + jt + "], where=[AND(" + strings.Join(conds, ", ") + ")], select=[" + strings.Join(sel, ", ") + "])"
}

// temporalJoin binds `left [LEFT] JOIN versioned FOR SYSTEM_TIME AS OF
// left.rowtime [AS r] ON ...`, where leftTime is the rowtime column of the
// left input; lookupJoin has checked the join type and the ON clause.
func (qb *queryBinder) temporalJoin(x *ast.Join, tn *ast.TableName, ts *ast.TableSource, left Node, lsc *scope, leftTime int) (Node, *scope, error) {
	pos := qb.q.Locate("SYSTEM_TIME")
	if left.Changelog() != AppendOnly {
		return nil, nil, validationf(pos, "Event-time temporal join needs an append-only left input, but the left side of the join with %s produces updates (a changelog). Join the versioned table before aggregating, or use a regular join.", tn.Name.O)
	}
	// The versioned table itself, as any table reference.
	plain := *tn
	plain.AsOf = nil
	src := *ts
	src.Source = &plain
	right, rsc, err := qb.from(&src)
	if err != nil {
		return nil, nil, err
	}
	j := &TemporalJoin{Left: left, Right: right, Outer: x.Tp == ast.LeftJoin, LeftTime: leftTime, RightTime: -1}
	rs := right.Schema()
	for i, c := range rs {
		if c.Type.TimeAttr == types.RowTime {
			if j.RightTime >= 0 {
				return nil, nil, validationf(pos, "Event-Time Temporal Table Join requires a versioned table with one row time attribute, but %s has several (%s, %s)", tn.Name.O, rs[j.RightTime].Name, c.Name)
			}
			j.RightTime = i
		}
	}
	pk := uniqueKey(right)
	if pk == nil {
		return nil, nil, validationf(pos, "Temporal Table Join requires primary key in versioned table, but no primary key can be found for %s. Declare PRIMARY KEY (...) NOT ENFORCED on the table, or join a view that deduplicates it on its key (ROW_NUMBER() OVER (PARTITION BY key ORDER BY rowtime DESC) = 1).", tn.Name.O)
	}
	if j.RightTime < 0 {
		return nil, nil, validationf(pos, "Event-Time Temporal Table Join requires both primary key and row time attribute in versioned table, but no row time attribute can be found in %s. Declare a WATERMARK on the table's time column.", tn.Name.O)
	}
	// Output columns, and the scope the ON condition and the query see.
	used := map[string]bool{}
	sc := &scope{}
	for s, cols := range [][]Column{left.Schema(), rs} {
		for i, c := range cols {
			n := c.Name
			for k := 0; used[n]; k++ {
				n = c.Name + strconv.Itoa(k)
			}
			used[n] = true
			t := c.Type
			sc0 := lsc.cols
			if s == 1 {
				t = t.WithTimeAttr(types.NoTimeAttr)
				if j.Outer {
					t = t.WithNullable(true)
				}
				sc0 = rsc.cols
			}
			j.schema = append(j.schema, Column{Name: n, Type: t})
			sc.cols = append(sc.cols, scopeColumn{table: sc0[i].table, name: sc0[i].name, typ: t})
		}
	}
	cond, err := qb.exprBinder(sc).bind(x.On.Expr)
	if err != nil {
		return nil, nil, err
	}
	nl := len(left.Schema())
	var residual []expr.Expr
	for _, c := range conjuncts(cond) {
		if l, r, ok := equiKey(c, nl); ok && temporalKeyTypes(left.Schema()[l].Type, rs[r].Type) {
			j.LeftKeys, j.RightKeys = append(j.LeftKeys, l), append(j.RightKeys, r)
			continue
		}
		residual = append(residual, c)
	}
	j.Residual = andAll(residual)
	j.PrimaryKey = pk
	var pkNames []string
	for _, k := range pk {
		pkNames = append(pkNames, rs[k].Name)
	}
	for _, k := range pk {
		if containsInt(j.RightKeys, k) {
			continue
		}
		// Suggest the left column of the same name, if there is one.
		example := "<left column>"
		for _, c := range lsc.cols {
			if strings.EqualFold(c.name, rs[k].Name) {
				example = c.name
				if c.table != "" {
					example = c.table + "." + c.name
				}
				break
			}
		}
		return nil, nil, validationf(qb.q.Locate("ON"), "Temporal table's primary key [%s] must be included in the equivalence condition of temporal join, but current temporal join condition is [%s]. Add an equality between a column of the left table and each primary key column, e.g. ON %s = %s.%s",
			strings.Join(pkNames, ", "), j.conditionString(cond), example, rsc.cols[k].table, rs[k].Name)
	}
	return j, sc, nil
}

// conditionString renders a join condition as Flink's RexNodes print:
// =(currency, currency0), AND(...).
func (j *TemporalJoin) conditionString(cond expr.Expr) string {
	nl := len(j.Left.Schema())
	var parts []string
	for _, c := range conjuncts(cond) {
		if l, r, ok := equiKey(c, nl); ok {
			parts = append(parts, "=("+j.schema[l].Name+", "+j.schema[nl+r].Name+")")
			continue
		}
		parts = append(parts, c.String())
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "AND(" + strings.Join(parts, ", ") + ")"
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// temporalKeyTypes reports whether a left and a right column can be join
// keys: values that are equal encode and hash alike.
func temporalKeyTypes(l, r *types.Type) bool {
	if l.Kind.Physical() != r.Kind.Physical() || l.Scale != r.Scale {
		return false
	}
	return l.Kind == r.Kind || (l.IsInteger() && r.IsInteger()) || (l.IsString() && r.IsString())
}

// uniqueKey derives a unique key of n's rows (column indexes), nil when none
// is known: a table's primary key, or the partition key of a
// deduplication (ROW_NUMBER() ... = 1), followed through projections,
// filters and watermark assigners.
func uniqueKey(n Node) []int {
	switch x := n.(type) {
	case *Scan:
		if len(x.Table.PrimaryKey) == 0 {
			return nil
		}
		var key []int
		for _, name := range x.Table.PrimaryKey {
			i := x.Table.ColumnIndex(name)
			if i < 0 {
				return nil
			}
			p := -1
			for pos, c := range x.Columns {
				if c == x.Table.Columns[i].Connector {
					p = pos
				}
			}
			if p < 0 {
				return nil
			}
			key = append(key, p)
		}
		return key
	case *Calc:
		in := uniqueKey(x.Input)
		if in == nil {
			return nil
		}
		key := make([]int, 0, len(in))
		for _, k := range in {
			p := -1
			for i, e := range x.Exprs {
				if r, ok := e.(*expr.ColumnRef); ok && r.Index == k {
					p = i
					break
				}
			}
			if p < 0 {
				return nil
			}
			key = append(key, p)
		}
		return key
	case *WatermarkAssigner:
		return uniqueKey(x.Input)
	case *Rank:
		if x.Limit == 1 && len(x.PartitionBy) > 0 {
			return append([]int(nil), x.PartitionBy...)
		}
	}
	return nil
}

// temporalJoinOperator translates a temporal join: both inputs are
// hash-partitioned by their join keys into one keyed vertex.
func (b *graphBuilder) temporalJoin(x *TemporalJoin, id string) (*runtime.Vertex, error) {
	left, right, err := b.buildBoth(x.Left, x.Right)
	if err != nil {
		return nil, err
	}
	v := b.newVertex("TemporalJoin", b.opts.Parallelism)
	v.Chain = []runtime.OperatorSpec{{ID: id, Name: "TemporalJoin", New: operators.NewTemporalJoin(operators.TemporalJoinSpec{
		LeftKeys: x.LeftKeys, RightKeys: x.RightKeys, LeftTime: x.LeftTime, RightTime: x.RightTime,
		LeftTypes: columnTypes(x.Left.Schema()), RightTypes: columnTypes(x.Right.Schema()),
		Outer: x.Outer, Residual: x.Residual,
	})}}
	b.hashInto(left, v, x.Left, x.LeftKeys, runtime.Hash, 0)
	b.hashInto(right, v, x.Right, x.RightKeys, runtime.Hash, 1)
	return v, nil
}
