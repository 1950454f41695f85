package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/chzyer/readline"

	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/planner/session/sqlgateway"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/sql"
)

const (
	prompt             = "Flink SQL> "
	continuationPrompt = "> "
	statusEvery        = 10 * time.Second
)

// client drives a session from a script, a stream or a terminal.
type client struct {
	s       *session.Session
	stdout  io.Writer
	stderr  io.Writer
	signals chan os.Signal
	// secrets are masked in every message the client prints.
	secrets *secretValues
	// reported holds the background jobs whose failure was printed.
	reported map[string]bool
	// restURL is where Flink's REST API is served, "" if nowhere.
	restURL string
	// remote is the cluster's gateway session in remote mode (remote.go);
	// nil in the embedded mode.
	remote     *sqlgateway.Client
	heartbeat  chan struct{}
	remoteJobs []string // the jobs this client submitted to the cluster
	// interactive is set for the REPL and statements piped on standard
	// input (Flink's interactive execution); -f scripts are not.
	interactive bool
	// screen is set in the REPL, where TABLE and CHANGELOG results show
	// in Flink's full-screen views on a terminal (resultview_show.go).
	screen bool
}

func newClient(s *session.Session, stdout, stderr io.Writer, secrets *secretValues) *client {
	c := &client{s: s, stdout: stdout, stderr: stderr, signals: make(chan os.Signal, 2), secrets: secrets}
	signal.Notify(c.signals, os.Interrupt, syscall.SIGTERM)
	return c
}

func (c *client) printError(err error) {
	fmt.Fprintln(c.stdout, msgErrorHeader)
	fmt.Fprintln(c.stdout, c.secrets.Mask(c.errorText(err)))
	fmt.Fprintln(c.stdout)
}

func (c *client) info(msg string) {
	fmt.Fprintln(c.stdout, msg)
	fmt.Fprintln(c.stdout)
}

// runSegment parses and executes one statement. echo prints it after the
// prompt first, as Flink's client does in file mode, its secret values
// masked.
func (c *client) runSegment(seg sql.Segment, echo bool) (quit, failed bool) {
	c.secrets.Add(seg.Text)
	if echo {
		// A statement cut inside an unterminated string or comment keeps
		// the ';' that ended its line (sql.SplitScript).
		fmt.Fprintf(c.stdout, "%s%s;\n", prompt, strings.TrimSuffix(sql.MaskText(seg.Text), ";"))
	}
	st, err := sql.Parse(seg)
	if err != nil {
		c.printError(err)
		return false, true
	}
	if _, ok := st.(*sql.Select); ok {
		if _, err := c.resultMode(); err != nil {
			c.printError(err)
			return false, true
		}
	}
	if c.remote != nil {
		// Padded to its place in the script, so that the gateway's
		// positions (line and column of an error) are the script's.
		text := strings.Repeat("\n", max(seg.Pos.Line-1, 0)) + strings.Repeat(" ", max(seg.Pos.Col-1, 0)) + seg.Text
		return c.runRemote(st, text)
	}
	res, err := c.s.Execute(st)
	if err != nil {
		c.printError(err)
		return false, true
	}
	switch res.Kind {
	case session.ResultOK:
		c.info(msgStatementSucceed)
	case session.ResultTable:
		printTable(c.stdout, res.Columns, res.Rows)
		c.dashboardHint(st, c.restURL)
		fmt.Fprintln(c.stdout)
	case session.ResultText:
		printTable(c.stdout, []string{"result"}, [][]string{{res.Text}})
		fmt.Fprintln(c.stdout)
	case session.ResultJobSubmitted:
		fmt.Fprintln(c.stdout, msgSubmitting)
		fmt.Fprintln(c.stdout, msgSubmitted)
		fmt.Fprintf(c.stdout, "Job ID: %s\n\n", res.JobID)
	case session.ResultJobCompleted:
		c.info(msgCompleted)
	case session.ResultQuery:
		if err := c.showQuery(res.Query); err != nil {
			c.printError(err)
			return false, true
		}
	case session.ResultHelp:
		fmt.Fprint(c.stdout, helpText+"\n")
	case session.ResultClear:
		fmt.Fprint(c.stdout, "\033[H\033[2J")
	case session.ResultQuit:
		fmt.Fprintln(c.stdout, msgQuit)
		return true, false
	}
	return false, false
}

// showQuery prints a SELECT's rows as the result mode asks (see
// resultMode) until the job ends or the user interrupts it.
func (c *client) showQuery(q *session.Query) error {
	mode, _ := c.resultMode()
	if in, out, ok := c.fullScreen(mode); ok {
		return c.showFullScreen(q, mode, in, out)
	}
	v := c.newResultView(q.Columns, mode)
	v.t.zone, _ = planner.ParseZone(c.s.Config().String("table.local-time-zone", "default"))
	terminated := false
	rows := q.Rows
	for rows != nil {
		select {
		case b, ok := <-rows:
			if !ok {
				rows = nil
				continue
			}
			v.batch(b)
		case <-c.signals:
			terminated = true
			q.Job.Cancel()
		}
	}
	err := q.Job.Wait()
	failed := err != nil && !terminated
	if failed {
		// The error is printed now, as the statement's: not again as a
		// failed background job.
		c.markReported(q.Job.ID)
	}
	if !failed || v.table == nil {
		// A materialized result (TABLE mode, batch) of a failed query is
		// not shown: Flink prints only the error.
		v.end(terminated)
	}
	if failed {
		return &session.JobError{JobID: q.Job.ID, Err: err}
	}
	return nil
}

// markReported records that a job's failure was printed.
func (c *client) markReported(id string) {
	if c.reported == nil {
		c.reported = map[string]bool{}
	}
	c.reported[id] = true
}

// waitJobs waits for every started job, printing a status line now and
// then, and cancels them on SIGINT/SIGTERM. It returns the exit code.
func (c *client) waitJobs() int {
	jobs := c.s.Jobs()
	if len(jobs) == 0 {
		return 0
	}
	done := make(chan struct{})
	go func() {
		for _, j := range jobs {
			<-j.Done()
		}
		close(done)
	}()
	tick := time.NewTicker(statusEvery)
	defer tick.Stop()
	code := 0
	for waiting := true; waiting; {
		select {
		case <-done:
			waiting = false
		case sig := <-c.signals:
			fmt.Fprintf(c.stderr, "[INFO] Received %v, cancelling %d job(s)...\n", sig, runningJobs(jobs))
			c.s.CancelJobs()
			code = 130
			if sig == syscall.SIGTERM {
				code = 143
			}
		case <-tick.C:
			for _, j := range jobs {
				if j.Status() == runtime.JobRunning {
					in, out := j.Counters()
					bad, late := j.Skipped()
					ck := ""
					if st := j.LastCheckpoint(); st.ID > 0 {
						ck = fmt.Sprintf(", checkpoint %d took %d ms (%d bytes)", st.ID, st.Duration.Milliseconds(), st.Size)
					}
					if st := session.FormatStateSizes(j.StateSizes()); st != "" {
						ck += ", state: " + st
					}
					if r := j.History().LatestRestore; r != nil {
						ck += ", restored from " + r.Path
					}
					if c.restURL != "" {
						ck += "; dashboard: " + c.restURL + "/#/jobs/" + j.ID
					}
					fmt.Fprint(c.stderr, c.secrets.Mask(fmt.Sprintf("[INFO] Job %s (%s) RUNNING: %d records in, %d records out, %d skipped%s\n",
						j.ID, j.Name, in, out, bad+late, ck)))
				}
			}
		}
	}
	for _, j := range jobs {
		if err := j.Wait(); err != nil {
			code = 1
			if c.reported[j.ID] {
				continue
			}
			fmt.Fprint(c.stdout, c.secrets.Mask(fmt.Sprintf("[ERROR] Job %s (%s) failed. Reason:\n%s\n\n", j.ID, j.Name, c.errorText(err))))
		}
	}
	return code
}

func runningJobs(jobs []*session.Job) int {
	n := 0
	for _, j := range jobs {
		if j.Status() == runtime.JobRunning {
			n++
		}
	}
	return n
}

// repl runs the interactive shell on a terminal, keeping the statements in
// the history file historyPath ("" for none).
func (c *client) repl(historyPath string) int {
	rl, err := readline.NewEx(&readline.Config{
		Prompt:                 prompt,
		InterruptPrompt:        "^C",
		EOFPrompt:              "",
		Stdout:                 c.stdout,
		Stderr:                 c.stderr,
		DisableAutoSaveHistory: true,
	})
	if err != nil {
		fmt.Fprintf(c.stderr, "[ERROR] Could not open the terminal: %v\n", err)
		return 1
	}
	defer rl.Close()
	hist, err := openHistory(historyPath, rl)
	if err != nil {
		fmt.Fprintf(c.stderr, "[WARN] Could not open the history file, history is not kept: %v\n", err)
	}
	defer hist.close()
	c.interactive = true
	c.screen = true
	// While a statement runs, Ctrl-C must reach the query, not readline.
	signal.Stop(c.signals)
	if c.remote != nil {
		fmt.Fprintf(c.stdout, "Flink SQL Client (gateway mode, Go engine) connected to %s. Type HELP; for help, QUIT; to exit.\n", c.remote.Endpoint())
	} else {
		fmt.Fprintln(c.stdout, "Flink SQL Client (embedded, Go engine). Type HELP; for help, QUIT; to exit.")
	}
	fmt.Fprintln(c.stdout)
	var buf strings.Builder
	for {
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			buf.Reset()
			rl.SetPrompt(prompt)
			continue
		}
		if err != nil { // EOF (Ctrl-D)
			fmt.Fprintln(c.stdout, msgQuit)
			break
		}
		buf.WriteString(line)
		buf.WriteByte('\n')
		if !sql.Complete(buf.String()) {
			rl.SetPrompt(continuationPrompt)
			continue
		}
		text := buf.String()
		buf.Reset()
		rl.SetPrompt(prompt)
		hist.add(text)
		c.reportFailedJobs()
		quit := false
		signal.Notify(c.signals, os.Interrupt)
		for _, seg := range sql.SplitScript(text) {
			if q, _ := c.runSegment(seg, false); q {
				quit = true
				break
			}
		}
		signal.Stop(c.signals)
		if quit {
			break
		}
	}
	c.reportFailedJobs()
	if c.remote != nil {
		fmt.Fprintln(c.stdout, "Shutting down the session...")
		c.closeRemote()
		fmt.Fprintln(c.stdout, "done.")
		return 0
	}
	if n := runningJobs(c.s.Jobs()); n > 0 {
		fmt.Fprintf(c.stdout, "[WARN] Cancelling %d running job(s): they run inside this client (embedded) and end with it.\n", n)
	}
	fmt.Fprintln(c.stdout, "Shutting down the session...")
	c.s.CancelJobs()
	fmt.Fprintln(c.stdout, "done.")
	return 0
}

// reportFailedJobs prints, once per job, the root cause of every job that
// failed in the background since the last statement (the REPL returns at
// once from an INSERT; its failure would otherwise never show).
func (c *client) reportFailedJobs() {
	if c.remote != nil {
		c.reportRemoteFailures()
		return
	}
	for _, j := range c.s.Jobs() {
		if j.Status() != runtime.JobFailed || c.reported[j.ID] {
			continue
		}
		c.markReported(j.ID)
		fmt.Fprint(c.stdout, c.secrets.Mask(fmt.Sprintf("[ERROR] Job %s (%s) failed in the background. Reason:\n%s\n\n", j.ID, j.Name, c.errorText(j.Wait()))))
	}
}

// dashboardHint follows SHOW JOBS with where the web dashboard shows the
// jobs, when one is served (url "" for none).
func (c *client) dashboardHint(st sql.Statement, url string) {
	if _, ok := st.(*sql.ShowJobs); ok && url != "" {
		fmt.Fprintf(c.stdout, "Web dashboard: %s/#/jobs\n", url)
	}
}
