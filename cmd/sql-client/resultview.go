package main

import (
	"strconv"
	"time"
)

// The full-screen result views of the REPL (Flink's CliTableResultView and
// CliChangelogResultView): their state, how keys change it and the frame
// it shows. Nothing here touches a terminal; resultview_term.go drives a
// screenView on one.

// Texts of Flink's CliStrings.
const (
	resultTitle          = "SQL Query Result"
	resultRefreshLabel   = "Refresh:"
	resultPage           = "Page:"
	resultPageOf         = " of "
	resultLastRefresh    = "Updated:"
	resultLastPage       = "Last"
	resultStopped        = "Table program finished."
	resultRefreshUnknown = "Unknown"
	defaultMargin        = " "
	msgResultQuit        = "[INFO] Result retrieval cancelled."
)

// refreshInterval is one step of Flink's CliResultView.REFRESH_INTERVALS.
type refreshInterval struct {
	label string
	every time.Duration // 0: as fast as possible; < 0: never
}

// refreshIntervals are the steps + and - move through. (Flink's "500 ms"
// step refreshes every 100 ms, a slip this client does not repeat.)
var refreshIntervals = []refreshInterval{
	{"Fastest", 0},
	{"100 ms", 100 * time.Millisecond},
	{"500 ms", 500 * time.Millisecond},
	{"1 s", time.Second},
	{"5 s", 5 * time.Second},
	{"10 s", 10 * time.Second},
	{"1 min", time.Minute},
	{"-", -1},
}

const (
	tableDefaultInterval          = 3 // 1 s
	tableMinInterval              = 1 // 100 ms
	changelogDefaultInterval      = 0 // Fastest
	changelogDefaultIntervalPlain = 3 // 1 s on a terminal of unknown size
	changelogMinInterval          = 0
	changelogMaxRows              = 1000 // Flink's DEFAULT_MAX_ROW_COUNT
	noRowSelected                 = -1
	lastPage                      = 0
)

// resultState is the state of a result view. Table views show a page of
// the materialized result as of the last refresh; changelog views the
// latest changes, each with its op.
type resultState struct {
	changelog bool
	names     []string // the query's column names
	typeNames []string // and their types as Flink prints DataTypes
	widths    []int    // of the shown columns (changelog: op first)

	interval   int
	retrieving bool
	updated    time.Time // of the last refresh; zero before the first

	// results are the rows shown: the current page (table) or the
	// latest changes with their op first (changelog).
	results  [][]string
	previous [][]string // the page before the last refresh, nil for none
	selected int
	offsetX  int
	offsetY  int

	// Table only.
	snapshot     [][]string // the whole result as of the last refresh
	page         int        // lastPage or 1..pageCount
	pageCount    int
	previousPage int

	// sub is the row view or the page input over this view, nil for none.
	sub subView
}

// newResultState is a view of a query's columns: a table, or a changelog
// (plain: the terminal size is unknown, Flink refreshes it every second).
func newResultState(names, typeNames []string, widths []int, changelog, plain bool) *resultState {
	s := &resultState{changelog: changelog, names: names, typeNames: typeNames, widths: widths,
		retrieving: true, selected: noRowSelected, pageCount: 1, previousPage: 1}
	switch {
	case !changelog:
		s.interval = tableDefaultInterval
		s.previous = [][]string{}
	case plain:
		s.interval = changelogDefaultIntervalPlain
	default:
		s.interval = changelogDefaultInterval
	}
	return s
}

// resultUpdate is what one refresh fetched from the running query.
type resultUpdate struct {
	rows [][]string // table: the whole result; changelog: the new changes
	// unchanged: the table is as at the last refresh (rows is nil).
	unchanged bool
	eos       bool // the query ended: retrieval stops
}

// headerLines, mainHeaderLines and footerLines are the sizes of those
// parts of a result view's frame.
const resultHeaderLines, resultMainHeaderLines, resultFooterLines = 2, 1, 2

// visibleMainHeight is the number of rows a screen h high shows, which is
// also a table's page size.
func (s *resultState) visibleMainHeight(h int) int {
	return h - 1 - resultHeaderLines - resultMainHeaderLines - resultFooterLines
}

// refresh applies what the query produced since the last refresh, at now,
// for a screen h lines high.
func (s *resultState) refresh(u resultUpdate, now time.Time, h int) {
	if s.changelog {
		for _, r := range u.rows {
			if len(s.results) >= changelogMaxRows {
				s.results = s.results[1:]
			}
			s.results = append(s.results, r)
		}
		if len(u.rows) > 0 {
			// New changes scroll the view to its end.
			s.selected = noRowSelected
			s.scrollDown(len(u.rows), h)
		}
	} else {
		if !u.unchanged {
			s.snapshot = u.rows
		}
		pageSize := max(s.visibleMainHeight(h), 1)
		s.pageCount = max(1, (len(s.snapshot)+pageSize-1)/pageSize)
		if s.page > s.pageCount {
			s.page = lastPage
		}
		s.updatePage(h)
	}
	if u.eos {
		s.retrieving = false
	}
	s.updated = now
}

// updatePage shows the current page of the snapshot.
func (s *resultState) updatePage(h int) {
	pageSize := max(s.visibleMainHeight(h), 1)
	p := s.page
	if p == lastPage {
		p = s.pageCount
	}
	from := min((p-1)*pageSize, len(s.snapshot))
	rows := s.snapshot[from:min(from+pageSize, len(s.snapshot))]
	if s.previousPage == p {
		// Only the same page shows what changed.
		s.previous = s.results
	} else {
		s.previous = nil
		s.previousPage = p
	}
	s.results = rows
	if s.selected >= len(s.results) {
		s.selected = noRowSelected
	}
}

func (s *resultState) scrollDown(n, h int) {
	maxOffset := max(0, len(s.results)-s.visibleMainHeight(h))
	s.offsetY = min(maxOffset, s.offsetY+n)
}

func (s *resultState) scrollUp() {
	if s.offsetY > 0 {
		s.offsetY--
	}
}

func (s *resultState) selectRowUp(h int) {
	switch {
	case s.selected == noRowSelected:
		if len(s.results) > 0 {
			// the bottom visible row
			s.selected = min(len(s.results), s.offsetY+s.visibleMainHeight(h)) - 1
		}
	case s.selected > s.offsetY:
		s.selected--
	default:
		s.selected = max(0, s.selected-1)
		s.scrollUp()
	}
}

func (s *resultState) selectRowDown(h int) {
	bottom := min(len(s.results), s.offsetY+s.visibleMainHeight(h)) - 1
	switch {
	case s.selected == noRowSelected:
		s.selected = s.offsetY
	case bottom >= 0 && s.selected < bottom:
		s.selected++
	default:
		s.selected = min(max(0, len(s.results)-1), s.selected+1)
		s.scrollDown(1, h)
	}
}

// currentPage is the page shown (the last page as its number).
func (s *resultState) currentPage() int {
	if s.page == lastPage {
		return s.pageCount
	}
	return s.page
}

// keyEffect is what a key asks of the view's driver besides the state
// change: leave the view, or fetch the query's news now.
type keyEffect uint8

const (
	effectNone keyEffect = iota
	effectQuit
	effectRefresh
)

// handle applies a key to the view on a screen w x h, as Flink's key
// maps bind them (KeyMap in CliTableResultView / CliChangelogResultView).
func (s *resultState) handle(k key, w, h int) keyEffect {
	if s.sub != nil {
		if done := s.sub.handle(k, w, h); done {
			if in, ok := s.sub.(*pageInput); ok && in.result > 0 {
				s.page = in.result
				s.updatePage(h)
			}
			s.sub = nil
		}
		return effectNone
	}
	switch {
	case k.is('q', 'Q') || k.code == keyEsc || k.code == keyCtrlC:
		return effectQuit
	case k.is('r', 'R') || k.code == keyF5:
		return effectRefresh
	case k.is('w', 'W') || k.code == keyUp:
		s.selectRowUp(h)
	case k.is('s', 'S') || k.code == keyDown:
		s.selectRowDown(h)
	case k.is('a', 'A') || k.code == keyLeft:
		if s.offsetX > 0 {
			s.offsetX--
		}
	case k.is('d', 'D') || k.code == keyRight:
		f := s.frame(w)
		if s.offsetX < max(0, f.totalMainWidth()-w) {
			s.offsetX++
		}
	case k.is('o', 'O') || k.code == keyEnter:
		if s.selected != noRowSelected && s.selected < len(s.results) {
			row := s.results[s.selected]
			if s.changelog {
				row = row[1:]
			}
			s.sub = &rowView{names: s.names, types: s.typeNames, row: row}
		}
	case k.is('+'):
		s.interval = min(len(refreshIntervals)-1, s.interval+1)
	case k.is('-'):
		minInterval := tableMinInterval
		if s.changelog {
			minInterval = changelogMinInterval
		}
		s.interval = max(minInterval, s.interval-1)
	case s.changelog:
		// The keys below are the table view's only.
	case k.is('g', 'G'):
		s.sub = &pageInput{pageCount: s.pageCount, height: h}
	case k.is('n', 'N'):
		if p := s.currentPage(); p < s.pageCount {
			s.page = p + 1
		}
		s.updatePage(h)
	case k.is('p', 'P'):
		if p := s.currentPage(); p > 1 {
			s.page = p - 1
		}
		s.updatePage(h)
	case k.is('l', 'L') || k.code == keyEnd:
		s.page = lastPage
		s.updatePage(h)
	}
	return effectNone
}

// refreshEvery is how often the view fetches the query's news; < 0 never.
func (s *resultState) refreshEvery() time.Duration {
	return refreshIntervals[s.interval].every
}

// screen is the frame shown on a terminal w wide: the row view or the
// page input when one is open.
func (s *resultState) screen(w int) *frame {
	if s.sub != nil {
		return s.sub.frame()
	}
	return s.frame(w)
}

// frame is the result view itself.
func (s *resultState) frame(w int) *frame {
	f := &frame{offsetX: s.offsetX, offsetY: s.offsetY}
	if s.changelog {
		f.title = resultTitle + " (Changelog)"
	} else {
		f.title = resultTitle + " (Table)"
	}
	f.header = []styledLine{s.statusLine(w), {}}
	var head styledLine
	names := s.names
	if s.changelog {
		names = append([]string{"op"}, names...)
	}
	for i, n := range names {
		head.with(styleDefault).add(" ").with(styleUnderline).column(n, s.widths[i])
	}
	f.mainHeader = []styledLine{head}
	for i, r := range s.results {
		var l styledLine
		base := styleDefault
		if i == s.selected {
			base = styleInverse
		}
		for c, cell := range r {
			l.with(base).add(" ")
			// A value that was not there before the last refresh is bold
			// while the query runs.
			if s.previous != nil && i != s.selected && s.retrieving &&
				(i >= len(s.previous) || c >= len(s.previous[i]) || s.previous[i][c] != cell) {
				l.with(styleBold)
			}
			l.column(cell, s.widths[c])
		}
		f.main = append(f.main, l)
	}
	opts := [][2]string{{"Q", "Quit"}, {"R", "Refresh"}, {"+", "Inc Refresh"}, {"-", "Dec Refresh"}}
	if !s.changelog {
		opts = append(opts, [][2]string{{"G", "Goto Page"}, {"L", "Last Page"}, {"N", "Next Page"}, {"P", "Prev Page"}}...)
	}
	opts = append(opts, [2]string{"O", "Open Row"})
	f.footer = twoLineHelp(w, opts)
	return f
}

// statusLine is the inverse line under the title: the refresh interval
// (or that the query ended), the page (table) and the last refresh time.
func (s *resultState) statusLine(w int) styledLine {
	left := defaultMargin + resultStopped
	if s.retrieving {
		left = defaultMargin + resultRefreshLabel + " " + refreshIntervals[s.interval].label
	}
	right := resultLastRefresh + " " + resultRefreshUnknown + defaultMargin
	if !s.updated.IsZero() {
		right = resultLastRefresh + " " + s.updated.Format("15:04:05.000") + defaultMargin
	}
	var l styledLine
	l.with(styleInverse).add(left)
	if s.changelog {
		l.repeat(' ', w-len(left)-len(right)).add(right)
		return l
	}
	middle := resultPage + " "
	if s.page == lastPage {
		middle += resultLastPage
	} else {
		middle += strconv.Itoa(s.page)
	}
	middle += resultPageOf + strconv.Itoa(s.pageCount)
	l.repeat(' ', (w-len(middle))/2-len(left)).add(middle)
	l.repeat(' ', w-l.len()-len(right)).add(right)
	return l
}

// twoLineHelp lays the key help out on two lines, Flink's
// CliUtils.formatTwoLineHelpOptions: options alternate between the lines,
// each key inverse, labels padded to 11 characters plus an even share of
// the free width.
func twoLineHelp(w int, opts [][2]string) []styledLine {
	columns := (len(opts) + 1) / 2
	space := (w - len(defaultMargin) - columns*13) / columns
	lines := make([]styledLine, 2)
	for i, o := range opts {
		l := &lines[i%2]
		l.with(styleInverse).add(o[0]).with(styleDefault).add(" ").add(o[1]).repeat(' ', 11-len(o[1])+space)
	}
	return lines
}
