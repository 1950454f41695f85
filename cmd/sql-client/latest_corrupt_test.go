package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLatestCorruptNewestCheckpoint: a job writing through the
// exactly-once filesystem sink is killed; the newest checkpoint's _metadata
// is then corrupted. Restoring from 'latest' must not silently use an
// older checkpoint (the sink would write again what it committed after
// it): it fails naming the corrupt file and listing the older checkpoints.
// With execution.state-recovery.latest.fallback-to-older it restores the
// newest older one, says so, and the job completes.
func TestLatestCorruptNewestCheckpoint(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "ckpt")
	const n = 12000
	body := fmt.Sprintf(`SET 'execution.checkpointing.interval' = '200ms';
SET 'state.checkpoints.dir' = 'file://%s';
SET 'execution.checkpointing.num-retained' = '3';
SET 'execution.checkpointing.externalized-checkpoint-retention' = 'RETAIN_ON_CANCELLATION';
SET 'pipeline.name' = 'latest-corrupt';
CREATE TABLE src (id BIGINT, pad STRING) WITH (
  'connector' = 'datagen', 'rows-per-second' = '3000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d', 'fields.pad.length' = '4');
CREATE TABLE out_files (id BIGINT, pad STRING) WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'csv');
INSERT INTO out_files SELECT id, pad FROM src;
`, ckpt, n)
	first := writeFile(t, dir, "first.sql", body)
	if out, finished := runUntilKilled(t, dir, first, 1, 1500*time.Millisecond, ckpt); finished {
		t.Fatalf("the job finished before it was killed:\n%s", out)
	}

	// The complete checkpoints, oldest first; the newest gets a flipped byte.
	metas, _ := filepath.Glob(filepath.Join(ckpt, "*", "chk-*", "_metadata"))
	chkID := func(meta string) int {
		id, _ := strconv.Atoi(strings.TrimPrefix(filepath.Base(filepath.Dir(meta)), "chk-"))
		return id
	}
	slices.SortFunc(metas, func(a, b string) int { return chkID(a) - chkID(b) })
	if len(metas) < 2 {
		t.Fatalf("want at least 2 complete checkpoints, have %v", metas)
	}
	newest, older := metas[len(metas)-1], metas[:len(metas)-1]
	data, err := os.ReadFile(newest)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x01
	if err := os.WriteFile(newest, data, 0o600); err != nil {
		t.Fatal(err)
	}
	committed := sinkFiles(t, dir)

	// 'latest': an error, and nothing written.
	again := writeFile(t, dir, "again.sql", "SET 'execution.savepoint.path' = 'latest';\n"+body)
	out, code := runClient(t, dir, "-f", again)
	if code == 0 {
		t.Fatalf("restoring past a corrupt newest checkpoint succeeded:\n%s", out)
	}
	wants := []string{newest + " is corrupt (checksum mismatch)", "Older complete checkpoints of the job, newest first:",
		"'execution.state-recovery.latest.fallback-to-older' = 'true'"}
	for _, m := range older {
		wants = append(wants, "  "+filepath.Dir(m)+"\n")
	}
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if got := sinkFiles(t, dir); !slices.Equal(got, committed) {
		t.Errorf("the failed restore changed the sink's files: %v -> %v", committed, got)
	}

	// With the fallback key: restored from the newest older checkpoint,
	// reported, and the job completes with every id.
	fallback := writeFile(t, dir, "fallback.sql", "SET 'execution.savepoint.path' = 'latest';\n"+
		"SET 'execution.state-recovery.latest.fallback-to-older' = 'true';\n"+body)
	out, code = runClient(t, dir, "-f", fallback)
	if code != 0 {
		t.Fatalf("fallback run failed (exit %d):\n%s", code, out)
	}
	notice := "[WARN] Restoring job 'latest-corrupt' from the older checkpoint " + filepath.Dir(older[len(older)-1]) + " because"
	for _, w := range []string{notice, "  " + filepath.Dir(newest) + ": " + newest + " is corrupt (checksum mismatch)"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	seen := map[int64]bool{}
	for _, f := range sinkFiles(t, dir) {
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
			seen[id] = true
		}
		fh.Close()
	}
	if len(seen) != n {
		t.Errorf("%d distinct ids in the sink, want %d", len(seen), n)
	}
}

// sinkFiles lists the visible (committed) part files of the sink in dir/out.
func sinkFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "out", "part-*"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}
