package planner

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// planSinks plans the INSERTs of a script (CREATE TABLEs first) into
// optimized sinks and their job graph.
func planSinks(t *testing.T, script string, settings map[string]string) ([]*Sink, *runtime.JobGraph, *Config) {
	t.Helper()
	_, sinks, g, c := planStatements(t, script, settings)
	return sinks, g, c
}

// planStatements plans the INSERTs and SELECTs of a script (CREATE TABLEs
// first) into sinks as bound and optimized, and their job graph.
func planStatements(t *testing.T, script string, settings map[string]string) (raw, sinks []*Sink, g *runtime.JobGraph, c *Config) {
	t.Helper()
	stmts, err := sql.ParseScript(script)
	if err != nil {
		t.Fatal(err)
	}
	p := &Planner{Catalog: NewCatalog(), Config: NewConfig()}
	for k, v := range settings {
		p.Config.Set(k, v)
	}
	for _, st := range stmts {
		switch x := st.(type) {
		case *sql.CreateTable:
			tb, err := p.Catalog.BuildTable(x)
			if err != nil {
				t.Fatal(err)
			}
			p.Catalog.AddTable(tb)
		case *sql.Insert:
			s, err := p.PlanInsert(x)
			if err != nil {
				t.Fatal(err)
			}
			raw = append(raw, s)
			sinks = append(sinks, Optimize(s).(*Sink))
		case *sql.Select:
			n, err := p.PlanQuery(x.Query)
			if err != nil {
				t.Fatal(err)
			}
			s, err := p.CollectSink(n)
			if err != nil {
				t.Fatal(err)
			}
			raw = append(raw, s)
			sinks = append(sinks, Optimize(s).(*Sink))
		}
	}
	opts, err := PhysicalOptionsFrom(p.Config)
	if err != nil {
		t.Fatal(err)
	}
	opts.Collect = make(chan *types.Batch)
	g, _, err = BuildGraph("explain", sinks, opts)
	if err != nil {
		t.Fatal(err)
	}
	return raw, sinks, g, p.Config
}

const explainDDL = `CREATE TABLE src (k STRING, v INT) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE other (k STRING, w INT) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE snk (k STRING, a BIGINT) WITH ('connector' = 'blackhole');
`

// TestExplainSections: each section's nodes and expressions as Flink
// prints them — Calcite's logical nodes over field indexes in the AST, an
// Exchange in front of the keyed aggregation in both optimized plans,
// prefix calls in the physical plan and infix ones in the execution plan,
// changelog modes only where asked for, no sink for a SELECT.
func TestExplainSections(t *testing.T) {
	raw, opt, _, _ := planStatements(t, explainDDL+
		"INSERT INTO snk SELECT k, COUNT(*) FROM src WHERE v > 0 GROUP BY k;\n"+
		"SELECT k, COUNT(*) AS n FROM src GROUP BY k;\n"+
		"SELECT src.k, w FROM src JOIN other ON src.k = other.k WHERE v <> 1;\n"+
		"SELECT * FROM (VALUES (1, 'a'), (2, CAST(NULL AS STRING))) AS t(x, y);", nil)
	for _, c := range []struct {
		name      string
		got       string
		want, not []string
	}{
		{"ast", ExplainAST(raw[0]), []string{
			"LogicalSink(table=[default_catalog.default_database.snk], fields=[k, EXPR$1])\n",
			"+- LogicalAggregate(group=[{0}], EXPR$1=[COUNT()])\n",
			"   +- LogicalProject(k=[$0])\n      +- LogicalFilter(condition=[>($1, 0)])\n",
			"         +- LogicalTableScan(table=[[default_catalog, default_database, src]])\n",
		}, []string{"Calc", "TableSourceScan"}},
		{"physical", ExplainOptimized(opt[0], false, true, nil, QueryFields(raw[0])), []string{
			"Sink(table=[default_catalog.default_database.snk], fields=[k, EXPR$1], changelogMode=[NONE])\n",
			"+- GroupAggregate(groupBy=[k], select=[k, COUNT(*) AS EXPR$1], changelogMode=[I,UB,UA,D])\n",
			"   +- Exchange(distribution=[hash[k]], changelogMode=[I])\n",
			"      +- Calc(select=[k], where=[>(v, 0)], changelogMode=[I])\n",
		}, nil},
		{"exec", ExplainOptimized(opt[0], true, true, nil, nil), []string{
			"Sink(table=[default_catalog.default_database.snk], fields=[k, EXPR$0])\n",
			"   +- Exchange(distribution=[hash[k]])\n",
			"Calc(select=[k], where=[(v > 0)])\n",
		}, []string{"changelogMode", "Task"}},
		{"select ast", ExplainAST(raw[1]), []string{
			"LogicalAggregate(group=[{0}], n=[COUNT()])\n",
		}, []string{"Sink", "anonymous_collect"}},
		{"select physical", ExplainOptimized(opt[1], false, false, nil, QueryFields(raw[1])), []string{
			"GroupAggregate(groupBy=[k], select=[k, COUNT(*) AS n])\n+- Exchange(distribution=[hash[k]])\n",
			// datagen reads every column, as in Flink: a Calc drops v
			"   +- Calc(select=[k])\n      +- TableSourceScan(table=[[default_catalog, default_database, src]], fields=[k, v])\n",
		}, []string{"Sink"}},
		{"join ast", ExplainAST(raw[2]), []string{
			"LogicalJoin(condition=[=($0, $2)], joinType=[inner])\n",
			"   :- LogicalFilter(condition=[<>($1, 1)])\n   :  +- LogicalTableScan(table=[[default_catalog, default_database, src]])\n",
		}, nil},
		{"join exec", ExplainOptimized(opt[2], true, false, nil, nil), []string{
			"Join(joinType=[InnerJoin], where=[(k = k0)], select=[k, v, k0, w], leftInputSpec=[NoUniqueKey], rightInputSpec=[NoUniqueKey])\n",
			":- Exchange(distribution=[hash[k]])\n",
		}, nil},
		{"values ast", ExplainAST(raw[3]), []string{
			"LogicalValues(tuples=[[{ 1, _UTF-16LE'a' }, { 2, null:VARCHAR(2147483647) CHARACTER SET \"UTF-16LE\" }]])",
		}, nil},
		{"values exec", ExplainOptimized(opt[3], true, false, nil, nil), []string{
			"Values(tuples=[[{ 1, 'a' }, { 2, null:VARCHAR(2147483647) CHARACTER SET \"UTF-16LE\" }]])",
		}, nil},
	} {
		for _, w := range c.want {
			if !strings.Contains(c.got, w) {
				t.Errorf("%s lacks %q:\n%s", c.name, w, c.got)
			}
		}
		for _, w := range c.not {
			if strings.Contains(c.got, w) {
				t.Errorf("%s shows %q:\n%s", c.name, w, c.got)
			}
		}
	}
}

func TestWithFirstAttribute(t *testing.T) {
	for _, c := range [][3]string{
		{"Calc(select=[a])", "x=[1]", "Calc(x=[1], select=[a])"},
		{"Union()", "x=[1]", "Union(x=[1])"},
		{"DropUpdateBefore", "x=[1]", "DropUpdateBefore(x=[1])"},
	} {
		if got := withFirstAttribute(c[0], c[1]); got != c[2] {
			t.Errorf("withFirstAttribute(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

func TestWithAttribute(t *testing.T) {
	for _, c := range [][3]string{
		{"Calc(select=[a])", "x=[1]", "Calc(select=[a], x=[1])"},
		{"Union()", "x=[1]", "Union(x=[1])"},
		{"Values", "x=[1]", "Values(x=[1])"},
	} {
		if got := withAttribute(c[0], c[1]); got != c[2] {
			t.Errorf("withAttribute(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

// TestPlanAdvice: a one-phase aggregation over an append-only input gets
// Flink's two-phase advice while mini-batch is off, none once it is on.
func TestPlanAdvice(t *testing.T) {
	q := explainDDL + "INSERT INTO snk SELECT k, SUM(v) FROM src GROUP BY k;"
	sinks, _, cfg := planSinks(t, q, nil)
	marks, texts := PlanAdvice(sinks, cfg)
	if len(texts) != 1 || texts[0] != TwoPhaseAdvice || len(marks) != 1 {
		t.Fatalf("advice %v %v", marks, texts)
	}
	if got := ExplainOptimized(sinks[0], false, false, marks, nil); !strings.Contains(got, "GroupAggregate(advice=[1], groupBy=[k]") {
		t.Errorf("advised node not marked:\n%s", got)
	}
	sinks, _, cfg = planSinks(t, q, map[string]string{"table.exec.mini-batch.enabled": "true",
		"table.exec.mini-batch.allow-latency": "1 s", "table.exec.mini-batch.size": "10"})
	if _, texts := PlanAdvice(sinks, cfg); len(texts) != 0 {
		t.Errorf("advice with mini-batch on: %v", texts)
	}
}

// TestExplainJSON: the StreamGraph JSON is valid JSON in Flink's shape:
// every operator a node (sources "Data Source", sinks "Data Sink" and
// last), contents from the plan, predecessors with the exchange, a join's
// two inputs in input order.
func TestExplainJSON(t *testing.T) {
	sinks, g, _ := planSinks(t, explainDDL+
		"INSERT INTO snk SELECT src.k, CAST(other.w AS BIGINT) FROM src JOIN other ON src.k = other.k;",
		map[string]string{"parallelism.default": "2"})
	text := ExplainJSON(g, OperatorDescriptions(sinks, g))
	var doc struct {
		Nodes []struct {
			ID           int    `json:"id"`
			Type         string `json:"type"`
			Pact         string `json:"pact"`
			Contents     string `json:"contents"`
			Parallelism  int    `json:"parallelism"`
			Predecessors []struct {
				ID           int    `json:"id"`
				ShipStrategy string `json:"ship_strategy"`
				Side         string `json:"side"`
			} `json:"predecessors"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, text)
	}
	if !strings.HasPrefix(text, "{\n  \"nodes\" : [ {\n    \"id\" : ") || !strings.HasSuffix(text, "} ]\n}") {
		t.Errorf("not Jackson's pretty-printed layout:\n%s", text)
	}
	var sources, joins int
	for i, n := range doc.Nodes {
		if n.Parallelism != 2 {
			t.Errorf("node %d parallelism %d", n.ID, n.Parallelism)
		}
		if strings.HasPrefix(n.Contents, "[") && strings.Contains(n.Contents, "]:") {
			d := n.Contents[strings.Index(n.Contents, "]:")+2:]
			if !strings.Contains(d, "(") {
				t.Errorf("node %d has no plan description: %q", n.ID, n.Contents)
			}
		}
		switch {
		case n.Pact == "Data Source":
			sources++
			if len(n.Predecessors) != 0 {
				t.Errorf("source with predecessors: %+v", n)
			}
		case n.Pact == "Data Sink":
			if i != len(doc.Nodes)-1 {
				t.Errorf("sink not last")
			}
		case strings.HasPrefix(n.Contents, "["+strconv.Itoa(n.ID)+"]:Join("):
			joins++
			if len(n.Predecessors) != 2 || n.Predecessors[0].ShipStrategy != "HASH" || n.Predecessors[1].ShipStrategy != "HASH" {
				t.Errorf("join inputs: %+v", n.Predecessors)
			}
		}
	}
	if sources != 2 || joins != 1 {
		t.Errorf("%d sources, %d joins:\n%s", sources, joins, text)
	}
}

// TestOperatorDescriptions: every operator of a graph is traced back to
// its plan node; this breaks loudly if graphBuilder.id changes its form.
func TestOperatorDescriptions(t *testing.T) {
	sinks, g, _ := planSinks(t, explainDDL+"INSERT INTO snk SELECT k, SUM(v) FROM src WHERE v > 0 GROUP BY k;", nil)
	descs := OperatorDescriptions(sinks, g)
	n := 0
	for _, v := range g.Vertices {
		if v.Source != nil {
			n++
		}
		n += len(v.Chain)
	}
	if len(descs) != n {
		t.Fatalf("%d of %d operators traced: %v", len(descs), n, descs)
	}
}

// TestExplainGraphChaining: the job graph EXPLAIN's JSON plan is built
// from chains forward operators into one task, and keeps each in a task
// of its own behind FORWARD edges with pipeline.operator-chaining.enabled
// off (the task listing EXPLAIN no longer prints).
func TestExplainGraphChaining(t *testing.T) {
	q := explainDDL + "INSERT INTO snk SELECT k, CAST(v AS BIGINT) FROM src WHERE v > 0;"
	for _, c := range []struct {
		chaining string
		want     string
	}{
		{"true", "Task 1 (parallelism=1): Source: src -> Calc -> Sink: snk\n"},
		{"false", "Task 1 (parallelism=1): Source: src\n  -> FORWARD -> Task 2\nTask 2 (parallelism=1): Calc\n  -> FORWARD -> Task 3\nTask 3 (parallelism=1): Sink: snk\n"},
	} {
		_, g, _ := planSinks(t, q, map[string]string{"pipeline.operator-chaining.enabled": c.chaining})
		if got := ExplainGraph(g, nil); got != c.want {
			t.Errorf("chaining %s:\n%s\nwant:\n%s", c.chaining, got, c.want)
		}
	}
}
