package checkpoint

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/flinkgo/engine/runtime/state"
)

// A subtask's entry in _metadata holds two parts: the bytes its operator
// returned from SnapshotState and the marshalled handle of its keyed state
// backend (files in chk-<n>/ and shared/). Layout: version byte 1, uvarint
// length + operator bytes, uvarint length + handle.
const subtaskStateVersion = 1

func encodeSubtaskState(own, handle []byte) []byte {
	b := make([]byte, 0, 1+2*binary.MaxVarintLen64+len(own)+len(handle))
	b = append(b, subtaskStateVersion)
	b = binary.AppendUvarint(b, uint64(len(own)))
	b = append(b, own...)
	b = binary.AppendUvarint(b, uint64(len(handle)))
	return append(b, handle...)
}

var errSubtaskState = errors.New("checkpoint: malformed subtask state")

func decodeSubtaskState(b []byte) (own, handle []byte, err error) {
	if len(b) == 0 {
		return nil, nil, nil
	}
	if b[0] != subtaskStateVersion {
		return nil, nil, fmt.Errorf("%w: unknown version %d", errSubtaskState, b[0])
	}
	b = b[1:]
	part := func() ([]byte, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return nil, false
		}
		p := b[k : k+int(n)]
		b = b[k+int(n):]
		return p, true
	}
	var ok1, ok2 bool
	own, ok1 = part()
	handle, ok2 = part()
	if !ok1 || !ok2 || len(b) != 0 {
		return nil, nil, errSubtaskState
	}
	if len(own) == 0 {
		own = nil
	}
	return own, handle, nil
}

// keyedWriter stores the files of keyed-state snapshots for one
// checkpoint: exclusive files in its directory, shared files in the job's
// shared/ directory (or, for a self-contained savepoint, in its own
// directory). It remembers the shared files it uploaded, so an aborted
// checkpoint can delete the ones nobody references.
type keyedWriter struct {
	st        Storage
	dir       string // chk-<n>/ or the savepoint directory
	sharedDir string // "" for a savepoint: shared files become exclusive
	canonical bool   // a CANONICAL savepoint (state.FormatChooser)
	mu        sync.Mutex
	known     map[string]bool // names present in shared/ when listed
	uploaded  []string
	written   atomic.Int64 // bytes this checkpoint wrote (its incremental size)
}

var _ state.SnapshotWriter = (*keyedWriter)(nil)

func newKeyedWriter(st Storage, dir, sharedDir string) *keyedWriter {
	w := &keyedWriter{st: st, dir: dir, sharedDir: sharedDir, known: map[string]bool{}}
	if sharedDir != "" {
		if es, err := st.List(sharedDir); err == nil {
			for _, e := range es {
				w.known[e.Name] = true
			}
		}
	}
	return w
}

// CanonicalSnapshot implements state.FormatChooser.
func (w *keyedWriter) CanonicalSnapshot() bool { return w.canonical }

func (w *keyedWriter) WriteExclusive(data io.Reader) (string, int64, error) {
	if err := w.st.MkdirAll(w.dir); err != nil {
		return "", 0, err
	}
	name := newStateFileName()
	n, err := w.st.WriteAtomicFrom(path.Join(w.dir, name), data)
	if err != nil {
		return "", 0, fmt.Errorf("writing state file %s: %w", path.Join(w.dir, name), err)
	}
	w.written.Add(n)
	return name, n, nil
}

func (w *keyedWriter) WriteShared(name string, data io.Reader) (string, int64, error) {
	if strings.ContainsAny(name, "/\\") || name == "" || name == "." || name == ".." {
		return "", 0, fmt.Errorf("checkpoint: invalid shared state file name %q", name)
	}
	if w.sharedDir == "" {
		return w.WriteExclusive(data) // savepoints are self-contained
	}
	if err := w.st.MkdirAll(w.sharedDir); err != nil {
		return "", 0, err
	}
	n, err := w.st.WriteAtomicFrom(path.Join(w.sharedDir, name), data)
	if err != nil {
		return "", 0, fmt.Errorf("writing shared state file %s: %w", path.Join(w.sharedDir, name), err)
	}
	w.written.Add(n)
	ref := SharedDir + "/" + name
	w.mu.Lock()
	w.known[name] = true
	w.uploaded = append(w.uploaded, ref)
	w.mu.Unlock()
	return ref, n, nil
}

func (w *keyedWriter) SharedExists(name string) bool {
	if w.sharedDir == "" {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.known[name]
}

// NewKeyedReader returns the reader of the keyed state files a checkpoint
// or savepoint in dir references (what a remote subtask restores with,
// given Attempt.RestoreDir).
func NewKeyedReader(st Storage, dir string) state.SnapshotReader {
	return &keyedReader{st: st, dir: dir}
}

// keyedReader opens the files a restored handle references, relative to
// the checkpoint directory (shared/ names resolve into its job directory).
type keyedReader struct {
	st  Storage
	dir string
}

var _ state.SnapshotReader = (*keyedReader)(nil)

// Location implements state.Locator.
func (r *keyedReader) Location() string { return DisplayPath(r.dir) }

func (r *keyedReader) Open(ref string) (io.ReadCloser, error) {
	p, err := StatePath(r.dir, StateHandle{File: ref})
	if err != nil {
		return nil, err
	}
	f, err := r.st.Open(p)
	if err != nil {
		return nil, fmt.Errorf("state file %s of checkpoint %s: %w", p, r.dir, err)
	}
	return f, nil
}

// WriteKeyed writes keyed snapshots of some subtasks to t: what a
// TaskManager does for its subtasks of a checkpoint the JobManager
// coordinates (Attempt.Target), which then acknowledges the returned
// marshalled handles by operator id and subtask. Every snapshot is written
// or, after the first failure, released.
func WriteKeyed(st Storage, t KeyedTarget, keyed map[string]map[int]state.Pending) (map[string]map[int][]byte, error) {
	w := newKeyedWriter(st, t.Dir, t.SharedDir)
	w.canonical = t.Canonical
	out := map[string]map[int][]byte{}
	var firstErr error
	for op, subs := range keyed {
		for sub, p := range subs {
			if firstErr != nil {
				p.Release()
				continue
			}
			h, err := p.Write(w)
			if err != nil {
				firstErr = fmt.Errorf("writing the keyed state of operator %s (subtask %d): %w", op, sub, err)
				continue
			}
			if out[op] == nil {
				out[op] = map[int][]byte{}
			}
			out[op][sub] = state.MarshalHandle(h)
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}
