package main

import (
	"bytes"
	"unicode/utf8"
)

// keyCode is a key of the full-screen views.
type keyCode uint8

const (
	keyRune keyCode = iota // a character, in key.r
	keyEnter
	keyEsc
	keyCtrlC
	keyBackspace
	keyUp
	keyDown
	keyLeft
	keyRight
	keyEnd
	keyF5
	keyOther // a control character or sequence no view binds
)

// key is one key press read from the terminal.
type key struct {
	code keyCode
	r    rune
}

// is reports whether k is one of the characters rs.
func (k key) is(rs ...rune) bool {
	if k.code != keyRune {
		return false
	}
	for _, r := range rs {
		if k.r == r {
			return true
		}
	}
	return false
}

// escapeKeys are the escape sequences of the keys the views bind, in
// both the normal (CSI) and the application keypad (SS3) forms.
var escapeKeys = []struct {
	seq  string
	code keyCode
}{
	{"\x1b[A", keyUp}, {"\x1bOA", keyUp},
	{"\x1b[B", keyDown}, {"\x1bOB", keyDown},
	{"\x1b[C", keyRight}, {"\x1bOC", keyRight},
	{"\x1b[D", keyLeft}, {"\x1bOD", keyLeft},
	{"\x1b[F", keyEnd}, {"\x1bOF", keyEnd}, {"\x1b[4~", keyEnd}, {"\x1b[8~", keyEnd},
	{"\x1b[15~", keyF5},
}

// decodeKeys splits the bytes read from a terminal into keys. An escape
// sequence or UTF-8 character cut at the end of in is returned as rest,
// to be completed by the next read — unless final (no more bytes came
// within the ambiguity timeout, as JLine's 200 ms), when a lone ESC is
// the Escape key.
func decodeKeys(in []byte, final bool) (keys []key, rest []byte) {
	for len(in) > 0 {
		c := in[0]
		switch {
		case c == 0x1b:
			k, n, complete := decodeEscape(in)
			if !complete && !final {
				return keys, in
			}
			keys = append(keys, k)
			in = in[n:]
			continue
		case c == '\r' || c == '\n':
			keys = append(keys, key{code: keyEnter})
		case c == 0x03:
			keys = append(keys, key{code: keyCtrlC})
		case c == 0x7f || c == 0x08:
			keys = append(keys, key{code: keyBackspace})
		case c < 0x20:
			keys = append(keys, key{code: keyOther})
		case c < utf8.RuneSelf:
			keys = append(keys, key{code: keyRune, r: rune(c)})
		default:
			if !utf8.FullRune(in) && !final {
				return keys, in
			}
			r, n := utf8.DecodeRune(in)
			keys = append(keys, key{code: keyRune, r: r})
			in = in[n:]
			continue
		}
		in = in[1:]
	}
	return keys, nil
}

// decodeEscape decodes the escape sequence at the start of in (in[0] is
// ESC): the key, its length, and whether it is complete. An ESC that no
// sequence follows is the Escape key; an unknown sequence is keyOther.
func decodeEscape(in []byte) (k key, n int, complete bool) {
	for _, e := range escapeKeys {
		if bytes.HasPrefix(in, []byte(e.seq)) {
			return key{code: e.code}, len(e.seq), true
		}
	}
	if len(in) == 1 {
		return key{code: keyEsc}, 1, false
	}
	switch in[1] {
	case '[':
		// CSI: parameters and intermediates, then a final byte 0x40-0x7e.
		for i := 2; i < len(in); i++ {
			if in[i] >= 0x40 && in[i] <= 0x7e {
				return key{code: keyOther}, i + 1, true
			}
		}
		return key{code: keyEsc}, 1, false
	case 'O':
		if len(in) < 3 {
			return key{code: keyEsc}, 1, false
		}
		return key{code: keyOther}, 3, true
	}
	// ESC followed by another key: the Escape key, then that key.
	return key{code: keyEsc}, 1, true
}
