// Command nexmark runs the Nexmark benchmark on the embedded engine: each
// query is assembled from the official files (ddl_gen.sql or
// ddl_gen_v2.sql, ddl_views.sql, qN.sql) with the upstream substitutions,
// executed in process through the same session path as `sql-client -f`,
// and measured: events, wall time, events/s, CPU time of the process
// (getrusage, user+sys) and events/s per core beside Flink's published
// per-core figure (flink-per-core.csv in -dir) and the ratio to it, peak
// RSS and peak state size (both sampled), and the checkpoints the job
// completed. State bytes per key are not reported: the operator metrics
// count bytes, not keys.
//
//	go run ./cmd/nexmark -queries q0,q1,q2 -events 10000000 -parallelism 1 \
//	    -state-backend hashmap -checkpoint-interval 10s -out results.md
//
// Call order: flags → one fresh session per query, run one after another
// on the main goroutine (so CPU time and RSS belong to that query) → the
// table on stdout and in -out. A query that fails to plan or run gets a
// row with its error; the command then still exits 0 unless -strict.
//
// Concurrency: besides the engine's own goroutines, one sampler goroutine
// reads /proc/self/statm and the job's state sizes every 20 ms while a
// query runs (peak RSS and state; the process's maxrss cannot be reset
// between queries), and with -timeout a timer goroutine cancels the
// query's jobs. Both end with the query.
// Ownership: each query's session, checkpoints and scratch files belong to
// that query and are closed or removed (the work directory at exit).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/flinkgo/engine/checkpoint"
	_ "github.com/flinkgo/engine/connectors/nexmark" // also registered by connectors/all
	"github.com/flinkgo/engine/planner/flinkconf"
	"github.com/flinkgo/engine/planner/session"
	engine "github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/sql"
)

func main() {
	engine.TuneGC() // as sql-client runs
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the parsed flags.
type options struct {
	job        jobConfig
	queries    []string
	out        string
	format     string
	cpuProfile string
	timeout    time.Duration
	strict     bool
	gogc       int
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("nexmark", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{job: jobConfig{conf: flinkconf.Dynamic{}}}
	var queries string
	fs.StringVar(&queries, "queries", "q0,q1,q2", "comma-separated queries (qN), or 'all' for every qN.sql in -dir")
	fs.Int64Var(&o.job.events, "events", 10_000_000, "events per query (events.num)")
	fs.Int64Var(&o.job.tps, "tps", 10_000_000, "first-event.rate / next-event.rate (${TPS}): sets the event-time spacing")
	fs.IntVar(&o.job.parallelism, "parallelism", 1, "parallelism.default")
	fs.StringVar(&o.job.stateBackend, "state-backend", "hashmap", "state.backend.type: hashmap or rocksdb")
	fs.DurationVar(&o.job.checkpointInt, "checkpoint-interval", 10*time.Second, "execution.checkpointing.interval; 0 disables checkpoints")
	fs.StringVar(&o.job.dir, "dir", "testdata/nexmark", "directory with ddl_gen.sql, ddl_gen_v2.sql, ddl_views.sql and qN.sql")
	fs.BoolVar(&o.job.v2, "v2", false, "use ddl_gen_v2.sql (keep-alive false, stop-at -1)")
	fs.StringVar(&o.job.workDir, "work-dir", "", "checkpoints and scratch files (default: a temporary directory, removed at the end)")
	fs.Var(flinkconf.Dynamic(o.job.conf), "D", "extra session configuration key=value (repeatable), e.g. -D nexmark.seed=7")
	fs.StringVar(&o.out, "out", "", "also write the table to this file")
	fs.StringVar(&o.format, "format", "md", "table format: md or csv")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of each query's INSERT (file name gets .qN before its extension when several queries run)")
	fs.DurationVar(&o.timeout, "timeout", 0, "cancel a query after this long (0: no limit)")
	fs.BoolVar(&o.strict, "strict", false, "exit 1 if any query failed")
	fs.IntVar(&o.gogc, "gogc", 0, "Go GC target percentage for the run (debug.SetGCPercent); 0 keeps the engine's setting (GOGC, else runtime.DefaultGCPercent)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.format != "md" && o.format != "csv" {
		return nil, fmt.Errorf("-format must be md or csv, not %q", o.format)
	}
	if o.job.events <= 0 || o.job.tps <= 0 || o.job.parallelism < 1 {
		return nil, errors.New("-events, -tps and -parallelism must be positive")
	}
	if queries == "all" {
		qs, err := listQueries(o.job.dir)
		if err != nil {
			return nil, err
		}
		o.queries = qs
	} else {
		for _, q := range strings.Split(queries, ",") {
			if q = strings.TrimSpace(q); q != "" {
				o.queries = append(o.queries, q)
			}
		}
	}
	if len(o.queries) == 0 {
		return nil, fmt.Errorf("no queries to run (is -dir %s right?)", o.job.dir)
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "nexmark:", err)
		}
		return 2
	}
	if o.gogc != 0 {
		defer debug.SetGCPercent(debug.SetGCPercent(o.gogc))
	}
	if o.job.workDir == "" {
		d, err := os.MkdirTemp("", "nexmark-")
		if err != nil {
			fmt.Fprintln(stderr, "nexmark:", err)
			return 1
		}
		defer os.RemoveAll(d)
		o.job.workDir = d
	}
	flink, err := loadFlinkPerCore(o.job.dir)
	if err != nil {
		fmt.Fprintln(stderr, "nexmark:", err)
		return 1
	}
	var results []result
	failed := false
	for _, q := range o.queries {
		r := runQuery(o, q, stderr)
		r.flinkPerCore = flink[q]
		if r.err != "" {
			failed = true
			fmt.Fprintf(stderr, "[nexmark] %s: %s\n", q, r.err)
		} else {
			fmt.Fprintf(stderr, "[nexmark] %s: %d events in %.2f s, %.0f events/s, %.0f events/s/core\n",
				q, r.events, r.wallSec, r.eventsPerSec(), r.eventsPerCore())
		}
		results = append(results, r)
	}
	write := writeMarkdown
	if o.format == "csv" {
		write = writeCSV
	}
	if err := write(stdout, results); err != nil {
		fmt.Fprintln(stderr, "nexmark:", err)
		return 1
	}
	if o.out != "" {
		f, err := os.Create(o.out)
		if err == nil {
			err = write(f, results)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(stderr, "nexmark:", err)
			return 1
		}
	}
	if failed && o.strict {
		return 1
	}
	return 0
}

// runQuery runs one query in a fresh session and measures its INSERT. A
// panic while planning becomes the query's error row.
func runQuery(o *options, q string, log io.Writer) (r result) {
	r = result{query: q, events: o.job.events}
	fail := func(err error) result {
		r.err = shorten(err)
		return r
	}
	defer func() {
		if p := recover(); p != nil {
			r = fail(fmt.Errorf("panic: %v", p))
		}
	}()
	text, err := assemble(&o.job, q)
	if err != nil {
		return fail(err)
	}
	stmts, err := sql.ParseScript(text)
	if err != nil {
		return fail(err)
	}
	if len(stmts) == 0 {
		return fail(errors.New("empty script"))
	}
	s := session.New(session.Options{Log: log})
	defer s.Close()
	for _, st := range stmts[:len(stmts)-1] {
		if _, err := s.Execute(st); err != nil {
			return fail(err)
		}
	}
	last := stmts[len(stmts)-1]
	if _, ok := last.(*sql.Insert); !ok {
		return fail(fmt.Errorf("the last statement of %s is not an INSERT", q))
	}
	goruntime.GC()
	debug.FreeOSMemory()
	stopProfile, err := startProfile(o, q)
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if o.timeout > 0 {
		go func() {
			select {
			case <-time.After(o.timeout):
				s.CancelJobs()
			case <-ctx.Done():
			}
		}()
	}
	rss := startRSS(func() (int64, bool) {
		jobs := s.Jobs()
		if len(jobs) == 0 {
			return 0, false
		}
		var sum int64
		for _, st := range jobs[len(jobs)-1].StateSizes() {
			sum += st.Bytes
		}
		return sum, true
	})
	c0, t0 := cpuTime(), time.Now()
	_, err = s.Execute(last)
	r.wallSec = time.Since(t0).Seconds()
	r.cpuSec = (cpuTime() - c0).Seconds()
	r.peakRSS, r.peakState = rss.done()
	stopProfile()
	if jobs := s.Jobs(); len(jobs) > 0 {
		j := jobs[len(jobs)-1]
		r.checkpoints = j.CompletedCheckpoints()
		h := j.History()
		var sum time.Duration
		var written int64
		n := 0
		for _, c := range h.Records {
			if c.Status == checkpoint.CheckpointCompleted && !c.Savepoint {
				sum += c.Duration
				written += c.Checkpointed
				n++
			}
		}
		if n > 0 {
			r.ckptMeanMs = float64(sum.Milliseconds()) / float64(n)
			r.ckptWritten = float64(written) / float64(n)
		}
		if h.LatestCompleted != nil {
			r.ckptBytes = h.LatestCompleted.Size
		}
	}
	if err != nil {
		if o.timeout > 0 && r.wallSec >= o.timeout.Seconds() {
			return fail(fmt.Errorf("timed out after %s: %v", o.timeout, err))
		}
		return fail(err)
	}
	return r
}

// startProfile starts the CPU profile of query q, if asked for.
func startProfile(o *options, q string) (func(), error) {
	if o.cpuProfile == "" {
		return func() {}, nil
	}
	path := o.cpuProfile
	if len(o.queries) > 1 {
		ext := filepath.Ext(path)
		path = strings.TrimSuffix(path, ext) + "." + q + ext
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
