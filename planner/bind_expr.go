package planner

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// scopeColumn is a column visible to expressions, with the name of the
// table (or alias) it comes from.
type scopeColumn struct {
	table string
	name  string
	typ   *types.Type
}

// scope is the set of columns an expression can reference, in input order.
type scope struct {
	cols []scopeColumn
}

func scopeOf(table string, cols []Column) *scope {
	s := &scope{}
	for _, c := range cols {
		s.cols = append(s.cols, scopeColumn{table: table, name: c.Name, typ: c.Type})
	}
	return s
}

// locator finds the position of a word in the user's text.
type locator interface {
	Locate(word string) sql.Pos
}

// exprBinder binds TiDB expression trees to typed expressions.
type exprBinder struct {
	scope *scope
	rw    *sql.Rewrites
	loc   locator
	// Aggregation context: expressions (by restored text) that are already
	// computed as input columns, e.g. group keys and aggregate results.
	computed map[string]int
	// grouped is set when only computed expressions and group keys may be
	// referenced (SELECT list of an aggregate query); ungrouped is then the
	// scope before aggregation, to tell "not grouped" from "not found".
	grouped   bool
	ungrouped *scope
	// zone is the session time zone (nil: UTC) given to every call.
	zone *time.Location
}

// zoned gives a bound call the session time zone.
func (b *exprBinder) zoned(e expr.Expr) expr.Expr {
	if c, ok := e.(*expr.Call); ok {
		c.Zone = b.zone
	}
	return e
}

// inZone returns e with every call evaluated in zone: a copy of the calls
// (the catalog's trees are shared), e itself when it has none.
func inZone(e expr.Expr, zone *time.Location) expr.Expr {
	switch x := e.(type) {
	case *expr.Call:
		c := *x
		c.Zone = zone
		c.Args = make([]expr.Expr, len(x.Args))
		for i, a := range x.Args {
			c.Args[i] = inZone(a, zone)
		}
		return &c
	case *expr.FieldAccess:
		f := *x
		f.Arg = inZone(x.Arg, zone)
		return &f
	}
	return e
}

// SessionZone is table.local-time-zone as a location: 'default' (the
// default) is the system zone, as the JVM's in Flink; 'GMT+08:00' style
// fixed offsets and IANA names are accepted, 'UTC+8' is not (Flink's
// TableConfigValidation.validateTimeZone).
func (p *Planner) SessionZone() (*time.Location, error) {
	v := "default"
	if p.Config != nil {
		v = p.Config.String("table.local-time-zone", "default")
	}
	return ParseZone(v)
}

// ParseZone resolves a table.local-time-zone value as Flink's
// TableConfig.getLocalTimeZone: 'default' is the system zone; 'UTC+8' and
// Java's short ids ('EST', 'CTT') are refused; IANA names, 'UTC', 'Z' and
// fixed offsets ('GMT+08:00', '+08:00') are accepted.
func ParseZone(v string) (*time.Location, error) {
	if v == "default" {
		return time.Local, nil
	}
	up := strings.ToUpper(v)
	if strings.HasPrefix(up, "UTC+") || strings.HasPrefix(up, "UTC-") || javaShortZoneIDs[up] {
		return nil, &ZoneError{Class: "java.lang.IllegalArgumentException", Msg: fmt.Sprintf(
			"The supported Zone ID is either a full name such as 'America/Los_Angeles', or a custom timezone id such as 'GMT-08:00', but configured Zone ID is '%s'.", v)}
	}
	if v == "Z" {
		return time.UTC, nil
	}
	offset := v
	for _, prefix := range []string{"GMT", "UTC", "UT"} {
		if rest, ok := strings.CutPrefix(v, prefix); ok && rest != "" {
			offset = rest
			break
		}
	}
	if offset != "" && (offset[0] == '+' || offset[0] == '-') {
		sign := 1
		if offset[0] == '-' {
			sign = -1
		}
		hh, mm, _ := strings.Cut(offset[1:], ":")
		h, err1 := strconv.Atoi(hh)
		m := 0
		var err2 error
		if mm != "" {
			m, err2 = strconv.Atoi(mm)
		}
		if err1 != nil || err2 != nil || len(hh) > 2 || h > 18 || m > 59 {
			return nil, &ZoneError{Class: "java.time.DateTimeException", Msg: "Invalid ID for offset-based ZoneId: " + v}
		}
		return time.FixedZone(v, sign*(h*3600+m*60)), nil
	}
	if v == "" || v == "Local" || strings.HasPrefix(v, "/") {
		return nil, &ZoneError{Class: "java.time.DateTimeException", Msg: "Invalid ID for region-based ZoneId, invalid format: " + v}
	}
	loc, err := time.LoadLocation(v)
	if err != nil {
		return nil, &ZoneError{Class: "java.time.zone.ZoneRulesException", Msg: "Unknown time-zone ID: " + v}
	}
	return loc, nil
}

// ZoneError is the Java exception a bad table.local-time-zone raises.
type ZoneError struct{ Class, Msg string }

func (e *ZoneError) Error() string      { return e.Msg }
func (e *ZoneError) FlinkClass() string { return e.Class }

// javaShortZoneIDs are the keys of java.time.ZoneId.SHORT_IDS, which Flink
// refuses as session time zones.
var javaShortZoneIDs = map[string]bool{
	"ACT": true, "AET": true, "AGT": true, "ART": true, "AST": true, "BET": true, "BST": true, "CAT": true,
	"CNT": true, "CST": true, "CTT": true, "EAT": true, "ECT": true, "IET": true, "IST": true, "JST": true,
	"MIT": true, "NET": true, "NST": true, "PLT": true, "PNT": true, "PRT": true, "PST": true, "SST": true,
	"VST": true, "EST": true, "MST": true, "HST": true,
}

// bindStandaloneExpr binds a scalar expression of a DDL (computed column,
// watermark).
func bindStandaloneExpr(e *sql.Expr, s *scope) (expr.Expr, error) {
	b := &exprBinder{scope: s, rw: e.Rewrites, loc: e}
	return b.bind(e.Node)
}

func (b *exprBinder) errAt(word string, format string, args ...any) error {
	return validationf(b.pos(word), format, args...)
}

// calciteAt is errAt for a check Calcite's validator makes in Flink, with
// its message (printed as Flink prints it: ValidationError).
func (b *exprBinder) calciteAt(word string, format string, args ...any) error {
	return calcitef(b.pos(word), format, args...)
}

func (b *exprBinder) pos(word string) sql.Pos {
	if b.loc != nil && word != "" {
		return b.loc.Locate(word)
	}
	return sql.Pos{}
}

// restore renders an AST node back to SQL text (the key for matching group
// expressions and aggregates).
func restore(n ast.Node) string {
	var sb strings.Builder
	ctx := format.NewRestoreCtx(format.DefaultRestoreFlags, &sb)
	if err := n.Restore(ctx); err != nil {
		return fmt.Sprintf("%p", n)
	}
	return sb.String()
}

func (b *exprBinder) bind(n ast.ExprNode) (expr.Expr, error) {
	if b.computed != nil {
		if i, ok := b.computed[restore(n)]; ok {
			c := b.scope.cols[i]
			return &expr.ColumnRef{Index: i, Name: c.name, T: c.typ}, nil
		}
	}
	switch x := n.(type) {
	case *ast.ParenthesesExpr:
		return b.bind(x.Expr)
	case *ast.ColumnNameExpr:
		return b.column(x.Name)
	case *test_driver.ValueExpr:
		return literalOf(x)
	case *ast.BinaryOperationExpr:
		return b.binary(x)
	case *ast.UnaryOperationExpr:
		arg, err := b.bind(x.V)
		if err != nil {
			return nil, err
		}
		switch x.Op {
		case opcode.Not, opcode.Not2:
			return b.call("NOT", "NOT", arg)
		case opcode.Minus:
			return b.call("NEGATE", "-", arg)
		case opcode.Plus:
			return arg, nil
		}
		return nil, b.errAt("", "Unsupported operator %s", x.Op)
	case *ast.IsNullExpr:
		arg, err := b.bind(x.Expr)
		if err != nil {
			return nil, err
		}
		if x.Not {
			return b.call("IS NOT NULL", "", arg)
		}
		return b.call("IS NULL", "", arg)
	case *ast.IsTruthExpr:
		arg, err := b.bind(x.Expr)
		if err != nil {
			return nil, err
		}
		name := map[[2]bool]string{{true, false}: "IS TRUE", {false, false}: "IS FALSE", {true, true}: "IS NOT TRUE", {false, true}: "IS NOT FALSE"}[[2]bool{x.True != 0, x.Not}]
		return b.call(name, "", arg)
	case *ast.PatternLikeOrIlikeExpr:
		if !x.IsLike {
			return nil, b.errAt("ILIKE", "ILIKE is not supported; use LOWER(x) LIKE LOWER(pattern)")
		}
		l, err := b.bind(x.Expr)
		if err != nil {
			return nil, err
		}
		p, err := b.bind(x.Pattern)
		if err != nil {
			return nil, err
		}
		name := "LIKE"
		if x.Not {
			name = "NOT LIKE"
		}
		if x.Escape != '\\' {
			return b.call(name, "LIKE", l, p, stringLiteral(string(x.Escape)))
		}
		return b.call(name, "LIKE", l, p)
	case *ast.PatternInExpr:
		if x.Sel != nil {
			return nil, b.errAt("IN", "IN with a subquery is not supported yet")
		}
		args := make([]expr.Expr, 0, len(x.List)+1)
		v, err := b.bind(x.Expr)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
		for _, it := range x.List {
			e, err := b.bind(it)
			if err != nil {
				return nil, err
			}
			args = append(args, e)
		}
		in, err := b.call("IN", "IN", args...)
		if err != nil || !x.Not {
			return in, err
		}
		return b.call("NOT", "NOT", in)
	case *ast.BetweenExpr:
		v, err := b.bind(x.Expr)
		if err != nil {
			return nil, err
		}
		lo, err := b.bind(x.Left)
		if err != nil {
			return nil, err
		}
		hi, err := b.bind(x.Right)
		if err != nil {
			return nil, err
		}
		if x.Not {
			return b.call("NOT BETWEEN", "BETWEEN", v, lo, hi)
		}
		return b.call("BETWEEN", "BETWEEN", v, lo, hi)
	case *ast.CaseExpr:
		return b.caseExpr(x)
	case *ast.RowExpr:
		args, err := b.bindAll(x.Values)
		if err != nil {
			return nil, err
		}
		return b.call("ROW", "ROW", args...)
	case *ast.FuncCallExpr:
		return b.funcCall(x)
	case *ast.AggregateFuncExpr:
		return nil, b.errAt(x.F, "Aggregate function %s is not allowed here", strings.ToUpper(x.F))
	case *ast.WindowFuncExpr:
		return nil, b.errAt(x.Name, "OVER windows are not supported yet: %s", strings.ToUpper(x.Name))
	case *ast.SubqueryExpr, *ast.ExistsSubqueryExpr:
		return nil, b.errAt("SELECT", "Subqueries in expressions are not supported yet")
	case *ast.DefaultExpr:
		return nil, b.errAt("DEFAULT", "DEFAULT is not supported")
	}
	return nil, b.errAt("", "Unsupported expression: %s", restore(n))
}

func (b *exprBinder) bindAll(ns []ast.ExprNode) ([]expr.Expr, error) {
	out := make([]expr.Expr, len(ns))
	for i, n := range ns {
		e, err := b.bind(n)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// call resolves a registered function; word locates errors in the text.
func (b *exprBinder) call(name, word string, args ...expr.Expr) (expr.Expr, error) {
	fn, ok := expr.Lookup(name)
	if !ok {
		return nil, b.calciteAt(word, "No match found for function signature %s(%s)", strings.ToLower(name), argTypeList(args))
	}
	c, err := expr.NewCall(fn, args...)
	if err != nil {
		if word == "" {
			word = name
		}
		return nil, b.errAt(word, "%s", err.Error())
	}
	c.Zone = b.zone
	return c, nil
}

func argTypeList(args []expr.Expr) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = "<" + typeFamily(a.Type()) + ">"
	}
	return strings.Join(parts, ", ")
}

// typeFamily names a type as Calcite's signatures do.
func typeFamily(t *types.Type) string {
	switch {
	case t.IsString():
		return "CHARACTER"
	case t.IsNumeric():
		return "NUMERIC"
	case t.IsBinary():
		return "BINARY"
	case t.Kind == types.KindBoolean:
		return "BOOLEAN"
	case t.Kind == types.KindDate:
		return "DATE"
	case t.Kind == types.KindTime:
		return "TIME"
	case t.IsTimestamp():
		return "TIMESTAMP"
	}
	return strings.ToUpper(t.String())
}

var binaryOps = map[opcode.Op]string{
	opcode.LogicAnd: "AND", opcode.LogicOr: "OR",
	opcode.EQ: "=", opcode.NE: "<>", opcode.LT: "<", opcode.LE: "<=", opcode.GT: ">", opcode.GE: ">=",
	opcode.Plus: "+", opcode.Minus: "-", opcode.Mul: "*", opcode.Div: "/", opcode.Mod: "%",
}

func (b *exprBinder) binary(x *ast.BinaryOperationExpr) (expr.Expr, error) {
	name, ok := binaryOps[x.Op]
	if !ok {
		return nil, b.errAt("", "Unsupported operator %s", x.Op)
	}
	l, err := b.bind(x.L)
	if err != nil {
		return nil, err
	}
	r, err := b.bind(x.R)
	if err != nil {
		return nil, err
	}
	return b.call(name, "", l, r)
}

func (b *exprBinder) caseExpr(x *ast.CaseExpr) (expr.Expr, error) {
	var args []expr.Expr
	var value expr.Expr
	if x.Value != nil {
		v, err := b.bind(x.Value)
		if err != nil {
			return nil, err
		}
		value = v
	}
	for _, w := range x.WhenClauses {
		cond, err := b.bind(w.Expr)
		if err != nil {
			return nil, err
		}
		if value != nil {
			if cond, err = b.call("=", "CASE", value, cond); err != nil {
				return nil, err
			}
		}
		res, err := b.bind(w.Result)
		if err != nil {
			return nil, err
		}
		args = append(args, cond, res)
	}
	if x.ElseClause != nil {
		e, err := b.bind(x.ElseClause)
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	return b.call("CASE", "CASE", args...)
}

// column resolves a column reference, possibly qualified by a table alias,
// or a field of a ROW column (a.b, t.a.b).
func (b *exprBinder) column(cn *ast.ColumnName) (expr.Expr, error) {
	parts := []string{}
	for _, p := range []string{cn.Schema.O, cn.Table.O, cn.Name.O} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 { // a zero-length quoted identifier: ``
		return nil, b.calciteAt("", "Column '' not found in any table")
	}
	// Try column[.field...] and table.column[.field...]; a qualifier that
	// names a table in scope is a table first, as Calcite resolves it (the
	// unaliased subquery EXPR$0 has a column EXPR$0: EXPR$0.EXPR$0).
	splits := []int{0, 1}
	if len(parts) > 1 && b.hasTable(parts[0]) {
		splits = []int{1, 0}
	}
	for _, split := range splits {
		if split >= len(parts) {
			continue
		}
		table, col, fields := "", parts[0], parts[1:]
		if split == 1 {
			table, col, fields = parts[0], parts[1], parts[2:]
		}
		idx, err := b.lookup(table, col)
		if err != nil {
			return nil, err
		}
		if idx < 0 {
			continue
		}
		c := b.scope.cols[idx]
		if b.grouped {
			return nil, b.calciteAt(col, "Expression '%s' is not being grouped", strings.Join(parts, "."))
		}
		var e expr.Expr = &expr.ColumnRef{Index: idx, Name: c.name, T: c.typ}
		for _, f := range fields {
			t := e.Type()
			if t.Kind != types.KindRow {
				return nil, b.errAt(f, "Column '%s' is not a ROW; cannot access field '%s'", col, f)
			}
			fi := -1
			for k, rf := range t.Fields {
				if rf.Name == f {
					fi = k
				}
			}
			if fi < 0 {
				return nil, b.errAt(f, "Unknown field '%s' of %s", f, t)
			}
			ft := t.Fields[fi].Type
			if t.Nullable() {
				ft = ft.WithNullable(true)
			}
			e = &expr.FieldAccess{Arg: e, Index: fi, T: ft}
		}
		return e, nil
	}
	if b.grouped && b.ungrouped != nil {
		inner := &exprBinder{scope: b.ungrouped, loc: b.loc, zone: b.zone}
		if _, err := inner.column(cn); err == nil {
			return nil, b.calciteAt(parts[len(parts)-1], "Expression '%s' is not being grouped", strings.Join(parts, "."))
		}
	}
	if len(parts) > 1 {
		if !b.hasTable(parts[0]) {
			return nil, b.calciteAt(parts[0], "Table '%s' not found", parts[0])
		}
		return nil, b.calciteAt(parts[len(parts)-1], "Column '%s' not found in table '%s'", parts[1], parts[0])
	}
	return nil, b.calciteAt(parts[0], "Column '%s' not found in any table", parts[0])
}

func (b *exprBinder) hasTable(t string) bool {
	for _, c := range b.scope.cols {
		if c.table == t {
			return true
		}
	}
	return false
}

// lookup finds a column; -1 when absent, an error when ambiguous.
func (b *exprBinder) lookup(table, col string) (int, error) {
	found := -1
	for i, c := range b.scope.cols {
		if c.name != col || (table != "" && c.table != table) {
			continue
		}
		if found >= 0 {
			return -1, b.calciteAt(col, "Column '%s' is ambiguous", col)
		}
		found = i
	}
	return found, nil
}

// ---- literals ----

func constLiteral(t *types.Type, text string, fill func(v *types.Vector)) *expr.Literal {
	v := types.NewVector(t, 1)
	fill(v)
	return &expr.Literal{Value: v, T: t, Text: text}
}

func stringLiteral(s string) *expr.Literal {
	return constLiteral(types.Char(max(len(s), 1)).WithNullable(false), "'"+strings.ReplaceAll(s, "'", "''")+"'",
		func(v *types.Vector) { v.AppendString(s) })
}

func intLiteral(i int64, t *types.Type) *expr.Literal {
	return constLiteral(t.WithNullable(false), strconv.FormatInt(i, 10), func(v *types.Vector) { v.AppendInt(i) })
}

func nullLiteral(t *types.Type) *expr.Literal {
	return constLiteral(t, "null", func(v *types.Vector) { v.AppendNull() })
}

func literalOf(x *test_driver.ValueExpr) (expr.Expr, error) {
	switch x.Kind() {
	case test_driver.KindNull:
		return nullLiteral(types.Null), nil
	case test_driver.KindInt64:
		i := x.GetInt64()
		if x.Type.GetFlag()&mysql.IsBooleanFlag != 0 {
			t := types.Boolean.WithNullable(false)
			return constLiteral(t, map[bool]string{true: "true", false: "false"}[i != 0], func(v *types.Vector) { v.AppendBool(i != 0) }), nil
		}
		if i >= math.MinInt32 && i <= math.MaxInt32 {
			return intLiteral(i, types.Int), nil
		}
		return intLiteral(i, types.BigInt), nil
	case test_driver.KindUint64:
		u := x.GetUint64()
		if u <= math.MaxInt64 {
			return intLiteral(int64(u), types.BigInt), nil
		}
		return decimalLiteral(strconv.FormatUint(u, 10))
	case test_driver.KindFloat64, test_driver.KindFloat32:
		f := x.GetFloat64()
		return constLiteral(types.Double.WithNullable(false), strconv.FormatFloat(f, 'E', -1, 64), func(v *types.Vector) { v.AppendFloat(f) }), nil
	case test_driver.KindMysqlDecimal:
		return decimalLiteral(x.GetMysqlDecimal().String())
	case test_driver.KindString:
		return stringLiteral(x.GetString()), nil
	case test_driver.KindBinaryLiteral, test_driver.KindBytes:
		bs := []byte(x.GetBytes())
		if x.Kind() == test_driver.KindBinaryLiteral {
			bs = []byte(x.GetBinaryLiteral())
		}
		t := (&types.Type{Kind: types.KindBinary, Length: max(len(bs), 1)}).WithNullable(false)
		return constLiteral(t, fmt.Sprintf("X'%x'", bs), func(v *types.Vector) { v.AppendBytes(bs) }), nil
	}
	return nil, validationf(sql.Pos{}, "Unsupported literal %s", restore(x))
}

func decimalLiteral(text string) (expr.Expr, error) {
	d, _, err := apd.NewFromString(text)
	if err != nil {
		return nil, validationf(sql.Pos{}, "Invalid decimal literal %s", text)
	}
	scale := 0
	if d.Exponent < 0 {
		scale = int(-d.Exponent)
	}
	digits := int(d.NumDigits())
	p := max(digits, scale)
	if p > 38 {
		f, _ := d.Float64()
		return constLiteral(types.Double.WithNullable(false), text, func(v *types.Vector) { v.AppendFloat(f) }), nil
	}
	return constLiteral(types.Decimal(p, scale).WithNullable(false), text, func(v *types.Vector) { v.AppendDecimal(d) }), nil
}
