package session

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flinkgo/engine/checkpoint/s3test"
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
	var log syncLog
	s := New(Options{Log: &log})
	defer s.Close()
	execAll(t, s, `CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '5');
CREATE TABLE sink (id BIGINT) WITH ('connector' = 'blackhole');`)
	for _, c := range []struct{ set, want string }{
		{"SET 'execution.savepoint.path' = '" + filepath.Join(dir, "nope") + "';", "nope"},
		{"SET 'execution.savepoint.path' = 'latest';", "needs execution.checkpointing.dir"},
		// 'latest' with nothing to restore yet starts fresh, with a warning.
		{"SET 'state.checkpoints.dir' = '" + dir + "';", ""},
		{"SET 'execution.state-recovery.latest.fallback-to-older' = 'maybe';",
			"Could not parse value 'maybe' for key 'execution.state-recovery.latest.fallback-to-older'"},
	} {
		execAll(t, s, c.set)
		st, _ := sql.ParseScript("INSERT INTO sink SELECT id FROM src;")
		_, err := s.Execute(st[0])
		if c.want == "" {
			if err != nil || !strings.Contains(log.String(), "no checkpoint of job") || !strings.Contains(log.String(), "starts without state") {
				t.Fatalf("after %s: error %v, log %q; want a fresh start with a warning", c.set, err, log.String())
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("after %s: error %v, want it to mention %q", c.set, err, c.want)
		}
	}
}

// syncLog is a session log tests read while jobs write to it.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// CLAIM: the restored checkpoint is deleted once a newer one subsumes it;
// NO_CLAIM leaves it alone.
func TestClaimMode(t *testing.T) {
	for _, mode := range []string{"NO_CLAIM", "CLAIM"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			ddl := `
SET 'execution.checkpointing.interval' = '50ms';
SET 'state.checkpoints.dir' = '` + filepath.Join(dir, "ckpt") + `';
SET 'execution.checkpointing.externalized-checkpoint-retention' = 'RETAIN_ON_CANCELLATION';
SET 'pipeline.name' = 'claim';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '1000');
CREATE TABLE sink (id BIGINT) WITH ('connector' = 'blackhole');
`
			s := New(Options{})
			execAll(t, s, ddl+"INSERT INTO sink SELECT id FROM src;")
			waitFor(t, func() bool {
				m, _ := filepath.Glob(filepath.Join(dir, "ckpt", "*", "chk-*", "_metadata"))
				return len(m) > 0
			})
			s.CancelJobs()
			s.Close()
			first, _ := filepath.Glob(filepath.Join(dir, "ckpt", "*", "chk-*"))
			if len(first) != 1 {
				t.Fatalf("retained: %v", first)
			}
			s2 := New(Options{})
			execAll(t, s2, "SET 'execution.savepoint.path' = '"+first[0]+"';\nSET 'execution.state-recovery.claim-mode' = '"+mode+"';\n"+ddl+"INSERT INTO sink SELECT id FROM src;")
			firstJob := filepath.Dir(first[0])
			waitFor(t, func() bool {
				m, _ := filepath.Glob(filepath.Join(dir, "ckpt", "*", "chk-*", "_metadata"))
				for _, p := range m {
					if !strings.HasPrefix(p, firstJob) {
						return true // the restored job completed a checkpoint of its own
					}
				}
				return false
			})
			time.Sleep(100 * time.Millisecond)
			s2.CancelJobs()
			s2.Close()
			_, err := os.Stat(first[0])
			if mode == "CLAIM" && err == nil {
				t.Fatalf("CLAIM: restored checkpoint %s still there", first[0])
			}
			if mode == "NO_CLAIM" && err != nil {
				t.Fatalf("NO_CLAIM: restored checkpoint deleted: %v", err)
			}
		})
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Scenario 6 on S3: a savepoint taken to s3:// restores at another
// parallelism, and SHOW CHECKPOINTS lists it with its s3:// path.
func TestSavepointOnS3RestoresAtAnotherParallelism(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	dir := t.TempDir()
	const n = 3000
	ddl := `
` + srv.SetStatements() + `SET 'execution.checkpointing.interval' = '100ms';
SET 'state.checkpoints.dir' = 's3a://` + bucket + `/flink/checkpoints';
SET 'state.savepoints.dir' = 's3://` + bucket + `/flink/savepoints';
SET 'state.backend.type' = 'rocksdb';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '` + strconv.Itoa(n) + `');
CREATE TABLE ids (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '` + filepath.Join(dir, "out") + `', 'format' = 'csv');
`
	s := New(Options{Config: map[string]string{"parallelism.default": "2"}})
	rs := execAll(t, s, ddl+"INSERT INTO ids SELECT id FROM src;")
	jobID := rs[len(rs)-1].JobID
	time.Sleep(400 * time.Millisecond)
	r, err := s.Execute(&sql.StopJob{JobID: jobID, WithSavepoint: true})
	if err != nil {
		t.Fatal(err)
	}
	path := r.Rows[0][0]
	if !regexp.MustCompile(`^s3://` + bucket + `/flink/savepoints/savepoint-` + jobID[:6] + `-[0-9a-f]{12}$`).MatchString(path) {
		t.Fatalf("savepoint path %q", path)
	}
	show := execAll(t, s, "SHOW CHECKPOINTS FROM 's3://"+bucket+"/flink/savepoints';")
	if rows := show[0].Rows; len(rows) != 1 || rows[0][len(rows[0])-1] != path {
		t.Fatalf("SHOW CHECKPOINTS: %v", rows)
	}
	s.Close()
	before := readIDs(t, filepath.Join(dir, "out"))
	if len(before) == 0 || len(before) == n {
		t.Fatalf("the stop should land mid-way, got %d of %d rows", len(before), n)
	}
	s2 := New(Options{Config: map[string]string{"parallelism.default": "3"}})
	defer s2.Close()
	execAll(t, s2, "SET 'execution.savepoint.path' = '"+path+"';\nSET 'table.dml-sync' = 'true';\n"+ddl+"INSERT INTO ids SELECT id FROM src;")
	counts := readIDs(t, filepath.Join(dir, "out"))
	for id := int64(1); id <= n; id++ {
		if counts[id] != 1 {
			t.Fatalf("id %d written %d times", id, counts[id])
		}
	}
}

// Restores say what they restore from; with ignore-unclaimed-state they
// name the operators whose state was dropped.
func TestRestoreIsLogged(t *testing.T) {
	dir := t.TempDir()
	ddl := `
SET 'execution.checkpointing.interval' = '100ms';
SET 'state.savepoints.dir' = '` + filepath.Join(dir, "sp") + `';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '1000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '100000');
CREATE TABLE counts (k BIGINT, c BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'blackhole');
CREATE TABLE ids (id BIGINT) WITH ('connector' = 'blackhole');
`
	s := New(Options{})
	rs := execAll(t, s, ddl+"INSERT INTO counts SELECT MOD(id, 10), COUNT(*) FROM src GROUP BY MOD(id, 10);")
	time.Sleep(300 * time.Millisecond)
	r, err := s.Execute(&sql.StopJob{JobID: rs[len(rs)-1].JobID, WithSavepoint: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	var log syncLog
	s2 := New(Options{Log: &log})
	defer s2.Close()
	execAll(t, s2, ddl+"SET 'execution.savepoint.path' = '"+r.Rows[0][0]+"';\nSET 'execution.state-recovery.ignore-unclaimed-state' = 'true';\n"+
		"INSERT INTO ids SELECT id FROM src;")
	s2.CancelJobs()
	got := log.String()
	for _, want := range []string{"restores from " + strings.TrimPrefix(r.Rows[0][0], "file:"), "savepoint of job", "ignores the state of", "GroupAggregate"} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
}

// STOP JOB ... WITH SAVEPOINT reads state.savepoints.dir when it runs, so
// setting it after the job started works (as in Flink).
func TestSavepointDirSetAfterSubmit(t *testing.T) {
	dir := t.TempDir()
	s := New(Options{})
	defer s.Close()
	rs := execAll(t, s, `SET 'execution.checkpointing.interval' = '100ms';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '1000');
CREATE TABLE sink (id BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT id FROM src;`)
	jobID := rs[len(rs)-1].JobID
	if _, err := s.Execute(&sql.StopJob{JobID: jobID, WithSavepoint: true}); err == nil {
		t.Fatal("a savepoint without any directory succeeded")
	}
	execAll(t, s, "SET 'state.savepoints.dir' = '"+filepath.Join(dir, "sp")+"';")
	r, err := s.Execute(&sql.StopJob{JobID: jobID, WithSavepoint: true})
	if err != nil {
		t.Fatalf("STOP JOB after setting state.savepoints.dir: %v", err)
	}
	if p := r.Rows[0][0]; !strings.HasPrefix(p, "file:"+filepath.Join(dir, "sp")+"/savepoint-") {
		t.Fatalf("savepoint path %q", p)
	}
}

// Checkpoint storage 'filesystem' without a directory is refused, as Flink
// does; an unknown storage is refused with the possible values.
func TestCheckpointStorageNeedsDirectory(t *testing.T) {
	for _, c := range []struct{ set, want string }{
		{"SET 'state.checkpoint-storage' = 'filesystem';", "does not specify the checkpoint directory"},
		{"SET 'execution.checkpointing.storage' = 'hdfs';", "Possible values: [jobmanager, filesystem]"},
	} {
		s := New(Options{})
		execAll(t, s, `SET 'execution.checkpointing.interval' = '1s';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '5');
CREATE TABLE sink (id BIGINT) WITH ('connector' = 'blackhole');
`+c.set)
		st, _ := sql.ParseScript("INSERT INTO sink SELECT id FROM src;")
		_, err := s.Execute(st[0])
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("after %s: %v, want %q", c.set, err, c.want)
		}
		s.Close()
	}
}
