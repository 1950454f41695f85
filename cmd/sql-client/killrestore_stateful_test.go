package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKillRestoreWindowAndJoin kills and restores (at a random parallelism,
// from 'latest') a job with a tumbling-window aggregation and a regular join,
// both into exactly-once file sinks: every window's row and every joined id
// must be in the finished files exactly once, with the right values.
func TestKillRestoreWindowAndJoin(t *testing.T) {
	r := killRand(t)
	dir := t.TempDir()
	n := max(3000, 1000*killCycles())
	backend := []string{"hashmap", "rocksdb"}[r.IntN(2)]
	t.Logf("state backend %s", backend)
	body := fmt.Sprintf(`SET 'execution.checkpointing.interval' = '%dms';
SET 'state.checkpoints.dir' = 'file://%s/ckpt';
SET 'state.backend.type' = '%s';
SET 'pipeline.name' = 'kill-restore-window-join';
CREATE TABLE src (id BIGINT, ts AS TIMESTAMPADD(SECOND, CAST(id AS INT), TIMESTAMP '2024-01-01 00:00:00'),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (
  'connector' = 'datagen', 'rows-per-second' = '2000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d');
CREATE TABLE side (k BIGINT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '2000',
  'fields.k.kind' = 'sequence', 'fields.k.start' = '1', 'fields.k.end' = '%d');
CREATE TABLE out_win (wstart TIMESTAMP(3), c BIGINT, s BIGINT) WITH ('connector' = 'filesystem', 'path' = 'out_win', 'format' = 'csv');
CREATE TABLE out_join (id BIGINT, k2 BIGINT) WITH ('connector' = 'filesystem', 'path' = 'out_join', 'format' = 'csv');
EXECUTE STATEMENT SET BEGIN
INSERT INTO out_win SELECT window_start, COUNT(*), SUM(id) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end;
INSERT INTO out_join SELECT s.id, d.k * 2 FROM src s JOIN side d ON s.id = d.k;
END;
`, 100+r.IntN(200), dir, backend, n, n)
	script, _, finished := killCycle(t, r, dir, body)
	if !finished {
		runToEnd(t, dir, script, 1+r.IntN(3))
	}

	// Windows of 10 s over ids 1..n (id = seconds): window w holds ids
	// 10w..10w+9 (window 0: 1..9); past 86,400 ids (long loops) they run
	// into the next days.
	want := map[string]string{}
	for id := 1; id <= n; id++ {
		w := id / 10
		key := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(w*10) * time.Second).Format("2006-01-02 15:04:05")
		var c, s int
		fmt.Sscanf(want[key], "%d,%d", &c, &s)
		want[key] = fmt.Sprintf("%d,%d", c+1, s+id)
	}
	got := map[string][]string{}
	for _, line := range readParts(t, filepath.Join(dir, "out_win")) {
		f := strings.SplitN(line, ",", 2)
		got[f[0]] = append(got[f[0]], f[1])
	}
	for k, v := range want {
		if len(got[k]) != 1 || got[k][0] != v {
			t.Errorf("window %s: got %v, want [%s]", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d windows written, want %d", len(got), len(want))
	}
	joined := map[string]int{}
	for _, line := range readParts(t, filepath.Join(dir, "out_join")) {
		joined[line]++
	}
	for id := 1; id <= n; id++ {
		if l := fmt.Sprintf("%d,%d", id, 2*id); joined[l] != 1 {
			t.Fatalf("joined row %s written %d times", l, joined[l])
		}
	}
	if len(joined) != n {
		t.Errorf("%d distinct joined rows, want %d", len(joined), n)
	}
}

// readParts returns the lines of the finished part files of a sink directory.
func readParts(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "part-*"))
	var lines []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		fh.Close()
	}
	return lines
}
