package checkpoint

import (
	"cmp"
	"errors"
	"fmt"
	"github.com/flinkgo/engine/runtime/state"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Info describes one checkpoint or savepoint directory found by List.
type Info struct {
	Path    string    // the chk-<n> or savepoint-… directory
	JobID   string    // from the directory name (checkpoints) or the metadata
	JobName string    // from the metadata; "" when incomplete
	ID      int64     // checkpoint id (from the directory name or the metadata)
	Time    time.Time // the metadata timestamp, or the directory's mod time
	Size    int64     // total bytes of the directory's files
	// SharedSize is the bytes of the shared/ files (incremental state) the
	// checkpoint references; they may be shared with other checkpoints.
	SharedSize int64
	Complete   bool   // _metadata present and decodes
	Corrupt    bool   // _metadata present but unreadable or corrupt (Problem says why)
	Savepoint  bool   // a savepoint-… directory
	Problem    string // why it is not complete ("" when Complete)
}

// List walks a checkpoint root: <root>/<32-hex job-id>/chk-<n>, chk-<n>
// directly under root (execution.checkpointing.create-subdir=false) and
// <root>/savepoint-…. A checkpoint is Complete when its _metadata exists
// and decodes. Directories that vanish while listing (a concurrent
// subsume) are left out. The result is sorted by JobID, then ID, then
// Path. A missing root is an error satisfying os.IsNotExist.
func List(st Storage, root string) ([]Info, error) {
	entries, err := st.List(root)
	if err != nil {
		return nil, fmt.Errorf("cannot list checkpoint directory %s: %w", root, err)
	}
	var out []Info
	for _, e := range entries {
		if !e.IsDir {
			continue
		}
		p := filepath.Join(root, e.Name)
		if id, ok := ParseCheckpointDirName(e.Name); ok {
			if info, ok, err := inspect(st, p, e.ModTime, "", id, false); err != nil {
				return nil, err
			} else if ok {
				out = append(out, info)
			}
			continue
		}
		if IsSavepointDirName(e.Name) {
			if info, ok, err := inspect(st, p, e.ModTime, "", 0, true); err != nil {
				return nil, err
			} else if ok {
				out = append(out, info)
			}
			continue
		}
		if !IsJobID(e.Name) {
			continue
		}
		chks, err := st.List(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("cannot list job checkpoint directory %s: %w", p, err)
		}
		for _, c := range chks {
			id, ok := ParseCheckpointDirName(c.Name)
			if !ok || !c.IsDir {
				continue
			}
			info, ok, err := inspect(st, filepath.Join(p, c.Name), c.ModTime, e.Name, id, false)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, info)
			}
		}
	}
	slices.SortFunc(out, func(a, b Info) int {
		return cmp.Or(cmp.Compare(a.JobID, b.JobID), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Path, b.Path))
	})
	return out, nil
}

// inspect describes one checkpoint directory; ok is false when it vanished.
func inspect(st Storage, dir string, modTime time.Time, jobID string, id int64, savepoint bool) (Info, bool, error) {
	info := Info{Path: dir, JobID: jobID, ID: id, Time: modTime, Savepoint: savepoint}
	files, err := st.List(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Info{}, false, nil
		}
		return Info{}, false, fmt.Errorf("cannot list checkpoint %s: %w", dir, err)
	}
	hasMeta := false
	for _, f := range files {
		if !f.IsDir {
			info.Size += f.Size
		}
		if f.Name == MetadataFile && !f.IsDir {
			hasMeta = true
			if info.Time.IsZero() {
				// Object stores give directories no time: a checkpoint
				// completed when its _metadata was written.
				info.Time = f.ModTime
			}
		}
	}
	if !hasMeta {
		info.Problem = MetadataFile + " is missing"
		return info, true, nil
	}
	data, err := st.ReadFile(filepath.Join(dir, MetadataFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Info{}, false, nil
		}
		info.Problem, info.Corrupt = err.Error(), true
		return info, true, nil
	}
	m, err := DecodeMetadata(data, filepath.Join(dir, MetadataFile))
	if err != nil {
		info.Problem, info.Corrupt = err.Error(), true
		return info, true, nil
	}
	info.Complete = true
	info.JobName = m.JobName
	info.SharedSize = sharedSize(st, dir, m)
	if info.JobID == "" {
		info.JobID = m.JobID
	}
	if savepoint {
		info.ID = m.CheckpointID
	}
	if m.Timestamp != 0 {
		info.Time = time.UnixMilli(m.Timestamp)
	}
	return info, true, nil
}

// sharedSize sums the sizes of the shared files a checkpoint's keyed-state
// handles reference (each counted once); unreadable parts count as zero.
func sharedSize(st Storage, dir string, m *Metadata) int64 {
	seen := map[string]bool{}
	for _, op := range m.Operators {
		for _, h := range op.Subtasks {
			blob, err := ReadState(st, dir, h)
			if err != nil {
				continue
			}
			_, handle, err := decodeSubtaskState(blob)
			if err != nil {
				continue
			}
			files, _ := state.SharedFiles(handle)
			for _, f := range files {
				seen[f] = true
			}
		}
	}
	if len(seen) == 0 {
		return 0
	}
	sizes := map[string]int64{}
	if es, err := st.List(filepath.Join(filepath.Dir(dir), SharedDir)); err == nil {
		for _, e := range es {
			sizes[SharedDir+"/"+e.Name] = e.Size
		}
	}
	var n int64
	for f := range seen {
		n += sizes[f]
	}
	return n
}
