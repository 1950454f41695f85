package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

var (
	clientOnce sync.Once
	clientBin  string
	clientErr  string
)

// sqlClient builds sql-client once per test binary (next to the others).
func sqlClient(t *testing.T) string {
	t.Helper()
	binaries(t)
	clientOnce.Do(func() {
		clientBin = filepath.Join(binDir, "sql-client")
		if out, err := exec.Command("go", "build", "-o", clientBin, "../sql-client").CombinedOutput(); err != nil {
			clientErr = fmt.Sprintf("go build ../sql-client: %v\n%s", err, out)
		}
	})
	if clientErr != "" {
		t.Fatal(clientErr)
	}
	return clientBin
}

var jobIDLine = regexp.MustCompile(`Job ID: ([0-9a-f]{32})`)

// jobCluster is 1 JobManager and TaskManagers with slots each.
type jobCluster struct {
	*clusterTest
	jm      *proc
	rest    string
	rpcPort string
	tms     map[string]*proc
}

func startJobCluster(t *testing.T, slots int, ids ...string) *jobCluster {
	return startJobClusterWith(t, "60 s", slots, ids...)
}

func startJobClusterWith(t *testing.T, slotTimeout string, slots int, ids ...string) *jobCluster {
	jmBin, tmBin := binaries(t)
	c := &jobCluster{clusterTest: newClusterTest(t), tms: map[string]*proc{}}
	c.jm = c.start("jobmanager", jmBin, "rest.port=0", "jobmanager.rpc.address=127.0.0.1", "jobmanager.rpc.port=0",
		"heartbeat.timeout=3 s", "slot.request.timeout="+slotTimeout)
	rpc := c.waitOutput(c.jm, rpcLine)
	c.rest = c.waitOutput(c.jm, restLine)
	_, c.rpcPort, _ = strings.Cut(rpc, ":")
	for _, id := range ids {
		p := c.start("taskmanager "+id, tmBin,
			"jobmanager.rpc.address=127.0.0.1", "jobmanager.rpc.port="+c.rpcPort,
			fmt.Sprintf("taskmanager.numberOfTaskSlots=%d", slots), "taskmanager.bind-host=127.0.0.1", "taskmanager.host=127.0.0.1",
			"taskmanager.data.port=0", "taskmanager.resource-id="+id,
			"heartbeat.interval=200 ms", "heartbeat.timeout=3 s", "cluster.registration.error-delay=200 ms")
		c.waitOutput(p, regLine)
		c.tms[id] = p
	}
	c.until("every TaskManager in /overview", func() (bool, string) {
		var o overviewJSON
		code, err := get(c.rest+"/overview", &o)
		return err == nil && code == 200 && o.TaskManagers == len(ids) && o.SlotsAvailable == slots*len(ids), fmt.Sprintf("%d %v %+v", code, err, o)
	})
	return c
}

// submit runs script with sql-client -f against the cluster and returns
// the job id it printed.
func (c *jobCluster) submit(dir, script string) string {
	c.t.Helper()
	out, err := c.client(dir, script)
	if err != nil {
		c.fatalf("sql-client: %v\n%s", err, out)
	}
	m := jobIDLine.FindStringSubmatch(out)
	if m == nil {
		c.fatalf("sql-client printed no job id:\n%s", out)
	}
	return m[1]
}

// client runs script with sql-client -f against the cluster.
func (c *jobCluster) client(dir, script string) (string, error) {
	c.t.Helper()
	f := filepath.Join(dir, "job.sql")
	if err := os.WriteFile(f, []byte(script), 0o600); err != nil {
		c.t.Fatal(err)
	}
	port := c.rest[strings.LastIndex(c.rest, ":")+1:]
	cmd := exec.Command(sqlClient(c.t), "-D", "execution.target=remote", "-D", "rest.address=127.0.0.1", "-D", "rest.port="+port, "-f", f)
	cmd.Env = append(os.Environ(), "FLINK_CONF_DIR=")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// waitJob waits for the job's state in /jobs/:id to be final and returns it.
func (c *jobCluster) waitJob(id string) string {
	c.t.Helper()
	var state string
	c.until("job "+id+" to end", func() (bool, string) {
		var j struct {
			State string `json:"state"`
		}
		code, err := get(c.rest+"/jobs/"+id, &j)
		state = j.State
		return err == nil && code == 200 && (state == "FINISHED" || state == "FAILED" || state == "CANCELED"), fmt.Sprintf("%d %v %s", code, err, state)
	})
	return state
}

// readRows reads the visible part files under dir: one line per row.
func readRows(t *testing.T, dir string) []string {
	t.Helper()
	var rows []string
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || strings.HasPrefix(info.Name(), ".") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if l != "" {
				rows = append(rows, l)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// printed returns the final count per key from print sink output lines
// "+I[k, c]" / "+U[k, c]" (with "<n>> " prefixes) of several processes.
var printLine = regexp.MustCompile(`(?m)^(?:\d+> )?([+-][IUD])\[(-?\d+), (\d+)\]\s*$`)

func finalCounts(outs ...string) map[int64]int64 {
	last := map[int64]int64{}
	for _, out := range outs {
		sc := bufio.NewScanner(strings.NewReader(out))
		for sc.Scan() {
			m := printLine.FindStringSubmatch(sc.Text())
			if m == nil || m[1] == "-U" || m[1] == "-D" {
				continue
			}
			k, _ := strconv.ParseInt(m[2], 10, 64)
			v, _ := strconv.ParseInt(m[3], 10, 64)
			if v > last[k] {
				last[k] = v // counts only grow
			}
		}
	}
	return last
}

func jobScript(dir string, n, rate int, settings ...string) string {
	return strings.Join(settings, "\n") + fmt.Sprintf(`
SET 'execution.checkpointing.interval' = '200ms';
SET 'state.checkpoints.dir' = 'file://%[1]s/chk';
SET 'parallelism.default' = '2';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '%[3]d', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%[2]d');
CREATE TABLE files (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '%[1]s/out', 'format' = 'csv');
CREATE TABLE counts (k BIGINT, c BIGINT) WITH ('connector' = 'print');
EXECUTE STATEMENT SET BEGIN
INSERT INTO files SELECT id FROM src;
INSERT INTO counts SELECT MOD(id, 7), COUNT(*) FROM src GROUP BY MOD(id, 7);
END;
`, dir, n, rate)
}

// checkResults checks the file sink holds 1..n once each and the print
// sinks' last counts per key.
func (c *jobCluster) checkResults(dir string, n int) {
	c.t.Helper()
	rows := readRows(c.t, filepath.Join(dir, "out"))
	seen := map[int]int{}
	for _, r := range rows {
		v, err := strconv.Atoi(r)
		if err != nil {
			c.fatalf("file sink row %q", r)
		}
		seen[v]++
	}
	var bad []string
	for i := 1; i <= n; i++ {
		if seen[i] != 1 {
			bad = append(bad, fmt.Sprintf("%d×%d", i, seen[i]))
		}
	}
	if len(rows) != n || len(bad) > 0 {
		if len(bad) > 10 {
			bad = bad[:10]
		}
		c.fatalf("file sink: %d rows, want %d; wrong: %v", len(rows), n, bad)
	}
	var outs []string
	for _, p := range c.tms {
		outs = append(outs, p.out.String())
	}
	got := finalCounts(outs...)
	for k := int64(0); k < 7; k++ {
		want := int64(0)
		for i := 1; i <= n; i++ {
			if int64(i%7) == k {
				want++
			}
		}
		if got[k] != want {
			c.fatalf("count of key %d: %d, want %d (all: %v)", k, got[k], want, got)
		}
	}
}

var deployLine = regexp.MustCompile(`\[INFO\] Deploying (.+) \((\d+)/(\d+)\) of job ([0-9a-f]{32}) attempt (\d+) on TaskManager (\S+)\.`)

// deployed returns the "vertex (i/p)" deployed per TaskManager for job
// id's attempt.
func (c *jobCluster) deployed(id string, attempt int) map[string][]string {
	out := map[string][]string{}
	for name, p := range c.tms {
		for _, m := range deployLine.FindAllStringSubmatch(p.out.String(), -1) {
			if m[4] == id && m[5] == strconv.Itoa(attempt) {
				if m[6] != name {
					c.fatalf("%s says it is %s", name, m[6])
				}
				out[name] = append(out[name], fmt.Sprintf("%s (%s/%s)", m[1], m[2], m[3]))
			}
		}
		sort.Strings(out[name])
	}
	return out
}

// TestClusterRunsJobs: an INSERT job (a file sink and a GROUP BY into a
// print sink, parallelism 2, checkpointing) submitted with sql-client to a
// JobManager with 2 TaskManagers of 1 slot runs on the TaskManagers —
// subtask i of every vertex on slot i — records crossing between them,
// and ends with exact results.
func TestClusterRunsJobs(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	c := startJobCluster(t, 1, "tm-a", "tm-b")
	dir := t.TempDir()
	const n = 3000
	id := c.submit(dir, jobScript(dir, n, 3000))
	if state := c.waitJob(id); state != "FINISHED" {
		c.fatalf("job %s ended %s", id, state)
	}
	c.checkResults(dir, n)
	dep := c.deployed(id, 1)
	if len(dep["tm-a"]) == 0 || len(dep["tm-b"]) == 0 || len(dep["tm-a"]) != len(dep["tm-b"]) {
		c.fatalf("deployed subtasks: %v", dep)
	}
	t.Logf("deployed: %v", dep)
	// The slots are free again.
	c.until("the slots released", func() (bool, string) {
		var o overviewJSON
		code, err := get(c.rest+"/overview", &o)
		return err == nil && code == 200 && o.SlotsAvailable == 2, fmt.Sprintf("%d %v %+v", code, err, o)
	})
}

// TestClusterTaskManagerLost: with 2 TaskManagers of 2 slots and
// parallelism 2 (one slot on each), one TaskManager killed mid-job makes
// the job restart from its latest checkpoint on the 2 slots of the other
// one; it still ends with exact results. The state backend is Pebble with
// incremental checkpoints: the restored keyed state is the SST files both
// TaskManagers wrote into the shared checkpoint directory.
func TestClusterTaskManagerLost(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	c := startJobCluster(t, 2, "tm-a", "tm-b")
	dir := t.TempDir()
	const n = 6000
	id := c.submit(dir, jobScript(dir, n, 300, "SET 'state.backend.type' = 'rocksdb';", "SET 'execution.checkpointing.incremental' = 'true';"))
	c.until("both TaskManagers running subtasks of attempt 1", func() (bool, string) {
		dep := c.deployed(id, 1)
		return len(dep["tm-a"]) > 0 && len(dep["tm-b"]) > 0, fmt.Sprint(dep)
	})
	c.until("a completed checkpoint", func() (bool, string) {
		var cp struct {
			Counts struct {
				Completed int `json:"completed"`
			} `json:"counts"`
		}
		code, err := get(c.rest+"/jobs/"+id+"/checkpoints", &cp)
		return err == nil && code == 200 && cp.Counts.Completed >= 2, fmt.Sprintf("%d %v %+v", code, err, cp)
	})
	victim := c.tms["tm-b"]
	victim.cmd.Process.Kill()
	c.waitExit(victim)
	if state := c.waitJob(id); state != "FINISHED" {
		c.fatalf("job %s ended %s", id, state)
	}
	// Attempts placed on tm-b before its heartbeat timed out fail (their
	// data connections to it are refused, or it is no longer reachable);
	// the one after it is removed runs on tm-a's two slots.
	c.waitOutput(c.jm, regexp.MustCompile(`The heartbeat of TaskManager with id tm-b at \S+ timed out`))
	first := c.deployed(id, 1)
	total := len(first["tm-a"]) + len(first["tm-b"])
	last := 0
	for a := 2; a < 50; a++ {
		if dep := c.deployed(id, a); len(dep["tm-a"]) > 0 {
			last = a
		}
	}
	if dep := c.deployed(id, last); last == 0 || len(dep["tm-a"]) != total {
		c.fatalf("the last attempt (%d) ran %v on tm-a, want all %d subtasks (attempt 1: %v)", last, dep, total, first)
	}
	t.Logf("attempt 1: %v; attempt %d: %v", first, last, c.deployed(id, last))
	// The print output of the killed TaskManager counts too: the last
	// value per key is what the newest attempt printed, which restored the
	// counts of the checkpoint.
	c.checkResults(dir, n)
}

// TestClusterNotEnoughSlots: a job needing more slots than the cluster
// has fails after slot.request.timeout with Flink's
// NoResourceAvailableException (no checkpointing: no restart strategy).
func TestClusterNotEnoughSlots(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	c := startJobClusterWith(t, "1 s", 1, "tm-a")
	dir := t.TempDir()
	out, _ := c.client(dir, `SET 'parallelism.default' = '2';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE snk (id BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO snk SELECT id FROM src;
`)
	t.Logf("sql-client:\n%s", out)
	if !strings.Contains(out, "NoResourceAvailableException: Could not acquire the minimum required resources.") {
		c.fatalf("sql-client output:\n%s", out)
	}
	c.until("the slot free again", func() (bool, string) {
		var o overviewJSON
		code, err := get(c.rest+"/overview", &o)
		return err == nil && code == 200 && o.SlotsAvailable == 1, fmt.Sprintf("%d %v %+v", code, err, o)
	})
}

// TestClusterJobManagerStops: a JobManager stopped with SIGTERM cancels
// its jobs, and their subtasks on the TaskManagers end with them (no
// orphan keeps writing).
func TestClusterJobManagerStops(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	c := startJobCluster(t, 1, "tm-a", "tm-b")
	dir := t.TempDir()
	id := c.submit(dir, jobScript(dir, 1000000000, 10))
	c.until("both TaskManagers running subtasks", func() (bool, string) {
		dep := c.deployed(id, 1)
		return len(dep["tm-a"]) > 0 && len(dep["tm-b"]) > 0, fmt.Sprint(dep)
	})
	c.jm.cmd.Process.Signal(syscall.SIGTERM)
	if code := c.waitExit(c.jm); code != 0 {
		c.fatalf("jobmanager exit %d", code)
	}
	ended := regexp.MustCompile(`Attempt 1 of job ` + id + ` canceled on this TaskManager`)
	for _, name := range []string{"tm-a", "tm-b"} {
		c.waitOutput(c.tms[name], ended)
	}
}
