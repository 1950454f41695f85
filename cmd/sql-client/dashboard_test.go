package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium, which .ci/services installs.
const chromiumPath = "/usr/bin/chromium"

// dashboardWait bounds every wait of the dashboard test: generous, as the
// machine may be slow and shared; nothing here asserts speed.
const dashboardWait = 60 * time.Second

// TestDashboardInBrowser drives the web dashboard in headless Chromium
// against the real client running a streaming job (datagen → GROUP BY →
// blackhole at parallelism 2, event time, a checkpoint every 200 ms): the overview
// lists the job; its page draws the operator graph with one vertex per
// vertex of the plan and edges between them, a vertex's record count
// grows between two reads, and rates, time shares and a watermark appear; the checkpoint chart gets
// bars and gains more, and a bar opens that checkpoint's details; the
// configuration and exceptions tabs show the job's; stop with a savepoint
// (confirm accepted) shows the savepoint's path and the job ends FINISHED.
// Screenshots land in $FLINKGO_TEST_REPORT_DIR (or the test's temporary
// directory).
func TestDashboardInBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (.ci/services installs it): %v", chromiumPath, err)
		}
		t.Skipf("%s is missing (run .ci/services): %v", chromiumPath, err)
	}
	for _, where := range []string{"embedded", "cluster"} {
		t.Run(where, func(t *testing.T) { dashboardInBrowser(t, where) })
	}
}

// dashboardInBrowser is the test with the job in the client (embedded,
// whose REST API serves the dashboard) or on a session cluster (the
// jobmanager's; the client that submitted the job has exited).
func dashboardInBrowser(t *testing.T, where string) {
	dir := t.TempDir()
	var client *dashboardClient
	var url string
	if where == "embedded" {
		client = startDashboardClient(t, dir)
		url = client.url
	} else {
		c := startCluster(t, dir, "web.refresh-interval=500")
		out, code := runClient(t, dir, append(c.remoteArgs(), "-f", writeFile(t, dir, "job.sql", dashboardJob(dir)))...)
		if code != 0 {
			t.Fatalf("submitting to the cluster: exit %d\n%s", code, out)
		}
		url = c.url
	}

	ctx := newBrowser(t)
	shots := screenshotDir(t)
	var exceptions pageExceptions
	exceptions.watch(ctx)
	// Accept the confirm dialogs of the cancel and stop buttons.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	d := &dashboard{t: t, ctx: ctx, shots: shots}
	defer func() {
		if t.Failed() {
			d.screenshot("dashboard-failure.png")
		}
	}()

	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/")); err != nil {
		t.Fatal(err)
	}
	jobID := d.waitString("the job in the overview's running jobs",
		`(document.querySelector('#running-jobs tr[data-job-id]') || {}).dataset?.jobId || ''`,
		func(s string) bool { return len(s) == 32 })
	d.waitString("the cluster's figures", `document.querySelector('#stat-jobs-running')?.dataset.value || ''`,
		func(s string) bool { return s == "1" })
	d.screenshot("dashboard-overview.png")
	d.do(chromedp.Click(chromedp.CSS(`#running-jobs tr[data-job-id="` + jobID + `"] a.job-link`)))

	// The graph: every vertex of the plan, edges between them.
	plan := restPlan(t, url, jobID)
	d.waitInt("the graph's vertices", `document.querySelectorAll('#job-graph-svg g[data-vertex-id]').length`,
		func(n int) bool { return n == len(plan) })
	d.waitInt("the graph's edges", `document.querySelectorAll('#job-graph-svg g.edge path').length`,
		func(n int) bool { return n >= len(plan)-1 })
	for id, parallelism := range plan {
		sel := `#job-graph-svg g[data-vertex-id="` + id + `"]`
		d.waitString("vertex "+id+"'s parallelism and status",
			`[...document.querySelectorAll('`+sel+` [data-field="parallelism"], `+sel+` [data-field="status"]')].map(e => e.dataset.value).join(' ')`,
			func(s string) bool { return s == strconv.Itoa(parallelism)+" RUNNING" })
	}
	d.waitString("a vertex name", `document.querySelector('#job-graph-svg [data-field="name"]')?.textContent || ''`,
		func(s string) bool { return strings.Contains(s, "Source: src") })

	// A record count grows between two reads, and a rate shows.
	const records = `Object.fromEntries([...document.querySelectorAll('#job-graph-svg g[data-vertex-id]')].map(g =>
		[g.dataset.vertexId, Number(g.querySelector('[data-field="records-in"]').dataset.value || 0)]))`
	var first map[string]float64
	d.waitFor("records in the graph", func() (bool, string) {
		first = evaluate[map[string]float64](d, records)
		for _, n := range first {
			if n > 0 {
				return true, ""
			}
		}
		return false, fmt.Sprint(first)
	})
	d.waitFor("a vertex's records to grow", func() (bool, string) {
		now := evaluate[map[string]float64](d, records)
		for id, n := range now {
			if n > first[id] && first[id] > 0 {
				return true, ""
			}
		}
		return false, fmt.Sprintf("first %v, now %v", first, now)
	})
	d.waitString("a records rate", `[...document.querySelectorAll('#job-graph-svg [data-field="rate-in"]')].map(e => e.textContent).join(' ')`,
		func(s string) bool { return strings.Contains(s, "/s") })
	d.waitString("busy / back-pressured / idle shares and back pressure",
		`[...document.querySelectorAll('#job-graph-svg g[data-vertex-id]')].map(g => ['busy', 'idle', 'backpressure-level'].map(f => g.querySelector('[data-field="'+f+'"]').dataset.value ?? '').join(',')).join(' ')`,
		func(s string) bool {
			return !strings.Contains(s, ",,") && !strings.HasPrefix(s, ",") && !strings.HasSuffix(s, ",")
		})
	d.waitString("a watermark", `[...document.querySelectorAll('#job-graph-svg [data-field="watermark"]')].map(e => e.dataset.value).join(' ')`,
		func(s string) bool {
			for _, f := range strings.Fields(s) {
				if ms, err := strconv.ParseInt(f, 10, 64); err == nil && ms > 0 {
					return true
				}
			}
			return false
		})
	d.screenshot("dashboard-graph.png")

	// The checkpoint chart gets bars and gains more.
	d.do(chromedp.Click(chromedp.ID("tab-checkpoints")))
	// The chart keeps the newest data-keep checkpoints: once full, it
	// gains newer ones in place of the oldest.
	type chart struct {
		Bars   int `json:"bars"`
		Keep   int `json:"keep"`
		Newest int `json:"newest"`
	}
	const bars = `(() => { const ids = [...document.querySelectorAll('#checkpoint-chart rect.ckpt-bar')].map(r => Number(r.dataset.checkpointId));
		return {bars: ids.length, keep: Number(document.querySelector('#checkpoint-chart')?.dataset.keep || 0), newest: Math.max(0, ...ids)}; })()`
	var c1 chart
	d.waitFor("bars in the checkpoint chart", func() (bool, string) {
		c1 = evaluate[chart](d, bars)
		return c1.Bars >= 1, fmt.Sprintf("%+v", c1)
	})
	d.waitFor("more bars in the checkpoint chart", func() (bool, string) {
		c := evaluate[chart](d, bars)
		return c.Newest > c1.Newest && (c.Bars > c1.Bars || c1.Bars == c1.Keep), fmt.Sprintf("first %+v, now %+v", c1, c)
	})
	d.waitString("the checkpoint configuration", `document.querySelector('#checkpoint-config')?.textContent || ''`,
		func(s string) bool { return strings.Contains(s, "Exactly once") && strings.Contains(s, "200 ms") })
	d.waitInt("completed checkpoints in the history table",
		`document.querySelectorAll('#checkpoint-history tr[data-checkpoint-id] [data-state="COMPLETED"]').length`,
		func(n int) bool { return n >= 1 })
	ckpt := evaluate[string](d, `(() => { const r = [...document.querySelectorAll('#checkpoint-chart rect.ckpt-bar[data-status="COMPLETED"]')].pop();
		r.dispatchEvent(new MouseEvent('click', {bubbles: true})); return r.dataset.checkpointId; })()`)
	d.waitString("checkpoint "+ckpt+"'s details", `document.querySelector('#checkpoint-details dl')?.dataset.checkpointId || ''`,
		func(s string) bool { return s == ckpt })
	d.screenshot("dashboard-checkpoints.png")

	// Configuration and exceptions.
	d.do(chromedp.Click(chromedp.ID("tab-config")))
	d.waitString("the job's configuration", `document.querySelector('#job-config tr[data-key="pipeline.name"]')?.textContent || ''`,
		func(s string) bool { return strings.Contains(s, "dashboard-e2e") })
	d.do(chromedp.Click(chromedp.ID("tab-exceptions")))
	d.waitInt("no exceptions", `document.querySelectorAll('#no-exceptions').length`, func(n int) bool { return n == 1 })

	// Stop with a savepoint: the page shows where it went.
	d.do(chromedp.Click(chromedp.ID("tab-graph")))
	d.waitString("the stop button enabled", `String(document.querySelector('#stop-job').disabled)`,
		func(s string) bool { return s == "false" })
	d.do(chromedp.Click(chromedp.ID("stop-job")))
	path := d.waitString("the savepoint's path",
		`(document.querySelector('#savepoint-path') || document.querySelector('#savepoint-failure'))?.textContent || ''`,
		func(s string) bool { return s != "" })
	if !strings.Contains(path, filepath.Join(dir, "sp")) || !strings.Contains(path, "savepoint-") {
		t.Fatalf("stop with savepoint: %q, want a savepoint under %s", path, filepath.Join(dir, "sp"))
	}
	d.waitString("the job FINISHED", `document.querySelector('#job-state')?.dataset.state || ''`,
		func(s string) bool { return s == "FINISHED" })
	d.screenshot("dashboard-stopped.png")

	if msgs := exceptions.list(); len(msgs) > 0 {
		t.Errorf("the page threw:\n%s", strings.Join(msgs, "\n"))
	}
	if client == nil {
		return
	}
	client.stdin.Close() // the client exits at the end of its input
	select {
	case <-client.done:
		if client.err != nil {
			t.Errorf("client: %v\n%s", client.err, client.out.String())
		}
	case <-time.After(dashboardWait):
		t.Error("the client did not exit at the end of its input")
	}
}

// dashboardClient is the client process the dashboard test drives.
type dashboardClient struct {
	url   string         // the REST API's address
	stdin io.WriteCloser // its statements; closing it ends the client
	done  chan struct{}  // closed when the client exited
	err   error          // its exit, once done is closed
	out   syncBuffer     // its standard output and error
}

// startDashboardClient starts the client with the REST API on a free port
// and a refresh interval of 500 ms, reading its statements from a pipe
// that stays open (so it keeps serving after its job ends), submits the
// streaming job and waits until the REST API reports it running.
func startDashboardClient(t *testing.T, dir string) *dashboardClient {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c := &dashboardClient{url: "http://127.0.0.1:" + strconv.Itoa(port), done: make(chan struct{})}
	cmd := exec.Command(binary, "-D", "rest.port="+strconv.Itoa(port), "-D", "web.refresh-interval=500")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &c.out, &c.out
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		c.stdin.Close()
		select {
		case <-c.done:
		case <-time.After(5 * time.Second):
			cmd.Process.Signal(syscall.SIGTERM) // cancels a job still running
			select {
			case <-c.done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				<-c.done
			}
		}
		if t.Failed() {
			t.Logf("client output:\n%s", c.out.String())
		}
	})
	io.WriteString(c.stdin, dashboardJob(dir))

	deadline := time.Now().Add(dashboardWait)
	for {
		var ov struct {
			Jobs []struct {
				State string `json:"state"`
			} `json:"jobs"`
		}
		if resp, err := http.Get(c.url + "/jobs/overview"); err == nil {
			json.NewDecoder(resp.Body).Decode(&ov)
			resp.Body.Close()
			if len(ov.Jobs) == 1 && ov.Jobs[0].State == "RUNNING" {
				return c
			}
		}
		select {
		case <-c.done:
			t.Fatalf("the client exited: %v\n%s", c.err, c.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no running job at %s/jobs/overview\n%s", c.url, c.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// restPlan returns the job's vertices (id → parallelism) from the REST API.
func restPlan(t *testing.T, url, jobID string) map[string]int {
	t.Helper()
	resp, err := http.Get(url + "/jobs/" + jobID + "/plan")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct {
		Plan struct {
			Nodes []struct {
				ID          string `json:"id"`
				Parallelism int    `json:"parallelism"`
			} `json:"nodes"`
		} `json:"plan"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || len(p.Plan.Nodes) < 2 {
		t.Fatalf("plan: %v %+v", err, p)
	}
	out := map[string]int{}
	for _, n := range p.Plan.Nodes {
		out[n.ID] = n.Parallelism
	}
	return out
}

// newBrowser starts headless Chromium with a fresh profile and returns a
// tab's context; the cleanup closes the browser and makes sure none of
// its processes is left.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	profile := filepath.Join(t.TempDir(), "chromium-profile")
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1500, 1000),
	)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		closing, stop := context.WithTimeout(ctx, 10*time.Second)
		chromedp.Cancel(closing) // a graceful close first
		stop()
		cancel()
		cancelAlloc() // kills the browser if it is still there
		chromedp.FromContext(ctx).Allocator.Wait()
		killLeftoverChromium(t, profile)
	})
	// Start the browser now, so a failure to start is reported as such.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting %s: %v", chromiumPath, err)
	}
	return ctx
}

// killLeftoverChromium waits for the processes of the browser's profile
// (its helpers carry --user-data-dir too) to end after the browser, and
// kills, by pid, any that outlive a grace period.
func killLeftoverChromium(t *testing.T, profile string) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		pids := processesWith("--user-data-dir=" + profile)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			time.Sleep(500 * time.Millisecond)
			if left := processesWith("--user-data-dir=" + profile); len(left) > 0 {
				t.Errorf("Chromium processes %v survive SIGKILL", left)
			} else {
				t.Logf("killed leftover Chromium processes %v", pids)
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// processesWith lists the processes whose command line has arg.
func processesWith(arg string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		for _, a := range strings.Split(string(b), "\x00") {
			if a == arg {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// screenshotDir is where the screenshots go: $FLINKGO_TEST_REPORT_DIR, or
// the test's temporary directory.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("FLINKGO_TEST_REPORT_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err == nil {
			return d
		}
	}
	return t.TempDir()
}

// pageExceptions collects the page's uncaught exceptions.
type pageExceptions struct {
	mu   sync.Mutex
	msgs []string
}

func (p *pageExceptions) watch(ctx context.Context) {
	evs := chromedp.Events(ctx, cdpruntime.ExceptionThrown)
	go func() {
		for ev, err := range evs {
			if err != nil {
				return
			}
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
			p.mu.Lock()
			p.msgs = append(p.msgs, fmt.Sprintf("%s:%d: %s", d.URL, d.LineNumber+1, msg))
			p.mu.Unlock()
		}
	}()
}

func (p *pageExceptions) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.msgs...)
}

// dashboard drives the page in one tab.
type dashboard struct {
	t     *testing.T
	ctx   context.Context
	shots string
}

func (d *dashboard) do(a chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.ctx, dashboardWait)
	defer cancel()
	if err := chromedp.Do(ctx, a); err != nil {
		d.t.Fatal(err)
	}
}

func evaluate[T any](d *dashboard, expr string) T {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.ctx, dashboardWait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		d.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitFor polls cond every 200 ms until it holds, for up to dashboardWait;
// cond's string describes what it saw, for the failure.
func (d *dashboard) waitFor(what string, cond func() (bool, string)) {
	d.t.Helper()
	deadline := time.Now().Add(dashboardWait)
	for {
		ok, seen := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("timed out waiting for %s; last seen: %s", what, seen)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitString waits until the string expression's value satisfies ok and
// returns it.
func (d *dashboard) waitString(what, expr string, ok func(string) bool) string {
	d.t.Helper()
	var v string
	d.waitFor(what, func() (bool, string) {
		v = evaluate[string](d, expr)
		return ok(v), strconv.Quote(v)
	})
	return v
}

// waitInt waits until the number expression's value satisfies ok and
// returns it.
func (d *dashboard) waitInt(what, expr string, ok func(int) bool) int {
	d.t.Helper()
	var v int
	d.waitFor(what, func() (bool, string) {
		v = evaluate[int](d, expr)
		return ok(v), strconv.Itoa(v)
	})
	return v
}

// screenshot saves a PNG of the whole page.
func (d *dashboard) screenshot(name string) {
	ctx, cancel := context.WithTimeout(d.ctx, dashboardWait)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		d.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(d.shots, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		d.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	d.t.Logf("screenshot: %s", p)
}

// dashboardJob is the streaming job the dashboard shows: datagen with event
// time → GROUP BY → blackhole at parallelism 2, a checkpoint every 200 ms,
// savepoints under dir/sp.
func dashboardJob(dir string) string {
	return fmt.Sprintf(`SET 'pipeline.name' = 'dashboard-e2e';
SET 'parallelism.default' = '2';
SET 'execution.checkpointing.interval' = '200ms';
SET 'execution.checkpointing.dir' = 'file://%[1]s/chk';
SET 'execution.checkpointing.savepoint-dir' = '%[1]s/sp';
CREATE TABLE src (id BIGINT, name STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'datagen', 'rows-per-second' = '500', 'fields.name.length' = '1');
CREATE TABLE sink (name STRING, n BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT name, COUNT(*) FROM src GROUP BY name;
`, dir)
}
