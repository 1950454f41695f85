// Package session is the engine facade the SQL client talks to: a session
// holds configuration (SET), a catalog (CREATE/DROP) and the jobs it
// started, and executes parsed statements one at a time.
//
// Call order: New, then Execute for each statement (from one goroutine),
// then WaitJobs or CancelJobs, then Close. Jobs run on their own goroutines;
// Jobs() and job status may be read concurrently with Execute.
//
// Results: Execute returns a Result describing what to show; rendering is
// the client's business. A SELECT returns a Query whose Rows channel
// delivers the result batches while its job runs.
package session

import (
	"github.com/flinkgo/engine/checkpoint"
	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/runtime/types"
)

// ResultKind says what a statement produced.
type ResultKind uint8

const (
	// ResultOK is "[INFO] Execute statement succeeded."
	ResultOK ResultKind = iota
	// ResultTable is a small table (SET;, SHOW TABLES, DESCRIBE, SHOW JOBS).
	ResultTable
	// ResultText is raw text (SHOW CREATE TABLE, EXPLAIN).
	ResultText
	// ResultJobSubmitted: an INSERT or statement set started a job.
	ResultJobSubmitted
	// ResultJobCompleted: with table.dml-sync the job ran to its end.
	ResultJobCompleted
	// ResultQuery: a SELECT is streaming its rows.
	ResultQuery
	// ResultHelp, ResultQuit, ResultClear are client commands.
	ResultHelp
	ResultQuit
	ResultClear
)

// Result is the outcome of one statement.
type Result struct {
	Kind    ResultKind
	Columns []string
	Rows    [][]string
	Text    string
	JobID   string
	Query   *Query
}

// Query is a running SELECT. Rows delivers result batches (with row
// kinds); it is closed when the job ended, after which Err tells how.
type Query struct {
	Columns []planner.Column
	Rows    <-chan *types.Batch
	Job     *Job
}

// Job is a job started by the session: its execution across restarts.
type Job struct {
	*checkpoint.Execution
	Statement string
	info      *jobInfo // what it was started with (jobinfo.go)
}
