// Package runtime executes physical stream graphs: tasks, exchanges,
// watermarks, barriers and the operator lifecycle.
//
// # Messages
//
// What flows between tasks is a closed set of messages (Message): a batch of
// rows, a watermark, a checkpoint barrier, or end of input. Nothing else
// travels on the data path.
//
// # Operator lifecycle
//
// For every operator instance the task calls, from one goroutine and never
// concurrently:
//
//	Open
//	{ ProcessBatch | ProcessWatermark | SnapshotState | NotifyCheckpointComplete }*
//	Finish        (only when all inputs ended; flush buffered output here)
//	Close         (always, also after a failure or cancel; release resources)
//
// SnapshotState is called when a barrier has been received on every input
// (aligned) and before the barrier is forwarded; the operator writes its
// state synchronously. The operators of a chain are snapshotted head to
// tail, so rows an operator emits from SnapshotState (a mini-batch
// aggregation flushing its bundle) reach the operators after it before
// their snapshots and travel downstream ahead of the barrier: they belong
// to the checkpoint (after Finish a task still snapshots its final state;
// nothing may be emitted then, as the outputs have ended). Operators emit
// rows and watermarks only through the Output handed to them in Open.
//
// # Ownership
//
// A batch passed to ProcessBatch is borrowed for the duration of the call:
// the operator may read it and may forward it unchanged to Output.Emit (which
// passes ownership downstream), but must not keep references after
// returning unless it forwarded it. Batches given to Output.Emit belong to
// the receiver; the emitter must not touch them again.
//
// # Sources
//
// A SourceReader is polled by its task: Poll returns at most one batch and
// must return within a few milliseconds (report SourceIdle when nothing is
// available) so barriers and cancellation are observed promptly.
package runtime

import (
	"context"
	"time"

	"github.com/flinkgo/engine/runtime/state"

	"github.com/flinkgo/engine/runtime/types"
)

// MessageKind tags a Message.
type MessageKind uint8

const (
	MsgBatch MessageKind = iota
	MsgWatermark
	MsgBarrier
	MsgEndOfInput
)

// Barrier is a checkpoint barrier travelling in band.
type Barrier struct {
	CheckpointID int64
	Timestamp    int64 // ms since epoch at trigger time
	Savepoint    bool
	Drain        bool // sources emit the final watermark before the barrier
}

// Message is the unit sent over channels between tasks.
type Message struct {
	Kind      MessageKind
	Batch     *types.Batch
	Watermark int64 // event-time ms
	Barrier   Barrier
	// Idle (with MsgWatermark) marks the sending input idle: it holds back
	// no watermark until it sends data or a watermark again.
	Idle bool
}

// MinWatermark is the watermark before any event time is known.
const MinWatermark int64 = -1 << 63

// MaxWatermark is the final watermark emitted when an input ends.
const MaxWatermark int64 = 1<<63 - 1

// Output is where an operator or source emits its results. Implementations
// are owned by the task; Emit must not be called after Close.
type Output interface {
	// Emit sends a batch downstream; ownership moves to the receiver.
	Emit(b *types.Batch) error
	// EmitWatermark advances event time downstream.
	EmitWatermark(wm int64) error
}

// OperatorContext describes where an operator instance runs.
type OperatorContext struct {
	Ctx         context.Context
	OperatorID  string // stable id, see planner
	Name        string
	Subtask     int // 0-based
	Parallelism int
	MaxParallel int
	Metrics     *OperatorMetrics
	Clock       Clock
	// Restore. When the job starts from a checkpoint or savepoint,
	// RestoredStates holds what every subtask of this operator wrote in
	// SnapshotState there (index = old subtask; nil entries for subtasks
	// without state), and StateRestore is this subtask's own entry when the
	// parallelism did not change (nil otherwise). An operator whose state
	// can be redistributed (keyed state by key group, source splits as a
	// union) reads RestoredStates and keeps its share; one that cannot must
	// fail in Open with an error naming itself when the parallelism changed.
	StateRestore   []byte
	RestoredStates [][]byte
	// KeyedState returns this instance's keyed state backend (package
	// runtime/state), creating it on the first call — already restored when
	// the job starts from a checkpoint, at any parallelism. Call it in Open
	// and register every state there. The runtime owns the backend: it
	// snapshots it at each barrier (after SnapshotState), forwards
	// checkpoint completion to it and closes it after Close. Nil in tests
	// that run an operator without a runtime.
	KeyedState func() (state.KeyedBackend, error)
	// SourceSplits is set for the operators chained behind a source whose
	// reader is SplitAware (nil otherwise): a watermark assigner uses it to
	// keep one watermark per split, as Flink's per-partition watermarks.
	SourceSplits SplitAware
	// FinalCheckpoint is set when checkpointing is on: after Finish the
	// task snapshots once more and waits for a checkpoint holding that
	// final state to complete, so a two-phase-commit sink must not make
	// anything visible in Finish — it pre-commits in that last
	// SnapshotState and commits in NotifyCheckpointComplete (FLIP-147).
	FinalCheckpoint bool
}

// Operator processes batches from one or more inputs. See the package
// documentation for the call order.
type Operator interface {
	Open(ctx *OperatorContext, out Output) error
	// ProcessBatch handles one batch from input (0 for single-input operators).
	ProcessBatch(input int, b *types.Batch) error
	// ProcessWatermark handles the combined watermark of all inputs; the
	// operator fires timers and must forward a watermark downstream.
	ProcessWatermark(wm int64) error
	// SnapshotState returns the operator's state for checkpoint id (nil if stateless).
	SnapshotState(checkpointID int64) ([]byte, error)
	// NotifyCheckpointComplete tells the operator checkpoint id is durable.
	NotifyCheckpointComplete(checkpointID int64) error
	// Finish is called after every input ended; flush and emit what is left.
	Finish() error
	Close() error
}

// SourceStatus is what Poll reports besides a batch.
type SourceStatus uint8

const (
	SourceMore SourceStatus = iota // batch returned (maybe nil); poll again at once
	SourceIdle                     // nothing now; the task backs off briefly
	SourceEnd                      // bounded input is exhausted; no more batches
)

// SourceReader reads one subtask's share of a source.
type SourceReader interface {
	Open(ctx *OperatorContext) error
	// Poll returns the next batch (or nil) and the status.
	Poll() (*types.Batch, SourceStatus, error)
	// SnapshotState returns the reader's position for checkpoint id.
	SnapshotState(checkpointID int64) ([]byte, error)
	NotifyCheckpointComplete(checkpointID int64) error
	Close() error
}

// SplitAware is an optional ability of a SourceReader whose every batch
// holds rows of one split (a Kafka partition, a file): watermarks can then
// be generated per split, so one split running ahead does not make
// another's rows late. Both methods are called from the task goroutine,
// between Polls.
type SplitAware interface {
	// Splits lists the splits the reader owns and has not finished; a
	// split without rows yet holds the watermark back (until idle).
	Splits() []int64
	// LastSplit is the split of the batch the last Poll returned.
	LastSplit() int64
}

// PendingRecordsAware is an optional ability of a SourceReader that knows
// how far behind its input it is: Flink's pendingRecords (for Kafka, the
// records between each owned partition's next offset and its high
// watermark at the last fetch). PendingRecords is called by metrics
// readers from any goroutine while the task runs, so it must be safe for
// concurrent use (an atomic the reader updates per fetch); -1 means not
// known yet.
type PendingRecordsAware interface {
	PendingRecords() int64
}

// IdleAware is an optional ability of an operator chained behind a source:
// while the source has nothing to read, the task calls OnSourceIdle every
// few milliseconds (from the task goroutine, between the other calls), so
// periodic work — emitting a watermark that advanced with the last rows,
// noticing idle splits — happens without new rows.
type IdleAware interface {
	OnSourceIdle() error
}

// ProcessingTimeAware is an optional ability of an operator that holds
// rows back until a processing-time deadline (a mini-batch bundle and its
// table.exec.mini-batch.allow-latency): in a task without a source (behind
// a source IdleAware serves) the task calls OnProcessingTime about every
// ProcessingTimeTick, also while it waits for input — from the task
// goroutine, between the other calls, never after Finish — so the rows
// leave once the deadline passed even when no further input arrives. A
// tick of 0 (read once, after Open) asks for no calls.
type ProcessingTimeAware interface {
	ProcessingTimeTick() time.Duration
	OnProcessingTime() error
}

// Clock is injected so tests can control time.
type Clock interface {
	NowMillis() int64
	NowMicros() int64
}

// SystemClock reads the machine's clock.
type SystemClock struct{}

func (SystemClock) NowMillis() int64 { return time.Now().UnixMilli() }
func (SystemClock) NowMicros() int64 { return time.Now().UnixMicro() }
