package session

import (
	"strconv"
	"strings"

	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// explainText renders EXPLAIN [details] of planned sinks in Flink's
// sections: the plan as written (== Abstract Syntax Tree ==), the
// optimized plan (== Optimized Physical Plan ==, with the changelog mode
// of every node under CHANGELOG_MODE; "... With Advice ==" and the advice
// under PLAN_ADVICE), the job graph (== Optimized Execution Plan ==: its
// tasks, chains and exchanges) and under JSON_EXECUTION_PLAN the job
// graph as Flink's StreamGraph JSON (== Physical Execution Plan ==).
// ESTIMATED_COST is refused: the planner keeps no statistics or costs.
func (s *Session) explainText(roots []*planner.Sink, details []string) (*Result, error) {
	var changelog, advice, json bool
	seen := map[string]bool{}
	for _, d := range details {
		if seen[d] {
			return nil, &planner.ValidationError{Msg: "Duplicate EXPLAIN DETAIL is not allowed."}
		}
		seen[d] = true
		switch d {
		case "CHANGELOG_MODE":
			changelog = true
		case "PLAN_ADVICE":
			advice = true
		case "JSON_EXECUTION_PLAN":
			json = true
		case "ESTIMATED_COST":
			return nil, &planner.TableError{Msg: "EXPLAIN ESTIMATED_COST is not supported: this engine's planner is rule-based and keeps no row counts or cost estimates."}
		}
	}
	var b strings.Builder
	b.WriteString("== Abstract Syntax Tree ==\n")
	for _, r := range roots {
		b.WriteString(planner.ExplainTree(r, false, nil))
	}
	var opt []*planner.Sink
	for _, r := range roots {
		opt = append(opt, planner.Optimize(r).(*planner.Sink))
	}
	var marks map[planner.Node]int
	var texts []string
	if advice {
		marks, texts = planner.PlanAdvice(opt, s.cfg)
		b.WriteString("\n== Optimized Physical Plan With Advice ==\n")
	} else {
		b.WriteString("\n== Optimized Physical Plan ==\n")
	}
	for _, o := range opt {
		b.WriteString(planner.ExplainTree(o, changelog, marks))
	}
	if advice {
		b.WriteString("\n")
		if len(texts) == 0 {
			b.WriteString("No available advice...\n")
		}
		for i, t := range texts {
			b.WriteString("advice[" + strconv.Itoa(i+1) + "]: " + t + "\n")
		}
	}
	opts, err := planner.PhysicalOptionsFrom(s.cfg)
	if err != nil {
		return nil, &planner.ValidationError{Msg: err.Error()}
	}
	opts.Collect = make(chan *types.Batch)
	g, keys, err := planner.BuildGraph("explain", opt, opts)
	if err != nil {
		return nil, err
	}
	b.WriteString("\n== Optimized Execution Plan ==\n")
	b.WriteString(planner.ExplainGraph(g, func(e *runtime.Edge) []string { return keys[e] }))
	if json {
		b.WriteString("\n== Physical Execution Plan ==\n")
		b.WriteString(planner.ExplainJSON(g, planner.OperatorDescriptions(opt, g)))
	}
	return &Result{Kind: ResultText, Text: b.String()}, nil
}
