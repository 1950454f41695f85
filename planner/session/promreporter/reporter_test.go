package promreporter_test

import (
	"io"
	"math"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/planner/session/promreporter"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/sql"
)

// job is an unbounded datagen → blackhole job at parallelism 2 that
// checkpoints every 100 ms; its name needs Flink's label filtering.
const job = `
SET 'parallelism.default' = '2';
SET 'pipeline.operator-chaining.enabled' = 'false';
SET 'execution.checkpointing.interval' = '100ms';
SET 'execution.checkpointing.dir' = '<dir>/chk';
SET 'pipeline.name' = 'prom-test job.1';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000');
CREATE TABLE sink (id BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT id FROM src;
`

func startJob(t *testing.T, s *session.Session, script string) *session.Job {
	t.Helper()
	stmts, err := sql.ParseScript(strings.ReplaceAll(script, "<dir>", t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, st := range stmts {
		r, err := s.Execute(st)
		if err != nil {
			t.Fatalf("%s: %v", st.SQL(), err)
		}
		if r.JobID != "" {
			id = r.JobID
		}
	}
	j, ok := s.Job(id)
	if !ok {
		t.Fatalf("no job %q", id)
	}
	return j
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// scrape GETs the endpoint and parses Prometheus' text format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("Content-Type %q", ct)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, body)
	}
	return fams
}

func labelsOf(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// series returns a family's samples of job id, each as labels and value.
func series(t *testing.T, fams map[string]*dto.MetricFamily, name, jobID string) []sampleOf {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	if f.GetType() != dto.MetricType_GAUGE {
		t.Fatalf("%s is a %v, want a gauge", name, f.GetType())
	}
	var out []sampleOf
	for _, m := range f.GetMetric() {
		l := labelsOf(m)
		if l["job_id"] == jobID {
			out = append(out, sampleOf{l, m.GetGauge().GetValue()})
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s for job %s", name, jobID)
	}
	return out
}

// vertexID is the task_id of a vertex: its head operator's id.
func vertexID(v *runtime.Vertex) string {
	if v.Source != nil {
		return v.Source.ID
	}
	return v.Chain[0].ID
}

type sampleOf struct {
	labels map[string]string
	value  float64
}

var (
	taskLabels = []string{"host", "tm_id", "job_id", "job_name", "task_id", "task_name", "task_attempt_id",
		"task_attempt_num", "subtask_index"}
	operatorLabels = append(append([]string{}, taskLabels...), "operator_id", "operator_name")
	jobLabels      = []string{"job_id", "job_name", "host"}
)

func hasExactly(t *testing.T, name string, l map[string]string, want []string) {
	t.Helper()
	if len(l) != len(want) {
		t.Errorf("%s: labels %v, want exactly %v", name, l, want)
	}
	for _, k := range want {
		if _, ok := l[k]; !ok {
			t.Errorf("%s: no label %s in %v", name, k, l)
		}
	}
}

func TestScrapeRunningJob(t *testing.T) {
	s := session.New(session.Options{})
	defer s.Close()
	r := promreporter.New(s, promreporter.Config{Enabled: true, Host: "127.0.0.1", Ports: []int{0}, FilterLabelValues: true},
		promreporter.Options{Hostname: "worker-1.example"})
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !strings.HasPrefix(r.URL(), "http://127.0.0.1:") || !strings.HasSuffix(r.URL(), "/metrics") {
		t.Fatalf("URL %s", r.URL())
	}

	j := startJob(t, s, job)
	defer j.Cancel()
	waitFor(t, "a completed checkpoint", func() bool { return j.History().Completed >= 1 })

	first := scrape(t, r.URL())
	time.Sleep(300 * time.Millisecond)
	second := scrape(t, r.URL())

	g := j.Graph()
	if len(g.Vertices) != 2 {
		t.Fatalf("expected source and sink vertices (chaining off), got %d", len(g.Vertices))
	}
	wantJobName := "prom_test_job_1"
	taskNames := map[string]bool{}
	for _, v := range g.Vertices {
		taskNames[promreporter.FilterCharacters(v.Name)] = true
	}

	// Task scope: every metric, per subtask of each vertex, with Flink's labels.
	for _, name := range []string{"busyTimeMsPerSecond", "backPressuredTimeMsPerSecond", "idleTimeMsPerSecond",
		"numRecordsIn", "numRecordsOut", "numBytesIn", "numBytesOut", "numRecordsInPerSecond", "numRecordsOutPerSecond",
		"numBytesInPerSecond", "numBytesOutPerSecond", "currentInputWatermark", "currentOutputWatermark"} {
		full := "flink_taskmanager_job_task_" + name
		ss := series(t, second, full, j.ID)
		if len(ss) != 4 {
			t.Errorf("%s: %d series, want 4 (2 vertices × parallelism 2)", full, len(ss))
		}
		seen := map[string]bool{}
		for _, x := range ss {
			hasExactly(t, full, x.labels, taskLabels)
			if x.labels["job_name"] != wantJobName {
				t.Errorf("%s: job_name %q, want %q", full, x.labels["job_name"], wantJobName)
			}
			if !taskNames[x.labels["task_name"]] {
				t.Errorf("%s: task_name %q not among %v", full, x.labels["task_name"], taskNames)
			}
			if x.labels["host"] != "worker_1_example" || len(x.labels["tm_id"]) != 32 || x.labels["task_attempt_num"] != "0" {
				t.Errorf("%s: labels %v", full, x.labels)
			}
			if !strings.HasSuffix(x.labels["task_attempt_id"], "_"+x.labels["task_id"]+"_"+x.labels["subtask_index"]+"_0") {
				t.Errorf("%s: task_attempt_id %q", full, x.labels["task_attempt_id"])
			}
			seen[x.labels["task_id"]+"/"+x.labels["subtask_index"]] = true
		}
		for _, v := range g.Vertices {
			id := vertexID(v)
			for _, st := range []string{"0", "1"} {
				if !seen[id+"/"+st] {
					t.Errorf("%s: no series for task %s subtask %s (have %v)", full, id, st, seen)
				}
			}
		}
	}

	// Counters grow between scrapes: the source subtasks' records out.
	sum := func(fams map[string]*dto.MetricFamily, name, taskID string) float64 {
		total := 0.0
		for _, x := range series(t, fams, name, j.ID) {
			if x.labels["task_id"] == taskID {
				total += x.value
			}
		}
		return total
	}
	src, sink := vertexID(g.Vertices[0]), vertexID(g.Vertices[1])
	out1, out2 := sum(first, "flink_taskmanager_job_task_numRecordsOut", src), sum(second, "flink_taskmanager_job_task_numRecordsOut", src)
	if !(out1 > 0 && out2 > out1) {
		t.Errorf("source numRecordsOut %v then %v: want > 0 and growing", out1, out2)
	}
	in1, in2 := sum(first, "flink_taskmanager_job_task_numRecordsIn", sink), sum(second, "flink_taskmanager_job_task_numRecordsIn", sink)
	if !(in1 > 0 && in2 > in1) {
		t.Errorf("sink numRecordsIn %v then %v: want > 0 and growing", in1, in2)
	}
	if b := sum(second, "flink_taskmanager_job_task_numBytesIn", sink); b <= 0 {
		t.Errorf("sink numBytesIn %v", b)
	}
	if r := sum(second, "flink_taskmanager_job_task_numRecordsOutPerSecond", src); r <= 0 {
		t.Errorf("source numRecordsOutPerSecond %v, want > 0", r)
	}
	if r := sum(second, "flink_taskmanager_job_task_numBytesInPerSecond", sink); r <= 0 {
		t.Errorf("sink numBytesInPerSecond %v, want > 0", r)
	}

	// Operator scope with chaining off: each vertex is one operator, which
	// reports its task's records in and out.
	opSum := func(name, opID string) float64 {
		total := 0.0
		for _, x := range series(t, second, "flink_taskmanager_job_task_operator_"+name, j.ID) {
			hasExactly(t, name, x.labels, operatorLabels)
			if x.labels["operator_id"] == opID {
				total += x.value
			}
		}
		return total
	}
	if in, want := opSum("numRecordsIn", sink), sum(second, "flink_taskmanager_job_task_numRecordsIn", sink); in != want || in <= 0 {
		t.Errorf("sink operator numRecordsIn %v, want the task's %v (> 0)", in, want)
	}
	if out, want := opSum("numRecordsOut", src), sum(second, "flink_taskmanager_job_task_numRecordsOut", src); out != want || out <= 0 {
		t.Errorf("source operator numRecordsOut %v, want the task's %v (> 0)", out, want)
	}
	if r := opSum("numRecordsOutPerSecond", src); r <= 0 {
		t.Errorf("source operator numRecordsOutPerSecond %v, want > 0", r)
	}
	if r := opSum("numRecordsInPerSecond", sink); r <= 0 {
		t.Errorf("sink operator numRecordsInPerSecond %v, want > 0", r)
	}

	// The time rates are shares of each running subtask's second.
	byKey := func(name string) map[string]float64 {
		out := map[string]float64{}
		for _, x := range series(t, second, name, j.ID) {
			out[x.labels["task_id"]+"/"+x.labels["subtask_index"]] = x.value
		}
		return out
	}
	busy, bp, idle := byKey("flink_taskmanager_job_task_busyTimeMsPerSecond"),
		byKey("flink_taskmanager_job_task_backPressuredTimeMsPerSecond"), byKey("flink_taskmanager_job_task_idleTimeMsPerSecond")
	for k, b := range busy {
		total := b + bp[k] + idle[k]
		if math.Abs(total-1000) > 1 {
			t.Errorf("task %s: busy %v + backpressured %v + idle %v = %v, want 1000", k, b, bp[k], idle[k], total)
		}
	}

	// Operator scope: the head's input and the tail's output watermark.
	for _, name := range []string{"flink_taskmanager_job_task_operator_currentInputWatermark",
		"flink_taskmanager_job_task_operator_currentOutputWatermark"} {
		ss := series(t, second, name, j.ID)
		if len(ss) != 4 {
			t.Errorf("%s: %d series, want 4", name, len(ss))
		}
		for _, x := range ss {
			hasExactly(t, name, x.labels, operatorLabels)
			if x.labels["operator_id"] == "" || x.labels["operator_name"] == "" {
				t.Errorf("%s: labels %v", name, x.labels)
			}
		}
	}

	// Job scope.
	jobValue := func(name string) float64 {
		ss := series(t, second, "flink_jobmanager_job_"+name, j.ID)
		if len(ss) != 1 {
			t.Fatalf("%s: %d series", name, len(ss))
		}
		hasExactly(t, name, ss[0].labels, jobLabels)
		if ss[0].labels["job_name"] != wantJobName {
			t.Errorf("%s: job_name %q", name, ss[0].labels["job_name"])
		}
		return ss[0].value
	}
	if v := jobValue("numberOfCompletedCheckpoints"); v < 1 {
		t.Errorf("numberOfCompletedCheckpoints %v, want ≥ 1", v)
	}
	if v := jobValue("lastCheckpointDuration"); v < 0 {
		t.Errorf("lastCheckpointDuration %v", v)
	}
	if v := jobValue("lastCheckpointSize"); v < 0 {
		t.Errorf("lastCheckpointSize %v", v)
	}
	if v := jobValue("numberOfFailedCheckpoints"); v != 0 {
		t.Errorf("numberOfFailedCheckpoints %v", v)
	}
	if v := jobValue("numberOfInProgressCheckpoints"); v < 0 || v > 1 {
		t.Errorf("numberOfInProgressCheckpoints %v", v)
	}
	if v := jobValue("lastCheckpointRestoreTimestamp"); v != -1 {
		t.Errorf("lastCheckpointRestoreTimestamp %v, want -1 (never restored)", v)
	}
	if v := jobValue("numRestarts"); v != 0 {
		t.Errorf("numRestarts %v", v)
	}
	if v := jobValue("uptime"); v <= 0 {
		t.Errorf("uptime %v", v)
	}

	// client_golang's Go and process collectors.
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_cpu_seconds_total", "process_resident_memory_bytes"} {
		if _, ok := second[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
	if h := second["flink_taskmanager_job_task_numRecordsIn"].GetHelp(); h != "numRecordsIn (scope: taskmanager_job_task)" {
		t.Errorf("help %q", h)
	}

	// An ended job is no longer reported (Flink closes its metric groups).
	j.Cancel()
	<-j.Done()
	for name, f := range scrape(t, r.URL()) {
		for _, m := range f.GetMetric() {
			if labelsOf(m)["job_id"] == j.ID {
				t.Fatalf("%s still reports the canceled job", name)
			}
		}
	}
}

// TestOperatorScopeInChain: in a chain the head operator reports the task's
// records in (and input watermark), the tail its records out (and output
// watermark), and the operators in between report nothing rather than the
// task's figures.
func TestOperatorScopeInChain(t *testing.T) {
	s := session.New(session.Options{})
	defer s.Close()
	r := promreporter.New(s, promreporter.Config{Enabled: true, Host: "127.0.0.1", Ports: []int{0}, FilterLabelValues: true},
		promreporter.Options{})
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	j := startJob(t, s, `
SET 'parallelism.default' = '1';
SET 'pipeline.name' = 'chained';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000');
CREATE TABLE sink (id BIGINT, d BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT id, id * 2 FROM src WHERE id % 2 = 0;
`)
	defer j.Cancel()
	g := j.Graph()
	if len(g.Vertices) != 1 {
		t.Fatalf("expected one chained vertex, got %d", len(g.Vertices))
	}
	v := g.Vertices[0]
	var ids []string
	if v.Source != nil {
		ids = append(ids, v.Source.ID)
	}
	for _, op := range v.Chain {
		ids = append(ids, op.ID)
	}
	if len(ids) < 3 {
		t.Fatalf("expected source, calc and sink in one chain, got %v", ids)
	}
	head, tail := ids[0], ids[len(ids)-1]
	waitFor(t, "records read", func() bool {
		for _, m := range j.TaskMetrics() {
			if m.RecordsIn > 0 {
				return true
			}
		}
		return false
	})
	fams := scrape(t, r.URL())
	taskIn := series(t, fams, "flink_taskmanager_job_task_numRecordsIn", j.ID)
	taskOut := series(t, fams, "flink_taskmanager_job_task_numRecordsOut", j.ID)
	for _, c := range []struct {
		metric string
		op     string
		task   []sampleOf
	}{
		{"numRecordsIn", head, taskIn}, {"numRecordsInPerSecond", head, nil}, {"currentInputWatermark", head, nil},
		{"numRecordsOut", tail, taskOut}, {"numRecordsOutPerSecond", tail, nil}, {"currentOutputWatermark", tail, nil},
	} {
		ss := series(t, fams, "flink_taskmanager_job_task_operator_"+c.metric, j.ID)
		if len(ss) != 1 {
			t.Errorf("%s: %d series, want 1 (one subtask, one operator)", c.metric, len(ss))
			continue
		}
		if got := ss[0].labels["operator_id"]; got != c.op {
			t.Errorf("%s reported by operator %s, want %s (chain %v)", c.metric, got, c.op, ids)
		}
		if ss[0].labels["operator_name"] == "" {
			t.Errorf("%s: no operator_name in %v", c.metric, ss[0].labels)
		}
		// The operator's figure is the task's: taken in the same scrape.
		if c.task != nil && ss[0].value != c.task[0].value {
			t.Errorf("%s: operator %v, task %v", c.metric, ss[0].value, c.task[0].value)
		}
	}
	if v := series(t, fams, "flink_taskmanager_job_task_operator_numRecordsIn", j.ID)[0].value; v <= 0 {
		t.Errorf("source operator numRecordsIn %v, want > 0", v)
	}
}

// TestPortRange binds the first free port of the configured ones, and
// fails with Flink's message when none is free.
func TestPortRange(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().(*net.TCPAddr).Port
	s := session.New(session.Options{})
	defer s.Close()

	r := promreporter.New(s, promreporter.Config{Host: "127.0.0.1", Ports: []int{taken, 0}}, promreporter.Options{})
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Port() == taken || r.Port() == 0 {
		t.Fatalf("bound %d (taken: %d)", r.Port(), taken)
	}
	fams := scrape(t, r.URL())
	if _, ok := fams["go_goroutines"]; !ok {
		t.Fatal("no go_goroutines")
	}
	// Every path serves the metrics, as Flink's reporter does.
	if _, ok := scrape(t, strings.TrimSuffix(r.URL(), "/metrics")+"/")["go_goroutines"]; !ok {
		t.Fatal("no go_goroutines at /")
	}

	r2 := promreporter.New(s, promreporter.Config{Host: "127.0.0.1", Ports: []int{taken}}, promreporter.Options{})
	if err := r2.Start(); err == nil || !strings.Contains(err.Error(), "Could not start PrometheusReporter HTTP server on any configured port") {
		t.Fatalf("error %v", err)
	}
}
