package checkpoint

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Fencing zombies. A job restored from a checkpoint of another job (the
// same script started again after a crash) runs under a new job id; the
// old process may not be dead — paused (SIGSTOP, a frozen VM, a long GC),
// partitioned, or a copy nobody stopped. If it resumed it would complete
// checkpoints of its own, commit what its sinks wrote since the checkpoint
// the new job restored from (duplicates), and subsume and delete files.
//
// The restored job writes a fence, <root>/<old-job-id>/_superseded, naming
// itself. The old job reads its job directory before every checkpoint
// (ensureJobDir lists it anyway) and again after its _metadata is written
// and before any sink is told the checkpoint completed; a fence stops it
// for good: the checkpoint is not counted, no sink commits, nothing is
// deleted, and the job fails without a restart, saying which job
// superseded it. What remains is the window between that second check and
// the notification, a few instructions long.

// SupersededFile is the fence a restore writes into the job directory of
// the checkpoint it restores from.
const SupersededFile = "_superseded"

// ErrSuperseded marks the failure of a job whose checkpoints another job
// restored from.
var ErrSuperseded = errors.New("superseded")

// fenceRestored writes the fence into the job directory of the restored
// checkpoint src, when it is a checkpoint (chk-<n>) of another job. The
// fence is created exclusively: when one is there already, another job
// restored from the same job before — one that crashed, one that is paused,
// or one starting right now from the same 'latest' — and it is fenced too,
// down the chain, so that of several restores of one checkpoint the last
// one wins and the others stop at their next checkpoint. If such a job
// completed a checkpoint of its own meanwhile (it ran, its sinks may have
// committed past src), a restore that 'latest' picked fails: started
// again, 'latest' finds the newer checkpoint. A checkpoint the user named
// is restored as asked, with a warning.
func (e *Execution) fenceRestored(src *RestoreSource) error {
	if src.Meta.Savepoint || src.Meta.JobID == e.ID || !strings.HasPrefix(filepath.Base(src.Dir), "chk-") {
		return nil
	}
	jobDir := filepath.Dir(src.Dir)
	root := filepath.Dir(jobDir)
	msg := fmt.Sprintf("job %s restored from %s at %s\n", e.ID, DisplayPath(src.Dir), time.Now().UTC().Format(time.RFC3339))
	seen := map[string]bool{src.Meta.JobID: true, e.ID: true}
	// moved reports a job of the chain that completed a checkpoint after it
	// restored from src: an error for a restore 'latest' picked.
	moved := func(dir string) error {
		n, ok := completedIn(src.Storage, dir)
		if !ok {
			return nil
		}
		if src.Latest {
			return fmt.Errorf("job %s restored from %s too and has completed checkpoint %d since: this restore would go back in time and repeat what its sinks committed; start again to restore from the newer checkpoint ('latest' picks it)",
				filepath.Base(dir), DisplayPath(src.Dir), n)
		}
		e.logf("[WARN] Job %s restored from %s before and completed checkpoint %d since; restoring the older checkpoint as asked (what its sinks committed after it may appear twice).", filepath.Base(dir), DisplayPath(src.Dir), n)
		return nil
	}
	for dir, first := jobDir, true; ; first = false {
		if !first {
			// Before fencing: a job that moved on is left running.
			if err := moved(dir); err != nil {
				return err
			}
		}
		// A job that restored a moment ago may not have made its
		// directory yet; it finds the fence there when it does.
		err := src.Storage.MkdirAll(dir)
		if err == nil {
			err = src.Storage.CreateExclusive(filepath.Join(dir, SupersededFile), []byte(msg))
		}
		if err != nil && !errors.Is(err, os.ErrExist) {
			e.logf("[WARN] Could not mark job %s as superseded (%v): if its process is still alive it can still complete checkpoints.", filepath.Base(dir), err)
			return nil
		}
		if err == nil {
			if !first {
				// It may have completed one between the check and the
				// fence (it checks its fence after writing _metadata and
				// before its sinks commit, so once fenced it commits no more).
				return moved(dir)
			}
			return nil
		}
		// Another job restored from this one before: fence it as well.
		old, _ := src.Storage.ReadFile(filepath.Join(dir, SupersededFile))
		other := supersededBy(string(old))
		if other == "" || seen[other] || !IsJobID(other) {
			return nil
		}
		seen[other] = true
		dir = JobDir(root, other)
	}
}

// supersededBy is the job id a fence names ("job <id> restored from ...").
func supersededBy(fence string) string {
	f := strings.Fields(fence)
	if len(f) >= 2 && f[0] == "job" {
		return f[1]
	}
	return ""
}

// completedIn returns the highest completed checkpoint (with _metadata)
// in a job directory.
func completedIn(st Storage, jobDir string) (int64, bool) {
	entries, err := st.List(jobDir)
	if err != nil {
		return 0, false
	}
	var best int64
	found := false
	for _, en := range entries {
		n, ok := ParseCheckpointDirName(en.Name)
		if !ok || n < best {
			continue
		}
		files, err := st.List(filepath.Join(jobDir, en.Name))
		if err != nil {
			continue
		}
		for _, f := range files {
			if f.Name == MetadataFile {
				best, found = n, true
			}
		}
	}
	return best, found
}

// checkFence returns a superseded error when the job's directory holds a
// fence; entries is its listing, nil to list it now.
func (e *Execution) checkFence(entries []Entry) error {
	jobDir := JobDir(e.root, e.ID)
	if entries == nil {
		var err error
		if entries, err = e.cfg.Storage.List(jobDir); err != nil {
			return nil // unreadable or vanished: the writes will say
		}
	}
	for _, en := range entries {
		if en.Name != SupersededFile {
			continue
		}
		by, _ := e.cfg.Storage.ReadFile(filepath.Join(jobDir, SupersededFile))
		return fmt.Errorf("job %s was %w by %s: this process stops it without completing its checkpoints, committing its sinks or deleting files (another process restored its checkpoint while this one was paused or cut off)",
			e.ID, ErrSuperseded, strings.TrimSpace(string(by)))
	}
	return nil
}
