package session

import (
	"fmt"

	"github.com/flinkgo/engine/checkpoint"
	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/sql"
)

// Deployment is what a TaskManager needs to build the JobGraph of a job a
// session submitted on the JobManager. The graph itself cannot travel (its
// operators are code), so the TaskManager plans the same statements in a
// fresh session: the same initial settings, the submitting session's
// configuring statements in order (SET, RESET, CREATE, DROP, ALTER, USE),
// then the job's INSERTs. Planning is deterministic (operator ids are
// derived from the statements), which Fingerprint checks.
//
// Setup holds statements as written, secrets included: it travels only to
// the cluster's TaskManagers.
type Deployment struct {
	Config  map[string]string
	Setup   []string
	Inserts []string
}

// Distributor places a cluster's jobs on TaskManagers (cmd/jobmanager);
// a JobRegistry without one runs every job in its own process.
type Distributor interface {
	// Distribute returns how each attempt of the job with graph g is placed
	// (checkpoint.Config.Distribute), or nil to run it in this process
	// (no TaskManager registered). An error fails the submission (e.g.
	// Flink's NoResourceAvailableException when slots are too few).
	Distribute(jobID string, d Deployment, g *runtime.JobGraph) (func(checkpoint.Attempt) (*runtime.Placement, error), error)
}

// SetDistributor makes the registry's sessions submit INSERT jobs through
// d. Call it before sessions start jobs.
func (r *JobRegistry) SetDistributor(d Distributor) {
	r.mu.Lock()
	r.distributor = d
	r.mu.Unlock()
}

func (r *JobRegistry) getDistributor() Distributor {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.distributor
}

// deployment describes a job of inserts for TaskManagers; ok is false when
// the session's catalog cannot be rebuilt elsewhere.
func (s *Session) deployment(inserts []*sql.Insert) (Deployment, bool) {
	if s.setupBroken {
		return Deployment{}, false
	}
	d := Deployment{Config: map[string]string{}, Setup: append([]string(nil), s.setup...)}
	for k, v := range s.initial {
		d.Config[k] = v
	}
	for _, ins := range inserts {
		d.Inserts = append(d.Inserts, ins.SQL())
	}
	return d, true
}

// insertGraph plans inserts into one job graph.
func (s *Session) insertGraph(inserts []*sql.Insert) (*runtime.JobGraph, []*planner.Sink, error) {
	p := &planner.Planner{Catalog: s.cat, Config: s.cfg}
	sinks, err := s.plan(p, inserts)
	if err != nil {
		return nil, nil, err
	}
	opts, err := planner.PhysicalOptionsFrom(s.cfg)
	if err != nil {
		return nil, nil, &planner.ValidationError{Msg: err.Error()}
	}
	g, _, err := planner.BuildGraph(s.jobName(sinks), sinks, opts)
	if err != nil {
		return nil, nil, err
	}
	return g, sinks, nil
}

// PlanDeployment builds the JobGraph of d as the JobManager did (on a
// TaskManager). o supplies storage, clock and log; o.Config and o.Jobs are
// ignored.
func PlanDeployment(d Deployment, o Options) (*runtime.JobGraph, error) {
	o.Config, o.Jobs = d.Config, nil
	s := New(o)
	defer s.Close()
	for i, text := range d.Setup {
		st, err := parseOne(text)
		if err != nil {
			return nil, fmt.Errorf("deployment setup statement %d: %w", i+1, err)
		}
		if !sql.ConfiguresSession(st) {
			return nil, fmt.Errorf("deployment setup statement %d is not a configuring statement", i+1)
		}
		if _, err := s.execute(st); err != nil {
			return nil, fmt.Errorf("deployment setup statement %d: %w", i+1, err)
		}
	}
	var inserts []*sql.Insert
	for i, text := range d.Inserts {
		st, err := parseOne(text)
		if err != nil {
			return nil, fmt.Errorf("deployment statement %d: %w", i+1, err)
		}
		ins, ok := st.(*sql.Insert)
		if !ok {
			return nil, fmt.Errorf("deployment statement %d is not an INSERT", i+1)
		}
		inserts = append(inserts, ins)
	}
	g, _, err := s.insertGraph(inserts)
	return g, err
}

func parseOne(text string) (sql.Statement, error) {
	segs := sql.SplitScript(text)
	if len(segs) != 1 {
		return nil, fmt.Errorf("%d statements in one", len(segs))
	}
	return sql.Parse(segs[0])
}
