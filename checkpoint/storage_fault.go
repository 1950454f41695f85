package checkpoint

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
)

// FaultStorage wraps a Storage for tests (in any package): it records every
// operation and can inject faults into writes. Set Inner (and optionally
// Root) before use; configure faults at any time. It is safe for
// concurrent use.
//
// A crash injected by CrashBeforeRename also "kills the process": from
// then on every operation fails with ErrCrashed (so no cleanup runs), until
// ClearFaults, which plays the restart.
//
// Operations are recorded as "<op> <path>" with op one of mkdir, write,
// read, list, remove, removeall, rename ("rename <from> -> <to>"). When
// Root is set, paths under it are recorded relative to it with slashes
// ("write <job-id>/chk-1/_metadata"), otherwise as given. Faults match on
// the full path as given.
type FaultStorage struct {
	Inner Storage
	// Root, when set, makes Ops record paths relative to it.
	Root string

	mu      sync.Mutex
	ops     []string
	fails   []writeFault
	crashes []string
	crashed bool
}

// ErrCrashed is returned by every FaultStorage operation after an injected
// crash, until ClearFaults.
var ErrCrashed = errors.New("storage unavailable: the process crashed (injected fault)")

type writeFault struct {
	substr string
	err    error
}

var _ Storage = (*FaultStorage)(nil)

// NewFaultStorage wraps inner.
func NewFaultStorage(inner Storage) *FaultStorage { return &FaultStorage{Inner: inner} }

// Ops returns a copy of the operations recorded so far, in order.
func (f *FaultStorage) Ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ops...)
}

// ResetOps forgets the operations recorded so far.
func (f *FaultStorage) ResetOps() {
	f.mu.Lock()
	f.ops = nil
	f.mu.Unlock()
}

// FailWritesMatching makes every later WriteAtomic of a path containing
// substr fail with err, writing nothing ("" matches every path).
func (f *FaultStorage) FailWritesMatching(substr string, err error) {
	f.mu.Lock()
	f.fails = append(f.fails, writeFault{substr, err})
	f.mu.Unlock()
}

// CrashBeforeRename makes every later WriteAtomic of a path containing
// substr behave as if the process died between writing the temp file and
// renaming it: the temp file "<path>.tmp-<random>" is left behind, path is
// not created, an error is returned, and every later operation fails with
// ErrCrashed until ClearFaults.
func (f *FaultStorage) CrashBeforeRename(substr string) {
	f.mu.Lock()
	f.crashes = append(f.crashes, substr)
	f.mu.Unlock()
}

// ClearFaults removes all injected faults and ends a crash (the restart).
func (f *FaultStorage) ClearFaults() {
	f.mu.Lock()
	f.fails, f.crashes, f.crashed = nil, nil, false
	f.mu.Unlock()
}

// Crashed reports whether an injected crash happened since the last
// ClearFaults.
func (f *FaultStorage) Crashed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.crashed
}

// record notes an operation and returns ErrCrashed after a crash.
func (f *FaultStorage) record(op string, paths ...string) error {
	parts := make([]string, len(paths))
	for i, p := range paths {
		parts[i] = f.rel(p)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, op+" "+strings.Join(parts, " -> "))
	if f.crashed {
		return ErrCrashed
	}
	return nil
}

func (f *FaultStorage) rel(p string) string {
	if f.Root == "" {
		return p
	}
	r, err := filepath.Rel(f.Root, p)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return p
	}
	return filepath.ToSlash(r)
}

// MkdirAll records and forwards.
func (f *FaultStorage) MkdirAll(dir string) error {
	if err := f.record("mkdir", dir); err != nil {
		return err
	}
	return f.Inner.MkdirAll(dir)
}

// Open records and forwards.
func (f *FaultStorage) Open(path string) (io.ReadCloser, error) {
	if err := f.record("open", path); err != nil {
		return nil, err
	}
	return f.Inner.Open(path)
}

// WriteAtomicFrom reads r whole and behaves as WriteAtomic (faults apply).
func (f *FaultStorage) WriteAtomicFrom(path string, r io.Reader) (int64, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return 0, err
	}
	if err := f.WriteAtomic(path, data); err != nil {
		return 0, err
	}
	return int64(len(data)), nil
}

// WriteAtomic records, applies injected faults, and forwards.
func (f *FaultStorage) WriteAtomic(path string, data []byte) error {
	return f.write("write", path, data, f.Inner.WriteAtomic)
}

// CreateExclusive records, applies injected faults, and forwards.
func (f *FaultStorage) CreateExclusive(path string, data []byte) error {
	return f.write("create", path, data, f.Inner.CreateExclusive)
}

// write applies the injected faults to one write of path by do.
func (f *FaultStorage) write(op, path string, data []byte, do func(string, []byte) error) error {
	if err := f.record(op, path); err != nil {
		return err
	}
	f.mu.Lock()
	var failErr error
	failed, crash := false, false
	for _, w := range f.fails {
		if strings.Contains(path, w.substr) {
			failed, failErr = true, w.err
			break
		}
	}
	if !failed {
		for _, s := range f.crashes {
			if strings.Contains(path, s) {
				crash = true
				break
			}
		}
	}
	if crash {
		f.crashed = true
	}
	f.mu.Unlock()
	switch {
	case failed:
		if failErr == nil {
			failErr = fmt.Errorf("injected write fault on %s", path)
		}
		return failErr
	case crash:
		tmp := path + ".tmp-" + randomHex(8)
		if err := f.Inner.WriteAtomic(tmp, data); err != nil {
			return err
		}
		return fmt.Errorf("injected crash before renaming %s to %s: %w", tmp, path, ErrCrashed)
	}
	return do(path, data)
}

// ReadFile records and forwards.
func (f *FaultStorage) ReadFile(path string) ([]byte, error) {
	if err := f.record("read", path); err != nil {
		return nil, err
	}
	return f.Inner.ReadFile(path)
}

// List records and forwards.
func (f *FaultStorage) List(dir string) ([]Entry, error) {
	if err := f.record("list", dir); err != nil {
		return nil, err
	}
	return f.Inner.List(dir)
}

// Remove records and forwards.
func (f *FaultStorage) Remove(path string) error {
	if err := f.record("remove", path); err != nil {
		return err
	}
	return f.Inner.Remove(path)
}

// RemoveAll records and forwards.
func (f *FaultStorage) RemoveAll(path string) error {
	if err := f.record("removeall", path); err != nil {
		return err
	}
	return f.Inner.RemoveAll(path)
}

// Rename records and forwards.
func (f *FaultStorage) Rename(from, to string) error {
	if err := f.record("rename", from, to); err != nil {
		return err
	}
	return f.Inner.Rename(from, to)
}
