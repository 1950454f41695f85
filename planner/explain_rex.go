package planner

import (
	"strconv"
	"strings"

	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
)

// rexStyle is how an EXPLAIN section prints expressions. Flink prints one
// expression three ways: the abstract syntax tree shows Calcite's RexNode
// digests over input field indexes (">($1, 10)", "CAST($0):BIGINT"), the
// optimized physical plan the same prefix calls over field names
// (">(a, 10)", "CAST(a AS BIGINT)"), and the execution plan infix
// operators over field names ("(a > 10)").
type rexStyle uint8

const (
	rexAST rexStyle = iota
	rexRel
	rexExec
)

// rexText prints e in style st; name gives the name of input column i
// (nil: the name the column reference carries).
func rexText(e expr.Expr, st rexStyle, name func(i int) string) string {
	switch x := e.(type) {
	case *expr.ColumnRef:
		if st == rexAST {
			return "$" + strconv.Itoa(x.Index)
		}
		if name != nil {
			return name(x.Index)
		}
		return x.Name
	case *expr.Literal:
		return literalText(x, st)
	case *expr.FieldAccess:
		return rexText(x.Arg, st, name) + "." + x.Arg.Type().Fields[x.Index].Name
	case *expr.Call:
		return callText(x, st, name)
	}
	return e.String()
}

func callText(c *expr.Call, st rexStyle, name func(i int) string) string {
	fn := c.Fn.Name
	if fn == "CAST" || fn == "TRY_CAST" {
		arg := rexText(c.Args[0], st, name)
		if st == rexAST {
			return fn + "(" + arg + "):" + calciteType(c.T)
		}
		return fn + "(" + arg + " AS " + c.T.WithNullable(true).String() + ")"
	}
	if st == rexExec {
		args := make([]string, len(c.Args))
		for i, a := range c.Args {
			args[i] = rexText(a, st, name)
		}
		if c.Fn.Infix != "" && len(args) == 2 {
			return "(" + args[0] + " " + c.Fn.Infix + " " + args[1] + ")"
		}
		return fn + "(" + strings.Join(args, ", ") + ")"
	}
	op := fn
	if c.Fn.Infix != "" && len(c.Args) == 2 {
		op = c.Fn.Infix
	}
	// Calcite flattens nested AND / OR into one call.
	var args []string
	var flat func(e expr.Expr)
	flat = func(e expr.Expr) {
		if in, ok := e.(*expr.Call); ok && (op == "AND" || op == "OR") && in.Fn == c.Fn {
			for _, a := range in.Args {
				flat(a)
			}
			return
		}
		args = append(args, rexText(e, st, name))
	}
	for _, a := range c.Args {
		flat(a)
	}
	return op + "(" + strings.Join(args, ", ") + ")"
}

// literalText prints a literal: character strings carry Calcite's charset
// prefix outside the execution plan (_UTF-16LE'x').
func literalText(l *expr.Literal, st rexStyle) string {
	if st != rexExec && (l.T.Kind == types.KindVarChar || l.T.Kind == types.KindChar) && strings.HasPrefix(l.Text, "'") {
		return "_UTF-16LE" + l.Text
	}
	return l.Text
}

// calciteType is a type as Calcite's digests print it: INTEGER for INT,
// character types with their charset, NOT NULL spelled out.
func calciteType(t *types.Type) string {
	var s string
	switch t.Kind {
	case types.KindInt:
		s = "INTEGER"
	case types.KindVarChar, types.KindChar:
		s = t.WithNullable(true).String()
		if s == "STRING" {
			s = "VARCHAR(2147483647)"
		}
		s += ` CHARACTER SET "UTF-16LE"`
	default:
		s = t.WithNullable(true).String()
	}
	if t.NotNull {
		s += " NOT NULL"
	}
	return s
}
