package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/planner/session/sqlgateway"
	"github.com/flinkgo/engine/runtime/types"
)

// errForcedInterrupt is how Flink's full-screen view ends on SIGINT.
var errForcedInterrupt = &clientError{class: "org.apache.flink.table.client.gateway.SqlExecutionException", msg: "Forced interrupt."}

// fullScreen reports the terminal a query's result is shown on in one of
// Flink's full-screen views: mode TABLE or CHANGELOG, in the REPL, with
// both standard input and output terminals. Otherwise (piped statements,
// TABLEAU) the result prints in tableau form.
func (c *client) fullScreen(mode string) (in, out *os.File, ok bool) {
	if !fullScreenSupported || !c.screen || mode == modeTableau {
		return nil, nil, false
	}
	out, isFile := c.stdout.(*os.File)
	if !isFile || !isTerminal(out) || !isTerminal(os.Stdin) {
		return nil, nil, false
	}
	return os.Stdin, out, true
}

// newScreenState is the full-screen view of a query's columns in mode on
// the terminal out: widths from the types as Flink's tableau style infers
// them, the changelog's op column first.
func (c *client) newScreenState(cols []planner.Column, mode string, out *os.File) *resultState {
	changelog := mode == modeChangelog
	names := make([]string, len(cols))
	typeNames := make([]string, len(cols))
	var widths []int
	if changelog {
		widths = append(widths, 2)
	}
	for i, col := range cols {
		names[i] = col.Name
		typeNames[i] = col.Type.String()
		widths = append(widths, streamWidth(col, c.maxColumnWidth()))
	}
	_, _, plain := terminalSize(out)
	return newResultState(names, typeNames, widths, changelog, plain)
}

// maxTableRows is sql-client.execution.max-table-result.rows, the rows a
// table view keeps (Flink's default 1,000,000; the oldest go first).
func (c *client) maxTableRows() int {
	n, err := c.s.Config().Int("sql-client.execution.max-table-result.rows", 1000000)
	if err != nil || n < 1 {
		return 1000000
	}
	return n
}

// showFullScreen shows a query's result in Flink's full-screen view for
// mode until the user leaves it — then the job is cancelled and "Result
// retrieval cancelled." printed — or the job fails (its error).
func (c *client) showFullScreen(q *session.Query, mode string, in, out *os.File) error {
	feed := newResultFeed(mode == modeChangelog, c.maxTableRows())
	zone, _ := planner.ParseZone(c.s.Config().String("table.local-time-zone", "default"))
	done := make(chan struct{})
	go func() {
		defer close(done)
		var buf []byte
		for b := range q.Rows {
			for r := 0; r < b.Len; r++ {
				var cells []string
				cells, buf = batchCells(b, r, zone, buf)
				feed.add(b.Kind(r).String(), cells)
			}
		}
		feed.end(q.Job.Wait())
	}()
	err := c.runResultView(in, out, c.newScreenState(q.Columns, mode, out), feed)
	q.Job.Cancel()
	<-done
	return c.leftFullScreen(err, q.Job.ID)
}

// showRemoteFullScreen is showFullScreen for a query running on a
// cluster's SQL Gateway (operation op, its first page fetched): the
// pages are fetched while the view runs; leaving the view cancels the
// operation.
func (c *client) showRemoteFullScreen(ctx context.Context, op string, page *sqlgateway.FetchResults,
	cols []planner.Column, mode string, in, out *os.File) error {
	feed := newResultFeed(mode == modeChangelog, c.maxTableRows())
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for token := int64(0); page.ResultType != sqlgateway.ResultEOS; {
			if page.ResultType == sqlgateway.ResultPayload {
				for i := range page.Results.Data {
					r := &page.Results.Data[i]
					cells, null := r.Strings()
					for j := range cells {
						if null[j] {
							cells[j] = nullCell
						}
					}
					feed.add(r.ShortKind(), cells)
				}
				token++
			}
			select {
			case <-stop:
				return
			default:
			}
			var err error
			if page, err = c.remote.Fetch(ctx, op, token); err != nil {
				feed.end(err)
				return
			}
		}
		feed.end(nil)
	}()
	err := c.runResultView(in, out, c.newScreenState(cols, mode, out), feed)
	close(stop)
	c.remote.Cancel(ctx, op)
	<-done
	return c.leftFullScreen(err, "")
}

// leftFullScreen prints what follows a full-screen view: Flink's info
// when the user left it, else the error to report (a job's failure as the
// job's; jobID "" for a remote query, whose failure is the gateway's).
func (c *client) leftFullScreen(err error, jobID string) error {
	if f, ok := err.(*fatalSignal); ok {
		f.raise()
	}
	switch {
	case err == nil:
		fmt.Fprintln(c.stdout, msgResultQuit)
		fmt.Fprintln(c.stdout)
		return nil
	case err == errForcedInterrupt, jobID == "":
		return err
	default:
		return &session.JobError{JobID: jobID, Err: err}
	}
}

// batchCells is row r of b as text, NULL as Flink's tableau shows it,
// TIMESTAMP_LTZ values in zone; buf is scratch space, returned for reuse.
func batchCells(b *types.Batch, r int, zone *time.Location, buf []byte) ([]string, []byte) {
	cells := make([]string, len(b.Cols))
	for c, col := range b.Cols {
		if col.IsNull(r) {
			cells[c] = nullCell
			continue
		}
		buf = types.AppendValueIn(buf[:0], col, r, types.StyleSQL, zone)
		cells[c] = string(buf)
	}
	return cells, buf
}
