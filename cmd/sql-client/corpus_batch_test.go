package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/flinkgo/engine/sql"
)

// TestSQLCorpusBatchMatchesStreaming runs every corpus file a second time
// in batch mode (execution.runtime-mode = batch, parallelism 2, the
// statements piped so that one a batch job refuses does not stop the
// rest; INSERTs synchronous) and compares, statement by statement, the final table of every
// query and print sink that ran in both modes: the streaming changelog
// applied must be the table batch mode emits. A statement that runs in
// streaming but fails in batch must fail for a reason batch mode has (an
// unbounded source, a streaming-only construct, a script setting its own
// mode): anything else fails the test.
func TestSQLCorpusBatchMatchesStreaming(t *testing.T) {
	forEachCorpusFile(t, func(t *testing.T, name, abs string) {
		text, err := os.ReadFile(abs)
		if err != nil {
			t.Fatal(err)
		}
		segs := sql.SplitScript(string(text))
		stmts := make([]scriptStmt, len(segs))
		for i, s := range segs {
			stmts[i] = scriptStmt{s.Text, i}
		}
		run := func(mode string) string {
			work := t.TempDir()
			copyDir(t, "../../testdata/sql/data", filepath.Join(work, "data"))
			// table.dml-sync: an INSERT's print sink rows appear under
			// its own statement.
			cmd := exec.Command(binary, "-D", "parallelism.default=2", "-D", "execution.runtime-mode="+mode,
				"-D", "sql-client.display.print-time-cost=false", "-D", "table.dml-sync=true")
			cmd.Dir = work
			cmd.Stdin = bytes.NewReader(text)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				if _, ok := err.(*exec.ExitError); !ok {
					t.Fatal(err)
				}
			}
			return out.String()
		}
		stream, batch := run("streaming"), run("batch")
		sTables, sFailed := statementTables(stream, stmts)
		bTables, bFailed := statementTables(batch, stmts)
		compared, refused := 0, 0
		for i, st := range stmts {
			if !isJobStatement(st.text) || sFailed[i] != "" || sTables[i] == nil {
				continue
			}
			if bFailed[i] != "" {
				if !batchRefusal.MatchString(bFailed[i]) {
					t.Errorf("%s: statement %d runs in streaming mode but fails in batch mode:\n%s\n%s", name, i+1, st.text, bFailed[i])
				}
				refused++
				continue
			}
			if bTables[i] == nil {
				continue // not reached in batch mode
			}
			if s, b := strings.Join(sTables[i], "\n"), strings.Join(bTables[i], "\n"); s != b {
				t.Errorf("%s: statement %d: batch mode's final table differs from the streaming changelog applied:\n%s\n--- streaming ---\n%s\n--- batch ---\n%s",
					name, i+1, st.text, s, b)
			}
			compared++
		}
		t.Logf("%s: %d statements give the same final table in both modes, %d are refused in batch mode", name, compared, refused)
	})
}

// batchRefusal matches the errors with which batch mode refuses what only
// streaming runs.
var batchRefusal = regexp.MustCompile(`(?s)is not allowed|not supported in batch|unbounded|can only be served in table or tableau mode|only supported in streaming|STREAMING mode`)

// statementTables returns, per statement of a run's output, the final
// table of its rows — a query's result (with or without the op column,
// cells trimmed) and its print sinks' changelog applied — sorted, or nil
// when the statement printed no rows or a cell cut to the display width;
// failed holds the error of each statement that failed.
func statementTables(out string, stmts []scriptStmt) (tables [][]string, failed []string) {
	tables = make([][]string, len(stmts))
	failed = make([]string, len(stmts))
	for si, region := range statementRegions(out, stmts) {
		if i := strings.Index(region, "[ERROR] "); i >= 0 {
			failed[si] = strings.TrimSpace(region[i:])
			continue
		}
		var events []rowEvent
		truncated := false
		header := true // the first row of a table is its header
		for _, line := range strings.Split(region, "\n") {
			switch {
			case strings.HasPrefix(line, "+-"):
				continue
			case strings.HasPrefix(line, "|"):
				cells := strings.Split(strings.Trim(line, "|"), "|")
				for i := range cells {
					cells[i] = strings.TrimSpace(cells[i])
					// A cell cut to the display width (max-column-width)
					// shows less than the value: not comparable.
					truncated = truncated || strings.HasSuffix(cells[i], "...")
				}
				if header {
					header = false
					continue
				}
				delta := 1
				if op := cells[0]; op == "+I" || op == "-U" || op == "+U" || op == "-D" {
					delta = deltaOf(op)
					cells = cells[1:]
				}
				events = append(events, rowEvent{key: "query> [" + strings.Join(cells, ", ") + "]", delta: delta})
			default:
				if m := printLine.FindStringSubmatch(line); m != nil {
					ident := ""
					if p := printPrefix.FindStringSubmatch(line); p != nil && !subtaskOnly.MatchString(line) {
						ident = p[1]
					}
					events = append(events, rowEvent{key: ident + "> [" + m[1][3:], delta: deltaOf(m[1][:2])})
				}
			}
		}
		if len(events) == 0 || truncated {
			continue
		}
		tables[si] = strings.Split(changelogState(events), "\n")
	}
	return tables, failed
}
