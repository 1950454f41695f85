package runtime

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flinkgo/engine/runtime/state"

	"github.com/flinkgo/engine/runtime/types"
)

// controlMsg is sent by the job to a task outside the data path.
type controlMsg struct {
	trigger  *Barrier // source tasks: inject a barrier
	complete int64    // notify checkpoint complete (the newest id so far)
}

// task runs one subtask of one vertex: its source (if any) and its chain.
type task struct {
	job      *Job
	vertex   *Vertex
	subtask  int
	in       *inbox
	channels []*inputChannel
	control  chan controlMsg
	source   SourceReader
	chain    []Operator
	ctxs     []*OperatorContext
	out      *networkOutput
	io       taskIO // published for metrics readers (taskio.go)
	wm       int64  // combined watermark passed to the head
	idleOut  bool   // source task: announced idle downstream
	metrics  *OperatorMetrics
	exactly  bool
	align    alignment  // barrier alignment over the input channels
	notified int64      // newest checkpoint the operators were told completed
	finished bool       // finish ran (it runs at most once)
	perturb  *perturber // test schedule perturbation, nil when off
	ctx      context.Context
	// backends[i] is the keyed state backend of chain[i], if it asked.
	backends    []state.KeyedBackend
	outstanding sync.WaitGroup // backend snapshots not yet written or released
	// remote marks the stand-in of a subtask a RemoteRunner runs: it is
	// never opened or run here; exited closes when the runner says it ended.
	remote   bool
	exited   chan struct{}
	exitOnce sync.Once
	endOnce  atomic.Bool // its end was reported
}

func (t *task) name() string {
	return fmt.Sprintf("%s (%d/%d)", t.vertex.Name, t.subtask+1, t.vertex.Parallelism)
}

// open instantiates and opens the source and operators, head last so every
// operator's output exists when it is opened.
func (t *task) open(ctx context.Context) error {
	t.ctx = ctx
	v := t.vertex
	t.wm = MinWatermark
	t.io.init()
	mk := func(id, name string) *OperatorContext {
		c := &OperatorContext{
			Ctx: ctx, OperatorID: id, Name: name, Subtask: t.subtask, Parallelism: v.Parallelism,
			MaxParallel: t.job.graph.MaxParallelism, Metrics: &OperatorMetrics{}, Clock: t.job.clock,
			FinalCheckpoint: t.job.opts.FinalCheckpoint,
		}
		if t.job.restore != nil {
			c.RestoredStates = t.job.restore(id)
			if len(c.RestoredStates) == v.Parallelism {
				c.StateRestore = c.RestoredStates[t.subtask]
			}
		}
		t.ctxs = append(t.ctxs, c)
		return c
	}
	if v.Source != nil {
		r, err := v.Source.New(t.subtask, v.Parallelism)
		if err != nil {
			return err
		}
		t.source = r
	}
	for _, spec := range v.Chain {
		op, err := spec.New(t.subtask, v.Parallelism)
		if err != nil {
			return err
		}
		t.chain = append(t.chain, op)
	}
	t.backends = make([]state.KeyedBackend, len(t.chain))
	if t.source != nil {
		if err := t.source.Open(mk(v.Source.ID, v.Source.Name)); err != nil {
			return err
		}
	}
	splits, _ := t.source.(SplitAware)
	ctxs := make([]*OperatorContext, len(t.chain))
	for i := range t.chain {
		ctxs[i] = mk(v.Chain[i].ID, v.Chain[i].Name)
		ctxs[i].SourceSplits = splits
		i := i
		ctxs[i].KeyedState = func() (state.KeyedBackend, error) { return t.keyedState(i) }
	}
	for i, op := range t.chain {
		var out Output = t.out
		if i < len(t.chain)-1 {
			out = &chainOutput{next: t.chain[i+1], metrics: ctxs[i+1].Metrics}
		}
		if err := op.Open(ctxs[i], out); err != nil {
			return err
		}
	}
	return nil
}

func (t *task) close() {
	if t.source != nil {
		t.source.Close()
	}
	for _, op := range t.chain {
		op.Close()
	}
	t.closeBackends()
}

// emit hands a batch to the head of the chain, or straight to the network.
func (t *task) emit(input int, b *types.Batch) error {
	if len(t.chain) == 0 {
		return t.out.Emit(b)
	}
	t.headMetrics().RecordsIn.Add(int64(b.Len))
	return t.chain[0].ProcessBatch(input, b)
}

// headMetrics are the metrics of the first chained operator.
func (t *task) headMetrics() *OperatorMetrics {
	return t.ctxs[len(t.ctxs)-len(t.chain)].Metrics
}

// sinkRecords is what reached the last operator of the chain.
func (t *task) sinkRecords() int64 {
	if len(t.chain) == 0 {
		return 0
	}
	return t.ctxs[len(t.ctxs)-1].Metrics.RecordsIn.Load()
}

// emitWatermark hands the combined watermark to the head of the chain.
func (t *task) emitWatermark(wm int64) error {
	t.io.inputWatermark.Store(wm)
	if len(t.chain) == 0 {
		return t.out.EmitWatermark(wm)
	}
	return t.chain[0].ProcessWatermark(wm)
}

// finish ends the chain: final watermark, Finish in chain order, then end of
// input downstream.
func (t *task) finish() error {
	if t.finished {
		return fmt.Errorf("internal error: %s finished twice", t.name())
	}
	t.finished = true
	if t.wm != MaxWatermark {
		t.wm = MaxWatermark
		if err := t.emitWatermark(MaxWatermark); err != nil {
			return err
		}
	}
	for _, op := range t.chain {
		if err := op.Finish(); err != nil {
			return err
		}
	}
	t.perturb.endPoint()
	if err := t.out.broadcastControl(Message{Kind: MsgEndOfInput}); err != nil {
		return err
	}
	t.io.stop(monoNow()) // what follows is waiting for checkpoints, not work
	// A finished task takes part in later checkpoints with its final state
	// (checkpoints-after-tasks-finish).
	if !t.job.opts.FinalCheckpoint {
		states, keyed, err := t.collectStates(0, false)
		if err != nil {
			return err
		}
		for _, p := range keyed {
			p.Release() // no checkpoint will hold it
		}
		t.job.finished(t, states)
		return nil
	}
	// Stay until a checkpoint holding the final state completed; its
	// notification lets two-phase-commit sinks commit their last data.
	// Meanwhile answer checkpoints with snapshots of the final state.
	// The task stays (answering checkpoints) until every task finished and
	// a checkpoint holding all final states completed.
	if f := t.job.opts.OnFinished; f != nil {
		f(t.vertex.Index, t.subtask, nil)
	}
	waiting, _ := t.job.linger(t)
	for _, id := range waiting {
		if err := t.snapshotFinished(id); err != nil {
			return err
		}
	}
	for !t.job.finalDone(t.notified) {
		select {
		case <-t.ctx.Done():
			return t.ctx.Err()
		case c := <-t.control:
			if c.trigger != nil {
				if err := t.snapshotFinished(c.trigger.CheckpointID); err != nil {
					return err
				}
				continue
			}
			if err := t.notifyComplete(c.complete); err != nil {
				return err
			}
		}
	}
	return nil
}

// snapshotFinished acknowledges a checkpoint with the state of a task whose
// input ended (no barrier goes downstream: its outputs ended too).
func (t *task) snapshotFinished(id int64) error {
	states, keyed, err := t.collectStates(id, t.job.isSavepoint(id))
	if err != nil {
		return err
	}
	t.job.ack(id, t, states, keyed)
	return nil
}

// collectStates snapshots the source and every chained operator.
func (t *task) collectStates(checkpointID int64, savepoint bool) (map[string][]byte, map[string]state.Pending, error) {
	states := make(map[string][]byte, len(t.chain)+1)
	if t.source != nil {
		s, err := t.source.SnapshotState(checkpointID)
		if err != nil {
			return nil, nil, fmt.Errorf("snapshot of %s failed: %w", t.vertex.Source.Name, err)
		}
		states[t.vertex.Source.ID] = s
	}
	for i, op := range t.chain {
		s, err := op.SnapshotState(checkpointID)
		if err != nil {
			return nil, nil, fmt.Errorf("snapshot of %s failed: %w", t.vertex.Chain[i].Name, err)
		}
		states[t.vertex.Chain[i].ID] = s
	}
	keyed, err := t.snapshotKeyed(checkpointID, savepoint)
	if err != nil {
		return nil, nil, err
	}
	return states, keyed, nil
}

// snapshot takes the synchronous snapshot of every operator and forwards the
// barrier downstream.
func (t *task) snapshot(b Barrier) error {
	states, keyed, err := t.collectStates(b.CheckpointID, b.Savepoint)
	if err != nil {
		return err
	}
	if err := t.out.broadcastControl(Message{Kind: MsgBarrier, Barrier: b}); err != nil {
		return err
	}
	t.job.ack(b.CheckpointID, t, states, keyed)
	return nil
}

func (t *task) notifyComplete(id int64) error {
	if id <= t.notified {
		return nil
	}
	t.notified = id
	if t.source != nil {
		if err := t.source.NotifyCheckpointComplete(id); err != nil {
			return err
		}
	}
	for _, op := range t.chain {
		if err := op.NotifyCheckpointComplete(id); err != nil {
			return err
		}
	}
	for _, b := range t.backends {
		if b != nil {
			b.NotifyCheckpointComplete(id)
		}
	}
	return nil
}

// run is the task's goroutine body.
func (t *task) run(ctx context.Context) error {
	t.io.start(monoNow())
	defer func() { t.io.stop(monoNow()) }()
	if t.source != nil {
		return t.runSource(ctx)
	}
	return t.runInputs(ctx)
}

func (t *task) handleControl(c controlMsg) error {
	t.perturb.point()
	if c.trigger != nil {
		if c.trigger.Drain && t.wm != MaxWatermark {
			t.wm = MaxWatermark
			if err := t.emitWatermark(MaxWatermark); err != nil {
				return err
			}
		}
		return t.snapshot(*c.trigger)
	}
	return t.notifyComplete(c.complete)
}

// idleTickMs spaces the OnSourceIdle calls while a source is idle.
const idleTickMs = 5

func (t *task) runSource(ctx context.Context) error {
	clock := t.job.clock
	lastData := clock.NowMillis()
	lastTick := lastData
	idleTimeout := t.job.graph.SourceIdleTimeoutMs
	backoff := time.NewTimer(time.Hour)
	backoff.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case c := <-t.control:
			if err := t.handleControl(c); err != nil {
				return err
			}
			continue
		default:
		}
		t.perturb.point()
		polled := monoNow()
		b, st, err := t.source.Poll()
		if err != nil {
			return fmt.Errorf("source %s failed: %w", t.vertex.Source.Name, err)
		}
		if st == SourceIdle && (b == nil || b.Len == 0) {
			t.io.idle.add(monoNow() - polled) // a poll that found nothing is waiting for input
		}
		if b != nil && b.Len > 0 {
			lastData = clock.NowMillis()
			t.idleOut = false
			t.metrics.RecordsIn.Add(int64(b.Len))
			if err := t.emit(0, b); err != nil {
				return err
			}
			if testHooks.pollDelay > 0 {
				time.Sleep(testHooks.pollDelay)
			}
		}
		switch st {
		case SourceEnd:
			return t.finish()
		case SourceIdle:
			if now := clock.NowMillis(); now-lastTick >= idleTickMs {
				lastTick = now
				for _, op := range t.chain {
					if ia, ok := op.(IdleAware); ok {
						if err := ia.OnSourceIdle(); err != nil {
							return err
						}
					}
				}
			}
			if idleTimeout > 0 && !t.idleOut && clock.NowMillis()-lastData >= idleTimeout {
				t.idleOut = true
				if err := t.out.broadcastControl(Message{Kind: MsgWatermark, Watermark: MinWatermark, Idle: true}); err != nil {
					return err
				}
			}
			backoff.Reset(time.Millisecond)
			t.io.idle.begin(monoNow())
			select {
			case <-ctx.Done():
				backoff.Stop()
				return ctx.Err()
			case c := <-t.control:
				t.io.idle.end(monoNow())
				backoff.Stop()
				if err := t.handleControl(c); err != nil {
					return err
				}
			case <-backoff.C:
				t.io.idle.end(monoNow())
			}
		}
	}
}

func (t *task) runInputs(ctx context.Context) error {
	// Operators waiting for a processing-time deadline get a ticker.
	var timed []ProcessingTimeAware
	var period time.Duration
	for _, op := range t.chain {
		if p, ok := op.(ProcessingTimeAware); ok {
			if d := p.ProcessingTimeTick(); d > 0 {
				timed = append(timed, p)
				if period == 0 || d < period {
					period = d
				}
			}
		}
	}
	var tick <-chan time.Time
	if period > 0 {
		tk := time.NewTicker(period)
		defer tk.Stop()
		tick = tk.C
	}
	for {
		// Only this goroutine receives from the inbox: when it holds a
		// message the select below does not wait, otherwise the task is
		// idle until something arrives.
		waiting := len(t.in.c) == 0
		if waiting {
			t.io.idle.begin(monoNow())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case c := <-t.control:
			t.io.idle.endIf(waiting)
			if err := t.handleControl(c); err != nil {
				return err
			}
		case <-tick:
			t.io.idle.endIf(waiting)
			for _, p := range timed {
				if err := p.OnProcessingTime(); err != nil {
					return err
				}
			}
		case env := <-t.in.c:
			t.io.idle.endIf(waiting)
			t.perturb.point()
			done, err := t.handle(env.ch, env.msg)
			if err != nil {
				return err
			}
			if done {
				return nil
			}
		}
	}
}
