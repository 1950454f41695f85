package promreporter

import (
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/runtime"
)

// The collector turns the session's jobs into Flink's metrics at scrape
// time. Flink's PrometheusReporter names a metric after its scope without
// the variables — <host>.taskmanager.<tm_id>.<job_name>.<task_name>.
// <subtask_index>.<operator_name>.<metric> becomes
// flink_taskmanager_job_task_operator_<metric> — and makes the variables
// labels; its help text is "<metric> (scope: <scope>)". Counters are
// exposed as gauges, as Flink does.
//
// What is reported, per job that has not ended (Flink closes a job's
// metric groups when it ends):
//
//   - task scope, per subtask: busyTimeMsPerSecond,
//     backPressuredTimeMsPerSecond, idleTimeMsPerSecond (over the time
//     since the previous scrape of the job, since the tasks started on the
//     first or after a restart), numRecordsIn, numRecordsOut, numBytesIn,
//     numBytesOut and their *PerSecond rates (same window),
//     currentInputWatermark, currentOutputWatermark;
//   - operator scope: the runtime measures records and watermarks per
//     task, so the head operator of each chain (the source, in a source
//     task) reports the task's numRecordsIn, numRecordsInPerSecond and
//     currentInputWatermark, and the tail operator its numRecordsOut,
//     numRecordsOutPerSecond and currentOutputWatermark (one operator
//     reports all six when the chain has one; operators inside a longer
//     chain report none: pipeline.operator-chaining.enabled = false gives
//     every operator a task, and so figures, of its own);
//     A source that knows its backlog (Kafka) reports pendingRecords;
//   - job scope: uptime, numRestarts and the checkpoint statistics.
//
// A scrape allocates its result; the tasks never wait for it.

// Label names, Flink's variables without the angle brackets.
var (
	jobLabels  = []string{"job_id", "job_name", "host"}
	taskLabels = []string{"host", "tm_id", "job_id", "job_name", "task_id", "task_name", "task_attempt_id",
		"task_attempt_num", "subtask_index"}
	operatorLabels = append(append([]string{}, taskLabels...), "operator_id", "operator_name")
)

// Flink's scopes as they appear in metric names.
const (
	scopeJob      = "jobmanager_job"
	scopeTask     = "taskmanager_job_task"
	scopeOperator = "taskmanager_job_task_operator"
)

// operatorNameMaxLength is Flink's TaskMetricGroup.METRICS_OPERATOR_NAME_MAX_LENGTH:
// longer operator names are cut in metric scopes.
const operatorNameMaxLength = 80

func newDesc(scope, metric string, labels []string) *prometheus.Desc {
	return prometheus.NewDesc("flink_"+scope+"_"+metric, metric+" (scope: "+scope+")", labels, nil)
}

// taskMetric is one task-scope metric and how to read it from a sample.
type taskMetric struct {
	desc  *prometheus.Desc
	value func(m runtime.TaskMetrics, r runtime.TaskRates) float64
}

var taskMetrics = []taskMetric{
	{newDesc(scopeTask, "busyTimeMsPerSecond", taskLabels), func(_ runtime.TaskMetrics, r runtime.TaskRates) float64 { return r.BusyTimeMsPerSecond }},
	{newDesc(scopeTask, "backPressuredTimeMsPerSecond", taskLabels), func(_ runtime.TaskMetrics, r runtime.TaskRates) float64 { return r.BackPressuredTimeMsPerSecond }},
	{newDesc(scopeTask, "idleTimeMsPerSecond", taskLabels), func(_ runtime.TaskMetrics, r runtime.TaskRates) float64 { return r.IdleTimeMsPerSecond }},
	{newDesc(scopeTask, "numRecordsIn", taskLabels), func(m runtime.TaskMetrics, _ runtime.TaskRates) float64 { return float64(m.RecordsIn) }},
	{newDesc(scopeTask, "numRecordsOut", taskLabels), func(m runtime.TaskMetrics, _ runtime.TaskRates) float64 { return float64(m.RecordsOut) }},
	{newDesc(scopeTask, "numBytesIn", taskLabels), func(m runtime.TaskMetrics, _ runtime.TaskRates) float64 { return float64(m.BytesIn) }},
	{newDesc(scopeTask, "numBytesOut", taskLabels), func(m runtime.TaskMetrics, _ runtime.TaskRates) float64 { return float64(m.BytesOut) }},
	{newDesc(scopeTask, "numRecordsInPerSecond", taskLabels), func(_ runtime.TaskMetrics, r runtime.TaskRates) float64 { return r.RecordsInPerSecond }},
	{newDesc(scopeTask, "numRecordsOutPerSecond", taskLabels), func(_ runtime.TaskMetrics, r runtime.TaskRates) float64 { return r.RecordsOutPerSecond }},
	{newDesc(scopeTask, "numBytesInPerSecond", taskLabels), func(_ runtime.TaskMetrics, r runtime.TaskRates) float64 { return r.BytesInPerSecond }},
	{newDesc(scopeTask, "numBytesOutPerSecond", taskLabels), func(_ runtime.TaskMetrics, r runtime.TaskRates) float64 { return r.BytesOutPerSecond }},
	{newDesc(scopeTask, "currentInputWatermark", taskLabels), func(m runtime.TaskMetrics, _ runtime.TaskRates) float64 { return float64(m.InputWatermark) }},
	{newDesc(scopeTask, "currentOutputWatermark", taskLabels), func(m runtime.TaskMetrics, _ runtime.TaskRates) float64 { return float64(m.OutputWatermark) }},
}

var (
	opInputWatermark   = newDesc(scopeOperator, "currentInputWatermark", operatorLabels)
	opOutputWatermark  = newDesc(scopeOperator, "currentOutputWatermark", operatorLabels)
	opRecordsIn        = newDesc(scopeOperator, "numRecordsIn", operatorLabels)
	opRecordsInPerSec  = newDesc(scopeOperator, "numRecordsInPerSecond", operatorLabels)
	opRecordsOut       = newDesc(scopeOperator, "numRecordsOut", operatorLabels)
	opRecordsOutPerSec = newDesc(scopeOperator, "numRecordsOutPerSecond", operatorLabels)
	opPendingRecords   = newDesc(scopeOperator, "pendingRecords", operatorLabels)

	jobUptime                = newDesc(scopeJob, "uptime", jobLabels)
	jobNumRestarts           = newDesc(scopeJob, "numRestarts", jobLabels)
	jobLastCheckpointDur     = newDesc(scopeJob, "lastCheckpointDuration", jobLabels)
	jobLastCheckpointSize    = newDesc(scopeJob, "lastCheckpointSize", jobLabels)
	jobCompletedCheckpoints  = newDesc(scopeJob, "numberOfCompletedCheckpoints", jobLabels)
	jobFailedCheckpoints     = newDesc(scopeJob, "numberOfFailedCheckpoints", jobLabels)
	jobInProgressCheckpoints = newDesc(scopeJob, "numberOfInProgressCheckpoints", jobLabels)
	jobTotalCheckpoints      = newDesc(scopeJob, "totalNumberOfCheckpoints", jobLabels)
	jobLastRestoreTimestamp  = newDesc(scopeJob, "lastCheckpointRestoreTimestamp", jobLabels)
)

// collector is a prometheus.Collector over a session's jobs. It is
// unchecked (Describe sends nothing): the metrics come and go with jobs.
type collector struct {
	sess   *session.Session
	mask   func(string) string
	filter bool
	host   string
	tmID   string

	rates session.RateSampler // each job's previous scrape
}

func newCollector(s *session.Session, filter bool, opts Options) *collector {
	c := &collector{sess: s, mask: opts.Mask, filter: filter, host: opts.Hostname, tmID: opts.TaskManagerID}
	if c.mask == nil {
		c.mask = func(s string) string { return s }
	}
	if c.host == "" {
		if h, err := os.Hostname(); err == nil && h != "" {
			c.host = h
		} else {
			c.host = "localhost"
		}
	}
	if c.tmID == "" {
		var b [16]byte
		crand.Read(b[:])
		c.tmID = hex.EncodeToString(b[:])
	}
	return c
}

// Describe sends nothing: an unchecked collector.
func (c *collector) Describe(chan<- *prometheus.Desc) {}

// Collect reports every job of the session that has not ended.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	live := map[string]bool{}
	for _, j := range c.sess.Jobs() {
		st := j.Status()
		if terminal(st) {
			continue
		}
		live[j.ID] = true
		c.collectJob(ch, j, st)
	}
	c.rates.Forget(func(id string) bool { return live[id] })
}

// collectJob reports one job's job, task and operator metrics.
func (c *collector) collectJob(ch chan<- prometheus.Metric, j *session.Job, st runtime.JobStatus) {
	jobName := c.label(j.Name, 0)
	host := c.label(c.host, 0)
	restarts := j.Restarts()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}

	// Job scope.
	uptime := 0.0
	switch {
	case st == runtime.JobRunning:
		uptime = float64(max(time.Since(j.StartTime).Milliseconds(), 0))
	case terminal(st):
		uptime = -1 // Flink's UpTimeGauge.NO_LONGER_RUNNING
	}
	h := j.History()
	lastDur, lastSize, restoreAt := -1.0, -1.0, -1.0
	if h.LatestCompleted != nil {
		lastDur, lastSize = float64(h.LatestCompleted.Duration.Milliseconds()), float64(h.LatestCompleted.Size)
	}
	if h.LatestRestore != nil {
		restoreAt = float64(h.LatestRestore.At.UnixMilli())
	}
	jl := []string{j.ID, jobName, host}
	gauge(jobUptime, uptime, jl...)
	gauge(jobNumRestarts, float64(restarts), jl...)
	gauge(jobLastCheckpointDur, lastDur, jl...)
	gauge(jobLastCheckpointSize, lastSize, jl...)
	gauge(jobCompletedCheckpoints, float64(h.Completed), jl...)
	gauge(jobFailedCheckpoints, float64(h.Failed), jl...)
	gauge(jobInProgressCheckpoints, float64(h.InProgress), jl...)
	gauge(jobTotalCheckpoints, float64(h.Completed+h.Failed+int64(h.InProgress)), jl...)
	gauge(jobLastRestoreTimestamp, restoreAt, jl...)

	// Task and operator scopes.
	tasks, rates := c.rates.Rates(j)
	g := j.Graph()
	type vertexLabels struct {
		taskID, taskName                   string
		headID, headName, tailID, tailName string
	}
	verts := make([]vertexLabels, len(g.Vertices))
	for i, v := range g.Vertices {
		var ids, names []string
		if v.Source != nil {
			ids, names = append(ids, v.Source.ID), append(names, v.Source.Name)
		}
		for _, op := range v.Chain {
			ids, names = append(ids, op.ID), append(names, op.Name)
		}
		vl := vertexLabels{taskName: c.label(v.Name, 0)}
		if len(ids) > 0 {
			vl.taskID = ids[0] // Flink's JobVertexID: the head operator's id
			vl.headID, vl.headName = ids[0], c.label(names[0], operatorNameMaxLength)
			vl.tailID, vl.tailName = ids[len(ids)-1], c.label(names[len(names)-1], operatorNameMaxLength)
		}
		verts[i] = vl
	}
	attempt := strconv.Itoa(restarts)
	graphID := executionGraphID(j.ID, restarts)
	for i, m := range tasks {
		if m.Vertex < 0 || m.Vertex >= len(verts) {
			continue
		}
		vl := verts[m.Vertex]
		subtask := strconv.Itoa(m.Subtask)
		// Flink's ExecutionAttemptID: <graph>_<vertex>_<subtask>_<attempt>.
		attemptID := graphID + "_" + vl.taskID + "_" + subtask + "_" + attempt
		tl := []string{host, c.tmID, j.ID, jobName, vl.taskID, vl.taskName, attemptID, attempt, subtask}
		for _, tm := range taskMetrics {
			gauge(tm.desc, tm.value(m, rates[i]), tl...)
		}
		if vl.headID == "" {
			continue // a vertex without operators has no operator scope
		}
		head := append(tl[:len(tl):len(tl)], vl.headID, vl.headName)
		gauge(opInputWatermark, float64(m.InputWatermark), head...)
		gauge(opRecordsIn, float64(m.RecordsIn), head...)
		gauge(opRecordsInPerSec, rates[i].RecordsInPerSecond, head...)
		if m.PendingRecords >= 0 {
			gauge(opPendingRecords, float64(m.PendingRecords), head...) // a source that knows its backlog
		}
		tail := append(tl[:len(tl):len(tl)], vl.tailID, vl.tailName)
		gauge(opOutputWatermark, float64(m.OutputWatermark), tail...)
		gauge(opRecordsOut, float64(m.RecordsOut), tail...)
		gauge(opRecordsOutPerSec, rates[i].RecordsOutPerSecond, tail...)
	}
}

// label makes a label value: masked, cut to maxLen characters (0: no
// limit), then with metrics.reporter.prom.filterLabelValueCharacters
// every character outside [a-zA-Z0-9:_] replaced by '_', as Flink's
// reporter does; otherwise only made valid UTF-8 (the exposition format
// escapes the rest).
func (c *collector) label(s string, maxLen int) string {
	s = c.mask(s)
	if maxLen > 0 && utf8.RuneCountInString(s) > maxLen {
		s = string([]rune(s)[:maxLen])
	}
	if !c.filter {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return FilterCharacters(s)
}

// FilterCharacters is Flink's AbstractPrometheusReporter.replaceInvalidChars:
// every character not in [a-zA-Z0-9:_] becomes '_'.
func FilterCharacters(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == ':' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// executionGraphID is a stable 32-hex id for attempt restarts of job id,
// the first part of Flink's ExecutionAttemptID.
func executionGraphID(jobID string, restarts int) string {
	sum := sha256.Sum256([]byte(jobID + "/" + strconv.Itoa(restarts)))
	return hex.EncodeToString(sum[:16])
}

// terminal reports globally terminal job states.
func terminal(st runtime.JobStatus) bool {
	return st == runtime.JobFinished || st == runtime.JobCanceled || st == runtime.JobFailed
}
