package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Placement runs a Job on only some subtasks of its graph: this process's
// share of a job spread over several processes (TaskManagers). The other
// subtasks run in other processes, each in a Job of its own over the same
// graph with a complementary Placement; records, watermarks, barriers and
// ends of input between a local and a remote subtask travel over the
// RemoteExchange, in band and in order per channel, so barrier alignment,
// watermarks and end of input work across processes exactly as within one.
//
// Checkpoints: TriggerCheckpoint injects barriers into the local sources
// only, and a checkpoint completes locally (OnCheckpoint with the local
// subtasks' states) once every local task acknowledged it; the caller
// combines the acknowledgements of every process and notifies each Job
// (NotifyCheckpointComplete). A Job without a Placement runs every subtask.
type Placement struct {
	// Local reports whether subtask of vertex runs in this Job.
	Local func(vertex, subtask int) bool
	// Exchange connects local subtasks to remote ones.
	Exchange RemoteExchange
	// Remote, when set, makes this Job the coordinator of the whole job:
	// it runs every subtask that is not local (remote.go). Without it the
	// Job is one of several peers, each driven from outside.
	Remote RemoteRunner
}

// RemoteExchange opens the channels between local and remote subtasks.
// Start calls it from one goroutine, once per channel, before the tasks
// run: OpenOutput for every local producer subtask and remote consumer
// subtask of an edge (by index in JobGraph.Edges), OpenInput for every
// remote producer and local consumer. The channel (edge, producer,
// consumer) must be the same one on both sides; its messages arrive in the
// order they were sent, the last one being MsgEndOfInput.
type RemoteExchange interface {
	OpenOutput(edge, producer, consumer int, meter BlockMeter) (RemoteOutput, error)
	OpenInput(edge, producer, consumer int) (RemoteInput, error)
}

// RemoteOutput is the sending end of a channel to a remote subtask. Send
// is called by the producing task's goroutine only; it blocks while the
// receiver grants no credit (backpressure, reported to the BlockMeter)
// and returns once the message no longer references the batch.
type RemoteOutput interface {
	Send(ctx context.Context, m Message) error
}

// RemoteInput is the receiving end of a channel from a remote subtask.
// Next is called by one goroutine; it returns the messages in order, then
// io.EOF after MsgEndOfInput. The returned batch belongs to the caller.
type RemoteInput interface {
	Next(ctx context.Context) (Message, error)
}

// BlockMeter is told when a remote Send starts and stops waiting: the
// task's back-pressured time.
type BlockMeter interface {
	BeginBlocked()
	EndBlocked()
}

// ioBlockMeter counts a task's remote sends waiting for credit as
// back-pressured time.
type ioBlockMeter struct{ io *taskIO }

func (m ioBlockMeter) BeginBlocked() { m.io.backPressured.begin(monoNow()) }
func (m ioBlockMeter) EndBlocked()   { m.io.backPressured.end(monoNow()) }

// local reports whether the Job runs subtask s of vertex v.
func (j *Job) local(v, s int) bool {
	p := j.opts.Placement
	return p == nil || p.Local == nil || p.Local(v, s)
}

// remoteInput feeds a local task's input channel ch from a remote producer.
type remoteInput struct {
	task  *task
	ch    int
	in    RemoteInput
	label string // "edge 2, subtask 1 -> 0" for errors
}

// run moves messages from the remote channel into the task's inbox until
// end of input. The inbox's bound holds the remote producer back through
// the exchange's credits.
func (r *remoteInput) run(ctx context.Context) error {
	for {
		m, err := r.in.Next(ctx)
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("input %s ended without end of input", r.label)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("input %s: %w", r.label, err)
		}
		select {
		case r.task.in.c <- envelope{ch: r.ch, msg: m}:
		case <-ctx.Done():
			return ctx.Err()
		}
		if m.Kind == MsgEndOfInput {
			return nil
		}
	}
}
