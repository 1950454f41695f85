package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestCanonicalSavepointAcrossBackends, through the real binaries: a GROUP
// BY count job runs on one state backend in a session cluster, is stopped
// with a savepoint (CANONICAL, the default) and restored on the other
// backend at another parallelism; it runs to the end and the last count
// printed per key is exact. Both directions. A native checkpoint of the
// first job restored on the other backend is refused before the job
// starts, with an error naming both backends, the path and the way out.
func TestCanonicalSavepointAcrossBackends(t *testing.T) {
	for _, c := range []struct {
		from, to       string
		fromPar, toPar int
	}{{"hashmap", "rocksdb", 1, 3}, {"rocksdb", "hashmap", 3, 2}} {
		t.Run(c.from+"-to-"+c.to, func(t *testing.T) {
			dir := t.TempDir()
			cl := startCluster(t, dir, "execution.checkpointing.interval=200ms",
				"state.checkpoints.dir=file://"+filepath.Join(dir, "checkpoints"),
				"state.savepoints.dir=file://"+filepath.Join(dir, "savepoints"))
			const n, keys = 6000, 37
			body := func(backend string, par int) string {
				return fmt.Sprintf(`SET 'pipeline.name' = 'canonical-%s';
SET 'state.backend.type' = '%s';
SET 'parallelism.default' = '%d';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '1000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d');
CREATE TABLE out_counts (k BIGINT, c BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'counts');
INSERT INTO out_counts SELECT id %% %d, COUNT(*) FROM src GROUP BY id %% %d;
`, backend, backend, par, n, keys, keys)
			}
			jobID := regexp.MustCompile(`Job ID: ([0-9a-f]{32})`)
			out, code := runClient(t, dir, append(cl.remoteArgs(), "-f", writeFile(t, dir, "job.sql", body(c.from, c.fromPar)))...)
			m := jobID.FindStringSubmatch(out)
			if code != 0 || m == nil {
				t.Fatalf("submitting: exit %d\n%s\n--- jobmanager ---\n%s", code, out, cl.out.String())
			}
			id := m[1]
			// Keep a copy of a completed native checkpoint of the first job.
			var chk string
			cl.waitFor("a completed checkpoint to copy", func() bool {
				chk = copyCompletedCheckpoint(filepath.Join(dir, "checkpoints", id), filepath.Join(dir, "kept"))
				return chk != ""
			})
			stop, code := runClient(t, dir, append(cl.remoteArgs(), "-f", writeFile(t, dir, "stop.sql", "STOP JOB '"+id+"' WITH SAVEPOINT;\n"))...)
			sp := regexp.MustCompile(`\| (file:/\S+savepoint-\S+) +\|`).FindStringSubmatch(stop)
			if code != 0 || sp == nil {
				t.Fatalf("STOP JOB WITH SAVEPOINT: exit %d\n%s\n--- jobmanager ---\n%s", code, stop, cl.out.String())
			}
			cl.waitFor("the stopped job to end", func() bool { s := cl.jobState(id); return s == "FINISHED" || s == "CANCELED" })

			// The native checkpoint on the other backend: a clear refusal.
			out, _ = runClient(t, dir, append(cl.remoteArgs(), "-f", writeFile(t, dir, "native.sql",
				"SET 'execution.savepoint.path' = 'file://"+chk+"';\n"+body(c.to, c.toPar)))...)
			for _, want := range []string{"NATIVE " + c.from + " state, which the " + c.to + " state backend cannot read",
				chk, "CANONICAL savepoint", "STOP JOB"} {
				if !strings.Contains(out, want) {
					t.Fatalf("restoring the native checkpoint on %s: the output does not say %q:\n%s", c.to, want, out)
				}
			}
			if jobID.MatchString(out) {
				t.Fatalf("a job was started from a native checkpoint of another backend:\n%s", out)
			}
			t.Logf("native checkpoint on %s:\n%s", c.to, out)
			// The savepoint was taken mid-stream: the first job's counts
			// are short of the end.
			if mid := lastCounts(t, cl.out.String()); mid[1] == strconv.Itoa(n/keys+1) {
				t.Fatalf("the first job ran to its end before the stop; the test proves nothing")
			}

			// The canonical savepoint on the other backend, at another
			// parallelism: runs to the end with exact counts.
			out, code = runClient(t, dir, append(cl.remoteArgs(), "-f", writeFile(t, dir, "restore.sql",
				"SET 'execution.savepoint.path' = '"+sp[1]+"';\n"+body(c.to, c.toPar)))...)
			m = jobID.FindStringSubmatch(out)
			if code != 0 || m == nil {
				t.Fatalf("restoring the savepoint on %s: exit %d\n%s\n--- jobmanager ---\n%s", c.to, code, out, cl.out.String())
			}
			cl.waitFor("the restored job to finish", func() bool { return cl.jobState(m[1]) == "FINISHED" })
			got := lastCounts(t, cl.out.String())
			for k := 0; k < keys; k++ {
				want := n / keys
				if k >= 1 && k <= n%keys {
					want++
				}
				if got[k] != strconv.Itoa(want) {
					t.Errorf("key %d: last count %q, want %d", k, got[k], want)
				}
			}
			if len(got) != keys {
				t.Errorf("%d keys printed, want %d", len(got), keys)
			}
			if t.Failed() {
				t.Logf("--- jobmanager ---\n%s", cl.out.String())
			}
		})
	}
}

var canonCountLine = regexp.MustCompile(`^counts(?::\d+)?> ([+-][IUD])\[(\d+), (\d+)\]$`)

// lastCounts replays the print sink's changelog: the count per key after
// the last change.
func lastCounts(t *testing.T, out string) map[int]string {
	state := map[int]string{}
	for _, l := range strings.Split(out, "\n") {
		m := canonCountLine.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		k, _ := strconv.Atoi(m[2])
		switch m[1] {
		case "+I", "+U":
			state[k] = m[3]
		case "-D":
			delete(state, k)
		}
	}
	return state
}

// copyCompletedCheckpoint copies the newest chk-<n> of a job directory
// that has its _metadata into under/chk-<n> and returns that path, or ""
// when none could be copied (none yet, or subsumed while copying).
func copyCompletedCheckpoint(jobDir, under string) string {
	ents, _ := os.ReadDir(jobDir)
	var chks []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "chk-") {
			chks = append(chks, e.Name())
		}
	}
	sort.Slice(chks, func(i, j int) bool {
		a, _ := strconv.Atoi(strings.TrimPrefix(chks[i], "chk-"))
		b, _ := strconv.Atoi(strings.TrimPrefix(chks[j], "chk-"))
		return a > b
	})
	for _, name := range chks {
		src := filepath.Join(jobDir, name)
		if _, err := os.Stat(filepath.Join(src, "_metadata")); err != nil {
			continue
		}
		dst := filepath.Join(under, name)
		os.RemoveAll(dst)
		if err := os.MkdirAll(dst, 0o700); err != nil {
			return ""
		}
		files, err := os.ReadDir(src)
		ok := err == nil
		for _, f := range files {
			data, err := os.ReadFile(filepath.Join(src, f.Name()))
			if err != nil || os.WriteFile(filepath.Join(dst, f.Name()), data, 0o600) != nil {
				ok = false
				break
			}
		}
		if ok {
			if _, err := os.Stat(filepath.Join(dst, "_metadata")); err == nil {
				return dst
			}
		}
	}
	return ""
}
