package checkpoint

import (
	"time"

	"github.com/flinkgo/engine/runtime"
)

// The checkpoint history of an Execution, for monitoring (Flink's
// CheckpointStatsTracker behind /jobs/:jobid/checkpoints): the last
// HistorySize checkpoints and savepoints in a bounded ring, counters over
// the job's whole life, the newest completed / failed checkpoint and
// savepoint (kept when the ring dropped them), and the newest restore.
//
// Recording happens where the coordinator decides (mayTrigger, savepoint:
// IN_PROGRESS; persistOne: COMPLETED; abort, supersede: FAILED; a restart
// or the end of the job: FAILED for what is still in progress). Every
// record* method is called with e.mu held; History copies under it. The
// data path is not involved.

// DefaultHistorySize is web.checkpoints.history's default.
const DefaultHistorySize = 10

// CheckpointStatus is a checkpoint's status in the history.
type CheckpointStatus string

const (
	CheckpointInProgress CheckpointStatus = "IN_PROGRESS"
	CheckpointCompleted  CheckpointStatus = "COMPLETED"
	CheckpointFailed     CheckpointStatus = "FAILED"
)

// Failure messages of checkpoints that did not fail by themselves
// (Flink's CheckpointFailureReason messages).
const (
	failedByRestart = "Checkpoint Coordinator is suspending."
	failedByEnd     = "CheckpointCoordinator shutdown."
)

// CheckpointRecord is one checkpoint or savepoint of the history.
type CheckpointRecord struct {
	ID        int64
	Savepoint bool
	Stop      bool // a stop-with-savepoint (Flink's SYNC_SAVEPOINT)
	Status    CheckpointStatus
	// Trigger is when it was triggered; End when it completed or failed
	// (zero while in progress).
	Trigger, End time.Time
	// Duration is trigger to durable (completed) or to the failure.
	Duration time.Duration
	Size     int64 // state bytes of a completed one
	// Checkpointed is what a completed one wrote (its files and metadata);
	// less than Size when it references files of earlier checkpoints
	// (incremental Pebble, changelog).
	Checkpointed int64
	Path         string // display path of a completed one
	Failure      string // why it failed
}

// RestoreRecord is a restore: at the start from a checkpoint or savepoint,
// or after a failure from the latest completed checkpoint.
type RestoreRecord struct {
	ID        int64
	Savepoint bool
	Path      string // display path
	At        time.Time
}

// CheckpointHistory is a copy of an Execution's checkpoint history.
type CheckpointHistory struct {
	// Records are the newest HistorySize checkpoints and savepoints,
	// newest first.
	Records []CheckpointRecord
	// Counts over the job's life; InProgress is the number in flight now.
	Completed, Failed int64
	InProgress        int
	Restored          int64
	// The newest of each kind, nil if none (not necessarily still in
	// Records).
	LatestCompleted, LatestFailed, LatestSavepoint *CheckpointRecord
	LatestRestore                                  *RestoreRecord
}

// history is the state behind CheckpointHistory; guarded by Execution.mu.
type history struct {
	size    int
	ring    []CheckpointRecord // oldest first, at most size
	counts  CheckpointHistory  // counters and latest pointers only
	restore *RestoreRecord     // what a restart restores: the newest completed checkpoint
	// failedBefore is, for each checkpoint a restart failed, the latest
	// failure before it; revived are those that completed after all.
	failedBefore map[int64]*CheckpointRecord
	revived      map[int64]bool
}

// find returns the record of checkpoint id still in the ring, or nil.
func (h *history) find(id int64) *CheckpointRecord {
	for i := len(h.ring) - 1; i >= 0; i-- {
		if h.ring[i].ID == id {
			return &h.ring[i]
		}
	}
	return nil
}

// recordTrigger adds checkpoint or savepoint id as in progress.
func (h *history) recordTrigger(id int64, at time.Time, sp savepointSpec, savepoint bool) {
	if h.size <= 0 {
		h.size = DefaultHistorySize
	}
	if len(h.ring) >= h.size {
		// Drop the oldest that ended; one in progress stays until it ends
		// (the ring grows past size only with more in flight than size).
		for i := range h.ring {
			if h.ring[i].Status != CheckpointInProgress {
				h.ring = append(h.ring[:i], h.ring[i+1:]...)
				break
			}
		}
	}
	h.ring = append(h.ring, CheckpointRecord{ID: id, Savepoint: savepoint, Stop: sp.stop, Status: CheckpointInProgress, Trigger: at})
	h.counts.InProgress++
}

// recordCompleted marks id completed. A checkpoint an ended attempt left
// in flight was marked failed at the restart; if it completes after all,
// it counts as completed.
func (h *history) recordCompleted(id int64, now time.Time, size, checkpointed int64, path string) {
	r := h.find(id)
	if r == nil {
		return
	}
	switch r.Status {
	case CheckpointInProgress:
		h.counts.InProgress--
	case CheckpointFailed:
		if r.Failure != failedByRestart {
			return
		}
		h.counts.Failed--
		h.revived[id] = true
		if h.counts.LatestFailed != nil && h.counts.LatestFailed.ID == id {
			// Back to the newest failure before it that stayed failed.
			prev := h.failedBefore[id]
			for prev != nil && h.revived[prev.ID] {
				prev = h.failedBefore[prev.ID]
			}
			h.counts.LatestFailed = prev
		}
	default:
		return
	}
	r.Status, r.End, r.Duration, r.Size, r.Path, r.Failure = CheckpointCompleted, now, now.Sub(r.Trigger), size, path, ""
	r.Checkpointed = checkpointed
	h.counts.Completed++
	c := *r
	if r.Savepoint {
		h.counts.LatestSavepoint = &c
	} else {
		h.counts.LatestCompleted = &c
		h.restore = &RestoreRecord{ID: id, Path: path}
	}
}

// recordFailed marks id failed with msg if it is in progress.
func (h *history) recordFailed(id int64, now time.Time, msg string) {
	r := h.find(id)
	if r == nil || r.Status != CheckpointInProgress {
		return
	}
	h.counts.InProgress--
	r.Status, r.End, r.Duration, r.Failure = CheckpointFailed, now, now.Sub(r.Trigger), msg
	h.counts.Failed++
	if msg == failedByRestart {
		if h.failedBefore == nil {
			h.failedBefore, h.revived = map[int64]*CheckpointRecord{}, map[int64]bool{}
		}
		h.failedBefore[id] = h.counts.LatestFailed
	}
	c := *r
	h.counts.LatestFailed = &c
}

// failInProgress marks everything still in progress failed with msg.
func (h *history) failInProgress(now time.Time, msg string) {
	for i := range h.ring {
		if h.ring[i].Status == CheckpointInProgress {
			h.recordFailed(h.ring[i].ID, now, msg)
		}
	}
}

// recordRestore counts a restore.
func (h *history) recordRestore(r RestoreRecord) {
	h.counts.Restored++
	h.counts.LatestRestore = &r
}

// copy returns the history, newest first.
func (h *history) copy() CheckpointHistory {
	out := h.counts
	out.Records = make([]CheckpointRecord, 0, len(h.ring))
	for i := len(h.ring) - 1; i >= 0; i-- {
		out.Records = append(out.Records, h.ring[i])
	}
	clone := func(r *CheckpointRecord) *CheckpointRecord {
		if r == nil {
			return nil
		}
		c := *r
		return &c
	}
	out.LatestCompleted, out.LatestFailed, out.LatestSavepoint = clone(out.LatestCompleted), clone(out.LatestFailed), clone(out.LatestSavepoint)
	if out.LatestRestore != nil {
		r := *out.LatestRestore
		out.LatestRestore = &r
	}
	return out
}

// History returns a copy of the checkpoint history (see CheckpointHistory).
func (e *Execution) History() CheckpointHistory {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.hist.copy()
}

// TaskMetrics samples the tasks of the current attempt (runtime
// Job.TaskMetrics); nil before the first attempt started. Between
// attempts it samples the attempt that ended.
func (e *Execution) TaskMetrics() []runtime.TaskMetrics {
	e.mu.Lock()
	job := e.current
	e.mu.Unlock()
	if job == nil {
		return nil
	}
	return job.TaskMetrics()
}
