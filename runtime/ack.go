package runtime

import "fmt"

// AckKind classifies a task's acknowledgement of a checkpoint.
type AckKind uint8

const (
	// AckSuccess is the first ack of an expected task for a pending
	// checkpoint: its state is kept.
	AckSuccess AckKind = iota
	// AckDuplicate is a second ack of the same task for the same pending
	// checkpoint: ignored.
	AckDuplicate
	// AckUnknown is an ack for a checkpoint never triggered, or from a task
	// the checkpoint does not wait for: ignored.
	AckUnknown
	// AckLate is an ack for a checkpoint already completed or aborted: its
	// state is discarded.
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

// ackFacts is what the job knows when an ack of a checkpoint arrives.
type ackFacts struct {
	pending       bool  // the checkpoint is pending
	lastTriggered int64 // newest checkpoint id triggered (ids only grow)
	expected      bool  // the pending checkpoint waits for (or waited for) the task
	acked         bool  // the task already acknowledged it
}

// classifyAck is the decision, a pure function: Late for a checkpoint
// triggered before and no longer pending (completed or aborted), Unknown
// for one never triggered or a task it does not expect, Duplicate for a
// second ack, else Success.
func classifyAck(id int64, f ackFacts) AckKind {
	switch {
	case !f.pending && id > 0 && id <= f.lastTriggered:
		return AckLate
	case !f.pending || !f.expected:
		return AckUnknown
	case f.acked:
		return AckDuplicate
	}
	return AckSuccess
}
