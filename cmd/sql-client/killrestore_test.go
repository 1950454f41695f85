package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The kill/restore loop: a job is started, killed with SIGKILL at a random
// moment, and started again from 'latest' at a random parallelism, several
// times; a last run finishes. Its output must hold every result exactly
// once. KILL_CYCLES sets the number of kills (default 2, kept small for the
// default test run); KILL_SEED replays a run. The long loop:
//
//	KILL_CYCLES=30 go test ./cmd/sql-client -run TestKillRestore -timeout 60m -v
func killCycles() int {
	if n, err := strconv.Atoi(os.Getenv("KILL_CYCLES")); err == nil && n >= 0 {
		return n
	}
	return 2
}

func killRand(t *testing.T) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("KILL_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("KILL_SEED=%d", seed)
	return rand.New(rand.NewPCG(seed, 1))
}

// hasCompleteCheckpoint reports whether any chk-<n>/_metadata exists.
func hasCompleteCheckpoint(root string) bool {
	m, _ := filepath.Glob(filepath.Join(root, "*", "chk-*", "_metadata"))
	return len(m) > 0
}

// runUntilKilled starts the client and SIGKILLs it after d (once a
// checkpoint exists), returning its output and whether the job had already
// finished by itself (then nothing is left to restore: running it again
// from an older checkpoint would legitimately repeat its output).
func runUntilKilled(t *testing.T, dir, script string, par int, d time.Duration, ckpt string) (string, bool) {
	t.Helper()
	return runUntilKilledWhen(t, dir, script, par, d, func() bool { return hasCompleteCheckpoint(ckpt) })
}

// runUntilKilledWhen is runUntilKilled with the completed-checkpoint probe
// of any store.
func runUntilKilledWhen(t *testing.T, dir, script string, par int, d time.Duration, complete func() bool) (string, bool) {
	t.Helper()
	cmd := exec.Command(binary, "-D", fmt.Sprintf("parallelism.default=%d", par), "-f", script)
	cmd.Dir = dir
	// Pebble's scratch directories of killed runs stay in the test's dir.
	cmd.Env = append(os.Environ(), "TMPDIR="+dir)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !complete() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	select {
	case <-exited:
		if cmd.ProcessState.ExitCode() != 0 {
			t.Fatalf("run failed by itself:\n%s", out.String())
		}
		return out.String(), true
	case <-time.After(d):
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-exited
	return out.String(), false
}

// killCycle writes body as first.sql and, restoring from 'latest', as
// again.sql, then runs it killCycles() times, each at a random parallelism
// 1–3, SIGKILLed a random 100–700 ms after the first checkpoint under
// dir/ckpt. It returns the script the next run must use, and the output of
// the last run and whether it finished by itself (then no more cycles run:
// an older checkpoint would legitimately repeat its output).
// killCycle runs the kill cycles and logs how many kills were real (a
// cycle that finds the job already finished kills nothing).
func killCycle(t *testing.T, r *rand.Rand, dir, body string) (script, out string, finished bool) {
	t.Helper()
	return killCycleIn(t, r, dir, body, checkpointStore{complete: func() bool { return hasCompleteCheckpoint(filepath.Join(dir, "ckpt")) }})
}

// killCycleIn is killCycle with the checkpoints in store (body holds its
// SET statements).
func killCycleIn(t *testing.T, r *rand.Rand, dir, body string, store checkpointStore) (script, out string, finished bool) {
	t.Helper()
	script = writeFile(t, dir, "first.sql", body)
	again := writeFile(t, dir, "again.sql", "SET 'execution.savepoint.path' = 'latest';\n"+body)
	kills := 0
	defer func() { t.Logf("real kills: %d of %d cycles", kills, killCycles()) }()
	for c := 0; c < killCycles(); c++ {
		par := 1 + r.IntN(3)
		d := time.Duration(100+r.IntN(600)) * time.Millisecond
		t.Logf("cycle %d: parallelism %d, kill %v after the first checkpoint", c, par, d)
		if out, finished = runUntilKilledWhen(t, dir, script, par, d, store.complete); finished {
			return script, out, true
		}
		kills++
		script = again
	}
	return script, out, false
}

func runToEnd(t *testing.T, dir, script string, par int) string {
	t.Helper()
	out, code := runClient(t, dir, "-D", fmt.Sprintf("parallelism.default=%d", par), "-f", script)
	if code != 0 {
		t.Fatalf("final run failed (exit %d):\n%s", code, out)
	}
	return out
}

func TestKillRestoreFileSink(t *testing.T) {
	for _, kind := range storeKinds {
		for _, mode := range []string{"EXACTLY_ONCE", "AT_LEAST_ONCE"} {
			t.Run(kind+"/"+mode, func(t *testing.T) { killRestoreFileSink(t, kind, mode) })
		}
	}
}

func killRestoreFileSink(t *testing.T, kind, mode string) {
	r := killRand(t)
	dir := t.TempDir()
	store := newCheckpointStore(t, dir, kind)
	n := max(6000, 1500*killCycles())
	body := store.sets + fmt.Sprintf(`SET 'execution.checkpointing.interval' = '%dms';
SET 'execution.checkpointing.mode' = '%s';
SET 'pipeline.name' = 'kill-restore-files';
CREATE TABLE src (id BIGINT, pad STRING) WITH (
  'connector' = 'datagen', 'rows-per-second' = '3000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d', 'fields.pad.length' = '4');
CREATE TABLE out_files (id BIGINT, pad STRING) WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'csv');
INSERT INTO out_files SELECT id, UPPER(pad) FROM src;
`, 100+r.IntN(200), mode, n)
	script, _, finished := killCycleIn(t, r, dir, body, store)
	if !finished {
		runToEnd(t, dir, script, 1+r.IntN(3))
	}
	counts := map[int64]int{}
	files, _ := filepath.Glob(filepath.Join(dir, "out", "part-*"))
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			id, err := strconv.ParseInt(strings.SplitN(sc.Text(), ",", 2)[0], 10, 64)
			if err != nil {
				t.Fatalf("%s: bad line %q", f, sc.Text())
			}
			counts[id]++
		}
		fh.Close()
	}
	var missing, dup []int64
	for id := int64(1); id <= int64(n); id++ {
		switch c := counts[id]; {
		case c == 0:
			missing = append(missing, id)
		case c > 1:
			dup = append(dup, id)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d ids missing (first %v)", len(missing), missing[:min(10, len(missing))])
	}
	if mode == "EXACTLY_ONCE" && len(dup) > 0 {
		t.Fatalf("%d ids written more than once (first %v)", len(dup), dup[:min(10, len(dup))])
	}
	if len(counts) != n {
		t.Fatalf("unexpected ids: %d distinct", len(counts))
	}
}

var countLine = regexp.MustCompile(`([+-][IUD])\[(\d+), (\d+)\]`)

func TestKillRestoreGroupCount(t *testing.T) {
	for _, kind := range storeKinds {
		// Also the changelog backend (log-only checkpoints, materialized
		// every second).
		for _, backend := range []string{"hashmap", "rocksdb", "hashmap+changelog", "rocksdb+changelog"} {
			t.Run(kind+"/"+backend, func(t *testing.T) { killRestoreGroupCount(t, kind, backend) })
		}
	}
}

func killRestoreGroupCount(t *testing.T, kind, backend string) {
	r := killRand(t)
	dir := t.TempDir()
	store := newCheckpointStore(t, dir, kind)
	const keys = 7
	n := max(6000, 1500*killCycles())
	// Half the rounds aggregate in mini-batches, in two phases (a local
	// aggregate before the shuffle, bundles flushed at every checkpoint).
	miniBatch := r.IntN(2) == 0
	t.Logf("state backend %s, mini-batch %v", backend, miniBatch)
	backend, changelog := strings.CutSuffix(backend, "+changelog")
	body := store.sets + fmt.Sprintf(`SET 'execution.checkpointing.interval' = '%dms';
SET 'state.backend.changelog.enabled' = '`+strconv.FormatBool(changelog)+`';
SET 'state.backend.changelog.periodic-materialize.interval' = '1s';
SET 'state.backend.type' = '`+backend+`';
SET 'execution.checkpointing.incremental' = 'true';
SET 'table.exec.mini-batch.enabled' = '`+strconv.FormatBool(miniBatch)+`';
SET 'table.exec.mini-batch.allow-latency' = '50 ms';
SET 'table.exec.mini-batch.size' = '500';
SET 'pipeline.name' = 'kill-restore-count';
CREATE TABLE src (id BIGINT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '3000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d');
CREATE TABLE counts (k BIGINT, c BIGINT) WITH ('connector' = 'print');
INSERT INTO counts SELECT MOD(id, %d) AS k, COUNT(*) AS c FROM src GROUP BY MOD(id, %d);
`, 100+r.IntN(200), n, keys, keys)
	script, out, finished := killCycleIn(t, r, dir, body, store)
	if !finished {
		out = runToEnd(t, dir, script, 1+r.IntN(3))
	}
	// The changelog of the final run, applied per key, ends at the exact count.
	final := map[int64]int64{}
	for _, m := range countLine.FindAllStringSubmatch(out, -1) {
		k, _ := strconv.ParseInt(m[2], 10, 64)
		c, _ := strconv.ParseInt(m[3], 10, 64)
		switch m[1] {
		case "+I", "+U":
			final[k] = c
		case "-D":
			delete(final, k)
		}
	}
	var got []string
	for k := int64(0); k < keys; k++ {
		want := int64(n / keys)
		if k >= 1 && k <= int64(n%keys) {
			want++
		}
		if final[k] != want {
			got = append(got, fmt.Sprintf("key %d: %d, want %d", k, final[k], want))
		}
	}
	sort.Strings(got)
	if len(got) > 0 {
		t.Fatalf("final counts wrong: %v", got)
	}
}
