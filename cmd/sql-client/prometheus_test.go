package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPrometheusScrapesRunningJob points a real Prometheus server (the
// `prometheus` binary, Debian's package; .ci/services installs it) at the
// reporter of a sql-client running a checkpointed streaming job, as a user
// following Flink's docs would, and asks Prometheus's HTTP API with PromQL
// for what a Flink dashboard shows: records in per operator and subtask,
// their rate, the last checkpoint's duration and the tasks' back pressure,
// under Flink's metric names and labels, plus the Go runtime's heap and GC.
//
// Both where the job runs in the client (embedded) and on a session
// cluster, the client gone (the reporter is the jobmanager's).
func TestPrometheusScrapesRunningJob(t *testing.T) {
	promBin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prometheus is not installed (bash .ci/services installs it)")
		}
		t.Skip("prometheus is not installed (bash .ci/services installs it)")
	}
	for _, where := range []string{"embedded", "cluster"} {
		t.Run(where, func(t *testing.T) { prometheusScrapes(t, promBin, where) })
	}
}

func prometheusScrapes(t *testing.T, promBin, where string) {
	dir := t.TempDir()
	script := filepath.Join(dir, "job.sql")
	// The job's name needs Flink's label filtering ('prom e2e-job' becomes
	// prom_e2e_job); GROUP BY puts a hash exchange between the source and
	// the aggregation, so there are two tasks, each at parallelism 2.
	if err := os.WriteFile(script, []byte(`
SET 'pipeline.name' = 'prom e2e-job';
SET 'parallelism.default' = '2';
SET 'execution.checkpointing.interval' = '200ms';
SET 'execution.checkpointing.dir' = 'file://`+filepath.Join(dir, "chk")+`';
CREATE TABLE src (id BIGINT, k INT) WITH ('connector' = 'datagen', 'rows-per-second' = '400',
  'fields.k.min' = '0', 'fields.k.max' = '99');
CREATE TABLE sink (k INT, c BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT k, COUNT(*) FROM src GROUP BY k;
`), 0o600); err != nil {
		t.Fatal(err)
	}
	reporter := []string{"metrics.reporter.prom.factory.class=org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
		"metrics.reporter.prom.port=" + strconv.Itoa(freeLoopbackPort(t))}
	metricsAt := regexp.MustCompile(`\[INFO\] Prometheus metrics at (http://\S+)`)
	jobIDAt := regexp.MustCompile(`Job ID: ([0-9a-f]{32})`)
	var metricsURL, jobID string
	if where == "embedded" {
		client := startBackgroundClient(t, "-D", reporter[0], "-D", reporter[1], "-f", script)
		metricsURL = client.waitFor(t, metricsAt, 30*time.Second)[1]
		jobID = client.waitFor(t, jobIDAt, 30*time.Second)[1]
	} else {
		c := startCluster(t, dir, reporter...)
		m := metricsAt.FindStringSubmatch(c.out.String())
		out, code := runClient(t, dir, append(c.remoteArgs(), "-f", script)...)
		id := jobIDAt.FindStringSubmatch(out)
		if m == nil || code != 0 || id == nil {
			t.Fatalf("cluster with a reporter: exit %d\n%s\n--- jobmanager ---\n%s", code, out, c.out.String())
		}
		metricsURL, jobID = m[1], id[1]
	}
	target := strings.TrimSuffix(strings.TrimPrefix(metricsURL, "http://"), "/metrics")

	prom := startPromServer(t, promBin, target)
	const jobName = "prom_e2e_job"
	sel := `{job_name="` + jobName + `"}`

	// Every condition is retried until it holds or the deadline passes:
	// Prometheus scrapes every second, and a rate needs two scrapes.
	deadline := time.Now().Add(90 * time.Second)
	check := func(what, query string, ok func([]promSample) error) []promSample {
		t.Helper()
		var last error
		for {
			res, err := prom.query(query)
			if err == nil {
				err = ok(res)
				if err == nil {
					return res
				}
			}
			last = err
			if time.Now().After(deadline) {
				t.Errorf("%s: %s: %v", what, query, last)
				t.Logf("Prometheus targets: %s", prom.get("/api/v1/targets"))
				t.FailNow()
			}
			time.Sleep(500 * time.Millisecond)
		}
	}

	check("the reporter is up as a target", `up{job="flink"}`, func(res []promSample) error {
		if len(res) != 1 || res[0].value != 1 {
			return fmt.Errorf("want one target with up 1, got %v", res)
		}
		return nil
	})

	// Records in per operator: the source reports what it read, the
	// aggregation what it received, each subtask with Flink's labels.
	taskLabels := []string{"host", "tm_id", "job_id", "job_name", "task_id", "task_name", "task_attempt_id", "task_attempt_num", "subtask_index"}
	operatorLabels := append(append([]string{}, taskLabels...), "operator_id", "operator_name")
	wantOperators := func(res []promSample, labels []string, byLabel string, prefixes ...string) error {
		seen := map[string]bool{}
		for _, s := range res {
			for _, l := range labels {
				if s.labels[l] == "" {
					return fmt.Errorf("no label %s in %v", l, s.labels)
				}
			}
			if s.labels["job_id"] != jobID {
				return fmt.Errorf("job_id %q, want %s", s.labels["job_id"], jobID)
			}
			for _, p := range prefixes {
				if strings.HasPrefix(s.labels[byLabel], p) {
					seen[p+"/"+s.labels["subtask_index"]] = true
				}
			}
		}
		for _, p := range prefixes {
			for _, sub := range []string{"0", "1"} {
				if !seen[p+"/"+sub] {
					return fmt.Errorf("no series with %s %s… and subtask_index %s in %v", byLabel, p, sub, res)
				}
			}
		}
		return nil
	}
	in := check("operator records in", `flink_taskmanager_job_task_operator_numRecordsIn`+sel, func(res []promSample) error {
		if err := wantOperators(res, operatorLabels, "operator_name", "Source:_src", "GroupAggregate"); err != nil {
			return err
		}
		total := 0.0
		for _, s := range res {
			total += s.value
		}
		if total <= 0 {
			return fmt.Errorf("no records in yet: %v", res)
		}
		return nil
	})
	for _, s := range in {
		// Flink's operator scope: the head operator of a task is the task's
		// JobVertexID, and its name is within the task's.
		if strings.HasPrefix(s.labels["operator_name"], "GroupAggregate") &&
			(s.labels["operator_id"] != s.labels["task_id"] || !strings.HasPrefix(s.labels["task_name"], "GroupAggregate")) {
			t.Errorf("aggregation operator labels %v", s.labels)
		}
	}
	check("task records in", `flink_taskmanager_job_task_numRecordsIn`+sel, func(res []promSample) error {
		return wantOperators(res, taskLabels, "task_name", "Source:_src", "GroupAggregate")
	})
	rate := check("rate of records into the aggregation", `sum(rate(flink_taskmanager_job_task_operator_numRecordsIn{job_name="`+jobName+
		`",operator_name=~"GroupAggregate.*"}[10s]))`, func(res []promSample) error {
		if len(res) != 1 || !(res[0].value > 0) {
			return fmt.Errorf("want a positive rate, got %v", res)
		}
		return nil
	})

	t.Logf("records into the aggregation: %.0f/s", rate[0].value)

	// Checkpoints: the job scope, labelled with the job.
	dur := check("last checkpoint duration", `flink_jobmanager_job_lastCheckpointDuration`+sel, func(res []promSample) error {
		if len(res) != 1 {
			return fmt.Errorf("want one series, got %v", res)
		}
		if res[0].labels["job_id"] != jobID || res[0].labels["host"] == "" {
			return fmt.Errorf("labels %v", res[0].labels)
		}
		if res[0].value < 0 {
			return fmt.Errorf("no completed checkpoint yet (%v)", res[0].value)
		}
		return nil
	})
	t.Logf("last checkpoint duration: %v ms", dur[0].value)
	check("completed checkpoints", `flink_jobmanager_job_numberOfCompletedCheckpoints`+sel, func(res []promSample) error {
		if len(res) != 1 || res[0].value < 1 {
			return fmt.Errorf("want ≥ 1 completed checkpoint, got %v", res)
		}
		return nil
	})

	// Back pressure per task and subtask: a share of each second.
	check("back pressure", `flink_taskmanager_job_task_backPressuredTimeMsPerSecond`+sel, func(res []promSample) error {
		if err := wantOperators(res, taskLabels, "task_name", "Source:_src", "GroupAggregate"); err != nil {
			return err
		}
		for _, s := range res {
			if s.value < 0 || s.value > 1000 {
				return fmt.Errorf("backPressuredTimeMsPerSecond %v outside [0, 1000]: %v", s.value, s.labels)
			}
		}
		return nil
	})

	// The Go runtime of the process, next to the job's metrics.
	for _, q := range []string{`go_memstats_heap_alloc_bytes{job="flink"}`, `go_gc_duration_seconds_count{job="flink"}`, `go_goroutines{job="flink"}`} {
		check("Go runtime", q, func(res []promSample) error {
			if len(res) != 1 || res[0].value <= 0 {
				return fmt.Errorf("want one positive sample, got %v", res)
			}
			return nil
		})
	}
}

// promSample is one element of an instant vector from /api/v1/query.
type promSample struct {
	labels map[string]string
	value  float64
}

func (s promSample) String() string { return fmt.Sprintf("%v=%v", s.labels, s.value) }

// promServer is a Prometheus server started by a test.
type promServer struct {
	url string
}

// startPromServer starts prometheus scraping target (host:port) every
// second, with its own configuration and storage in a temporary directory
// and its web API on a free loopback port; it is killed when the test ends,
// and its log is shown if the test failed.
func startPromServer(t *testing.T, bin, target string) *promServer {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(conf, []byte(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: flink
    static_configs:
      - targets: ['`+target+`']
`), 0o600); err != nil {
		t.Fatal(err)
	}
	// Another process may take the free port before Prometheus binds it:
	// try a few.
	for attempt := 1; ; attempt++ {
		if p := tryPrometheus(t, bin, conf, dir, attempt, attempt < 3); p != nil {
			return p
		}
	}
}

// tryPrometheus starts one prometheus process and waits until it is ready;
// it returns nil if the process could not bind its port and retry is set.
func tryPrometheus(t *testing.T, bin, conf, dir string, attempt int, retry bool) *promServer {
	t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(freeLoopbackPort(t))
	logPath := filepath.Join(dir, fmt.Sprintf("prometheus-%d.log", attempt))
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config.file="+conf, "--storage.tsdb.path="+filepath.Join(dir, fmt.Sprintf("data-%d", attempt)),
		"--web.listen-address="+addr)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("starting prometheus: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		logFile.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("prometheus log (%s):\n%s", addr, b)
		}
	})
	p := &promServer{url: "http://" + addr}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(p.url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-exited:
			b, _ := os.ReadFile(logPath)
			if retry && strings.Contains(string(b), "address already in use") {
				t.Logf("prometheus could not bind %s, retrying", addr)
				return nil
			}
			t.Fatalf("prometheus exited:\n%s", b)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready at %s after 60 s", p.url)
		}
	}
}

// get returns the body of a GET of path (for logs).
func (p *promServer) get(path string) string {
	resp, err := http.Get(p.url + path)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return string(b)
}

// query evaluates an instant PromQL query and returns its vector.
func (p *promServer) query(q string) ([]promSample, error) {
	resp, err := http.Get(p.url + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
		Data      struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"` // [unix seconds, "value"]
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("HTTP %d: %v", resp.StatusCode, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("HTTP %d: %s: %s", resp.StatusCode, body.ErrorType, body.Error)
	}
	if body.Data.ResultType != "vector" {
		return nil, fmt.Errorf("result type %q, want vector", body.Data.ResultType)
	}
	out := make([]promSample, 0, len(body.Data.Result))
	for _, r := range body.Data.Result {
		s, ok := r.Value[1].(string)
		if !ok {
			return nil, fmt.Errorf("value %v is not a string", r.Value)
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, err
		}
		out = append(out, promSample{labels: r.Metric, value: v})
	}
	return out, nil
}

// backgroundClient is a sql-client process started by a test that keeps
// running (an unbounded job) until the test ends.
type backgroundClient struct {
	cmd    *exec.Cmd
	out    *syncBuffer   // stdout and stderr
	exited chan struct{} // closed when the process exited
}

// startBackgroundClient starts the binary with args in a directory of its
// own; see startClientIn.
func startBackgroundClient(t *testing.T, args ...string) *backgroundClient {
	t.Helper()
	return startClientIn(t, t.TempDir(), nil, args...)
}

// startClientIn starts the binary with args in dir, reading stdin (nil for
// none); when the test ends it is sent SIGTERM (which cancels its jobs),
// killed if it has not exited 30 s later, and its output is shown if the
// test failed.
func startClientIn(t *testing.T, dir string, stdin io.Reader, args ...string) *backgroundClient {
	t.Helper()
	c := &backgroundClient{cmd: exec.Command(binary, args...), out: &syncBuffer{}, exited: make(chan struct{})}
	c.cmd.Dir = dir
	c.cmd.Stdin = stdin
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.exited:
		case <-time.After(30 * time.Second):
			t.Errorf("sql-client did not exit 30 s after SIGTERM; killing it")
			c.cmd.Process.Kill()
			<-c.exited
		}
		if t.Failed() {
			t.Logf("sql-client output:\n%s", c.out.String())
		}
	})
	return c
}

// waitFor waits until re matches the client's output and returns the
// match; it fails the test after d or if the client exits first.
func (c *backgroundClient) waitFor(t *testing.T, re *regexp.Regexp, d time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		if m := re.FindStringSubmatch(c.out.String()); m != nil {
			return m
		}
		select {
		case <-c.exited:
			if m := re.FindStringSubmatch(c.out.String()); m != nil {
				return m
			}
			t.Fatalf("the client exited without %q in its output", re)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the client's output after %v", re, d)
		}
	}
}

// freeLoopbackPort returns a port that was free on 127.0.0.1 a moment ago.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
