package session

import (
	"strconv"
	"strings"

	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/runtime/types"
)

// explainText renders EXPLAIN [details] of planned sinks in Flink's
// sections: the plan as written (== Abstract Syntax Tree ==), the
// optimized plan with its exchanges and prefix expressions (== Optimized
// Physical Plan ==, with the changelog mode of every node under
// CHANGELOG_MODE; "... With Advice ==" and the advice under PLAN_ADVICE),
// the same tree with infix expressions as Flink's ExecNodes print
// (== Optimized Execution Plan ==), and under JSON_EXECUTION_PLAN the job
// graph — its operators, chains and exchanges — as Flink's StreamGraph
// JSON (== Physical Execution Plan ==). A SELECT shows no sink, as in Flink.
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
	for i, r := range roots {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(planner.ExplainAST(r))
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
	for i, o := range opt {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(planner.ExplainOptimized(o, false, changelog, marks, planner.QueryFields(roots[i])))
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
	// The job graph is built although only the JSON plan shows it: what
	// cannot run (an operator without translation) fails EXPLAIN as it
	// would fail the statement.
	opts, err := planner.PhysicalOptionsFrom(s.cfg)
	if err != nil {
		return nil, &planner.ValidationError{Msg: err.Error()}
	}
	opts.Collect = make(chan *types.Batch)
	g, _, err := planner.BuildGraph("explain", opt, opts)
	if err != nil {
		return nil, err
	}
	b.WriteString("\n== Optimized Execution Plan ==\n")
	for i, o := range opt {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(planner.ExplainOptimized(o, true, false, nil, planner.QueryFields(roots[i])))
	}
	if json {
		b.WriteString("\n== Physical Execution Plan ==\n")
		b.WriteString(planner.ExplainJSON(g, planner.OperatorDescriptions(opt, g)))
	}
	return &Result{Kind: ResultText, Text: b.String()}, nil
}
