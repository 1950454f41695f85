package sql

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Exception classes the SQL client prints in front of a message, as Flink does.
const (
	// ClassParseException is Flink's parser exception, used for syntax errors.
	ClassParseException = "org.apache.flink.sql.parser.impl.ParseException"
	// ClassTokenMgrError is the lexer's error: a string, quoted identifier
	// or comment the statement ends in.
	ClassTokenMgrError = "org.apache.flink.sql.parser.impl.TokenMgrError"
	// ClassSqlExecutionException is used for misuse of statement sets.
	ClassSqlExecutionException = "org.apache.flink.table.gateway.service.utils.SqlExecutionException"
	// ClassSqlValidateException is used for DDL the Flink parser validates
	// itself (e.g. an ENFORCED primary key).
	ClassSqlValidateException = "org.apache.flink.sql.parser.error.SqlValidateException"
)

// Error is a syntax error in the user's script. Like Flink, it prints only
// the message (no excerpt of the statement): secrets of the statement are
// masked in it (see maskSecrets).
type Error struct {
	// Pos is where the error is (absolute in the script).
	Pos Pos
	// Msg is the message, Flink-style: `Encountered "x" at line 1, column 8.`
	// possibly followed by lines of expected alternatives.
	Msg string
	// Class is the Flink exception class the message belongs to; empty means
	// ClassParseException.
	Class string
}

// Error returns the message.
func (e *Error) Error() string { return e.Msg }

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
//	    <EOF>
//	    "A" ...
//	    <IDENTIFIER> ...
//
// Each expected alternative is a keyword or punctuation (quoted here) or a
// token class in angle brackets (kept as is; <IDENTIFIER> stands for all of
// Calcite's identifier tokens). The alternatives are printed in the order of
// their token kinds in Flink's generated parser, as JavaCC does (see
// expectedOrder), each followed by " ..." except <EOF>.
func encountered(t Token, expected ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Encountered \"%s\" at line %d, column %d.", tokenImage(t), t.Pos.Line, t.Pos.Col)
	expected = expectedOrder(expected)
	switch len(expected) {
	case 0:
	case 1:
		b.WriteString("\nWas expecting:\n    ")
		b.WriteString(expectedAlternative(expected[0]))
	default:
		b.WriteString("\nWas expecting one of:")
		for _, x := range expected {
			b.WriteString("\n    ")
			b.WriteString(expectedAlternative(x))
		}
	}
	return b.String()
}

// expectedAlternative is one line of JavaCC's list of alternatives: the
// token's image and a space, then "..." unless the token is <EOF>.
func expectedAlternative(x string) string {
	if x == "<EOF>" {
		return "<EOF> "
	}
	return expectedImage(x) + " ..."
}

// identifierTokens are the token kinds Calcite's identifier production
// accepts, in the order of their kinds.
var identifierTokens = []string{
	"<BRACKET_QUOTED_IDENTIFIER>", "<QUOTED_IDENTIFIER>", "<BACK_QUOTED_IDENTIFIER>",
	"<HYPHENATED_IDENTIFIER>", "<IDENTIFIER>", "<UNICODE_QUOTED_IDENTIFIER>",
}

// flinkKeywords are the keywords Flink's parser adds to Calcite's
// (Parser.tdd "keywords"): their token kinds follow all of Calcite's.
var flinkKeywords = map[string]bool{
	"ANALYZE": true, "BUCKETS": true, "BYTES": true, "CATALOGS": true, "CHANGELOG_MODE": true,
	"COLUMNS": true, "COMMENT": true, "COMPILE": true, "COMPUTE": true, "CONNECTIONS": true,
	"CONTINUOUS": true, "DATABASES": true, "DISTRIBUTED": true, "DISTRIBUTION": true, "DRAIN": true,
	"ENFORCED": true, "ESTIMATED_COST": true, "EXTENDED": true, "FUNCTIONS": true, "FRESHNESS": true,
	"HASH": true, "IF": true, "JSON_EXECUTION_PLAN": true, "JAR": true, "JARS": true, "JOB": true,
	"JOBS": true, "LOAD": true, "METADATA": true, "MODEL": true, "MODELS": true, "MATERIALIZED": true,
	"MODIFY": true, "MODULES": true, "OVERWRITE": true, "OVERWRITING": true, "PARTITIONED": true,
	"PARTITIONS": true, "PLAN_ADVICE": true, "PROCEDURES": true, "PYTHON": true, "RAW": true,
	"REFRESH_MODE": true, "REMOVE": true, "RENAME": true, "SCALA": true, "STATISTICS": true,
	"STOP": true, "STRING": true, "STRUCTURED": true, "SUSPEND": true, "REFRESH": true, "RESUME": true,
	"TABLES": true, "TIMESTAMP_LTZ": true, "UNLOAD": true, "USE": true, "VIEWS": true, "VIRTUAL": true,
	"WATERMARK": true, "WATERMARKS": true,
}

// punctuationOrder is the order of Calcite's separator and operator tokens.
var punctuationOrder = []string{
	"(", ")", "{", "}", "[", "]", ";", ".", ",",
	"=", ">", "<", "?", ":", "<=", ">=", "<>", "!=", "+", "-", "*", "/", "%", "||", "=>", "..",
}

// expectedOrder sorts expected alternatives by token kind as Flink's
// generated parser numbers them: <EOF>, Calcite's keywords (alphabetical),
// Flink's added keywords, literal tokens, punctuation, identifiers.
// <IDENTIFIER> is expanded into all identifier tokens; duplicates go.
func expectedOrder(expected []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range expected {
		alts := []string{x}
		if x == "<IDENTIFIER>" {
			alts = identifierTokens
		}
		for _, a := range alts {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	rank := func(x string) (int, int) {
		if x == "<EOF>" {
			return 0, 0
		}
		if i := slices.Index(identifierTokens, x); i >= 0 {
			return 5, i
		}
		if strings.HasPrefix(x, "<") && strings.HasSuffix(x, ">") && len(x) > 2 {
			return 3, 0
		}
		if i := slices.Index(punctuationOrder, x); i >= 0 {
			return 4, i
		}
		if flinkKeywords[x] {
			return 2, 0
		}
		return 1, 0
	}
	slices.SortStableFunc(out, func(a, b string) int {
		ga, ia := rank(a)
		gb, ib := rank(b)
		if ga != gb {
			return ga - gb
		}
		if ia != ib {
			return ia - ib
		}
		if ga == 1 || ga == 2 {
			return strings.Compare(a, b)
		}
		return 0
	})
	return out
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

// maskSecrets masks the secret values of text in Msg, and the unexpected
// token of an "Encountered" message when it lies in a secret. text's first
// line is line number firstLine and starts at column firstCol.
func (e *Error) maskSecrets(text string, firstLine, firstCol int) {
	off, _, ok := offsetOf(text, firstLine, firstCol, e.Pos)
	for _, s := range findSecrets(text) {
		if ok && off >= s.start && off < s.end {
			e.Msg = maskEncountered(e.Msg)
		}
		e.Msg = MaskValues(e.Msg, s.values)
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
