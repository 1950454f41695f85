package planner

import (
	"fmt"
	"strings"

	"github.com/flinkgo/engine/runtime"
)

// Explain renders a plan tree as Flink does: one node per line, children
// indented under "+- ".
func Explain(n Node) string {
	var b strings.Builder
	explainTo(&b, n, "", true, true)
	return b.String()
}

func explainTo(b *strings.Builder, n Node, prefix string, last, root bool) {
	line := n.Describe()
	if n.Changelog() == Updating {
		line += ", changelogMode=[I,UB,UA,D]"
	}
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
		explainTo(b, in, prefix, i == len(ins)-1, false)
	}
}

// ExplainGraph renders the physical stream graph: tasks (chains of
// operators) with their parallelism and the exchanges between them.
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
