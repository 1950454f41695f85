package checkpoint

import (
	"fmt"
	"hash/crc32"
	"io"
	"path/filepath"

	"github.com/flinkgo/engine/runtime/state"
)

// VerifyStates checks that the checkpoint in dir (as returned by
// LoadCheckpoint) whose metadata is m can be restored: every state file it
// references exists with the size and CRC32C checksum recorded for it —
// the operator state files named in m and the keyed-state files their
// handles list (in dir, or shared/ of the job directory). It reads every
// such file once, and returns the first problem, naming the file and what
// is wrong. Subtask states that hold no keyed-state handle have nothing
// more to check.
func VerifyStates(st Storage, dir string, m *Metadata) error {
	checked := map[string]bool{} // keyed-state files, shared by subtasks and operators
	for _, op := range m.Operators {
		for _, h := range op.Subtasks {
			blob, err := ReadState(st, dir, h)
			if err != nil {
				return err
			}
			_, handle, err := decodeSubtaskState(blob)
			if err != nil || len(handle) == 0 {
				continue
			}
			hd, err := state.UnmarshalHandle(handle)
			if err != nil {
				return fmt.Errorf("the keyed state of %s in %s is corrupt: %v; %s", opLabel(&op), filepath.Join(dir, MetadataFile), err, useOlder)
			}
			for _, f := range hd.Files {
				if checked[f.Ref] {
					continue
				}
				checked[f.Ref] = true
				if err := verifyKeyedFile(st, dir, f); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// verifyKeyedFile streams one keyed-state file of the checkpoint in dir and
// compares its size and CRC32C with its handle's.
func verifyKeyedFile(st Storage, dir string, f state.FileRef) error {
	p, err := StatePath(dir, StateHandle{File: f.Ref})
	if err != nil {
		return err
	}
	r, err := st.Open(p)
	if err != nil {
		return stateFileReadError(p, dir, err)
	}
	defer r.Close()
	h := crc32.New(castagnoli)
	n, err := io.Copy(h, r)
	if err != nil {
		return stateFileReadError(p, dir, err)
	}
	return checkStateFile(p, n, h.Sum32(), f.Size, f.CRC)
}
