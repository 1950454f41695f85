package checkpoint

import (
	"fmt"
	"slices"
	"strings"
)

// This file holds the coordinator's decisions as pure functions over
// facts: no I/O, no clocks, no goroutines.

// AckKind classifies a task's acknowledgement of a checkpoint.
type AckKind uint8

const (
	// AckSuccess is the first ack of an expected task for a pending
	// checkpoint: count it.
	AckSuccess AckKind = iota
	// AckDuplicate is a second ack of the same task for the same pending
	// checkpoint: ignore it.
	AckDuplicate
	// AckUnknown is an ack for a checkpoint never triggered, or from a task
	// the checkpoint does not wait for: ignore it (and log).
	AckUnknown
	// AckLate is an ack for a checkpoint already completed or aborted: the
	// task's state for it can be discarded.
	AckLate
)

// String returns the kind's name ("success", "duplicate", …).
func (k AckKind) String() string {
	switch k {
	case AckSuccess:
		return "success"
	case AckDuplicate:
		return "duplicate"
	case AckUnknown:
		return "unknown"
	case AckLate:
		return "late"
	}
	return fmt.Sprintf("AckKind(%d)", uint8(k))
}

// AckFacts is what the coordinator knows when an ack arrives.
type AckFacts struct {
	Pending  map[int64]map[string]bool // checkpoint -> tasks that acked
	Expected map[int64]map[string]bool // checkpoint -> tasks it waits for
	Done     map[int64]bool            // completed or aborted ids
}

// ClassifyAck says what an ack of checkpoint id by task is: Late when the
// checkpoint is already completed or aborted, Unknown when it was never
// triggered or task is not one it waits for, Duplicate when task already
// acked it, else Success. A nil f classifies everything as Unknown.
func ClassifyAck(f *AckFacts, id int64, task string) AckKind {
	if f == nil {
		return AckUnknown
	}
	if f.Done[id] {
		return AckLate
	}
	expected, ok := f.Expected[id]
	if !ok || !expected[task] {
		return AckUnknown
	}
	if f.Pending[id][task] {
		return AckDuplicate
	}
	return AckSuccess
}

// ToSubsume returns the ids of completed checkpoints to delete so that only
// the newest numRetained remain (numRetained < 1 counts as 1), oldest
// first. completed need not be sorted and is not modified; duplicates
// count once.
func ToSubsume(completed []int64, numRetained int) []int64 {
	if numRetained < 1 {
		numRetained = 1
	}
	ids := slices.Clone(completed)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) <= numRetained {
		return nil
	}
	return ids[:len(ids)-numRetained]
}

// DeleteOnEnd reports whether a job's retained checkpoints are deleted when
// the job ends as end under retention r (reference §3.4):
//
//	                              FINISHED CANCELED FAILED SUSPENDED
//	NO_EXTERNALIZED_CHECKPOINTS   delete   delete   delete delete
//	DELETE_ON_CANCELLATION        delete   delete   retain delete
//	RETAIN_ON_CANCELLATION        delete   retain   retain retain
func DeleteOnEnd(r Retention, end JobEnd) bool {
	switch end {
	case EndFinished:
		return true
	case EndCanceled:
		return r != RetainOnCancellation
	case EndFailed:
		return r != DeleteOnCancellation && r != RetainOnCancellation
	case EndSuspended:
		return r != RetainOnCancellation
	}
	return true
}

var retentionNames = [...]string{
	NoExternalizedCheckpoints: "NO_EXTERNALIZED_CHECKPOINTS",
	DeleteOnCancellation:      "DELETE_ON_CANCELLATION",
	RetainOnCancellation:      "RETAIN_ON_CANCELLATION",
}

// String returns the option value ("RETAIN_ON_CANCELLATION", …).
func (r Retention) String() string {
	if int(r) < len(retentionNames) {
		return retentionNames[r]
	}
	return fmt.Sprintf("Retention(%d)", uint8(r))
}

// ParseRetention parses a value of
// execution.checkpointing.externalized-checkpoint-retention, ignoring case
// and surrounding blanks.
func ParseRetention(s string) (Retention, error) {
	v := strings.TrimSpace(s)
	for i, name := range retentionNames {
		if strings.EqualFold(v, name) {
			return Retention(i), nil
		}
	}
	return 0, fmt.Errorf("Could not parse value '%s' for key 'execution.checkpointing.externalized-checkpoint-retention'; expected one of %s",
		s, strings.Join(retentionNames[:], ", "))
}

// String returns the job status name ("FINISHED", "CANCELED", …).
func (e JobEnd) String() string {
	switch e {
	case EndFinished:
		return "FINISHED"
	case EndCanceled:
		return "CANCELED"
	case EndFailed:
		return "FAILED"
	case EndSuspended:
		return "SUSPENDED"
	}
	return fmt.Sprintf("JobEnd(%d)", uint8(e))
}

// Candidate is a checkpoint or savepoint that a restore could use.
type Candidate struct {
	Path      string
	JobID     string
	JobName   string
	ID        int64
	Timestamp int64 // ms since epoch
	Complete  bool
}

// ChooseLatest returns the newest complete candidate (by Timestamp, then
// ID, then Path) whose JobName equals jobName, and false when there is
// none.
func ChooseLatest(cs []Candidate, jobName string) (Candidate, bool) {
	var best Candidate
	found := false
	for _, c := range cs {
		if !c.Complete || c.JobName != jobName {
			continue
		}
		if !found || newer(c, best) {
			best, found = c, true
		}
	}
	return best, found
}

func newer(a, b Candidate) bool {
	if a.Timestamp != b.Timestamp {
		return a.Timestamp > b.Timestamp
	}
	if a.ID != b.ID {
		return a.ID > b.ID
	}
	return a.Path > b.Path
}
