package filesystem

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"

	_ "github.com/flinkgo/engine/connectors/formats"
)

type fakeClock struct{ ms int64 }

func (c *fakeClock) NowMillis() int64 { return c.ms }
func (c *fakeClock) NowMicros() int64 { return c.ms * 1000 }

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func physical(name string, t *types.Type) connectors.Column {
	return connectors.Column{Name: name, Type: t}
}

func meta(name, key string, t *types.Type) connectors.Column {
	return connectors.Column{Name: name, Type: t, Metadata: true, MetadataKey: key}
}

func newSource(t *testing.T, cols []connectors.Column, o map[string]string) connectors.Source {
	t.Helper()
	validate(t, cols, o)
	s, err := Factory{}.CreateSource(&connectors.Table{Name: "default_catalog.default_database.t", Columns: cols, Options: o})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, cols []connectors.Column, o map[string]string) {
	t.Helper()
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	keys := []string{"csv.field-delimiter", "csv.ignore-parse-errors", "json.ignore-parse-errors"}
	if err := connectors.ValidateOptions(Factory{}, o, names, keys); err != nil {
		t.Fatal(err)
	}
}

// read runs one reader to its end (or, for unbounded sources, until polls
// idle maxIdle times) and returns the rows as the print sink shows them.
func read(t *testing.T, src connectors.Source, sub, par int, proj []int, ctx *runtime.OperatorContext, maxIdle int) ([]string, error) {
	t.Helper()
	r, err := src.NewReader(sub, par, proj)
	if err != nil {
		t.Fatal(err)
	}
	if ctx == nil {
		ctx = &runtime.OperatorContext{}
	}
	if ctx.Clock == nil {
		ctx.Clock = &fakeClock{}
	}
	if ctx.Metrics == nil {
		ctx.Metrics = &runtime.OperatorMetrics{}
	}
	ctx.Subtask, ctx.Parallelism = sub, par
	if err := r.Open(ctx); err != nil {
		return nil, err
	}
	defer r.Close()
	var rows []string
	idle := 0
	for {
		b, st, err := r.Poll()
		if err != nil {
			return rows, err
		}
		if b != nil {
			for i := 0; i < b.Len; i++ {
				rows = append(rows, string(types.AppendRowPrint(nil, b, i)))
			}
		}
		switch st {
		case runtime.SourceEnd:
			return rows, nil
		case runtime.SourceIdle:
			if idle++; idle >= maxIdle {
				return rows, nil
			}
		}
	}
}

func TestBoundedCSVScan(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.csv"), "1,one\n2,two\r\n")
	writeFile(t, filepath.Join(dir, "sub", "b.csv"), "3,three")
	writeFile(t, filepath.Join(dir, "c.csv"), "4,four\n\n5,five\n")
	writeFile(t, filepath.Join(dir, ".hidden.csv"), "9,hidden\n")
	writeFile(t, filepath.Join(dir, "_SUCCESS"), "9,success\n")
	writeFile(t, filepath.Join(dir, ".part-x.inprogress.y"), "9,inprogress\n")
	cols := []connectors.Column{physical("id", types.Int), physical("name", types.String),
		meta("fname", "file.name", types.String), meta("size", "file.size", types.BigInt)}
	src := newSource(t, cols, map[string]string{"connector": "filesystem", "path": "file://" + dir, "format": "csv"})
	if !src.Bounded() {
		t.Fatal("one-shot scan not bounded")
	}
	rows, err := read(t, src, 0, 1, []int{0, 1, 2, 3}, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"+I[1, one, a.csv, 13]", "+I[2, two, a.csv, 13]", "+I[4, four, c.csv, 15]",
		"+I[5, five, c.csv, 15]", "+I[3, three, b.csv, 7]"}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}

	// Two subtasks split the sorted files (a.csv, c.csv, sub/b.csv) by index.
	r0, _ := read(t, src, 0, 2, []int{2, 0}, nil, 10)
	r1, _ := read(t, src, 1, 2, []int{2, 0}, nil, 10)
	if got := strings.Join(r0, " "); got != "+I[a.csv, 1] +I[a.csv, 2] +I[b.csv, 3]" {
		t.Errorf("subtask 0: %s", got)
	}
	if got := strings.Join(r1, " "); got != "+I[c.csv, 4] +I[c.csv, 5]" {
		t.Errorf("subtask 1: %s", got)
	}
}

func TestParseErrorLocation(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "data.json")
	writeFile(t, p, "{\"a\":1}\n{\"a\":2}\n{\"a\":\"x\"}\n{\"a\":4}\n")
	cols := []connectors.Column{physical("a", types.Int)}
	src := newSource(t, cols, map[string]string{"path": dir, "format": "json"})
	_, err := read(t, src, 0, 1, []int{0}, nil, 10)
	want := "Malformed record in file " + p + " at line 3 (offset 16): Failed to deserialize JSON field 'a': Invalid INT value 'x'"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}

	writeFile(t, p, "{\"a\":1}\n{\"a\":\n{\"a\":4}\n")
	src = newSource(t, cols, map[string]string{"path": dir, "format": "json", "json.ignore-parse-errors": "true"})
	ctx := &runtime.OperatorContext{}
	rows, err := read(t, src, 0, 1, []int{0}, ctx, 10)
	if err != nil || strings.Join(rows, " ") != "+I[1] +I[4]" {
		t.Errorf("rows %v err %v", rows, err)
	}
	if n := ctx.Metrics.ParseErrors.Load(); n != 1 {
		t.Errorf("ParseErrors = %d", n)
	}
}

func TestMonitorAndRestore(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "1.csv"), "1\n2\n")
	cols := []connectors.Column{physical("a", types.Int), meta("p", "file.path", types.String)}
	src := newSource(t, cols, map[string]string{"path": dir, "format": "csv", "source.monitor-interval": "10 s"})
	if src.Bounded() {
		t.Fatal("monitored source is bounded")
	}
	clock := &fakeClock{ms: 1000}
	r, _ := src.NewReader(0, 1, []int{0})
	if err := r.Open(&runtime.OperatorContext{Clock: clock, Metrics: &runtime.OperatorMetrics{}}); err != nil {
		t.Fatal(err)
	}
	poll := func() []string {
		var rows []string
		for i := 0; i < 5; i++ {
			b, st, err := r.Poll()
			if err != nil {
				t.Fatal(err)
			}
			for j := 0; b != nil && j < b.Len; j++ {
				rows = append(rows, string(types.AppendRowPrint(nil, b, j)))
			}
			if st == runtime.SourceEnd {
				t.Fatal("monitored source ended")
			}
		}
		return rows
	}
	if got := poll(); strings.Join(got, " ") != "+I[1] +I[2]" {
		t.Fatalf("first scan: %v", got)
	}
	writeFile(t, filepath.Join(dir, "2.csv"), "3\n")
	clock.ms += 5000
	if got := poll(); len(got) != 0 {
		t.Fatalf("scanned before the interval: %v", got)
	}
	clock.ms += 5000
	if got := poll(); strings.Join(got, " ") != "+I[3]" {
		t.Fatalf("second scan: %v", got)
	}
	state, _ := r.SnapshotState(1)
	r.Close()

	// A restored reader skips processed files.
	writeFile(t, filepath.Join(dir, "3.csv"), "4\n")
	rows, err := read(t, src, 0, 1, []int{0}, &runtime.OperatorContext{StateRestore: state}, 3)
	if err != nil || strings.Join(rows, " ") != "+I[4]" {
		t.Errorf("restored: %v %v", rows, err)
	}
}

func TestRestoreMidFile(t *testing.T) {
	dir := t.TempDir()
	var sb strings.Builder
	for i := 0; i < 3000; i++ {
		sb.WriteString("v" + strings.Repeat("x", i%7) + "\n")
	}
	writeFile(t, filepath.Join(dir, "f.csv"), sb.String())
	cols := []connectors.Column{physical("s", types.String)}
	src := newSource(t, cols, map[string]string{"path": dir, "format": "csv"})
	r, _ := src.NewReader(0, 1, []int{0})
	r.Open(&runtime.OperatorContext{Clock: &fakeClock{}, Metrics: &runtime.OperatorMetrics{}})
	b, _, err := r.Poll()
	if err != nil {
		t.Fatal(err)
	}
	state, _ := r.SnapshotState(1)
	r.Close()
	rest, err := read(t, src, 0, 1, []int{0}, &runtime.OperatorContext{StateRestore: state}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if b.Len+len(rest) != 3000 {
		t.Fatalf("%d + %d rows", b.Len, len(rest))
	}
	if want := "+I[v" + strings.Repeat("x", b.Len%7) + "]"; rest[0] != want {
		t.Errorf("resumed at %s, want %s", rest[0], want)
	}
}

func sinkTable(dir string, o map[string]string) *connectors.Table {
	opts := map[string]string{"connector": "filesystem", "path": dir, "format": "csv"}
	for k, v := range o {
		opts[k] = v
	}
	return &connectors.Table{Name: "default_catalog.default_database.out",
		Columns: []connectors.Column{physical("id", types.Int), physical("name", types.String)}, Options: opts}
}

func rowsBatch(from, n int) *types.Batch {
	b := types.NewBatch([]*types.Type{types.Int, types.String}, n)
	for i := from; i < from+n; i++ {
		b.Cols[0].AppendInt(int64(i))
		b.Cols[1].AppendString("name" + string(rune('a'+i%26)))
		b.Len++
	}
	return b
}

func listDir(t *testing.T, dir string) (visible, hiddenFiles []string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			hiddenFiles = append(hiddenFiles, e.Name())
		} else {
			visible = append(visible, e.Name())
		}
	}
	sort.Strings(visible)
	return
}

func TestSinkRollingAndFinish(t *testing.T) {
	old := NewUUID
	n := 0
	NewUUID = func() string { n++; return "u" + string(rune('0'+n)) }
	defer func() { NewUUID = old }()

	dir := filepath.Join(t.TempDir(), "out")
	s, err := Factory{}.CreateSink(sinkTable(dir, map[string]string{"sink.rolling-policy.file-size": "20b",
		"sink.rolling-policy.rollover-interval": "1 min"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.ChangelogMode() != connectors.InsertOnly {
		t.Error("filesystem sink must be insert-only")
	}
	w, _ := s.NewWriter(3, 4)
	clock := &fakeClock{ms: 0}
	if err := w.Open(&runtime.OperatorContext{Clock: clock, Metrics: &runtime.OperatorMetrics{}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.ProcessBatch(0, rowsBatch(0, 3)); err != nil { // 3 x 8 bytes: rolls after 3rd row
		t.Fatal(err)
	}
	if err := w.ProcessBatch(0, rowsBatch(3, 1)); err != nil {
		t.Fatal(err)
	}
	vis, hid := listDir(t, dir)
	if strings.Join(vis, " ") != "part-u1-3-0" || len(hid) != 1 || hid[0] != ".part-u1-3-1.inprogress.u3" {
		t.Fatalf("after size roll: %v %v", vis, hid)
	}
	clock.ms = 60000
	if err := w.ProcessWatermark(5); err != nil { // rollover interval passed
		t.Fatal(err)
	}
	if err := w.ProcessBatch(0, rowsBatch(4, 1)); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	vis, hid = listDir(t, dir)
	if strings.Join(vis, " ") != "part-u1-3-0 part-u1-3-1 part-u1-3-2" || len(hid) != 0 {
		t.Fatalf("after finish: %v %v", vis, hid)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "part-u1-3-0"))
	if string(data) != "0,namea\n1,nameb\n2,namec\n" {
		t.Errorf("part 0 = %q", data)
	}

	// Reading the directory back gives every row.
	src := newSource(t, sinkTable(dir, nil).Columns, sinkTable(dir, nil).Options)
	rows, err := read(t, src, 0, 1, []int{0, 1}, nil, 3)
	if err != nil || len(rows) != 5 || rows[4] != "+I[4, namee]" {
		t.Errorf("read back: %v %v", rows, err)
	}
}

func TestSinkCancelLeavesInProgress(t *testing.T) {
	dir := t.TempDir()
	s, _ := Factory{}.CreateSink(sinkTable(dir, map[string]string{"format": "json"}))
	w, _ := s.NewWriter(0, 1)
	w.Open(&runtime.OperatorContext{Clock: &fakeClock{}}, nil)
	if err := w.ProcessBatch(0, rowsBatch(0, 2)); err != nil {
		t.Fatal(err)
	}
	if st, _ := w.SnapshotState(1); st == nil {
		t.Error("no state")
	} else if ss, err := decodeSinkState(st); err != nil || ss.counter != 1 || len(ss.commits) != 0 {
		t.Errorf("state %+v %v: want counter 1 and no committables without checkpointing", ss, err)
	}
	w.Close()
	vis, hid := listDir(t, dir)
	if len(vis) != 0 || len(hid) != 1 || !strings.Contains(hid[0], ".inprogress.") {
		t.Fatalf("after cancel: %v %v", vis, hid)
	}
	data, _ := os.ReadFile(filepath.Join(dir, hid[0]))
	if string(data) != "{\"id\":0,\"name\":\"namea\"}\n{\"id\":1,\"name\":\"nameb\"}\n" {
		t.Errorf("in-progress content %q", data)
	}
	b := rowsBatch(0, 1)
	b.Kinds = []types.RowKind{types.Delete}
	if err := w.ProcessBatch(0, b); err == nil {
		t.Error("delete accepted by filesystem sink")
	}
}

func TestOptionErrors(t *testing.T) {
	cols := []connectors.Column{physical("a", types.Int)}
	err := connectors.ValidateOptions(Factory{}, map[string]string{"path": "/x"}, []string{"a"}, nil)
	if err == nil || err.Error() != "One or more required options are missing.\n\nMissing required options are:\n\nformat" {
		t.Errorf("missing format: %v", err)
	}
	cases := []struct {
		o    map[string]string
		cols []connectors.Column
		want string
	}{
		{map[string]string{"path": "hdfs://nn/x", "format": "csv"}, cols, "Could not find a file system implementation for scheme 'hdfs'. The scheme is not directly supported by Flink and no Hadoop file system to support this scheme could be loaded."},
		{map[string]string{"path": "/x", "format": "parquet"}, cols, "Could not find any format factory for identifier 'parquet' in the classpath.\n\nAvailable factory identifiers are:\n\ncsv\ndebezium-json\njson\nraw"},
		{map[string]string{"path": "/x", "format": "debezium-json"}, cols, "The filesystem connector does not support the changelog format 'debezium-json' yet; use it with the kafka connector"},
		{map[string]string{"path": "/x", "format": "csv", "source.monitor-interval": "soon"}, cols, "Could not parse value 'soon' for key 'source.monitor-interval'."},
		{map[string]string{"path": "/x", "format": "csv", "sink.partition-commit.trigger": "never"}, cols, "Invalid value for option 'sink.partition-commit.trigger'. Supported values are [process-time, partition-time], but was: never"},
		{map[string]string{"path": "/x", "format": "csv", "csv.field-delimiter": "ab"}, cols, "Option 'csv.field-delimiter' must be a string with single character, but was: ab"},
		{map[string]string{"path": "/x", "format": "csv"}, append(cols, meta("m", "file.owner", types.String)), "Invalid metadata key 'file.owner' in column 'm' of table 't'. The DynamicTableSource class 'org.apache.flink.connector.file.table.FileSystemTableSource' supports the following metadata keys for reading:\nfile.path\nfile.name\nfile.size\nfile.modification-time"},
	}
	for _, c := range cases {
		_, err := Factory{}.CreateSource(&connectors.Table{Name: "t", Columns: c.cols, Options: c.o})
		if err == nil || err.Error() != c.want {
			t.Errorf("%v:\n got  %v\n want %s", c.o, err, c.want)
		}
	}
	if p, err := localPath("file:///tmp/a/"); err != nil || p != "/tmp/a" {
		t.Errorf("localPath = %q %v", p, err)
	}
	if p, _ := localPath("file:/tmp/b"); p != "/tmp/b" {
		t.Errorf("localPath = %q", p)
	}
}
