package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// jobmanagerBinary is the session cluster, built by TestMain.
var jobmanagerBinary string

// taskmanagerBinary is built by TestMain for TestSQLCorpusOnTaskManagers.
var taskmanagerBinary string

// cluster is a jobmanager process started by a test.
type cluster struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string // http://127.0.0.1:<port>
	port string
	out  *syncBuffer
	done chan struct{}
}

var clusterURL = regexp.MustCompile(`SQL Gateway at (http://[^\s]+)`)

// startCluster starts `jobmanager -D rest.port=0 ...` in dir and waits
// (60 s at most) for the address it prints. It is stopped with SIGTERM at
// the end of the test.
func startCluster(t *testing.T, dir string, conf ...string) *cluster {
	t.Helper()
	args := []string{"-D", "rest.port=0"}
	for _, kv := range conf {
		args = append(args, "-D", kv)
	}
	cmd := exec.Command(jobmanagerBinary, args...)
	cmd.Dir = dir
	out := &syncBuffer{}
	pr, pw := io.Pipe()
	cmd.Stdout = io.MultiWriter(out, pw)
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, cmd: cmd, out: out, done: make(chan struct{})}
	go func() { cmd.Wait(); pw.Close(); close(c.done) }()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := clusterURL.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case c.url = <-found:
	case <-c.done:
		t.Fatalf("the jobmanager exited:\n%s", out.String())
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the jobmanager printed no address within 60 s:\n%s", out.String())
	}
	c.port = c.url[strings.LastIndex(c.url, ":")+1:]
	t.Cleanup(func() { c.stop() })
	return c
}

// stop sends SIGTERM and waits for the process (killing it after 60 s).
func (c *cluster) stop() {
	select {
	case <-c.done:
		return
	default:
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(60 * time.Second):
		c.cmd.Process.Kill()
		<-c.done
		c.t.Errorf("the jobmanager did not stop within 60 s of SIGTERM:\n%s", c.out.String())
	}
}

// remoteArgs are the client flags that send statements to the cluster.
func (c *cluster) remoteArgs() []string {
	return []string{"-D", "execution.target=remote", "-D", "rest.address=127.0.0.1", "-D", "rest.port=" + c.port}
}

// get decodes a REST response of the cluster into v.
func (c *cluster) get(path string, v any) {
	c.t.Helper()
	resp, err := http.Get(c.url + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		c.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		c.t.Fatalf("GET %s: %v in %s", path, err, b)
	}
}

// jobStates maps each job of /jobs/overview to its state.
func (c *cluster) jobStates() map[string]string {
	var ov struct {
		Jobs []struct {
			JID   string `json:"jid"`
			State string `json:"state"`
		} `json:"jobs"`
	}
	c.get("/jobs/overview", &ov)
	states := map[string]string{}
	for _, j := range ov.Jobs {
		states[j.JID] = j.State
	}
	return states
}

// jobState is the job's state in /jobs/overview ("" when unknown).
func (c *cluster) jobState(id string) string { return c.jobStates()[id] }

// waitFor polls cond every 100 ms for up to 90 s.
func (c *cluster) waitFor(what string, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: not within 90 s\n--- jobmanager ---\n%s", what, c.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSessionClusterLifecycle is the story through the real
// binaries: start the cluster, submit a script with `sql-client -f` (it
// returns), the job keeps running and checkpointing without the client; a
// second client lists it and stops it with a savepoint; a third restores
// it; the file sink ends with every id exactly once.
func TestSessionClusterLifecycle(t *testing.T) {
	dir := t.TempDir()
	c := startCluster(t, dir, "execution.checkpointing.interval=200ms",
		"state.checkpoints.dir=file://"+filepath.Join(dir, "checkpoints"),
		"state.savepoints.dir=file://"+filepath.Join(dir, "savepoints"))
	const n = 3000
	body := fmt.Sprintf(`SET 'pipeline.name' = 'cluster-job';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '500',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d');
CREATE TABLE out_files (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv');
INSERT INTO out_files SELECT id FROM src;
`, n, filepath.Join(dir, "out"))
	job := writeFile(t, dir, "job.sql", body)
	out, code := runClient(t, dir, append(c.remoteArgs(), "-f", job)...)
	m := regexp.MustCompile(`Job ID: ([0-9a-f]{32})`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("submitting: exit %d\n%s\n--- jobmanager ---\n%s", code, out, c.out.String())
	}
	id := m[1]
	// The client is gone; the job runs and checkpoints on.
	c.waitFor("two checkpoints after the client left", func() bool {
		var st struct {
			Counts struct {
				Completed int `json:"completed"`
			} `json:"counts"`
		}
		c.get("/jobs/"+id+"/checkpoints", &st)
		return st.Counts.Completed >= 2
	})
	if s := c.jobState(id); s != "RUNNING" {
		t.Fatalf("job %s is %s after the client left", id, s)
	}
	// A second client sees it and stops it with a savepoint.
	list, code := runClient(t, dir, append(c.remoteArgs(), "-f", writeFile(t, dir, "show.sql", "SHOW JOBS;\n"))...)
	if code != 0 || !strings.Contains(list, id) || !strings.Contains(list, "RUNNING") {
		t.Fatalf("SHOW JOBS from a second client: exit %d\n%s", code, list)
	}
	stop, code := runClient(t, dir, append(c.remoteArgs(), "-f", writeFile(t, dir, "stop.sql", "STOP JOB '"+id+"' WITH SAVEPOINT;\n"))...)
	sp := regexp.MustCompile(`\| (file:/\S+savepoint-\S+) +\|`).FindStringSubmatch(stop)
	if code != 0 || sp == nil {
		t.Fatalf("STOP JOB WITH SAVEPOINT: exit %d\n%s\n--- jobmanager ---\n%s", code, stop, c.out.String())
	}
	c.waitFor("the stopped job to end", func() bool { s := c.jobState(id); return s == "FINISHED" || s == "CANCELED" })
	// A third client restores it from the savepoint; it runs to the end.
	restore := writeFile(t, dir, "restore.sql", "SET 'execution.savepoint.path' = '"+sp[1]+"';\n"+body)
	out, code = runClient(t, dir, append(c.remoteArgs(), "-f", restore)...)
	m = regexp.MustCompile(`Job ID: ([0-9a-f]{32})`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("restoring: exit %d\n%s", code, out)
	}
	c.waitFor("the restored job to finish", func() bool { return c.jobState(m[1]) == "FINISHED" })
	eachIDOnce(t, filepath.Join(dir, "out"), n, "--- jobmanager ---\n"+c.out.String())
	// Both jobs are in the cluster's list.
	list, _ = runClient(t, dir, append(c.remoteArgs(), "-f", writeFile(t, dir, "show2.sql", "SHOW JOBS;\n"))...)
	if !strings.Contains(list, id) || !strings.Contains(list, m[1]) {
		t.Fatalf("SHOW JOBS after the restore:\n%s", list)
	}
	c.stop()
	if !strings.Contains(c.out.String(), "JobManager stopped.") {
		t.Fatalf("no clean stop:\n%s", c.out.String())
	}
}

// TestRemoteClientErrors: a client pointed at no cluster, or at a wrong
// execution.target, says what and where.
func TestRemoteClientErrors(t *testing.T) {
	dir := t.TempDir()
	script := writeFile(t, dir, "s.sql", "SHOW TABLES;\n")
	out, code := runClient(t, dir, "-D", "execution.target=remote", "-D", "rest.address=127.0.0.1", "-D", "rest.port=1", "-f", script)
	if code == 0 || !strings.Contains(out, "Could not connect to the SQL Gateway at http://127.0.0.1:1") {
		t.Fatalf("no cluster: exit %d\n%s", code, out)
	}
	out, code = runClient(t, dir, "-D", "execution.target=yarn-session", "-f", script)
	if code == 0 || !strings.Contains(out, "Unsupported 'execution.target' 'yarn-session'") {
		t.Fatalf("wrong target: exit %d\n%s", code, out)
	}
	out, code = runClient(t, dir, "gateway", "-f", script)
	if code == 0 || !strings.Contains(out, "--endpoint") {
		t.Fatalf("gateway mode without endpoint: exit %d\n%s", code, out)
	}
}

// TestSQLCorpusRemote runs every testdata/sql/*.sql with
// execution.target=remote against a session cluster started in the
// file's directory (paths resolve where the jobs run, as in Flink), waits
// for the cluster's jobs to end, and compares the client's transcript plus
// the print sinks' state (printed by the cluster, as Flink's TaskManagers
// print them) with the .out file the embedded run must match. Jobs that
// fail at run time are reported by the embedded client, which waits for
// them, and by the cluster's log in remote mode (the client has returned):
// for those files only the transcript up to the failure and the cluster's
// failure report are compared.
func TestSQLCorpusRemote(t *testing.T) { corpusOnCluster(t, false) }

// TestSQLCorpusOnTaskManagers: every corpus file against a session cluster
// with a TaskManager, which runs the INSERT jobs (re-planned from their
// deployment; the print sinks print there), gives the embedded results.
func TestSQLCorpusOnTaskManagers(t *testing.T) { corpusOnCluster(t, true) }

// taskManagerPrefix is how a job failure on a TaskManager names it.
var taskManagerPrefix = regexp.MustCompile(`TaskManager [0-9.:]+-[0-9a-f]+: `)

// rpcEndpoint is the jobmanager's line naming its TaskManager endpoint.
var rpcEndpoint = regexp.MustCompile(`RPC endpoint for TaskManagers at ([^\s]+) `)

func corpusOnCluster(t *testing.T, withTaskManager bool) {
	var deployed atomic.Int64 // files whose jobs ran on the TaskManager
	if withTaskManager {
		t.Cleanup(func() {
			// Most files run an INSERT; the rest only query or fail early.
			n := deployed.Load()
			t.Logf("%d corpus files ran a job on the TaskManager", n)
			if n < 20 {
				t.Errorf("only %d corpus files ran a job on the TaskManager", n)
			}
		})
	}
	forEachCorpusFile(t, func(t *testing.T, name, abs string) {
		want, err := os.ReadFile(strings.TrimSuffix(abs, ".sql") + ".out")
		if err != nil {
			t.Fatal(err)
		}
		work := t.TempDir()
		copyDir(t, "../../testdata/sql/data", filepath.Join(work, "data"))
		c := startCluster(t, work, "parallelism.default=1")
		var tmOut *syncBuffer
		if withTaskManager {
			tmOut = startTaskManager(t, c, work)
		}
		out, code := runClient(t, work, append(c.remoteArgs(), "-f", abs)...)
		c.waitFor("every job of the cluster to end", func() bool {
			for _, st := range c.jobStates() {
				if st == "RUNNING" || st == "CREATED" || st == "INITIALIZING" {
					return false
				}
			}
			return true
		})
		c.stop()
		// The client's transcript without its connection line, and the
		// print sinks' lines from the cluster's output.
		var lines []string
		for _, l := range strings.Split(out, "\n") {
			if !strings.HasPrefix(l, "[INFO] Connected to the SQL Gateway") {
				lines = append(lines, l)
			}
		}
		lines = asEmbeddedTarget(lines)
		var printed []string
		procOut := c.out.String()
		if tmOut != nil {
			procOut += "\n" + tmOut.String()
			if strings.Contains(tmOut.String(), "[INFO] Deploying ") {
				deployed.Add(1)
			}
		}
		for _, l := range strings.Split(procOut, "\n") {
			if printLine.MatchString(l) || subtaskOnly.MatchString(l) {
				printed = append(printed, l)
			}
		}
		tr, state := corpusResult(strings.Join(append(printed, lines...), "\n"))
		// A failure on a TaskManager names it; the rest of the message is
		// the embedded one.
		tr = taskManagerPrefix.ReplaceAllString(tr, "")
		got := "exit code: " + itoa(code) + "\n" + tr + "\n==== print sink state ====\n" + state + "\n"
		if string(want) == got {
			return
		}
		// A job that failed at run time: the embedded client waited and
		// reported it (exit 1); here the cluster reports it.
		w := string(want)
		if i := strings.Index(w, "[ERROR] Job "); i >= 0 && strings.HasPrefix(w, "exit code: 1\n") {
			head := strings.TrimPrefix(w[:i], "exit code: 1\n")
			if strings.HasPrefix(strings.TrimPrefix(got, "exit code: 0\n"), strings.TrimSuffix(head, "\n")) &&
				strings.Contains(c.out.String(), "failed") {
				return
			}
		}
		t.Errorf("remote run differs from %s\n--- got ---\n%s\n--- want ---\n%s\n--- jobmanager (and taskmanager) ---\n%s", filepath.Base(abs), got, want, procOut)
	})
}

// asEmbeddedTarget rewrites the SET; listings of a remote transcript as
// the embedded client prints them: the one difference is where the jobs
// run, execution.target 'remote' there and 'local' here (the table is laid
// out again: the value column may narrow).
func asEmbeddedTarget(lines []string) []string {
	cells := func(l string) []string {
		var c []string
		for _, x := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(l, "|"), "|"), "|") {
			c = append(c, strings.TrimSpace(x))
		}
		return c
	}
	var out []string
	for i := 0; i < len(lines); i++ {
		if i+2 < len(lines) && strings.HasPrefix(lines[i], "+-") && strings.Join(cells(lines[i+1]), ",") == "key,value" {
			var rows [][]string
			remote := false
			end := i + 3
			for ; end < len(lines) && !strings.HasPrefix(lines[end], "+-"); end++ {
				r := cells(lines[end])
				if len(r) == 2 && r[0] == "execution.target" && r[1] == "remote" {
					r[1], remote = "local", true
				}
				rows = append(rows, r)
			}
			if remote && end+1 < len(lines) && strings.HasSuffix(lines[end+1], " in set") {
				var b strings.Builder
				printTable(&b, []string{"key", "value"}, rows)
				out = append(out, strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")...)
				i = end + 1
				continue
			}
		}
		out = append(out, lines[i])
	}
	return out
}

// startTaskManager starts a taskmanager with 4 slots in dir (relative
// paths of the scripts resolve as for the jobmanager), registered with c,
// and returns its output; it is killed at the end of the test.
func startTaskManager(t *testing.T, c *cluster, dir string) *syncBuffer {
	t.Helper()
	var rpc string
	c.waitFor("the jobmanager's RPC endpoint", func() bool {
		m := rpcEndpoint.FindStringSubmatch(c.out.String())
		if m != nil {
			rpc = m[1]
		}
		return m != nil
	})
	host, port := rpc[:strings.LastIndex(rpc, ":")], rpc[strings.LastIndex(rpc, ":")+1:]
	cmd := exec.Command(taskmanagerBinary, "-D", "jobmanager.rpc.address="+host, "-D", "jobmanager.rpc.port="+port,
		"-D", "taskmanager.numberOfTaskSlots=4", "-D", "taskmanager.host=127.0.0.1", "-D", "taskmanager.data.port=0")
	cmd.Dir = dir
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	c.waitFor("the taskmanager to register", func() bool {
		return strings.Contains(out.String(), "registered at the JobManager")
	})
	return out
}

// TestRemoteREPL: the REPL in gateway mode on a terminal. An INSERT
// returns with its Job ID, a SELECT streams rows until Ctrl-C cancels it,
// and after QUIT the INSERT's job still runs on the cluster.
func TestRemoteREPL(t *testing.T) {
	dir := t.TempDir()
	c := startCluster(t, dir)
	r := startREPL(t, dir, dir, "gateway", "--endpoint", "127.0.0.1:"+c.port)
	r.waitFor("gateway mode", 1)
	r.send("CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '20', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '100000');")
	r.waitFor("[INFO] Execute statement succeeded.", 1)
	r.send("CREATE TABLE snk (id BIGINT) WITH ('connector' = 'blackhole');")
	r.waitFor("[INFO] Execute statement succeeded.", 2)
	r.send("INSERT INTO snk SELECT id FROM src;")
	r.waitFor("Job ID: ", 1)
	id := regexp.MustCompile(`Job ID: ([0-9a-f]{32})`).FindStringSubmatch(r.out.String())[1]
	r.send("SELECT id FROM src;")
	r.waitFor("| +I |", 3)
	r.f.Write([]byte{3}) // Ctrl-C
	r.waitFor("Query terminated, received a total of", 1)
	r.send("SHOW JOBS;")
	r.waitFor("Web dashboard: "+c.url+"/#/jobs", 1)
	screen := r.quit("Shutting down the session...")
	if strings.Contains(screen, "Cancelling") {
		t.Fatalf("a remote client cancelled jobs at QUIT:\n%s", screen)
	}
	if s := c.jobState(id); s != "RUNNING" {
		t.Fatalf("after the client quit, job %s is %s\n%s", id, s, screen)
	}
	// The SELECT's job was cancelled with the query; only the INSERT runs.
	c.waitFor("the SELECT's job to end", func() bool {
		for jid, st := range c.jobStates() {
			if jid != id && st == "RUNNING" {
				return false
			}
		}
		return true
	})
}
