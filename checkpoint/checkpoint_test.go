package checkpoint

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const testJobID = "3addd4c0ffee00112233445566778899"

// testStates is the state of each subtask of the one stateful operator of
// testMeta: small, empty, nil and large.
func testStates(seed byte) [][]byte {
	large := bytes.Repeat([]byte{seed, 1, 2, 3, 4, 5, 6, 7}, 4*1024) // 32 KiB
	return [][]byte{[]byte("small-" + string('a'+seed)), {}, nil, large}
}

func testMeta(id int64, jobName string, ts int64) *Metadata {
	var hs []StateHandle
	for _, s := range testStates(byte(id)) {
		hs = append(hs, StateHandle{Inline: s})
	}
	return &Metadata{
		CheckpointID: id, JobID: testJobID, JobName: jobName, Timestamp: ts, Format: FormatNative,
		Operators: []OperatorState{
			{OperatorID: "11111111111111111111111111111111", Name: "Source: gen", Parallelism: 1, MaxParallelism: 128},
			{OperatorID: "22222222222222222222222222222222", Name: "GroupAggregate", Parallelism: 4, MaxParallelism: 128, Subtasks: hs},
		},
	}
}

// checkStates loads the checkpoint at p and compares its states with
// testStates(seed).
func checkStates(t *testing.T, st Storage, p string, seed byte) (*Metadata, string) {
	t.Helper()
	m, dir, err := LoadCheckpoint(st, p)
	if err != nil {
		t.Fatalf("LoadCheckpoint(%s): %v", p, err)
	}
	want := testStates(seed)
	hs := m.Operators[1].Subtasks
	if len(hs) != len(want) {
		t.Fatalf("%d subtasks, want %d", len(hs), len(want))
	}
	for i, h := range hs {
		got, err := ReadState(st, dir, h)
		if err != nil {
			t.Fatalf("ReadState(subtask %d): %v", i, err)
		}
		if !bytes.Equal(got, want[i]) || (got == nil) != (want[i] == nil) {
			t.Errorf("subtask %d state = %q, want %q", i, trim(got), trim(want[i]))
		}
	}
	return m, dir
}

func trim(b []byte) []byte {
	if len(b) > 20 {
		return b[:20]
	}
	return b
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteLoadReadRoundTrip(t *testing.T) {
	st := NewLocalStorage()
	root := t.TempDir()
	dir := CheckpointDir(root, testJobID, 1)
	m := testMeta(1, "job", 1000)
	orig := testMeta(1, "job", 1000)
	callerHandles := m.Operators[1].Subtasks
	if err := WriteCheckpoint(st, dir, m, DefaultInlineThreshold); err != nil {
		t.Fatal(err)
	}

	// Only the large state went to a file; m holds the final handles and
	// the caller's handle slice is untouched.
	if !reflect.DeepEqual(callerHandles, orig.Operators[1].Subtasks) {
		t.Error("WriteCheckpoint modified the caller's handle slice")
	}
	hs := m.Operators[1].Subtasks
	large := testStates(1)[3]
	if hs[3].Inline != nil || hs[3].Size != int64(len(large)) || hs[3].Checksum != Checksum(large) || strings.Contains(hs[3].File, "/") {
		t.Errorf("large handle = %+v", hs[3])
	}
	for i := 0; i < 3; i++ {
		if hs[i].File != "" {
			t.Errorf("subtask %d went to a file: %+v", i, hs[i])
		}
	}
	if m.Version != CurrentVersion {
		t.Errorf("Version = %d", m.Version)
	}
	names := dirNames(t, dir)
	if len(names) != 2 || !reflect.DeepEqual(names, sortedPair(MetadataFile, hs[3].File)) {
		t.Errorf("checkpoint directory holds %v (no temp files allowed)", names)
	}

	metaPath := filepath.Join(dir, MetadataFile)
	for _, p := range []string{dir, dir + "/", metaPath, "file://" + dir, "file:" + dir, "file://" + metaPath, "file://localhost" + dir} {
		t.Run(p, func(t *testing.T) {
			got, gotDir := checkStates(t, st, p, 1)
			if gotDir != dir {
				t.Errorf("dir = %s, want %s", gotDir, dir)
			}
			if !reflect.DeepEqual(got, m) {
				t.Errorf("metadata = %+v\nwant %+v", got, m)
			}
		})
	}
	// Relative path.
	wd, _ := os.Getwd()
	if rel, err := filepath.Rel(wd, dir); err == nil {
		checkStates(t, st, rel, 1)
	}
}

func sortedPair(a, b string) []string {
	if a < b {
		return []string{a, b}
	}
	return []string{b, a}
}

func TestWriteCheckpointThresholds(t *testing.T) {
	tests := []struct {
		threshold int
		files     int // state files expected among testStates' 4 subtasks
	}{
		{DefaultInlineThreshold, 1},
		{1 << 20, 0},
		{5, 2}, // "small-x" (7 bytes) and large
		{0, 2}, // empty and nil stay inline
		{-1, 2},
	}
	for _, tt := range tests {
		st := NewLocalStorage()
		dir := filepath.Join(t.TempDir(), "chk-1")
		m := testMeta(1, "job", 1)
		if err := WriteCheckpoint(st, dir, m, tt.threshold); err != nil {
			t.Fatal(err)
		}
		files := 0
		for _, h := range m.Operators[1].Subtasks {
			if h.File != "" {
				files++
			}
		}
		if files != tt.files || len(dirNames(t, dir)) != files+1 {
			t.Errorf("threshold %d: %d state files (%v), want %d", tt.threshold, files, dirNames(t, dir), tt.files)
		}
		checkStates(t, st, dir, 1)
	}
}

func TestSavepointIsRelocatable(t *testing.T) {
	st := NewLocalStorage()
	root := t.TempDir()
	name := NewSavepointDirName(testJobID, nil)
	dir := filepath.Join(root, "sp", name)
	m := testMeta(9, "job", 5)
	m.Savepoint = true
	if err := WriteCheckpoint(st, dir, m, 1024); err != nil {
		t.Fatal(err)
	}
	got, _ := checkStates(t, st, dir, 9)
	if !got.Savepoint {
		t.Error("Savepoint flag lost")
	}
	moved := filepath.Join(root, "elsewhere")
	if err := os.Rename(dir, moved); err != nil {
		t.Fatal(err)
	}
	_, d := checkStates(t, st, "file://"+moved, 9)
	if d != moved {
		t.Errorf("dir = %s", d)
	}
}

func TestWriteCheckpointExistingDir(t *testing.T) {
	st := NewLocalStorage()
	dir := filepath.Join(t.TempDir(), "chk-1")
	if err := WriteCheckpoint(st, dir, testMeta(1, "job", 1), 100); err != nil {
		t.Fatal(err)
	}
	err := WriteCheckpoint(st, dir, testMeta(1, "other", 2), 100)
	if err == nil || !strings.Contains(err.Error(), "already holds a complete checkpoint") {
		t.Fatalf("second write = %v", err)
	}
	m, _ := checkStates(t, st, dir, 1) // untouched
	if m.JobName != "job" {
		t.Errorf("JobName = %q", m.JobName)
	}

	// Leftovers of an attempt that died before its _metadata are removed
	// by PrepareCheckpointDir; a complete checkpoint is refused.
	if err := PrepareCheckpointDir(st, dir); err == nil {
		t.Fatal("PrepareCheckpointDir accepted a complete checkpoint")
	}
	dir2 := filepath.Join(filepath.Dir(dir), "chk-2")
	if err := os.MkdirAll(dir2, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir2, "orphan"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := PrepareCheckpointDir(st, dir2); err != nil {
		t.Fatal(err)
	}
	if err := WriteCheckpoint(st, dir2, testMeta(2, "job", 2), 100); err != nil {
		t.Fatal(err)
	}
	for _, n := range dirNames(t, dir2) {
		if n == "orphan" {
			t.Error("orphan state file of the dead attempt survived")
		}
	}
	checkStates(t, st, dir2, 2)
}

func TestReadStateErrors(t *testing.T) {
	st := NewLocalStorage()
	root := t.TempDir()
	dir := CheckpointDir(root, testJobID, 1)
	m := testMeta(1, "job", 1)
	if err := WriteCheckpoint(st, dir, m, 100); err != nil {
		t.Fatal(err)
	}
	h := m.Operators[1].Subtasks[3]
	file := filepath.Join(dir, h.File)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}

	// shared/ handles resolve into the job directory.
	shared := filepath.Join(JobDir(root, testJobID), SharedDir)
	if err := os.MkdirAll(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shared, "sst-1"), []byte("sst"), 0o600); err != nil {
		t.Fatal(err)
	}
	sh := StateHandle{File: "shared/sst-1", Size: 3, Checksum: Checksum([]byte("sst"))}
	if got, err := ReadState(st, dir, sh); err != nil || string(got) != "sst" {
		t.Errorf("shared ReadState = %q, %v", got, err)
	}
	// Absolute names are used as they are.
	abs := StateHandle{File: file, Size: h.Size, Checksum: h.Checksum}
	if got, err := ReadState(st, "/nowhere", abs); err != nil || !bytes.Equal(got, data) {
		t.Errorf("absolute ReadState: %v", err)
	}

	tests := []struct {
		name  string
		h     StateHandle
		setup func()
		want  string
	}{
		{"missing", StateHandle{File: "nope", Size: 1}, nil, "state file " + filepath.Join(dir, "nope") + " of checkpoint " + dir + " is missing"},
		{"escapes", StateHandle{File: "../chk-0/x"}, nil, "leaves the checkpoint directory"},
		{"escapes shared", StateHandle{File: "shared/../../x"}, nil, "leaves the checkpoint directory"},
		{"empty name", StateHandle{File: "./"}, nil, "is empty"},
		{"wrong size", h, func() { _ = os.WriteFile(file, data[:10], 0o600) }, file + " has 10 bytes but the checkpoint metadata says 32768"},
		{"checksum", h, func() {
			d := bytes.Clone(data)
			d[100] ^= 1
			_ = os.WriteFile(file, d, 0o600)
		}, file + " is corrupt (checksum mismatch)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			got, err := ReadState(st, dir, tt.h)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadState = %d bytes, %v; want error %q", len(got), err, tt.want)
			}
		})
	}
}

func TestLoadCheckpointErrors(t *testing.T) {
	st := NewLocalStorage()
	root := t.TempDir()
	good := CheckpointDir(root, testJobID, 1)
	if err := WriteCheckpoint(st, good, testMeta(1, "job", 1), 100); err != nil {
		t.Fatal(err)
	}
	incomplete := CheckpointDir(root, testJobID, 2)
	if err := os.MkdirAll(incomplete, 0o700); err != nil {
		t.Fatal(err)
	}
	corrupt := CheckpointDir(root, testJobID, 3)
	if err := WriteCheckpoint(st, corrupt, testMeta(3, "job", 3), 100); err != nil {
		t.Fatal(err)
	}
	cm := filepath.Join(corrupt, MetadataFile)
	data, _ := os.ReadFile(cm)
	data[len(data)/3] ^= 0x10
	if err := os.WriteFile(cm, data, 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(root, "notes.txt")
	if err := os.WriteFile(other, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		path string
		want string
	}{
		{filepath.Join(root, "missing"), "checkpoint path " + filepath.Join(root, "missing") + " does not exist"},
		{filepath.Join(root, "missing", MetadataFile), "does not exist"},
		{incomplete, incomplete + " is not a complete checkpoint: _metadata is missing (the job may have been killed while writing it); use an older chk-<n> or 'latest'"},
		{filepath.Join(incomplete, MetadataFile), incomplete + " is not a complete checkpoint: _metadata is missing"},
		{JobDir(root, testJobID), "is a job's checkpoint directory, not a checkpoint; use one of its checkpoints (chk-1, chk-2, chk-3) or 'latest'"},
		{corrupt, cm + " is corrupt (checksum mismatch); the checkpoint cannot be used — restore from an older chk-<n>"},
		{"file://" + cm, cm + " is corrupt (checksum mismatch)"},
		{other, other + " is not a checkpoint metadata file"},
		{"gs://bucket/x", "Checkpoint storage scheme 'gs' is not supported; use s3://bucket/path"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			m, _, err := LoadCheckpoint(st, tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadCheckpoint = %v, %v; want error %q", m, err, tt.want)
			}
		})
	}
	if _, _, err := LoadCheckpoint(st, corrupt); !errors.Is(err, ErrMetadataChecksum) {
		t.Errorf("corrupt: %v is not ErrMetadataChecksum", err)
	}
}

func TestListAndFindLatest(t *testing.T) {
	st := NewLocalStorage()
	root := t.TempDir()
	jobB := "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	write := func(dir string, m *Metadata) {
		t.Helper()
		if err := WriteCheckpoint(st, dir, m, 100); err != nil {
			t.Fatal(err)
		}
	}
	write(CheckpointDir(root, testJobID, 1), testMeta(1, "q", 1000))
	write(CheckpointDir(root, testJobID, 2), testMeta(2, "q", 2000))
	if err := os.MkdirAll(CheckpointDir(root, testJobID, 3), 0o700); err != nil { // incomplete
		t.Fatal(err)
	}
	mb := testMeta(7, "other", 9000)
	mb.JobID = jobB
	write(CheckpointDir(root, jobB, 7), mb)
	// A later run of "q" (new job id) whose checkpoint is newer by time
	// but has a lower id.
	mc := testMeta(1, "q", 3000)
	mc.JobID = "cccccccccccccccccccccccccccccccc"
	write(CheckpointDir(root, mc.JobID, 1), mc)
	sp := filepath.Join(root, NewSavepointDirName(testJobID, strings.NewReader("\x00\x00\x00\x00\x00\x01")))
	ms := testMeta(5, "q", 2500)
	ms.Savepoint = true
	write(sp, ms)
	// Noise that List skips.
	for _, d := range []string{filepath.Join(root, testJobID, SharedDir), filepath.Join(root, testJobID, TaskOwnedDir), filepath.Join(root, "not-a-job")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "README"), nil, 0o600); err != nil {
		t.Fatal(err)
	}

	infos, err := List(st, root)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		job      string
		id       int64
		name     string
		complete bool
		sp       bool
	}
	var got []row
	for _, in := range infos {
		got = append(got, row{in.JobID[:3], in.ID, in.JobName, in.Complete, in.Savepoint})
		if in.Complete {
			m, _, err := LoadCheckpoint(st, in.Path)
			if err != nil {
				t.Fatal(err)
			}
			if !in.Time.Equal(time.UnixMilli(m.Timestamp)) || in.Problem != "" {
				t.Errorf("%s: Time %v, Problem %q", in.Path, in.Time, in.Problem)
			}
			var size int64
			for _, n := range dirNames(t, in.Path) {
				fi, _ := os.Stat(filepath.Join(in.Path, n))
				size += fi.Size()
			}
			if in.Size != size || size == 0 {
				t.Errorf("%s: Size %d, want %d", in.Path, in.Size, size)
			}
		} else if in.Problem != "_metadata is missing" || in.Time.IsZero() {
			t.Errorf("%s: Problem %q Time %v", in.Path, in.Problem, in.Time)
		}
	}
	want := []row{
		{"3ad", 1, "q", true, false},
		{"3ad", 2, "q", true, false},
		{"3ad", 3, "", false, false},
		{"3ad", 5, "q", true, true},
		{"bbb", 7, "other", true, false},
		{"ccc", 1, "q", true, false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("List =\n%v\nwant\n%v", got, want)
	}

	for _, tt := range []struct{ job, want string }{
		{"q", CheckpointDir(root, mc.JobID, 1)},
		{"other", CheckpointDir(root, jobB, 7)},
	} {
		if d, err := FindLatest(st, root, tt.job, false); err != nil || d.Chosen.Path != tt.want {
			t.Errorf("FindLatest(%q) = %s, %v; want %s", tt.job, d.Chosen.Path, err, tt.want)
		}
	}
	_, err = FindLatest(st, root, "nobody", false)
	if want := "No complete checkpoint of job 'nobody' found under " + root + "; check execution.checkpointing.dir"; err == nil || err.Error() != want {
		t.Errorf("FindLatest(nobody) = %v", err)
	}
	if _, err := FindLatest(st, filepath.Join(root, "missing"), "q", false); err == nil || !strings.Contains(err.Error(), "No complete checkpoint of job 'q'") {
		t.Errorf("FindLatest(missing root) = %v", err)
	}
	if _, err := List(st, filepath.Join(root, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("List(missing) = %v", err)
	}
}

// TestListCreateSubdirFalse covers chk-<n> directly under the root, and a
// corrupt _metadata reported as incomplete, which 'latest' does not skip
// silently.
func TestListCreateSubdirFalse(t *testing.T) {
	st := NewLocalStorage()
	root := t.TempDir()
	if err := WriteCheckpoint(st, filepath.Join(root, "chk-4"), testMeta(4, "q", 40), 100); err != nil {
		t.Fatal(err)
	}
	if err := WriteCheckpoint(st, filepath.Join(root, "chk-5"), testMeta(5, "q", 50), 100); err != nil {
		t.Fatal(err)
	}
	meta := filepath.Join(root, "chk-5", MetadataFile)
	if err := os.WriteFile(meta, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	infos, err := List(st, root)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 {
		t.Fatalf("List = %+v", infos)
	}
	// The incomplete one has no job id; the complete one takes it from the
	// metadata and sorts after "".
	if infos[0].ID != 5 || infos[0].Complete || !strings.Contains(infos[0].Problem, "not a checkpoint metadata file") {
		t.Errorf("corrupt entry = %+v", infos[0])
	}
	if infos[1].ID != 4 || !infos[1].Complete || infos[1].JobID != testJobID {
		t.Errorf("complete entry = %+v", infos[1])
	}
	if !infos[0].Corrupt || infos[1].Corrupt {
		t.Errorf("Corrupt = %v, %v; want true, false", infos[0].Corrupt, infos[1].Corrupt)
	}
	if _, err := FindLatest(st, root, "q", false); err == nil || !strings.Contains(err.Error(), meta+" is not a checkpoint metadata file") ||
		!strings.Contains(err.Error(), "Older complete checkpoints of the job, newest first:\n  "+filepath.Join(root, "chk-4")+"\n") {
		t.Errorf("FindLatest = %v; want an error naming %s and listing chk-4", err, meta)
	}
	if d, err := FindLatest(st, root, "q", true); err != nil || d.Chosen.Path != filepath.Join(root, "chk-4") || len(d.Broken) != 1 {
		t.Errorf("FindLatest(fallback) = %+v, %v", d, err)
	}
}

// TestFaultsKeepPreviousCheckpoint: a failed or crashed checkpoint 2 never
// hides checkpoint 1.
func TestFaultsKeepPreviousCheckpoint(t *testing.T) {
	diskFull := errors.New("no space left on device")
	tests := []struct {
		name   string
		inject func(fs *FaultStorage)
		errHas string
		// crashed: chk-2 survives as an incomplete directory.
		crashed bool
	}{
		{"state file write fails", func(fs *FaultStorage) { fs.FailWritesMatching("chk-2/", diskFull) }, "writing state file", false},
		{"metadata write fails", func(fs *FaultStorage) { fs.FailWritesMatching("chk-2/_metadata", diskFull) }, "/_metadata", false},
		{"crash before metadata rename", func(fs *FaultStorage) { fs.CrashBeforeRename("chk-2/_metadata") }, "crash before renaming", true},
		{"crash before state file rename", func(fs *FaultStorage) { fs.CrashBeforeRename("chk-2/") }, "crash before renaming", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			fs := &FaultStorage{Inner: NewLocalStorage(), Root: root}
			chk1 := CheckpointDir(root, testJobID, 1)
			chk2 := CheckpointDir(root, testJobID, 2)
			if err := WriteCheckpoint(fs, chk1, testMeta(1, "q", 1000), 100); err != nil {
				t.Fatal(err)
			}
			tt.inject(fs)
			err := WriteCheckpoint(fs, chk2, testMeta(2, "q", 2000), 100)
			if err == nil || !strings.Contains(err.Error(), tt.errHas) || !strings.Contains(err.Error(), chk2) {
				t.Fatalf("WriteCheckpoint(chk-2) = %v; want an error naming the file in %s", err, chk2)
			}
			if !tt.crashed && !errors.Is(err, diskFull) {
				t.Errorf("error %v does not wrap the cause", err)
			}
			fs.ClearFaults() // the restart

			infos, err := List(fs, root)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			var completes []bool
			for _, in := range infos {
				ids = append(ids, in.ID)
				completes = append(completes, in.Complete)
			}
			if tt.crashed {
				if !reflect.DeepEqual(ids, []int64{1, 2}) || !reflect.DeepEqual(completes, []bool{true, false}) {
					t.Errorf("List after crash: ids %v complete %v; want chk-2 incomplete", ids, completes)
				}
				if _, _, err := LoadCheckpoint(fs, chk2); err == nil || !strings.Contains(err.Error(), "is not a complete checkpoint") {
					t.Errorf("LoadCheckpoint(chk-2) = %v", err)
				}
			} else {
				if !reflect.DeepEqual(ids, []int64{1}) {
					t.Errorf("List after failure: ids %v; chk-2 must be cleaned up", ids)
				}
				if _, err := os.Stat(chk2); !os.IsNotExist(err) {
					t.Errorf("chk-2 still exists: %v", err)
				}
			}
			checkStates(t, fs, chk1, 1)
			if d, err := FindLatest(fs, root, "q", false); err != nil || d.Chosen.Path != chk1 {
				t.Errorf("FindLatest = %s, %v; want %s", d.Chosen.Path, err, chk1)
			}
			// _metadata is the last write of a checkpoint.
			ops := fs.Ops()
			meta := "create " + testJobID + "/chk-1/_metadata"
			if i := indexLastWrite(ops, testJobID+"/chk-1/"); i < 0 || ops[i] != meta {
				t.Errorf("chk-1/_metadata was not the last write of chk-1: %v", ops)
			}
		})
	}
}

func indexLastWrite(ops []string, prefix string) int {
	last := -1
	for i, op := range ops {
		if strings.HasPrefix(op, "write "+prefix) || strings.HasPrefix(op, "create "+prefix) {
			last = i
		}
	}
	return last
}
