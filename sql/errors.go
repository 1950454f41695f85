package sql

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Exception classes the SQL client prints in front of a message, as Flink does.
const (
	// ClassParseException is Flink's parser exception, used for syntax errors.
	ClassParseException = "org.apache.flink.sql.parser.impl.ParseException"
	// ClassSqlExecutionException is used for misuse of statement sets.
	ClassSqlExecutionException = "org.apache.flink.table.gateway.service.utils.SqlExecutionException"
	// ClassSqlValidateException is used for DDL the Flink parser validates
	// itself (e.g. an ENFORCED primary key).
	ClassSqlValidateException = "org.apache.flink.sql.parser.error.SqlValidateException"
)

// Error is a syntax error in the user's script.
type Error struct {
	// Pos is where the error is (absolute in the script).
	Pos Pos
	// Msg is the message, Flink-style: `Encountered "x" at line 1, column 8.`
	// possibly followed by lines of expected alternatives.
	Msg string
	// Line is the source line of Pos, shown with a caret under the column;
	// empty when the message stands alone. Secret values in it are masked
	// (see MaskText).
	Line string
	// Class is the Flink exception class the message belongs to; empty means
	// ClassParseException.
	Class string
	// caret is the column of Pos in Line once masking changed the line's
	// length; 0 means Pos.Col.
	caret int
}

// Error returns the message, then the source line and a caret under the
// column when Line is known.
func (e *Error) Error() string {
	if e.Line == "" {
		return e.Msg
	}
	var b strings.Builder
	b.WriteString(e.Msg)
	b.WriteByte('\n')
	b.WriteString(e.Line)
	b.WriteByte('\n')
	caret := e.Pos.Col
	if e.caret > 0 {
		caret = e.caret
	}
	col := 1
	for _, r := range e.Line {
		if col >= caret {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
		col++
	}
	for ; col < caret; col++ {
		b.WriteByte(' ')
	}
	b.WriteByte('^')
	return b.String()
}

// FlinkClass is the Java exception class Flink reports for this error; the
// CLI prints "Class: message".
func (e *Error) FlinkClass() string {
	if e.Class != "" {
		return e.Class
	}
	return ClassParseException
}

// encountered builds the Calcite-style message for an unexpected token:
//
//	Encountered "x" at line 1, column 8.
//	Was expecting one of:
//	    "A" ...
//	    <IDENTIFIER> ...
//
// Each expected alternative is a keyword or punctuation (quoted here) or a
// token class in angle brackets (kept as is).
func encountered(t Token, expected ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Encountered \"%s\" at line %d, column %d.", tokenImage(t), t.Pos.Line, t.Pos.Col)
	switch len(expected) {
	case 0:
	case 1:
		b.WriteString("\nWas expecting:\n    ")
		b.WriteString(expectedImage(expected[0]))
		b.WriteString(" ...")
	default:
		b.WriteString("\nWas expecting one of:")
		for _, x := range expected {
			b.WriteString("\n    ")
			b.WriteString(expectedImage(x))
			b.WriteString(" ...")
		}
	}
	return b.String()
}

// tokenImage is how Calcite shows a token in "Encountered": its text with
// quotes and control characters escaped, or <EOF>. (A TokEOF with text is the
// token that ends a sub-range, such as the ')' after a CAST type.)
func tokenImage(t Token) string {
	if t.Kind == TokEOF && t.Text == "" {
		return "<EOF>"
	}
	return javaEscape(t.Text)
}

// expectedImage quotes an expected keyword or punctuation; token classes
// such as <IDENTIFIER> stay as they are.
func expectedImage(x string) string {
	if strings.HasPrefix(x, "<") && strings.HasSuffix(x, ">") && len(x) > 2 {
		return x
	}
	return `"` + javaEscape(x) + `"`
}

// javaEscape escapes like JavaCC's ParseException.add_escapes.
func javaEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		case '"':
			b.WriteString(`\"`)
		case '\'':
			b.WriteString(`\'`)
		case '\\':
			b.WriteString(`\\`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// excerpt sets Line to the line of Pos in text, whose first line is line
// number firstLine and starts at column firstCol (a first line that starts
// after column 1 is padded with spaces so that columns line up). Secrets of
// text are masked in Line and in Msg, and the caret follows Pos into the
// masked line. Line is empty when Pos is not in text.
func (e *Error) excerpt(text string, firstLine, firstCol int) {
	off, extra, ok := offsetOf(text, firstLine, firstCol, e.Pos)
	if !ok {
		e.Line, e.caret = "", 0
		return
	}
	secrets := findSecrets(text)
	var b strings.Builder
	at, last := -1, 0
	for _, s := range secrets {
		if at < 0 && off < s.end {
			if off < s.start {
				at = b.Len() + off - last
			} else {
				at = b.Len() + s.start - last
				e.Msg = maskEncountered(e.Msg)
			}
		}
		b.WriteString(text[last:s.start])
		b.WriteString(s.repl)
		last = s.end
		e.Msg = MaskValues(e.Msg, s.values)
	}
	if at < 0 {
		at = b.Len() + off - last
	}
	b.WriteString(text[last:])
	masked := b.String()
	start := strings.LastIndexByte(masked[:at], '\n') + 1
	end := len(masked)
	if i := strings.IndexByte(masked[at:], '\n'); i >= 0 {
		end = at + i
	}
	e.Line = strings.TrimRight(masked[start:end], "\r")
	e.caret = utf8.RuneCountInString(masked[start:at]) + 1 + extra
	if start == 0 && firstCol > 1 {
		e.Line = strings.Repeat(" ", firstCol-1) + e.Line
		e.caret += firstCol - 1
	}
}

// offsetOf returns the offset in text of pos, where text's first line is
// line number firstLine and starts at column firstCol. A column past the
// end of its line gives the line's end and the columns beyond it in extra;
// ok is false when pos's line is not in text.
func offsetOf(text string, firstLine, firstCol int, pos Pos) (off, extra int, ok bool) {
	if pos.Line < firstLine {
		return 0, 0, false
	}
	for n := firstLine; n < pos.Line; n++ {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			return 0, 0, false
		}
		off += i + 1
	}
	col := 1
	if pos.Line == firstLine {
		col = firstCol
	}
	for col < pos.Col {
		r, n := utf8.DecodeRuneInString(text[off:])
		if n == 0 || r == '\n' {
			return off, pos.Col - col, true
		}
		off += n
		col++
	}
	return off, 0, true
}

// maskEncountered replaces the token image of an "Encountered "x"" message
// by Masked, for an unexpected token that is (part of) a secret.
func maskEncountered(msg string) string {
	const prefix, suffix = "Encountered \"", "\" at line "
	i := strings.Index(msg, prefix)
	if i < 0 {
		return msg
	}
	i += len(prefix)
	j := strings.Index(msg[i:], suffix)
	if j < 0 {
		return msg
	}
	return msg[:i] + Masked + msg[i+j:]
}
