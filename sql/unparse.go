package sql

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

// Unparse renders the expression in the normalized form Flink stores and
// prints for computed columns and watermarks (Calcite's unparsing of the
// validated expression): identifiers in backticks, function names and
// keywords upper-case, INTERVAL literals canonical, parentheses only where
// precedence needs them. A construct it does not know is rendered as the
// TiDB parser restores it.
func (x *Expr) Unparse() string {
	if x == nil || x.Node == nil {
		return ""
	}
	u := unparser{rw: x.Rewrites}
	return u.expr(x.Node, 0)
}

// ColumnRefs lists the column names the expression refers to, in order of
// first appearance.
func (x *Expr) ColumnRefs() []string {
	if x == nil || x.Node == nil {
		return nil
	}
	v := &refCollector{seen: map[string]bool{}}
	x.Node.Accept(v)
	return v.names
}

type refCollector struct {
	seen  map[string]bool
	names []string
}

func (v *refCollector) Enter(n ast.Node) (ast.Node, bool) {
	if c, ok := n.(*ast.ColumnNameExpr); ok {
		name := c.Name.Name.O
		if !v.seen[name] {
			v.seen[name] = true
			v.names = append(v.names, name)
		}
	}
	return n, false
}

func (v *refCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

type unparser struct {
	rw *Rewrites
	// qualify, when set, renders a column reference (table is the written
	// qualifier, "" if none) and reports false when it cannot; then, and
	// for any construct the unparser does not know, *failed is set.
	qualify func(table, column string) (string, bool)
	failed  *bool
	// aggregates allows aggregate calls (in a query's SELECT and HAVING).
	aggregates bool
}

func (u unparser) fail() {
	if u.failed != nil {
		*u.failed = true
	}
}

// Operator precedences as Calcite's: a child binding less tightly than its
// parent (or as tightly, on the right of a left-associative operator) is
// parenthesized.
const (
	precOr      = 22
	precAnd     = 24
	precNot     = 26
	precCompare = 30
	precLike    = 32
	precAdd     = 40
	precMul     = 60
	precUnary   = 80
	precAtom    = 100
)

var unparseBinary = map[opcode.Op]struct {
	text string
	prec int
}{
	opcode.LogicOr: {"OR", precOr}, opcode.LogicAnd: {"AND", precAnd},
	opcode.EQ: {"=", precCompare}, opcode.NE: {"<>", precCompare}, opcode.LT: {"<", precCompare},
	opcode.LE: {"<=", precCompare}, opcode.GT: {">", precCompare}, opcode.GE: {">=", precCompare},
	opcode.NullEQ: {"IS NOT DISTINCT FROM", precCompare},
	opcode.Plus:   {"+", precAdd}, opcode.Minus: {"-", precAdd},
	opcode.Mul: {"*", precMul}, opcode.Div: {"/", precMul}, opcode.Mod: {"%", precMul},
}

// niladic functions Calcite writes without parentheses.
var niladic = map[string]string{
	"current_timestamp": "CURRENT_TIMESTAMP", "localtimestamp": "LOCALTIMESTAMP", "current_date": "CURRENT_DATE",
	"curdate": "CURRENT_DATE", "current_time": "CURRENT_TIME", "curtime": "CURRENT_TIME", "localtime": "LOCALTIME",
}

// expr renders n; min is the precedence the context needs.
func (u unparser) expr(n ast.ExprNode, min int) string {
	s, prec := u.node(n)
	if prec < min {
		return "(" + s + ")"
	}
	return s
}

func (u unparser) list(ns []ast.ExprNode) string {
	parts := make([]string, len(ns))
	for i, a := range ns {
		parts[i] = u.expr(a, 0)
	}
	return strings.Join(parts, ", ")
}

func (u unparser) node(n ast.ExprNode) (string, int) {
	switch x := n.(type) {
	case *ast.ParenthesesExpr:
		return u.node(x.Expr)
	case *ast.ColumnNameExpr:
		if u.qualify != nil {
			if x.Name.Schema.O != "" {
				u.fail()
			}
			s, ok := u.qualify(x.Name.Table.O, x.Name.Name.O)
			if !ok {
				u.fail()
			}
			return s, precAtom
		}
		s := quoteIdent(x.Name.Name.O)
		if x.Name.Table.O != "" {
			s = quoteIdent(x.Name.Table.O) + "." + s
		}
		return s, precAtom
	case *ast.AggregateFuncExpr:
		if !u.aggregates || x.Order != nil || strings.EqualFold(x.F, "group_concat") {
			break
		}
		name := strings.ToUpper(x.F)
		if name == "COUNT" && len(x.Args) == 1 {
			if v, ok := x.Args[0].(*test_driver.ValueExpr); ok && v.Kind() == test_driver.KindInt64 && v.GetInt64() == 1 {
				return "COUNT(*)", precAtom
			}
		}
		distinct := ""
		if x.Distinct {
			distinct = "DISTINCT "
		}
		return name + "(" + distinct + u.list(x.Args) + ")", precAtom
	case *test_driver.ValueExpr:
		return literalText(x), precAtom
	case *ast.BinaryOperationExpr:
		op, ok := unparseBinary[x.Op]
		if !ok {
			break
		}
		return u.expr(x.L, op.prec) + " " + op.text + " " + u.expr(x.R, op.prec+1), op.prec
	case *ast.UnaryOperationExpr:
		switch x.Op {
		case opcode.Not, opcode.Not2:
			return "NOT " + u.expr(x.V, precNot), precNot
		case opcode.Minus:
			return "-" + u.expr(x.V, precUnary), precUnary
		case opcode.Plus:
			return "+" + u.expr(x.V, precUnary), precUnary
		}
	case *ast.IsNullExpr:
		not := ""
		if x.Not {
			not = " NOT"
		}
		return u.expr(x.Expr, precLike) + " IS" + not + " NULL", precLike
	case *ast.IsTruthExpr:
		not := ""
		if x.Not {
			not = " NOT"
		}
		v := "FALSE"
		if x.True != 0 {
			v = "TRUE"
		}
		return u.expr(x.Expr, precLike) + " IS" + not + " " + v, precLike
	case *ast.PatternLikeOrIlikeExpr:
		op := " LIKE "
		if !x.IsLike {
			op = " ILIKE "
		}
		if x.Not {
			op = " NOT" + op
		}
		return u.expr(x.Expr, precLike+1) + op + u.expr(x.Pattern, precLike+1), precLike
	case *ast.PatternInExpr:
		if x.Sel != nil {
			break
		}
		op := " IN ("
		if x.Not {
			op = " NOT IN ("
		}
		return u.expr(x.Expr, precLike+1) + op + u.list(x.List) + ")", precLike
	case *ast.BetweenExpr:
		op := " BETWEEN ASYMMETRIC "
		if x.Not {
			op = " NOT BETWEEN ASYMMETRIC "
		}
		return u.expr(x.Expr, precLike+1) + op + u.expr(x.Left, precLike+1) + " AND " + u.expr(x.Right, precLike+1), precLike
	case *ast.CaseExpr:
		var b strings.Builder
		b.WriteString("CASE")
		if x.Value != nil {
			b.WriteString(" " + u.expr(x.Value, 0))
		}
		for _, w := range x.WhenClauses {
			b.WriteString(" WHEN " + u.expr(w.Expr, 0) + " THEN " + u.expr(w.Result, 0))
		}
		if x.ElseClause != nil {
			b.WriteString(" ELSE " + u.expr(x.ElseClause, 0))
		}
		b.WriteString(" END")
		return b.String(), precAtom
	case *ast.RowExpr:
		return "ROW(" + u.list(x.Values) + ")", precAtom
	case *ast.FuncCallExpr:
		if x.FnName.O == ast.Concat && len(x.Args) == 2 {
			// a || b (TiDB names the operator's call in lower case)
			return u.expr(x.Args[0], precMul) + " || " + u.expr(x.Args[1], precMul+1), precMul
		}
		if s, ok := u.funcCall(x); ok {
			return s, precAtom
		}
	}
	u.fail()
	return restore(n), precAtom
}

// funcCall renders a function call, undoing the rewrites of Flink-only
// syntax (CAST, INTERVAL, ARRAY[], MAP[], x[i], FLOOR(x TO u)).
func (u unparser) funcCall(x *ast.FuncCallExpr) (string, bool) {
	name := x.FnName.L
	switch {
	case strings.HasPrefix(name, "__cast_"), strings.HasPrefix(name, "__trycast_"):
		i, _ := strconv.Atoi(name[strings.LastIndexByte(name, '_')+1:])
		if u.rw == nil || i >= len(u.rw.Casts) || len(x.Args) != 1 {
			u.fail()
			return "", false
		}
		fn := "CAST"
		if strings.HasPrefix(name, "__trycast_") {
			fn = "TRY_CAST"
		}
		return fmt.Sprintf("%s(%s AS %s)", fn, u.expr(x.Args[0], 0), castTypeText(u.rw.Casts[i])), true
	case strings.HasPrefix(name, "__interval_"):
		i, _ := strconv.Atoi(name[len("__interval_"):])
		if u.rw == nil || i >= len(u.rw.Intervals) {
			u.fail()
			return "", false
		}
		iv := u.rw.Intervals[i]
		s := "INTERVAL " + quoteString(iv.Value) + " " + iv.From
		if iv.To != "" {
			s += " TO " + iv.To
		}
		return s, true
	case name == "__array":
		return "ARRAY[" + u.list(x.Args) + "]", true
	case name == "__map":
		return "MAP[" + u.list(x.Args) + "]", true
	case name == "__item" && len(x.Args) == 2:
		return u.expr(x.Args[0], precAtom) + "[" + u.expr(x.Args[1], 0) + "]", true
	case (name == "__floor" || name == "__ceil") && len(x.Args) == 2:
		unit := ""
		if v, ok := x.Args[1].(*test_driver.ValueExpr); ok {
			unit = v.GetString()
		}
		return fmt.Sprintf("%s(%s TO %s)", strings.ToUpper(name[2:]), u.expr(x.Args[0], 0), unit), true
	case strings.HasPrefix(name, "__"):
		u.fail()
		return "", false
	}
	if len(x.Args) == 0 {
		if s, ok := niladic[name]; ok {
			return s, true
		}
	}
	for _, a := range x.Args {
		switch a.(type) {
		case *ast.TimeUnitExpr, *ast.TrimDirectionExpr, *ast.GetFormatSelectorExpr:
			u.fail()
			return "", false
		}
	}
	fn := strings.ToUpper(x.FnName.O)
	switch name {
	case "ifnull":
		fn = "COALESCE"
	case "substr":
		fn = "SUBSTRING"
	case "ceiling":
		fn = "CEIL"
	case "pow":
		fn = "POWER"
	}
	return fn + "(" + u.list(x.Args) + ")", true
}

// castTypeText renders a CAST target as Calcite does (INT is INTEGER).
func castTypeText(t *DataType) string {
	s := t.String()
	if t.Name == "INT" {
		s = "INTEGER" + strings.TrimPrefix(s, "INT")
	}
	return s
}

// literalText renders a literal value.
func literalText(x *test_driver.ValueExpr) string {
	switch x.Kind() {
	case test_driver.KindNull:
		return "NULL"
	case test_driver.KindInt64:
		if x.Type.GetFlag()&mysql.IsBooleanFlag != 0 {
			if x.GetInt64() != 0 {
				return "TRUE"
			}
			return "FALSE"
		}
		return strconv.FormatInt(x.GetInt64(), 10)
	case test_driver.KindUint64:
		return strconv.FormatUint(x.GetUint64(), 10)
	case test_driver.KindFloat64, test_driver.KindFloat32:
		return strconv.FormatFloat(x.GetFloat64(), 'E', -1, 64)
	case test_driver.KindMysqlDecimal:
		return x.GetMysqlDecimal().String()
	case test_driver.KindString:
		return quoteString(x.GetString())
	}
	return restore(x)
}
