package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/operators"
)

// Two-phase ("local/global") aggregation, as Flink's
// TwoStageOptimizedAggregateRule: a group aggregation over an append-only
// input whose calls can all be merged (COUNT, SUM, $SUM0, AVG, MIN, MAX,
// without DISTINCT; FILTER is already an argument CASE here) becomes
//
//	GlobalGroupAggregate  (after the hash exchange: merges partials into the keyed state)
//	+- LocalGroupAggregate (chained before the exchange: one partial row per key and mini-batch)
//
// so each mini-batch sends one row per key over the exchange instead of
// every input row. table.optimizer.agg-phase-strategy chooses: AUTO (the
// default) splits when mini-batch is enabled, as Flink does; TWO_PHASE
// always (folding each input batch locally when mini-batch is off);
// ONE_PHASE never. The rule (TwoPhaseAggregate in Rules) runs at the sink,
// whose TwoPhaseAgg the planner set from the configuration.

const aggPhaseKey = "table.optimizer.agg-phase-strategy"

// twoPhaseFrom decides from the configuration whether eligible group
// aggregations are split.
func twoPhaseFrom(c *Config) (bool, error) {
	if c == nil {
		return false, nil
	}
	strategy := "AUTO"
	if v, ok := c.Lookup(aggPhaseKey); ok {
		strategy = strings.ToUpper(strings.TrimSpace(v))
	}
	switch strategy {
	case "ONE_PHASE":
		return false, nil
	case "TWO_PHASE":
		return true, nil
	case "AUTO":
		mb, err := c.Bool("table.exec.mini-batch.enabled", false)
		if err != nil {
			return false, &ValidationError{Msg: err.Error()}
		}
		return mb, nil
	}
	v, _ := c.Lookup(aggPhaseKey)
	return false, &ValidationError{Msg: fmt.Sprintf("Could not parse value '%s' for key '%s'.\nExpected one of: AUTO, ONE_PHASE, TWO_PHASE.", v, aggPhaseKey)}
}

// CollectSink is the sink of a SELECT's rows back to the client, with the
// session's planning choices.
func (p *Planner) CollectSink(n Node) (*Sink, error) {
	two, err := twoPhaseFrom(p.Config)
	if err != nil {
		return nil, err
	}
	return &Sink{Input: n, Collect: true, TwoPhaseAgg: two}, nil
}

// LocalAggregate is the local phase: it emits per key and mini-batch the
// key columns and the partial accumulators of Calls (operators.
// LocalGroupAggregate); append-only and stateless.
type LocalAggregate struct {
	Input  Node
	Keys   []int
	Calls  []AggCall // the original calls
	schema []Column
}

// partialNames names the partial columns of each call as Flink's EXPLAIN
// does: count1$0 (COUNT(*)), count$i, sum$i, (sum$i, count$j) for AVG,
// min$i, max$i, numbered over all partial columns.
func partialNames(calls []AggCall) [][]string {
	out := make([][]string, len(calls))
	i := 0
	name := func(s string) string { n := fmt.Sprintf("%s$%d", s, i); i++; return n }
	for c, call := range calls {
		switch call.Func {
		case "COUNT":
			if call.Arg < 0 {
				out[c] = []string{name("count1")}
			} else {
				out[c] = []string{name("count")}
			}
		case "SUM", "SUM0":
			out[c] = []string{name("sum")}
		case "AVG":
			out[c] = []string{name("sum"), name("count")}
		case "MIN":
			out[c] = []string{name("min")}
		case "MAX":
			out[c] = []string{name("max")}
		}
	}
	return out
}

func newLocalAggregate(a *Aggregate) (*LocalAggregate, error) {
	calls, err := aggSpecs(a.Calls)
	if err != nil {
		return nil, err
	}
	in := a.Input.Schema()
	parts, err := operators.LocalAggPartials(calls, columnTypes(in))
	if err != nil {
		return nil, err
	}
	l := &LocalAggregate{Input: a.Input, Keys: a.Keys, Calls: a.Calls}
	for _, k := range a.Keys {
		l.schema = append(l.schema, in[k])
	}
	names := partialNames(a.Calls)
	for c := range a.Calls {
		for i, t := range parts[c] {
			l.schema = append(l.schema, Column{Name: names[c][i], Type: t})
		}
	}
	return l, nil
}

func (l *LocalAggregate) Schema() []Column     { return l.schema }
func (l *LocalAggregate) Inputs() []Node       { return []Node{l.Input} }
func (l *LocalAggregate) Changelog() Changelog { return AppendOnly }
func (l *LocalAggregate) Describe() string {
	in := l.Input.Schema()
	keys := make([]string, len(l.Keys))
	for i, k := range l.Keys {
		keys[i] = in[k].Name
	}
	sel := append([]string{}, keys...)
	names := partialNames(l.Calls)
	for c, call := range l.Calls {
		arg := "*"
		if call.Arg >= 0 {
			arg = in[call.Arg].Name
		}
		as := names[c][0]
		if len(names[c]) > 1 {
			as = "(" + strings.Join(names[c], ", ") + ")"
		}
		sel = append(sel, fmt.Sprintf("%s(%s) AS %s", call.Func, arg, as))
	}
	return "LocalGroupAggregate(" + groupByText(keys) + "select=[" + strings.Join(sel, ", ") + "])"
}
func (l *LocalAggregate) WithInputs(in []Node) Node { n := *l; n.Input = in[0]; return &n }

func groupByText(keys []string) string {
	if len(keys) == 0 {
		return ""
	}
	return "groupBy=[" + strings.Join(keys, ", ") + "], "
}

// GlobalAggregate is the global phase: after a hash exchange on the key
// columns of its LocalAggregate input it merges the partials into the keyed
// state and emits what the one-phase Aggregate would (same schema).
type GlobalAggregate struct {
	Input    Node // a *LocalAggregate
	NumKeys  int  // the input's first NumKeys columns are the group key
	Calls    []AggCall
	StateTTL time.Duration
}

func (g *GlobalAggregate) Schema() []Column {
	in := g.Input.Schema()
	out := append([]Column{}, in[:g.NumKeys]...)
	for _, c := range g.Calls {
		out = append(out, Column{Name: c.Name, Type: c.Type})
	}
	return out
}
func (g *GlobalAggregate) Inputs() []Node       { return []Node{g.Input} }
func (g *GlobalAggregate) Changelog() Changelog { return Updating }
func (g *GlobalAggregate) Describe() string {
	in := g.Input.Schema()
	keys := make([]string, g.NumKeys)
	for i := range keys {
		keys[i] = in[i].Name
	}
	sel := append([]string{}, keys...)
	names := partialNames(g.Calls)
	for c, call := range g.Calls {
		arg := names[c][0]
		if len(names[c]) > 1 {
			arg = "(" + strings.Join(names[c], ", ") + ")"
		}
		sel = append(sel, fmt.Sprintf("%s(%s) AS %s", call.Func, arg, call.Name))
	}
	ttl := ""
	if g.StateTTL != 0 {
		ttl = ", stateTtl=[" + g.StateTTL.String() + "]"
	}
	return "GlobalGroupAggregate(" + groupByText(keys) + "select=[" + strings.Join(sel, ", ") + "]" + ttl + ")"
}
func (g *GlobalAggregate) WithInputs(in []Node) Node { n := *g; n.Input = in[0]; return &n }

// splitAggregate returns the two-phase form of a, or nil when a does not
// qualify: an append-only input and only mergeable calls.
func splitAggregate(a *Aggregate) Node {
	if a.Input.Changelog() != AppendOnly {
		return nil
	}
	calls, err := aggSpecs(a.Calls)
	if err != nil {
		return nil
	}
	for _, c := range calls {
		if !operators.LocalAggSupported(c) {
			return nil
		}
	}
	l, err := newLocalAggregate(a)
	if err != nil {
		return nil
	}
	return &GlobalAggregate{Input: l, NumKeys: len(a.Keys), Calls: a.Calls, StateTTL: a.StateTTL}
}

// twoPhaseAggregate is the rule: at a sink planned with TwoPhaseAgg, every
// qualifying group aggregation below it is split.
func twoPhaseAggregate(n Node) Node {
	s, ok := n.(*Sink)
	if !ok || !s.TwoPhaseAgg {
		return n
	}
	var split func(n Node) Node
	split = func(n Node) Node {
		ins := n.Inputs()
		if len(ins) > 0 {
			nin := make([]Node, len(ins))
			changed := false
			for i, in := range ins {
				nin[i] = split(in)
				changed = changed || nin[i] != in
			}
			if changed {
				n = n.WithInputs(nin)
			}
		}
		if a, ok := n.(*Aggregate); ok {
			if g := splitAggregate(a); g != nil {
				return g
			}
		}
		return n
	}
	return split(s)
}

// buildLocalAggregate chains the local phase behind its input.
func (b *graphBuilder) buildLocalAggregate(x *LocalAggregate, id string) (*runtime.Vertex, error) {
	in, err := b.build(x.Input)
	if err != nil {
		return nil, err
	}
	calls, err := aggSpecs(x.Calls)
	if err != nil {
		return nil, err
	}
	return b.forward(in, runtime.OperatorSpec{ID: id, Name: "LocalGroupAggregate",
		New: operators.NewLocalGroupAggregate(x.Keys, calls, columnTypes(x.Input.Schema()), b.opts.MiniBatchSize, b.opts.MiniBatchLatency)}), nil
}

// buildGlobalAggregate starts the global phase behind a hash exchange on
// the key columns.
func (b *graphBuilder) buildGlobalAggregate(x *GlobalAggregate, id string) (*runtime.Vertex, error) {
	in, err := b.build(x.Input)
	if err != nil {
		return nil, err
	}
	specs, err := aggSpecs(x.Calls)
	if err != nil {
		return nil, err
	}
	calls, err := operators.GlobalAggCalls(specs, x.NumKeys)
	if err != nil {
		return nil, err
	}
	keys := seq(0, x.NumKeys)
	return b.keyedVertex(in, x.Input, keys, runtime.OperatorSpec{ID: id, Name: "GlobalGroupAggregate",
		New: operators.NewGroupAggregate(keys, calls, columnTypes(x.Input.Schema()), columnTypes(x.Schema()),
			operators.AggOptions{InsertOnlyInput: true, StateTTL: x.StateTTL, PerRow: !b.opts.MiniBatch,
				MiniBatchSize: b.opts.MiniBatchSize, MiniBatchLatency: b.opts.MiniBatchLatency,
				EmptyInputRow: b.opts.Batch && x.NumKeys == 0})}), nil
}
