package planner

import (
	"strings"

	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
)

// SessionWindowAggregate aggregates per group key and session (rows less
// than the gap apart); its rows are the group keys (without the window
// columns), one column per call, window_start, window_end and window_time,
// emitted once per session when the watermark passes its end.
type SessionWindowAggregate struct {
	Input       Node
	Keys        []int
	Calls       []AggCall
	TimeCol     int
	Window      WindowSpec
	TimeColName string
	// ProcTime: sessions over processing time, closed by the clock.
	ProcTime bool
	schema   []Column
}

func (a *SessionWindowAggregate) Schema() []Column     { return a.schema }
func (a *SessionWindowAggregate) Inputs() []Node       { return []Node{a.Input} }
func (a *SessionWindowAggregate) Changelog() Changelog { return AppendOnly }
func (a *SessionWindowAggregate) Describe() string {
	in := a.Input.Schema()
	var keys []string
	for _, k := range a.Keys {
		keys = append(keys, in[k].Name)
	}
	sel := append([]string{}, keys...)
	for _, c := range a.Calls {
		arg := "*"
		if c.Arg >= 0 {
			arg = in[c.Arg].Name
		}
		sel = append(sel, c.Func+"("+arg+") AS "+c.Name)
	}
	sel = append(sel, "start('w$) AS window_start", "end('w$) AS window_end", "rowtime('w$) AS window_time")
	return "WindowAggregate(groupBy=[" + strings.Join(keys, ", ") + "], window=[" + a.Window.describe(a.TimeColName) +
		"], select=[" + strings.Join(sel, ", ") + "])"
}
func (a *SessionWindowAggregate) WithInputs(in []Node) Node {
	n := *a
	n.Input = in[0]
	return &n
}

// sessionAggregate plans agg (whose keys hold the window_start and
// window_end of a SESSION window table function) as a
// SessionWindowAggregate over the window function's input: the keys, the
// call arguments and the filters between the two are rewritten onto that
// input, since sessions are only known once rows are grouped. ok is false
// when something in between refers to other window columns.
func sessionAggregate(agg *Aggregate, wtf *WindowTableFunction, start, end int) (Node, bool) {
	var chain []*Calc
	for n := agg.Input; n != Node(wtf); {
		c, ok := n.(*Calc)
		if !ok {
			return nil, false
		}
		chain = append(chain, c)
		n = c.Input
	}
	nIn := len(wtf.Input.Schema())
	down := func(e expr.Expr, from int) (expr.Expr, bool) {
		for _, c := range chain[from:] {
			e = substitute(e, c.Exprs)
		}
		ok := true
		visitRefs(e, func(r *expr.ColumnRef) {
			if r.Index >= nIn {
				ok = false
			}
		})
		return e, ok
	}
	aggIn := agg.Input.Schema()
	var exprs []expr.Expr
	var names []string
	keyPos := map[int]int{} // agg key position → session key index
	timeKey := -1
	for i, k := range agg.Keys {
		if i == start || i == end {
			continue
		}
		if w, which, ok := windowColumn(agg.Input, k); ok && w == wtf && which == 2 {
			timeKey = i
			continue
		}
		e, ok := down(&expr.ColumnRef{Index: k, Name: aggIn[k].Name, T: aggIn[k].Type}, 0)
		if !ok {
			return nil, false
		}
		keyPos[i] = len(exprs)
		exprs = append(exprs, e)
		names = append(names, aggIn[k].Name)
	}
	nk := len(exprs)
	calls := make([]AggCall, len(agg.Calls))
	for i, c := range agg.Calls {
		calls[i] = c
		if c.Arg < 0 {
			continue
		}
		e, ok := down(&expr.ColumnRef{Index: c.Arg, Name: aggIn[c.Arg].Name, T: aggIn[c.Arg].Type}, 0)
		if !ok {
			return nil, false
		}
		calls[i].Arg = len(exprs)
		exprs = append(exprs, e)
		names = append(names, aggIn[c.Arg].Name)
	}
	var conds []expr.Expr
	for i, c := range chain {
		if c.Condition == nil {
			continue
		}
		e, ok := down(c.Condition, i+1)
		if !ok {
			return nil, false
		}
		conds = append(conds, e)
	}
	tc := wtf.Input.Schema()[wtf.TimeCol]
	timeCol := len(exprs)
	exprs = append(exprs, &expr.ColumnRef{Index: wtf.TimeCol, Name: tc.Name, T: tc.Type})
	names = append(names, tc.Name)
	input := &Calc{Input: wtf.Input, Exprs: exprs, Names: names, Condition: andAll(conds)}
	keys := make([]int, nk)
	for i := range keys {
		keys[i] = i
	}
	sa := &SessionWindowAggregate{Input: input, Keys: keys, Calls: calls, TimeCol: timeCol, Window: wtf.Window, TimeColName: tc.Name,
		ProcTime: tc.Type.TimeAttr == types.ProcTime}
	for _, k := range keys {
		sa.schema = append(sa.schema, Column{Name: names[k], Type: exprs[k].Type()})
	}
	for _, c := range calls {
		sa.schema = append(sa.schema, Column{Name: c.Name, Type: c.Type})
	}
	ts := types.Timestamp(3).WithNullable(false)
	sa.schema = append(sa.schema, Column{Name: "window_start", Type: ts}, Column{Name: "window_end", Type: ts},
		Column{Name: "window_time", Type: wtf.Schema()[len(wtf.Schema())-1].Type})
	// Back to the aggregate's column order.
	out := make([]expr.Expr, 0, len(agg.Schema()))
	var outNames []string
	ref := func(i int) *expr.ColumnRef {
		return &expr.ColumnRef{Index: i, Name: sa.schema[i].Name, T: sa.schema[i].Type}
	}
	for i := range agg.Keys {
		switch i {
		case start:
			out = append(out, ref(nk+len(calls)))
		case end:
			out = append(out, ref(nk+len(calls)+1))
		case timeKey:
			out = append(out, ref(nk+len(calls)+2))
		default:
			p, ok := keyPos[i]
			if !ok {
				return nil, false
			}
			out = append(out, ref(p))
		}
	}
	for i := range calls {
		out = append(out, ref(nk+i))
	}
	for _, c := range agg.Schema() {
		outNames = append(outNames, c.Name)
	}
	return &Calc{Input: sa, Exprs: out, Names: outNames}, true
}
