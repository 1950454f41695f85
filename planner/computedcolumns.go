package planner

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/flinkgo/engine/runtime/expr"
)

// computedColumns turns the expressions an operator needs as columns
// (OVER and ROW_NUMBER partition and order keys, aggregate arguments) into
// input columns: a plain column is used as it is; anything else becomes a
// computed column, named prefix<n>, of a Calc in front of the input — one
// per distinct expression, so two OVER clauses with PARTITION BY id % 2
// name the same column (Flink compares the expressions, not their text).
type computedColumns struct {
	eb     *exprBinder
	prefix string
	width  int // the input's columns
	exprs  []expr.Expr
	names  []string
}

func newComputedColumns(eb *exprBinder, sc *scope, prefix string) *computedColumns {
	return &computedColumns{eb: eb, prefix: prefix, width: len(sc.cols), exprs: identity(sc), names: names(sc)}
}

// column returns the input column of n, computing it when needed.
func (c *computedColumns) column(n ast.ExprNode) (int, error) {
	e, err := c.eb.bind(n)
	if err != nil {
		return 0, err
	}
	if ref, ok := e.(*expr.ColumnRef); ok {
		return ref.Index, nil
	}
	d := digest(e)
	for i := c.width; i < len(c.exprs); i++ {
		if digest(c.exprs[i]) == d {
			return i, nil
		}
	}
	c.exprs = append(c.exprs, e)
	c.names = append(c.names, fmt.Sprintf("%s%d", c.prefix, len(c.exprs)))
	return len(c.exprs) - 1, nil
}

// input is in, or a Calc that adds the computed columns to it.
func (c *computedColumns) input(in Node) Node {
	if len(c.exprs) == c.width {
		return in
	}
	return &Calc{Input: in, Exprs: c.exprs, Names: c.names}
}

// digest identifies a bound expression by structure: columns by index (two
// columns may share a name), calls by function, arguments and type.
func digest(e expr.Expr) string {
	var b strings.Builder
	writeDigest(&b, e)
	return b.String()
}

func writeDigest(b *strings.Builder, e expr.Expr) {
	switch x := e.(type) {
	case *expr.ColumnRef:
		fmt.Fprintf(b, "$%d", x.Index)
	case *expr.Literal:
		fmt.Fprintf(b, "%s:%s", x.Text, x.T)
	case *expr.FieldAccess:
		writeDigest(b, x.Arg)
		fmt.Fprintf(b, ".%d", x.Index)
	case *expr.Call:
		b.WriteString(x.Fn.Name)
		b.WriteByte('(')
		for i, a := range x.Args {
			if i > 0 {
				b.WriteByte(',')
			}
			writeDigest(b, a)
		}
		fmt.Fprintf(b, "):%s", x.T)
	default:
		fmt.Fprintf(b, "%T[%s]:%s", e, e.String(), e.Type())
	}
}
