// Command stress runs the SQL corpus and the Nexmark suite concurrently,
// again and again, under the runtime's schedule perturbation, and reports
// hangs, wrong results and panics with the seed that replays each:
//
//	go run ./cmd/stress -runs 20             # 20 rounds, seeds from the clock
//	go run ./cmd/stress -runs 1 -seed 1234   # replay one round
//
// Each round compiles nothing: the two test binaries are built once
// (go test -c) and run from their package directories with
//
//	FLINKGO_TEST_PERTURB=<seed>      tasks yield and sleep at random points
//	FLINKGO_TEST_WATCHDOG=<d>        a job without progress for d dumps its
//	                                 goroutines and fails
//	FLINKGO_TEST_REPORT_DIR=<dir>    every job's end and every dump land there
//
// (runtime/testhooks.go). A round's verdict comes from the tests themselves
// (they compare every job's results with the expected ones), from the
// watchdog's dumps, and from "panic:" / "fatal error:" in their output. The
// job count is what the jobs wrote to jobs.log: every job run in the test
// binaries and in the sql-client processes they start, except those killed
// on purpose by the corpus' kill-and-restore runs. A failing round keeps
// its outputs and dumps under -keep and prints how to replay it. The exit
// code is 0 only if no round hung, failed or panicked.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// suite is one test binary the rounds run.
type suite struct {
	name string // short name in the report
	pkg  string // package path relative to the module root
	run  string // -test.run pattern
}

var suites = []suite{
	{"corpus", "./cmd/sql-client", "^TestSQLCorpus$"},
	{"nexmark", "./cmd/nexmark", "^(TestSuite|TestExactResults|TestStopWithSavepointAndRescale)$"},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command's flags.
type options struct {
	runs     int
	seed     uint64
	watchdog time.Duration
	timeout  time.Duration
	keep     string
	only     string
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("stress", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.IntVar(&o.runs, "runs", 10, "rounds to run")
	fs.Uint64Var(&o.seed, "seed", 0, "seed of the first round (0: from the clock); round i uses seed+i")
	fs.DurationVar(&o.watchdog, "watchdog", 60*time.Second, "a job without progress for this long is a hang")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "deadline of one test binary in one round")
	fs.StringVar(&o.keep, "keep", "", "directory for the outputs of failing rounds (default: a temporary directory)")
	fs.StringVar(&o.only, "suites", "corpus,nexmark", "comma-separated suites to run: corpus, nexmark")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.seed == 0 {
		o.seed = uint64(time.Now().UnixNano() % 1_000_000_000)
	}
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(stderr, "stress:", err)
		return 2
	}
	work, err := os.MkdirTemp("", "flinkgo-stress")
	if err != nil {
		fmt.Fprintln(stderr, "stress:", err)
		return 2
	}
	defer os.RemoveAll(work)
	if o.keep == "" {
		o.keep = filepath.Join(os.TempDir(), fmt.Sprintf("flinkgo-stress-%d", o.seed))
	}
	var chosen []suite
	for _, s := range suites {
		if strings.Contains(","+o.only+",", ","+s.name+",") {
			chosen = append(chosen, s)
		}
	}
	if len(chosen) == 0 {
		fmt.Fprintf(stderr, "stress: no suite in %q (corpus, nexmark)\n", o.only)
		return 2
	}
	bins := map[string]string{}
	for _, s := range chosen {
		bin := filepath.Join(work, s.name+".test")
		fmt.Fprintf(stderr, "stress: building %s\n", s.pkg)
		cmd := exec.Command("go", "test", "-c", "-o", bin, s.pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(stderr, "stress: go test -c %s: %v\n%s", s.pkg, err, out)
			return 2
		}
		bins[s.name] = bin
	}
	fmt.Fprintf(stdout, "| round | seed | jobs | finished | failed | canceled | hangs | wrong results | panics | time |\n")
	fmt.Fprintf(stdout, "|---|---|---|---|---|---|---|---|---|---|\n")
	var total roundResult
	bad := 0
	for i := 0; i < o.runs; i++ {
		seed := o.seed + uint64(i)
		r := runRound(root, work, bins, chosen, seed, o)
		total.add(r)
		fmt.Fprintf(stdout, "| %d | %d | %d | %d | %d | %d | %d | %d | %d | %s |\n", i+1, seed, r.jobs, r.statuses["FINISHED"],
			r.statuses["FAILED"], r.statuses["CANCELED"], r.hangs, r.wrong, r.panics, r.elapsed.Round(time.Second))
		if r.hangs+r.wrong+r.panics > 0 {
			bad++
			dir := filepath.Join(o.keep, fmt.Sprintf("seed-%d", seed))
			if err := keepRound(r, dir); err != nil {
				fmt.Fprintln(stderr, "stress:", err)
			}
			fmt.Fprintf(stderr, "stress: round %d (seed %d) went wrong: %s\n  outputs and dumps: %s\n  replay: go run ./cmd/stress -runs 1 -seed %d -suites %s\n",
				i+1, seed, strings.Join(r.notes, "; "), dir, seed, o.only)
		}
	}
	fmt.Fprintf(stdout, "| all | %d.. | %d | %d | %d | %d | %d | %d | %d | %s |\n", o.seed, total.jobs, total.statuses["FINISHED"],
		total.statuses["FAILED"], total.statuses["CANCELED"], total.hangs, total.wrong, total.panics, total.elapsed.Round(time.Second))
	fmt.Fprintf(stdout, "\n%d rounds, %d job runs: %d hangs, %d wrong results, %d panics (failed jobs include the corpus' expected failures)\n",
		o.runs, total.jobs, total.hangs, total.wrong, total.panics)
	if bad > 0 {
		return 1
	}
	return 0
}

// roundResult is what one round found.
type roundResult struct {
	jobs     int
	statuses map[string]int
	hangs    int
	wrong    int
	panics   int
	elapsed  time.Duration
	notes    []string
	outputs  map[string][]byte // suite -> test output
	dumps    []string          // watchdog dump files
}

func (t *roundResult) add(r roundResult) {
	if t.statuses == nil {
		t.statuses = map[string]int{}
	}
	t.jobs += r.jobs
	for k, v := range r.statuses {
		t.statuses[k] += v
	}
	t.hangs += r.hangs
	t.wrong += r.wrong
	t.panics += r.panics
	t.elapsed += r.elapsed
}

// runRound runs every chosen suite at once under seed.
func runRound(root, work string, bins map[string]string, chosen []suite, seed uint64, o options) roundResult {
	start := time.Now()
	report := filepath.Join(work, fmt.Sprintf("report-%d", seed))
	os.RemoveAll(report)
	os.MkdirAll(report, 0o755)
	r := roundResult{statuses: map[string]int{}, outputs: map[string][]byte{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, s := range chosen {
		wg.Add(1)
		go func(s suite) {
			defer wg.Done()
			out, err := runSuite(root, bins[s.name], s, seed, report, o)
			mu.Lock()
			defer mu.Unlock()
			r.outputs[s.name] = out
			switch {
			case bytes.Contains(out, []byte("panic: test timed out")):
				r.hangs++
				r.notes = append(r.notes, s.name+": test binary timed out")
			case bytes.Contains(out, []byte("panic:")) || bytes.Contains(out, []byte("fatal error:")):
				r.panics++
				r.notes = append(r.notes, s.name+": panic")
			case err != nil && !bytes.Contains(out, []byte("watchdog: job")):
				r.wrong++
				r.notes = append(r.notes, s.name+": "+firstFailure(out))
			}
		}(s)
	}
	wg.Wait()
	r.dumps, _ = filepath.Glob(filepath.Join(report, "hang-*.txt"))
	if n := len(r.dumps); n > 0 {
		r.hangs += n
		r.notes = append(r.notes, fmt.Sprintf("%d watchdog dumps", n))
	}
	r.jobs, r.statuses = countJobs(filepath.Join(report, "jobs.log"))
	r.elapsed = time.Since(start)
	return r
}

// runSuite runs one test binary from its package directory.
func runSuite(root, bin string, s suite, seed uint64, report string, o options) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.run", s.run, "-test.count", "1", "-test.timeout", o.timeout.String())
	cmd.Dir = filepath.Join(root, s.pkg)
	cmd.Env = append(os.Environ(),
		fmt.Sprintf("FLINKGO_TEST_PERTURB=%d", seed),
		"FLINKGO_TEST_WATCHDOG="+o.watchdog.String(),
		"FLINKGO_TEST_REPORT_DIR="+report)
	out, err := cmd.CombinedOutput()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		out = append(out, "\npanic: test timed out (killed by stress)\n"...)
	}
	return out, err
}

// countJobs reads jobs.log: one line per job end, its status first.
func countJobs(path string) (int, map[string]int) {
	st := map[string]int{}
	f, err := os.Open(path)
	if err != nil {
		return 0, st
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		status, _, _ := strings.Cut(sc.Text(), " ")
		st[status]++
		n++
	}
	return n, st
}

// firstFailure is the first "--- FAIL" line of a test output.
func firstFailure(out []byte) string {
	for _, line := range strings.Split(string(out), "\n") {
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "--- FAIL") {
			return t
		}
	}
	return "test binary failed"
}

// keepRound saves a failing round's outputs and dumps under dir.
func keepRound(r roundResult, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, out := range r.outputs {
		if err := os.WriteFile(filepath.Join(dir, name+".out"), out, 0o644); err != nil {
			return err
		}
	}
	for _, d := range r.dumps {
		b, err := os.ReadFile(d)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(d)), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// moduleRoot finds the directory holding go.mod from the working directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod in the working directory or above: run it from the repository")
		}
		dir = parent
	}
}
