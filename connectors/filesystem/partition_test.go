package filesystem

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

func TestPartitionPathEscaping(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"2024-01-01", "2024-01-01"},
		{"a/b", "a%2Fb"},
		{"x=1:2", "x%3D1%3A2"},
		{"50%", "50%25"},
		{"tab\there", "tab%09here"},
		{`q"#'*?\{[]^`, "q%22%23%27%2A%3F%5C%7B%5B%5D%5E"},
		{"del\x7f", "del%7F"},
		{"héllo, wörld", "héllo, wörld"}, // non-ASCII and ',' stay
	} {
		got := string(appendEscaped(nil, []byte(c.in)))
		if got != c.want {
			t.Errorf("escape %q = %q, want %q", c.in, got, c.want)
		}
		if back := unescapePathName(got); back != c.in {
			t.Errorf("unescape %q = %q, want %q", got, back, c.in)
		}
	}
	// A '%' without two hex digits after it stays as it is.
	for _, s := range []string{"%", "a%2", "%zz", "100%"} {
		if got := unescapePathName(s); got != s {
			t.Errorf("unescape %q = %q", s, got)
		}
	}
}

// partTable is (id INT, name STRING, dt STRING, h INT) PARTITIONED BY (dt, h).
func partTable(dir string, o map[string]string) *connectors.Table {
	opts := map[string]string{"connector": "filesystem", "path": dir, "format": "csv"}
	for k, v := range o {
		opts[k] = v
	}
	return &connectors.Table{Name: "default_catalog.default_database.p",
		Columns: []connectors.Column{physical("id", types.Int), physical("name", types.String),
			physical("dt", types.String), physical("h", types.Int)},
		PartitionKeys: []int{2, 3}, Options: opts}
}

// partBatch holds rows (id, name, dt, h); dt "" is NULL.
func partBatch(rows ...[4]string) *types.Batch {
	b := types.NewBatch([]*types.Type{types.Int, types.String, types.String, types.Int}, len(rows))
	for _, r := range rows {
		id := int64(0)
		for _, c := range r[0] {
			id = id*10 + int64(c-'0')
		}
		b.Cols[0].AppendInt(id)
		b.Cols[1].AppendString(r[1])
		if r[2] == "" {
			b.Cols[2].AppendNull()
		} else {
			b.Cols[2].AppendString(r[2])
		}
		h := int64(0)
		for _, c := range r[3] {
			h = h*10 + int64(c-'0')
		}
		b.Cols[3].AppendInt(h)
		b.Len++
	}
	return b
}

// tree lists the files under dir as "rel/path" (hidden ones too), sorted,
// with the part file names reduced to "part" / ".inprogress".
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		base := filepath.Base(rel)
		switch {
		case strings.HasPrefix(base, ".part-"):
			base = ".inprogress"
		case strings.HasPrefix(base, "part-"):
			base = "part"
		}
		out = append(out, filepath.ToSlash(filepath.Join(filepath.Dir(rel), base)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// dirRows reads the visible part files of one partition directory.
func dirRows(t *testing.T, dir string) []string {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		return nil
	}
	return visibleRows(t, dir)
}

func readPartitioned(t *testing.T, tb *connectors.Table, proj []int) []string {
	t.Helper()
	src, err := Factory{}.CreateSource(tb)
	must(t, err)
	rows, err := read(t, src, 0, 1, proj, nil, 3)
	must(t, err)
	sort.Strings(rows)
	return rows
}

func TestPartitionedSinkWriteAndRead(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	tb := partTable(dir, map[string]string{"sink.partition-commit.policy.kind": "metastore,success-file",
		"sink.partition-commit.success-file.name": "_DONE"})
	tb.Config = map[string]string{"execution.runtime-mode": "batch"}
	s, err := Factory{}.CreateSink(tb)
	must(t, err)
	w, err := newWriter(t, s, 0, 1, nil)
	must(t, err)
	must(t, w.ProcessBatch(0, partBatch(
		[4]string{"1", "a", "2024-01-01", "3"},
		[4]string{"2", "b", "2024-01-01", "4"},
		[4]string{"3", "c", "2024-01-01", "3"},
		[4]string{"4", "d", "x/y", "0"},
		[4]string{"5", "e", "", "3"},
	)))
	// Nothing is visible before the end, no success file yet.
	for _, f := range tree(t, dir) {
		if !strings.HasSuffix(f, ".inprogress") {
			t.Fatalf("visible before Finish: %v", tree(t, dir))
		}
	}
	must(t, w.Finish())
	must(t, w.Close())
	want := []string{
		"dt=2024-01-01/h=3/_DONE", "dt=2024-01-01/h=3/part",
		"dt=2024-01-01/h=4/_DONE", "dt=2024-01-01/h=4/part",
		"dt=__DEFAULT_PARTITION__/h=3/_DONE", "dt=__DEFAULT_PARTITION__/h=3/part",
		"dt=x%2Fy/h=0/_DONE", "dt=x%2Fy/h=0/part",
	}
	if got := tree(t, dir); !slices.Equal(got, want) {
		t.Fatalf("layout:\n%v\nwant\n%v", got, want)
	}
	// The files hold the non-partition columns only.
	if got := dirRows(t, filepath.Join(dir, "dt=2024-01-01", "h=3")); !slices.Equal(got, []string{"1,a", "3,c"}) {
		t.Errorf("partition dt=2024-01-01/h=3 holds %v", got)
	}
	// Read back: partition columns typed from the directory names,
	// __DEFAULT_PARTITION__ as NULL, in any projection order.
	got := readPartitioned(t, partTable(dir, nil), []int{3, 0, 2, 1})
	wantRows := []string{"+I[0, 4, x/y, d]", "+I[3, 1, 2024-01-01, a]", "+I[3, 3, 2024-01-01, c]",
		"+I[3, 5, null, e]", "+I[4, 2, 2024-01-01, b]"}
	if !slices.Equal(got, wantRows) {
		t.Errorf("read back %v\nwant %v", got, wantRows)
	}
	// Files outside the partition directories and hidden ones are not
	// read by the partitioned table.
	writeFile(t, filepath.Join(dir, "stray.csv"), "9,z\n")
	writeFile(t, filepath.Join(dir, "dt=2024-01-01", "h=3", ".hidden"), "9,z\n")
	writeFile(t, filepath.Join(dir, "dt=2024-01-01", "h=3", "_tmp"), "9,z\n")
	if got := readPartitioned(t, partTable(dir, nil), []int{3, 0, 2, 1}); !slices.Equal(got, wantRows) {
		t.Errorf("with stray files: %v", got)
	}
}

func TestPartitionValueTypes(t *testing.T) {
	for _, c := range []struct {
		t    *types.Type
		in   string
		want string
	}{
		{types.String, "a b", "a b"},
		{types.Int, "42", "42"},
		{types.BigInt, "-7", "-7"},
		{types.Boolean, "TRUE", "true"},
		{types.Double, "1.5", "1.5"},
		{types.Date, "2024-02-29", "2024-02-29"},
		{types.Timestamp(3), "2024-01-01T10:00", "2024-01-01T10:00"},
		{types.Timestamp(3), "2024-01-01T10:00:01.5", "2024-01-01T10:00:01.500"},
		{types.Int, "__DEFAULT_PARTITION__", "null"},
	} {
		v, err := partitionValue(partKey{name: "k", t: c.t}, c.in, DefaultPartitionName)
		if err != nil {
			t.Errorf("%s %q: %v", c.t, c.in, err)
			continue
		}
		if got := string(types.AppendValue(nil, v, 0, types.StylePrint)); got != c.want {
			t.Errorf("%s %q = %s, want %s", c.t, c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		t   *types.Type
		in  string
		msg string
	}{
		{types.Int, "x", `For input string: "x"`},
		{types.Date, "2024-13-01", "could not be parsed"},
		{types.Decimal(10, 2), "1.5", "Can not convert 1.5 to type DECIMAL(10, 2) for partition value"},
	} {
		_, err := partitionValue(partKey{name: "k", t: c.t}, c.in, DefaultPartitionName)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s %q: %v, want %q", c.t, c.in, err, c.msg)
		}
	}
}

func TestPartitionedSinkExactlyOnceRecover(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	tb := partTable(dir, map[string]string{"sink.partition-commit.policy.kind": "success-file"})
	tb.Config = map[string]string{CheckpointIntervalKey: "10 s"}
	s, err := Factory{}.CreateSink(tb)
	must(t, err)
	w, err := newWriter(t, s, 0, 1, nil)
	must(t, err)
	must(t, w.ProcessBatch(0, partBatch([4]string{"1", "a", "d1", "1"}, [4]string{"2", "b", "d2", "1"})))
	_, err = w.SnapshotState(1)
	must(t, err)
	must(t, w.NotifyCheckpointComplete(1))
	// Checkpoint 1 committed its files and their partitions.
	want := []string{"dt=d1/h=1/_SUCCESS", "dt=d1/h=1/part", "dt=d2/h=1/_SUCCESS", "dt=d2/h=1/part"}
	if got := tree(t, dir); !slices.Equal(got, want) {
		t.Fatalf("after checkpoint 1: %v", got)
	}
	must(t, w.ProcessBatch(0, partBatch([4]string{"3", "c", "d2", "1"}, [4]string{"4", "d", "d3", "1"})))
	st2, err := w.SnapshotState(2)
	must(t, err)
	must(t, w.ProcessBatch(0, partBatch([4]string{"5", "e", "d3", "1"}, [4]string{"6", "f", "d4", "1"})))
	must(t, w.Close()) // crash: checkpoint 2 completed, its notification lost
	want = []string{"dt=d1/h=1/_SUCCESS", "dt=d1/h=1/part",
		"dt=d2/h=1/.inprogress", "dt=d2/h=1/_SUCCESS", "dt=d2/h=1/part",
		"dt=d3/h=1/.inprogress", "dt=d3/h=1/.inprogress",
		"dt=d4/h=1/.inprogress"}
	if got := tree(t, dir); !slices.Equal(got, want) {
		t.Fatalf("after the crash: %v\nwant %v", got, want)
	}

	// Restore from checkpoint 2 (at another parallelism): its pending
	// files in the partition directories are committed once, with their
	// partitions; what was written after it stays hidden.
	s2, err := Factory{}.CreateSink(tb)
	must(t, err)
	for sub := 0; sub < 2; sub++ {
		w2, err := newWriter(t, s2, sub, 2, [][]byte{st2})
		must(t, err)
		must(t, w2.Close())
	}
	want = []string{"dt=d1/h=1/_SUCCESS", "dt=d1/h=1/part",
		"dt=d2/h=1/_SUCCESS", "dt=d2/h=1/part", "dt=d2/h=1/part",
		"dt=d3/h=1/.inprogress", "dt=d3/h=1/_SUCCESS", "dt=d3/h=1/part",
		"dt=d4/h=1/.inprogress"}
	if got := tree(t, dir); !slices.Equal(got, want) {
		t.Fatalf("after restore: %v\nwant %v", got, want)
	}
	got := readPartitioned(t, partTable(dir, nil), []int{0, 1, 2, 3})
	wantRows := []string{"+I[1, a, d1, 1]", "+I[2, b, d2, 1]", "+I[3, c, d2, 1]", "+I[4, d, d3, 1]"}
	if !slices.Equal(got, wantRows) {
		t.Errorf("read back %v", got)
	}
	// Restoring again is idempotent.
	w3, err := newWriter(t, s2, 0, 1, [][]byte{st2})
	must(t, err)
	must(t, w3.Close())
	if got := readPartitioned(t, partTable(dir, nil), []int{0, 1, 2, 3}); !slices.Equal(got, wantRows) {
		t.Errorf("second restore: %v", got)
	}
}

func TestPartitionCommitDelay(t *testing.T) {
	dir := t.TempDir()
	tb := partTable(dir, map[string]string{"sink.partition-commit.policy.kind": "success-file",
		"sink.partition-commit.delay": "1 min"})
	tb.Config = map[string]string{CheckpointIntervalKey: "10 s"}
	s, err := Factory{}.CreateSink(tb)
	must(t, err)
	w, err := s.NewWriter(0, 1)
	must(t, err)
	clock := &fakeClock{}
	must(t, w.Open(&runtime.OperatorContext{Clock: clock}, nil))
	success := filepath.Join(dir, "dt=d1", "h=1", "_SUCCESS")
	must(t, w.ProcessBatch(0, partBatch([4]string{"1", "a", "d1", "1"})))
	_, err = w.SnapshotState(1)
	must(t, err)
	must(t, w.NotifyCheckpointComplete(1))
	if _, err := os.Stat(success); err == nil {
		t.Fatal("partition committed before its delay")
	}
	clock.ms = 59_999
	_, err = w.SnapshotState(2)
	must(t, err)
	must(t, w.NotifyCheckpointComplete(2))
	if _, err := os.Stat(success); err == nil {
		t.Fatal("partition committed before its delay")
	}
	clock.ms = 60_000
	_, err = w.SnapshotState(3)
	must(t, err)
	must(t, w.NotifyCheckpointComplete(3))
	if _, err := os.Stat(success); err != nil {
		t.Fatalf("partition not committed after its delay: %v", err)
	}
	// End of input commits whatever the delay.
	must(t, w.ProcessBatch(0, partBatch([4]string{"2", "b", "d2", "1"})))
	must(t, w.Finish())
	if _, err := os.Stat(filepath.Join(dir, "dt=d2", "h=1", "_SUCCESS")); err != nil {
		t.Fatalf("partition not committed at the end: %v", err)
	}
}

// TestPartitionTimeCommit: with the 'partition-time' trigger a partition
// is committed at the first checkpoint commit whose checkpoint saw a
// watermark past the partition's time (from the timestamp pattern, in the
// watermark time zone) plus the delay — not by processing time; a value
// the pattern cannot parse fails with the partition and the pattern named.
func TestPartitionTimeCommit(t *testing.T) {
	dir := t.TempDir()
	tb := partTable(dir, map[string]string{"sink.partition-commit.policy.kind": "success-file",
		"sink.partition-commit.trigger": "partition-time", "sink.partition-commit.delay": "1 h",
		"partition.time-extractor.timestamp-pattern": "$dt 0$h:00:00",
		"sink.partition-commit.watermark-time-zone":  "Asia/Shanghai"})
	tb.Config = map[string]string{CheckpointIntervalKey: "10 s"}
	s, err := Factory{}.CreateSink(tb)
	must(t, err)
	w, err := s.NewWriter(0, 1)
	must(t, err)
	clock := &fakeClock{}
	must(t, w.Open(&runtime.OperatorContext{Clock: clock}, nil))
	// dt=2024-01-02/h=3 is 2024-01-02 03:00 in Shanghai = 2024-01-01 19:00 UTC.
	partTime := time.Date(2024, 1, 1, 19, 0, 0, 0, time.UTC).UnixMilli()
	success := filepath.Join(dir, "dt=2024-01-02", "h=3", "_SUCCESS")
	must(t, w.ProcessBatch(0, partBatch([4]string{"1", "a", "2024-01-02", "3"})))
	checkpoint := func(id, wm int64) {
		t.Helper()
		must(t, w.ProcessWatermark(wm))
		_, err := w.SnapshotState(id)
		must(t, err)
	}
	checkpoint(1, partTime+time.Hour.Milliseconds()) // not past time + delay
	clock.ms = 1 << 40                               // processing time plays no part
	must(t, w.NotifyCheckpointComplete(1))
	if _, err := os.Stat(success); err == nil {
		t.Fatal("partition committed before the watermark passed its time plus the delay")
	}
	checkpoint(2, partTime+time.Hour.Milliseconds()+1)
	must(t, w.ProcessWatermark(partTime+2*time.Hour.Milliseconds())) // after the barrier: not this checkpoint's
	if _, err := os.Stat(success); err == nil {
		t.Fatal("partition committed before a checkpoint completed")
	}
	must(t, w.NotifyCheckpointComplete(2))
	if _, err := os.Stat(success); err != nil {
		t.Fatalf("partition not committed once the watermark passed: %v", err)
	}
	// A partition value the pattern cannot parse.
	must(t, w.ProcessBatch(0, partBatch([4]string{"2", "b", "yesterday", "1"})))
	_, err = w.SnapshotState(3)
	must(t, err)
	err = w.NotifyCheckpointComplete(3)
	if err == nil || !strings.Contains(err.Error(), "dt=yesterday") || !strings.Contains(err.Error(), "timestamp-pattern") {
		t.Fatalf("unparsable partition time: %v", err)
	}
}

func TestPartitionedOverwrite(t *testing.T) {
	dir := t.TempDir()
	write := func(overwrite bool, rows ...[4]string) {
		t.Helper()
		tb := partTable(dir, nil)
		tb.Config = map[string]string{"execution.runtime-mode": "batch"}
		s, err := Factory{}.CreateSink(tb)
		must(t, err)
		if overwrite {
			s, err = s.(interface {
				WithOverwrite() (connectors.Sink, error)
			}).WithOverwrite()
			must(t, err)
		}
		// Two writers; each removes the old files of the partitions it wrote.
		for sub := 0; sub < 2; sub++ {
			w, err := newWriter(t, s, sub, 2, nil)
			must(t, err)
			var mine [][4]string
			for i, r := range rows {
				if i%2 == sub {
					mine = append(mine, r)
				}
			}
			if len(mine) > 0 {
				must(t, w.ProcessBatch(0, partBatch(mine...)))
			}
			must(t, w.Finish())
			must(t, w.Close())
		}
	}
	write(false, [4]string{"1", "a", "d1", "1"}, [4]string{"2", "b", "d1", "2"}, [4]string{"3", "c", "d2", "1"})
	write(true, [4]string{"4", "d", "d1", "1"}, [4]string{"5", "e", "d3", "1"}, [4]string{"6", "f", "d1", "1"})
	got := readPartitioned(t, partTable(dir, nil), []int{0, 1, 2, 3})
	want := []string{"+I[2, b, d1, 2]", "+I[3, c, d2, 1]", "+I[4, d, d1, 1]", "+I[5, e, d3, 1]", "+I[6, f, d1, 1]"}
	if !slices.Equal(got, want) {
		t.Errorf("after overwrite: %v\nwant %v", got, want)
	}
}

func TestSinkStateV2StillRead(t *testing.T) {
	st := encodeSinkState(&sinkState{prefix: "part-x", subtask: 1, counter: 3,
		commits: []committable{{checkpoint: 4, files: []partFile{{dir: "dt=a/h=1", tmp: ".part-x-1-2.inprogress.u", final: "part-x-1-2"}}}}})
	s, err := decodeSinkState(st)
	must(t, err)
	if f := s.commits[0].files[0]; f.dir != "dt=a/h=1" || f.final != "part-x-1-2" {
		t.Errorf("v3 round trip: %+v", f)
	}
	// Format 2: the same without directories.
	v2 := []byte{sinkStateV2}
	v2 = appendString(v2, "part-x")
	v2 = append(v2, 1, 3, 1, 8, 1) // subtask, counter, 1 commit, checkpoint 4 (zigzag), 1 file
	v2 = appendString(v2, ".part-x-1-2.inprogress.u")
	v2 = appendString(v2, "part-x-1-2")
	s, err = decodeSinkState(v2)
	must(t, err)
	if f := s.commits[0].files[0]; f.dir != "" || f.final != "part-x-1-2" || s.commits[0].checkpoint != 4 {
		t.Errorf("v2: %+v", s.commits[0])
	}
	for _, dir := range []string{"../x", "a//b", "/abs", "a/../b"} {
		bad := encodeSinkState(&sinkState{prefix: "p", commits: []committable{{checkpoint: 1, files: []partFile{{dir: dir, tmp: ".t", final: "f"}}}}})
		if _, err := decodeSinkState(bad); err == nil {
			t.Errorf("directory %q accepted", dir)
		}
	}
}

func TestPartitionOptionErrors(t *testing.T) {
	for _, c := range []struct {
		o   map[string]string
		cfg map[string]string
		msg string
	}{
		{map[string]string{"sink.partition-commit.policy.kind": "custom"}, nil, "needs a Java class"},
		{map[string]string{"sink.partition-commit.policy.kind": "success-file", "sink.partition-commit.trigger": "partition-time",
			"sink.partition-commit.watermark-time-zone": "Mars/Olympus"}, nil, "'Mars/Olympus' is not a time zone id"},
		{map[string]string{"sink.partition-commit.policy.kind": "success-file", "sink.partition-commit.success-file.name": "a/b"},
			nil, "is not a file name"},
	} {
		tb := partTable(t.TempDir(), c.o)
		tb.Config = c.cfg
		_, err := Factory{}.CreateSink(tb)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%v: %v, want %q", c.o, err, c.msg)
		}
	}
	tb := partTable(t.TempDir(), nil)
	tb.Columns, tb.PartitionKeys = tb.Columns[2:], []int{0, 1}
	if _, err := (Factory{}).CreateSink(tb); err == nil || !strings.Contains(err.Error(), "only partition columns") {
		t.Errorf("all columns partition keys: %v", err)
	}
}

func TestPartitionDirAllocatesNothing(t *testing.T) {
	p := newPartitioner([]partKey{{name: "dt", t: types.String}, {name: "h", t: types.Int}}, DefaultPartitionName)
	b := partBatch([4]string{"1", "a", "2024-01-01", "3"}, [4]string{"2", "b", "", "4"})
	vecs := []*types.Vector{b.Cols[2], b.Cols[3]}
	buf := p.appendDir(nil, vecs, 0)
	if string(buf) != "dt=2024-01-01/h=3" {
		t.Fatalf("dir %q", buf)
	}
	m := map[string]int{"dt=__DEFAULT_PARTITION__/h=4": 1}
	allocs := testing.AllocsPerRun(100, func() {
		buf = p.appendDir(buf[:0], vecs, 1)
		if m[string(buf)] != 1 {
			t.Fatalf("dir %q", buf)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per row", allocs)
	}
}
