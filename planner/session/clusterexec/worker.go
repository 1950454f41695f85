package clusterexec

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/flinkgo/engine/checkpoint"
	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/runtime"
	pb "github.com/flinkgo/engine/runtime/cluster/clusterpb"
	"github.com/flinkgo/engine/runtime/netexchange"
	"github.com/flinkgo/engine/runtime/state"
)

// WorkerOptions configures a TaskManager's Worker.
type WorkerOptions struct {
	// ResourceID is this TaskManager's resource id (its subtasks are the
	// Deploy's assignments naming it).
	ResourceID string
	// Receiver is the TaskManager's data-exchange receiver.
	Receiver *netexchange.Receiver
	// Report sends a report under a registration (cluster.Member.Report).
	Report func(ctx context.Context, registrationID string, req *pb.ReportRequest) error
	// Storage is for local checkpoint paths (nil: the local disk); s3://
	// paths go to S3 per the deployment's s3.* keys.
	Storage checkpoint.Storage
	// Dial connects to another TaskManager's data exchange (default
	// netexchange.Dial).
	Dial func(ctx context.Context, addr string) (*netexchange.Sender, error)
	// Log receives a line per deployed subtask and per attempt's end.
	Log io.Writer
	// ScratchDir is this TaskManager's io.tmp.dirs (its first entry), where
	// local working state (Pebble) lives; "" the system's temporary
	// directory. The JobManager's setting is not used: it names a
	// directory of another machine.
	ScratchDir string
}

// Worker runs the subtasks the JobManager deploys to this TaskManager.
// Handle and Registered are called from the member's goroutines; every
// method is safe for concurrent use.
type Worker struct {
	opts   WorkerOptions
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	attempts map[attemptKey]*tmAttempt
	newest   map[string]int64 // newest attempt seen per job
	peers    map[string]*netexchange.Sender
	closed   bool
}

// NewWorker returns a worker; Close ends its attempts.
func NewWorker(o WorkerOptions) *Worker {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Dial == nil {
		o.Dial = func(ctx context.Context, addr string) (*netexchange.Sender, error) {
			return netexchange.Dial(ctx, addr, netexchange.SenderOptions{})
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Worker{opts: o, ctx: ctx, cancel: cancel, attempts: map[attemptKey]*tmAttempt{}, newest: map[string]int64{}, peers: map[string]*netexchange.Sender{}}
}

// Running returns the number of attempts running here.
func (w *Worker) Running() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.attempts)
}

// Registered tells the worker its registration is now regID: attempts
// deployed under another registration are canceled (the JobManager failed
// them when that registration ended).
func (w *Worker) Registered(regID string) {
	w.mu.Lock()
	var old []*tmAttempt
	for _, a := range w.attempts {
		if a.regID != regID {
			old = append(old, a)
		}
	}
	w.mu.Unlock()
	for _, a := range old {
		fmt.Fprintf(w.opts.Log, "[INFO] Cancelling attempt %d of job %s: this TaskManager registered again.\n", a.key.attempt, a.key.job)
		a.cancel()
	}
}

// Lost tells the worker registration regID ended (the JobManager forgot
// this TaskManager or is unreachable): its attempts are canceled, as
// Flink's TaskManager fails the tasks of a JobManager it lost.
func (w *Worker) Lost(regID string) {
	w.mu.Lock()
	var lost []*tmAttempt
	for _, a := range w.attempts {
		if a.regID == regID {
			lost = append(lost, a)
		}
	}
	w.mu.Unlock()
	for _, a := range lost {
		fmt.Fprintf(w.opts.Log, "[INFO] Cancelling attempt %d of job %s: the JobManager was lost.\n", a.key.attempt, a.key.job)
		a.cancel()
	}
}

// Handle takes one command of registration regID.
func (w *Worker) Handle(regID string, c *pb.Command) {
	key := attemptKey{c.GetJobId(), c.GetAttempt()}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	if dp := c.GetDeploy(); dp != nil {
		if key.attempt <= w.newest[key.job] {
			w.mu.Unlock()
			fmt.Fprintf(w.opts.Log, "[WARN] Ignoring a stale deployment of attempt %d of job %s (attempt %d seen).\n", key.attempt, key.job, w.newest[key.job])
			return
		}
		w.newest[key.job] = key.attempt
		var older []*tmAttempt
		for k, a := range w.attempts {
			if k.job == key.job {
				older = append(older, a)
			}
		}
		ctx, cancel := context.WithCancel(w.ctx)
		a := &tmAttempt{w: w, key: key, regID: regID, ctx: ctx, cancel: cancel, targets: map[int64]checkpoint.KeyedTarget{},
			cmds: make(chan struct{}, 1), reports: make(chan struct{}, 1)}
		w.attempts[key] = a
		w.wg.Add(1)
		w.mu.Unlock()
		for _, o := range older {
			o.cancel()
		}
		go func() {
			defer w.wg.Done()
			a.run(dp)
		}()
		return
	}
	a := w.attempts[key]
	w.mu.Unlock()
	if a == nil {
		return // an attempt that ended here (or never ran): nothing to do
	}
	a.push(c)
}

// Close cancels every attempt, waits for them and closes the connections
// to other TaskManagers.
func (w *Worker) Close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.cancel()
	w.wg.Wait()
	w.mu.Lock()
	peers := w.peers
	w.peers = map[string]*netexchange.Sender{}
	w.mu.Unlock()
	for _, s := range peers {
		s.Close()
	}
}

// sender returns the connection to the TaskManager at addr, dialing it
// once (again if it broke). Dialing happens without the worker's lock, so
// a peer that does not answer holds up only the attempt that needs it.
func (w *Worker) sender(ctx context.Context, addr string) (*netexchange.Sender, error) {
	w.mu.Lock()
	if s := w.peers[addr]; s != nil && s.Err() == nil {
		w.mu.Unlock()
		return s, nil
	}
	w.mu.Unlock()
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s, err := w.opts.Dial(dctx, addr)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if cur := w.peers[addr]; cur != nil && cur.Err() == nil {
		go s.Close() // another attempt connected meanwhile
		return cur, nil
	}
	if old := w.peers[addr]; old != nil {
		go old.Close()
	}
	if w.closed {
		go s.Close()
		return nil, fmt.Errorf("the TaskManager is shutting down")
	}
	w.peers[addr] = s
	return s, nil
}

// tmAttempt is one attempt's share on this TaskManager.
type tmAttempt struct {
	w      *Worker
	key    attemptKey
	regID  string
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	queue   []*pb.Command
	cmds    chan struct{} // wakes the command loop
	outbox  []*pb.ReportRequest
	outDone bool          // no more reports will be queued
	reports chan struct{} // wakes the reporter
	job     *runtime.Job
	targets map[int64]checkpoint.KeyedTarget
}

func (a *tmAttempt) push(c *pb.Command) {
	a.mu.Lock()
	a.queue = append(a.queue, c)
	a.mu.Unlock()
	select {
	case a.cmds <- struct{}{}:
	default:
	}
}

func (a *tmAttempt) logf(format string, args ...any) {
	fmt.Fprintf(a.w.opts.Log, format, args...)
}

// report queues a report; the reporter sends them in order.
func (a *tmAttempt) report(r *pb.ReportRequest) {
	r.JobId, r.Attempt = a.key.job, a.key.attempt
	a.mu.Lock()
	if !a.outDone {
		a.outbox = append(a.outbox, r)
	}
	a.mu.Unlock()
	select {
	case a.reports <- struct{}{}:
	default:
	}
}

// closeReports says no more reports follow.
func (a *tmAttempt) closeReports() {
	a.mu.Lock()
	a.outDone = true
	a.mu.Unlock()
	select {
	case a.reports <- struct{}{}:
	default:
	}
}

// reporter sends the queued reports in order until closeReports and the
// queue drained, the attempt's context ended, or the JobManager refused
// one as stale (the attempt is then canceled).
func (a *tmAttempt) reporter() {
	for {
		a.mu.Lock()
		var r *pb.ReportRequest
		if len(a.outbox) > 0 {
			r = a.outbox[0]
		}
		done := a.outDone && r == nil
		a.mu.Unlock()
		if done {
			return
		}
		if r == nil {
			select {
			case <-a.reports:
			case <-a.ctx.Done():
				return
			}
			continue
		}
		delay := 50 * time.Millisecond
		for {
			ctx, cancel := context.WithTimeout(a.ctx, 30*time.Second)
			err := a.w.opts.Report(ctx, a.regID, r)
			cancel()
			if err == nil {
				break
			}
			if status.Code(err) == codes.FailedPrecondition {
				a.logf("[INFO] The JobManager refused a report of attempt %d of job %s (%s); cancelling it here.\n", a.key.attempt, a.key.job, status.Convert(err).Message())
				a.mu.Lock()
				a.outbox, a.outDone = nil, true
				a.mu.Unlock()
				a.cancel()
				return
			}
			if a.ctx.Err() != nil {
				return
			}
			select {
			case <-time.After(delay):
			case <-a.ctx.Done():
				return
			}
			delay = min(2*delay, 2*time.Second)
		}
		a.mu.Lock()
		a.outbox[0] = nil
		a.outbox = a.outbox[1:]
		a.mu.Unlock()
	}
}

func (a *tmAttempt) failed(err error) {
	a.logf("[WARN] Attempt %d of job %s failed on this TaskManager: %v\n", a.key.attempt, a.key.job, err)
	a.report(&pb.ReportRequest{Kind: &pb.ReportRequest_Failed{Failed: &pb.AttemptFailed{Error: err.Error()}}})
}

// run deploys the attempt, handles its commands until its job ended and
// reports the end.
func (a *tmAttempt) run(dp *pb.Deploy) {
	reporterDone := make(chan struct{})
	go func() { a.reporter(); close(reporterDone) }()
	defer func() {
		a.closeReports()
		<-reporterDone
		a.cancel()
		a.w.mu.Lock()
		if a.w.attempts[a.key] == a {
			delete(a.w.attempts, a.key)
		}
		a.w.mu.Unlock()
	}()
	job, local, g, release, err := a.start(dp)
	if err != nil {
		a.failed(err)
		return
	}
	defer release()
	a.mu.Lock()
	a.job = job
	a.mu.Unlock()
	for {
		select {
		case <-job.Done():
			a.ended(job, g, local)
			return
		case <-a.cmds:
			a.handleQueued(job)
		}
	}
}

// handleQueued runs the queued commands in order.
func (a *tmAttempt) handleQueued(job *runtime.Job) {
	for {
		a.mu.Lock()
		if len(a.queue) == 0 {
			a.mu.Unlock()
			return
		}
		c := a.queue[0]
		a.queue[0] = nil
		a.queue = a.queue[1:]
		a.mu.Unlock()
		switch k := c.GetKind().(type) {
		case *pb.Command_Trigger:
			t := k.Trigger
			id := t.GetCheckpointId()
			a.mu.Lock()
			a.targets[id] = checkpoint.KeyedTarget{Dir: t.GetTarget().GetDir(), SharedDir: t.GetTarget().GetSharedDir(), Canonical: t.GetTarget().GetCanonical()}
			a.mu.Unlock()
			var err error
			if t.GetSavepoint() {
				err = job.TriggerSavepoint(id, t.GetDrain())
			} else {
				err = job.TriggerCheckpoint(id)
			}
			// A job that ended (finished: its final states are on the way)
			// is no error; its end is reported anyway.
			if err != nil && job.Status() == runtime.JobRunning {
				a.logf("[WARN] Could not trigger checkpoint %d of attempt %d of job %s: %v\n", id, a.key.attempt, a.key.job, err)
			}
		case *pb.Command_Notify:
			id := k.Notify.GetCheckpointId()
			a.mu.Lock()
			for cid := range a.targets {
				if cid <= id {
					delete(a.targets, cid)
				}
			}
			a.mu.Unlock()
			job.NotifyCheckpointComplete(id)
		case *pb.Command_Cancel:
			job.Cancel()
		}
	}
}

// ended reports the job's end: every local subtask exited, or the failure.
func (a *tmAttempt) ended(job *runtime.Job, g *runtime.JobGraph, local func(v, s int) bool) {
	err := job.Wait()
	switch {
	case err != nil:
		a.failed(err)
	case job.Status() == runtime.JobCanceled:
		a.logf("[INFO] Attempt %d of job %s canceled on this TaskManager.\n", a.key.attempt, a.key.job)
	default:
		for _, v := range g.Vertices {
			for s := 0; s < v.Parallelism; s++ {
				if local(v.Index, s) {
					a.report(&pb.ReportRequest{Kind: &pb.ReportRequest_Exited{Exited: &pb.TaskExited{Vertex: int32(v.Index), Subtask: int32(s)}}})
				}
			}
		}
		a.logf("[INFO] Attempt %d of job %s finished on this TaskManager.\n", a.key.attempt, a.key.job)
	}
}

// start plans the deployment, checks it and starts the local share; the
// returned release frees the receiver's channels of the attempt.
func (a *tmAttempt) start(dp *pb.Deploy) (*runtime.Job, func(v, s int) bool, *runtime.JobGraph, func(), error) {
	dep := session.Deployment{Config: dp.GetDeployment().GetConfig(), Setup: dp.GetDeployment().GetSetup(), Inserts: dp.GetDeployment().GetInserts()}
	if dep.Config == nil {
		dep.Config = map[string]string{}
	}
	g, err := session.PlanDeployment(dep, session.Options{Storage: a.w.opts.Storage})
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("planning the deployment: %w", err)
	}
	if fp := g.Fingerprint(); fp != dp.GetFingerprint() {
		return nil, nil, nil, nil, fmt.Errorf("the deployment plans into another graph here (fingerprint %s, the JobManager's %s): are the JobManager and the TaskManager the same version?", fp, dp.GetFingerprint())
	}
	cfg, err := session.DeploymentCheckpointConfig(dep, session.Options{Storage: a.w.opts.Storage})
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("the deployment's checkpoint configuration: %w", err)
	}
	addr := map[[2]int]string{}
	mine := map[[2]int]bool{}
	for _, as := range dp.GetAssignments() {
		k := [2]int{int(as.GetVertex()), int(as.GetSubtask())}
		addr[k] = as.GetDataAddress()
		if as.GetResourceId() == a.w.opts.ResourceID {
			mine[k] = true
		}
	}
	for _, v := range g.Vertices {
		for s := 0; s < v.Parallelism; s++ {
			if _, ok := addr[[2]int{v.Index, s}]; !ok {
				return nil, nil, nil, nil, fmt.Errorf("the deployment assigns subtask %d of %s to no TaskManager", s, v.Name)
			}
		}
	}
	local := func(v, s int) bool { return mine[[2]int{v, s}] }
	exID := fmt.Sprintf("%s#%d", a.key.job, a.key.attempt)
	ex := &netexchange.JobExchange{Job: exID, Receiver: a.w.opts.Receiver, Peer: func(edge, consumer int) (*netexchange.Sender, error) {
		to := g.Edges[edge].To
		return a.w.sender(a.ctx, addr[[2]int{to, consumer}])
	}}
	storage := cfg.Storage
	cfg.State.ScratchDir = a.w.opts.ScratchDir
	opts := runtime.JobOptions{ExactlyOnce: cfg.ExactlyOnce, FinalCheckpoint: cfg.Interval > 0 && !cfg.NoFinalCheckpoint, State: cfg.State,
		Placement:  &runtime.Placement{Local: local, Exchange: ex},
		OnFinished: func(v, s int, states map[string][]byte) { a.finished(v, s, states) },
		OnCheckpoint: func(id int64, st *runtime.CheckpointStates) {
			a.checkpointed(storage, g, local, id, st)
		},
	}
	if dp.GetRestored() {
		restore, keyed := fromSubtasks(dp.GetRestore()), fromSubtasks(dp.GetRestoreKeyed())
		reader := checkpoint.NewKeyedReader(storage, dp.GetRestoreDir())
		opts.Restore = func(op string) [][]byte { return restore[op] }
		opts.RestoreKeyed = func(op string) ([][]byte, state.SnapshotReader) { return keyed[op], reader }
	}
	job, err := runtime.NewJob(a.key.job, g, opts)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	for _, v := range g.Vertices {
		for s := 0; s < v.Parallelism; s++ {
			if local(v.Index, s) {
				a.logf("[INFO] Deploying %s (%d/%d) of job %s attempt %d on TaskManager %s.\n", v.Name, s+1, v.Parallelism, a.key.job, a.key.attempt, a.w.opts.ResourceID)
			}
		}
	}
	if err := job.Start(a.ctx); err != nil {
		return nil, nil, nil, nil, err
	}
	release := func() {
		for ei, e := range g.Edges {
			for d := 0; d < g.Vertices[e.To].Parallelism; d++ {
				for u := 0; u < g.Vertices[e.From].Parallelism; u++ {
					if local(e.To, d) && !local(e.From, u) {
						a.w.opts.Receiver.Release(netexchange.ChannelID{Job: exID, Edge: int32(ei), Producer: int32(u), Consumer: int32(d)})
					}
				}
			}
		}
	}
	return job, local, g, release, nil
}

func (a *tmAttempt) finished(v, s int, states map[string][]byte) {
	a.report(&pb.ReportRequest{Kind: &pb.ReportRequest_Finished{Finished: &pb.TaskFinished{Vertex: int32(v), Subtask: int32(s), States: states, HasStates: states != nil}}})
}

// checkpointed writes the keyed state of a local checkpoint to the
// trigger's target and acknowledges it per local subtask.
func (a *tmAttempt) checkpointed(st checkpoint.Storage, g *runtime.JobGraph, local func(v, s int) bool, id int64, cs *runtime.CheckpointStates) {
	a.mu.Lock()
	target, ok := a.targets[id]
	a.mu.Unlock()
	if !ok {
		for _, subs := range cs.Keyed {
			for _, p := range subs {
				p.Release()
			}
		}
		a.failed(fmt.Errorf("checkpoint %d completed here but was never triggered", id))
		return
	}
	handles, err := checkpoint.WriteKeyed(st, target, cs.Keyed)
	if err != nil {
		a.failed(err)
		return
	}
	for _, v := range g.Vertices {
		for s := 0; s < v.Parallelism; s++ {
			if !local(v.Index, s) {
				continue
			}
			states, _ := cs.ForTask(v, s)
			var keyed map[string][]byte
			for op, subs := range handles {
				if hb, ok := subs[s]; ok && opOf(v, op) {
					if keyed == nil {
						keyed = map[string][]byte{}
					}
					keyed[op] = hb
				}
			}
			a.report(&pb.ReportRequest{Kind: &pb.ReportRequest_Acknowledge{Acknowledge: &pb.Acknowledge{
				CheckpointId: id, Vertex: int32(v.Index), Subtask: int32(s), States: states, Keyed: keyed}}})
		}
	}
	a.logAlignment(id)
}

// logAlignment says how long this TaskManager's subtasks aligned the
// barriers of checkpoint id (the longest; Flink's checkpointAlignmentTime).
func (a *tmAttempt) logAlignment(id int64) {
	a.mu.Lock()
	job := a.job
	a.mu.Unlock()
	if job == nil {
		return
	}
	var longest int64
	n := 0
	for _, m := range job.TaskMetrics() {
		if m.AlignedCheckpoint == id {
			n++
			longest = max(longest, m.AlignmentNs)
		}
	}
	if n > 0 {
		a.logf("[INFO] Checkpoint %d of job %s attempt %d: %d subtasks here aligned its barriers, the longest in %s.\n",
			id, a.key.job, a.key.attempt, n, time.Duration(longest).Round(time.Microsecond))
	}
}

func opOf(v *runtime.Vertex, op string) bool {
	if v.Source != nil && v.Source.ID == op {
		return true
	}
	for _, o := range v.Chain {
		if o.ID == op {
			return true
		}
	}
	return false
}
