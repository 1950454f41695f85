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

// TestRacingRestores: a job is killed after a checkpoint; the same script
// is then started twice at once from 'latest', two processes racing to
// restore the same checkpoint and complete the next ones. At most one of
// them may run to the end — the other is fenced (it stops at its next
// checkpoint as superseded) or refuses to go back in time — and the file
// sink holds every id exactly once. On disk and on S3, a few rounds.
func TestRacingRestores(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			for round := 0; round < 3; round++ {
				racingRestores(t, kind, round)
			}
		})
	}
}

func racingRestores(t *testing.T, kind string, round int) {
	dir := t.TempDir()
	store := newCheckpointStore(t, dir, kind)
	const n = 4000
	body := store.sets + sequenceToFiles("racing", 2000, n)
	first := writeFile(t, dir, "first.sql", body)
	if out, finished := runUntilKilledWhen(t, dir, first, 2, 300*time.Millisecond, store.complete); finished {
		t.Fatalf("round %d: the first run was not killed after a checkpoint:\n%s", round, out)
	}
	again := writeFile(t, dir, "again.sql", "SET 'execution.savepoint.path' = 'latest';\n"+body)
	type result struct {
		code int
		out  string
	}
	results := make(chan result, 2)
	for i := 0; i < 2; i++ {
		cmd := exec.Command(binary, "-D", "parallelism.default=2", "-f", again)
		cmd.Dir = dir
		var out syncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(120 * time.Second):
				cmd.Process.Signal(syscall.SIGQUIT)
				<-done
			}
			results <- result{cmd.ProcessState.ExitCode(), out.String()}
		}()
	}
	r1, r2 := <-results, <-results
	both := fmt.Sprintf("--- exit %d ---\n%s\n--- exit %d ---\n%s", r1.code, r1.out, r2.code, r2.out)
	winners := 0
	for _, r := range []result{r1, r2} {
		switch {
		case r.code == 0:
			winners++
		case strings.Contains(r.out, "superseded by job") || strings.Contains(r.out, "would go back in time"):
		default:
			t.Fatalf("round %d: a racing process failed for another reason:\n%s", round, both)
		}
	}
	if winners > 1 {
		t.Fatalf("round %d: both racing processes ran to the end:\n%s", round, both)
	}
	if winners == 0 {
		// Both stopped (one fenced the other after it had moved on): a
		// third start restores the newest checkpoint and finishes.
		runToEnd(t, dir, again, 2)
	}
	eachIDOnce(t, filepath.Join(dir, "out"), n, fmt.Sprintf("round %d\n%s", round, both))
	t.Logf("round %d: %d winner(s)", round, winners)
}
