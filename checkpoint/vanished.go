package checkpoint

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ensureJobDir runs before checkpoint id is written. The job's checkpoint
// directory (<root>/<job-id>, created with shared/ and taskowned/ when the
// job started) may have been deleted from outside while the job runs,
// taking every checkpoint written so far with it; writing chk-<id> would
// silently recreate it. Instead this warns once per disappearance — the
// directory, and that only checkpoints written from now on can be restored
// — and recreates its layout. A job directory without taskowned/ (which
// the job never removes) counts as vanished too: it was deleted while a
// checkpoint was being written, whose write recreated it. The error is a
// directory that could not be recreated, or the job's fence (fence.go).
func (e *Execution) ensureJobDir(id int64) error {
	jobDir := JobDir(e.root, e.ID)
	entries, err := e.cfg.Storage.List(jobDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil // unreadable: writing the checkpoint will say why
	}
	if err := e.checkFence(entries); err != nil {
		return err
	}
	for _, en := range entries {
		if en.Name == TaskOwnedDir && en.IsDir {
			return nil
		}
	}
	e.logf("[WARN] The checkpoint directory %s of job %s vanished while the job was running (deleted from outside the job?). "+
		"The checkpoints written before are gone: a restore, also from 'latest', will only find checkpoints completed from now on "+
		"(and until one completes, a restart after a failure may not find the state files of the last one). "+
		"Recreating the directory to write checkpoint %d.", jobDir, e.ID, id)
	for _, sub := range []string{SharedDir, TaskOwnedDir} {
		if err := e.cfg.Storage.MkdirAll(filepath.Join(jobDir, sub)); err != nil {
			return fmt.Errorf("cannot recreate the vanished checkpoint directory %s: %w", jobDir, err)
		}
	}
	return nil
}
