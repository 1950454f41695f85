package checkpoint

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// FindLatest resolves 'latest' for the job named jobName under root: it
// lists the checkpoints and savepoints (List), checks the state files of
// the newest one that looks restorable (VerifyStates) and, if that fails,
// of the next, and lets DecideLatest and LatestDecision.Err decide.
// On success the decision's Chosen.Path is the checkpoint to restore; when
// fallback allowed skipping broken newer checkpoints, FallbackNotice says
// which. The error of a broken newest checkpoint names its file, what is
// wrong, the older checkpoints and what to do.
func FindLatest(st Storage, root, jobName string, fallback bool) (LatestDecision, error) {
	infos, err := List(st, root)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return LatestDecision{}, err
	}
	cs := make([]Candidate, len(infos))
	index := make(map[string]int, len(infos))
	for i, in := range infos {
		cs[i] = candidateOf(in)
		index[in.Path] = i
	}
	verified := map[string]bool{}
	for {
		d := DecideLatest(cs, root, jobName)
		if !d.Found || verified[d.Chosen.Path] {
			return d, d.Err(fallback)
		}
		verified[d.Chosen.Path] = true
		if err := verifyCheckpoint(st, d.Chosen.Path); err != nil {
			cs[index[d.Chosen.Path]].Problem = err.Error()
		}
	}
}

// candidateOf turns what List found into the facts DecideLatest uses.
func candidateOf(in Info) Candidate {
	c := Candidate{Path: in.Path, JobID: in.JobID, JobName: in.JobName, ID: in.ID, Timestamp: in.Time.UnixMilli(),
		Complete: in.Complete || in.Corrupt}
	if in.Corrupt {
		c.Problem, c.NameUnknown = in.Problem, true
	}
	return c
}

// verifyCheckpoint loads the checkpoint at path and checks its state files.
func verifyCheckpoint(st Storage, path string) error {
	m, dir, err := LoadCheckpoint(st, path)
	if err != nil {
		return err
	}
	return VerifyStates(st, dir, m)
}

// LoadRestorable is LoadCheckpoint followed by VerifyStates, for a
// checkpoint the user named. When it fails and p is (or is in) a chk-<n>
// directory of a job directory, the error lists the job's older complete
// checkpoints, which could be restored instead.
func LoadRestorable(st Storage, p string) (*Metadata, string, error) {
	m, dir, err := LoadCheckpoint(st, p)
	if err == nil {
		err = VerifyStates(st, dir, m)
	}
	if err == nil {
		return m, dir, nil
	}
	if older := olderCheckpoints(st, p); len(older) > 0 {
		err = fmt.Errorf("%w\nOlder complete checkpoints of the job, newest first:\n  %s", err, strings.Join(older, "\n  "))
	}
	return nil, "", err
}

// olderCheckpoints returns the complete checkpoints of the job directory
// that holds the chk-<n> directory p names (or is in) whose ids are below
// n, newest first.
func olderCheckpoints(st Storage, p string) []string {
	abs, err := ParseURI(p)
	if err != nil {
		return nil
	}
	if filepath.Base(abs) == MetadataFile {
		abs = filepath.Dir(abs)
	}
	id, ok := ParseCheckpointDirName(filepath.Base(abs))
	jobDir := filepath.Dir(abs)
	if !ok || !IsJobID(filepath.Base(jobDir)) {
		return nil
	}
	infos, err := List(st, jobDir)
	if err != nil {
		return nil
	}
	slices.SortFunc(infos, func(a, b Info) int { return cmp.Compare(b.ID, a.ID) })
	var out []string
	for _, in := range infos {
		if in.Complete && !in.Savepoint && in.ID < id && filepath.Dir(in.Path) == jobDir {
			out = append(out, in.Path)
		}
	}
	return out
}
