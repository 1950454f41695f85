package checkpoint

import (
	"errors"
	"fmt"
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
// checkpoint src, when it is a checkpoint (chk-<n>) of another job.
func (e *Execution) fenceRestored(src *RestoreSource) {
	if src.Meta.Savepoint || src.Meta.JobID == e.ID || !strings.HasPrefix(filepath.Base(src.Dir), "chk-") {
		return
	}
	jobDir := filepath.Dir(src.Dir)
	msg := fmt.Sprintf("job %s restored from %s at %s\n", e.ID, DisplayPath(src.Dir), time.Now().UTC().Format(time.RFC3339))
	if err := src.Storage.WriteAtomic(filepath.Join(jobDir, SupersededFile), []byte(msg)); err != nil {
		e.logf("[WARN] Could not mark job %s as superseded (%v): if its process is still alive it can still complete checkpoints.", src.Meta.JobID, err)
	}
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
