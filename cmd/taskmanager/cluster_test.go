package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The multi-process test: real jobmanager and taskmanager binaries on
// loopback with free ports. Every wait polls with a generous deadline
// (the machine may be loaded); nothing asserts that something was quick.

var (
	buildOnce            sync.Once
	binDir, buildErr     string
	jobmanagerBin, tmBin string
)

// binaries builds jobmanager and taskmanager once per test binary.
func binaries(t *testing.T) (jm, tm string) {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "flinkgo-cluster-bin")
		if err != nil {
			buildErr = err.Error()
			return
		}
		binDir = dir
		jobmanagerBin, tmBin = filepath.Join(dir, "jobmanager"), filepath.Join(dir, "taskmanager")
		for _, b := range [][2]string{{jobmanagerBin, "../jobmanager"}, {tmBin, "."}} {
			if out, err := exec.Command("go", "build", "-o", b[0], b[1]).CombinedOutput(); err != nil {
				buildErr = fmt.Sprintf("go build %s: %v\n%s", b[1], err, out)
				return
			}
		}
	})
	if buildErr != "" {
		t.Fatal(buildErr)
	}
	return jobmanagerBin, tmBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// syncBuffer collects a process's output.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a started process.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

// clusterTest holds the processes of one test, dumped when it fails.
type clusterTest struct {
	t     *testing.T
	mu    sync.Mutex
	procs []*proc
}

const deadline = 90 * time.Second

func newClusterTest(t *testing.T) *clusterTest {
	c := &clusterTest{t: t}
	t.Cleanup(func() {
		c.mu.Lock()
		procs := append([]*proc(nil), c.procs...)
		c.mu.Unlock()
		for _, p := range procs {
			if t.Failed() {
				// A Go process dumps its goroutines on SIGQUIT.
				p.cmd.Process.Signal(syscall.SIGQUIT)
			} else {
				p.cmd.Process.Kill()
			}
		}
		for _, p := range procs {
			select {
			case <-p.done:
			case <-time.After(10 * time.Second):
				p.cmd.Process.Kill()
				<-p.done
			}
			if t.Failed() {
				t.Logf("--- %s ---\n%s", p.name, p.out.String())
			}
		}
	})
	return c
}

func (c *clusterTest) start(name, bin string, conf ...string) *proc {
	c.t.Helper()
	var args []string
	for _, kv := range conf {
		args = append(args, "-D", kv)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "FLINK_CONF_DIR=")
	p := &proc{name: name, cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	c.mu.Lock()
	c.procs = append(c.procs, p)
	c.mu.Unlock()
	return p
}

// fatalf fails with a dump of this process's goroutines.
func (c *clusterTest) fatalf(format string, args ...any) {
	c.t.Helper()
	var b strings.Builder
	pprof.Lookup("goroutine").WriteTo(&b, 1)
	c.t.Fatalf(format+"\n--- test goroutines ---\n%s", append(args, b.String())...)
}

// waitOutput waits for re in p's output and returns its first group.
func (c *clusterTest) waitOutput(p *proc, re *regexp.Regexp) string {
	c.t.Helper()
	end := time.Now().Add(deadline)
	for {
		if m := re.FindStringSubmatch(p.out.String()); m != nil {
			if len(m) > 1 {
				return m[1]
			}
			return m[0]
		}
		select {
		case <-p.done:
			c.fatalf("%s exited (%v) before printing %q", p.name, p.cmd.ProcessState, re)
		default:
		}
		if time.Now().After(end) {
			c.fatalf("%s printed no %q within %s", p.name, re, deadline)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitExit waits for p to exit and returns its exit code.
func (c *clusterTest) waitExit(p *proc) int {
	c.t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(deadline):
		c.fatalf("%s did not exit within %s", p.name, deadline)
		return -1
	}
}

// until polls cond (which describes the state it saw) until it holds.
func (c *clusterTest) until(what string, cond func() (bool, string)) {
	c.t.Helper()
	end := time.Now().Add(deadline)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(end) {
			c.fatalf("timed out waiting for %s; last seen: %s", what, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var client = &http.Client{Timeout: 20 * time.Second}

// get fetches a REST path and decodes its JSON body into v.
func get(url string, v any) (int, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	return resp.StatusCode, json.Unmarshal(b, v)
}

type tmJSON struct {
	ID                     string `json:"id"`
	Path                   string `json:"path"`
	DataPort               int    `json:"dataPort"`
	TimeSinceLastHeartbeat int64  `json:"timeSinceLastHeartbeat"`
	SlotsNumber            int    `json:"slotsNumber"`
	FreeSlots              int    `json:"freeSlots"`
	Hardware               struct {
		CPUCores       int   `json:"cpuCores"`
		PhysicalMemory int64 `json:"physicalMemory"`
	} `json:"hardware"`
}

// taskManagers returns /taskmanagers by id, and a description.
func taskManagers(rest string) (map[string]tmJSON, string) {
	var body struct {
		TaskManagers []tmJSON `json:"taskmanagers"`
	}
	if code, err := get(rest+"/taskmanagers", &body); err != nil || code != 200 {
		return nil, fmt.Sprintf("GET /taskmanagers: %d %v", code, err)
	}
	out := map[string]tmJSON{}
	var ids []string
	for _, tm := range body.TaskManagers {
		out[tm.ID] = tm
		ids = append(ids, fmt.Sprintf("%s(%d/%d slots, port %d)", tm.ID, tm.FreeSlots, tm.SlotsNumber, tm.DataPort))
	}
	sort.Strings(ids)
	return out, strings.Join(ids, ", ")
}

// exactly waits until /taskmanagers lists exactly ids, each with 2 free
// slots of 2 and a data port.
func (c *clusterTest) exactly(rest string, ids ...string) map[string]tmJSON {
	c.t.Helper()
	var got map[string]tmJSON
	c.until(fmt.Sprintf("/taskmanagers to list exactly %v", ids), func() (bool, string) {
		var desc string
		got, desc = taskManagers(rest)
		if len(got) != len(ids) {
			return false, desc
		}
		for _, id := range ids {
			tm, ok := got[id]
			if !ok || tm.SlotsNumber != 2 || tm.FreeSlots != 2 || tm.DataPort <= 0 || tm.TimeSinceLastHeartbeat <= 0 {
				return false, desc
			}
		}
		return true, desc
	})
	return got
}

type overviewJSON struct {
	TaskManagers   int `json:"taskmanagers"`
	SlotsTotal     int `json:"slots-total"`
	SlotsAvailable int `json:"slots-available"`
}

func (c *clusterTest) overview(rest string, tms, slots int) {
	c.t.Helper()
	c.until(fmt.Sprintf("/overview with %d TaskManagers and %d slots", tms, slots), func() (bool, string) {
		var o overviewJSON
		code, err := get(rest+"/overview", &o)
		return err == nil && code == 200 && o.TaskManagers == tms && o.SlotsTotal == slots && o.SlotsAvailable == slots,
			fmt.Sprintf("%d %v %+v", code, err, o)
	})
}

var (
	rpcLine  = regexp.MustCompile(`RPC endpoint for TaskManagers at (\S+) `)
	restLine = regexp.MustCompile(`SQL Gateway at (http://\S+)`)
	regLine  = regexp.MustCompile(`\[INFO\] TaskManager (\S+) registered at the JobManager`)
)

// TestClusterMembership: 1 JobManager + 2 TaskManagers; a TaskManager
// killed is removed after heartbeat.timeout and rejoins when restarted;
// both register again with a restarted JobManager; a TaskManager stopped
// with SIGTERM leaves at once.
func TestClusterMembership(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	jmBin, tmBin := binaries(t)
	c := newClusterTest(t)

	jmConf := []string{"rest.port=0", "jobmanager.rpc.address=127.0.0.1", "jobmanager.rpc.port=0", "heartbeat.timeout=3 s"}
	jm := c.start("jobmanager", jmBin, jmConf...)
	rpc := c.waitOutput(jm, rpcLine)
	rest := c.waitOutput(jm, restLine)
	_, rpcPort, _ := strings.Cut(rpc, ":")

	// Nothing registered: the JobManager process is the one TaskManager.
	c.until("/overview of the JobManager alone", func() (bool, string) {
		var o overviewJSON
		code, err := get(rest+"/overview", &o)
		return err == nil && code == 200 && o.TaskManagers == 1 && o.SlotsTotal > 0, fmt.Sprintf("%d %v %+v", code, err, o)
	})

	tmConf := func(id string, extra ...string) []string {
		return append([]string{
			"jobmanager.rpc.address=127.0.0.1", "jobmanager.rpc.port=" + rpcPort,
			"taskmanager.numberOfTaskSlots=2", "taskmanager.bind-host=127.0.0.1", "taskmanager.data.port=0",
			"taskmanager.resource-id=" + id,
			"heartbeat.interval=200 ms", "heartbeat.timeout=3 s", "cluster.registration.error-delay=200 ms",
		}, extra...)
	}
	// tm-a names its host; tm-b finds the address that reaches the
	// JobManager itself.
	tmA := c.start("taskmanager tm-a", tmBin, tmConf("tm-a", "taskmanager.host=127.0.0.1")...)
	tmB := c.start("taskmanager tm-b", tmBin, tmConf("tm-b")...)
	if id := c.waitOutput(tmA, regLine); id != "tm-a" {
		t.Fatalf("tm-a registered as %q", id)
	}
	c.waitOutput(tmB, regLine)

	tms := c.exactly(rest, "tm-a", "tm-b")
	for _, id := range []string{"tm-a", "tm-b"} {
		tm := tms[id]
		if want := fmt.Sprintf("tcp://127.0.0.1:%d", tm.DataPort); tm.Path != want || tm.Hardware.CPUCores < 1 {
			t.Errorf("%s: path %q (want %q), hardware %+v", id, tm.Path, want, tm.Hardware)
		}
	}
	c.overview(rest, 2, 4)

	// Details: metrics come with heartbeats; an unknown id is Flink's 404.
	c.until("/taskmanagers/tm-a with heap metrics", func() (bool, string) {
		var d struct {
			ID             string            `json:"id"`
			AllocatedSlots []json.RawMessage `json:"allocatedSlots"`
			Metrics        struct {
				HeapUsed int64 `json:"heapUsed"`
			} `json:"metrics"`
		}
		code, err := get(rest+"/taskmanagers/tm-a", &d)
		return err == nil && code == 200 && d.ID == "tm-a" && d.AllocatedSlots != nil && d.Metrics.HeapUsed > 0, fmt.Sprintf("%d %v %+v", code, err, d)
	})
	var e struct {
		Errors []string `json:"errors"`
	}
	if code, err := get(rest+"/taskmanagers/nope", &e); err != nil || code != 404 || len(e.Errors) != 1 || e.Errors[0] != "Could not find TaskExecutor nope." {
		t.Fatalf("GET /taskmanagers/nope: %d %v %v", code, err, e)
	}

	// SIGKILL tm-b: gone after heartbeat.timeout, logged.
	tmB.cmd.Process.Kill()
	c.waitExit(tmB)
	c.exactly(rest, "tm-a")
	c.overview(rest, 1, 2)
	c.waitOutput(jm, regexp.MustCompile(`The heartbeat of TaskManager with id tm-b at \S+ timed out`))

	// Restarted, it rejoins.
	tmB = c.start("taskmanager tm-b (restarted)", tmBin, tmConf("tm-b")...)
	c.waitOutput(tmB, regLine)
	c.exactly(rest, "tm-a", "tm-b")
	c.overview(rest, 2, 4)

	// A restarted JobManager (same RPC port) knows nobody: both register
	// again with it.
	jm.cmd.Process.Signal(syscall.SIGTERM)
	if code := c.waitExit(jm); code != 0 || !strings.Contains(jm.out.String(), "JobManager stopped.") {
		c.fatalf("jobmanager exit %d:\n%s", code, jm.out.String())
	}
	jm2 := c.start("jobmanager (restarted)", jmBin, append(jmConf[:len(jmConf):len(jmConf)], "jobmanager.rpc.port="+rpcPort)...)
	rest = c.waitOutput(jm2, restLine)
	c.exactly(rest, "tm-a", "tm-b")
	c.overview(rest, 2, 4)

	// SIGTERM: a clean exit that leaves at once (no timeout needed).
	tmA.cmd.Process.Signal(syscall.SIGTERM)
	if code := c.waitExit(tmA); code != 0 || !strings.Contains(tmA.out.String(), "TaskManager stopped.") {
		c.fatalf("tm-a exit %d:\n%s", code, tmA.out.String())
	}
	c.waitOutput(jm2, regexp.MustCompile(`TaskManager tm-a at \S+ disconnected: the TaskManager is shutting down\.`))
	c.exactly(rest, "tm-b")
}
