package main

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// startSizedREPL is startREPL on a pseudo terminal of rows x cols.
func startSizedREPL(t *testing.T, rows, cols uint16, args ...string) *replTerm {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "TERM=xterm")
	return startTerm(t, cmd, &pty.Winsize{Rows: rows, Cols: cols})
}

// viewCase is a query shown in a full-screen view.
type viewCase struct {
	name  string
	mode  string
	ddl   string
	query string
	want  []string // on the view's screen
	quit  string   // the keys that leave the view, "" if it ends by itself
	after []string // on the screen after the view
}

// TestFullScreenResultViews: in the REPL on a terminal, TABLE and
// CHANGELOG results show in Flink's full-screen views on the alternate
// screen; Q (or Ctrl-C) leaves the view, cancels a running query, restores
// the terminal (main screen, cursor shown) and the prompt takes statements
// again. A failing query leaves the view with its error.
func TestFullScreenResultViews(t *testing.T) {
	const bounded = `CREATE TABLE t (id INT) WITH ('connector' = 'datagen', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '4');`
	cases := []viewCase{
		{"table", "table", bounded, "SELECT COUNT(*) AS n, MAX(id) AS top FROM t;", []string{
			"SQL Query Result (Table)",
			"Table program finished.",
			"Page: Last of 1",
			"\x1b[0;4m" + sp(19) + "n\x1b[0m \x1b[0;4m" + sp(8) + "top", // BIGINT and INT widths
			sp(20) + "4" + sp(11) + "4",
			"Q\x1b[0m Quit",
			"O\x1b[0m Open Row",
		}, "q", []string{msgResultQuit}},
		{"changelog", "changelog", bounded, "SELECT COUNT(*) AS n, MAX(id) AS top FROM t;", []string{
			"SQL Query Result (Changelog)",
			"Table program finished.",
			" \x1b[0;4mop\x1b[0m \x1b[0;4m" + sp(19) + "n\x1b[0m",
			" +I" + sp(20) + "1" + sp(11) + "1",
			" -U" + sp(20) + "1" + sp(11) + "1",
			" +U" + sp(20) + "4" + sp(11) + "4",
			"-\x1b[0m Dec Refresh",
		}, "\x03", []string{msgResultQuit}},
		{"running query cancelled", "changelog",
			`CREATE TABLE u (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '20', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '1000000');`,
			"SELECT id FROM u;", []string{
				"Refresh: Fastest",
				" +I" + sp(11) + "3\x1b[K", // INT width 11, the line cleared after it
			}, "q", []string{msgResultQuit}},
		{"failing query", "table", bounded, "SELECT 1 / (id - 3) AS x FROM t;", nil, "", []string{
			msgErrorHeader,
			"Division by zero",
		}},
	}
	for _, remote := range []bool{false, true} {
		for _, tc := range cases {
			name := tc.name
			if remote {
				name += " on a cluster" // through its SQL Gateway
			}
			t.Run(name, func(t *testing.T) { testFullScreenView(t, tc, remote) })
		}
	}
}

// testFullScreenView runs one case of TestFullScreenResultViews, remote
// on a session cluster.
func testFullScreenView(t *testing.T, tc viewCase, remote bool) {
	var args []string
	if remote {
		args = startCluster(t, t.TempDir()).remoteArgs()
	}
	r := startSizedREPL(t, 24, 80, args...)
	r.send(tc.ddl)
	r.waitFor("[INFO] Execute statement succeeded.", 1)
	r.send(`SET 'sql-client.execution.result-mode' = '` + tc.mode + `';`)
	r.waitFor("[INFO] Execute statement succeeded.", 2)
	r.send(`SET 'table.exec.mini-batch.enabled' = 'false';`)
	r.waitFor("[INFO] Execute statement succeeded.", 3)
	r.send(tc.query)
	r.waitFor(enterFullScreen, 1)
	for _, w := range tc.want {
		r.waitFor(w, 1)
	}
	r.f.Write([]byte(tc.quit))
	for _, w := range tc.after {
		r.waitFor(w, 1)
	}
	screen := r.out.String()
	enter := strings.Index(screen, enterFullScreen)
	leave := strings.Index(screen, leaveFullScreen)
	if leave < enter || leave > strings.Index(screen, tc.after[0]) {
		t.Fatalf("the view did not leave the alternate screen before %q:\n%q", tc.after[0], screen)
	}
	// The prompt reads statements again, nothing lost to the view,
	// and the query's job is over.
	r.send(`SET 'sql-client.execution.result-mode' = 'tableau';`)
	r.send("SELECT 7 AS seven;")
	r.waitFor("Received a total of 1 row", 1)
	r.send("SHOW JOBS;")
	r.waitFor("rows in set", 1)
	if tail := r.out.String()[len(screen):]; strings.Contains(tail, "RUNNING") {
		t.Errorf("a job still runs after the view:\n%s", tail)
	}
	r.quit()
}

// TestFullScreenViewSIGTERM: SIGTERM ends the client in a full-screen
// view as at its prompt, but only after the terminal is restored.
func TestFullScreenViewSIGTERM(t *testing.T) {
	r := startSizedREPL(t, 24, 80)
	r.send(`CREATE TABLE u (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '20');`)
	r.waitFor("[INFO] Execute statement succeeded.", 1)
	r.send(`SET 'sql-client.execution.result-mode' = 'changelog';`)
	r.waitFor("[INFO] Execute statement succeeded.", 2)
	r.send("SELECT id FROM u;")
	r.waitFor(" +I ", 1)
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("the client did not exit after SIGTERM:\n%q", r.out.String())
	}
	err := r.cmd.Wait()
	screen := r.out.String()
	if !strings.HasSuffix(strings.TrimRight(screen, "\r\n"), leaveFullScreen) {
		t.Errorf("the terminal was not restored last:\n%q", screen[max(0, len(screen)-300):])
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
		t.Errorf("want the client ended by SIGTERM, got %v", err)
	}
}
