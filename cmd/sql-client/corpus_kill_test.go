package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/flinkgo/engine/sql"
)

// The corpus' third way: every job of a script is killed with SIGKILL right
// after one of its checkpoints is durable, and restored from that
// checkpoint at another parallelism; the script then goes on (and its next
// job is killed and restored too). The test hooks in runtime/testhooks.go
// make this deterministic enough to always happen mid-stream: sources emit a
// few rows per poll with a pause between polls, the process kills itself
// after checkpoint crashAfter of a job that was not restored, and the
// print sinks and the client's result table write a marker line at each
// checkpoint, so the output a killed run produced after the checkpoint it
// is restored from (which the restored run produces again, as Flink's
// at-least-once print sink would) can be cut away.

const crashAfter = 1

// scriptStmt is one statement of a script the test runs, with its index in
// the corpus file (-1 for a statement the test added).
type scriptStmt struct {
	text string
	orig int
}

var (
	markerLine  = regexp.MustCompile(`^(.*)@@checkpoint (\d+)$`)
	tableauLine = regexp.MustCompile(`^\| ([+-][IUD]) (\|.*)$`)
)

// rowEvent is one change a run printed: the stream it belongs to (a print
// sink subtask's prefix, or "" for the client's result table), the key the
// final state counts it under, and +1/-1.
type rowEvent struct {
	stream string
	key    string
	delta  int
}

// regionEvents parses the output of a script run into the row events of
// each statement, in order. It finds each statement by its echo
// ("Flink SQL> <text>;"); a statement that failed has no events. Markers
// are returned per statement as
// stream -> checkpoint id -> index of the first event after the marker.
func regionEvents(out string, stmts []scriptStmt) (events [][]rowEvent, markers []map[string]map[int64]int, ran int, failed []bool) {
	events = make([][]rowEvent, len(stmts))
	failed = make([]bool, len(stmts))
	markers = make([]map[string]map[int64]int, len(stmts))
	regions := statementRegions(out, stmts)
	ran = len(regions)
	for si, region := range regions {
		markers[si] = map[string]map[int64]int{}
		if strings.Contains(region, "\n[ERROR] ") || strings.HasPrefix(region, "[ERROR] ") {
			// A failed job's partial output depends on how far it got
			// before the failure (batching, parallelism): only its
			// error counts, which the exit code and the transcript check.
			failed[si] = true
			continue
		}
		for _, line := range strings.Split(region, "\n") {
			if m := markerLine.FindStringSubmatch(line); m != nil {
				id, _ := strconv.ParseInt(m[2], 10, 64)
				if markers[si][m[1]] == nil {
					markers[si][m[1]] = map[int64]int{}
				}
				markers[si][m[1]][id] = len(events[si])
				continue
			}
			if m := tableauLine.FindStringSubmatch(line); m != nil {
				key := "query#" + strconv.Itoa(stmts[si].orig) + "> " + m[2]
				events[si] = append(events[si], rowEvent{"", key, deltaOf(m[1])})
				continue
			}
			m := printLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			stream, ident := "", ""
			if p := printPrefix.FindStringSubmatch(line); p != nil {
				stream = line[:len(p[0])]
				if !subtaskOnly.MatchString(line) {
					ident = p[1]
				}
			}
			row := m[1]
			events[si] = append(events[si], rowEvent{stream, ident + "> [" + row[3:], deltaOf(row[:2])})
		}
	}
	return events, markers, ran, failed
}

// statementRegions cuts a run's output into what each statement printed
// after its echo ("Flink SQL> <text>;"), for the statements the run
// reached.
func statementRegions(out string, stmts []scriptStmt) []string {
	pos := 0
	var starts []int
	for _, st := range stmts {
		echo := prompt + st.text + ";\n"
		i := strings.Index(out[pos:], echo)
		if i < 0 {
			break
		}
		pos += i + len(echo)
		starts = append(starts, pos)
	}
	regions := make([]string, len(starts))
	for si, start := range starts {
		end := len(out)
		if si+1 < len(starts) {
			end = strings.LastIndex(out[:starts[si+1]], prompt+stmts[si+1].text)
		}
		regions[si] = out[start:end]
	}
	return regions
}

func deltaOf(op string) int {
	if op == "+I" || op == "+U" {
		return 1
	}
	return -1
}

// changelogState applies events as a multiset and renders it sorted.
func changelogState(events []rowEvent) string {
	counts := map[string]int{}
	for _, e := range events {
		counts[e.key] += e.delta
	}
	var rows []string
	for k, n := range counts {
		for i := 0; i < n; i++ {
			rows = append(rows, k)
		}
		if n < 0 {
			rows = append(rows, "RETRACTED MORE THAN INSERTED: "+k)
		}
	}
	sort.Strings(rows)
	return strings.Join(rows, "\n")
}

// fullState is the final state of a straight run of a corpus file: every
// print sink's and every result table's changelog applied.
func fullState(out string, segs []sql.Segment) string {
	stmts := make([]scriptStmt, len(segs))
	for i, s := range segs {
		stmts[i] = scriptStmt{s.Text, i}
	}
	events, _, _, _ := regionEvents(out, stmts)
	var all []rowEvent
	for _, ev := range events {
		all = append(all, ev...)
	}
	return changelogState(all)
}

// isJobStatement reports whether a statement runs a job.
func isJobStatement(text string) bool {
	f := strings.Fields(strings.ToUpper(strings.TrimLeft(text, "(")))
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "INSERT", "SELECT", "WITH", "EXECUTE", "VALUES", "TABLE", "END":
		return true
	case "BEGIN":
		return len(f) > 1 && f[1] == "STATEMENT"
	}
	return false
}

// blockStart returns, for each statement, the index of the BEGIN STATEMENT
// SET that opens the block it is in (its own index outside blocks): a
// statement set's job runs at its END and is resumed from its BEGIN.
func blockStart(segs []sql.Segment) []int {
	start := make([]int, len(segs))
	open := -1
	for i, s := range segs {
		f := strings.Fields(strings.ToUpper(s.Text))
		start[i] = i
		switch {
		case len(f) >= 2 && f[0] == "BEGIN" && f[1] == "STATEMENT":
			open = i
		case open >= 0:
			start[i] = open
			if len(f) == 1 && f[0] == "END" {
				open = -1
			}
		}
	}
	return start
}

// resumeScript is the script a restored run executes: every statement but
// the jobs before from (they completed), with the restore path set for the
// job at from only.
func resumeScript(segs []sql.Segment, from int, restore string) []scriptStmt {
	var out []scriptStmt
	blocks := blockStart(segs)
	end := from
	for end+1 < len(segs) && blocks[end+1] == from {
		end++
	}
	for i, s := range segs {
		if i < from && isJobStatement(s.Text) {
			continue
		}
		if i == from && restore != "" {
			out = append(out, scriptStmt{"SET 'execution.savepoint.path' = '" + restore + "'", -1})
		}
		out = append(out, scriptStmt{s.Text, i})
		if i == end && restore != "" {
			out = append(out, scriptStmt{"RESET 'execution.savepoint.path'", -1})
		}
	}
	return out
}

// lastWrittenCheckpoint returns the chk-<n> directory whose _metadata was
// written last under dir, and n.
func lastWrittenCheckpoint(t *testing.T, dir string) (string, int64) {
	t.Helper()
	metas, _ := filepath.Glob(filepath.Join(dir, "*", "chk-*", "_metadata"))
	best, bestID := "", int64(0)
	var bestTime int64
	for _, m := range metas {
		fi, err := os.Stat(m)
		if err != nil {
			continue
		}
		id, _ := strconv.ParseInt(strings.TrimPrefix(filepath.Base(filepath.Dir(m)), "chk-"), 10, 64)
		if mt := fi.ModTime().UnixNano(); best == "" || mt > bestTime || mt == bestTime && id > bestID {
			best, bestID, bestTime = filepath.Dir(m), id, mt
		}
	}
	if best == "" {
		t.Fatalf("a run was killed but no checkpoint under %s is complete", dir)
	}
	return best, bestID
}

// runKilledAndRestored runs a corpus file the third way on one state
// backend, starting at parallelism pars[0] and restoring each killed job at
// the next parallelism in pars (cyclically). It returns the final state,
// the exit code of the last run, how many runs were killed and the runs'
// output.
func runKilledAndRestored(t *testing.T, script, backend string, pars []int) (state string, code, kills int, transcript string) {
	t.Helper()
	text, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	segs := sql.SplitScript(string(text))
	work := t.TempDir()
	copyDir(t, "../../testdata/sql/data", filepath.Join(work, "data"))
	ckpt := filepath.Join(work, "ckpt")
	var all []rowEvent
	// carried holds what killed attempts of statement carriedOrig printed
	// before the checkpoint the next attempt restores from.
	var carried []rowEvent
	carriedOrig := -1
	from, restore := 0, ""
	var log strings.Builder
	for attempt := 0; ; attempt++ {
		if attempt > 2*len(segs)+2 {
			t.Fatalf("more restores than the script has jobs:\n%s", log.String())
		}
		stmts := resumeScript(segs, from, restore)
		var body strings.Builder
		for _, s := range stmts {
			body.WriteString(s.text + ";\n")
		}
		file := filepath.Join(work, fmt.Sprintf("attempt-%d.sql", attempt))
		if err := os.WriteFile(file, []byte(body.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		par := pars[attempt%len(pars)]
		cmd := exec.Command(binary, "-D", "parallelism.default="+strconv.Itoa(par),
			"-D", "table.dml-sync=true", "-D", "state.backend.type="+backend,
			"-D", "execution.checkpointing.interval=20ms", "-D", "state.checkpoints.dir="+ckpt,
			"-D", "restart-strategy.type=none", "-f", file)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "FLINKGO_TEST_SOURCE_PACE=1:10ms",
			"FLINKGO_TEST_CRASH_AFTER_CHECKPOINT="+strconv.Itoa(crashAfter), "FLINKGO_TEST_CHECKPOINT_MARKERS=1")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		fmt.Fprintf(&log, "==== attempt %d at parallelism %d (restore %q) ====\n%s\n", attempt, par, restore, out.String())
		killed := false
		code = 0
		if ee, ok := err.(*exec.ExitError); ok {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
				killed = true
			}
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		events, markers, ran, failed := regionEvents(out.String(), stmts)
		last := ran - 1
		for si := 0; si < ran; si++ {
			if !killed || si < last {
				if stmts[si].orig == carriedOrig {
					// The job the killed attempts ran: what they printed
					// before their checkpoints counts only if it ended well
					// (a failed job's output never counts, as above).
					if !failed[si] {
						all = append(all, carried...)
					}
					carried, carriedOrig = nil, -1
				}
				all = append(all, events[si]...)
				continue
			}
			// The killed statement: keep what each stream printed before
			// the marker of the checkpoint the next run restores from.
			dir, id := lastWrittenCheckpoint(t, ckpt)
			cut := map[string]int{}
			for stream, ids := range markers[si] {
				if n, ok := ids[id]; ok {
					cut[stream] = n
				}
			}
			for i, e := range events[si] {
				if n, ok := cut[e.stream]; ok && i >= n {
					continue
				}
				carried = append(carried, e)
			}
			if stmts[si].orig < 0 {
				t.Fatalf("killed outside a job of the script:\n%s", log.String())
			}
			carriedOrig = stmts[si].orig
			from, restore = blockStart(segs)[stmts[si].orig], dir
		}
		if !killed {
			return changelogState(all), code, kills, log.String()
		}
		kills++
	}
}
