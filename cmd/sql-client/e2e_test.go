package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/flinkgo/engine/sql"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected outputs of the SQL corpus")

var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	// table.local-time-zone defaults to the system zone, as in Flink: pin it
	// for the clients these tests start, so expected outputs do not depend on
	// the machine (scripts that care set the zone themselves).
	os.Setenv("TZ", "UTC")
	dir, err := os.MkdirTemp("", "sql-client-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "sql-client")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	// The session cluster, for the remote-mode tests (cluster_test.go).
	jobmanagerBinary = filepath.Join(dir, "jobmanager")
	out, err = exec.Command("go", "build", "-o", jobmanagerBinary, "../jobmanager").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	taskmanagerBinary = filepath.Join(dir, "taskmanager")
	out, err = exec.Command("go", "build", "-o", taskmanagerBinary, "../taskmanager").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	jobIDLine = regexp.MustCompile(`\b[0-9a-f]{32}\b`)
	// timeCostSuffix is the time a query result's footer ends with.
	timeCostSuffix = regexp.MustCompile(` \(\d+\.\d\d seconds\)$`)
	printLine      = regexp.MustCompile(`^(?:[^ >\[]*?(?::\d+)?> )?([+-][IUD]\[.*\])$`)
	subtaskOnly    = regexp.MustCompile(`^\d+> `)
	printPrefix    = regexp.MustCompile(`^([^ >\[]*?)(?::\d+)?> `)
)

// corpusResult splits a run's stdout into the client transcript (print
// sink lines removed, job ids masked) and the print sinks' final state: the
// changelog applied as a multiset, sorted, so the order in which parallel
// subtasks interleave does not matter.
func corpusResult(stdout string) (transcript, state string) {
	var tr []string
	var events []rowEvent
	for _, line := range strings.Split(stdout, "\n") {
		m := printLine.FindStringSubmatch(line)
		if m == nil {
			// A query's footer ends with its wall time (sql-client.display.print-time-cost,
			// on by default as in Flink): not deterministic, so left out
			// (timecost_test.go tests it).
			line = timeCostSuffix.ReplaceAllString(line, "")
			tr = append(tr, jobIDLine.ReplaceAllString(line, "<job-id>"))
			continue
		}
		ident := ""
		if p := printPrefix.FindStringSubmatch(line); p != nil && !subtaskOnly.MatchString(line) {
			ident = p[1]
		}
		row := m[1]
		events = append(events, rowEvent{key: ident + "> [" + row[3:], delta: deltaOf(row[:2])})
	}
	return strings.Join(tr, "\n"), changelogState(events)
}

func runClient(t *testing.T, dir string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), code
}

// TestSQLCorpus runs every testdata/sql/*.sql through the real binary
// three ways on both state backends: straight (parallelism 1 on the heap
// backend, whose transcript and print sinks' final state must match the
// .out file, and parallelism 4 on Pebble); with checkpoints every 10 ms
// (parallelism 2 on Pebble, 3 on the heap); and killed after a checkpoint
// of every job and restored at another parallelism (corpus_kill_test.go).
// Every run must end with the same exit code and the same final state of
// every print sink and every result table (changelogs applied).
func TestSQLCorpus(t *testing.T) {
	forEachCorpusFile(t, func(t *testing.T, name, abs string) {
		text, err := os.ReadFile(abs)
		if err != nil {
			t.Fatal(err)
		}
		segs := sql.SplitScript(string(text))
		work := t.TempDir()
		copyDir(t, "../../testdata/sql/data", filepath.Join(work, "data"))
		out1, code1 := runClient(t, work, "-D", "parallelism.default=1", "-f", abs)
		tr, state := corpusResult(out1)
		got := "exit code: " + itoa(code1) + "\n" + tr + "\n==== print sink state ====\n" + state + "\n"
		expFile := strings.TrimSuffix(abs, ".sql") + ".out"
		if *rewrite {
			if err := os.WriteFile(expFile, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			want, err := os.ReadFile(expFile)
			if err != nil {
				t.Fatalf("missing %s (run with -rewrite): %v", expFile, err)
			}
			if string(want) != got {
				t.Errorf("parallelism 1: output differs from %s\n--- got ---\n%s\n--- want ---\n%s", expFile, got, want)
			}
		}
		golden := fullState(out1, segs)
		check := func(way string, code int, state, output string) {
			t.Helper()
			if code != code1 || state != golden {
				t.Errorf("%s differs from the straight run at parallelism 1: exit %d vs %d\n--- state ---\n%s\n--- parallelism 1 state ---\n%s\n--- output ---\n%s",
					way, code, code1, state, golden, output)
			}
		}
		run := func(args ...string) (string, int) {
			w := t.TempDir()
			copyDir(t, "../../testdata/sql/data", filepath.Join(w, "data"))
			return runClient(t, w, append(args, "-f", abs)...)
		}
		out, code := run("-D", "parallelism.default=4", "-D", "state.backend.type=rocksdb")
		check("straight at parallelism 4 on rocksdb", code, fullState(out, segs), out)
		for _, c := range []struct {
			backend string
			par     string
		}{{"rocksdb", "2"}, {"hashmap", "3"}} {
			out, code := run("-D", "parallelism.default="+c.par, "-D", "execution.checkpointing.interval=10ms",
				"-D", "state.backend.type="+c.backend, "-D", "restart-strategy.type=none")
			check("with checkpoints every 10 ms at parallelism "+c.par+" on "+c.backend, code, fullState(out, segs), out)
		}
		for _, c := range []struct {
			backend string
			pars    []int
		}{{"hashmap", []int{1, 3, 2}}, {"rocksdb", []int{2, 1, 4}}} {
			state, code, kills, log := runKilledAndRestored(t, abs, c.backend, c.pars)
			check(fmt.Sprintf("killed and restored (%d kills, parallelism %v) on %s", kills, c.pars, c.backend), code, state, log)
			if kills == 0 && mustBeKilled[name] {
				t.Errorf("on %s no job of %s was killed: the test hooks did not pace its sources", c.backend, name)
			}
			t.Logf("%s: %d jobs killed and restored", c.backend, kills)
		}
	})
}

// mustBeKilled lists corpus files whose jobs read enough rows that the
// third way must kill at least one of them.
var mustBeKilled = map[string]bool{"aggregate": true, "joins": true, "minibatch": true, "over": true, "topn": true, "windows": true}

func itoa(i int) string { return strconv.Itoa(i) }

// copyDir copies the corpus' input data into a test's work directory, so
// scripts read data/... and write out/... relative to where they run.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// forEachCorpusFile runs f as a parallel subtest for every
// testdata/sql/*.sql, named after the file, with its absolute path.
func forEachCorpusFile(t *testing.T, f func(t *testing.T, name, abs string)) {
	files, err := filepath.Glob("../../testdata/sql/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	for _, file := range files {
		abs, err := filepath.Abs(file)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(file), ".sql")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, name, abs)
		})
	}
}
