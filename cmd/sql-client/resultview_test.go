package main

import (
	"errors"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var ansiSeq = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// screenLines is what a terminal shows for a frame's text: its lines
// without the escape sequences.
func screenLines(text string) []string {
	return strings.Split(ansiSeq.ReplaceAllString(text, ""), "\r\n")
}

func sp(n int) string { return strings.Repeat(" ", n) }

// TestDecodeKeys: bytes read from a terminal become keys; an escape
// sequence cut by the read waits for the next one unless the ambiguity
// timeout passed, when a lone ESC is the Escape key.
func TestDecodeKeys(t *testing.T) {
	r := func(c rune) key { return key{code: keyRune, r: c} }
	for _, tc := range []struct {
		name     string
		in       string
		final    bool
		want     []key
		wantRest string
	}{
		{"letters", "qR+", false, []key{r('q'), r('R'), r('+')}, ""},
		{"enter and ctrl-c", "\r\x03", false, []key{{code: keyEnter}, {code: keyCtrlC}}, ""},
		{"csi arrows", "\x1b[A\x1b[B\x1b[C\x1b[D", false, []key{{code: keyUp}, {code: keyDown}, {code: keyRight}, {code: keyLeft}}, ""},
		{"ss3 arrows", "\x1bOA\x1bOD", false, []key{{code: keyUp}, {code: keyLeft}}, ""},
		{"f5 and end", "\x1b[15~\x1b[F", false, []key{{code: keyF5}, {code: keyEnd}}, ""},
		{"cut sequence waits", "o\x1b[1", false, []key{r('o')}, "\x1b[1"},
		{"lone esc waits", "\x1b", false, nil, "\x1b"},
		{"lone esc after timeout", "\x1b", true, []key{{code: keyEsc}}, ""},
		{"esc then key", "\x1bq", false, []key{{code: keyEsc}, r('q')}, ""},
		{"unknown csi", "\x1b[2~x", false, []key{{code: keyOther}, r('x')}, ""},
		{"backspace", "\x7f", false, []key{{code: keyBackspace}}, ""},
		{"utf-8", "é", false, []key{r('é')}, ""},
		{"cut utf-8 waits", "\xc3", false, nil, "\xc3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, rest := decodeKeys([]byte(tc.in), tc.final)
			if !reflect.DeepEqual(got, tc.want) || string(rest) != tc.wantRest {
				t.Errorf("decodeKeys(%q, %v) = %v, rest %q; want %v, rest %q", tc.in, tc.final, got, rest, tc.want, tc.wantRest)
			}
		})
	}
}

// rowsOf is n rows of one column "1", "2", ...
func rowsOf(n int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{strconv.Itoa(i + 1)}
	}
	return rows
}

// TestResultViewKeys: keys move a result view as Flink's key maps do —
// pages, the selected row, the refresh interval, the row view and the
// page input — on a screen 80 x 16 (a page of 10 rows).
func TestResultViewKeys(t *testing.T) {
	const w, h = 80, 16
	keys := func(s string) []key { k, _ := decodeKeys([]byte(s), true); return k }
	type want struct {
		page, pageCount, selected, interval int
		first                               string // the first value shown
		sub                                 string // "", "row" or "input"
		effect                              keyEffect
	}
	for _, tc := range []struct {
		name      string
		changelog bool
		rows      int
		keys      string
		want      want
	}{
		{"starts on the last page", false, 25, "", want{lastPage, 3, noRowSelected, 3, "21", "", effectNone}},
		{"previous page", false, 25, "p", want{2, 3, noRowSelected, 3, "11", "", effectNone}},
		{"first page", false, 25, "pp", want{1, 3, noRowSelected, 3, "1", "", effectNone}},
		{"not before the first", false, 25, "ppp", want{1, 3, noRowSelected, 3, "1", "", effectNone}},
		{"next page", false, 25, "ppN", want{2, 3, noRowSelected, 3, "11", "", effectNone}},
		{"last page", false, 25, "ppL", want{lastPage, 3, noRowSelected, 3, "21", "", effectNone}},
		{"end key is last page", false, 25, "pp\x1b[F", want{lastPage, 3, noRowSelected, 3, "21", "", effectNone}},
		{"down selects the top row", false, 25, "pp\x1b[B", want{1, 3, 0, 3, "1", "", effectNone}},
		{"s moves down", false, 25, "ppss", want{1, 3, 1, 3, "1", "", effectNone}},
		{"up selects the bottom row", false, 25, "ppw", want{1, 3, 9, 3, "1", "", effectNone}},
		{"faster", false, 25, "-", want{lastPage, 3, noRowSelected, 2, "21", "", effectNone}},
		{"table stops at 100 ms", false, 25, "----", want{lastPage, 3, noRowSelected, 1, "21", "", effectNone}},
		{"slower up to never", false, 25, "++++++", want{lastPage, 3, noRowSelected, 7, "21", "", effectNone}},
		{"open needs a selection", false, 25, "o", want{lastPage, 3, noRowSelected, 3, "21", "", effectNone}},
		{"open the selected row", false, 25, "s\r", want{lastPage, 3, 0, 3, "21", "row", effectNone}},
		{"q leaves the row view", false, 25, "sOq", want{lastPage, 3, 0, 3, "21", "", effectNone}},
		{"goto opens the input", false, 25, "g", want{lastPage, 3, noRowSelected, 3, "21", "input", effectNone}},
		{"goto a page", false, 25, "g2\r", want{2, 3, noRowSelected, 3, "11", "", effectNone}},
		{"goto an invalid page stays", false, 25, "G7\r", want{lastPage, 3, noRowSelected, 3, "21", "input", effectNone}},
		{"goto cancelled", false, 25, "G\x1b", want{lastPage, 3, noRowSelected, 3, "21", "", effectNone}},
		{"q quits", false, 25, "q", want{lastPage, 3, noRowSelected, 3, "21", "", effectQuit}},
		{"esc quits", false, 25, "\x1b", want{lastPage, 3, noRowSelected, 3, "21", "", effectQuit}},
		{"ctrl-c quits", false, 25, "\x03", want{lastPage, 3, noRowSelected, 3, "21", "", effectQuit}},
		{"r refreshes", false, 25, "R", want{lastPage, 3, noRowSelected, 3, "21", "", effectRefresh}},
		{"changelog ignores pages", true, 25, "pg", want{lastPage, 1, noRowSelected, 0, "1", "", effectNone}},
		{"changelog stops at fastest", true, 25, "--+", want{lastPage, 1, noRowSelected, 1, "1", "", effectNone}},
		{"changelog opens a row", true, 25, "wO", want{lastPage, 1, 24, 0, "1", "row", effectNone}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newResultState([]string{"n"}, []string{"INT"}, []int{4}, tc.changelog, false)
			if tc.changelog {
				s.widths = []int{2, 4}
				var rows [][]string
				for _, r := range rowsOf(tc.rows) {
					rows = append(rows, append([]string{"+I"}, r...))
				}
				s.refresh(resultUpdate{rows: rows}, time.Now(), h)
			} else {
				s.refresh(resultUpdate{rows: rowsOf(tc.rows)}, time.Now(), h)
			}
			effect := effectNone
			for _, k := range keys(tc.keys) {
				effect = s.handle(k, w, h)
			}
			sub := ""
			switch s.sub.(type) {
			case *rowView:
				sub = "row"
			case *pageInput:
				sub = "input"
			}
			got := want{s.page, s.pageCount, s.selected, s.interval, "", sub, effect}
			if len(s.results) > 0 {
				got.first = s.results[0][len(s.results[0])-1]
			}
			if got != tc.want {
				t.Errorf("after %q: %+v, want %+v", tc.keys, got, tc.want)
			}
		})
	}
}

// TestResultViewScreen: what a table, a changelog, a row view and the
// page input show on a screen 60 x 11, as Flink's views lay them out.
func TestResultViewScreen(t *testing.T) {
	const w, h = 60, 11
	at := time.Date(2026, 1, 2, 12, 34, 56, 789_000_000, time.Local)
	table := func() *resultState {
		s := newResultState([]string{"id", "name"}, []string{"INT", "STRING"}, []int{4, 6}, false, false)
		s.refresh(resultUpdate{rows: [][]string{{"1", "alice"}, {"22", "a long name"}}}, at, h)
		return s
	}
	changed := func() *resultState {
		s := table()
		s.refresh(resultUpdate{rows: [][]string{{"1", "bob"}, {"22", "a long name"}}}, at, h)
		return s
	}
	changelog := func() *resultState {
		s := newResultState([]string{"n"}, []string{"BIGINT NOT NULL"}, []int{2, 3}, true, false)
		s.refresh(resultUpdate{rows: [][]string{{"+I", "1"}, {"-U", "1"}, {"+U", "2"}}, eos: true}, at, h)
		return s
	}
	tableFooter := []string{
		// 5 columns: (60 - 1 - 65) / 5 = -1 space each
		"Q Quit      + Inc RefreshG Goto Page N Next Page O Open Row ",
		"R Refresh   - Dec RefreshL Last Page P Prev Page ",
	}
	for _, tc := range []struct {
		name  string
		state func() *resultState
		keys  string
		want  []string
		ansi  string // a part of the text with its styles
	}{
		{"table", table, "", append([]string{
			sp(18) + "SQL Query Result (Table)" + sp(18),
			" Refresh: 1 s" + sp(9) + "Page: Last of 1" + sp(1) + "Updated: 12:34:56.789 ",
			"",
			"   id   name",
			"    1  alice",
			"   22 a lon~",
			"", "", "",
		}, tableFooter...), "\x1b[0;7m" + sp(18) + "SQL Query Result (Table)"},
		{"selected row", table, "w", append([]string{
			sp(18) + "SQL Query Result (Table)" + sp(18),
			" Refresh: 1 s" + sp(9) + "Page: Last of 1" + sp(1) + "Updated: 12:34:56.789 ",
			"",
			"   id   name",
			"    1  alice",
			"   22 a lon~",
			"", "", "",
		}, tableFooter...), "\x1b[0;7m   22 a lon~\x1b[0m"},
		{"changed value is bold", changed, "", append([]string{
			sp(18) + "SQL Query Result (Table)" + sp(18),
			" Refresh: 1 s" + sp(9) + "Page: Last of 1" + sp(1) + "Updated: 12:34:56.789 ",
			"",
			"   id   name",
			"    1    bob",
			"   22 a lon~",
			"", "", "",
		}, tableFooter...), "    1 \x1b[0;1m   bob\x1b[0m"},
		{"changelog ended", changelog, "", []string{
			sp(16) + "SQL Query Result (Changelog)" + sp(16),
			" Table program finished." + sp(14) + "Updated: 12:34:56.789 ",
			"",
			" op   n",
			" +I   1",
			" -U   1",
			" +U   2",
			"", "",
			// 3 columns: (60 - 1 - 39) / 3 = 6 spaces each
			"Q Quit" + sp(13) + "+ Inc Refresh" + sp(6) + "O Open Row" + sp(9),
			"R Refresh" + sp(10) + "- Dec Refresh" + sp(6),
		}, "\x1b[0;7mQ\x1b[0m Quit"},
		{"row view", changelog, "wo", []string{
			sp(24) + "Row Summary" + sp(25),
			"",
			" n (BIGINT NOT NULL):",
			" 2",
			"", "", "", "", "", "",
			"Press Q to go back.",
		}, "\x1b[0;1mn (BIGINT NOT NULL):"},
		{"page input", table, "g5\r", []string{
			sp(24) + "Input Dialog" + sp(24),
			"", "",
			" Enter page number: [1 to 1]",
			" > 5 ",
			"",
			" The input is invalid please check it again.",
			"", "", "",
			// cut at the screen's width
			"Press Enter to submit. Press ESC or submit an empty string t",
		}, "\x1b[0;31m The input is invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.state()
			ks, _ := decodeKeys([]byte(tc.keys), true)
			for _, k := range ks {
				s.handle(k, w, h)
			}
			text := screenText(s.screen(w), w, h)
			if !strings.Contains(text, tc.ansi) {
				t.Errorf("screen lacks %q:\n%q", tc.ansi, text)
			}
			got := screenLines(text)
			for i := range tc.want {
				tc.want[i] = strings.TrimRight(tc.want[i], " ")
			}
			for i := range got {
				got[i] = strings.TrimRight(got[i], " ")
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("screen:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestResultFeed: a table feed applies the changelog and hands out the
// whole table when it changed; a changelog feed hands out each change
// once, op first, keeping the latest 1000; a failure is the query's.
func TestResultFeed(t *testing.T) {
	type take struct {
		rows      [][]string
		unchanged bool
		eos       bool
	}
	for _, tc := range []struct {
		name      string
		changelog bool
		maxRows   int
		steps     func(f *resultFeed) []take
		want      []take
	}{
		{"table", false, 10, func(f *resultFeed) []take {
			f.add("+I", []string{"a", "1"})
			f.add("-U", []string{"a", "1"})
			f.add("+U", []string{"a", "2"})
			f.add("+I", []string{"b", "1"})
			u1, _ := f.take()
			u2, _ := f.take()
			f.add("-D", []string{"b", "1"})
			f.end(nil)
			u3, _ := f.take()
			return []take{{u1.rows, u1.unchanged, u1.eos}, {u2.rows, u2.unchanged, u2.eos}, {u3.rows, u3.unchanged, u3.eos}}
		}, []take{
			{[][]string{{"a", "2"}, {"b", "1"}}, false, false},
			{nil, true, false}, // nothing new
			{[][]string{{"a", "2"}}, false, true},
		}},
		{"table keeps the newest rows", false, 2, func(f *resultFeed) []take {
			for _, v := range []string{"1", "2", "3"} {
				f.add("+I", []string{v})
			}
			u, _ := f.take()
			return []take{{u.rows, u.unchanged, u.eos}}
		}, []take{{[][]string{{"2"}, {"3"}}, false, false}}},
		{"changelog", true, 0, func(f *resultFeed) []take {
			f.add("+I", []string{"1"})
			f.add("-D", []string{"1"})
			u1, _ := f.take()
			f.end(nil)
			u2, _ := f.take()
			return []take{{u1.rows, u1.unchanged, u1.eos}, {u2.rows, u2.unchanged, u2.eos}}
		}, []take{{[][]string{{"+I", "1"}, {"-D", "1"}}, false, false}, {nil, false, true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.steps(newResultFeed(tc.changelog, tc.maxRows))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("takes %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("failure", func(t *testing.T) {
		f := newResultFeed(false, 10)
		f.add("+I", []string{"1"})
		boom := errors.New("boom")
		f.end(boom)
		if _, err := f.take(); err != boom {
			t.Errorf("take: %v, want %v", err, boom)
		}
	})
}

// TestScreenWindow: the main part scrolls both ways within its bounds, as
// CliView.display bounds its offsets; the title, header and footer stay.
func TestScreenWindow(t *testing.T) {
	f := func(x, y int) *frame {
		fr := &frame{title: "T", header: []styledLine{plainLine("head")}, footer: []styledLine{plainLine("foot")},
			mainHeader: []styledLine{plainLine("ABCDEFGHIJ")}, offsetX: x, offsetY: y}
		for _, l := range []string{"0123456789", "1bc1e1ghij", "2bc2e2ghij", "3bc3e3ghij", "4bc4e4ghij"} {
			fr.main = append(fr.main, plainLine(l))
		}
		return fr
	}
	const w, h = 6, 7 // 3 main lines visible
	for _, tc := range []struct {
		name string
		x, y int
		want []string
	}{
		{"origin", 0, 0, []string{"  T", "head", "ABCDEF", "012345", "1bc1e1", "2bc2e2", "foot"}},
		{"scrolled", 2, 1, []string{"  T", "head", "CDEFGH", "c1e1gh", "c2e2gh", "c3e3gh", "foot"}},
		{"bounded", 9, 9, []string{"  T", "head", "EFGHIJ", "e2ghij", "e3ghij", "e4ghij", "foot"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := screenLines(screenText(f(tc.x, tc.y), w, h))
			for i := range got {
				got[i] = strings.TrimRight(got[i], " ")
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
