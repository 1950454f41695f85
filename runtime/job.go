package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/flinkgo/engine/runtime/state"
)

// JobStatus is the lifecycle state of a job, named as Flink names them.
type JobStatus string

const (
	JobCreated   JobStatus = "CREATED"
	JobRunning   JobStatus = "RUNNING"
	JobFinished  JobStatus = "FINISHED"
	JobCanceled  JobStatus = "CANCELED"
	JobFailed    JobStatus = "FAILED"
	JobCanceling JobStatus = "CANCELLING"
)

// NewJobID returns a random 32-hex job id.
func NewJobID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// JobOptions configure a job run.
type JobOptions struct {
	Clock Clock
	// ExactlyOnce aligns barriers across inputs (EXACTLY_ONCE); otherwise
	// barriers do not block (AT_LEAST_ONCE).
	ExactlyOnce bool
	// Restore returns the states every subtask of an operator wrote in the
	// restored checkpoint (index = old subtask), or nil when the operator
	// has no state there.
	Restore func(operatorID string) [][]byte
	// FinalCheckpoint keeps finished tasks until a checkpoint including
	// their final state completed (see OperatorContext.FinalCheckpoint).
	FinalCheckpoint bool
	// State configures keyed state backends (OperatorContext.KeyedState).
	State StateOptions
	// RestoreKeyed returns the keyed-state handles every old subtask of an
	// operator wrote in the restored checkpoint and a reader for their
	// files, or no handles.
	RestoreKeyed func(operatorID string) ([][]byte, state.SnapshotReader)
	// OnUnexpectedAck reports acks that are not AckSuccess (for logs).
	OnUnexpectedAck func(kind AckKind, id int64, task string)
	// OnCheckpoint is called once every task acknowledged checkpoint id,
	// with everything the operator instances snapshotted. Called from a
	// task goroutine; it must write or release every keyed snapshot.
	OnCheckpoint func(id int64, states *CheckpointStates)
	// Placement runs only some subtasks here (placement.go); nil runs all.
	Placement *Placement
	// OnFinished is told when a task reached its end (what a RemoteRunner
	// reports as Finished): with its final operator states, or nil with
	// FinalCheckpoint, where the task stays and answers checkpoints.
	OnFinished func(vertex, subtask int, states map[string][]byte)
}

// Job is one running dataflow. Its methods are safe for concurrent use.
type Job struct {
	ID        string
	Name      string
	StartTime time.Time

	epoch   int64 // monoNow at StartTime, the origin of TaskMetrics.At
	graph   *JobGraph
	clock   Clock
	restore func(string) [][]byte
	opts    JobOptions
	tasks   []*task
	cancel  context.CancelFunc
	done    chan struct{}

	mu       sync.Mutex
	status   JobStatus
	err      error
	pending  map[int64]*pendingCheckpoint
	lastDone int64
	failErr  error    // set by Fail
	acks     [4]int64 // acknowledgements by AckKind
	lastTrig int64    // newest checkpoint id triggered
	// finishing is closed when every task reached its end (final state
	// recorded); with FinalCheckpoint they then wait for a checkpoint.
	finishing     chan struct{}
	finishedCount int
	lingering     map[*task]bool // finished, waiting for the final checkpoint
	finalTarget   int64          // a checkpoint ≥ this holds every lingering task's final state
	// final holds the last state of tasks that finished; they count as
	// acknowledged for every later checkpoint.
	final map[*task]map[string][]byte
	// stubs are the stand-ins of the subtasks a RemoteRunner runs, by
	// (vertex, subtask); fixed once Start returned.
	stubs map[[2]int]*task
}

type pendingCheckpoint struct {
	waiting map[*task]bool // tasks whose ack is still missing
	acked   map[*task]bool // tasks that acknowledged
	states  *CheckpointStates
	// savepoint: the keyed backends take savepoint snapshots
	// (state.SavepointSnapshotter).
	savepoint bool
}

// NewJob prepares a job for graph; nothing runs until Start.
func NewJob(id string, g *JobGraph, opts JobOptions) (*Job, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	return &Job{ID: id, Name: g.Name, graph: g, clock: opts.Clock, restore: opts.Restore, opts: opts,
		done: make(chan struct{}), status: JobCreated, pending: map[int64]*pendingCheckpoint{}, final: map[*task]map[string][]byte{},
		finishing: make(chan struct{}), lingering: map[*task]bool{}, stubs: map[[2]int]*task{}}, nil
}

// Start wires the tasks, opens every operator and runs them. It returns an
// error if setup fails; later failures are reported by Wait.
func (j *Job) Start(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	j.cancel = cancel
	g := j.graph
	byVertex := make([][]*task, len(g.Vertices)) // nil for remote subtasks
	for _, v := range g.Vertices {
		byVertex[v.Index] = make([]*task, v.Parallelism)
		for s := 0; s < v.Parallelism; s++ {
			if !j.local(v.Index, s) {
				if pl := j.opts.Placement; pl != nil && pl.Remote != nil {
					stub := &task{job: j, vertex: v, subtask: s, remote: true, exited: make(chan struct{}), metrics: &OperatorMetrics{}}
					j.stubs[[2]int{v.Index, s}] = stub
					j.tasks = append(j.tasks, stub)
				}
				continue
			}
			t := &task{job: j, vertex: v, subtask: s, in: newInbox(), control: make(chan controlMsg, 16),
				metrics: &OperatorMetrics{}, exactly: j.opts.ExactlyOnce, perturb: newPerturber(v.Index, s)}
			t.out = &networkOutput{ctx: ctx, metrics: t.metrics, io: &t.io, perturb: t.perturb}
			byVertex[v.Index][s] = t
			j.tasks = append(j.tasks, t)
		}
	}
	remotes, err := j.wire(byVertex)
	if err != nil {
		cancel()
		return err
	}
	for _, t := range j.tasks {
		if t.remote {
			continue
		}
		if err := t.open(ctx); err != nil {
			for _, o := range j.tasks {
				o.close()
			}
			cancel()
			return fmt.Errorf("could not open %s: %w", t.name(), err)
		}
	}
	if pl := j.opts.Placement; pl != nil && pl.Remote != nil {
		if err := pl.Remote.Start(ctx, remoteReports{j}); err != nil {
			for _, o := range j.tasks {
				o.close()
			}
			cancel()
			return fmt.Errorf("could not start the remote subtasks: %w", err)
		}
	}
	j.StartTime = time.Now()
	j.epoch = monoNow()
	j.setStatus(JobRunning, nil)
	var wg sync.WaitGroup
	errs := make(chan error, len(j.tasks)+len(remotes))
	for _, r := range remotes {
		wg.Add(1)
		go func(r *remoteInput) {
			defer wg.Done()
			if err := r.run(ctx); err != nil {
				if !errors.Is(err, context.Canceled) {
					err = fmt.Errorf("%s: %w", r.task.name(), err)
				}
				errs <- err
				cancel()
			}
		}(r)
	}
	for _, t := range j.tasks {
		wg.Add(1)
		go func(t *task) {
			defer wg.Done()
			if t.remote {
				select {
				case <-t.exited:
				case <-ctx.Done():
					errs <- ctx.Err()
				}
				return
			}
			if err := t.run(ctx); err != nil {
				if !errors.Is(err, context.Canceled) {
					err = fmt.Errorf("%s: %w", t.name(), err)
				}
				errs <- err
				cancel()
			}
		}(t)
	}
	go func() {
		wg.Wait()
		j.releasePending()
		for _, t := range j.tasks {
			t.close()
		}
		var first error
		close(errs)
		for e := range errs {
			if first == nil || (errors.Is(first, context.Canceled) && !errors.Is(e, context.Canceled)) {
				first = e
			}
		}
		j.mu.Lock()
		forced := j.failErr
		j.mu.Unlock()
		switch {
		case forced != nil:
			j.setStatus(JobFailed, forced)
		case first == nil:
			j.setStatus(JobFinished, nil)
		case errors.Is(first, context.Canceled):
			j.setStatus(JobCanceled, nil)
		default:
			j.setStatus(JobFailed, first)
		}
		j.mu.Lock()
		status, err := j.status, j.err
		j.mu.Unlock()
		j.reportEnd(status, err)
		cancel()
		close(j.done)
	}()
	if d := testHooks.watchdog; d > 0 {
		go j.watch(d)
	}
	return nil
}

// wire connects the tasks along the graph's edges: local consumers through
// their inboxes, remote ones through the Placement's exchange. Channel ids
// are assigned per receiving task in edge order, then producer order.
func (j *Job) wire(byVertex [][]*task) ([]*remoteInput, error) {
	g := j.graph
	var remotes []*remoteInput
	var ex RemoteExchange
	if j.opts.Placement != nil {
		ex = j.opts.Placement.Exchange
	}
	for ei, e := range g.Edges {
		up, down := byVertex[e.From], byVertex[e.To]
		writers := make([]*edgeWriter, len(up))
		for u, ut := range up {
			if ut == nil {
				continue
			}
			w := &edgeWriter{edge: e, targets: make([]*inbox, len(down)), channels: make([]int, len(down)),
				subtask: u, maxPar: g.MaxParallelism}
			for d, dt := range down {
				if e.Partitioning == Forward && u != d {
					continue
				}
				if dt != nil {
					w.targets[d] = dt.in
					continue
				}
				if ex == nil {
					return nil, fmt.Errorf("runtime: subtask %d of %s is not local and the job has no remote exchange", d, g.Vertices[e.To].Name)
				}
				if w.remote == nil {
					w.remote = make([]RemoteOutput, len(down))
				}
				ro, err := ex.OpenOutput(ei, u, d, ioBlockMeter{&ut.io})
				if err != nil {
					return nil, fmt.Errorf("runtime: opening the channel of edge %d from subtask %d to %d: %w", ei, u, d, err)
				}
				w.remote[d] = ro
			}
			writers[u] = w
			ut.out.writers = append(ut.out.writers, w)
		}
		for d, dt := range down {
			if dt == nil {
				continue
			}
			for u, ut := range up {
				if e.Partitioning == Forward && u != d {
					continue
				}
				ch := len(dt.channels)
				dt.channels = append(dt.channels, &inputChannel{input: e.Input, wm: MinWatermark})
				if ut != nil {
					writers[u].channels[d] = ch
					continue
				}
				if ex == nil {
					return nil, fmt.Errorf("runtime: subtask %d of %s is not local and the job has no remote exchange", u, g.Vertices[e.From].Name)
				}
				ri, err := ex.OpenInput(ei, u, d)
				if err != nil {
					return nil, fmt.Errorf("runtime: opening the channel of edge %d from subtask %d to %d: %w", ei, u, d, err)
				}
				remotes = append(remotes, &remoteInput{task: dt, ch: ch, in: ri, label: fmt.Sprintf("edge %d, subtask %d -> %d", ei, u, d)})
			}
		}
	}
	return remotes, nil
}

func (j *Job) setStatus(s JobStatus, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.status = s
	j.err = err
}

// Status returns the current status.
func (j *Job) Status() JobStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.status
}

// Wait blocks until the job ended and returns its failure, if any.
func (j *Job) Wait() error {
	<-j.done
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// Done is closed when the job ended.
func (j *Job) Done() <-chan struct{} { return j.done }

// Cancel stops the job; Wait returns after every task stopped.
func (j *Job) Cancel() {
	j.mu.Lock()
	if j.status == JobRunning {
		j.status = JobCanceling
	}
	j.mu.Unlock()
	if j.cancel != nil {
		j.cancel()
	}
}

// AckCounts returns how many acknowledgements of each AckKind arrived.
func (j *Job) AckCounts() [4]int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.acks
}

// Fail stops the job as failed with err (e.g. too many failed checkpoints).
func (j *Job) Fail(err error) {
	j.mu.Lock()
	if j.failErr == nil {
		j.failErr = err
	}
	j.mu.Unlock()
	if j.cancel != nil {
		j.cancel()
	}
}

// Counters sums the records the sources read (in) and the records that
// reached the sinks (out). in includes the malformed records a source read
// and skipped (a format's ignore-parse-errors; Skipped counts them too),
// so a job passing records through has in = out + skipped.
func (j *Job) Counters() (in, out int64) {
	for _, t := range j.tasks {
		if t.source != nil {
			in += t.metrics.RecordsIn.Load()
			for _, c := range t.ctxs {
				in += c.Metrics.ParseErrors.Load()
			}
		}
		if len(t.out.writers) == 0 {
			out += t.sinkRecords()
		}
	}
	return in, out
}

// OperatorState is the state size of one stateful operator, summed over
// its subtasks.
type OperatorState struct {
	Name  string
	Bytes int64
}

// StateSizes returns the state size of every operator that reports one
// (heap: approximate memory; Pebble: disk), in graph order.
func (j *Job) StateSizes() []OperatorState {
	var out []OperatorState
	at := map[string]int{}
	for _, t := range j.tasks {
		for _, c := range t.ctxs {
			b := c.Metrics.StateSizeBytes.Load()
			if b == 0 {
				continue
			}
			i, ok := at[c.OperatorID]
			if !ok {
				i = len(out)
				at[c.OperatorID] = i
				out = append(out, OperatorState{Name: c.Name})
			}
			out[i].Bytes += b
		}
	}
	return out
}

// Skipped sums records skipped: malformed input a source read and ignored
// (a format's ignore-parse-errors option; counted in Counters' in as
// well), and late records dropped by event-time operators.
func (j *Job) Skipped() (parseErrors, late int64) {
	for _, t := range j.tasks {
		for _, c := range t.ctxs {
			parseErrors += c.Metrics.ParseErrors.Load()
			late += c.Metrics.LateRecords.Load()
		}
	}
	return parseErrors, late
}

// CompletedCheckpoints returns the id of the last completed checkpoint.
func (j *Job) CompletedCheckpoints() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.lastDone
}

// TriggerCheckpoint injects a barrier for checkpoint id at every running
// source subtask. When every task acknowledged (finished tasks count with
// their final state), OnCheckpoint receives the states; the caller then
// makes them durable and calls NotifyCheckpointComplete. Without
// OnCheckpoint the job notifies at once.
func (j *Job) TriggerCheckpoint(id int64) error {
	return j.trigger(Barrier{CheckpointID: id})
}

// TriggerSavepoint is TriggerCheckpoint for a savepoint; with drain the
// sources first emit the final watermark, so event-time operators fire
// everything they hold before the snapshot (STOP JOB ... WITH DRAIN).
func (j *Job) TriggerSavepoint(id int64, drain bool) error {
	return j.trigger(Barrier{CheckpointID: id, Savepoint: true, Drain: drain})
}

func (j *Job) trigger(b Barrier) error {
	id := b.CheckpointID
	j.mu.Lock()
	if j.status != JobRunning {
		j.mu.Unlock()
		return fmt.Errorf("runtime: job %s is %s", j.ID, j.status)
	}
	if id > j.lastTrig {
		j.lastTrig = id
	}
	p := &pendingCheckpoint{waiting: map[*task]bool{}, acked: map[*task]bool{}, states: newCheckpointStates(), savepoint: b.Savepoint}
	var sources []*task
	remote := false // a remote subtask waits for this barrier
	for _, t := range j.tasks {
		if st, done := j.final[t]; done {
			p.add(t, st, nil)
			continue
		}
		p.waiting[t] = true
		if t.remote {
			remote = true
			continue
		}
		if t.source != nil || j.lingering[t] {
			sources = append(sources, t) // finished tasks snapshot on request
		}
	}
	j.pending[id] = p
	j.mu.Unlock()
	b.Timestamp = j.clock.NowMillis()
	if remote {
		if err := j.opts.Placement.Remote.Trigger(b); err != nil {
			return fmt.Errorf("runtime: triggering checkpoint %d on the remote subtasks: %w", id, err)
		}
	}
	if len(sources) == 0 {
		j.maybeComplete(id)
		return nil
	}
	for _, t := range sources {
		sharedPoint()
		select {
		case t.control <- controlMsg{trigger: &b}:
		case <-j.done:
			return fmt.Errorf("runtime: job %s ended", j.ID)
		}
	}
	return nil
}

func (p *pendingCheckpoint) add(t *task, states map[string][]byte, keyed map[string]state.Pending) {
	p.states.add(t.subtask, states, keyed)
	delete(p.waiting, t)
	p.acked[t] = true
}

// AbortCheckpoint drops a pending checkpoint (timeout, failure); late acks
// for it are ignored.
func (j *Job) AbortCheckpoint(id int64) {
	j.mu.Lock()
	p := j.pending[id]
	delete(j.pending, id)
	j.mu.Unlock()
	if p != nil {
		p.states.Release()
	}
}

// releasePending drops every checkpoint still pending (the job ended).
func (j *Job) releasePending() {
	j.mu.Lock()
	ps := j.pending
	j.pending = map[int64]*pendingCheckpoint{}
	j.mu.Unlock()
	for _, p := range ps {
		p.states.Release()
	}
}

// ack records one task's snapshot for checkpoint id.
func (j *Job) ack(id int64, t *task, states map[string][]byte, keyed map[string]state.Pending) {
	j.mu.Lock()
	p := j.pending[id]
	f := ackFacts{pending: p != nil, lastTriggered: j.lastTrig}
	if p != nil {
		f.acked = p.acked[t]
		f.expected = f.acked || p.waiting[t]
	}
	kind := classifyAck(id, f)
	j.acks[kind]++
	if kind != AckSuccess {
		j.mu.Unlock()
		for _, k := range keyed {
			k.Release()
		}
		if j.opts.OnUnexpectedAck != nil {
			j.opts.OnUnexpectedAck(kind, id, t.name())
		}
		return
	}
	p.add(t, states, keyed)
	j.mu.Unlock()
	j.maybeComplete(id)
}

// finished records the final state of a task that exits at once (no
// final checkpoint); pending checkpoints stop waiting for it.
func (j *Job) finished(t *task, states map[string][]byte) {
	if f := j.opts.OnFinished; f != nil && !t.remote {
		f(t.vertex.Index, t.subtask, states)
	}
	j.mu.Lock()
	j.final[t] = states
	var ids []int64
	for id, p := range j.pending {
		if p.waiting[t] {
			p.add(t, states, nil)
			ids = append(ids, id)
		}
	}
	j.countFinished()
	j.mu.Unlock()
	for _, id := range ids {
		j.maybeComplete(id)
	}
}

// linger marks a finished task that stays until a checkpoint holding its
// final state completed: it answers triggers itself from now on. It
// returns the pending checkpoints still waiting for it (oldest first) and
// the id of the first checkpoint that will hold its final state.
func (j *Job) linger(t *task) (waiting []int64, first int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lingering[t] = true
	first = j.lastTrig + 1
	defer func() { j.finalTarget = max(j.finalTarget, first) }()
	for id, p := range j.pending {
		if p.waiting[t] {
			waiting = append(waiting, id)
			first = min(first, id)
		}
	}
	sort.Slice(waiting, func(a, b int) bool { return waiting[a] < waiting[b] })
	j.countFinished()
	return waiting, first
}

// isSavepoint reports whether pending checkpoint id is a savepoint.
func (j *Job) isSavepoint(id int64) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	p := j.pending[id]
	return p != nil && p.savepoint
}

func (j *Job) countFinished() {
	j.finishedCount++
	if j.finishedCount == len(j.tasks) {
		close(j.finishing)
	}
}

// finalDone reports that every task finished and a checkpoint holding all
// their final states completed (notified is the caller's newest
// notification): lingering tasks may exit.
func (j *Job) finalDone(notified int64) bool {
	select {
	case <-j.finishing:
	default:
		return false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return notified >= j.finalTarget
}

// Finishing is closed once every task reached the end of its input.
func (j *Job) Finishing() <-chan struct{} { return j.finishing }

// maybeComplete hands a fully acknowledged checkpoint to OnCheckpoint.
func (j *Job) maybeComplete(id int64) {
	j.mu.Lock()
	p := j.pending[id]
	if p == nil || len(p.waiting) > 0 {
		j.mu.Unlock()
		return
	}
	delete(j.pending, id)
	j.mu.Unlock()
	if j.opts.OnCheckpoint != nil {
		j.opts.OnCheckpoint(id, p.states)
		return
	}
	p.states.Release() // nowhere to write keyed state: nothing durable
	j.NotifyCheckpointComplete(id)
}

// NotifyCheckpointComplete tells every running task that checkpoint id is
// durable (sinks commit). Notifications are cumulative: a task that misses
// one learns of a later id.
func (j *Job) NotifyCheckpointComplete(id int64) {
	j.mu.Lock()
	if id > j.lastDone {
		j.lastDone = id
	}
	j.mu.Unlock()
	for _, o := range j.tasks {
		if o.remote {
			continue
		}
		sharedPoint()
		select {
		case o.control <- controlMsg{complete: id}:
		default:
			// The task's control queue is full; it learns of a later checkpoint.
		}
	}
	if pl := j.opts.Placement; pl != nil && pl.Remote != nil {
		pl.Remote.NotifyCheckpointComplete(id)
	}
}
