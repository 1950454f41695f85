package checkpoint

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// This file decides what execution.state-recovery.path = 'latest' restores,
// as pure functions over facts about the checkpoint directories (gathered
// by FindLatest): no I/O.
//
// The rule: 'latest' restores the newest checkpoint of the job, or fails.
// Restoring an older checkpoint than the newest completed one would make
// sinks write again what they committed after it (an exactly-once sink ends
// up with duplicates), so a newer checkpoint that exists but cannot be
// restored (its _metadata corrupt, a state file missing or corrupt) is an
// error, unless the user allowed falling back with FallbackToOlderKey.
//
// A chk-<n> directory without _metadata is not such a checkpoint: _metadata
// is written last and atomically, and sinks commit a checkpoint only after
// it is written, so a directory without one is a checkpoint that never
// completed (the job died while writing it) and nothing was committed from
// it. It is ignored, as Flink does. (A _metadata deleted by hand after the
// checkpoint completed looks the same and cannot be told apart.)

// FallbackToOlderKey is the session option that lets 'latest' restore an
// older checkpoint when the newest one cannot be restored (not in Flink,
// which has no 'latest').
const FallbackToOlderKey = "execution.state-recovery.latest.fallback-to-older"

// Candidate is what is known about one checkpoint or savepoint directory
// that 'latest' could restore.
type Candidate struct {
	Path  string
	JobID string // "" when unknown (an unreadable _metadata outside a job directory)
	// JobName is the job's pipeline.name; meaningless when NameUnknown.
	JobName string
	// NameUnknown: the _metadata cannot be read, so the name is not known
	// (DecideLatest takes it from a readable checkpoint of the same JobID).
	NameUnknown bool
	ID          int64
	Timestamp   int64 // ms since epoch: the metadata's, else the directory's modification time
	// Complete: the directory holds a _metadata (readable or not).
	Complete bool
	// Problem says why a complete candidate cannot be restored, naming the
	// file (corrupt _metadata, a missing or corrupt state file); "" when
	// it can, as far as known.
	Problem string
}

// LatestDecision is what a restore of job JobName from 'latest' found
// under Root.
type LatestDecision struct {
	Root, JobName string
	// Chosen is the job's newest checkpoint that can be restored, if Found.
	Chosen Candidate
	Found  bool
	// Broken are the job's checkpoints that cannot be restored and are
	// newer than Chosen (all of them when !Found), newest first. Those with
	// NameUnknown may belong to another job.
	Broken []Candidate
	// Older are the job's other checkpoints that can be restored as far as
	// known (FindLatest checks the state files of Chosen only), all older
	// than Chosen, newest first.
	Older []Candidate
}

// DecideLatest sorts the candidates of the job named jobName under root.
// Directories without _metadata are ignored. A candidate whose name is
// unknown takes the name of a readable checkpoint of the same job id; when
// there is none it counts as possibly this job's, so it can only make the
// decision stricter. cs is not modified.
func DecideLatest(cs []Candidate, root, jobName string) LatestDecision {
	names := map[string]string{} // job id -> name, from readable metadata
	for _, c := range cs {
		if c.Complete && !c.NameUnknown && c.JobID != "" {
			names[c.JobID] = c.JobName
		}
	}
	d := LatestDecision{Root: root, JobName: jobName}
	var broken []Candidate
	for _, c := range cs {
		if !c.Complete {
			continue
		}
		if name, ok := names[c.JobID]; c.NameUnknown && ok {
			c.JobName, c.NameUnknown = name, false
		}
		switch {
		case !c.NameUnknown && c.JobName != jobName:
		case c.Problem != "" || c.NameUnknown:
			broken = append(broken, c)
		case !d.Found || newer(c, d.Chosen):
			if d.Found {
				d.Older = append(d.Older, d.Chosen)
			}
			d.Chosen, d.Found = c, true
		default:
			d.Older = append(d.Older, c)
		}
	}
	for _, b := range broken {
		if !d.Found || laterThan(b, d.Chosen) {
			d.Broken = append(d.Broken, b)
		}
	}
	newestFirst := func(a, b Candidate) int {
		switch {
		case newer(a, b):
			return -1
		case newer(b, a):
			return 1
		}
		return 0
	}
	slices.SortFunc(d.Older, newestFirst)
	slices.SortFunc(d.Broken, newestFirst)
	return d
}

// newer orders candidates by Timestamp, then ID, then Path.
func newer(a, b Candidate) bool {
	if a.Timestamp != b.Timestamp {
		return a.Timestamp > b.Timestamp
	}
	if a.ID != b.ID {
		return a.ID > b.ID
	}
	return a.Path > b.Path
}

// laterThan reports whether b was written after c: by checkpoint id within
// one job id (its Timestamp may be only a directory's modification time),
// else as newer.
func laterThan(b, c Candidate) bool {
	if b.JobID != "" && b.JobID == c.JobID {
		return b.ID > c.ID
	}
	return newer(b, c)
}

// Err says why Chosen cannot be restored for 'latest', or nil when it can:
// nothing restorable was found, or a newer checkpoint of the job is broken
// and fallback (FallbackToOlderKey) is not set. The error names every
// broken checkpoint and what is wrong with it, lists the older ones that
// can be restored and says what to do. With fallback, FallbackNotice tells
// the user what was skipped.
func (d LatestDecision) Err(fallback bool) error {
	switch {
	case !d.Found && len(d.Broken) == 0:
		return fmt.Errorf("No complete checkpoint of job '%s' found under %s; check execution.checkpointing.dir", d.JobName, d.Root)
	case !d.Found:
		return fmt.Errorf("Cannot restore job '%s' from 'latest': no checkpoint of it under %s can be restored:\n%s"+
			"Repair or remove them, or run the job without execution.state-recovery.path to start from scratch.",
			d.JobName, d.Root, d.brokenLines())
	case len(d.Broken) == 0 || fallback:
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Cannot restore job '%s' from 'latest': its newest %s cannot be restored:\n%s", d.JobName, plural(len(d.Broken), "checkpoint"), d.brokenLines())
	b.WriteString("Older complete checkpoints of the job, newest first:\n")
	for _, c := range append([]Candidate{d.Chosen}, d.Older...) {
		fmt.Fprintf(&b, "  %s\n", c.Path)
	}
	fmt.Fprintf(&b, "Restoring an older checkpoint makes sinks write again what they committed after it (exactly-once sinks then hold duplicates), so it is not done silently. "+
		"Set 'execution.state-recovery.path' to one of them, or set '%s' = 'true' to restore the newest of them, or repair the broken %s.",
		FallbackToOlderKey, plural(len(d.Broken), "checkpoint"))
	return errors.New(b.String())
}

// FallbackNotice is the warning logged when 'latest' falls back to Chosen
// past broken newer checkpoints; "" when it did not.
func (d LatestDecision) FallbackNotice() string {
	if !d.Found || len(d.Broken) == 0 {
		return ""
	}
	return fmt.Sprintf("[WARN] Restoring job '%s' from the older checkpoint %s because '%s' is true; its newer %s cannot be restored:\n%s"+
		"[WARN] Sinks write again what they committed after %s (exactly-once sinks then hold duplicates).",
		d.JobName, d.Chosen.Path, FallbackToOlderKey, plural(len(d.Broken), "checkpoint"), d.brokenLines(), d.Chosen.Path)
}

// brokenLines lists the broken checkpoints, one "  <path>: <problem>" line
// each.
func (d LatestDecision) brokenLines() string {
	var b strings.Builder
	for _, c := range d.Broken {
		fmt.Fprintf(&b, "  %s: %s", c.Path, c.Problem)
		if c.NameUnknown {
			b.WriteString(" (its job cannot be read from it, so it may be a checkpoint of this job)")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// plural returns word, with an s when n > 1.
func plural(n int, word string) string {
	if n > 1 {
		return word + "s"
	}
	return word
}
