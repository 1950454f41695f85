package runtime

import (
	"context"
	"fmt"

	"github.com/flinkgo/engine/runtime/state"
)

// RemoteRunner runs, for a coordinating Job, the subtasks its Placement
// does not run locally: the JobManager's side of a job whose tasks live on
// TaskManagers. The coordinating Job keeps a stand-in task for each remote
// subtask, so its checkpoint bookkeeping (pending checkpoints, acks, final
// states, the final checkpoint) covers the whole job; checkpoint.Execution
// drives it unchanged.
//
// Call order: Start once, from Job.Start, after the local tasks opened;
// then Trigger and NotifyCheckpointComplete from any goroutine (a task's
// or the caller's), possibly concurrently; the runner reports through
// RemoteReports from any goroutine until it reported Exited for every
// remote subtask or Failed. When ctx (Start's) ends, the runner cancels the
// remote subtasks.
type RemoteRunner interface {
	Start(ctx context.Context, reports RemoteReports) error
	// Trigger injects barrier b at the remote sources (and remote tasks
	// waiting for a final checkpoint).
	Trigger(b Barrier) error
	NotifyCheckpointComplete(id int64)
}

// RemoteReports is how a RemoteRunner reports what the remote subtasks
// did. Every method is safe for concurrent use.
type RemoteReports interface {
	// Acknowledged delivers a remote subtask's snapshot for checkpoint id:
	// its operators' states and keyed snapshots by operator id (the keyed
	// ones are written or released by the Job's OnCheckpoint receiver).
	Acknowledged(id int64, vertex, subtask int, states map[string][]byte, keyed map[string]state.Pending)
	// Finished says a remote subtask reached its end: with its final
	// operator states, or (FinalCheckpoint) nil, the task then answering
	// checkpoints until one holding its final state completed.
	Finished(vertex, subtask int, states map[string][]byte)
	// Exited says a remote subtask's task ended for good.
	Exited(vertex, subtask int)
	// Failed fails the job (the cause names the remote process).
	Failed(err error)
}

// ForTask splits what a Job's OnCheckpoint received into one task's
// share: the states of the source and operators of subtask of v.
func (c *CheckpointStates) ForTask(v *Vertex, subtask int) (map[string][]byte, map[string]state.Pending) {
	states := map[string][]byte{}
	var keyed map[string]state.Pending
	ids := make([]string, 0, len(v.Chain)+1)
	if v.Source != nil {
		ids = append(ids, v.Source.ID)
	}
	for _, op := range v.Chain {
		ids = append(ids, op.ID)
	}
	for _, id := range ids {
		if b, ok := c.Operators[id][subtask]; ok {
			states[id] = b
		}
		if p, ok := c.Keyed[id][subtask]; ok {
			if keyed == nil {
				keyed = map[string]state.Pending{}
			}
			keyed[id] = p
		}
	}
	return states, keyed
}

// remoteReports implements RemoteReports for a coordinating Job.
type remoteReports struct{ j *Job }

func (r remoteReports) stub(vertex, subtask int) *task {
	return r.j.stubs[[2]int{vertex, subtask}] // fixed after Start: no lock
}

func (r remoteReports) Acknowledged(id int64, vertex, subtask int, states map[string][]byte, keyed map[string]state.Pending) {
	t := r.stub(vertex, subtask)
	if t == nil {
		for _, p := range keyed {
			p.Release()
		}
		r.j.Fail(fmt.Errorf("runtime: an acknowledgement of checkpoint %d came for subtask %d of vertex %d, which is not remote", id, subtask, vertex))
		return
	}
	r.j.ack(id, t, states, keyed)
}

func (r remoteReports) Finished(vertex, subtask int, states map[string][]byte) {
	t := r.stub(vertex, subtask)
	if t == nil {
		r.j.Fail(fmt.Errorf("runtime: subtask %d of vertex %d reported its end but is not remote", subtask, vertex))
		return
	}
	if !t.endOnce.CompareAndSwap(false, true) {
		return
	}
	if r.j.opts.FinalCheckpoint {
		// It stays and answers checkpoints (through the runner) until one
		// holding its final state completed, as a local task does.
		r.j.linger(t)
		return
	}
	r.j.finished(t, states)
}

func (r remoteReports) Exited(vertex, subtask int) {
	if t := r.stub(vertex, subtask); t != nil {
		t.exitOnce.Do(func() { close(t.exited) })
	}
}

func (r remoteReports) Failed(err error) { r.j.Fail(err) }
