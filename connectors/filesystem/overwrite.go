package filesystem

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/flinkgo/engine/connectors"
)

// INSERT OVERWRITE (batch mode, Flink's SupportsOverwrite): the files
// visible in the table's directory when the INSERT is planned are removed
// when the job's input ends (each writer's Finish removes them, ignoring
// files another writer already removed), so after the job the directory
// holds the new files only. A job that fails before its end leaves the old
// files in place. Hidden files (in-progress, ".", "_") are left alone.

// Remover is an optional ability of an FS: removing a file.
type Remover interface {
	Remove(name string) error
}

// Remove removes a file of the local file system.
func (OSFS) Remove(name string) error { return os.Remove(name) }

// WithOverwrite returns the sink of an INSERT OVERWRITE into the table.
func (s *sink) WithOverwrite() (connectors.Sink, error) {
	if _, ok := s.fs.(Remover); !ok {
		return nil, fmt.Errorf("filesystem sink of table %s: the file system cannot remove files, which INSERT OVERWRITE needs", s.name)
	}
	entries, err := s.fs.ReadDir(s.path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("filesystem sink of table %s: cannot list %s: %w", s.name, s.path, err)
	}
	var old []string
	for _, e := range entries {
		if !e.IsDir() && !hidden(e.Name()) {
			old = append(old, filepath.Join(s.path, e.Name()))
		}
	}
	return &sink{table: s.table, fileSize: s.fileSize, rollover: s.rollover, inactivity: s.inactivity,
		parallelism: s.parallelism, exactlyOnce: s.exactlyOnce, prefix: "part-" + NewUUID(),
		overwrite: true, overwritten: old}, nil
}

// removeOverwritten removes the files an INSERT OVERWRITE replaces.
func (w *writer) removeOverwritten() error {
	if !w.sink.overwrite {
		return nil
	}
	r := w.sink.fs.(Remover)
	for _, name := range w.sink.overwritten {
		if err := r.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("filesystem sink of table %s: INSERT OVERWRITE cannot remove %s: %w", w.sink.name, name, err)
		}
	}
	return nil
}
