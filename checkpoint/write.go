package checkpoint

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// DefaultInlineThreshold is execution.checkpointing.data-inline-threshold's
// default (20 kb): subtask states up to this size stay inside _metadata.
const DefaultInlineThreshold = 20 * 1024

// WriteCheckpoint writes one checkpoint or savepoint into dir (a chk-<n>
// or savepoint-… directory, created if missing).
//
// The subtask states of m arrive Inline. Every Inline longer than
// inlineThreshold bytes (a negative threshold counts as 0) goes to its own
// file with a random UUID-like name in dir, written atomically, and its
// handle becomes a File handle (name relative to dir, Size, CRC32C
// Checksum). Handles that already name a File (e.g. "shared/…") are kept
// as they are. _metadata is written last, atomically, so the checkpoint is
// complete exactly when WriteCheckpoint returns nil.
//
// On success m.Version is CurrentVersion and m.Operators holds the final
// handles (new slices; the caller's handle slices are not modified). On
// error m is unchanged, dir is removed (best effort) and the error names
// the file that failed. WriteCheckpoint refuses to write into a directory
// that already holds a complete checkpoint (and leaves it alone); files
// already in dir (keyed-state files of this checkpoint) are kept.
func WriteCheckpoint(st Storage, dir string, m *Metadata, inlineThreshold int) error {
	if inlineThreshold < 0 {
		inlineThreshold = 0
	}
	entries, err := st.List(dir)
	switch {
	case err == nil:
		for _, e := range entries {
			if e.Name == MetadataFile {
				return fmt.Errorf("cannot write checkpoint %d to %s: the directory already holds a complete checkpoint", m.CheckpointID, dir)
			}
		}
		// Other files are this checkpoint's keyed-state files, written
		// before (see PrepareCheckpointDir for leftovers of dead attempts).
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("cannot write checkpoint %d to %s: %w", m.CheckpointID, dir, err)
	}

	fail := func(err error) error {
		_ = st.RemoveAll(dir)
		return err
	}
	if err := st.MkdirAll(dir); err != nil {
		return fail(fmt.Errorf("cannot write checkpoint %d: creating directory %s: %w", m.CheckpointID, dir, err))
	}

	out := *m
	out.Version = CurrentVersion
	out.Operators = nil
	if m.Operators != nil {
		out.Operators = make([]OperatorState, len(m.Operators))
	}
	for i, op := range m.Operators {
		if op.Subtasks != nil {
			op.Subtasks = append([]StateHandle(nil), op.Subtasks...)
		}
		for j := range op.Subtasks {
			h := &op.Subtasks[j]
			if h.File != "" || len(h.Inline) <= inlineThreshold {
				continue
			}
			name := newStateFileName()
			path := filepath.Join(dir, name)
			if err := st.WriteAtomic(path, h.Inline); err != nil {
				return fail(fmt.Errorf("cannot write checkpoint %d: writing state file %s (operator %s, subtask %d): %w",
					m.CheckpointID, path, opLabel(&op), j, err))
			}
			*h = StateHandle{File: name, Size: int64(len(h.Inline)), Checksum: Checksum(h.Inline)}
		}
		out.Operators[i] = op
	}

	path := filepath.Join(dir, MetadataFile)
	if err := st.CreateExclusive(path, EncodeMetadata(&out)); err != nil {
		if errors.Is(err, os.ErrExist) {
			// Another writer completed this checkpoint first: it is theirs,
			// and so are the files in dir; leave them.
			return fmt.Errorf("cannot write checkpoint %d: %s was completed by another writer meanwhile (a second process running the same job?): %w",
				m.CheckpointID, DisplayPath(dir), err)
		}
		return fail(fmt.Errorf("cannot write checkpoint %d: writing %s: %w", m.CheckpointID, DisplayPath(path), err))
	}
	*m = out
	return nil
}

// opLabel names an operator for error messages: "Name (id)" or the id.
func opLabel(op *OperatorState) string {
	if op.Name == "" {
		return op.OperatorID
	}
	return op.Name + " (" + op.OperatorID + ")"
}

// PrepareCheckpointDir readies dir for a new checkpoint: a directory left
// by an attempt that died before its _metadata is removed; one holding a
// complete checkpoint is an error.
func PrepareCheckpointDir(st Storage, dir string) error {
	entries, err := st.List(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name == MetadataFile {
			return fmt.Errorf("cannot write a checkpoint to %s: the directory already holds a complete checkpoint", dir)
		}
	}
	if len(entries) > 0 {
		return st.RemoveAll(dir)
	}
	return nil
}
