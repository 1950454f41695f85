package main

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/sql"
)

func execScript(t *testing.T, s *session.Session, script string) *session.Result {
	t.Helper()
	stmts, err := sql.ParseScript(script)
	if err != nil {
		t.Fatal(err)
	}
	var last *session.Result
	for _, st := range stmts {
		if last, err = s.Execute(st); err != nil {
			t.Fatalf("%s: %v", st.SQL(), err)
		}
	}
	return last
}

func readLines(t *testing.T, dir string) []string {
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

// TestStopWithSavepointAndRescale runs the nexmark source paced by the
// wall clock (max-emit-speed false) into an exactly-once file sink, stops
// it with a savepoint midway, restarts it from the savepoint at another
// parallelism, and checks every bid of the generator was written exactly
// once.
func TestStopWithSavepointAndRescale(t *testing.T) {
	const events = 40000 // 2 s at 20,000 events/s
	dir := t.TempDir()
	cfg := &jobConfig{dir: testDir, v2: true, events: events, tps: 20000}
	ddl, err := os.ReadFile(filepath.Join(testDir, "ddl_gen_v2.sql"))
	if err != nil {
		t.Fatal(err)
	}
	table := strings.Replace(substitute(cfg, string(ddl)), "'max-emit-speed' = 'true'", "'max-emit-speed' = 'false'", 1)
	script := func(par int) string {
		return "SET 'execution.checkpointing.interval' = '100ms';\n" +
			"SET 'state.savepoints.dir' = '" + filepath.Join(dir, "sp") + "';\n" +
			"SET 'parallelism.default' = '" + strconv.Itoa(par) + "';\n" + table + "\n" +
			"CREATE TABLE sink (auction BIGINT, bidder BIGINT, price BIGINT, extra STRING) WITH (" +
			"'connector' = 'filesystem', 'path' = '" + filepath.Join(dir, "out") + "', 'format' = 'csv');\n"
	}
	const insert = "INSERT INTO sink SELECT bid.auction, bid.bidder, bid.price, bid.extra FROM datagen WHERE event_type = 2;"

	s := session.New(session.Options{})
	job := execScript(t, s, script(2)+insert).JobID
	// Stop midway: once some events went through (the source is paced to
	// take 2 s), however slowly the job started on a loaded machine.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if in, _ := s.Jobs()[0].Counters(); in >= events/4 {
			break
		}
	}
	r, err := s.Execute(&sql.StopJob{JobID: job, WithSavepoint: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	before := len(readLines(t, filepath.Join(dir, "out")))
	if before == 0 || before >= events*46/50 {
		t.Fatalf("%d bids written before the savepoint; the test needs a job stopped midway", before)
	}

	s = session.New(session.Options{})
	defer s.Close()
	execScript(t, s, script(3)+"SET 'execution.savepoint.path' = '"+r.Rows[0][0]+"';\n"+insert)
	if err := s.WaitJobs(); err != nil {
		t.Fatal(err)
	}
	got := readLines(t, filepath.Join(dir, "out"))
	var want []string
	for _, b := range generatorBids(t, events) {
		want = append(want, strings.Join([]string{itoa(b.auction), itoa(b.bidder), itoa(b.price), b.extra}, ","))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("after the restore: %d rows (%d before the savepoint), want the %d bids each once", len(got), before, len(want))
	}
}
