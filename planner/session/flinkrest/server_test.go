package flinkrest_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/planner/session/flinkrest"
	"github.com/flinkgo/engine/sql"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files under testdata/")

// secrets appear in the session's configuration of the golden job and must
// never appear in any response.
var secrets = []string{"hunter2", "s3cr3tpw"}

// fixture is a session with a server on a free loopback port.
type fixture struct {
	t    *testing.T
	sess *session.Session
	srv  *flinkrest.Server
	url  string
	dir  string // the test's temporary directory
}

func newFixture(t *testing.T, cfg flinkrest.Config) *fixture {
	t.Helper()
	return newFixtureWith(t, cfg, session.Options{})
}

// newFixtureWith is newFixture over a session built with opts.
func newFixtureWith(t *testing.T, cfg flinkrest.Config, opts session.Options) *fixture {
	t.Helper()
	f := &fixture{t: t, sess: session.New(opts), dir: t.TempDir()}
	cfg.BindAddress, cfg.Port = "127.0.0.1", 0
	f.srv = flinkrest.New(f.sess, cfg, nil)
	if err := f.srv.Start(); err != nil {
		t.Fatal(err)
	}
	f.url = f.srv.URL()
	t.Cleanup(func() {
		f.srv.Close()
		f.sess.Close()
	})
	return f
}

func defaultConfig() flinkrest.Config {
	return flinkrest.Config{CancelEnabled: true, RefreshInterval: 3 * time.Second, Slots: 4}
}

// exec runs a script (with <dir> replaced by the test's directory) and
// returns the id of the last job it started.
func (f *fixture) exec(script string) string {
	f.t.Helper()
	stmts, err := sql.ParseScript(strings.ReplaceAll(script, "<dir>", f.dir))
	if err != nil {
		f.t.Fatal(err)
	}
	var id string
	for _, st := range stmts {
		r, err := f.sess.Execute(st)
		if err != nil {
			f.t.Fatalf("%s: %v", st.SQL(), err)
		}
		if r.JobID != "" {
			id = r.JobID
		}
	}
	return id
}

// call sends a request and returns the status and body.
func (f *fixture) call(method, path, body string) (int, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.url+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp.StatusCode, b
}

// get decodes the body of a GET that must answer want.
func (f *fixture) get(path string, want int, v any) {
	f.t.Helper()
	code, b := f.call("GET", path, "")
	if code != want {
		f.t.Fatalf("GET %s: %d %s, want %d", path, code, b, want)
	}
	if err := json.Unmarshal(b, v); err != nil {
		f.t.Fatalf("GET %s: %v in %s", path, err, b)
	}
}

// waitFor polls cond every 20 ms for up to 20 s.
func (f *fixture) waitFor(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *fixture) job(id string) *session.Job {
	f.t.Helper()
	j, ok := f.sess.Job(id)
	if !ok {
		f.t.Fatalf("no job %s", id)
	}
	return j
}

// normalizer replaces what changes from run to run in a response with
// placeholders: ids (32 hex, numbered by first appearance across the
// test), the temporary directory, savepoint names, times, durations,
// sizes, counts and the build's revision.
type normalizer struct {
	dir string
	ids map[string]string
}

var (
	hex32         = regexp.MustCompile(`\b[0-9a-f]{32}\b`)
	savepointName = regexp.MustCompile(`savepoint-[0-9a-f]{6}-[0-9a-f]{12}`)
	chkName       = regexp.MustCompile(`chk-[0-9]+`)
)

// volatileNumbers are the keys whose numbers vary; end-time keeps -1
// ("not ended") and a timestamps entry keeps 0 ("never").
var volatileNumbers = map[string]bool{
	"start-time": true, "end-time": true, "duration": true, "now": true, "last-modification": true,
	"timestamp": true, "trigger_timestamp": true, "latest_ack_timestamp": true, "restore_timestamp": true,
	"failure_timestamp": true, "timezone-offset": true, "refresh-interval": false,
	"state_size": true, "checkpointed_size": true, "end_to_end_duration": true, "id": true,
	"min": true, "max": true, "avg": true, "p50": true, "p90": true, "p95": true, "p99": true, "p999": true,
	"slots-available": true, "freeSlots": true, "cpuCores": true,
	"read-bytes": true, "write-bytes": true, "read-records": true, "write-records": true,
	"accumulated-backpressured-time": true, "accumulated-idle-time": true, "accumulated-busy-time": true,
	"end-timestamp": true, "ratio": true, "idleRatio": true, "busyRatio": true, "in_progress": true,
}

var volatileStrings = map[string]bool{"timezone-name": true, "flink-revision": true, "flink-commit": true,
	"backpressure-level": true, "value": true}

func (n *normalizer) normalize(body []byte) []byte {
	s := strings.ReplaceAll(string(body), n.dir, "<tmp>")
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		panic(fmt.Sprintf("%v in %s", err, body))
	}
	v = n.walk("", "", v)
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(v)
	return out.Bytes()
}

func (n *normalizer) walk(parent, key string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = n.walk(key, k, e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = n.walk(parent, key, e)
		}
		return x
	case json.Number:
		switch {
		case key == "end-time" && x == "-1", parent == "timestamps" && x == "0":
			return x
		case parent == "timestamps", volatileNumbers[key], parent == "counts" && (key == "completed" || key == "total"):
			return "<n>"
		}
		return x
	case string:
		if volatileStrings[key] {
			return "<" + key + ">"
		}
		x = hex32.ReplaceAllStringFunc(x, func(h string) string {
			if _, ok := n.ids[h]; !ok {
				n.ids[h] = fmt.Sprintf("<id-%d>", len(n.ids)+1)
			}
			return n.ids[h]
		})
		x = savepointName.ReplaceAllString(x, "savepoint-<name>")
		return chkName.ReplaceAllString(x, "chk-<n>")
	}
	return v
}

// golden compares a normalized response with testdata/<name>.json.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".json")
	if *rewrite {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -rewrite to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (run with -rewrite to accept):\n%s", name, path, got)
	}
}

// goldenJob is a running job (datagen → group aggregate → blackhole, at
// parallelism 2, checkpointing every 100 ms to a directory) whose session
// configuration holds secrets.
const goldenJob = `
SET 'parallelism.default' = '2';
SET 'execution.checkpointing.interval' = '100ms';
SET 'execution.checkpointing.dir' = 'file://<dir>/chk';
SET 'execution.checkpointing.savepoint-dir' = '<dir>/sp';
SET 'pipeline.name' = 'rest-golden';
SET 'my.connection.password' = 'hunter2';
SET 'my.connection.url' = 'jdbc:mysql://app:s3cr3tpw@db:3306/x';
CREATE TABLE src (id BIGINT, name STRING) WITH ('connector' = 'datagen', 'rows-per-second' = '200', 'fields.name.length' = '1');
CREATE TABLE sink (name STRING, n BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT name, COUNT(*) FROM src GROUP BY name;
`

// TestGolden checks every monitoring endpoint's response, normalized,
// against testdata/, and that no response repeats a secret.
func TestGolden(t *testing.T) {
	f := newFixture(t, defaultConfig())
	id := f.exec(goldenJob)
	j := f.job(id)
	f.waitFor("a completed checkpoint", func() bool { return j.LastCheckpoint().ID > 0 })
	n := &normalizer{dir: f.dir, ids: map[string]string{}}
	vertex := "/jobs/" + id + "/vertices/" + j.Graph().Vertices[1].Chain[0].ID
	completed := j.History().LatestCompleted
	if completed == nil {
		t.Fatal("no completed checkpoint in the history")
	}
	details := "/jobs/" + id + "/checkpoints/details/"
	for _, c := range []struct {
		name, path string
		code       int
	}{
		{"config", "/config", 200},
		{"overview", "/overview", 200},
		{"taskmanagers", "/taskmanagers", 200},
		{"jobs", "/jobs", 200},
		{"jobs_overview", "/jobs/overview", 200},
		{"job", "/jobs/" + id, 200},
		{"job_plan", "/jobs/" + id + "/plan", 200},
		{"job_config", "/jobs/" + id + "/config", 200},
		{"job_exceptions", "/jobs/" + id + "/exceptions", 200},
		{"job_checkpoints", "/jobs/" + id + "/checkpoints", 200},
		{"job_checkpoints_config", "/v1/jobs/" + id + "/checkpoints/config", 200},
		{"job_checkpoint_details", details + strconv.FormatInt(completed.ID, 10), 200},
		{"error_unknown_checkpoint", details + "999999999", 404},
		{"error_bad_checkpoint_id", details + "latest", 400},
		{"vertex", vertex, 200},
		{"vertex_backpressure", vertex + "/backpressure", 200},
		{"vertex_watermarks", vertex + "/watermarks", 200},
		{"vertex_metrics_list", vertex + "/metrics", 200},
		{"vertex_metrics", vertex + "/metrics?get=0.numRecordsIn,busyTimeMsPerSecond,1.currentOutputWatermark,nope,7.numRecordsIn", 200},
		{"error_unknown_vertex", "/jobs/" + id + "/vertices/00000000000000000000000000000000", 404},
		{"error_unknown_job", "/jobs/00000000000000000000000000000000", 404},
		{"error_bad_job_id", "/jobs/xyz/plan", 400},
		{"error_unknown_path", "/jobs/" + id + "/nothing-here", 404},
	} {
		code, body := f.call("GET", c.path, "")
		if code != c.code {
			t.Errorf("GET %s: %d, want %d: %s", c.path, code, c.code, body)
		}
		for _, s := range secrets {
			if bytes.Contains(body, []byte(s)) {
				t.Errorf("GET %s repeats the secret %q: %s", c.path, s, body)
			}
		}
		if c.name == "job_checkpoints" {
			body = firstCompleted(t, body)
		}
		golden(t, c.name, n.normalize(body))
	}
}

// firstCompleted keeps the oldest completed checkpoint of a checkpoint
// statistics' history: how many others completed, are in progress or
// (improbably) failed by the time of the call varies.
func firstCompleted(t *testing.T, body []byte) []byte {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	var kept []any
	for _, h := range v["history"].([]any) {
		if h.(map[string]any)["status"] == "COMPLETED" {
			kept = []any{h}
		}
	}
	v["history"] = kept
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestJobConfigMasksSecrets: secret keys and passwords in URLs are masked
// in /jobs/:jobid/config; other settings are shown as set.
func TestJobConfigMasksSecrets(t *testing.T) {
	f := newFixture(t, defaultConfig())
	id := f.exec(goldenJob)
	var got struct {
		ExecutionConfig struct {
			UserConfig map[string]string `json:"user-config"`
		} `json:"execution-config"`
	}
	f.get("/jobs/"+id+"/config", 200, &got)
	uc := got.ExecutionConfig.UserConfig
	if uc["my.connection.password"] != "******" || strings.Contains(uc["my.connection.url"], "s3cr3tpw") ||
		uc["pipeline.name"] != "rest-golden" {
		t.Fatalf("user-config %v", uc)
	}
}

// TestConfigFrom reads Flink's keys; without rest.port nothing else is
// read, so a bad web.* value cannot fail a client serving no REST API.
func TestConfigFrom(t *testing.T) {
	c := planner.NewConfig()
	c.Set("web.cancel.enable", "maybe")
	if cfg, err := flinkrest.ConfigFrom(c); err != nil || cfg.Port != 0 {
		t.Fatalf("no rest.port: %+v %v", cfg, err)
	}
	c.Set("web.cancel.enable", "false")
	c.Set("rest.port", "8082")
	c.Set("rest.bind-address", "0.0.0.0")
	c.Set("rest.address", "flink.example")
	c.Set("web.refresh-interval", "5000")
	cfg, err := flinkrest.ConfigFrom(c)
	if err != nil || cfg.Port != 8082 || cfg.BindAddress != "0.0.0.0" || cfg.Address != "flink.example" ||
		cfg.CancelEnabled || cfg.RefreshInterval != 5*time.Second {
		t.Fatalf("%+v %v", cfg, err)
	}
	if got := flinkrest.New(nil, cfg, nil).URL(); got != "http://flink.example:8082" {
		t.Fatalf("URL %s", got)
	}
	c.Set("rest.port", "70000")
	if _, err := flinkrest.ConfigFrom(c); err == nil {
		t.Fatal("rest.port 70000 accepted")
	}
}
