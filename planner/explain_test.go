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
	stmts, err := sql.ParseScript(script)
	if err != nil {
		t.Fatal(err)
	}
	p := &Planner{Catalog: NewCatalog(), Config: NewConfig()}
	for k, v := range settings {
		p.Config.Set(k, v)
	}
	var sinks []*Sink
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
			sinks = append(sinks, Optimize(s).(*Sink))
		}
	}
	opts, err := PhysicalOptionsFrom(p.Config)
	if err != nil {
		t.Fatal(err)
	}
	opts.Collect = make(chan *types.Batch)
	g, _, err := BuildGraph("explain", sinks, opts)
	if err != nil {
		t.Fatal(err)
	}
	return sinks, g, p.Config
}

const explainDDL = `CREATE TABLE src (k STRING, v INT) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE other (k STRING, w INT) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE snk (k STRING, a BIGINT) WITH ('connector' = 'blackhole');
`

// TestExplainTreeChangelogMode: EXPLAIN CHANGELOG_MODE puts each node's
// changelog mode inside its parentheses, [NONE] on the sink.
func TestExplainTreeChangelogMode(t *testing.T) {
	sinks, _, _ := planSinks(t, explainDDL+"INSERT INTO snk SELECT k, SUM(v) FROM src WHERE v > 0 GROUP BY k;", nil)
	got := ExplainTree(sinks[0], true, nil)
	for _, want := range []string{
		"Sink(table=[default_catalog.default_database.snk], fields=[k, a], changelogMode=[NONE])\n",
		"GroupAggregate(groupBy=[k], select=[k, SUM($f1) AS EXPR$0], changelogMode=[I,UB,UA,D])\n",
		"TableSourceScan(table=[[default_catalog, default_database, src]], fields=[k, v], changelogMode=[I])\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("plan lacks %q:\n%s", want, got)
		}
	}
	if plain := ExplainTree(sinks[0], false, nil); strings.Contains(plain, "changelogMode") {
		t.Errorf("plain EXPLAIN shows changelog modes:\n%s", plain)
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
	if got := ExplainTree(sinks[0], false, marks); !strings.Contains(got, "GroupAggregate(advice=[1], groupBy=[k]") {
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
