package planner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/flinkgo/engine/runtime"
)

// Explain renders a plan tree as Flink does: one node per line, children
// indented under "+- ", updating nodes marked with their changelog mode
// (the planner's own view, used by the optimizer's fixpoint check).
func Explain(n Node) string {
	var b strings.Builder
	explainTo(&b, n, "", true, true, func(n Node) string {
		line := n.Describe()
		if n.Changelog() == Updating {
			line += ", changelogMode=[I,UB,UA,D]"
		}
		return line
	})
	return b.String()
}

// ChangelogModeText is the changelog mode Flink's EXPLAIN CHANGELOG_MODE
// prints for a node.
func ChangelogModeText(n Node) string {
	switch n.(type) {
	case *Sink, *materializingSink:
		return "NONE"
	}
	if n.Changelog() == Updating {
		return "I,UB,UA,D"
	}
	return "I"
}

// withAttribute adds "attr" as the last attribute inside a description's
// closing parenthesis ("Calc(select=[a])" -> "Calc(select=[a], attr)").
func withAttribute(line, attr string) string {
	if strings.HasSuffix(line, "()") {
		return line[:len(line)-1] + attr + ")"
	}
	if strings.HasSuffix(line, ")") {
		return line[:len(line)-1] + ", " + attr + ")"
	}
	return line + "(" + attr + ")"
}

func explainTo(b *strings.Builder, n Node, prefix string, last, root bool, describe func(Node) string) {
	line := describe(n)
	if root {
		b.WriteString(line + "\n")
	} else {
		b.WriteString(prefix + "+- " + line + "\n")
		if last {
			prefix += "   "
		} else {
			prefix += ":  "
		}
	}
	ins := n.Inputs()
	for i, in := range ins {
		explainTo(b, in, prefix, i == len(ins)-1, false, describe)
	}
}

// TwoPhaseAdvice is Flink's plan advice for a group aggregation that could
// run in two phases if mini-batch were on.
const TwoPhaseAdvice = "[ADVICE] You might want to enable local-global two-phase optimization by configuring " +
	"('table.exec.mini-batch.enabled' to 'true', 'table.exec.mini-batch.allow-latency' to a positive long value, " +
	"'table.exec.mini-batch.size' to a positive long value)."

// PlanAdvice finds the nodes of optimized plans that Flink's plan advisor
// would advise on and this engine can act on: a group aggregation left in
// one phase although its input is append-only and all its calls merge —
// with table.optimizer.agg-phase-strategy AUTO it splits into local and
// global phases once mini-batch is on (twophase.go). It returns the
// nodes numbered from 1 in plan order and the advice text per number.
func PlanAdvice(roots []*Sink, c *Config) (map[Node]int, []string) {
	strategy := strings.ToUpper(strings.TrimSpace(c.String(aggPhaseKey, "AUTO")))
	if strategy != "AUTO" {
		return nil, nil
	}
	if mb, err := c.Bool("table.exec.mini-batch.enabled", false); err != nil || mb {
		return nil, nil
	}
	nodes := map[Node]int{}
	var texts []string
	var walk func(n Node)
	walk = func(n Node) {
		if a, ok := n.(*Aggregate); ok {
			if _, seen := nodes[n]; !seen && splitAggregate(a) != nil {
				texts = append(texts, TwoPhaseAdvice)
				nodes[n] = len(texts)
			}
		}
		for _, in := range n.Inputs() {
			walk(in)
		}
	}
	for _, r := range roots {
		walk(r)
	}
	return nodes, texts
}

// ExplainGraph renders the physical stream graph: tasks (chains of
// operators) with their parallelism and the exchanges between them. Flink's
// EXPLAIN has no such section (its StreamGraph JSON shows the operators
// and exchanges, not the chains); tests use it to check chaining.
func ExplainGraph(g *runtime.JobGraph, keyNames func(e *runtime.Edge) []string) string {
	var b strings.Builder
	for _, v := range g.Vertices {
		var ops []string
		if v.Source != nil {
			ops = append(ops, v.Source.Name)
		}
		for _, op := range v.Chain {
			ops = append(ops, op.Name)
		}
		fmt.Fprintf(&b, "Task %d (parallelism=%d): %s\n", v.Index+1, v.Parallelism, strings.Join(ops, " -> "))
		for _, e := range g.Edges {
			if e.From != v.Index {
				continue
			}
			ex := e.Partitioning.String()
			if e.Partitioning == runtime.Hash && keyNames != nil {
				ex += "[" + strings.Join(keyNames(e), ", ") + "]"
			}
			fmt.Fprintf(&b, "  -> %s -> Task %d\n", ex, e.To+1)
		}
	}
	return b.String()
}

// OperatorDescriptions maps the operator ids of a graph BuildGraph made
// from roots to the description of the plan node each operator runs. An
// operator id is hex(sha256("<preorder position>|<description>"))[:32]
// (graphBuilder.id), so every (position, description) pair of the plans is
// hashed once and looked up.
func OperatorDescriptions(roots []*Sink, g *runtime.JobGraph) map[string]string {
	descs := map[string]bool{}
	count := 0
	var walk func(n Node)
	walk = func(n Node) {
		count++
		descs[n.Describe()] = true
		for _, in := range n.Inputs() {
			walk(in)
		}
	}
	for _, r := range roots {
		walk(r)
	}
	want := map[string]bool{}
	for _, v := range g.Vertices {
		if v.Source != nil {
			want[v.Source.ID] = true
		}
		for _, op := range v.Chain {
			want[op.ID] = true
		}
	}
	out := map[string]string{}
	for seq := 1; seq <= 2*count+8 && len(out) < len(want); seq++ {
		for d := range descs {
			h := sha256.Sum256([]byte(fmt.Sprintf("%d|%s", seq, d)))
			if id := hex.EncodeToString(h[:16]); want[id] {
				out[id] = d
			}
		}
	}
	return out
}

// ExplainJSON renders a job graph as Flink's StreamGraph JSON (the
// "== Physical Execution Plan ==" of EXPLAIN JSON_EXECUTION_PLAN, Flink's
// JSONGenerator shape): one node per operator (a chain is its operators,
// each fed FORWARD by the one before), numbered from 1 in graph order,
// sinks last; "type" is the operator's name with its number, "contents"
// the plan node it runs, "predecessors" the operators feeding it with the
// exchange between them. The collecting sink of a SELECT is left out, as
// Flink's plan of a query has none. descs maps operator ids to plan node
// descriptions (OperatorDescriptions); missing ones show the name.
func ExplainJSON(g *runtime.JobGraph, descs map[string]string) string {
	type pred struct {
		id   int
		ship string
	}
	type node struct {
		id          int
		typ, pact   string
		contents    string
		parallelism int
		preds       []pred
		sink        bool
	}
	var nodes []*node
	last := make([]int, len(g.Vertices)) // the id of each vertex's last operator
	first := make([]*node, len(g.Vertices))
	for _, v := range g.Vertices {
		var prev *node
		add := func(id, name, own string, source bool) {
			if name == "Sink: collect" {
				return
			}
			n := &node{id: len(nodes) + 1, parallelism: v.Parallelism, pact: "Operator"}
			d, ok := descs[id]
			switch {
			case ok:
			case own != "":
				d = own
			default:
				d = name
			}
			n.typ = name + "[" + strconv.Itoa(n.id) + "]"
			n.contents = "[" + strconv.Itoa(n.id) + "]:" + d
			switch {
			case source:
				n.pact = "Data Source"
			case strings.HasPrefix(name, "Sink: "):
				n.pact, n.sink = "Data Sink", true
			}
			if prev != nil {
				n.preds = append(n.preds, pred{prev.id, "FORWARD"})
			} else {
				first[v.Index] = n
			}
			nodes = append(nodes, n)
			prev = n
			last[v.Index] = n.id
		}
		if v.Source != nil {
			add(v.Source.ID, v.Source.Name, "", true)
		}
		for _, op := range v.Chain {
			add(op.ID, op.Name, op.Description, false)
		}
	}
	for input := 0; ; input++ {
		more := false
		for _, e := range g.Edges {
			if e.Input > input {
				more = true
			}
			if e.Input != input || first[e.To] == nil || last[e.From] == 0 {
				continue
			}
			f := first[e.To]
			f.preds = append(f.preds, pred{last[e.From], e.Partitioning.String()})
		}
		if !more {
			break
		}
	}
	var ordered []*node
	for _, sinks := range []bool{false, true} {
		for _, n := range nodes {
			if n.sink == sinks {
				ordered = append(ordered, n)
			}
		}
	}
	var b strings.Builder
	b.WriteString("{\n  \"nodes\" : [ ")
	for i, n := range ordered {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("{\n")
		fmt.Fprintf(&b, "    \"id\" : %d,\n", n.id)
		fmt.Fprintf(&b, "    \"type\" : %s,\n", jsonString(n.typ))
		fmt.Fprintf(&b, "    \"pact\" : %s,\n", jsonString(n.pact))
		fmt.Fprintf(&b, "    \"contents\" : %s,\n", jsonString(n.contents))
		fmt.Fprintf(&b, "    \"parallelism\" : %d", n.parallelism)
		if n.pact != "Data Source" {
			b.WriteString(",\n    \"predecessors\" : [ ")
			if len(n.preds) == 0 {
				b.WriteString("]")
			}
			for j, p := range n.preds {
				if j > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "{\n      \"id\" : %d,\n      \"ship_strategy\" : %s,\n      \"side\" : \"second\"\n    }", p.id, jsonString(p.ship))
				if j == len(n.preds)-1 {
					b.WriteString(" ]")
				}
			}
		}
		b.WriteString("\n  }")
	}
	if len(ordered) == 0 {
		b.WriteString("]\n}")
		return b.String()
	}
	b.WriteString(" ]\n}")
	return b.String()
}

// jsonString quotes s as Jackson does: quotes, backslashes and control
// characters escaped, everything else as is.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
