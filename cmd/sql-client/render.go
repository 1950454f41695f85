package main

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/runtime/types"
)

// Messages exactly as Flink's SQL client (1.17+) prints them.
const (
	msgStatementSucceed = "[INFO] Execute statement succeed."
	msgSubmitting       = "[INFO] Submitting SQL update statement to the cluster..."
	msgSubmitted        = "[INFO] SQL update statement has been successfully submitted to the cluster:"
	msgCompleted        = "[INFO] Complete execution of the SQL update statement."
	msgErrorHeader      = "[ERROR] Could not execute SQL statement. Reason:"
	msgQuit             = "[INFO] Exiting Flink SQL CLI Client..."
)

// errorText renders an error as Flink does: "<Class>: <message>".
func errorText(err error) string { return session.ErrorText(err) }

const helpText = `The following commands are available:

CLEAR		Clears the current terminal.
CREATE TABLE		Create table under current catalog and database.
DROP TABLE		Drop table with optional catalog and database. Syntax: "DROP TABLE [IF EXISTS] <name>;"
CREATE VIEW		Creates a virtual table from a SQL query. Syntax: "CREATE VIEW <name> AS <query>;"
DESCRIBE		Describes the schema of a table with the given name.
DROP VIEW		Deletes a previously created virtual table. Syntax: "DROP VIEW <name>;"
EXPLAIN		Describes the execution plan of a query or table with the given name.
HELP		Prints the available commands.
INSERT INTO		Inserts the results of a SQL SELECT query into a declared table sink.
QUIT		Quits the SQL CLI client.
RESET		Resets a session configuration property. Syntax: "RESET '<key>';". Use "RESET;" for reset all session properties.
SELECT		Executes a SQL SELECT query on the Flink cluster.
SET		Sets a session configuration property. Syntax: "SET '<key>'='<value>';". Use "SET;" for listing all properties.
SHOW FUNCTIONS		Shows all user-defined and built-in functions or only user-defined functions. Syntax: "SHOW [USER] FUNCTIONS;"
SHOW TABLES		Shows all registered tables.
SHOW JOBS		Shows the jobs of this session with their status and progress.
STOP JOB		Stops a running job. Syntax: "STOP JOB '<job id>';"
BEGIN STATEMENT SET		Begins a statement set. Syntax: "BEGIN STATEMENT SET;"
END		Ends a statement set. Syntax: "END;"

Hint: Make sure that a statement ends with ";" for finalizing (multi-line) statements.
You can also type any Flink SQL statement, please visit https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/table/sql/overview/ for more details.
`

// printTable renders a small result as a tableau table with an
// "N rows in set" footer (or "Empty set").
func printTable(w io.Writer, header []string, rows [][]string) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "Empty set")
		return
	}
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, r := range rows {
		for i, c := range r {
			if n := utf8.RuneCountInString(c); n > widths[i] {
				widths[i] = n
			}
		}
	}
	border := tableBorder(widths)
	fmt.Fprintln(w, border)
	fmt.Fprintln(w, tableRow(header, widths, false))
	fmt.Fprintln(w, border)
	for _, r := range rows {
		fmt.Fprintln(w, tableRow(r, widths, false))
	}
	fmt.Fprintln(w, border)
	if len(rows) == 1 {
		fmt.Fprintln(w, "1 row in set")
	} else {
		fmt.Fprintf(w, "%d rows in set\n", len(rows))
	}
}

func tableBorder(widths []int) string {
	var b strings.Builder
	b.WriteByte('+')
	for _, w := range widths {
		b.WriteString(strings.Repeat("-", w+2))
		b.WriteByte('+')
	}
	return b.String()
}

func tableRow(cells []string, widths []int, right bool) string {
	var b strings.Builder
	b.WriteByte('|')
	for i, c := range cells {
		pad := widths[i] - utf8.RuneCountInString(c)
		b.WriteByte(' ')
		if right {
			b.WriteString(strings.Repeat(" ", pad))
			b.WriteString(c)
		} else {
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", pad))
		}
		b.WriteString(" |")
	}
	return b.String()
}

// streamWidth is the display width of a column in the streaming tableau,
// from its type (Flink's PrintUtils.columnWidthsByType), bounded by the
// maximum column width.
func streamWidth(c planner.Column, maxWidth int) int {
	t := c.Type
	w := 0
	switch t.Kind {
	case types.KindBoolean:
		w = 5
	case types.KindTinyInt:
		w = 4
	case types.KindSmallInt:
		w = 6
	case types.KindInt:
		w = 11
	case types.KindBigInt:
		w = 20
	case types.KindFloat, types.KindDouble:
		w = 20
	case types.KindDecimal:
		w = t.Precision + 2
	case types.KindDate:
		w = 10
	case types.KindTime:
		w = 8
		if t.Precision > 0 {
			w += t.Precision + 1
		}
	case types.KindTimestamp, types.KindTimestampLTZ:
		w = 19
		if t.Precision > 0 {
			w += t.Precision + 1
		}
	case types.KindChar, types.KindVarChar, types.KindBinary, types.KindVarBinary:
		w = t.Length
	default:
		w = maxWidth
	}
	if w > maxWidth {
		w = maxWidth
	}
	if n := utf8.RuneCountInString(c.Name); n > w {
		w = n
	}
	if w < len("<NULL>") {
		w = len("<NULL>")
	}
	return w
}

// tableau prints a streaming result as rows arrive.
type tableau struct {
	w      io.Writer
	cols   []planner.Column
	widths []int
	count  int
	buf    []byte
	cells  []string
	zone   *time.Location // TIMESTAMP_LTZ values show in table.local-time-zone
}

func newTableau(w io.Writer, cols []planner.Column, maxWidth int) *tableau {
	t := &tableau{w: w, cols: cols, widths: []int{2}}
	for _, c := range cols {
		t.widths = append(t.widths, streamWidth(c, maxWidth))
	}
	t.cells = make([]string, len(cols)+1)
	return t
}

func (t *tableau) header() {
	names := []string{"op"}
	for _, c := range t.cols {
		names = append(names, c.Name)
	}
	fmt.Fprintln(t.w, tableBorder(t.widths))
	fmt.Fprintln(t.w, tableRow(names, t.widths, true))
	fmt.Fprintln(t.w, tableBorder(t.widths))
}

func (t *tableau) batch(b *types.Batch) {
	for r := 0; r < b.Len; r++ {
		t.cells[0] = b.Kind(r).String()
		for c, v := range b.Cols {
			if v.IsNull(r) {
				t.cells[c+1] = "<NULL>"
			} else {
				t.buf = types.AppendValueIn(t.buf[:0], v, r, types.StyleSQL, t.zone)
				t.cells[c+1] = string(t.buf)
			}
		}
		t.emit()
	}
}

// row prints one row given as text (a remote query's): kind is the short
// row kind (+I, -U, +U, -D), null marks the NULL fields.
func (t *tableau) row(kind string, cells []string, null []bool) {
	t.cells[0] = kind
	for c := range t.cols {
		switch {
		case c >= len(cells) || null[c]:
			t.cells[c+1] = "<NULL>"
		default:
			t.cells[c+1] = cells[c]
		}
	}
	t.emit()
}

// emit prints t.cells, each cut to its column's width.
func (t *tableau) emit() {
	for c := 1; c < len(t.cells); c++ {
		if s := t.cells[c]; utf8.RuneCountInString(s) > t.widths[c] {
			rs := []rune(s)
			t.cells[c] = string(rs[:t.widths[c]-3]) + "..."
		}
	}
	fmt.Fprintln(t.w, tableRow(t.cells, t.widths, true))
	t.count++
}

func (t *tableau) footer(terminated bool) {
	if t.count > 0 {
		fmt.Fprintln(t.w, tableBorder(t.widths))
	}
	unit := "rows"
	if t.count <= 1 {
		unit = "row"
	}
	if terminated {
		fmt.Fprintf(t.w, "Query terminated, received a total of %d %s\n", t.count, unit)
		return
	}
	fmt.Fprintf(t.w, "Received a total of %d %s\n", t.count, unit)
}
