package checkpoint

import (
	"fmt"
	"slices"
	"strings"
)

// This file holds the coordinator's decisions as pure functions over
// facts: no I/O, no clocks, no goroutines.

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
