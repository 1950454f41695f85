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
//
// A partitioned table replaces only the partitions the job writes rows
// into, as Flink's PartitionLoader does: each writer removes the old files
// of the partition directories it wrote. A static partition
// (INSERT OVERWRITE t PARTITION (k='v') ...) that receives no rows keeps its
// files, as in Flink for a filesystem table (no metastore lists it).

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
	old := map[string][]string{}
	if err := s.listVisible(s.path, "", len(s.partKeys), old); err != nil {
		return nil, err
	}
	return &sink{table: s.table, fileSize: s.fileSize, rollover: s.rollover, inactivity: s.inactivity,
		parallelism: s.parallelism, exactlyOnce: s.exactlyOnce, prefix: "part-" + NewUUID(),
		overwrite: true, overwritten: old, commit: s.commit}, nil
}

// listVisible records the visible files of the partition directories
// depth levels below dir (rel is dir relative to the table path) in old.
func (s *sink) listVisible(dir, rel string, depth int, old map[string][]string) error {
	entries, err := s.fs.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("filesystem sink of table %s: cannot list %s: %w", s.name, dir, err)
	}
	for _, e := range entries {
		if hidden(e.Name()) {
			continue
		}
		switch {
		case depth == 0 && !e.IsDir():
			old[rel] = append(old[rel], filepath.Join(dir, e.Name()))
		case depth > 0 && e.IsDir():
			r := e.Name()
			if rel != "" {
				r = rel + "/" + r
			}
			if err := s.listVisible(filepath.Join(dir, e.Name()), r, depth-1, old); err != nil {
				return err
			}
		}
	}
	return nil
}

// removeOverwritten removes the files an INSERT OVERWRITE replaces: all
// of an unpartitioned table's, the written partitions' of a partitioned one.
func (w *writer) removeOverwritten() error {
	if !w.sink.overwrite {
		return nil
	}
	r := w.sink.fs.(Remover)
	remove := func(files []string) error {
		for _, name := range files {
			if err := r.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("filesystem sink of table %s: INSERT OVERWRITE cannot remove %s: %w", w.sink.name, name, err)
			}
		}
		return nil
	}
	if len(w.sink.partKeys) == 0 {
		return remove(w.sink.overwritten[""])
	}
	for _, bk := range w.order {
		if err := remove(w.sink.overwritten[bk.dir]); err != nil {
			return err
		}
	}
	return nil
}
