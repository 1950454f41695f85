package sql

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var rewriteGolden = flag.Bool("rewrite", false, "rewrite the expected outputs in testdata/parse")

// testCase is one case of a golden file:
//
//	# comments
//	<directive>
//	<input lines>
//	----
//	<expected output lines>
//	<blank line>
//
// An output that contains blank lines is written between "----\n----" and
// "----\n----" lines instead.
type testCase struct {
	comments  []string
	directive string
	input     string
	expected  string
	line      int
}

// readCases parses a golden file.
func readCases(t *testing.T, path string) ([]testCase, []string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	var cases []testCase
	var pending []string
	for i := 0; i < len(lines); {
		l := lines[i]
		if l == "" || strings.HasPrefix(l, "#") {
			pending = append(pending, l)
			i++
			continue
		}
		c := testCase{comments: pending, directive: l, line: i + 1}
		pending = nil
		i++
		var in []string
		for i < len(lines) && lines[i] != "----" {
			in = append(in, lines[i])
			i++
		}
		if i >= len(lines) {
			t.Fatalf("%s:%d: missing ----", path, c.line)
		}
		i++
		c.input = strings.Join(in, "\n")
		var out []string
		if i < len(lines) && lines[i] == "----" {
			i++
			for i < len(lines) && !(lines[i] == "----" && i+1 < len(lines) && lines[i+1] == "----") {
				out = append(out, lines[i])
				i++
			}
			i += 2
		} else {
			for i < len(lines) && lines[i] != "" {
				out = append(out, lines[i])
				i++
			}
		}
		c.expected = strings.Join(out, "\n")
		cases = append(cases, c)
	}
	return cases, pending
}

// writeCases writes a golden file back with the actual outputs.
func writeCases(t *testing.T, path string, cases []testCase, trailer []string) {
	var b strings.Builder
	for _, c := range cases {
		for _, l := range c.comments {
			b.WriteString(l + "\n")
		}
		b.WriteString(c.directive + "\n")
		if c.input != "" {
			b.WriteString(c.input + "\n")
		}
		b.WriteString("----\n")
		if strings.Contains(c.expected, "\n\n") || strings.HasSuffix(c.expected, "\n") {
			b.WriteString("----\n" + c.expected + "\n----\n----\n")
		} else if c.expected != "" {
			b.WriteString(c.expected + "\n")
		}
	}
	for _, l := range trailer {
		b.WriteString(l + "\n")
	}
	out := strings.TrimRight(b.String(), "\n") + "\n"
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
}

// run executes one directive.
func runCase(c testCase) string {
	switch c.directive {
	case "parse":
		return parseOutput(c.input)
	case "split":
		var b strings.Builder
		for _, s := range SplitScript(c.input) {
			fmt.Fprintf(&b, "%s %q\n", at(s.Pos), s.Text)
		}
		return strings.TrimSuffix(b.String(), "\n")
	case "complete":
		return fmt.Sprint(Complete(c.input))
	}
	return "unknown directive " + c.directive
}

// parseOutput parses a script and dumps its statements, then the error.
func parseOutput(script string) string {
	sts, err := ParseScript(script)
	var parts []string
	for _, st := range sts {
		parts = append(parts, Format(st))
	}
	if err != nil {
		e := err.(*Error)
		parts = append(parts, fmt.Sprintf("error %s %s:\n%s", at(e.Pos), e.FlinkClass(), e.Error()))
	}
	return strings.Join(parts, "\n")
}

// TestMain lets panics surface in every test instead of becoming errors.
func TestMain(m *testing.M) {
	flag.Parse()
	debugNoRecover = true
	os.Exit(m.Run())
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("../testdata/parse/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files in ../testdata/parse")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			cases, trailer := readCases(t, path)
			changed := false
			for i := range cases {
				c := &cases[i]
				got := runCase(*c)
				if got != c.expected {
					if *rewriteGolden {
						c.expected = got
						changed = true
						continue
					}
					t.Errorf("%s:%d: %s\n%s\n---- got:\n%s\n---- want:\n%s", path, c.line, c.directive, c.input, got, c.expected)
				}
			}
			if changed {
				writeCases(t, path, cases, trailer)
			}
		})
	}
}
