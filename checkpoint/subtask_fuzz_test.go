package checkpoint

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flinkgo/engine/runtime/state"
)

// realMetadata returns the _metadata files of real checkpoints kept as
// seeds of FuzzDecodeMetadata (testdata/fuzz/FuzzDecodeMetadata/real-*,
// written by a group aggregation on both state backends).
func realMetadata(f *testing.F) []*Metadata {
	files, _ := filepath.Glob("testdata/fuzz/FuzzDecodeMetadata/real-*")
	var out []*Metadata
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		_, lit, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lit, "[]byte("), ")"))
		if err != nil {
			f.Fatalf("%s: %v", path, err)
		}
		m, err := DecodeMetadata([]byte(s), path)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		f.Fatal("no real _metadata seeds in testdata/fuzz/FuzzDecodeMetadata")
	}
	return out
}

// FuzzDecodeSubtaskState decodes arbitrary bytes as a subtask's entry of
// _metadata (operator state and keyed-state handle), then the handle, as
// a restore does: an error, or parts that re-encode to an entry that
// decodes to the same parts. The seeds include every subtask entry of the
// real checkpoints.
func FuzzDecodeSubtaskState(f *testing.F) {
	for _, m := range realMetadata(f) {
		for _, op := range m.Operators {
			for _, h := range op.Subtasks {
				if h.Inline != nil {
					f.Add(h.Inline)
				}
			}
		}
	}
	h := state.MarshalHandle(state.Handle{Backend: state.BackendHeap, CheckpointID: 3, KeyGroupEnd: 127,
		Files: []state.FileRef{{Ref: "chk-3/x", Name: "heap", Size: 100, CRC: 1}}})
	f.Add(encodeSubtaskState([]byte("own"), h))
	f.Add(encodeSubtaskState(nil, nil))
	f.Add([]byte{subtaskStateVersion, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		own, handle, err := decodeSubtaskState(data)
		if err != nil {
			return
		}
		if len(handle) > 0 {
			if h, err := state.UnmarshalHandle(handle); err == nil {
				for _, fr := range h.Files {
					_, _ = StatePath("/ckpt/job/chk-1", StateHandle{File: fr.Ref})
				}
			}
			_, _ = state.SharedFiles(handle)
		}
		if len(data) == 0 {
			return
		}
		own2, handle2, err := decodeSubtaskState(encodeSubtaskState(own, handle))
		if err != nil || !bytes.Equal(own, own2) || !bytes.Equal(handle, handle2) {
			t.Fatalf("re-encoding changed the entry (%v)", err)
		}
	})
}

// FuzzStatePath resolves arbitrary state file names of _metadata: an
// error, an absolute name as is, or a path inside the checkpoint
// directory or the job's shared/ directory — never elsewhere.
func FuzzStatePath(f *testing.F) {
	for _, m := range realMetadata(f) {
		for _, op := range m.Operators {
			for _, h := range op.Subtasks {
				if h.File != "" {
					f.Add(h.File)
				}
			}
		}
	}
	for _, s := range []string{"shared/abc.sst", "../x", "shared/../../x", "a/./b", ".", "", "/abs/x", "shared", "shared/", "a\\..\\b", "x/../y"} {
		f.Add(s)
	}
	const dir = "/ckpt/job/chk-7"
	f.Fuzz(func(t *testing.T, file string) {
		p, err := StatePath(dir, StateHandle{File: file})
		if err != nil || filepath.IsAbs(file) {
			return
		}
		if !strings.HasPrefix(p, dir+"/") && !strings.HasPrefix(p, "/ckpt/job/"+SharedDir+"/") {
			t.Fatalf("state file %q resolves to %s, outside %s", file, p, dir)
		}
	})
}
