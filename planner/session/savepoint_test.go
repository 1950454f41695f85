package session

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/sql"
)

func execAll(t *testing.T, s *Session, script string) []*Result {
	t.Helper()
	stmts, err := sql.ParseScript(script)
	if err != nil {
		t.Fatal(err)
	}
	var out []*Result
	for _, st := range stmts {
		r, err := s.Execute(st)
		if err != nil {
			t.Fatalf("%s: %v", st.SQL(), err)
		}
		out = append(out, r)
	}
	return out
}

func readIDs(t *testing.T, dir string) map[int64]int {
	t.Helper()
	counts := map[int64]int{}
	files, _ := filepath.Glob(filepath.Join(dir, "part-*"))
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			id, _ := strconv.ParseInt(sc.Text(), 10, 64)
			counts[id]++
		}
		fh.Close()
	}
	return counts
}

// Scenario 6: stop a job with a savepoint, move the savepoint, start the
// script again from it; every row is written exactly once.
func TestStopWithSavepointAndRestoreMoved(t *testing.T) {
	dir := t.TempDir()
	const n = 3000
	ddl := `
SET 'execution.checkpointing.interval' = '100ms';
SET 'state.savepoints.dir' = '` + filepath.Join(dir, "sp") + `';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '` + strconv.Itoa(n) + `');
CREATE TABLE sink (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '` + filepath.Join(dir, "out") + `', 'format' = 'csv');
`
	s := New(Options{})
	rs := execAll(t, s, ddl+"INSERT INTO sink SELECT id FROM src;")
	jobID := rs[len(rs)-1].JobID
	time.Sleep(400 * time.Millisecond)
	r, err := s.Execute(&sql.StopJob{JobID: jobID, WithSavepoint: true})
	if err != nil {
		t.Fatal(err)
	}
	path := r.Rows[0][0]
	if !regexp.MustCompile(`^file:.*/sp/savepoint-` + jobID[:6] + `-[0-9a-f]{12}$`).MatchString(path) {
		t.Fatalf("savepoint path %q", path)
	}
	if st := s.Jobs()[0].Status(); st != "FINISHED" {
		t.Fatalf("stopped job is %s", st)
	}
	s.Close()
	before := readIDs(t, filepath.Join(dir, "out"))
	if len(before) == 0 || len(before) == n {
		t.Fatalf("the stop should land mid-way, got %d of %d rows", len(before), n)
	}
	// Savepoints are self-contained: move it and restore from the new place.
	moved := filepath.Join(dir, "moved")
	if err := os.Rename(strings.TrimPrefix(path, "file:"), moved); err != nil {
		t.Fatal(err)
	}
	s2 := New(Options{})
	defer s2.Close()
	execAll(t, s2, "SET 'execution.savepoint.path' = '"+moved+"';\nSET 'table.dml-sync' = 'true';\n"+ddl+"INSERT INTO sink SELECT id FROM src;")
	counts := readIDs(t, filepath.Join(dir, "out"))
	for id := int64(1); id <= n; id++ {
		if counts[id] != 1 {
			t.Fatalf("id %d written %d times", id, counts[id])
		}
	}
}

func TestRestoreErrors(t *testing.T) {
	dir := t.TempDir()
	s := New(Options{})
	defer s.Close()
	execAll(t, s, `CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '5');
CREATE TABLE sink (id BIGINT) WITH ('connector' = 'blackhole');`)
	for _, c := range []struct{ set, want string }{
		{"SET 'execution.savepoint.path' = '" + filepath.Join(dir, "nope") + "';", "nope"},
		{"SET 'execution.savepoint.path' = 'latest';", "needs execution.checkpointing.dir"},
		{"SET 'state.checkpoints.dir' = '" + dir + "';", "No complete checkpoint of job"},
	} {
		execAll(t, s, c.set)
		st, _ := sql.ParseScript("INSERT INTO sink SELECT id FROM src;")
		_, err := s.Execute(st[0])
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("after %s: error %v, want it to mention %q", c.set, err, c.want)
		}
	}
}
