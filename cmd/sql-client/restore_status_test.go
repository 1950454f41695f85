package main

import (
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStatusLineShowsRestore: a job restored from 'latest' says in its log
// which checkpoint it restores, and its periodic status line and SHOW JOBS
// keep saying it (issue 17, item 5).
func TestStatusLineShowsRestore(t *testing.T) {
	dir := t.TempDir()
	store := newCheckpointStore(t, dir, "local")
	body := store.sets + sequenceToFiles("status", 200, 1000000)
	first := writeFile(t, dir, "first.sql", body)
	if out, finished := runUntilKilledWhen(t, dir, first, 1, 200*time.Millisecond, store.complete); finished {
		t.Fatalf("the first run ended by itself:\n%s", out)
	}
	again := writeFile(t, dir, "again.sql", "SET 'execution.savepoint.path' = 'latest';\n"+body)
	c := startClientIn(t, dir, nil, "-f", again)
	out := c.out
	restores := regexp.MustCompile(`restores from (\S+/chk-\d+) \(checkpoint \d+ of job [0-9a-f]{32}, picked by 'latest'`)
	status := regexp.MustCompile(`\[INFO\] Job [0-9a-f]{32} \(status\) RUNNING: .*, restored from (\S+)`)
	deadline := time.Now().Add(90 * time.Second)
	for {
		r, s := restores.FindStringSubmatch(out.String()), status.FindStringSubmatch(out.String())
		if r != nil && s != nil {
			if s[1] != r[1] {
				t.Fatalf("the status line names %s, the restore %s:\n%s", s[1], r[1], out.String())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no restore log line and status line within 90 s:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.exited
	showJobsNamesRestore(t, dir, again)
}

// showJobsNamesRestore restores the script from 'latest' with statements
// from standard input and checks that SHOW JOBS names the checkpoint.
func showJobsNamesRestore(t *testing.T, dir, script string) {
	text, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	out := startClientIn(t, dir, strings.NewReader(string(text)+"SHOW JOBS;\n")).out
	restores := regexp.MustCompile(`restores from (\S+/chk-\d+) `)
	deadline := time.Now().Add(90 * time.Second)
	for {
		if r := restores.FindStringSubmatch(out.String()); r != nil && strings.Contains(out.String(), " "+r[1]+" |") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("SHOW JOBS does not name the checkpoint restored:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
