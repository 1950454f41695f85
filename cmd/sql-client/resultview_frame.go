package main

import (
	"strings"
)

// style is the look of a character on the screen, as JLine's
// AttributedStyle: a set of SGR attributes.
type style uint8

const (
	styleBold style = 1 << iota
	styleUnderline
	styleBlink
	styleInverse
	styleRed
	styleDefault style = 0
)

// sgr is the ANSI select-graphic-rendition sequence that sets s (after a
// reset).
func (s style) sgr() string {
	var b strings.Builder
	b.WriteString("\x1b[0")
	if s&styleBold != 0 {
		b.WriteString(";1")
	}
	if s&styleUnderline != 0 {
		b.WriteString(";4")
	}
	if s&styleBlink != 0 {
		b.WriteString(";5")
	}
	if s&styleInverse != 0 {
		b.WriteString(";7")
	}
	if s&styleRed != 0 {
		b.WriteString(";31")
	}
	b.WriteByte('m')
	return b.String()
}

// styledLine is one line of a full-screen view: characters with their
// styles (JLine's AttributedString). Its length is in characters, as
// Flink's views measure lines.
type styledLine struct {
	r  []rune
	st []style
	// cur is the style of what is appended next.
	cur style
}

// plainLine is a line of s in the default style.
func plainLine(s string) styledLine {
	var l styledLine
	l.add(s)
	return l
}

// with sets the style of what is appended next.
func (l *styledLine) with(s style) *styledLine {
	l.cur = s
	return l
}

// add appends s in the current style.
func (l *styledLine) add(s string) *styledLine {
	for _, r := range s {
		l.r = append(l.r, r)
		l.st = append(l.st, l.cur)
	}
	return l
}

// repeat appends n copies of c (none when n <= 0), CliUtils.repeatChar.
func (l *styledLine) repeat(c rune, n int) *styledLine {
	for range max(n, 0) {
		l.r = append(l.r, c)
		l.st = append(l.st, l.cur)
	}
	return l
}

// column appends col right-aligned in width characters, or cut to
// width-1 characters and "~" when longer: CliUtils.normalizeColumn.
func (l *styledLine) column(col string, width int) *styledLine {
	n := displayWidth(col)
	if n <= width {
		return l.repeat(' ', width-n).add(col)
	}
	return l.add(strings.TrimLeft(truncateCell(col, width-1), " ")).add("~")
}

func (l styledLine) len() int { return len(l.r) }

// sub is the characters [from, to) of l.
func (l styledLine) sub(from, to int) styledLine {
	to = min(to, len(l.r))
	if from >= to {
		return styledLine{}
	}
	return styledLine{r: l.r[from:to], st: l.st[from:to]}
}

// String is the line's text without its styles.
func (l styledLine) String() string { return string(l.r) }

// ansi is the line with the SGR sequences of its styles, ending in the
// default style.
func (l styledLine) ansi() string {
	var b strings.Builder
	cur := styleDefault
	for i, r := range l.r {
		if l.st[i] != cur {
			cur = l.st[i]
			b.WriteString(cur.sgr())
		}
		b.WriteRune(r)
	}
	if cur != styleDefault {
		b.WriteString(styleDefault.sgr())
	}
	return b.String()
}

// frame is what a full-screen view shows (Flink's CliView): a centered
// title, header lines, a main part (its header and its lines) that
// scrolls both ways, and footer lines at the bottom of the screen.
type frame struct {
	title      string
	header     []styledLine
	mainHeader []styledLine
	main       []styledLine
	footer     []styledLine
	// offsetX and offsetY are the main part's scroll position.
	offsetX, offsetY int
}

// visibleMainHeight is how many main lines fit on a screen h lines high.
func (f *frame) visibleMainHeight(h int) int {
	return h - 1 - len(f.header) - len(f.mainHeader) - len(f.footer)
}

// totalMainWidth is the length of the longest main (or main header) line.
func (f *frame) totalMainWidth() int {
	w := 0
	for _, l := range f.mainHeader {
		w = max(w, l.len())
	}
	for _, l := range f.main {
		w = max(w, l.len())
	}
	return w
}

// clampOffsets bounds the scroll position as CliView.display does: no
// vertical offset when everything fits, never past the last line, and
// the same horizontally.
func (f *frame) clampOffsets(w, h int) (x, y int) {
	x, y = f.offsetX, f.offsetY
	if vh := f.visibleMainHeight(h); vh > len(f.main) {
		y = 0
	} else {
		y = min(len(f.main)-vh, y)
	}
	if tw := f.totalMainWidth(); w > tw {
		x = 0
	} else {
		x = min(tw-w, x)
	}
	return max(x, 0), max(y, 0)
}

// titleLine is the title centered in an inverse line w wide.
func titleLine(title string, w int) styledLine {
	var l styledLine
	l.with(styleInverse)
	total := w - javaLength(title)
	margin := total / 2
	l.repeat(' ', margin).add(title).repeat(' ', margin+total%2)
	return l
}

// screenText renders f on a terminal w columns wide and h lines high:
// the cursor home, every line cleared to its end, the footer on the last
// lines and the cursor left after the last footer character, so nothing
// scrolls. It is a pure function of the frame and the size.
func screenText(f *frame, w, h int) string {
	x, y := f.clampOffsets(w, h)
	vh := max(f.visibleMainHeight(h), 0)
	window := f.main[min(y, len(f.main)):min(len(f.main), y+vh)]
	lines := []styledLine{titleLine(f.title, w)}
	lines = append(lines, f.header...)
	for _, group := range [][]styledLine{f.mainHeader, window} {
		for _, l := range group {
			lines = append(lines, l.sub(x, x+w))
		}
	}
	for range max(h-len(lines)-len(f.footer), 0) {
		lines = append(lines, styledLine{})
	}
	lines = append(lines, f.footer...)
	if len(lines) > h {
		lines = lines[:max(h, 1)] // a screen too small for the footer
	}
	var b strings.Builder
	b.WriteString("\x1b[H")
	for i, l := range lines {
		if i > 0 {
			b.WriteString("\r\n")
		}
		l = l.sub(0, w)
		b.WriteString(l.ansi())
		if l.len() < w {
			// A full line leaves the cursor on its last character,
			// which erasing would clear.
			b.WriteString("\x1b[K")
		}
	}
	b.WriteString("\x1b[J")
	return b.String()
}
