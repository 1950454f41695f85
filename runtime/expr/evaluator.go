package expr

import (
	"fmt"

	"github.com/flinkgo/engine/runtime/types"
)

// Evaluator evaluates one compiled expression over batches. Not safe for
// concurrent use; see the package documentation.
type Evaluator struct {
	root *node
}

type node struct {
	kind    uint8 // nodeColumn, nodeLiteral, nodeCall, nodeField
	col     int
	lit     *types.Vector
	kernel  Kernel
	args    []*node
	argVecs []*types.Vector
	out     *types.Vector
	expr    Expr
}

const (
	nodeColumn uint8 = iota
	nodeLiteral
	nodeCall
	nodeField
)

// Compile prepares e for evaluation, binding every function to a kernel.
func Compile(e Expr) (*Evaluator, error) {
	n, err := compile(e)
	if err != nil {
		return nil, err
	}
	return &Evaluator{root: n}, nil
}

func compile(e Expr) (*node, error) {
	switch x := e.(type) {
	case *ColumnRef:
		return &node{kind: nodeColumn, col: x.Index, expr: e}, nil
	case *Literal:
		return &node{kind: nodeLiteral, lit: x.Value, out: types.NewVector(x.T, types.DefaultBatchSize), expr: e}, nil
	case *FieldAccess:
		a, err := compile(x.Arg)
		if err != nil {
			return nil, err
		}
		return &node{kind: nodeField, col: x.Index, args: []*node{a}, expr: e}, nil
	case *Call:
		n := &node{kind: nodeCall, expr: e, out: types.NewVector(x.T, types.DefaultBatchSize)}
		ts := make([]*types.Type, len(x.Args))
		for i, a := range x.Args {
			if x.Fn.LocalArgs && a.Type().Kind == types.KindTimestampLTZ {
				// The wall clock in the session zone, as Flink shows it.
				a = &Call{Fn: castFunction, Args: []Expr{a}, T: types.Timestamp(a.Type().Precision).WithNullable(a.Type().Nullable()), Zone: x.Zone}
			}
			c, err := compile(a)
			if err != nil {
				return nil, err
			}
			n.args = append(n.args, c)
			ts[i] = a.Type()
		}
		n.argVecs = make([]*types.Vector, len(x.Args))
		var k Kernel
		var err error
		if x.Fn.BindZoned != nil {
			k, err = x.Fn.BindZoned(ts, x.T, x.Zone)
		} else {
			k, err = x.Fn.Bind(ts, x.T)
		}
		if err != nil {
			return nil, err
		}
		n.kernel = k
		return n, nil
	}
	return nil, fmt.Errorf("expr: cannot compile %T", e)
}

// Eval evaluates the expression for every row of b.
func (ev *Evaluator) Eval(b *types.Batch) (*types.Vector, error) {
	return ev.root.eval(b)
}

func (n *node) eval(b *types.Batch) (*types.Vector, error) {
	switch n.kind {
	case nodeColumn:
		return b.Cols[n.col], nil
	case nodeLiteral:
		// The expanded constant is kept while batches keep their size.
		if n.out.Len != b.Len {
			n.out.Reset()
			for i := 0; i < b.Len; i++ {
				n.out.AppendFrom(n.lit, 0)
			}
		}
		return n.out, nil
	case nodeField:
		v, err := n.args[0].eval(b)
		if err != nil {
			return nil, err
		}
		return v.Children[n.col], nil
	}
	for i, a := range n.args {
		v, err := a.eval(b)
		if err != nil {
			v, err = n.retryGuarded(i, b, err) // conditional forms only, lazy.go
		}
		if err != nil {
			return nil, err
		}
		n.argVecs[i] = v
	}
	n.out.Reset()
	if err := n.kernel(n.argVecs, b.Len, n.out); err != nil {
		return nil, err
	}
	if n.out.Len != b.Len {
		return nil, fmt.Errorf("expr: kernel %s produced %d rows for %d", n.expr, n.out.Len, b.Len)
	}
	return n.out, nil
}

// EvalConstant evaluates an expression without column references (constant
// folding); the result has one row.
func EvalConstant(e Expr) (*types.Vector, error) {
	ev, err := Compile(e)
	if err != nil {
		return nil, err
	}
	b := &types.Batch{Len: 1}
	v, err := ev.Eval(b)
	if err != nil {
		return nil, err
	}
	out := types.NewVector(e.Type(), 1)
	out.AppendFrom(v, 0)
	return out, nil
}
