package flinkrest

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/runtime"
)

// Per-vertex monitoring from the runtime's task metrics
// (runtime.TaskMetrics, sampled through the job's Execution): the I/O
// figures of /jobs/:jobid and the vertex endpoints — details with one
// entry per subtask, back pressure, watermarks and metrics.
//
// Rates (back pressure, *PerSecond metrics) are computed between the
// current sample and the previous one the server kept for the job
// (session.RateSampler); the first call, or the first after a restart, compares
// with the zero sample: the mean since the tasks started.

// tasksOf returns the samples of vertex v, by subtask.
func tasksOf(all []runtime.TaskMetrics, v *runtime.Vertex) []runtime.TaskMetrics {
	var out []runtime.TaskMetrics
	for _, m := range all {
		if m.Vertex == v.Index {
			out = append(out, m)
		}
	}
	return out
}

// ioMetricsOf sums the I/O metrics of a vertex's subtasks (Flink's
// MutableIOMetrics: counts and accumulated times are sums; times in ms).
// The "-complete" flags are set once the job ended and every subtask was
// sampled: the figures are final then, moving sums before.
func ioMetricsOf(tasks []runtime.TaskMetrics, parallelism int, ended bool) ioMetrics {
	var m ioMetrics
	var busy int64
	for _, t := range tasks {
		m.ReadRecords += t.RecordsIn
		m.WriteRecords += t.RecordsOut
		m.ReadBytes += t.BytesIn
		m.WriteBytes += t.BytesOut
		busy += t.BusyNs
		m.AccumulatedBackpressuredTime += t.BackPressuredNs / 1e6
		m.AccumulatedIdleTime += t.IdleNs / 1e6
	}
	m.AccumulatedBusyTime = float64(busy / 1e6)
	complete := ended && len(tasks) == parallelism
	m.ReadRecordsComplete, m.WriteRecordsComplete, m.ReadBytesComplete, m.WriteBytesComplete = complete, complete, complete, complete
	return m
}

// vertexMetrics returns a vertex's I/O metrics from a sample of the job's
// tasks (see ioMetricsOf).
func vertexMetrics(all []runtime.TaskMetrics, v *runtime.Vertex, st runtime.JobStatus) ioMetrics {
	return ioMetricsOf(tasksOf(all, v), v.Parallelism, terminal(st))
}

// vertexHandler serves a request about one vertex of a job.
type vertexHandler func(w http.ResponseWriter, r *http.Request, j *session.Job, v *runtime.Vertex)

// withVertex resolves {vertexid} among the job's vertices (404 if none).
func (s *Server) withVertex(h vertexHandler) http.HandlerFunc {
	return s.withJob(func(w http.ResponseWriter, r *http.Request, j *session.Job) {
		id := r.PathValue("vertexid")
		for _, v := range j.Graph().Vertices {
			if vertexID(v) == id {
				h(w, r, j, v)
				return
			}
		}
		if !isHex32(id) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Bad request, could not parse parameters: Cannot resolve path parameter (vertexid) from value \"%s\".", id))
			return
		}
		writeError(w, http.StatusNotFound, fmt.Sprintf("No vertex with ID '%s' exists.", id))
	})
}

// subtaskState is a subtask's ExecutionState: the job's, except that a
// task of a running job that ran and stopped finished.
func subtaskState(st runtime.JobStatus, t runtime.TaskMetrics) string {
	if st == runtime.JobRunning && !t.Running && t.BusyNs+t.BackPressuredNs+t.IdleNs > 0 {
		return "FINISHED"
	}
	return vertexState(st)
}

// vertexDetails serves GET /jobs/:jobid/vertices/:vertexid.
func (s *Server) vertexDetails(w http.ResponseWriter, r *http.Request, j *session.Job, v *runtime.Vertex) {
	st := j.Status()
	t := timesOf(j, st)
	tasks := tasksOf(j.TaskMetrics(), v)
	out := jobVertexDetailsInfo{ID: vertexID(v), Name: s.mask(v.Name), Parallelism: v.Parallelism,
		MaxParallelism: j.Graph().MaxParallelism, Now: t.now, Subtasks: []subtaskAttemptDetails{}}
	attempt := j.Restarts()
	for i := range v.Parallelism {
		d := subtaskAttemptDetails{Subtask: i, Status: vertexState(st), Attempt: attempt, Endpoint: "localhost:-1",
			StartTime: t.start, EndTime: t.end, Duration: t.duration, TaskManagerID: s.tm}
		for _, m := range tasks {
			if m.Subtask == i {
				d.Status = subtaskState(st, m)
				d.Metrics = ioMetricsOf([]runtime.TaskMetrics{m}, 1, terminal(st))
			}
		}
		d.StatusDuration = map[string]int64{}
		out.Subtasks = append(out.Subtasks, d)
	}
	writeJSON(w, http.StatusOK, out)
}

// backPressureLevel is Flink's level of a back-pressure ratio.
func backPressureLevel(ratio float64) string {
	switch {
	case ratio <= 0.10:
		return "ok"
	case ratio <= 0.5:
		return "low"
	}
	return "high"
}

// vertexBackPressure serves GET /jobs/:jobid/vertices/:vertexid/backpressure:
// each subtask's share of back-pressured, idle and busy time since the
// previous sample (session.RateSampler); the vertex's level is its worst subtask's.
func (s *Server) vertexBackPressure(w http.ResponseWriter, r *http.Request, j *session.Job, v *runtime.Vertex) {
	all, rates := s.rates.Rates(j)
	out := jobVertexBackPressureInfo{Status: "ok", Level: "ok", EndTimestamp: time.Now().UnixMilli(),
		Subtasks: []subtaskBackPressure{}}
	worst := 0.0
	attempt := j.Restarts()
	for i, m := range all {
		if m.Vertex != v.Index {
			continue
		}
		rt := rates[i]
		ratio := rt.BackPressuredTimeMsPerSecond / 1000
		worst = max(worst, ratio)
		a := attempt
		out.Subtasks = append(out.Subtasks, subtaskBackPressure{Subtask: m.Subtask, AttemptNumber: &a,
			Level: backPressureLevel(ratio), Ratio: ratio, IdleRatio: rt.IdleTimeMsPerSecond / 1000,
			BusyRatio: rt.BusyTimeMsPerSecond / 1000})
	}
	out.Level = backPressureLevel(worst)
	writeJSON(w, http.StatusOK, out)
}

// vertexWatermarks serves GET /jobs/:jobid/vertices/:vertexid/watermarks:
// each subtask's input watermark as Flink's metric list.
func (s *Server) vertexWatermarks(w http.ResponseWriter, r *http.Request, j *session.Job, v *runtime.Vertex) {
	out := []metric{}
	for _, m := range tasksOf(j.TaskMetrics(), v) {
		out = append(out, metric{ID: strconv.Itoa(m.Subtask) + ".currentInputWatermark", Value: strconv.FormatInt(m.InputWatermark, 10)})
	}
	writeJSON(w, http.StatusOK, out)
}

// vertexMetricNames are the task metrics a vertex serves, in Flink's names.
var vertexMetricNames = []string{"busyTimeMsPerSecond", "backPressuredTimeMsPerSecond", "idleTimeMsPerSecond",
	"numRecordsIn", "numRecordsOut", "numBytesIn", "numBytesOut", "currentInputWatermark", "currentOutputWatermark"}

// taskMetricValue is the value of one named metric of a task.
func taskMetricValue(name string, m runtime.TaskMetrics, r runtime.TaskRates) float64 {
	switch name {
	case "busyTimeMsPerSecond":
		return r.BusyTimeMsPerSecond
	case "backPressuredTimeMsPerSecond":
		return r.BackPressuredTimeMsPerSecond
	case "idleTimeMsPerSecond":
		return r.IdleTimeMsPerSecond
	case "numRecordsIn":
		return float64(m.RecordsIn)
	case "numRecordsOut":
		return float64(m.RecordsOut)
	case "numBytesIn":
		return float64(m.BytesIn)
	case "numBytesOut":
		return float64(m.BytesOut)
	case "currentInputWatermark":
		return float64(m.InputWatermark)
	case "pendingRecords":
		return float64(m.PendingRecords)
	}
	return float64(m.OutputWatermark)
}

// formatMetric writes a value as Flink's metric endpoints do: counters and
// watermarks as integers, rates as doubles.
func formatMetric(name string, v float64) string {
	if strings.HasPrefix(name, "num") || strings.HasPrefix(name, "current") || name == "pendingRecords" {
		return strconv.FormatInt(int64(v), 10)
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// vertexMetricsList serves GET /jobs/:jobid/vertices/:vertexid/metrics.
// Flink's ids are per subtask ("0.numRecordsIn"); the bare names are
// accepted too and aggregate the subtasks: counters summed, time rates
// as the busiest subtask's, watermarks as the lowest (the vertex's). With
// ?get=a,b it returns those known, with values; without, every id.
func (s *Server) vertexMetricsList(w http.ResponseWriter, r *http.Request, j *session.Job, v *runtime.Vertex) {
	get := r.URL.Query().Get("get")
	if get == "" {
		out := []metric{}
		for i := range v.Parallelism {
			for _, n := range vertexMetricNames {
				out = append(out, metric{ID: strconv.Itoa(i) + "." + n})
			}
		}
		for _, n := range vertexMetricNames {
			out = append(out, metric{ID: n})
		}
		if v.Source != nil {
			out = append(out, metric{ID: "pendingRecords"})
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	all, rates := s.rates.Rates(j)
	type taskSample struct {
		m runtime.TaskMetrics
		r runtime.TaskRates
	}
	subs := map[int]taskSample{}
	var order []int
	for i, m := range all {
		if m.Vertex == v.Index {
			subs[m.Subtask] = taskSample{m, rates[i]}
			order = append(order, m.Subtask)
		}
	}
	sort.Ints(order)
	known := map[string]bool{}
	for _, n := range vertexMetricNames {
		known[n] = true
	}
	// A source's backlog, when it knows it (Kafka): subtasks that do not
	// know are left out of the sum.
	known["pendingRecords"] = v.Source != nil
	out := []metric{}
	for _, id := range strings.Split(get, ",") {
		id = strings.TrimSpace(id)
		prefix, name, scoped := strings.Cut(id, ".")
		if !scoped {
			name = prefix
		}
		if !known[name] {
			continue
		}
		if scoped {
			n, err := strconv.Atoi(prefix)
			t, ok := subs[n]
			if err != nil || !ok || name == "pendingRecords" && t.m.PendingRecords < 0 {
				continue
			}
			out = append(out, metric{ID: id, Value: formatMetric(name, taskMetricValue(name, t.m, t.r))})
			continue
		}
		if len(order) == 0 {
			continue
		}
		var agg float64
		seen := 0
		for _, n := range order {
			if name == "pendingRecords" && subs[n].m.PendingRecords < 0 {
				continue
			}
			x := taskMetricValue(name, subs[n].m, subs[n].r)
			k := seen
			seen++
			switch {
			case k == 0:
				agg = x
			case name == "pendingRecords":
				agg += x
			case strings.HasPrefix(name, "current"):
				agg = min(agg, x)
			case strings.HasPrefix(name, "num"):
				agg += x
			default:
				agg = max(agg, x)
			}
		}
		if seen > 0 {
			out = append(out, metric{ID: id, Value: formatMetric(name, agg)})
		}
	}
	writeJSON(w, http.StatusOK, out)
}
