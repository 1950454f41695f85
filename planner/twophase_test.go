package planner

import (
	"strings"
	"testing"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/sql"
)

// TestTwoPhaseAggregate: which aggregations table.optimizer.agg-phase-strategy
// splits into LocalGroupAggregate and GlobalGroupAggregate, and how the
// execution plan chains the local phase before the hash exchange.
func TestTwoPhaseAggregate(t *testing.T) {
	const ddl = `CREATE TABLE src (k STRING, v INT, d DECIMAL(10, 2)) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE snk (k STRING, a BIGINT, b INT, c DECIMAL(38, 6)) WITH ('connector' = 'blackhole');
`
	const miniBatch = `SET 'table.exec.mini-batch.enabled' = 'true';
SET 'table.exec.mini-batch.allow-latency' = '1 s';
SET 'table.exec.mini-batch.size' = '100';
`
	const query = "INSERT INTO snk SELECT k, COUNT(*), MAX(v), AVG(d) FROM src GROUP BY k;"
	split := "GlobalGroupAggregate(groupBy=[k], select=[k, COUNT(count1$0) AS EXPR$0, MAX(max$1) AS EXPR$1, AVG((sum$2, count$3)) AS EXPR$2]), changelogMode=[I,UB,UA,D], upsertKeys=[[k]]\n" +
		"      +- LocalGroupAggregate(groupBy=[k], select=[k, COUNT(*) AS count1$0, MAX($f1) AS max$1, AVG($f2) AS (sum$2, count$3)])"
	tests := []struct {
		name   string
		script string
		want   string // a line of the optimized plan, or the error
		one    bool   // one phase: no LocalGroupAggregate
	}{
		{"default: one phase without mini-batch", ddl + query, "", true},
		{"AUTO with mini-batch", ddl + miniBatch + query, split, false},
		{"TWO_PHASE without mini-batch", ddl + "SET 'table.optimizer.agg-phase-strategy' = 'TWO_PHASE';\n" + query, split, false},
		{"ONE_PHASE with mini-batch", ddl + miniBatch + "SET 'table.optimizer.agg-phase-strategy' = 'one_phase';\n" + query, "", true},
		{"DISTINCT stays one phase", ddl + miniBatch + "INSERT INTO snk SELECT k, COUNT(DISTINCT v), MAX(v), AVG(d) FROM src GROUP BY k;", "", true},
		{"updating input: only the inner aggregation splits", ddl + miniBatch +
			"INSERT INTO snk SELECT k, COUNT(*), MAX(n), AVG(d) FROM (SELECT k, CAST(COUNT(*) AS INT) AS n, SUM(d) AS d FROM src GROUP BY k) GROUP BY k;",
			"GroupAggregate(groupBy=[k], select=[k, COUNT(*) AS EXPR$0, MAX($f1) AS EXPR$1, AVG($f2) AS EXPR$2])", false},
		{"global aggregation", ddl + miniBatch + "INSERT INTO snk SELECT 'all', COUNT(v), MIN(v), AVG(v) FROM src;",
			"LocalGroupAggregate(select=[COUNT($f0) AS count$0, MIN($f1) AS min$1, AVG($f2) AS (sum$2, count$3)])", false},
		{"bad strategy", ddl + "SET 'table.optimizer.agg-phase-strategy' = 'SOMETIMES';\n" + query,
			"error: org.apache.flink.table.api.ValidationException: Could not parse value 'SOMETIMES' for key 'table.optimizer.agg-phase-strategy'.\nExpected one of: AUTO, ONE_PHASE, TWO_PHASE.", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runKeysCase(t, tc.script)
			if tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("plan lacks\n%s\ngot\n%s", tc.want, got)
			}
			if has := strings.Contains(got, "LocalGroupAggregate"); has == tc.one {
				t.Errorf("LocalGroupAggregate present = %v, want %v:\n%s", has, !tc.one, got)
			}
		})
	}
}

// TestTwoPhaseExecutionPlan: the local phase is chained behind its input,
// before the hash exchange on the group keys.
func TestTwoPhaseExecutionPlan(t *testing.T) {
	stmts, err := sql.ParseScript(`CREATE TABLE src (k STRING, v INT) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE snk (k STRING, a BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO snk SELECT k, SUM(v) FROM src WHERE v > 0 GROUP BY k;`)
	if err != nil {
		t.Fatal(err)
	}
	p := &Planner{Catalog: NewCatalog(), Config: NewConfig()}
	tb, err := p.Catalog.BuildTable(stmts[0].(*sql.CreateTable))
	if err != nil {
		t.Fatal(err)
	}
	p.Catalog.AddTable(tb)
	if tb, err = p.Catalog.BuildTable(stmts[1].(*sql.CreateTable)); err != nil {
		t.Fatal(err)
	}
	p.Catalog.AddTable(tb)
	p.Config.Set("table.optimizer.agg-phase-strategy", "TWO_PHASE")
	s, err := p.PlanInsert(stmts[2].(*sql.Insert))
	if err != nil {
		t.Fatal(err)
	}
	opts, err := PhysicalOptionsFrom(p.Config)
	if err != nil {
		t.Fatal(err)
	}
	g, keys, err := BuildGraph("two-phase", []*Sink{Optimize(s).(*Sink)}, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := ExplainGraph(g, func(e *runtime.Edge) []string { return keys[e] })
	want := "Task 1 (parallelism=1): Source: src -> Calc -> LocalGroupAggregate\n  -> HASH[k] -> Task 2\nTask 2 (parallelism=1): GlobalGroupAggregate -> Calc -> Sink: snk\n"
	if got != want {
		t.Errorf("execution plan:\n%s\nwant\n%s", got, want)
	}
}
