package state

import (
	"sort"
	"sync"
)

// SharedRegistry counts references from retained checkpoints to files in
// shared/, so the checkpoint layer deletes a shared file exactly when no
// retained checkpoint needs it any more: nothing needed is deleted, nothing
// unneeded is left behind. It does no I/O; the caller deletes what it
// returns. Safe for concurrent use.
//
// Use:
//
//   - on completion of checkpoint n, Register(n, files) with the shared
//     files of every handle in it (SharedFiles), before releasing the
//     checkpoints it subsumes;
//   - when a checkpoint is dropped (subsumed beyond num-retained, or
//     discarded), Release(n) and delete the returned files;
//   - when a checkpoint is aborted after some of its files were uploaded,
//     Discard(uploaded) and delete what it returns (files of an aborted
//     checkpoint that no registered checkpoint references);
//   - at startup (or after a restore), Register every retained checkpoint
//     (Seed), then Unreferenced(list of shared/) names the leftovers of
//     crashed attempts, which are safe to delete once no checkpoint is in
//     flight.
//
// A file referenced twice by one checkpoint counts once for it.
type SharedRegistry struct {
	mu    sync.Mutex
	refs  map[string]int            // file -> number of registered checkpoints referencing it
	files map[int64]map[string]bool // checkpoint -> its files
}

// NewSharedRegistry returns an empty registry.
func NewSharedRegistry() *SharedRegistry {
	return &SharedRegistry{refs: map[string]int{}, files: map[int64]map[string]bool{}}
}

// Register records that checkpoint id references files. Registering an id
// again adds files to it.
func (r *SharedRegistry) Register(checkpointID int64, files []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	set := r.files[checkpointID]
	if set == nil {
		set = map[string]bool{}
		r.files[checkpointID] = set
	}
	for _, f := range files {
		if !set[f] {
			set[f] = true
			r.refs[f]++
		}
	}
}

// Seed registers the retained checkpoints found at startup (id -> shared
// files).
func (r *SharedRegistry) Seed(retained map[int64][]string) {
	for id, files := range retained {
		r.Register(id, files)
	}
}

// Release drops checkpoint id and returns, sorted, the files no retained
// checkpoint references any more. Releasing an unknown id returns nothing.
func (r *SharedRegistry) Release(checkpointID int64) (deletable []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	set, ok := r.files[checkpointID]
	if !ok {
		return nil
	}
	delete(r.files, checkpointID)
	for f := range set {
		if r.refs[f]--; r.refs[f] <= 0 {
			delete(r.refs, f)
			deletable = append(deletable, f)
		}
	}
	sort.Strings(deletable)
	return deletable
}

// Discard returns, sorted and deduplicated, the files among uploaded that
// no registered checkpoint references: the uploads of an aborted
// checkpoint that may be deleted.
func (r *SharedRegistry) Discard(uploaded []string) (deletable []string) {
	return r.Unreferenced(uploaded)
}

// Unreferenced returns, sorted and deduplicated, the files among names that
// no registered checkpoint references.
func (r *SharedRegistry) Unreferenced(names []string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, f := range names {
		if r.refs[f] == 0 && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// Referenced reports whether any registered checkpoint references file.
func (r *SharedRegistry) Referenced(file string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.refs[file] > 0
}

// Checkpoints returns the registered checkpoint ids, ascending.
func (r *SharedRegistry) Checkpoints() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]int64, 0, len(r.files))
	for id := range r.files {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Files returns every referenced file, sorted.
func (r *SharedRegistry) Files() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.refs))
	for f := range r.refs {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}
