package main

import (
	"strconv"
)

// subView is a full-screen view opened over a result view: the row view
// (Flink's CliRowView) or the page input (CliInputView). While one is
// open the result view does not refresh.
type subView interface {
	// handle applies a key on a screen w x h; done closes the view.
	handle(k key, w, h int) (done bool)
	frame() *frame
}

// rowView shows one row, a column per paragraph: name and type, value.
type rowView struct {
	names, types []string
	row          []string
	offsetX      int
	offsetY      int
}

func (v *rowView) frame() *frame {
	f := &frame{title: "Row Summary", header: []styledLine{{}}, offsetX: v.offsetX, offsetY: v.offsetY}
	for i, cell := range v.row {
		var name styledLine
		name.add(defaultMargin).with(styleBold).add(v.names[i] + " (" + v.types[i] + "):")
		f.main = append(f.main, name, plainLine(defaultMargin+cell), styledLine{})
	}
	var quit styledLine
	quit.add("Press ").with(styleInverse).add("Q").with(styleDefault).add(" to go back.")
	f.footer = []styledLine{quit}
	return f
}

func (v *rowView) handle(k key, w, h int) bool {
	f := v.frame()
	switch {
	case k.is('q', 'Q') || k.code == keyEsc:
		return true
	case k.is('w', 'W') || k.code == keyUp:
		v.offsetY = max(v.offsetY-1, 0)
	case k.is('s', 'S') || k.code == keyDown:
		v.offsetY = min(max(0, len(f.main)-f.visibleMainHeight(h)), v.offsetY+1)
	case k.is('a', 'A') || k.code == keyLeft:
		v.offsetX = max(v.offsetX-1, 0)
	case k.is('d', 'D') || k.code == keyRight:
		v.offsetX = min(max(0, f.totalMainWidth()-w), v.offsetX+1)
	}
	return false
}

// pageInput asks for a page number between 1 and pageCount; result is
// the page entered, 0 when cancelled.
type pageInput struct {
	pageCount int
	input     []rune
	cursor    int
	invalid   bool
	result    int
	height    int // of the screen, for centering
}

func (v *pageInput) frame() *frame {
	f := &frame{title: "Input Dialog"}
	var help styledLine
	help.add("Press ").with(styleInverse).add("Enter").with(styleDefault).add(" to submit. Press ").
		with(styleInverse).add("ESC").with(styleDefault).add(" or submit an empty string to cancel.")
	f.footer = []styledLine{help}
	for range max(f.visibleMainHeight(v.height)/2-2, 0) {
		f.main = append(f.main, styledLine{})
	}
	f.main = append(f.main, plainLine(defaultMargin+"Enter page number: [1 to "+strconv.Itoa(v.pageCount)+"]"))
	in := plainLine(defaultMargin + "> " + string(v.input[:v.cursor]))
	in.with(styleInverse | styleBlink)
	if v.cursor < len(v.input) {
		in.add(string(v.input[v.cursor])).with(styleDefault).add(string(v.input[v.cursor+1:]))
	} else {
		in.add(" ")
	}
	f.main = append(f.main, in)
	if v.invalid {
		var e styledLine
		e.with(styleRed).add(defaultMargin + "The input is invalid please check it again.")
		f.main = append(f.main, styledLine{}, e)
	}
	return f
}

func (v *pageInput) handle(k key, w, h int) bool {
	v.height = h
	switch {
	case k.code == keyEsc:
		return true
	case k.code == keyEnter:
		v.invalid = false
		if len(v.input) == 0 {
			return true
		}
		if p, err := strconv.Atoi(string(v.input)); err == nil && p > 0 && p <= v.pageCount {
			v.result = p
			return true
		}
		v.invalid = true
	case k.code == keyLeft:
		v.cursor = max(v.cursor-1, 0)
	case k.code == keyRight:
		v.cursor = min(v.cursor+1, len(v.input))
	case k.code == keyBackspace:
		if v.cursor > 0 {
			v.input = append(v.input[:v.cursor-1], v.input[v.cursor:]...)
			v.cursor--
		}
	case k.code == keyRune && k.r >= 32:
		v.input = append(v.input[:v.cursor], append([]rune{k.r}, v.input[v.cursor:]...)...)
		v.cursor++
	}
	return false
}
