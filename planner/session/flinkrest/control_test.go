package flinkrest_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// unboundedJob runs until stopped, checkpointing every 100 ms.
const unboundedJob = `
SET 'execution.checkpointing.interval' = '100ms';
SET 'execution.checkpointing.dir' = '<dir>/chk';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '500');
CREATE TABLE sink (id BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT id FROM src;
`

type savepointStatus struct {
	Status struct {
		ID string `json:"id"`
	} `json:"status"`
	Operation *struct {
		Location     string `json:"location"`
		FailureCause *struct {
			Class      string `json:"class"`
			StackTrace string `json:"stack-trace"`
		} `json:"failure-cause"`
	} `json:"operation"`
}

// trigger sends a POST and returns the {"request-id"} of its 202.
func (f *fixture) trigger(path, body string) string {
	f.t.Helper()
	code, b := f.call("POST", path, body)
	if code != 202 {
		f.t.Fatalf("POST %s: %d %s", path, code, b)
	}
	var r struct {
		RequestID string `json:"request-id"`
	}
	if err := json.Unmarshal(b, &r); err != nil || len(r.RequestID) != 32 {
		f.t.Fatalf("POST %s: %s (%v)", path, b, err)
	}
	return r.RequestID
}

// awaitSavepoint polls the operation until it completed.
func (f *fixture) awaitSavepoint(job, trigger string) savepointStatus {
	f.t.Helper()
	var st savepointStatus
	f.waitFor("the savepoint operation", func() bool {
		f.get("/jobs/"+job+"/savepoints/"+trigger, 200, &st)
		return st.Status.ID == "COMPLETED"
	})
	if st.Operation == nil {
		f.t.Fatal("a completed operation without result")
	}
	return st
}

func (f *fixture) state(job string) string {
	f.t.Helper()
	var d struct {
		State string `json:"state"`
	}
	f.get("/jobs/"+job, 200, &d)
	return d.State
}

// TestCancelWithPatch: PATCH /jobs/:jobid cancels a running job (202 {});
// cancelling it again is accepted; the overview then counts it cancelled.
func TestCancelWithPatch(t *testing.T) {
	f := newFixture(t, defaultConfig())
	id := f.exec(unboundedJob)
	f.waitFor("the job to run", func() bool { return f.state(id) == "RUNNING" })
	for range 2 {
		code, body := f.call("PATCH", "/jobs/"+id+"?mode=cancel", "")
		if code != 202 || string(body) != "{}" {
			t.Fatalf("PATCH: %d %s", code, body)
		}
		f.job(id).Wait()
	}
	if st := f.state(id); st != "CANCELED" {
		t.Fatalf("job state %s after PATCH", st)
	}
	var o struct {
		Cancelled int `json:"jobs-cancelled"`
		Running   int `json:"jobs-running"`
	}
	f.get("/overview", 200, &o)
	if o.Cancelled != 1 || o.Running != 0 {
		t.Fatalf("overview %+v", o)
	}
	if code, body := f.call("PATCH", "/jobs/"+id+"?mode=bogus", ""); code != 400 {
		t.Fatalf("PATCH mode=bogus: %d %s", code, body)
	}
}

// TestStopWithSavepointPost: POST /jobs/:jobid/stop answers a trigger id;
// the operation completes with the savepoint's location, which holds a
// _metadata, and the job ends FINISHED; the savepoint shows in the
// checkpoint statistics.
func TestStopWithSavepointPost(t *testing.T) {
	f := newFixture(t, defaultConfig())
	id := f.exec(unboundedJob)
	j := f.job(id)
	f.waitFor("a completed checkpoint", func() bool { return j.LastCheckpoint().ID > 0 })
	target := filepath.Join(f.dir, "sp")
	trig := f.trigger("/jobs/"+id+"/stop", `{"targetDirectory": "`+target+`", "drain": false}`)
	st := f.awaitSavepoint(id, trig)
	if st.Operation.FailureCause != nil {
		t.Fatalf("stop failed: %+v", st.Operation.FailureCause)
	}
	loc := st.Operation.Location
	if !regexp.MustCompile(`^file:` + regexp.QuoteMeta(target) + `/savepoint-` + id[:6] + `-[0-9a-f]{12}$`).MatchString(loc) {
		t.Fatalf("location %q", loc)
	}
	if _, err := os.Stat(filepath.Join(strings.TrimPrefix(loc, "file:"), "_metadata")); err != nil {
		t.Fatal(err)
	}
	j.Wait()
	if s := f.state(id); s != "FINISHED" {
		t.Fatalf("job state %s after stop", s)
	}
	var stats struct {
		Latest struct {
			Savepoint *struct {
				ExternalPath string `json:"external_path"`
				Type         string `json:"checkpoint_type"`
			} `json:"savepoint"`
		} `json:"latest"`
	}
	f.get("/jobs/"+id+"/checkpoints", 200, &stats)
	if sp := stats.Latest.Savepoint; sp == nil || sp.ExternalPath != loc || sp.Type != "SYNC_SAVEPOINT" {
		t.Fatalf("latest savepoint %+v", sp)
	}
	if code, _ := f.call("GET", "/jobs/"+id+"/savepoints/0123456789abcdef0123456789abcdef", ""); code != 404 {
		t.Fatalf("unknown trigger id: %d", code)
	}
}

// TestSavepointPost: POST /jobs/:jobid/savepoints takes a savepoint and
// leaves the job running; with cancel-job it is cancelled after it. A job
// without a savepoint directory needs target-directory (400).
func TestSavepointPost(t *testing.T) {
	f := newFixture(t, defaultConfig())
	id := f.exec(unboundedJob)
	f.waitFor("the job to run", func() bool { return f.state(id) == "RUNNING" })
	if code, body := f.call("POST", "/jobs/"+id+"/savepoints", `{}`); code != 400 || !strings.Contains(string(body), "target-directory") {
		t.Fatalf("savepoint without a directory: %d %s", code, body)
	}
	target := filepath.Join(f.dir, "sp")
	st := f.awaitSavepoint(id, f.trigger("/jobs/"+id+"/savepoints", `{"target-directory": "`+target+`", "cancel-job": false}`))
	if st.Operation.FailureCause != nil || !strings.HasPrefix(st.Operation.Location, "file:"+target+"/savepoint-") {
		t.Fatalf("savepoint: %+v", st.Operation)
	}
	if s := f.state(id); s != "RUNNING" {
		t.Fatalf("job state %s after a savepoint", s)
	}
	st = f.awaitSavepoint(id, f.trigger("/jobs/"+id+"/savepoints", `{"target-directory": "`+target+`", "cancel-job": true}`))
	if st.Operation.FailureCause != nil {
		t.Fatalf("savepoint with cancel: %+v", st.Operation.FailureCause)
	}
	f.job(id).Wait()
	if s := f.state(id); s != "CANCELED" {
		t.Fatalf("job state %s after cancel-job", s)
	}
	// A savepoint of an ended job fails: the operation says why.
	st = f.awaitSavepoint(id, f.trigger("/jobs/"+id+"/savepoints", `{"target-directory": "`+target+`"}`))
	if st.Operation.FailureCause == nil || !strings.Contains(st.Operation.FailureCause.StackTrace, "CANCELED") {
		t.Fatalf("savepoint of a cancelled job: %+v", st.Operation)
	}
}

// TestCancelDisabled: with web.cancel.enable false the mutating calls are
// refused (403) and the job keeps running.
func TestCancelDisabled(t *testing.T) {
	cfg := defaultConfig()
	cfg.CancelEnabled = false
	f := newFixture(t, cfg)
	id := f.exec(unboundedJob)
	for _, c := range []struct{ method, path, body string }{
		{"PATCH", "/jobs/" + id, ""},
		{"POST", "/jobs/" + id + "/stop", `{"targetDirectory": "/tmp/x"}`},
		{"POST", "/jobs/" + id + "/savepoints", `{"target-directory": "/tmp/x"}`},
	} {
		if code, body := f.call(c.method, c.path, c.body); code != 403 {
			t.Errorf("%s %s: %d %s", c.method, c.path, code, body)
		}
	}
	var cfgBody struct {
		Features struct {
			WebCancel bool `json:"web-cancel"`
		} `json:"features"`
	}
	f.get("/config", 200, &cfgBody)
	if cfgBody.Features.WebCancel {
		t.Error("/config says web-cancel")
	}
	if s := f.state(id); s != "RUNNING" {
		t.Fatalf("job state %s", s)
	}
}

// TestFailedJobExceptions: a job that failed reports its failure as the
// root exception and in the history, with an end time.
func TestFailedJobExceptions(t *testing.T) {
	f := newFixture(t, defaultConfig())
	if err := os.WriteFile(filepath.Join(f.dir, "bad.json"), []byte("{\"id\": 1}\n{\"id\": oops\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	id := f.exec(`
CREATE TABLE src (id INT) WITH ('connector' = 'filesystem', 'path' = '<dir>/bad.json', 'format' = 'json');
CREATE TABLE sink (id INT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT id FROM src;
`)
	f.job(id).Wait()
	var ex struct {
		Root      *string `json:"root-exception"`
		Timestamp *int64  `json:"timestamp"`
		History   struct {
			Entries []struct {
				Name       string `json:"exceptionName"`
				Stacktrace string `json:"stacktrace"`
				Timestamp  int64  `json:"timestamp"`
			} `json:"entries"`
		} `json:"exceptionHistory"`
	}
	f.get("/jobs/"+id+"/exceptions", 200, &ex)
	if s := f.state(id); s != "FAILED" {
		t.Fatalf("the job is %s, want FAILED", s)
	}
	if ex.Root == nil || ex.Timestamp == nil || *ex.Timestamp <= 0 || len(ex.History.Entries) != 1 ||
		ex.History.Entries[0].Stacktrace != *ex.Root {
		t.Fatalf("exceptions %+v", ex)
	}
	_, raw := f.call("GET", "/jobs/"+id+"/exceptions", "")
	golden(t, "job_exceptions_failed", (&normalizer{dir: f.dir, ids: map[string]string{}}).normalize(raw))
}
