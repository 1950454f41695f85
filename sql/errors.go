package sql

import (
	"fmt"
	"strings"
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
	// empty when the message stands alone.
	Line string
	// Class is the Flink exception class the message belongs to; empty means
	// ClassParseException.
	Class string
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
	col := 1
	for _, r := range e.Line {
		if col >= e.Pos.Col {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
		col++
	}
	for ; col < e.Pos.Col; col++ {
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

// sourceLine returns line number line (1-based) of text whose first line is
// line number firstLine and starts at column firstCol; a first line that
// starts after column 1 is padded with spaces so columns line up.
func sourceLine(text string, firstLine, firstCol, line int) string {
	n := firstLine
	for n < line {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			return ""
		}
		text = text[i+1:]
		n++
	}
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	text = strings.TrimRight(text, "\r")
	if line == firstLine && firstCol > 1 {
		text = strings.Repeat(" ", firstCol-1) + text
	}
	return text
}
