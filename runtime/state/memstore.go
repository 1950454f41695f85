package state

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
)

// MemoryStore is an in-memory checkpoint store: a SnapshotWriter (recording
// what each call wrote) and a SnapshotReader over the same files. Tests of
// stateful operators snapshot and restore through it without a checkpoint
// directory. Safe for concurrent use.
type MemoryStore struct {
	mu        sync.Mutex
	files     map[string][]byte
	seq       int
	exclusive []string // refs written by WriteExclusive, in order
	shared    []string // names written by WriteShared, in order
	bytes     int64    // total bytes written
	seekable  bool     // Open returns an io.Seeker too
}

type seekableReader struct {
	*bytes.Reader
	io.Closer
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{files: map[string][]byte{}} }

func (m *MemoryStore) WriteExclusive(r io.Reader) (string, int64, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return "", 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	ref := fmt.Sprintf("chk/%06d", m.seq)
	m.files[ref] = data
	m.exclusive = append(m.exclusive, ref)
	m.bytes += int64(len(data))
	return ref, int64(len(data)), nil
}

func (m *MemoryStore) WriteShared(name string, r io.Reader) (string, int64, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return "", 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ref := "shared/" + name
	if _, dup := m.files[ref]; dup {
		return "", 0, fmt.Errorf("shared file %s written twice", name)
	}
	m.files[ref] = data
	m.shared = append(m.shared, name)
	m.bytes += int64(len(data))
	return ref, int64(len(data)), nil
}

func (m *MemoryStore) SharedExists(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.files["shared/"+name]
	return ok
}

func (m *MemoryStore) Open(ref string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.files[ref]
	if !ok {
		return nil, &os.PathError{Op: "open", Path: ref, Err: os.ErrNotExist}
	}
	if m.seekable {
		return seekableReader{bytes.NewReader(data), io.NopCloser(nil)}, nil
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// Files returns a copy of the stored files by ref.
func (m *MemoryStore) Files() map[string][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string][]byte, len(m.files))
	for k, v := range m.files {
		out[k] = v
	}
	return out
}

// SetFile replaces (or adds) the file ref, e.g. to damage a checkpoint.
func (m *MemoryStore) SetFile(ref string, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[ref] = data
}

// Delete removes the file ref (as the checkpoint layer deletes files no
// retained checkpoint references).
func (m *MemoryStore) Delete(ref string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, ref)
}

var (
	_ SnapshotWriter = (*MemoryStore)(nil)
	_ SnapshotReader = (*MemoryStore)(nil)
)
