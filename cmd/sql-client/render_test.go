package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/runtime/types"
)

// TestPrintTable: static results are laid out as Flink's TableauStyle with
// data-inferred widths: every cell right-aligned, nothing truncated, a
// multi-line cell printed whole with its full length as width.
func TestPrintTable(t *testing.T) {
	var b bytes.Buffer
	printTable(&b, []string{"name", "type"}, [][]string{{"id", "INT"}, {"description", ""}})
	want := `+-------------+------+
|        name | type |
+-------------+------+
|          id |  INT |
| description |      |
+-------------+------+
2 rows in set
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	printTable(&b, []string{"result"}, [][]string{{"== a ==\nbc\n"}})
	want = "+-------------+\n|      result |\n+-------------+\n| == a ==\nbc\n |\n+-------------+\n1 row in set\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	printTable(&b, []string{"x"}, nil)
	if b.String() != "Empty set\n" {
		t.Errorf("empty: %q", b.String())
	}
}

// TestDisplayWidth: Java's length plus one per wide character, as Flink
// measures cells.
func TestDisplayWidth(t *testing.T) {
	for s, w := range map[string]int{"abc": 3, "漢字": 4, "ｱ": 1, "Ａ": 2, "😀": 3, "é": 1, "": 0} {
		if got := displayWidth(s); got != w {
			t.Errorf("displayWidth(%q) = %d, want %d", s, got, w)
		}
	}
}

// TestTruncation: a cell wider than its column keeps what fits in the
// width less three, padded on the left, then "...".
func TestTruncation(t *testing.T) {
	for _, c := range []struct {
		cell  string
		width int
		want  string
	}{
		{"abcdefghij", 8, "| abcde... |"},
		{"abcdefgh", 8, "| abcdefgh |"},
		{"漢字漢字漢字", 8, "|  漢字... |"},
		{"ab", 8, "|       ab |"},
	} {
		if got := tableRow([]string{c.cell}, []int{c.width}); got != c.want {
			t.Errorf("tableRow(%q, %d) = %q, want %q", c.cell, c.width, got, c.want)
		}
	}
}

// TestStreamWidth: column widths of the streaming tableau by type, as
// Flink's columnWidthsByType: not capped by the maximum width for types of
// known width, the maximum for the others, at least the name and "<NULL>".
func TestStreamWidth(t *testing.T) {
	col := func(name string, ty types.Type) planner.Column { return planner.Column{Name: name, Type: &ty} }
	for _, c := range []struct {
		col  planner.Column
		want int
	}{
		{col("b", types.Type{Kind: types.KindBoolean}), 6},
		{col("i", types.Type{Kind: types.KindInt}), 11},
		{col("n", types.Type{Kind: types.KindBigInt}), 20},
		{col("d", types.Type{Kind: types.KindDecimal, Precision: 38, Scale: 2}), 40},
		{col("t", types.Type{Kind: types.KindTime}), 8},
		{col("t", types.Type{Kind: types.KindTime, Precision: 3}), 12},
		{col("ts", types.Type{Kind: types.KindTimestamp, Precision: 0}), 19},
		{col("ts", types.Type{Kind: types.KindTimestamp, Precision: 1}), 23},
		{col("ts", types.Type{Kind: types.KindTimestampLTZ, Precision: 6}), 26},
		{col("ts", types.Type{Kind: types.KindTimestamp, Precision: 9}), 29},
		{col("s", types.Type{Kind: types.KindVarChar, Length: 5}), 30},
		{col("f", types.Type{Kind: types.KindDouble}), 30},
		{col(strings.Repeat("x", 40), types.Type{Kind: types.KindInt}), 40},
	} {
		if got := streamWidth(c.col, 30); got != c.want {
			t.Errorf("streamWidth(%s %v) = %d, want %d", c.col.Name, c.col.Type.Kind, got, c.want)
		}
	}
	if got := streamWidth(col("s", types.Type{Kind: types.KindVarChar, Length: 5}), 3); got != 6 {
		t.Errorf("a string column narrower than <NULL>: %d", got)
	}
}

// TestHelpText: Flink's layout, commands padded to the longest.
func TestHelpText(t *testing.T) {
	if !strings.HasPrefix(helpText, "The following commands are available:\n\nHELP               \t\tPrints the available commands.\n") {
		t.Errorf("help text:\n%s", helpText)
	}
	if !strings.Contains(helpText, "\nBEGIN STATEMENT SET\t\tBegins a statement set.") ||
		!strings.HasSuffix(helpText, "for more details.\n") {
		t.Errorf("help text:\n%s", helpText)
	}
}
