package planner

import (
	"fmt"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/flinkgo/engine/runtime/expr"
)

// computedColumns turns the expressions an operator needs as columns
// (OVER and ROW_NUMBER partition and order keys, aggregate arguments) into
// input columns: a plain column is used as it is; anything else becomes a
// computed column, named prefix<n>, of a Calc in front of the input.
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
