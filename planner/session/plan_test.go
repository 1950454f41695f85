package session

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flinkgo/engine/sql"
)

var rewrite = flag.Bool("rewrite", false, "rewrite expected outputs under testdata/plan")

// outcome renders what a statement produced, or its error as the client
// shows it ("Class: message"; a validation error as sql-client.verbose
// shows it, with the position Flink's default output leaves out).
func outcome(r *Result, err error) string {
	if err != nil {
		var ch chained
		if errors.As(err, &ch) {
			return "error: " + ErrorText(err, true)
		}
		var fc flinkClassed
		if errors.As(err, &fc) {
			return "error: " + fc.FlinkClass() + ": " + err.Error()
		}
		return "error: " + err.Error()
	}
	switch r.Kind {
	case ResultText:
		return r.Text
	case ResultTable:
		var b strings.Builder
		b.WriteString(strings.Join(r.Columns, " | ") + "\n")
		for _, row := range r.Rows {
			b.WriteString(strings.Join(row, " | ") + "\n")
		}
		return b.String()
	case ResultJobSubmitted, ResultJobCompleted:
		return "job submitted"
	}
	return "ok"
}

// TestPlans runs the datadriven cases in testdata/plan: each case is a
// script, "----", and the output of its last statement (EXPLAIN text,
// a table, or the error). Earlier statements must succeed.
// Regenerate with: go test ./planner/session -run TestPlans -rewrite
func TestPlans(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/plan/*.txt")
	if len(files) == 0 {
		t.Fatal("no plan test files")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cases := strings.Split(string(data), "\n====\n")
		var out []string
		for i, c := range cases {
			input, _, _ := strings.Cut(c, "\n----\n")
			input = strings.TrimSpace(input)
			got := runCase(t, input)
			out = append(out, input+"\n----\n"+strings.TrimRight(got, "\n")+"\n")
			if !*rewrite {
				_, want, ok := strings.Cut(c, "\n----\n")
				if !ok || strings.TrimRight(want, "\n") != strings.TrimRight(got, "\n") {
					t.Errorf("%s case %d:\n%s\n--- got ---\n%s\n--- want ---\n%s", filepath.Base(f), i+1, input, got, want)
				}
			}
		}
		if *rewrite {
			if err := os.WriteFile(f, []byte(strings.Join(out, "====\n")), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func runCase(t *testing.T, script string) string {
	s := New(Options{Config: map[string]string{"parallelism.default": "2"}})
	defer s.Close()
	stmts, err := sql.ParseScript(script)
	if err != nil {
		return outcome(nil, err)
	}
	var last string
	for i, st := range stmts {
		r, err := s.Execute(st)
		if err != nil && i < len(stmts)-1 {
			t.Fatalf("statement %d of\n%s\nfailed: %v", i+1, script, err)
		}
		last = outcome(r, err)
	}
	return last
}
