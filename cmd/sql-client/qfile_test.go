package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/sql"
)

// Transcript tests in the format of Flink's own SQL client tests
// (CliClientITCase's .q files): a statement, the output Flink prints for
// it, and a line naming the kind of output —
//
//	create catalog c1 with ('type'='generic_in_memory');
//	[INFO] Execute statement succeeded.
//	!info
//
// `!ok` for a result (tables, EXPLAIN, "Empty set"), `!info` for an
// [INFO] message, `!error` for an [ERROR] (compared with runs of white
// space collapsed, as Flink's harness does), `!warning` for a [WARNING].
// Lines starting with '#' outside a statement are comments. The statements
// of a file run in one session of the real binary, fed through standard
// input as a user pipes them, so an error does not stop the file.
//
// testdata/qfiles/*.q are ours, written from Flink's documentation;
// -rewrite rewrites their outputs. -qdir runs the .q files of another
// directory instead (such as a local copy of Flink's own) and reports,
// without failing, how many statements print what the file expects.

// qFileTimeout bounds one .q file's run.
const qFileTimeout = 4 * time.Minute

var qDir = flag.String("qdir", "", "run the .q transcripts of this directory and report conformance instead of testdata/qfiles")

// qBlock is one statement of a .q file with what precedes it.
type qBlock struct {
	comments []string // comment and blank lines before the statement
	stmt     []string // the statement's lines, the last ending with ';'
	want     []string // the expected output
	kind     string   // "!ok", "!info", "!error", "!warning", "!output"
}

// parseQFile splits a .q file into blocks; trailing comments come back as
// a block without a statement.
func parseQFile(text string) ([]qBlock, error) {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	var blocks []qBlock
	var cur qBlock
	const (
		between = iota
		inStmt
		inOutput
	)
	state := between
	for i, line := range lines {
		switch state {
		case between:
			trimmed := strings.TrimSpace(line)
			if trimmed == "" || strings.HasPrefix(trimmed, "#") {
				cur.comments = append(cur.comments, line)
				continue
			}
			state = inStmt
			fallthrough
		case inStmt:
			cur.stmt = append(cur.stmt, line)
			// The statement ends where the client would run it (a ';'
			// outside strings and comments), not at every line ending
			// with ';'.
			if strings.HasSuffix(strings.TrimSpace(line), ";") && sql.Complete(strings.Join(cur.stmt, "\n")) {
				state = inOutput
			}
		case inOutput:
			if strings.HasPrefix(line, "!") {
				cur.kind = strings.TrimSpace(line)
				switch cur.kind {
				case "!ok", "!info", "!error", "!warning", "!output":
				default:
					return nil, fmt.Errorf("line %d: unknown command %q (want !ok, !info, !error, !warning or !output)", i+1, cur.kind)
				}
				blocks = append(blocks, cur)
				cur = qBlock{}
				state = between
				continue
			}
			cur.want = append(cur.want, line)
		}
	}
	if state != between {
		return nil, fmt.Errorf("the last statement (%q) has no !ok / !info / !error line after its output", strings.Join(cur.stmt, " "))
	}
	if len(cur.comments) > 0 {
		blocks = append(blocks, cur)
	}
	return blocks, nil
}

// runQFile runs the blocks' statements in one client and returns each
// statement's output.
func runQFile(t *testing.T, blocks []qBlock) []string {
	t.Helper()
	var in strings.Builder
	var echoes [][]string // per statement: the client's echo of each of its segments
	for _, b := range blocks {
		if len(b.stmt) == 0 {
			continue
		}
		text := strings.Join(b.stmt, "\n")
		var echo []string
		for _, seg := range sql.SplitScript(text) {
			echo = append(echo, prompt+strings.TrimSuffix(sql.MaskText(seg.Text), ";")+";")
		}
		echoes = append(echoes, echo)
		in.WriteString(text)
		in.WriteString("\n")
	}
	work := t.TempDir()
	copyDir(t, "../../testdata/sql/data", filepath.Join(work, "data"))
	// A statement that never ends (a streaming query over an unbounded
	// source) must not hang the test: the client is killed after
	// qFileTimeout and the test names the last statement it echoed.
	ctx, cancel := context.WithTimeout(context.Background(), qFileTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "-D", "sql-client.display.print-time-cost=false")
	cmd.Dir = work
	cmd.Stdin = strings.NewReader(in.String())
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			last := out.String()
			if i := strings.LastIndex(last, prompt); i >= 0 {
				last = last[i:]
			}
			t.Fatalf("the client did not finish within %v; it was running:\n%s", qFileTimeout, last)
		}
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
	}
	outputs, err := splitTranscript(out.String(), echoes)
	if err != nil {
		t.Fatalf("%v\n--- client output ---\n%s", err, out.String())
	}
	return outputs
}

// splitTranscript cuts the client's output into the output of each
// statement: the client echoes every statement (each segment of it, as
// sql.SplitScript cuts it: comments around it dropped) after its prompt.
// A statement without segments (only a comment) has no output. Job ids
// (32 hex digits) read <job-id>.
func splitTranscript(out string, echoes [][]string) ([]string, error) {
	lines := strings.Split(out, "\n")
	echoAt := func(from int, echo string) int {
		want := strings.Split(echo, "\n")
		for i := from; i+len(want) <= len(lines); i++ {
			match := true
			for j, w := range want {
				if lines[i+j] != w {
					match = false
					break
				}
			}
			if match {
				return i
			}
		}
		return -1
	}
	type segAt struct{ stmt, line, echoLines int }
	var segs []segAt
	at := 0
	for i, echo := range echoes {
		for _, e := range echo {
			n := echoAt(at, e)
			if n < 0 {
				return nil, fmt.Errorf("the client did not echo statement %d (%q): it stopped early", i+1, e)
			}
			segs = append(segs, segAt{i, n, strings.Count(e, "\n") + 1})
			at = n + 1
		}
	}
	outputs := make([]string, len(echoes))
	for k, sg := range segs {
		start := sg.line + sg.echoLines
		end := len(lines)
		if k+1 < len(segs) {
			end = segs[k+1].line
		} else {
			for j := start; j < len(lines); j++ {
				if lines[j] == "Shutting down the session..." {
					end = j
					break
				}
			}
		}
		text := strings.TrimRight(strings.Join(lines[start:end], "\n"), "\n ")
		text = jobIDLine.ReplaceAllString(text, "<job-id>")
		if outputs[sg.stmt] != "" {
			text = outputs[sg.stmt] + "\n\n" + text
		}
		outputs[sg.stmt] = text
	}
	return outputs, nil
}

// qKind is the .q command for an output.
func qKind(output string) string {
	switch {
	case strings.HasPrefix(output, "[ERROR]"):
		return "!error"
	case strings.HasPrefix(output, "[INFO]"):
		return "!info"
	case strings.HasPrefix(output, "[WARNING]"):
		return "!warning"
	}
	return "!ok"
}

// qMatches compares an output with a block's expectation.
func qMatches(b qBlock, got string) bool {
	want := strings.TrimRight(strings.Join(b.want, "\n"), "\n ")
	if b.kind == "!error" {
		return qKind(got) == "!error" && strings.Join(strings.Fields(got), " ") == strings.Join(strings.Fields(want), " ")
	}
	return qKind(got) == b.kind && got == want || b.kind == "!output" && got == want
}

// formatQFile writes blocks back with the given outputs.
func formatQFile(blocks []qBlock, outputs []string) string {
	var b strings.Builder
	i := 0
	for _, blk := range blocks {
		for _, c := range blk.comments {
			b.WriteString(c + "\n")
		}
		if len(blk.stmt) == 0 {
			continue
		}
		b.WriteString(strings.Join(blk.stmt, "\n") + "\n")
		if outputs[i] != "" {
			b.WriteString(outputs[i] + "\n")
		}
		kind := blk.kind
		if kind != "!output" {
			kind = qKind(outputs[i])
		}
		b.WriteString(kind + "\n")
		i++
	}
	return b.String()
}

// TestQFiles runs the .q transcripts.
func TestQFiles(t *testing.T) {
	dir := "../../testdata/qfiles"
	if *qDir != "" {
		dir = *qDir
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.q"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .q files in %s: %v", dir, err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".q")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			text, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			blocks, err := parseQFile(string(text))
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			outputs := runQFile(t, blocks)
			if *rewrite && *qDir == "" {
				if err := os.WriteFile(file, []byte(formatQFile(blocks, outputs)), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			matched, total, i := 0, 0, 0
			for _, b := range blocks {
				if len(b.stmt) == 0 {
					continue
				}
				got := outputs[i]
				i++
				total++
				if qMatches(b, got) {
					matched++
					continue
				}
				msg := fmt.Sprintf("%s: %s\n--- got (%s) ---\n%s\n--- want (%s) ---\n%s", name, strings.Join(b.stmt, "\n"),
					qKind(got), got, b.kind, strings.Join(b.want, "\n"))
				if *qDir != "" {
					t.Log(msg)
				} else {
					t.Error(msg)
				}
			}
			t.Logf("%s: %d of %d statements print what the transcript expects", name, matched, total)
		})
	}
}

// TestParseQFile checks the .q reader on the forms the transcripts use.
func TestParseQFile(t *testing.T) {
	blocks, err := parseQFile("# c\n\nshow\n  catalogs;\n+---+\n| x |\n!ok\nuse nope;\n[ERROR] no\n!error\n# end\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 3 || strings.Join(blocks[0].stmt, "|") != "show|  catalogs;" || blocks[0].kind != "!ok" ||
		len(blocks[0].want) != 2 || len(blocks[0].comments) != 2 || blocks[1].kind != "!error" || len(blocks[2].stmt) != 0 {
		t.Fatalf("parsed %+v", blocks)
	}
	for _, bad := range []string{"select 1;\n+\n", "select 1;\n!nope\n"} {
		if _, err := parseQFile(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	outs, err := splitTranscript("Flink SQL> show\n  catalogs;\n| a |\n\nFlink SQL> use nope;\n[ERROR] no\n\nShutting down the session...\ndone.",
		[][]string{{"Flink SQL> show\n  catalogs;"}, nil, {"Flink SQL> use nope;"}})
	if err != nil || len(outs) != 3 || outs[0] != "| a |" || outs[1] != "" || outs[2] != "[ERROR] no" {
		t.Fatalf("split %q %v", outs, err)
	}
}
