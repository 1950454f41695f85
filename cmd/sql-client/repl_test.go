package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// replTerm is the client's REPL on a pseudo terminal, as a person uses it.
type replTerm struct {
	t    *testing.T
	cmd  *exec.Cmd
	f    *os.File
	out  *syncBuffer
	done chan struct{} // closed when the terminal closes
}

// startREPL starts the client with args in dir (HOME=home) on a pseudo
// terminal and waits for its first prompt; no terminal fails the test
// under CI=true and skips it otherwise.
func startREPL(t *testing.T, dir, home string, args ...string) *replTerm {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+home, "TERM=dumb")
	return startTerm(t, cmd, nil)
}

// startTerm starts cmd in a pseudo terminal (of size ws; nil: the
// default), copies what it prints into the returned replTerm and waits for
// the first prompt. A machine without pseudo terminals fails the test under
// CI=true and skips it otherwise.
func startTerm(t *testing.T, cmd *exec.Cmd, ws *pty.Winsize) *replTerm {
	t.Helper()
	f, err := pty.StartWithSize(cmd, ws)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no pseudo terminal: %v", err)
		}
		t.Skipf("no pseudo terminal here: %v", err)
	}
	r := &replTerm{t: t, cmd: cmd, f: f, out: &syncBuffer{}, done: make(chan struct{})}
	t.Cleanup(func() { f.Close(); cmd.Process.Kill() })
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			r.out.Write(buf[:n])
			if err != nil {
				close(r.done)
				return
			}
		}
	}()
	r.waitFor("Flink SQL> ", 1)
	return r
}

// send types one line and Enter.
func (r *replTerm) send(line string) { r.f.Write([]byte(line + "\r")) }

// waitFor waits (generously) until s appears count times on the screen.
func (r *replTerm) waitFor(s string, count int) {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(r.out.String(), s) < count {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %q (%d times); screen:\n%s", s, count, r.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// quit types QUIT;, waits for the client to exit and returns the screen.
func (r *replTerm) quit(wantBefore ...string) string {
	r.t.Helper()
	r.send("QUIT;")
	for _, w := range wantBefore {
		r.waitFor(w, 1)
	}
	r.waitFor("[INFO] Exiting Flink SQL CLI Client...", 1)
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		r.t.Fatal("client did not exit after QUIT")
	}
	r.cmd.Wait()
	return r.out.String()
}

// TestREPLRecallsMultilineStatement: up-arrow recalls a statement typed on
// several lines as a whole, also from the history file of an earlier run.
func TestREPLRecallsMultilineStatement(t *testing.T) {
	home := t.TempDir()
	r := startREPL(t, "", home)
	r.send("SELECT 1 AS a,")
	r.send("  2 AS b; -- two lines")
	r.waitFor("Received a total of 1 row", 1)
	r.f.Write([]byte("\x1b[A\r")) // up-arrow, Enter
	r.waitFor("Received a total of 1 row", 2)
	r.quit()
	h, err := os.ReadFile(filepath.Join(home, ".flink-sql-history"))
	if err != nil || !strings.Contains(string(h), `SELECT 1 AS a,\n  2 AS b; -- two lines`) {
		t.Fatalf("history file (%v):\n%s", err, h)
	}
	// A new client finds it in the history file (before the QUIT;).
	r = startREPL(t, "", home)
	r.f.Write([]byte("\x1b[A\x1b[A\r"))
	r.waitFor("Received a total of 1 row", 1)
	r.quit()
}
