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
// A string, quoted identifier or block comment that is never closed ends its
// statement at the first line that ends with ';' (as Flink's client cuts its
// input at such a line, whose parser then reports the lexical error), or at
// the end of the script; the rest of the script is split again from there.
func SplitScript(script string) []Segment {
	var segs []Segment
	s := splitter{}
	pos := Pos{Line: 1, Col: 1}
	for {
		resume, more := Pos{}, false
		for _, t := range Tokenize(script[pos.Offset:], pos) {
			if t.Unterminated {
				var cut Token
				cut, resume, more = cutUnterminated(t)
				if s.first == nil {
					s.first = &cut
				}
				s.last = &cut
				if seg, ok := s.cut(script); ok {
					segs = append(segs, seg)
				}
				break
			}
			if seg, ok := s.feed(script, t); ok {
				segs = append(segs, seg)
			}
		}
		if !more {
			return segs
		}
		pos = resume
	}
}

// cutUnterminated cuts a token that is never closed (and so runs to the end
// of the text) after the ';' ending its first line that ends with ';'. It
// returns the token up to there, where the text resumes, and whether any
// text is left; without such a line the whole token is kept, without
// trailing whitespace.
func cutUnterminated(t Token) (cut Token, resume Pos, more bool) {
	text := t.Text
	end := len(strings.TrimRight(text, " \t\r\n"))
	for i := 0; i < len(text); {
		j := strings.IndexByte(text[i:], '\n')
		if j < 0 {
			break
		}
		line := strings.TrimRight(text[i:i+j], " \t\r")
		if strings.HasSuffix(line, ";") {
			end, more = i+len(line), true
			break
		}
		i += j + 1
	}
	cut = t
	cut.Text = text[:end]
	cut.End = t.Pos.Offset + end
	if more {
		resume = advancePos(t.Pos, text[:end])
	}
	return cut, resume, more
}

// Complete reports whether buffer ends a statement, as the REPL needs to
// decide between running it and prompting for more: its last token (comments
// ignored) is a ';' outside strings, identifiers and comments, and that ';'
// does not fall inside an open EXECUTE STATEMENT SET BEGIN block; or the
// buffer ends with ';' inside a string, identifier or comment never closed.
func Complete(buffer string) bool {
	s := splitter{}
	ended := false
	for _, t := range Tokenize(buffer, Pos{Line: 1, Col: 1}) {
		switch t.Kind {
		case TokEOF:
			return ended
		}
		if t.Unterminated {
			// Flink's client runs a statement whose last line ends with
			// ';' even inside an open string, identifier or comment (its
			// parser then reports the lexical error); SplitScript cuts
			// the statement there.
			return strings.HasSuffix(strings.TrimRight(t.Text, " \t\r\n"), ";")
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
