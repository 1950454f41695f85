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

// Messages exactly as Flink's SQL client (1.20) prints them.
const (
	msgStatementSucceed = "[INFO] Execute statement succeeded."
	msgSubmitting       = "[INFO] Submitting SQL update statement to the cluster..."
	msgSubmitted        = "[INFO] SQL update statement has been successfully submitted to the cluster:"
	msgCompleted        = "[INFO] Complete execution of the SQL update statement."
	msgErrorHeader      = "[ERROR] Could not execute SQL statement. Reason:"
	msgQuit             = "[INFO] Exiting Flink SQL CLI Client..."
)

// verboseKey is Flink's sql-client.verbose: errors print their whole
// exception chain.
const verboseKey = "sql-client.verbose"

// errorText renders an error as Flink does: "<Class>: <message>", or the
// exception chain under sql-client.verbose (an unreadable value is false).
func (c *client) errorText(err error) string {
	verbose, _ := c.s.Config().Bool(verboseKey, false)
	return session.ErrorText(err, verbose)
}

// printTable renders a statement's result that is not a query (SHOW,
// DESCRIBE, SET;, EXPLAIN, ...) as Flink's client prints one: a tableau
// whose widths come from the content, never truncated, every cell
// right-aligned, an "N rows in set" footer (or "Empty set"). A multi-line
// cell (EXPLAIN's plan, SHOW CREATE TABLE's DDL) is printed as is, its
// width counting every character, as Flink does.
func printTable(w io.Writer, header []string, rows [][]string) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "Empty set")
		return
	}
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = javaLength(h)
	}
	for _, r := range rows {
		for i, c := range r {
			if n := displayWidth(c); i < len(widths) && n > widths[i] {
				widths[i] = n
			}
		}
	}
	border := tableBorder(widths)
	fmt.Fprintln(w, border)
	fmt.Fprintln(w, tableRow(header, widths))
	fmt.Fprintln(w, border)
	for _, r := range rows {
		fmt.Fprintln(w, tableRow(r, widths))
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

// tableRow renders one row as Flink's TableauStyle does: every cell
// right-aligned in its column; a cell wider than its column is cut to the
// width less three and ends with "...".
func tableRow(cells []string, widths []int) string {
	var b strings.Builder
	b.WriteByte('|')
	for i, c := range cells {
		if i >= len(widths) {
			break
		}
		b.WriteByte(' ')
		if n := displayWidth(c); n <= widths[i] {
			b.WriteString(strings.Repeat(" ", widths[i]-n))
			b.WriteString(c)
		} else {
			b.WriteString(truncateCell(c, widths[i]-len(truncatedFlag)))
			b.WriteString(truncatedFlag)
		}
		b.WriteString(" |")
	}
	return b.String()
}

const truncatedFlag = "..."

// truncateCell keeps the leading characters of s that fit target display
// columns, padded on the left to exactly target (a wide character may not
// fit in the last column).
func truncateCell(s string, target int) string {
	if target < 0 {
		target = 0
	}
	passed, end := 0, 0
	for i, r := range s {
		rw := 1
		if isFullWidth(r) {
			rw = 2
		}
		if passed+rw > target {
			end = i
			break
		}
		passed += rw
		end = i + utf8.RuneLen(r)
	}
	return strings.Repeat(" ", target-passed) + s[:end]
}

// javaLength is the length of s as Java counts it (UTF-16 code units),
// which Flink uses for header widths.
func javaLength(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

// displayWidth is Flink's TableauStyle.getStringDisplayWidth: the Java
// length plus one for every East Asian wide or full-width character.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
		if isFullWidth(r) {
			n++
		}
	}
	return n
}

// isFullWidth reports East Asian Width W or F (Unicode UAX #11): the
// blocks of wide characters that terminals show in two columns.
func isFullWidth(r rune) bool {
	if r < 0x1100 {
		return false
	}
	for _, rg := range wideRanges {
		if r < rg[0] {
			return false
		}
		if r <= rg[1] {
			return true
		}
	}
	return false
}

// wideRanges are the East Asian Wide and Fullwidth ranges, sorted.
var wideRanges = [][2]rune{
	{0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC}, {0x23F0, 0x23F0},
	{0x23F3, 0x23F3}, {0x25FD, 0x25FE}, {0x2614, 0x2615}, {0x2648, 0x2653}, {0x267F, 0x267F},
	{0x2693, 0x2693}, {0x26A1, 0x26A1}, {0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5},
	{0x26CE, 0x26CE}, {0x26D4, 0x26D4}, {0x26EA, 0x26EA}, {0x26F2, 0x26F3}, {0x26F5, 0x26F5},
	{0x26FA, 0x26FA}, {0x26FD, 0x26FD}, {0x2705, 0x2705}, {0x270A, 0x270B}, {0x2728, 0x2728},
	{0x274C, 0x274C}, {0x274E, 0x274E}, {0x2753, 0x2755}, {0x2757, 0x2757}, {0x2795, 0x2797},
	{0x27B0, 0x27B0}, {0x27BF, 0x27BF}, {0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55},
	{0x2E80, 0x303E}, {0x3041, 0x33FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xA000, 0xA4CF},
	{0xA960, 0xA97F}, {0xAC00, 0xD7A3}, {0xF900, 0xFAFF}, {0xFE10, 0xFE19}, {0xFE30, 0xFE6F},
	{0xFF00, 0xFF60}, {0xFFE0, 0xFFE6}, {0x16FE0, 0x16FE4}, {0x17000, 0x18CFF}, {0x1AFF0, 0x1B2FF},
	{0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F202},
	{0x1F210, 0x1F23B}, {0x1F240, 0x1F248}, {0x1F250, 0x1F251}, {0x1F260, 0x1F265}, {0x1F300, 0x1F320},
	{0x1F32D, 0x1F335}, {0x1F337, 0x1F37C}, {0x1F37E, 0x1F393}, {0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3},
	{0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4}, {0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440}, {0x1F442, 0x1F4FC},
	{0x1F4FF, 0x1F53D}, {0x1F54B, 0x1F54E}, {0x1F550, 0x1F567}, {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596},
	{0x1F5A4, 0x1F5A4}, {0x1F5FB, 0x1F64F}, {0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC}, {0x1F6D0, 0x1F6D2},
	{0x1F6D5, 0x1F6D7}, {0x1F6DC, 0x1F6DF}, {0x1F6EB, 0x1F6EC}, {0x1F6F4, 0x1F6FC}, {0x1F7E0, 0x1F7EB},
	{0x1F7F0, 0x1F7F0}, {0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945}, {0x1F947, 0x1F9FF}, {0x1FA70, 0x1FAFF},
	{0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
}

// streamWidth is the display width of a column in the streaming tableau,
// from its type as Flink's TableauStyle.columnWidthsByType derives it:
// numbers, booleans, dates, times and timestamps by their longest value,
// every other type (strings, floating point, ...) the maximum column
// width; never less than the name or "<NULL>".
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
	case types.KindDecimal:
		w = t.Precision + 2
	case types.KindDate:
		w = 10
	case types.KindTime:
		w = 8
		if t.Precision > 0 {
			w = t.Precision + 9
		}
	case types.KindTimestamp, types.KindTimestampLTZ:
		switch p := t.Precision; {
		case p == 0:
			w = 19
		case p <= 3:
			w = 23
		case p <= 6:
			w = 26
		default:
			w = 29
		}
	default:
		w = maxWidth
	}
	if w < len(nullCell) {
		w = len(nullCell)
	}
	if n := javaLength(c.Name); n > w {
		w = n
	}
	return w
}

const nullCell = "<NULL>"

// tableau prints a streaming result as rows arrive.
type tableau struct {
	w      io.Writer
	cols   []planner.Column
	widths []int
	count  int
	buf    []byte
	cells  []string
	zone   *time.Location // TIMESTAMP_LTZ values show in table.local-time-zone
	// since is when the query started, for the time its footer reports
	// (sql-client.display.print-time-cost); zero: no time reported.
	since time.Time
}

// printTimeCostKey is Flink's SqlClientOptions.DISPLAY_QUERY_TIME_COST
// (1.19+): the footers of a query's result ("Received a total of 3 rows",
// "3 rows in set", "Empty set") end with the query's wall time, " (0.52
// seconds)". On by default, as in Flink; results of other statements
// (SHOW, DESCRIBE, ...) never show it.
const printTimeCostKey = "sql-client.display.print-time-cost"

// printTimeCost reads sql-client.display.print-time-cost (default true;
// an invalid value counts as the default).
func (c *client) printTimeCost() bool {
	on, err := c.s.Config().Bool(printTimeCostKey, true)
	return on || err != nil
}

// timeCost is the suffix of a query result's footer: " (N.NN seconds)"
// since the query started, or "" when the time is not shown.
func (t *tableau) timeCost() string {
	if t.since.IsZero() {
		return ""
	}
	return fmt.Sprintf(" (%.2f seconds)", time.Since(t.since).Seconds())
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
	fmt.Fprintln(t.w, tableRow(names, t.widths))
	fmt.Fprintln(t.w, tableBorder(t.widths))
}

func (t *tableau) batch(b *types.Batch) {
	for r := 0; r < b.Len; r++ {
		t.cells[0] = b.Kind(r).String()
		for c, v := range b.Cols {
			if v.IsNull(r) {
				t.cells[c+1] = nullCell
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
			t.cells[c+1] = nullCell
		default:
			t.cells[c+1] = cells[c]
		}
	}
	t.emit()
}

// emit prints t.cells (cut to their columns' widths by tableRow).
func (t *tableau) emit() {
	fmt.Fprintln(t.w, tableRow(t.cells, t.widths))
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
		fmt.Fprintf(t.w, "Query terminated, received a total of %d %s%s\n", t.count, unit, t.timeCost())
		return
	}
	fmt.Fprintf(t.w, "Received a total of %d %s%s\n", t.count, unit, t.timeCost())
}
