package main

import (
	"fmt"
	"net"
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

// Scenario 2 (shared/SCENARIOS.md): word count over lines arriving on a
// socket, as a Flink user runs it against `nc -lk 9999`: a running count
// per word printed as a changelog, checkpoints to a directory, the job
// cancelled (the checkpoint retained), started again from chk-<n>, more
// lines sent, and the counts continue where they were.
func TestScenario2SocketWordCount(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "ckpt")

	conns, port := listenLikeNC(t)

	// The scenario checkpoints every 5 s; 200 ms keeps the test fast.
	body := `SET 'execution.checkpointing.interval' = '200ms';
SET 'state.checkpoints.dir' = 'file://` + ckpt + `';
SET 'execution.checkpointing.externalized-checkpoint-retention' = 'RETAIN_ON_CANCELLATION';
CREATE TABLE lines (line STRING) WITH ('connector'='socket','hostname'='localhost','port'='` + port + `','format'='raw');
CREATE TABLE counts (word STRING, cnt BIGINT) WITH ('connector'='print');
INSERT INTO counts SELECT word, COUNT(*) FROM lines CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word) GROUP BY word;
`
	// First run: count, checkpoint, cancel with Ctrl-C.
	out1, cmd1, conn1 := startSocketJob(t, dir, writeFile(t, dir, "wordcount.sql", body), conns)
	defer cmd1.Process.Kill()
	defer conn1.Close()
	// One line at a time, so each count change is its own changelog step.
	sendAndWait(t, conn1, out1, "hadoop flink", "+I[hadoop, 1]", "+I[flink, 1]")
	sendAndWait(t, conn1, out1, "hadoop", "-U[hadoop, 1]", "+U[hadoop, 2]")
	// A checkpoint taken after these rows were printed holds the counts
	// (at most one checkpoint is in flight, so the second one completing
	// from now on was triggered after the rows).
	waitCheckpoint(t, ckpt, newestCheckpointID(t, ckpt)+2, out1)
	code := interrupt(t, cmd1)
	if code != 130 {
		t.Fatalf("first run: exit code %d after SIGINT, want 130\n%s", code, out1.String())
	}
	if !strings.Contains(out1.String(), "[INFO] Received interrupt, cancelling 1 job(s)...") {
		t.Fatalf("first run: no cancel message:\n%s", out1.String())
	}
	// Flink's print sink at parallelism 1 prints the row kind and the row
	// alone on each line.
	for _, line := range []string{"+I[hadoop, 1]", "+I[flink, 1]", "-U[hadoop, 1]", "+U[hadoop, 2]"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(line) + `$`).MatchString(out1.String()) {
			t.Fatalf("first run: no line %q exactly as Flink's print sink writes it:\n%s", line, out1.String())
		}
	}

	// RETAIN_ON_CANCELLATION kept the checkpoint: find the newest
	// <dir>/<job-id>/chk-<n> as the user would.
	chk := newestCheckpointDir(t, ckpt)
	if chk == "" {
		t.Fatalf("no checkpoint retained after cancel:\n%s", out1.String())
	}
	t.Logf("restoring from %s", chk)

	// Second run from chk-<n>, as `flink run -s`.
	again := writeFile(t, dir, "again.sql", "SET 'execution.savepoint.path' = '"+chk+"';\n"+body)
	out2, cmd2, conn2 := startSocketJob(t, dir, again, conns)
	defer cmd2.Process.Kill()
	defer conn2.Close()
	sendAndWait(t, conn2, out2, "hadoop spark", "-U[hadoop, 2]", "+U[hadoop, 3]", "+I[spark, 1]")
	sendAndWait(t, conn2, out2, "flink", "-U[flink, 1]", "+U[flink, 2]")
	if code := interrupt(t, cmd2); code != 130 {
		t.Fatalf("second run: exit code %d after SIGINT, want 130\n%s", code, out2.String())
	}
	for _, stale := range []string{"+I[hadoop, 1]", "+I[flink, 1]", "+I[hadoop, 2]"} {
		if strings.Contains(out2.String(), stale) {
			t.Fatalf("second run started counting from zero (%s):\n%s", stale, out2.String())
		}
	}
}

// startSocketJob starts `sql-client -f script` and returns its output, the
// process and the connection its socket source opened.
// listenLikeNC plays `nc -lk`: it listens on a free local port and hands
// over each connection a job opens; it stops listening when t ends.
func listenLikeNC(t *testing.T) (<-chan net.Conn, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conns := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return conns, port
}

func startSocketJob(t *testing.T, dir, script string, conns <-chan net.Conn) (*syncBuffer, *exec.Cmd, net.Conn) {
	t.Helper()
	cmd := exec.Command(binary, "-f", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+dir)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-conns:
		return out, cmd, c
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the job did not connect to the socket:\n%s", out.String())
	}
	return nil, nil, nil
}

// sendAndWait writes one line to the socket and waits until every want
// line appears in the output.
func sendAndWait(t *testing.T, c net.Conn, out *syncBuffer, line string, want ...string) {
	t.Helper()
	if _, err := fmt.Fprintf(c, "%s\n", line); err != nil {
		t.Fatalf("sending %q: %v", line, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := out.String()
		missing := ""
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after sending %q: no %q in the output:\n%s", line, missing, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var chkDir = regexp.MustCompile(`^chk-(\d+)$`)

// completedCheckpoints lists <job-id>/chk-<n> directories with a _metadata.
func completedCheckpoints(t *testing.T, root string) map[string]int {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(root, "*", "chk-*", "_metadata"))
	out := map[string]int{}
	for _, p := range m {
		d := filepath.Dir(p)
		if g := chkDir.FindStringSubmatch(filepath.Base(d)); g != nil {
			n, _ := strconv.Atoi(g[1])
			out[d] = n
		}
	}
	return out
}

func newestCheckpointID(t *testing.T, root string) int {
	n := 0
	for _, id := range completedCheckpoints(t, root) {
		n = max(n, id)
	}
	return n
}

func newestCheckpointDir(t *testing.T, root string) string {
	best, dir := 0, ""
	for d, id := range completedCheckpoints(t, root) {
		if id > best {
			best, dir = id, d
		}
	}
	return dir
}

func waitCheckpoint(t *testing.T, root string, atLeast int, out *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for newestCheckpointID(t, root) < atLeast {
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint %d completed:\n%s", atLeast, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// interrupt sends SIGINT (Ctrl-C) and returns the exit code.
func interrupt(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("the client did not exit after SIGINT")
	}
	return cmd.ProcessState.ExitCode()
}
