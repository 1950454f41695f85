package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPausedOldProcessIsFenced: a job is paused (SIGSTOP) after a
// checkpoint, the same script is started again from 'latest' and runs to
// the end, then the old process resumes. It must stop at its next
// checkpoint as superseded — completing none, committing nothing, deleting
// nothing — so the file sink holds every id exactly once. On disk and on
// S3.
func TestPausedOldProcessIsFenced(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			store := newCheckpointStore(t, dir, kind)
			const n = 6000
			body := store.sets + sequenceToFiles("zombie", 2000, n)
			first := writeFile(t, dir, "first.sql", body)
			old := exec.Command(binary, "-f", first)
			old.Dir = dir
			var oldOut syncBuffer
			old.Stdout, old.Stderr = &oldOut, &oldOut
			if err := old.Start(); err != nil {
				t.Fatal(err)
			}
			defer old.Process.Kill()
			deadline := time.Now().Add(60 * time.Second)
			for !store.complete() {
				if time.Now().After(deadline) {
					t.Fatalf("no checkpoint within 60 s:\n%s", oldOut.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(300 * time.Millisecond)
			if err := old.Process.Signal(syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			again := writeFile(t, dir, "again.sql", "SET 'execution.savepoint.path' = 'latest';\n"+body)
			newOut := runToEnd(t, dir, again, 2)
			if err := old.Process.Signal(syscall.SIGCONT); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- old.Wait() }()
			select {
			case <-exited:
			case <-time.After(90 * time.Second):
				t.Fatalf("the resumed old process did not stop:\n%s", oldOut.String())
			}
			if old.ProcessState.ExitCode() == 0 || !strings.Contains(oldOut.String(), "superseded by job") {
				t.Fatalf("the resumed old process was not fenced (exit %d):\n%s", old.ProcessState.ExitCode(), oldOut.String())
			}
			eachIDOnce(t, filepath.Join(dir, "out"), n, "--- old process ---\n"+oldOut.String()+"\n--- new process ---\n"+newOut)
		})
	}
}

// sequenceToFiles is a job named name that writes the ids 1..n, rate a
// second, into the csv file sink 'out', checkpointing every 100 ms.
func sequenceToFiles(name string, rate, n int) string {
	return fmt.Sprintf(`SET 'execution.checkpointing.interval' = '100ms';
SET 'pipeline.name' = '%s';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '%d',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d');
CREATE TABLE out_files (id BIGINT) WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'csv');
INSERT INTO out_files SELECT id FROM src;
`, name, rate, n)
}

// eachIDOnce fails the test unless the finished part files of the sink
// directory hold each of the ids 1..n exactly once; context is logged.
func eachIDOnce(t *testing.T, dir string, n int, context string) {
	t.Helper()
	counts := map[string]int{}
	for _, line := range readParts(t, dir) {
		counts[line]++
	}
	for id := 1; id <= n; id++ {
		if c := counts[fmt.Sprint(id)]; c != 1 {
			t.Fatalf("id %d written %d times\n%s", id, c, context)
		}
	}
	if len(counts) != n {
		t.Fatalf("%d distinct ids, want %d\n%s", len(counts), n, context)
	}
}
