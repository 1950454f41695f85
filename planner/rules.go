package planner

import (
	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime/expr"
)

// Rule rewrites one node (whose inputs are already rewritten); it returns
// the node unchanged when it does not apply. Rules never mutate nodes.
type Rule struct {
	Name  string
	Apply func(n Node) Node
}

// Rules run bottom-up, in this order, until nothing changes.
var Rules = []Rule{
	{"ConstantFolding", foldConstants},
	{"CalcMerge", mergeCalcs},
	{"ProjectWatermarkAssignerTranspose", pushProjectionBelowWatermark},
	{"FilterPushDown", pushFilterIntoScan},
	{"ProjectionPushDown", pushProjectionIntoScan},
	{"CalcRemove", removeIdentityCalc},
	{"RankNumberPruning", pruneRankNumber},
	{"TwoPhaseAggregate", twoPhaseAggregate},
	{"SinkUpsertMaterialize", addSinkMaterializer},
}

// Optimize applies Rules to a fixpoint.
func Optimize(n Node) Node {
	for i := 0; i < 10; i++ {
		next := applyRules(n)
		if Explain(next) == Explain(n) {
			return next
		}
		n = next
	}
	return n
}

func applyRules(n Node) Node {
	ins := n.Inputs()
	if len(ins) > 0 {
		nin := make([]Node, len(ins))
		changed := false
		for i, in := range ins {
			nin[i] = applyRules(in)
			changed = changed || nin[i] != in
		}
		if changed {
			n = n.WithInputs(nin)
		}
	}
	for _, r := range Rules {
		n = r.Apply(n)
	}
	return n
}

// mapExpr rebuilds e bottom-up through f.
func mapExpr(e expr.Expr, f func(expr.Expr) expr.Expr) expr.Expr {
	switch x := e.(type) {
	case *expr.Call:
		args := make([]expr.Expr, len(x.Args))
		changed := false
		for i, a := range x.Args {
			args[i] = mapExpr(a, f)
			changed = changed || args[i] != a
		}
		if changed {
			e = &expr.Call{Fn: x.Fn, Args: args, T: x.T, Zone: x.Zone}
		}
	case *expr.FieldAccess:
		if a := mapExpr(x.Arg, f); a != x.Arg {
			e = &expr.FieldAccess{Arg: a, Index: x.Index, T: x.T}
		}
	}
	return f(e)
}

// visitCalcRefs calls f for every column reference of c's projections, in
// order, then of its condition.
func visitCalcRefs(c *Calc, f func(*expr.ColumnRef)) {
	for _, e := range c.Exprs {
		visitRefs(e, f)
	}
	if c.Condition != nil {
		visitRefs(c.Condition, f)
	}
}

// visitRefs calls f for every column reference in e.
func visitRefs(e expr.Expr, f func(*expr.ColumnRef)) {
	mapExpr(e, func(x expr.Expr) expr.Expr {
		if r, ok := x.(*expr.ColumnRef); ok {
			f(r)
		}
		return x
	})
}

func isConstant(e expr.Expr) bool {
	switch x := e.(type) {
	case *expr.Literal:
		return true
	case *expr.Call:
		if x.Fn.NonDeterministic {
			return false
		}
		for _, a := range x.Args {
			if !isConstant(a) {
				return false
			}
		}
		return true
	}
	return false
}

func fold(e expr.Expr) expr.Expr {
	return mapExpr(e, func(x expr.Expr) expr.Expr {
		c, ok := x.(*expr.Call)
		if !ok || !isConstant(c) {
			return x
		}
		v, err := expr.EvalConstant(c)
		if err != nil {
			return x // leave it: the error surfaces at run time with context
		}
		return &expr.Literal{Value: v, T: c.T, Text: c.String()}
	})
}

func foldConstants(n Node) Node {
	c, ok := n.(*Calc)
	if !ok {
		return n
	}
	changed := false
	exprs := make([]expr.Expr, len(c.Exprs))
	for i, e := range c.Exprs {
		exprs[i] = fold(e)
		changed = changed || exprs[i] != e
	}
	cond := c.Condition
	if cond != nil {
		cond = fold(cond)
		if l, ok := cond.(*expr.Literal); ok && !l.Value.IsNull(0) && l.Value.Bools[0] {
			cond = nil // WHERE TRUE
		}
		changed = changed || cond != c.Condition
	}
	if !changed {
		return n
	}
	return &Calc{Input: c.Input, Exprs: exprs, Names: c.Names, Condition: cond}
}

// substitute replaces references to the inner Calc's outputs by its
// expressions.
func substitute(e expr.Expr, inner []expr.Expr) expr.Expr {
	return mapExpr(e, func(x expr.Expr) expr.Expr {
		if r, ok := x.(*expr.ColumnRef); ok {
			return inner[r.Index]
		}
		return x
	})
}

func isSimple(e expr.Expr) bool {
	switch e.(type) {
	case *expr.ColumnRef, *expr.Literal:
		return true
	}
	return false
}

// mergeCalcs merges Calc(Calc(x)) when no non-trivial inner expression is
// used more than once (so nothing is computed twice) and the outer has no
// condition over a non-deterministic inner expression.
func mergeCalcs(n Node) Node {
	outer, ok := n.(*Calc)
	if !ok {
		return n
	}
	inner, ok := outer.Input.(*Calc)
	if !ok {
		return n
	}
	uses := make([]int, len(inner.Exprs))
	visitCalcRefs(outer, func(r *expr.ColumnRef) { uses[r.Index]++ })
	for i, u := range uses {
		if u > 1 && !isSimple(inner.Exprs[i]) {
			return n
		}
	}
	exprs := make([]expr.Expr, len(outer.Exprs))
	for i, e := range outer.Exprs {
		exprs[i] = substitute(e, inner.Exprs)
	}
	cond := inner.Condition
	if outer.Condition != nil {
		oc := substitute(outer.Condition, inner.Exprs)
		if cond == nil {
			cond = oc
		} else {
			and, _ := expr.Lookup("AND")
			c, err := expr.NewCall(and, cond, oc)
			if err != nil {
				return n
			}
			cond = c
		}
	}
	return &Calc{Input: inner.Input, Exprs: exprs, Names: outer.Names, Condition: cond}
}

// pushProjectionIntoScan narrows a scan to the columns a Calc above it uses.
func pushProjectionIntoScan(n Node) Node {
	c, ok := n.(*Calc)
	if !ok {
		return n
	}
	s, ok := c.Input.(*Scan)
	if !ok {
		return n
	}
	if p, ok := s.Source.(connectors.ProjectionPushDown); ok && !p.ProjectionPushDown() {
		return n
	}
	used := make([]bool, len(s.Columns))
	visitCalcRefs(c, func(r *expr.ColumnRef) { used[r.Index] = true })
	var cols []int
	remap := make([]int, len(s.Columns))
	for i, u := range used {
		if u {
			remap[i] = len(cols)
			cols = append(cols, s.Columns[i])
		}
	}
	if len(cols) == len(s.Columns) {
		return n
	}
	ns := NewScan(s.Table, s.Source, cols)
	ns.Filters = s.Filters
	return remapCalc(c, ns, remap)
}

// remapRefs rewrites e's column references through remap (old index →
// new index).
func remapRefs(e expr.Expr, remap []int) expr.Expr {
	return mapExpr(e, func(x expr.Expr) expr.Expr {
		if r, ok := x.(*expr.ColumnRef); ok {
			return &expr.ColumnRef{Index: remap[r.Index], Name: r.Name, T: r.T}
		}
		return x
	})
}

// remapCalc is c over the new input in, its column references rewritten
// through remap.
func remapCalc(c *Calc, in Node, remap []int) *Calc {
	exprs := make([]expr.Expr, len(c.Exprs))
	for i, e := range c.Exprs {
		exprs[i] = remapRefs(e, remap)
	}
	var cond expr.Expr
	if c.Condition != nil {
		cond = remapRefs(c.Condition, remap)
	}
	return &Calc{Input: in, Exprs: exprs, Names: c.Names, Condition: cond}
}

func removeIdentityCalc(n Node) Node {
	if c, ok := n.(*Calc); ok && c.IsIdentity() {
		return c.Input
	}
	return n
}

// conjuncts splits a condition at its top-level ANDs.
func conjuncts(e expr.Expr) []expr.Expr {
	if c, ok := e.(*expr.Call); ok && c.Fn.Name == "AND" {
		var out []expr.Expr
		for _, a := range c.Args {
			out = append(out, conjuncts(a)...)
		}
		return out
	}
	return []expr.Expr{e}
}

// andAll joins conjuncts with AND (nil for none).
func andAll(es []expr.Expr) expr.Expr {
	if len(es) == 0 {
		return nil
	}
	out := es[0]
	and, _ := expr.Lookup("AND")
	for _, e := range es[1:] {
		c, err := expr.NewCall(and, out, e)
		if err != nil {
			return nil
		}
		out = c
	}
	return out
}

// pushFilterIntoScan offers the conjuncts of a filter right above a scan to
// sources that can evaluate them (connectors.FilterPushDown).
func pushFilterIntoScan(n Node) Node {
	c, ok := n.(*Calc)
	if !ok || c.Condition == nil {
		return n
	}
	s, ok := c.Input.(*Scan)
	if !ok {
		return n
	}
	fp, ok := s.Source.(connectors.FilterPushDown)
	if !ok {
		return n
	}
	parts := conjuncts(c.Condition)
	offered := make([]expr.Expr, len(parts))
	for i, p := range parts {
		offered[i] = mapExpr(p, func(x expr.Expr) expr.Expr {
			if r, ok := x.(*expr.ColumnRef); ok {
				return &expr.ColumnRef{Index: s.Columns[r.Index], Name: r.Name, T: r.T}
			}
			return x
		})
	}
	accepted, src := fp.PushFilters(offered)
	var kept, pushed []expr.Expr
	for i, p := range parts {
		if i < len(accepted) && accepted[i] {
			pushed = append(pushed, offered[i])
		} else {
			kept = append(kept, p)
		}
	}
	if len(pushed) == 0 {
		return n
	}
	ns := NewScan(s.Table, src, s.Columns)
	ns.Filters = append(append([]expr.Expr{}, s.Filters...), pushed...)
	return &Calc{Input: ns, Exprs: c.Exprs, Names: c.Names, Condition: andAll(kept)}
}

// pushProjectionBelowWatermark narrows the input of a WatermarkAssigner to
// the columns the Calc above it uses, plus those its watermark strategy
// reads (Flink's ProjectWatermarkAssignerTransposeRule): computed columns
// nobody reads (a PROCTIME() attribute, say) are no longer computed, and
// the projection can go on into the scan. Rows are not filtered below the
// assigner: every row still counts for the watermark.
func pushProjectionBelowWatermark(n Node) Node {
	c, ok := n.(*Calc)
	if !ok {
		return n
	}
	w, ok := c.Input.(*WatermarkAssigner)
	if !ok {
		return n
	}
	// The columns kept, in the order of their first use (as Flink's rule
	// orders them): the Calc's projections and condition, then the
	// watermark strategy and the rowtime.
	in := w.Input.Schema()
	remap := make([]int, len(in))
	for i := range remap {
		remap[i] = -1
	}
	var keep []expr.Expr
	var names []string
	use := func(i int) {
		if remap[i] < 0 {
			remap[i] = len(keep)
			keep = append(keep, &expr.ColumnRef{Index: i, Name: in[i].Name, T: in[i].Type})
			names = append(names, in[i].Name)
		}
	}
	visitCalcRefs(c, func(r *expr.ColumnRef) { use(r.Index) })
	visitRefs(w.Strategy, func(r *expr.ColumnRef) { use(r.Index) })
	use(w.Rowtime)
	if len(keep) == len(in) {
		return n
	}
	nw := &WatermarkAssigner{Input: &Calc{Input: w.Input, Exprs: keep, Names: names}, Rowtime: remap[w.Rowtime], Strategy: remapRefs(w.Strategy, remap)}
	return remapCalc(c, nw, remap)
}
