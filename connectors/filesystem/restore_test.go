package filesystem

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// pollRows polls r n times (or to its end) and returns the rows.
func pollRows(t *testing.T, r runtime.SourceReader, n int) (rows []string, ended bool) {
	t.Helper()
	for i := 0; i < n; i++ {
		b, st, err := r.Poll()
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; b != nil && j < b.Len; j++ {
			rows = append(rows, string(types.AppendRowPrint(nil, b, j)))
		}
		if st == runtime.SourceEnd {
			return rows, true
		}
	}
	return rows, false
}

func openReader(t *testing.T, src connectors.Source, sub, par int, proj []int, clock *fakeClock, states [][]byte) runtime.SourceReader {
	t.Helper()
	r, err := src.NewReader(sub, par, proj)
	if err != nil {
		t.Fatal(err)
	}
	ctx := &runtime.OperatorContext{Subtask: sub, Parallelism: par, Clock: clock, Metrics: &runtime.OperatorMetrics{},
		RestoredStates: states}
	if len(states) == par {
		ctx.StateRestore = states[sub]
	}
	if err := r.Open(ctx); err != nil {
		t.Fatal(err)
	}
	return r
}

// checkExactlyOnce verifies that got holds every row of want once.
func checkExactlyOnce(t *testing.T, what string, got, want []string) {
	t.Helper()
	seen := map[string]int{}
	for _, r := range got {
		seen[r]++
	}
	for r, n := range seen {
		if n > 1 {
			t.Errorf("%s: %s read %d times", what, r, n)
			return
		}
	}
	g, w := slices.Clone(got), slices.Clone(want)
	sort.Strings(g)
	sort.Strings(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s: %d rows, want %d", what, len(g), len(w))
	}
}

// writeDataFiles writes files f0..f<n-1> with lines[i] lines each and
// returns every row as printed.
func writeDataFiles(t *testing.T, dir string, lines []int) []string {
	tag := filepath.Base(dir)
	var all []string
	for i, n := range lines {
		var sb strings.Builder
		for j := 0; j < n; j++ {
			v := fmt.Sprintf("%s-f%d-%d%s", tag, i, j, strings.Repeat("x", j%5))
			sb.WriteString(v + "\n")
			all = append(all, "+I["+v+"]")
		}
		writeFile(t, filepath.Join(dir, fmt.Sprintf("sub%d", i%2), fmt.Sprintf("f%d.csv", i)), sb.String())
	}
	return all
}

func TestSourceRescale(t *testing.T) {
	dir := t.TempDir()
	want := writeDataFiles(t, dir, []int{2500, 10, 0, 3100, 700, 1, 2048})
	src := newSource(t, []connectors.Column{physical("s", types.String)}, map[string]string{"path": dir, "format": "csv"})
	clock := &fakeClock{}
	// p=3, each subtask polls a different number of times, then snapshot.
	var before []string
	var states [][]byte
	midFile := false
	for sub, polls := range []int{2, 1, 4} {
		r := openReader(t, src, sub, 3, []int{0}, clock, nil)
		rows, _ := pollRows(t, r, polls)
		before = append(before, rows...)
		st, err := r.SnapshotState(3)
		if err != nil {
			t.Fatal(err)
		}
		s, err := decodeSourceState(st)
		if err != nil || st[0] != stateV2 {
			t.Fatalf("state: %v", err)
		}
		if len(s.files) > 0 && s.files[0].offset > 0 {
			midFile = true
		}
		states = append(states, st)
		r.Close()
	}
	if !midFile {
		t.Fatal("no snapshot in the middle of a file")
	}
	for _, par := range []int{2, 3, 1, 5} {
		after := slices.Clone(before)
		for sub := 0; sub < par; sub++ {
			r := openReader(t, src, sub, par, []int{0}, clock, states)
			rows, ended := pollRows(t, r, 1000)
			if !ended {
				t.Fatal("restored reader did not end")
			}
			after = append(after, rows...)
			r.Close()
		}
		checkExactlyOnce(t, fmt.Sprintf("p=3 -> p=%d", par), after, want)
	}

	// Twice: p=3 -> p=2 (snapshot again mid-way) -> p=4.
	var mid []string
	var states2 [][]byte
	for sub := 0; sub < 2; sub++ {
		r := openReader(t, src, sub, 2, []int{0}, clock, states)
		rows, _ := pollRows(t, r, 1+sub)
		mid = append(mid, rows...)
		st, _ := r.SnapshotState(4)
		states2 = append(states2, st)
		r.Close()
	}
	rest := append(slices.Clone(before), mid...)
	for sub := 0; sub < 4; sub++ {
		r := openReader(t, src, sub, 4, []int{0}, clock, states2)
		rows, _ := pollRows(t, r, 1000)
		rest = append(rest, rows...)
		r.Close()
	}
	checkExactlyOnce(t, "p=3 -> p=2 -> p=4", rest, want)

	// A file appearing after the start is not part of a restored one-shot scan.
	writeFile(t, filepath.Join(dir, "late.csv"), "late\n")
	r := openReader(t, src, 0, 1, []int{0}, clock, states2)
	rows, _ := pollRows(t, r, 1000)
	if slices.Contains(rows, "+I[late]") {
		t.Error("restored one-shot scan read a file created after the job started")
	}
}

func TestSourceRestoreErrorLine(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "d.json")
	var sb strings.Builder
	for i := 0; i < 2000; i++ {
		sb.WriteString(fmt.Sprintf("{\"a\":%d}\n", i))
	}
	sb.WriteString("{\"a\":\"bad\"}\n")
	writeFile(t, p, sb.String())
	src := newSource(t, []connectors.Column{physical("a", types.Int)}, map[string]string{"path": dir, "format": "json"})
	r := openReader(t, src, 0, 1, []int{0}, &fakeClock{}, nil)
	pollRows(t, r, 1)
	st, _ := r.SnapshotState(1)
	r.Close()
	r = openReader(t, src, 0, 2, []int{0}, &fakeClock{}, [][]byte{st})
	defer r.Close()
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, _, err = r.Poll()
	}
	if err == nil || !strings.Contains(err.Error(), "at line 2001 (offset") {
		t.Errorf("error after restore: %v", err)
	}
	// A file shorter than the recorded offset fails the restore loudly.
	writeFile(t, p, "{\"a\":1}\n")
	r2 := openReader(t, src, 0, 1, []int{0}, &fakeClock{}, [][]byte{st})
	defer r2.Close()
	if _, _, err := r2.Poll(); err == nil || !strings.Contains(err.Error(), "cannot resume file "+p) {
		t.Errorf("truncated file: %v", err)
	}
}

func TestMonitorRescale(t *testing.T) {
	dir := t.TempDir()
	want := writeDataFiles(t, dir, []int{1500, 20, 3000, 5})
	src := newSource(t, []connectors.Column{physical("s", types.String)},
		map[string]string{"path": dir, "format": "csv", "source.monitor-interval": "1 s"})
	clock := &fakeClock{ms: 1000}
	var got []string
	var states [][]byte
	for sub := 0; sub < 2; sub++ {
		r := openReader(t, src, sub, 2, []int{0}, clock, nil)
		rows, ended := pollRows(t, r, 1+sub)
		if ended {
			t.Fatal("monitoring source ended")
		}
		got = append(got, rows...)
		st, _ := r.SnapshotState(1)
		states = append(states, st)
		r.Close()
	}
	// New files appear while the job is down.
	more := writeDataFiles(t, filepath.Join(dir, "new"), []int{30, 40, 50})
	want = append(want, more...)
	for _, par := range []int{3, 1, 2} {
		all := slices.Clone(got)
		var states2 [][]byte
		for sub := 0; sub < par; sub++ {
			r := openReader(t, src, sub, par, []int{0}, clock, states)
			rows, _ := pollRows(t, r, 50)
			all = append(all, rows...)
			st, _ := r.SnapshotState(2)
			states2 = append(states2, st)
			r.Close()
		}
		checkExactlyOnce(t, fmt.Sprintf("monitor p=2 -> p=%d", par), all, want)
		// Restoring that again at p=2 reads nothing more (every file known).
		for sub := 0; sub < 2; sub++ {
			r := openReader(t, src, sub, 2, []int{0}, clock, states2)
			if rows, _ := pollRows(t, r, 20); len(rows) != 0 {
				t.Errorf("p=%d -> p=2: %d rows read again", par, len(rows))
			}
			r.Close()
		}
	}
}

func TestSourceRestoreLegacyState(t *testing.T) {
	dir := t.TempDir()
	want := writeDataFiles(t, dir, []int{5, 5, 5})
	src := newSource(t, []connectors.Column{physical("s", types.String)}, map[string]string{"path": dir, "format": "csv"})
	// Format 1 of a single subtask: sub0/f0.csv done, sub1/f1.csv at line 2.
	f0, f1 := filepath.Join(dir, "sub0", "f0.csv"), filepath.Join(dir, "sub1", "f1.csv")
	off := int64(len(filepath.Base(dir)+"-f1-0\n") + len(filepath.Base(dir)+"-f1-1x\n"))
	st := []byte{stateV1, 1}
	st = appendString(st, f0)
	st = appendString(st, f1)
	st = append(st, byte(off), 2)
	var got []string
	for sub := 0; sub < 2; sub++ {
		r := openReader(t, src, sub, 2, []int{0}, &fakeClock{}, [][]byte{st})
		rows, _ := pollRows(t, r, 100)
		got = append(got, rows...)
		r.Close()
	}
	checkExactlyOnce(t, "legacy", got, slices.Concat(want[7:10], want[10:]))
}

// --- sink ---

func eoTable(dir string, o map[string]string) *connectors.Table {
	t := sinkTable(dir, o)
	t.Config = map[string]string{CheckpointIntervalKey: "10 s"}
	return t
}

func newWriter(t *testing.T, s connectors.Sink, sub, par int, states [][]byte) (runtime.Operator, error) {
	t.Helper()
	w, err := s.NewWriter(sub, par)
	if err != nil {
		t.Fatal(err)
	}
	ctx := &runtime.OperatorContext{Subtask: sub, Parallelism: par, Clock: &fakeClock{}, Metrics: &runtime.OperatorMetrics{},
		RestoredStates: states}
	if len(states) == par {
		ctx.StateRestore = states[sub]
	}
	return w, w.Open(ctx, nil)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// visibleRows reads the visible part files of dir back, sorted.
func visibleRows(t *testing.T, dir string) []string {
	t.Helper()
	vis, _ := listDir(t, dir)
	var rows []string
	for _, f := range vis {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			if l != "" {
				rows = append(rows, l)
			}
		}
	}
	sort.Strings(rows)
	return rows
}

func csvRows(from, n int) []string {
	b := rowsBatch(from, n)
	var rows []string
	for i := 0; i < n; i++ {
		rows = append(rows, fmt.Sprintf("%d,%s", b.Cols[0].Ints[i], b.Cols[1].Bytes(i)))
	}
	return rows
}

func TestSinkExactlyOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	s, err := Factory{}.CreateSink(eoTable(dir, nil))
	must(t, err)
	w, err := newWriter(t, s, 0, 1, nil)
	must(t, err)
	must(t, w.ProcessBatch(0, rowsBatch(0, 3))) // checkpoint 1
	st1, err := w.SnapshotState(1)
	must(t, err)
	must(t, w.ProcessBatch(0, rowsBatch(3, 2))) // checkpoint 2
	must(t, w.ProcessBatch(0, rowsBatch(5, 1)))
	st2, err := w.SnapshotState(2)
	must(t, err)
	must(t, w.ProcessBatch(0, rowsBatch(6, 4))) // after checkpoint 2
	if vis, hid := listDir(t, dir); len(vis) != 0 || len(hid) != 3 {
		t.Fatalf("before any notification: %v %v", vis, hid)
	}
	must(t, w.NotifyCheckpointComplete(1))
	if got := visibleRows(t, dir); !slices.Equal(got, csvRows(0, 3)) {
		t.Fatalf("after notify(1): %v", got)
	}
	for _, h := range func() []string { _, h := listDir(t, dir); return h }() {
		if !strings.HasPrefix(h, ".part-") || !strings.Contains(h, ".inprogress.") {
			t.Errorf("hidden file %s", h)
		}
	}
	must(t, w.Close()) // crash: checkpoint 2 completed, its notification lost
	_ = st1

	// Restore from checkpoint 2 in a new plan: checkpoint-2 data becomes
	// visible once, the data written after it never does.
	s2, err := Factory{}.CreateSink(eoTable(dir, nil))
	must(t, err)
	w2, err := newWriter(t, s2, 0, 1, [][]byte{st2})
	must(t, err)
	want := csvRows(0, 6)
	if got := visibleRows(t, dir); !slices.Equal(got, want) {
		t.Fatalf("after restore: %v", got)
	}
	must(t, w2.ProcessBatch(0, rowsBatch(20, 2)))
	st3, err := w2.SnapshotState(3)
	must(t, err)
	must(t, w2.NotifyCheckpointComplete(3))
	must(t, w2.ProcessBatch(0, rowsBatch(30, 1)))
	must(t, w2.Finish())
	must(t, w2.Close())
	want = slices.Concat(want, csvRows(20, 2), csvRows(30, 1))
	sort.Strings(want)
	if got := visibleRows(t, dir); !slices.Equal(got, want) {
		t.Fatalf("after finish: %v\nwant %v", got, want)
	}
	vis, hid := listDir(t, dir)
	if len(hid) != 1 { // the crashed run's post-checkpoint-2 file
		t.Errorf("hidden files left: %v", hid)
	}
	names := map[string]bool{}
	for _, v := range vis {
		if names[v] {
			t.Errorf("duplicate name %s", v)
		}
		names[v] = true
	}

	// Restoring checkpoint 2 or 3 again is idempotent.
	for _, st := range [][]byte{st2, st3} {
		w3, err := newWriter(t, s2, 0, 1, [][]byte{st})
		must(t, err)
		w3.Close()
		if got := visibleRows(t, dir); !slices.Equal(got, want) {
			t.Fatalf("second restore: %v", got)
		}
	}

	// The reader sees exactly the committed rows.
	src := newSource(t, sinkTable(dir, nil).Columns, sinkTable(dir, nil).Options)
	rows, err := read(t, src, 0, 1, []int{0, 1}, nil, 3)
	if err != nil || len(rows) != len(want) {
		t.Errorf("read back %d rows (%v), want %d", len(rows), err, len(want))
	}
}

func TestSinkRestoreMissingPending(t *testing.T) {
	dir := t.TempDir()
	s, _ := Factory{}.CreateSink(eoTable(dir, nil))
	w, err := newWriter(t, s, 0, 1, nil)
	must(t, err)
	must(t, w.ProcessBatch(0, rowsBatch(0, 2)))
	st, err := w.SnapshotState(1)
	must(t, err)
	w.Close()
	_, hid := listDir(t, dir)
	if len(hid) != 1 {
		t.Fatalf("hidden: %v", hid)
	}
	must(t, os.Remove(filepath.Join(dir, hid[0])))
	_, err = newWriter(t, s, 0, 1, [][]byte{st})
	if err == nil || !strings.Contains(err.Error(), hid[0]) || !strings.Contains(err.Error(), "checkpoint 1") {
		t.Errorf("missing pending file: %v", err)
	}
}

func TestSinkExactlyOnceRescale(t *testing.T) {
	dir := t.TempDir()
	s, _ := Factory{}.CreateSink(eoTable(dir, nil))
	var states [][]byte
	var want []string
	for sub := 0; sub < 3; sub++ {
		w, err := newWriter(t, s, sub, 3, nil)
		must(t, err)
		must(t, w.ProcessBatch(0, rowsBatch(sub*100, 2)))
		must(t, w.NotifyCheckpointComplete(4)) // nothing pending for 4 yet
		st, err := w.SnapshotState(5)
		must(t, err)
		must(t, w.ProcessBatch(0, rowsBatch(sub*100+50, 2))) // lost
		states = append(states, st)
		want = append(want, csvRows(sub*100, 2)...)
		w.Close()
	}
	if got := visibleRows(t, dir); len(got) != 0 {
		t.Fatalf("visible before restore: %v", got)
	}
	sort.Strings(want)
	for _, par := range []int{2, 1, 3, 4} {
		for sub := 0; sub < par; sub++ {
			w, err := newWriter(t, s, sub, par, states)
			must(t, err)
			w.Close()
		}
		if got := visibleRows(t, dir); !slices.Equal(got, want) {
			t.Fatalf("p=3 -> p=%d: %v", par, got)
		}
	}
}

func TestSinkExactlyOnceRollingAndFinish(t *testing.T) {
	old := NewUUID
	n := 0
	NewUUID = func() string { n++; return fmt.Sprintf("u%d", n) }
	defer func() { NewUUID = old }()
	dir := t.TempDir()
	s, _ := Factory{}.CreateSink(eoTable(dir, map[string]string{"sink.rolling-policy.file-size": "20b",
		"sink.rolling-policy.rollover-interval": "1 min"}))
	w, err := s.NewWriter(0, 1)
	must(t, err)
	clock := &fakeClock{}
	must(t, w.Open(&runtime.OperatorContext{Clock: clock}, nil))
	must(t, w.ProcessBatch(0, rowsBatch(0, 4))) // rolls after the 3rd row
	clock.ms = 60000
	must(t, w.ProcessWatermark(1)) // rollover: second file pending too
	if vis, hid := listDir(t, dir); len(vis) != 0 || len(hid) != 2 {
		t.Fatalf("rolled files must stay pending: %v %v", vis, hid)
	}
	must(t, w.ProcessBatch(0, rowsBatch(4, 1)))
	_, err = w.SnapshotState(1)
	must(t, err)
	must(t, w.ProcessBatch(0, rowsBatch(5, 1)))
	must(t, w.Finish()) // end of input: everything visible, no notification
	must(t, w.Close())
	vis, hid := listDir(t, dir)
	if strings.Join(vis, " ") != "part-u1-0-0 part-u1-0-1 part-u1-0-2 part-u1-0-3" || len(hid) != 0 {
		t.Fatalf("after finish: %v %v", vis, hid)
	}
	if got := visibleRows(t, dir); !slices.Equal(got, csvRows(0, 6)) {
		t.Errorf("rows %v", got)
	}
}

func TestSinkCheckpointingSwitch(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "0 ms": false, "1000": true, "10 s": true, "1min": true} {
		if got := checkpointingEnabled(map[string]string{CheckpointIntervalKey: v}); got != want {
			t.Errorf("interval %q: exactly-once %v", v, got)
		}
	}
	// Without checkpointing a snapshot changes nothing: rolled files are
	// visible at once, the in-progress one stays hidden.
	dir := t.TempDir()
	tb := sinkTable(dir, map[string]string{"sink.rolling-policy.file-size": "20b"})
	tb.Config = map[string]string{CheckpointIntervalKey: "0"}
	s, _ := Factory{}.CreateSink(tb)
	w, err := newWriter(t, s, 0, 1, nil)
	must(t, err)
	must(t, w.ProcessBatch(0, rowsBatch(0, 4)))
	_, err = w.SnapshotState(1)
	must(t, err)
	if vis, hid := listDir(t, dir); len(vis) != 1 || len(hid) != 1 {
		t.Errorf("non-checkpointed: %v %v", vis, hid)
	}
	w.Close()
}

func TestSinkRunPrefix(t *testing.T) {
	s, _ := Factory{}.CreateSink(sinkTable(t.TempDir(), nil))
	w0, _ := s.NewWriter(0, 2)
	w1, _ := s.NewWriter(1, 2)
	if w0.(*writer).prefix != w1.(*writer).prefix {
		t.Error("writers of one run have different prefixes")
	}
	again, _ := s.NewWriter(0, 2)
	if again.(*writer).prefix == w0.(*writer).prefix {
		t.Error("a second run reuses the part-file prefix")
	}
}
