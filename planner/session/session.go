package session

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/flinkgo/engine/checkpoint"
	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"

	"github.com/flinkgo/engine/connectors"
	_ "github.com/flinkgo/engine/connectors/all" // built-in connectors
)

// Options configure a new session.
type Options struct {
	// Config holds initial settings (-D key=value).
	Config map[string]string
	// Clock is injected into jobs; nil means the system clock.
	Clock runtime.Clock
	// Storage holds checkpoints and savepoints on local paths; nil means
	// the local disk. s3:// paths go to S3 (the s3.* keys).
	Storage checkpoint.Storage
	// Log receives job events (restarts, failed checkpoints); nil discards.
	Log io.Writer
	// Jobs is the registry the session starts its jobs in and lists, stops
	// and finds jobs from (a cluster's, shared by its sessions); nil gives
	// the session a registry of its own, closed with it.
	Jobs *JobRegistry
}

// Session executes statements. See the package documentation.
type Session struct {
	cfg     *planner.Config
	initial map[string]string // -D settings, restored by RESET;
	cat     *planner.Catalog
	clock   runtime.Clock
	storage checkpoint.Storage
	log     io.Writer
	stmtSet []*sql.Insert // open BEGIN STATEMENT SET
	inSet   bool
	// setup are the configuring statements executed so far (Deployment);
	// setupBroken is set once one cannot be replayed elsewhere (CTAS).
	setup       []string
	setupBroken bool

	jobs     *JobRegistry
	ownsJobs bool // the registry is the session's own: Close closes it

	mu      sync.Mutex
	queries []*Job // SELECT jobs: they end with the session

	// coreUnloaded is set by UNLOAD MODULE core until LOAD MODULE core
	// (inspect.go: moduleStatement).
	coreUnloaded bool
	// jars are the JARs added (jars.go), absolute paths in order.
	jars []string
}

// New creates a session.
func New(o Options) *Session {
	if o.Storage == nil {
		o.Storage = checkpoint.NewLocalStorage()
	}
	cfg := planner.NewConfig()
	stores := &objectStores{cfg: cfg}
	s := &Session{cfg: cfg, initial: o.Config, cat: planner.NewCatalog(), clock: o.Clock,
		storage: &checkpoint.RoutingStorage{Local: o.Storage, S3: stores.s3}, log: o.Log, jobs: o.Jobs}
	if s.jobs == nil {
		s.jobs, s.ownsJobs = NewJobRegistry(), true
	}
	keys := make([]string, 0, len(o.Config))
	for k := range o.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s.cfg.Set(k, o.Config[k])
	}
	return s
}

// Config returns the session configuration (read-only use).
func (s *Session) Config() *planner.Config { return s.cfg }

// ExecutionError is Flink's SqlExecutionException.
type ExecutionError struct{ Msg string }

func (e *ExecutionError) Error() string { return e.Msg }
func (e *ExecutionError) FlinkClass() string {
	return "org.apache.flink.table.gateway.service.utils.SqlExecutionException"
}

func ok() *Result { return &Result{Kind: ResultOK} }

// Execute runs one statement. See the package documentation. The
// configuring statements are kept for deployments (deploy.go).
func (s *Session) Execute(st sql.Statement) (*Result, error) {
	res, err := s.execute(st)
	if err == nil && !s.inSet {
		if x, ok := st.(*sql.CreateTable); ok && x.AsQuery != nil {
			// Its table exists here only: later jobs are not replayable.
			s.setupBroken = true
		}
		if sql.ConfiguresSession(st) {
			s.setup = append(s.setup, st.SQL())
		}
	}
	return res, err
}

// execute runs one statement (Execute records it for deployments).
func (s *Session) execute(st sql.Statement) (*Result, error) {
	if s.inSet {
		switch x := st.(type) {
		case *sql.Insert:
			s.stmtSet = append(s.stmtSet, x)
			return ok(), nil
		case *sql.CreateTable:
			if x.AsQuery == nil {
				break
			}
			ins, err := s.prepareTableAs(&planner.Planner{Catalog: s.cat, Config: s.cfg}, x)
			if err != nil {
				return nil, err
			}
			s.stmtSet = append(s.stmtSet, ins)
			return ok(), nil
		case *sql.End:
			set := s.stmtSet
			s.inSet, s.stmtSet = false, nil
			if len(set) == 0 {
				return ok(), nil
			}
			return s.submit(set, st.SQL())
		}
		return nil, &ExecutionError{Msg: "Only 'INSERT/CREATE TABLE AS' statement is allowed in Statement Set or use 'END' statement to submit Statement Set."}
	}
	p := &planner.Planner{Catalog: s.cat, Config: s.cfg}
	switch x := st.(type) {
	case *sql.Help:
		return &Result{Kind: ResultHelp}, nil
	case *sql.Quit:
		return &Result{Kind: ResultQuit}, nil
	case *sql.Clear:
		return &Result{Kind: ResultClear}, nil
	case *sql.Set:
		if x.Key == "" {
			return s.listConfig(), nil
		}
		s.cfg.Set(x.Key, x.Value)
		if known, close := planner.SuggestKey(x.Key); close {
			// Accepted as Flink accepts any key, but most likely a typo.
			s.logf("[WARN] '%s' is not a key this engine reads; did you mean '%s'? (set anyway)", x.Key, known)
		}
		return ok(), nil
	case *sql.Reset:
		if x.Key == "" {
			s.cfg.ResetAll()
			for k, v := range s.initial {
				s.cfg.Set(k, v)
			}
		} else {
			s.cfg.Reset(x.Key)
			if v, ok := s.initial[x.Key]; ok {
				s.cfg.Set(x.Key, v)
			}
		}
		return ok(), nil
	case *sql.CreateTable:
		return s.createTable(p, x)
	case *sql.CreateView:
		return s.createView(p, x)
	case *sql.DropTable:
		return s.dropObject(x.Name, false, x.Temporary, x.IfExists)
	case *sql.DropView:
		return s.dropObject(x.Name, true, x.Temporary, x.IfExists)
	case *sql.AlterTable:
		return s.alterTable(x)
	case *sql.AlterView:
		return s.alterView(p, x)
	case *sql.ShowTables:
		return s.showObjects("table name", x.From, x.Like, true)
	case *sql.ShowViews:
		return s.showObjects("view name", x.From, x.Like, false)
	case *sql.ShowColumns:
		return s.showColumns(x)
	case *sql.ShowModules, *sql.LoadModule, *sql.UseModules, *sql.UnloadModule:
		return s.moduleStatement(st)
	case *sql.CreateCatalog, *sql.AlterCatalog, *sql.DropCatalog, *sql.UseCatalog, *sql.DescribeCatalog,
		*sql.CreateDatabase, *sql.AlterDatabase, *sql.DropDatabase, *sql.UseDatabase,
		*sql.ShowCatalogs, *sql.ShowCurrentCatalog, *sql.ShowDatabases, *sql.ShowCurrentDatabase:
		return s.catalogStatement(st)
	case *sql.ShowFunctions:
		return s.showFunctions(x)
	case *sql.CreateFunction:
		return s.createFunction(x)
	case *sql.DropFunction:
		return s.dropFunction(x)
	case *sql.AlterFunction:
		return s.alterFunction(x)
	case *sql.AddJar, *sql.RemoveJar, *sql.ShowJars:
		return s.jarStatement(st)
	case *sql.ShowJobs:
		return s.showJobs(), nil
	case *sql.ShowCheckpoints:
		return s.showCheckpoints(x.Dir)
	case *sql.Describe:
		return s.describe(x)
	case *sql.ShowCreate:
		return s.showCreate(x)
	case *sql.Explain:
		return s.explain(p, x)
	case *sql.Insert:
		return s.submit([]*sql.Insert{x}, x.SQL())
	case *sql.StatementSet:
		if x.HasTableAs() {
			return s.statementSetWithTableAs(p, x)
		}
		return s.submit(x.Inserts, x.SQL())
	case *sql.BeginStatementSet:
		s.inSet = true
		return ok(), nil
	case *sql.End:
		return nil, &ExecutionError{Msg: "No Statement Set to submit. 'END' statement should be used after 'BEGIN STATEMENT SET'."}
	case *sql.Select:
		return s.query(p, x)
	case *sql.StopJob:
		return s.stopJob(x)
	}
	return nil, &ExecutionError{Msg: fmt.Sprintf("Unsupported statement: %s", st.SQL())}
}

func nameTable(header string, names []string) *Result {
	r := &Result{Kind: ResultTable, Columns: []string{header}}
	for _, n := range names {
		r.Rows = append(r.Rows, []string{n})
	}
	return r
}

// listedDefaults are the options Flink's client puts into every session
// (Flink's set.q, 1.19: SavepointRestoreSettings written into the session
// configuration) that this engine reads, under the names Flink lists, with
// the engine's own defaults, which are Flink's. SET; lists them unless set
// under any of their names; RESET; brings them back.
//
// The rest of Flink's listing is either given by the client as an initial
// option (execution.target: 'local' when the jobs run in the client's
// process, 'remote' when it sends them to a session cluster, see
// cmd/sql-client) or comes from a cluster's configuration (rest.port,
// jobmanager.rpc.address), or is Java client machinery no key of which
// the engine reads (execution.attached, execution.shutdown-on-attached-exit,
// pipeline.jars, pipeline.classpaths): those are listed only when set.
var listedDefaults = [][2]string{
	{"execution.savepoint-restore-mode", "NO_CLAIM"},
	{"execution.savepoint.ignore-unclaimed-state", "false"},
}

// listConfig is SET;: the options set in the session (-D, the
// configuration file, SET) and Flink's listed defaults not overridden
// under any of their names, sorted by key, secrets masked.
func (s *Session) listConfig() *Result {
	r := &Result{Kind: ResultTable, Columns: []string{"key", "value"}}
	entries := s.cfg.Entries()
	for _, d := range listedDefaults {
		if _, set := s.cfg.Lookup(d[0]); !set {
			entries = append(entries, d)
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i][0] < entries[j][0] })
	for _, kv := range entries {
		v := connectors.MaskValue(kv[0], kv[1])
		if planner.IsSecretKey(kv[0]) {
			v = connectors.Masked
		}
		r.Rows = append(r.Rows, []string{kv[0], v})
	}
	return r
}

// plan binds and optimizes inserts into sinks.
func (s *Session) plan(p *planner.Planner, inserts []*sql.Insert) ([]*planner.Sink, error) {
	var sinks []*planner.Sink
	for _, ins := range inserts {
		sk, err := p.PlanInsert(ins)
		if err != nil {
			return nil, err
		}
		sinks = append(sinks, planner.Optimize(sk).(*planner.Sink))
	}
	return sinks, nil
}

// jobName follows Flink: insert-into_<catalog.db.table>[,...] unless
// pipeline.name is set.
func (s *Session) jobName(sinks []*planner.Sink) string {
	if n, ok := s.cfg.Lookup("pipeline.name"); ok {
		return n
	}
	var names []string
	for _, sk := range sinks {
		names = append(names, sk.Table.Name)
	}
	return "insert-into_" + strings.Join(names, ",")
}

func (s *Session) submit(inserts []*sql.Insert, text string) (*Result, error) {
	g, sinks, err := s.insertGraph(inserts)
	if err != nil {
		return nil, err
	}
	interval, err := s.cfg.Duration("execution.checkpointing.interval", 0)
	if err != nil {
		return nil, &planner.ValidationError{Msg: err.Error()}
	}
	s.warnUncommittedFiles(sinks, interval > 0)
	j, err := s.start(g, text, false, inserts)
	if err != nil {
		return nil, err
	}
	sync, err := s.cfg.Bool("table.dml-sync", false)
	if err != nil {
		return nil, &planner.ValidationError{Msg: err.Error()}
	}
	if sync {
		if err := j.Wait(); err != nil {
			return nil, &JobError{JobID: j.ID, Err: err}
		}
		if j.Status() == runtime.JobCanceled {
			return nil, &JobError{JobID: j.ID, Err: errors.New("the job was cancelled")}
		}
		return &Result{Kind: ResultJobCompleted, JobID: j.ID}, nil
	}
	return &Result{Kind: ResultJobSubmitted, JobID: j.ID}, nil
}

// JobError is a job that failed.
type JobError struct {
	JobID string
	Err   error
}

func (e *JobError) Error() string {
	return fmt.Sprintf("Job %s failed: %v", e.JobID, e.Err)
}
func (e *JobError) FlinkClass() string {
	return "org.apache.flink.runtime.client.JobExecutionException"
}
func (e *JobError) Unwrap() error { return e.Err }

// start starts a job in the registry; query marks a SELECT's job, which
// ends with the session even when the registry outlives it.
func (s *Session) start(g *runtime.JobGraph, text string, query bool, inserts []*sql.Insert) (*Job, error) {
	cfg, err := s.checkpointConfig()
	if err != nil {
		return nil, err
	}
	src, err := s.restoreSource(cfg, g.Name)
	if err != nil {
		return nil, err
	}
	id := runtime.NewJobID()
	if dist := s.jobs.getDistributor(); dist != nil && !query {
		// A cluster with TaskManagers runs the job there (deploy.go).
		if dep, ok := s.deployment(inserts); ok {
			fn, err := dist.Distribute(id, dep, g)
			if err != nil {
				return nil, &JobError{JobID: id, Err: err}
			}
			cfg.Distribute = fn
		}
	}
	e, err := checkpoint.Start(s.jobs.ctx, id, g, cfg, src)
	if err != nil {
		return nil, &JobError{JobID: id, Err: err}
	}
	j := &Job{Execution: e, Statement: text}
	j.info = s.newJobInfo(j, g, cfg, src)
	s.jobs.add(j)
	if query {
		s.mu.Lock()
		s.queries = append(s.queries, j)
		s.mu.Unlock()
	}
	return j, nil
}

func (s *Session) query(p *planner.Planner, x *sql.Select) (*Result, error) {
	n, err := p.PlanQuery(x.Query)
	if err != nil {
		return nil, err
	}
	cs, err := p.CollectSink(n)
	if err != nil {
		return nil, err
	}
	sink := planner.Optimize(cs).(*planner.Sink)
	opts, err := planner.PhysicalOptionsFrom(s.cfg)
	if err != nil {
		return nil, &planner.ValidationError{Msg: err.Error()}
	}
	rows := make(chan *types.Batch, 16)
	opts.Collect = rows
	g, _, err := planner.BuildGraph("collect", []*planner.Sink{sink}, opts)
	if err != nil {
		return nil, err
	}
	j, err := s.start(g, x.SQL(), true, nil)
	if err != nil {
		return nil, err
	}
	go func() {
		<-j.Done()
		close(rows)
	}()
	return &Result{Kind: ResultQuery, JobID: j.ID, Query: &Query{Columns: n.Schema(), Rows: rows, Job: j}}, nil
}

func (s *Session) explain(p *planner.Planner, x *sql.Explain) (*Result, error) {
	var roots []*planner.Sink
	switch t := x.Target.(type) {
	case *sql.Select:
		n, err := p.PlanQuery(t.Query)
		if err != nil {
			return nil, err
		}
		cs, err := p.CollectSink(n)
		if err != nil {
			return nil, err
		}
		roots = []*planner.Sink{cs}
	case *sql.Insert:
		sk, err := p.PlanInsert(t)
		if err != nil {
			return nil, err
		}
		roots = []*planner.Sink{sk}
	case *sql.StatementSet:
		if t.HasTableAs() {
			return nil, &ExecutionError{Msg: "EXPLAIN of a statement set holding CREATE TABLE ... AS SELECT is not supported yet"}
		}
		for _, ins := range t.Inserts {
			sk, err := p.PlanInsert(ins)
			if err != nil {
				return nil, err
			}
			roots = append(roots, sk)
		}
	default:
		return nil, &ExecutionError{Msg: "EXPLAIN supports queries, INSERT and statement sets"}
	}
	return s.explainText(roots, x.Details)
}

// Jobs returns the jobs of the session's registry in start order: the
// session's own, or every job of the cluster it belongs to.
func (s *Session) Jobs() []*Job { return s.jobs.Jobs() }

// WaitJobs waits for every job and returns the first failure.
func (s *Session) WaitJobs() error {
	var first error
	for _, j := range s.Jobs() {
		if err := j.Wait(); err != nil && first == nil {
			first = &JobError{JobID: j.ID, Err: err}
		}
	}
	return first
}

// CancelJobs cancels every running job.
func (s *Session) CancelJobs() {
	for _, j := range s.Jobs() {
		j.Cancel()
	}
}

// Close ends the session. With a registry of its own it cancels every job
// that still runs and waits for them; in a cluster only the session's
// SELECT queries end (its INSERT jobs keep running, as in Flink).
func (s *Session) Close() {
	defer s.cat.Close() // external catalogs' connections
	if s.ownsJobs {
		s.jobs.Close()
		return
	}
	s.mu.Lock()
	queries := s.queries
	s.mu.Unlock()
	for _, j := range queries {
		j.Cancel()
	}
	for _, j := range queries {
		j.Wait()
	}
}
