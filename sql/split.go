package sql

import "strings"

// Segment is the text of one statement of a script, without its ';' and
// without the whitespace and comments around it. Pos is where Text starts in
// the script.
type Segment struct {
	Text string
	Pos  Pos
}

// SplitScript cuts a script into statements at each ';' that is outside
// string literals, quoted identifiers and comments. An
// EXECUTE STATEMENT SET BEGIN ... END block (also after EXPLAIN) stays one
// segment although its inner statements end with ';': it ends at the ';'
// after END. Segments holding only whitespace and comments are dropped.
//
// A string, quoted identifier or block comment that is never closed runs to
// the end of the script, as in Flink's client (whose line reader keeps
// reading while a quote or comment is open): the last statement holds it,
// and its parser reports the lexical error.
func SplitScript(script string) []Segment {
	var segs []Segment
	s := splitter{}
	for _, t := range Tokenize(script, Pos{Line: 1, Col: 1}) {
		if t.Unterminated {
			cut := t
			cut.Text = strings.TrimRight(t.Text, " \t\r\n")
			cut.End = t.Pos.Offset + len(cut.Text)
			if s.first == nil {
				s.first = &cut
			}
			s.last = &cut
			if seg, ok := s.cut(script); ok {
				segs = append(segs, seg)
			}
			return segs
		}
		if seg, ok := s.feed(script, t); ok {
			segs = append(segs, seg)
		}
	}
	return segs
}

// Complete reports whether buffer ends a statement, as the REPL needs to
// decide between running it and prompting for more: its last token (comments
// ignored) is a ';' outside strings, identifiers and comments, and that ';'
// does not fall inside an open EXECUTE STATEMENT SET BEGIN block. A
// string, quoted identifier or comment still open keeps it incomplete.
func Complete(buffer string) bool {
	s := splitter{}
	ended := false
	for _, t := range Tokenize(buffer, Pos{Line: 1, Col: 1}) {
		switch t.Kind {
		case TokEOF:
			return ended
		}
		if t.Unterminated {
			// Flink's client keeps reading while a string, quoted
			// identifier or comment is open.
			return false
		}
		if t.Kind == TokComment {
			continue
		}
		s.feed(buffer, t)
		ended = t.IsOp(";") && s.first == nil
	}
	return ended
}

// splitter is the statement-cutting state machine shared by SplitScript and
// Complete. Tokens are fed one by one; a finished segment comes back from
// feed.
type splitter struct {
	first, last *Token // first and last significant tokens of the statement
	count       int    // significant tokens in the statement so far
	leader      string // upper-cased first word of the statement
	recent      [3]string
	block       bool // inside EXECUTE STATEMENT SET BEGIN ... END
	partStart   int  // count at the start of the current inner statement
	partEnd     bool // the current inner statement is exactly END
}

// feed consumes one token and returns a segment when t ends one.
func (s *splitter) feed(script string, t Token) (Segment, bool) {
	switch {
	case t.Kind == TokComment:
		if t.Hint() && s.first != nil {
			tt := t
			s.last = &tt // a trailing hint belongs to the statement
		}
		return Segment{}, false
	case t.Kind == TokEOF:
		return s.cut(script)
	case t.IsOp(";"):
		if s.block && !(s.partEnd && s.count == s.partStart+1) {
			s.partStart = s.count
			s.partEnd = false
			return Segment{}, false
		}
		return s.cut(script)
	}
	tt := t
	if s.first == nil {
		s.first = &tt
		s.leader = upperWord(t)
	}
	s.last = &tt
	if s.block && s.count == s.partStart {
		s.partEnd = t.Is("END")
	}
	s.count++
	s.recent[0], s.recent[1], s.recent[2] = s.recent[1], s.recent[2], upperWord(t)
	if !s.block && (s.leader == "EXECUTE" || s.leader == "EXPLAIN") &&
		s.recent == [3]string{"STATEMENT", "SET", "BEGIN"} {
		s.block = true
		s.partStart = s.count
	}
	return Segment{}, false
}

// cut ends the current statement and resets the state.
func (s *splitter) cut(script string) (Segment, bool) {
	first, last := s.first, s.last
	*s = splitter{}
	if first == nil {
		return Segment{}, false
	}
	return Segment{Text: script[first.Pos.Offset:last.End], Pos: first.Pos}, true
}

// upperWord is the upper-cased text of an unquoted word, "" otherwise.
func upperWord(t Token) string {
	if t.Kind != TokIdent {
		return ""
	}
	return toUpperASCII(t.Text)
}

// toUpperASCII upper-cases ASCII letters only (keywords are ASCII).
func toUpperASCII(s string) string {
	b := []byte(s)
	changed := false
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
			changed = true
		}
	}
	if !changed {
		return s
	}
	return string(b)
}
