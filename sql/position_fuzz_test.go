package sql

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParsePositions splits arbitrary text with SplitScript and parses every
// segment with Parse. Nothing may panic, every error must be an *Error, and
// its position must lie inside the input: a line of the script, a column
// at most one past that line's last character, an offset within the text.
// The seeds are the SQL corpus, the Nexmark queries and the parser's
// datadriven cases.
func FuzzParsePositions(f *testing.F) {
	for _, pattern := range []string{"../testdata/sql/*.sql", "../testdata/nexmark/*.sql", "../testdata/demo.sql"} {
		files, _ := filepath.Glob(pattern)
		for _, path := range files {
			b, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(string(b))
		}
	}
	files, _ := filepath.Glob("../testdata/parse/*.txt")
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, c := range strings.Split(string(b), "\n====\n") {
			input, _, _ := strings.Cut(c, "\n----\n")
			f.Add(input)
		}
	}
	f.Add("SELECT a FROM t WHERE b = = 1;\nSELECT 'x\ny' + ;")
	f.Add("SELECT \xff\xfe FROM t;\n\tSELECT é FROM")
	f.Fuzz(func(t *testing.T, script string) {
		lines := strings.Split(script, "\n")
		check := func(what string, e *Error) {
			t.Helper()
			p := e.Pos
			if p.Line < 1 || p.Line > len(lines) {
				t.Fatalf("%s: error at line %d of a %d-line input: %v", what, p.Line, len(lines), e)
			}
			if n := utf8.RuneCountInString(lines[p.Line-1]); p.Col < 1 || p.Col > n+1 {
				t.Fatalf("%s: error at line %d column %d, the line has %d characters: %v", what, p.Line, p.Col, n, e)
			}
			if p.Offset < 0 || p.Offset > len(script) {
				t.Fatalf("%s: error at offset %d of %d bytes: %v", what, p.Offset, len(script), e)
			}
			_ = e.Error()
		}
		for _, seg := range SplitScript(script) {
			if seg.Pos.Offset < 0 || seg.Pos.Offset > len(script) || !strings.HasPrefix(script[seg.Pos.Offset:], seg.Text) {
				t.Fatalf("segment %q does not start at its offset %d", seg.Text, seg.Pos.Offset)
			}
			_, err := Parse(seg)
			if err == nil {
				continue
			}
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("Parse returned an error of type %T: %v", err, err)
			}
			check("Parse", e)
		}
		if _, err := ParseScript(script); err != nil {
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("ParseScript returned an error of type %T: %v", err, err)
			}
			check("ParseScript", e)
		}
	})
}
