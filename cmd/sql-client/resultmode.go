package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/runtime/types"
)

// Result modes (sql-client.execution.result-mode, Flink's ResultMode).
const (
	modeTable     = "TABLE"
	modeChangelog = "CHANGELOG"
	modeTableau   = "TABLEAU"
)

// clientError is an error the client itself raises, with the class Flink's
// client names it by.
type clientError struct{ class, msg string }

func (e *clientError) Error() string      { return e.msg }
func (e *clientError) FlinkClass() string { return e.class }

// resultMode is the session's sql-client.execution.result-mode for a query,
// or Flink's error:
//   - a value that is not TABLE, CHANGELOG or TABLEAU (any case) fails as
//     Flink's enum option does;
//   - in a -f script (Flink's non-interactive execution) only TABLEAU
//     shows a query: TABLE and CHANGELOG fail with Flink's message.
//
// In batch mode (execution.runtime-mode) CHANGELOG fails as in Flink.
//
// Unset, it is TABLEAU. (Flink's default is TABLE, which would make every
// SELECT of a -f script fail; this client has always printed tableau
// there, and its REPL shows TABLE only when asked for.) In the REPL on a
// terminal TABLE and CHANGELOG show in Flink's full-screen views
// (resultview*.go). For piped statements CHANGELOG prints the changes
// with their op column in tableau form, and TABLE the materialized table
// when the query ends or is interrupted.
func (c *client) resultMode() (string, error) {
	v, ok := c.s.Config().Lookup("sql-client.execution.result-mode")
	if !ok {
		return modeTableau, nil
	}
	mode := strings.ToUpper(strings.TrimSpace(v))
	switch mode {
	case modeTable, modeChangelog, modeTableau:
	default:
		return "", &clientError{class: "java.lang.IllegalArgumentException",
			msg: "Could not parse value for enum class org.apache.flink.table.client.config.ResultMode. Expected one of: [[TABLE, CHANGELOG, TABLEAU]]"}
	}
	if mode == modeChangelog && c.batchMode() {
		return "", &clientError{class: "org.apache.flink.table.client.gateway.SqlExecutionException",
			msg: "Results of batch queries can only be served in table or tableau mode."}
	}
	if !c.interactive && mode != modeTableau {
		return "", &clientError{class: "org.apache.flink.table.client.gateway.SqlExecutionException",
			msg: "In non-interactive mode, it only supports to use TABLEAU as value of sql-client.execution.result-mode when execute query. " +
				"Please add 'SET sql-client.execution.result-mode=TABLEAU;' in the sql file."}
	}
	return mode, nil
}

// batchMode reports execution.runtime-mode BATCH: a query's result is
// final, shown as one table without the op column.
func (c *client) batchMode() bool {
	return strings.EqualFold(strings.TrimSpace(c.s.Config().String("execution.runtime-mode", "streaming")), "batch")
}

// maxColumnWidth is table.display.max-column-width (or its deprecated
// name sql-client.display.max-column-width), Flink's default 30.
func (c *client) maxColumnWidth() int {
	w, err := c.s.Config().Int("table.display.max-column-width", 30)
	if err != nil || w < 1 {
		return 30
	}
	return w
}

// resultView shows a query's rows: as they arrive (tableau, changelog), or
// materialized and printed at the end (table).
type resultView struct {
	c     *client
	t     *tableau
	table *materialized // TABLE mode
	buf   []byte
}

func (c *client) newResultView(cols []planner.Column, mode string) *resultView {
	v := &resultView{c: c, t: newTableau(c.stdout, cols, c.maxColumnWidth())}
	if c.printTimeCost() { // render.go
		v.t.since = time.Now()
	}
	if mode == modeTable || c.batchMode() {
		v.table = &materialized{}
		return v
	}
	v.t.header()
	return v
}

// batch shows the rows of a batch.
func (v *resultView) batch(b *types.Batch) {
	if v.table == nil {
		v.t.batch(b)
		return
	}
	for r := 0; r < b.Len; r++ {
		cells := make([]string, len(b.Cols))
		for c, col := range b.Cols {
			if col.IsNull(r) {
				cells[c] = nullCell
				continue
			}
			v.buf = types.AppendValueIn(v.buf[:0], col, r, types.StyleSQL, v.t.zone)
			cells[c] = string(v.buf)
		}
		v.table.apply(b.Kind(r).String(), cells)
	}
}

// row shows one row given as text (a remote query's).
func (v *resultView) row(kind string, cells []string, null []bool) {
	if v.table == nil {
		v.t.row(kind, cells, null)
		return
	}
	out := make([]string, len(v.t.cols))
	for i := range out {
		if i >= len(cells) || null[i] {
			out[i] = nullCell
		} else {
			out[i] = cells[i]
		}
	}
	v.table.apply(kind, out)
}

// end prints the footer, or the materialized table (TABLE mode, batch
// queries) as Flink's tableau prints a batch result: widths from the
// content (the names included) up to the maximum column width, no op
// column, "N rows in set".
func (v *resultView) end(terminated bool) {
	if v.table == nil {
		v.t.footer(terminated)
		fmt.Fprintln(v.c.stdout)
		return
	}
	names := make([]string, len(v.t.cols))
	widths := make([]int, len(names))
	for i, col := range v.t.cols {
		names[i] = col.Name
		widths[i] = javaLength(col.Name)
	}
	for _, r := range v.table.rows {
		for i, cell := range r {
			widths[i] = max(widths[i], displayWidth(cell))
		}
	}
	maxWidth := v.c.maxColumnWidth()
	for i := range widths {
		widths[i] = min(widths[i], maxWidth)
	}
	w := v.c.stdout
	if len(v.table.rows) == 0 {
		fmt.Fprintln(w, "Empty set"+v.t.timeCost())
	} else {
		fmt.Fprintln(w, tableBorder(widths))
		fmt.Fprintln(w, tableRow(names, widths))
		fmt.Fprintln(w, tableBorder(widths))
		for _, r := range v.table.rows {
			fmt.Fprintln(w, tableRow(r, widths))
		}
		fmt.Fprintln(w, tableBorder(widths))
		if len(v.table.rows) == 1 {
			fmt.Fprintln(w, "1 row in set"+v.t.timeCost())
		} else {
			fmt.Fprintf(w, "%d rows in set%s\n", len(v.table.rows), v.t.timeCost())
		}
	}
	if terminated {
		fmt.Fprintln(w, "[INFO] Result retrieval cancelled.")
	}
	fmt.Fprintln(w)
}

// materialized is a query's result table: the changelog applied, rows in
// the order they were inserted, a retraction (-U, -D) removing the first
// equal row.
type materialized struct {
	rows [][]string
}

func (m *materialized) apply(kind string, cells []string) {
	switch kind {
	case "+I", "+U":
		m.rows = append(m.rows, cells)
	case "-U", "-D":
		for i, r := range m.rows {
			if equalCells(r, cells) {
				m.rows = append(m.rows[:i], m.rows[i+1:]...)
				return
			}
		}
	}
}

func equalCells(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
