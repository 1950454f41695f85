package checkpoint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flinkgo/engine/runtime/state"
)

// keyedCheckpoint writes checkpoint id of job "q" under root whose
// operator state includes a state file (testMeta's large state) and whose
// first subtask holds a keyed-state handle listing an exclusive file and a
// shared one. It returns the checkpoint directory and the paths of the
// operator state file, the exclusive and the shared keyed file.
func keyedCheckpoint(t *testing.T, st Storage, root string, id int64) (dir, opFile, exclusive, shared string) {
	t.Helper()
	dir = CheckpointDir(root, testJobID, id)
	exclusive = filepath.Join(dir, "heap-1")
	shared = filepath.Join(JobDir(root, testJobID), SharedDir, "sst-"+string(rune('0'+id)))
	h := state.Handle{Backend: state.BackendHeap, KeyGroupEnd: 127}
	for _, f := range []struct {
		path, ref string
		shared    bool
	}{{exclusive, "heap-1", false}, {shared, SharedDir + "/" + filepath.Base(shared), true}} {
		data := []byte(strings.Repeat("keyed state of "+f.ref, 50))
		if err := st.MkdirAll(filepath.Dir(f.path)); err != nil {
			t.Fatal(err)
		}
		if err := st.WriteAtomic(f.path, data); err != nil {
			t.Fatal(err)
		}
		h.Files = append(h.Files, state.FileRef{Ref: f.ref, Name: filepath.Base(f.path), Size: int64(len(data)), CRC: Checksum(data), Shared: f.shared})
	}
	m := testMeta(id, "q", 1000*id)
	m.Operators[1].Subtasks[0] = StateHandle{Inline: encodeSubtaskState([]byte("own"), state.MarshalHandle(h))}
	if err := WriteCheckpoint(st, dir, m, 100); err != nil {
		t.Fatal(err)
	}
	for _, s := range m.Operators[1].Subtasks {
		if s.File != "" {
			opFile = filepath.Join(dir, s.File)
		}
	}
	return dir, opFile, exclusive, shared
}

func TestVerifyStates(t *testing.T) {
	flip := func(p string) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)/2] ^= 0x40
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	truncate := func(p string) {
		if err := os.Truncate(p, 10); err != nil {
			t.Fatal(err)
		}
	}
	remove := func(p string) {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		damage func(opFile, exclusive, shared string) string // returns the damaged file
		want   string
	}{
		{"intact", func(_, _, _ string) string { return "" }, ""},
		{"operator state file missing", func(o, _, _ string) string { remove(o); return o }, " of checkpoint %s is missing"},
		{"operator state file corrupt", func(o, _, _ string) string { flip(o); return o }, " is corrupt (checksum mismatch)"},
		{"keyed file missing", func(_, e, _ string) string { remove(e); return e }, " of checkpoint %s is missing"},
		{"keyed file truncated", func(_, e, _ string) string { truncate(e); return e }, " has 10 bytes but the checkpoint metadata says"},
		{"shared file corrupt", func(_, _, s string) string { flip(s); return s }, " is corrupt (checksum mismatch)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := NewLocalStorage()
			dir, opFile, exclusive, shared := keyedCheckpoint(t, st, t.TempDir(), 1)
			bad := tt.damage(opFile, exclusive, shared)
			m, mdir, err := LoadCheckpoint(st, dir)
			if err != nil {
				t.Fatal(err)
			}
			err = VerifyStates(st, mdir, m)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("VerifyStates = %v", err)
				}
				return
			}
			want := bad + strings.ReplaceAll(tt.want, "%s", dir)
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), useOlder) {
				t.Fatalf("VerifyStates = %v; want an error containing %q", err, want)
			}
		})
	}
}

// TestFindLatestBrokenStateFile: a newest checkpoint with a missing state
// file is an error listing the older one; the fallback restores the older.
// A checkpoint named explicitly fails the same way, listing the same.
func TestFindLatestBrokenStateFile(t *testing.T) {
	st := NewLocalStorage()
	root := t.TempDir()
	chk1, _, _, _ := keyedCheckpoint(t, st, root, 1)
	chk2, _, exclusive, _ := keyedCheckpoint(t, st, root, 2)
	if err := os.Remove(exclusive); err != nil {
		t.Fatal(err)
	}
	_, err := FindLatest(st, root, "q", false)
	if err == nil || !strings.Contains(err.Error(), "  "+chk2+": state file "+exclusive+" of checkpoint "+chk2+" is missing") ||
		!strings.Contains(err.Error(), "newest first:\n  "+chk1+"\n") || !strings.Contains(err.Error(), FallbackToOlderKey) {
		t.Fatalf("FindLatest = %v", err)
	}
	d, err := FindLatest(st, root, "q", true)
	if err != nil || d.Chosen.Path != chk1 || len(d.Broken) != 1 || d.Broken[0].Path != chk2 {
		t.Fatalf("FindLatest(fallback) = %+v, %v", d, err)
	}
	if n := d.FallbackNotice(); !strings.Contains(n, chk1) || !strings.Contains(n, exclusive) {
		t.Errorf("FallbackNotice = %q", n)
	}

	for _, p := range []string{chk2, filepath.Join(chk2, MetadataFile), "file://" + chk2} {
		_, _, err := LoadRestorable(st, p)
		if err == nil || !strings.Contains(err.Error(), "state file "+exclusive+" of checkpoint "+chk2+" is missing") ||
			!strings.HasSuffix(err.Error(), "Older complete checkpoints of the job, newest first:\n  "+chk1) {
			t.Errorf("LoadRestorable(%s) = %v", p, err)
		}
	}
	// A corrupt _metadata lists them too; the oldest has nothing to list.
	if err := os.WriteFile(filepath.Join(chk2, MetadataFile), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadRestorable(st, chk2); err == nil || !strings.Contains(err.Error(), "is not a checkpoint metadata file") ||
		!strings.Contains(err.Error(), "newest first:\n  "+chk1) {
		t.Errorf("LoadRestorable(corrupt) = %v", err)
	}
	if err := os.Remove(filepath.Join(chk1, "heap-1")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadRestorable(st, chk1); err == nil || strings.Contains(err.Error(), "Older complete") {
		t.Errorf("LoadRestorable(chk-1) = %v", err)
	}
	if m, _, err := LoadRestorable(st, filepath.Join(root, "nope")); err == nil || m != nil {
		t.Errorf("LoadRestorable(missing) = %v", err)
	}
}
