package planner

import (
	"errors"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
)

// expandGroupingSets turns GROUP BY items holding GROUPING SETS, ROLLUP or
// CUBE (as the parser hands them over: __grouping_sets(__set(a, b), ...),
// __rollup(a, b), __cube(a, b)) into the distinct grouping expressions and
// the grouping sets, each a list of expressions (by their text); plain
// items next to them belong to every set. sets is nil when there is no
// grouping-sets item.
func expandGroupingSets(items []ast.ExprNode) ([]ast.ExprNode, [][]string, error) {
	var plain []ast.ExprNode
	var sets [][]ast.ExprNode
	found := false
	for _, it := range items {
		f, ok := it.(*ast.FuncCallExpr)
		if !ok || (f.FnName.L != "__grouping_sets" && f.FnName.L != "__rollup" && f.FnName.L != "__cube") {
			plain = append(plain, it)
			continue
		}
		if found {
			return nil, nil, errors.New("Only one GROUPING SETS, ROLLUP or CUBE per GROUP BY is supported")
		}
		found = true
		switch f.FnName.L {
		case "__grouping_sets":
			for _, a := range f.Args {
				if s, ok := a.(*ast.FuncCallExpr); ok && s.FnName.L == "__set" {
					sets = append(sets, s.Args)
				} else {
					sets = append(sets, []ast.ExprNode{a})
				}
			}
		case "__rollup":
			for n := len(f.Args); n >= 0; n-- {
				sets = append(sets, f.Args[:n])
			}
		case "__cube":
			if len(f.Args) > 12 {
				return nil, nil, errors.New("CUBE of more than 12 expressions is not supported")
			}
			for m := (1 << len(f.Args)) - 1; m >= 0; m-- {
				var set []ast.ExprNode
				for i, a := range f.Args {
					if m&(1<<(len(f.Args)-1-i)) != 0 {
						set = append(set, a)
					}
				}
				sets = append(sets, set)
			}
		}
	}
	if !found {
		return items, nil, nil
	}
	var all []ast.ExprNode
	seen := map[string]bool{}
	add := func(e ast.ExprNode) {
		if k := restore(e); !seen[k] {
			seen[k] = true
			all = append(all, e)
		}
	}
	for _, p := range plain {
		add(p)
	}
	texts := make([][]string, len(sets))
	for i, set := range sets {
		for _, p := range plain {
			texts[i] = append(texts[i], restore(p))
		}
		for _, e := range set {
			add(e)
			texts[i] = append(texts[i], restore(e))
		}
	}
	return all, texts, nil
}

// groupingSetsUnion plans an aggregation with grouping sets as the union of
// one aggregation per set over pre (whose first nKeys columns are the
// grouping expressions): each fills the keys outside its set with NULL, so
// every branch has the columns of the full aggregation (keys, then calls).
func groupingSetsUnion(pre *Calc, nKeys int, calls []AggCall, sets [][]string, computed map[string]int, grouping []*ast.FuncCallExpr) (Node, error) {
	in := pre.Schema()
	var branches []Node
	for _, set := range sets {
		var keys []int
		pos := map[int]int{}
		for _, t := range set {
			k, ok := computed[t]
			if !ok || k >= nKeys {
				return nil, errors.New("grouping set expression " + t + " is not a grouping expression")
			}
			if _, dup := pos[k]; !dup {
				pos[k] = len(keys)
				keys = append(keys, k)
			}
		}
		agg := &Aggregate{Input: pre, Keys: keys, Calls: calls}
		as := agg.Schema()
		var exprs []expr.Expr
		var names []string
		for k := 0; k < nKeys; k++ {
			t := in[k].Type.WithNullable(true)
			if p, ok := pos[k]; ok {
				e, err := expr.ImplicitCast(&expr.ColumnRef{Index: p, Name: as[p].Name, T: as[p].Type}, t)
				if err != nil {
					return nil, err
				}
				exprs = append(exprs, e)
			} else {
				v := types.NewVector(t, 1)
				v.AppendNull()
				exprs = append(exprs, &expr.Literal{Value: v, T: t, Text: "null:" + t.String()})
			}
			names = append(names, in[k].Name)
		}
		for c := range calls {
			i := len(keys) + c
			exprs = append(exprs, &expr.ColumnRef{Index: i, Name: as[i].Name, T: as[i].Type})
			names = append(names, as[i].Name)
		}
		// GROUPING(a, b, ...): a bit per argument, most significant first,
		// set when the argument is not grouped in this set.
		for gi, g := range grouping {
			var v int64
			for _, a := range g.Args {
				k, ok := computed[restore(a)]
				if !ok || k >= nKeys {
					return nil, errors.New("the arguments of " + strings.ToUpper(g.FnName.O) + " must be grouping expressions")
				}
				v <<= 1
				if _, in := pos[k]; !in {
					v |= 1
				}
			}
			vec := types.NewVector(types.BigInt.WithNullable(false), 1)
			vec.AppendInt(v)
			exprs = append(exprs, &expr.Literal{Value: vec, T: vec.Type, Text: strconv.FormatInt(v, 10)})
			names = append(names, "$grouping"+strconv.Itoa(gi))
		}
		branches = append(branches, &Calc{Input: agg, Exprs: exprs, Names: names})
	}
	if len(branches) == 1 {
		return branches[0], nil
	}
	ins, err := unifySchemas(branches)
	if err != nil {
		return nil, err
	}
	return &Union{Ins: ins}, nil
}

// collectGroupingCalls finds the GROUPING(...) and GROUPING_ID(...) calls of
// the select list and HAVING, one per distinct text.
func collectGroupingCalls(s *ast.SelectStmt) []*ast.FuncCallExpr {
	var out []*ast.FuncCallExpr
	seen := map[string]bool{}
	v := &groupingVisitor{visit: func(f *ast.FuncCallExpr) {
		if k := restore(f); !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}}
	for _, f := range s.Fields.Fields {
		if f.Expr != nil {
			f.Expr.Accept(v)
		}
	}
	if s.Having != nil {
		s.Having.Expr.Accept(v)
	}
	return out
}

type groupingVisitor struct{ visit func(*ast.FuncCallExpr) }

func (g *groupingVisitor) Enter(n ast.Node) (ast.Node, bool) {
	if f, ok := n.(*ast.FuncCallExpr); ok && (f.FnName.L == "grouping" || f.FnName.L == "grouping_id") {
		g.visit(f)
		return n, true
	}
	return n, false
}
func (g *groupingVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }
