package flinkrest

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/runtime"
)

// jobTimes are a job's times in milliseconds as Flink reports them.
type jobTimes struct {
	start, end, duration, now int64 // end is -1 while the job runs
	lastModification          int64
}

// timesOf reads a job's times, for the status st read by the caller.
func timesOf(j *session.Job, st runtime.JobStatus) jobTimes {
	now := time.Now()
	t := jobTimes{start: j.StartTime.UnixMilli(), end: -1, now: now.UnixMilli(), lastModification: j.StartTime.UnixMilli()}
	until := now
	if terminal(st) {
		if until = j.EndTime(); until.IsZero() {
			until = now // ended an instant ago; its end time is being recorded
		}
		t.end, t.lastModification = until.UnixMilli(), until.UnixMilli()
	}
	t.duration = max(until.Sub(j.StartTime).Milliseconds(), 0)
	return t
}

// vertexState is the ExecutionState of a job's tasks in job state st. The
// runtime reports no per-task state yet, so every task of a job shares it.
func vertexState(st runtime.JobStatus) string {
	switch st {
	case runtime.JobCreated:
		return "CREATED"
	case runtime.JobRunning:
		return "RUNNING"
	case runtime.JobCanceling:
		return "CANCELING"
	case runtime.JobFinished:
		return "FINISHED"
	case runtime.JobCanceled:
		return "CANCELED"
	case runtime.JobFailed:
		return "FAILED"
	}
	return "CREATED" // RESTARTING: the next attempt's tasks are created
}

// add counts n tasks in the ExecutionState state.
func (c *executionStateCounts) add(state string, n int) {
	switch state {
	case "CREATED":
		c.Created += n
	case "RUNNING":
		c.Running += n
	case "CANCELING":
		c.Canceling += n
	case "FINISHED":
		c.Finished += n
	case "CANCELED":
		c.Canceled += n
	case "FAILED":
		c.Failed += n
	}
}

// vertexID is Flink's JobVertexID of a vertex: the stable id of its head
// operator (32 hex, the same for the same statements).
func vertexID(v *runtime.Vertex) string {
	if v.Source != nil {
		return v.Source.ID
	}
	return v.Chain[0].ID
}

// jobIDs serves GET /jobs.
func (s *Server) jobIDs(w http.ResponseWriter, r *http.Request) {
	out := jobIDsWithStatus{Jobs: []jobIDWithStatus{}}
	for _, j := range s.sess.Jobs() {
		out.Jobs = append(out.Jobs, jobIDWithStatus{ID: j.ID, Status: string(j.Status())})
	}
	writeJSON(w, http.StatusOK, out)
}

// jobsOverview serves GET /jobs/overview.
func (s *Server) jobsOverview(w http.ResponseWriter, r *http.Request) {
	out := multipleJobsDetails{Jobs: []jobDetails{}}
	for _, j := range s.sess.Jobs() {
		st := j.Status()
		t := timesOf(j, st)
		d := jobDetails{JID: j.ID, Name: s.mask(j.Name), State: string(st), StartTime: t.start, EndTime: t.end,
			Duration: t.duration, LastModification: t.lastModification}
		var c executionStateCounts
		for _, v := range j.Graph().Vertices {
			d.Tasks.Total += v.Parallelism
			c.add(vertexState(st), v.Parallelism)
		}
		d.Tasks.Created, d.Tasks.Scheduled, d.Tasks.Deploying, d.Tasks.Running = c.Created, c.Scheduled, c.Deploying, c.Running
		d.Tasks.Finished, d.Tasks.Canceling, d.Tasks.Canceled, d.Tasks.Failed = c.Finished, c.Canceling, c.Canceled, c.Failed
		d.Tasks.Reconciling, d.Tasks.Initializing = c.Reconciling, c.Initializing
		out.Jobs = append(out.Jobs, d)
	}
	writeJSON(w, http.StatusOK, out)
}

// jobDetails serves GET /jobs/:jobid.
func (s *Server) jobDetails(w http.ResponseWriter, r *http.Request, j *session.Job) {
	st := j.Status()
	t := timesOf(j, st)
	g := j.Graph()
	out := jobDetailsInfo{JID: j.ID, Name: s.mask(j.Name), State: string(st), StartTime: t.start, EndTime: t.end,
		Duration: t.duration, MaxParallelism: int64(j.Settings().MaxParallelism), Now: t.now,
		Vertices: []jobVertexDetails{}, Plan: s.planOf(j)}
	out.Timestamps.Initializing, out.Timestamps.Created, out.Timestamps.Running = t.start, t.start, t.start
	switch st {
	case runtime.JobFinished:
		out.Timestamps.Finished = t.end
	case runtime.JobCanceled:
		out.Timestamps.Canceled = t.end
	case runtime.JobFailed:
		out.Timestamps.Failed = t.end
	}
	state := vertexState(st)
	sample := j.TaskMetrics()
	for _, v := range g.Vertices {
		vd := jobVertexDetails{ID: vertexID(v), Name: s.mask(v.Name), MaxParallelism: g.MaxParallelism, Parallelism: v.Parallelism,
			Status: state, StartTime: t.start, EndTime: t.end, Duration: t.duration, Metrics: vertexMetrics(sample, v, st)}
		vd.Tasks.add(state, v.Parallelism)
		out.StatusCounts.add(state, 1)
		out.Vertices = append(out.Vertices, vd)
	}
	writeJSON(w, http.StatusOK, out)
}

// jobPlan serves GET /jobs/:jobid/plan.
func (s *Server) jobPlan(w http.ResponseWriter, r *http.Request, j *session.Job) {
	writeJSON(w, http.StatusOK, jobPlanInfo{Plan: s.planOf(j)})
}

// htmlEscaper escapes as Flink's JsonPlanGenerator does (escapeHtml4,
// newlines as <br/>).
var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\n", "<br/>")

// planOf renders the job graph as Flink's JSON plan: one node per vertex,
// its inputs with the exchange's ship strategy.
func (s *Server) planOf(j *session.Job) jobPlan {
	g := j.Graph()
	p := jobPlan{JID: j.ID, Name: s.mask(j.Name), Type: "STREAMING", Nodes: []planNode{}}
	for _, v := range g.Vertices {
		n := planNode{ID: vertexID(v), Parallelism: v.Parallelism, Description: htmlEscaper.Replace(s.mask(v.Name))}
		for _, e := range g.Edges {
			if e.To == v.Index {
				n.Inputs = append(n.Inputs, planInput{Num: len(n.Inputs), ID: vertexID(g.Vertices[e.From]),
					ShipStrategy: e.Partitioning.String(), Exchange: "pipelined_bounded"})
			}
		}
		p.Nodes = append(p.Nodes, n)
	}
	return p
}

// jobConfig serves GET /jobs/:jobid/config: the session configuration the
// job was submitted with as its user configuration, secrets masked
// (session.JobSettings.Config).
func (s *Server) jobConfig(w http.ResponseWriter, r *http.Request, j *session.Job) {
	st := j.Settings()
	user := make(map[string]string, len(st.Config))
	for _, kv := range st.Config {
		user[kv[0]] = s.mask(kv[1])
	}
	writeJSON(w, http.StatusOK, jobConfigInfo{JID: j.ID, Name: s.mask(j.Name), ExecutionConfig: executionConfigInfo{
		ExecutionMode: "PIPELINED", RestartStrategy: st.RestartStrategy, JobParallelism: st.Parallelism, UserConfig: user}})
}

// jobExceptions serves GET /jobs/:jobid/exceptions: the failure that ended
// the job, if it failed. Failures the job restarted from are not kept
// (the Execution logs them), so the history holds at most that one.
func (s *Server) jobExceptions(w http.ResponseWriter, r *http.Request, j *session.Job) {
	out := jobExceptionsInfo{AllExceptions: []struct{}{}, ExceptionHistory: exceptionHistory{Entries: []rootExceptionInfo{}}}
	var err error
	select {
	case <-j.Done():
		err = j.Wait()
	default:
	}
	if err != nil {
		t := timesOf(j, j.Status())
		class := "org.apache.flink.runtime.JobException"
		var fc interface{ FlinkClass() string }
		if errors.As(err, &fc) {
			class = fc.FlinkClass()
		}
		trace := class + ": " + s.mask(err.Error())
		out.RootException, out.Timestamp = &trace, &t.end
		out.ExceptionHistory.Entries = append(out.ExceptionHistory.Entries, rootExceptionInfo{ExceptionName: class,
			Stacktrace: trace, Timestamp: t.end, FailureLabels: map[string]string{}, ConcurrentExceptions: []rootExceptionInfo{}})
	}
	writeJSON(w, http.StatusOK, out)
}
