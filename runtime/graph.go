package runtime

import (
	"fmt"
	"strings"
)

// Partitioning says how an edge routes rows from upstream to downstream
// subtasks.
type Partitioning uint8

const (
	// Forward sends subtask i's output to downstream subtask i (equal parallelism).
	Forward Partitioning = iota
	// Hash routes each row by the key group of its key columns.
	Hash
	// Rebalance spreads batches round-robin.
	Rebalance
	// Broadcast sends everything to every downstream subtask.
	Broadcast
	// Global sends everything to downstream subtask 0.
	Global
)

func (p Partitioning) String() string {
	switch p {
	case Forward:
		return "FORWARD"
	case Hash:
		return "HASH"
	case Rebalance:
		return "REBALANCE"
	case Broadcast:
		return "BROADCAST"
	case Global:
		return "GLOBAL"
	}
	return "?"
}

// OperatorSpec describes one operator of a chain and how to instantiate it.
type OperatorSpec struct {
	ID   string // stable operator id (planner: same query, same ids)
	Name string // for EXPLAIN, SHOW JOBS and errors
	// Description is what EXPLAIN's JSON plan shows for an operator that
	// runs no plan node of its own (empty: the plan node's description).
	Description string
	New         func(subtask, parallelism int) (Operator, error)
}

// SourceSpec describes the source at the head of a vertex.
type SourceSpec struct {
	ID   string
	Name string
	New  func(subtask, parallelism int) (SourceReader, error)
}

// Vertex is a chain of operators run as one task per subtask. A source
// vertex has Source set and no input edges.
type Vertex struct {
	Index       int
	Name        string
	Parallelism int
	Source      *SourceSpec
	Chain       []OperatorSpec
}

// Edge connects the output of vertex From to input Input of vertex To.
type Edge struct {
	From, To     int
	Input        int // input index of the head operator of To
	Partitioning Partitioning
	KeyColumns   []int // Hash only
}

// JobGraph is what the runtime executes.
type JobGraph struct {
	Name           string
	Vertices       []*Vertex
	Edges          []*Edge
	MaxParallelism int
	// SourceIdleTimeoutMs marks a silent input idle after this long (0 = never).
	SourceIdleTimeoutMs int64
}

// Validate checks structural invariants.
func (g *JobGraph) Validate() error {
	for i, v := range g.Vertices {
		if v.Index != i {
			return fmt.Errorf("runtime: vertex %d has index %d", i, v.Index)
		}
		if v.Parallelism < 1 {
			return fmt.Errorf("runtime: vertex %s has parallelism %d", v.Name, v.Parallelism)
		}
		if v.Source == nil && len(v.Chain) == 0 {
			return fmt.Errorf("runtime: vertex %s is empty", v.Name)
		}
	}
	for _, e := range g.Edges {
		if e.Partitioning == Forward && g.Vertices[e.From].Parallelism != g.Vertices[e.To].Parallelism {
			return fmt.Errorf("runtime: forward edge %s -> %s with different parallelism",
				g.Vertices[e.From].Name, g.Vertices[e.To].Name)
		}
		if e.Partitioning == Hash && g.MaxParallelism < g.Vertices[e.To].Parallelism {
			return fmt.Errorf("runtime: max parallelism %d below parallelism %d of %s",
				g.MaxParallelism, g.Vertices[e.To].Parallelism, g.Vertices[e.To].Name)
		}
	}
	return nil
}

func (g *JobGraph) inputs(v int) []*Edge {
	var out []*Edge
	for _, e := range g.Edges {
		if e.To == v {
			out = append(out, e)
		}
	}
	return out
}

func (g *JobGraph) outputs(v int) []*Edge {
	var out []*Edge
	for _, e := range g.Edges {
		if e.From == v {
			out = append(out, e)
		}
	}
	return out
}

// String renders the graph (debugging).
func (g *JobGraph) String() string {
	var b strings.Builder
	for _, v := range g.Vertices {
		fmt.Fprintf(&b, "%d %s p=%d\n", v.Index, v.Name, v.Parallelism)
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "%d -> %d %s %v\n", e.From, e.To, e.Partitioning, e.KeyColumns)
	}
	return b.String()
}

// Fingerprint identifies the shape of g: its vertices (operator ids,
// names, parallelism) and edges. Two processes that planned the same job
// independently (a TaskManager re-planning a deployment) compare it
// before exchanging records.
func (g *JobGraph) Fingerprint() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%d|", g.Name, g.MaxParallelism)
	for _, v := range g.Vertices {
		fmt.Fprintf(&b, "v%d:%d:%s", v.Index, v.Parallelism, v.Name)
		if v.Source != nil {
			fmt.Fprintf(&b, ":src=%s", v.Source.ID)
		}
		for _, op := range v.Chain {
			fmt.Fprintf(&b, ":%s", op.ID)
		}
		b.WriteByte('|')
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "e%d>%d.%d:%s%v|", e.From, e.To, e.Input, e.Partitioning, e.KeyColumns)
	}
	return b.String()
}
