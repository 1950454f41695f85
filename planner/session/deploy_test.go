package session

import (
	"testing"

	"github.com/flinkgo/engine/checkpoint"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/sql"
)

// recordingDistributor records what it is asked to place and runs the job
// here.
type recordingDistributor struct {
	deps   []Deployment
	graphs []*runtime.JobGraph
}

func (r *recordingDistributor) Distribute(_ string, d Deployment, g *runtime.JobGraph) (func(checkpoint.Attempt) (*runtime.Placement, error), error) {
	r.deps = append(r.deps, d)
	r.graphs = append(r.graphs, g)
	return nil, nil
}

// TestDeploymentReplans: what a session hands its registry's Distributor
// plans, in a fresh session, into the same graph — also after catalogs,
// databases, ALTER TABLE, views and SET — and queries are never
// distributed.
func TestDeploymentReplans(t *testing.T) {
	jobs := NewJobRegistry()
	defer jobs.Close()
	dist := &recordingDistributor{}
	jobs.SetDistributor(dist)
	s := New(Options{Config: map[string]string{"parallelism.default": "2"}, Jobs: jobs})
	defer s.Close()
	script := `
SET 'table.dml-sync' = 'true';
CREATE CATALOG c1 WITH ('type' = 'generic_in_memory');
USE CATALOG c1;
CREATE DATABASE d1;
USE d1;
CREATE TABLE src (id BIGINT, name STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '100', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '100');
ALTER TABLE src ADD note STRING;
CREATE VIEW v AS SELECT id, UPPER(name) AS n FROM src WHERE id > 10;
CREATE TABLE snk (k BIGINT, c BIGINT) WITH ('connector' = 'blackhole');
SET 'parallelism.default' = '3';
SELECT COUNT(*) FROM src;
INSERT INTO snk SELECT MOD(id, 7), COUNT(*) FROM v GROUP BY MOD(id, 7);
`
	for _, seg := range sql.SplitScript(script) {
		st, err := sql.Parse(seg)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Execute(st)
		if err != nil {
			t.Fatalf("%s: %v", seg.Text, err)
		}
		if res.Query != nil {
			for range res.Query.Rows {
			}
		}
	}
	if len(dist.deps) != 1 {
		t.Fatalf("%d jobs distributed, want the INSERT only", len(dist.deps))
	}
	d := dist.deps[0]
	if len(d.Setup) != 10 || len(d.Inserts) != 1 {
		t.Fatalf("deployment has %d setup statements and %d inserts: %q", len(d.Setup), len(d.Inserts), d.Setup)
	}
	g, err := PlanDeployment(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := g.Fingerprint(), dist.graphs[0].Fingerprint(); got != want {
		t.Fatalf("re-planned graph differs:\n got  %s\n want %s", got, want)
	}
	if g.Vertices[0].Parallelism != 3 {
		t.Fatalf("parallelism %d, want the SET 3", g.Vertices[0].Parallelism)
	}
}
