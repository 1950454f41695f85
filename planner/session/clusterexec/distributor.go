package clusterexec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/flinkgo/engine/checkpoint"
	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/cluster"
	pb "github.com/flinkgo/engine/runtime/cluster/clusterpb"
	"github.com/flinkgo/engine/runtime/state"
)

// DefaultSlotRequestTimeout is Flink's slot.request.timeout.
const DefaultSlotRequestTimeout = 300 * time.Second

// Clock is the Distributor's time source, injected so tests wait for
// slots without sleeping.
type Clock interface {
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Options configures a Distributor.
type Options struct {
	Registry *cluster.Registry
	// SlotRequestTimeout is slot.request.timeout (default 300 s).
	SlotRequestTimeout time.Duration
	Clock              Clock
	// Log receives one line per placed attempt and per job kept in the
	// JobManager (nil: discarded).
	Log io.Writer
}

// Distributor is the JobManager's session.Distributor: see the package
// documentation. Its methods are safe for concurrent use.
type Distributor struct {
	opts Options

	mu       sync.Mutex
	attempts map[attemptKey]*attemptRunner
}

var _ session.Distributor = (*Distributor)(nil)

type attemptKey struct {
	job     string
	attempt int64
}

// NewDistributor returns a Distributor over o.Registry; it watches the
// registry for lost TaskManagers.
func NewDistributor(o Options) *Distributor {
	if o.SlotRequestTimeout <= 0 {
		o.SlotRequestTimeout = DefaultSlotRequestTimeout
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	d := &Distributor{opts: o, attempts: map[attemptKey]*attemptRunner{}}
	o.Registry.OnRemoved(d.lost)
	return d
}

// NoResourceAvailableError is Flink's NoResourceAvailableException.
type NoResourceAvailableError struct {
	Needed, Free, Total, TaskManagers int
	Timeout                           time.Duration
}

func (e *NoResourceAvailableError) Error() string {
	return fmt.Sprintf("org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException: Could not acquire the minimum required resources. "+
		"The job needs %d slot(s) (its largest parallelism); %d of %d slot(s) on %d TaskManager(s) were free after slot.request.timeout %s.",
		e.Needed, e.Free, e.Total, e.TaskManagers, e.Timeout)
}

// FlinkClass is the exception class Flink reports.
func (e *NoResourceAvailableError) FlinkClass() string {
	return "org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException"
}

// Distribute implements session.Distributor.
func (d *Distributor) Distribute(jobID string, dep session.Deployment, g *runtime.JobGraph) (func(checkpoint.Attempt) (*runtime.Placement, error), error) {
	if n, _, _ := d.opts.Registry.Slots(); n == 0 {
		return nil, nil // a one-machine cluster: the job runs here
	}
	cfg, err := session.DeploymentCheckpointConfig(dep, session.Options{})
	if err != nil {
		return nil, err
	}
	if cfg.Interval > 0 && cfg.Dir == "" {
		fmt.Fprintf(d.opts.Log, "[WARN] Job %s runs in the JobManager's process, not on the TaskManagers: it checkpoints (execution.checkpointing.interval) but no checkpoint directory is configured, so its checkpoints go to a private directory of the JobManager that TaskManagers cannot write. Set execution.checkpointing.dir (state.checkpoints.dir) to a path every machine mounts, or to s3://...\n", jobID)
		return nil, nil
	}
	need := 0
	for _, v := range g.Vertices {
		need = max(need, v.Parallelism)
	}
	fp := g.Fingerprint()
	return func(a checkpoint.Attempt) (*runtime.Placement, error) {
		owner := fmt.Sprintf("%s#%d", jobID, a.Number)
		slots, err := d.allocate(owner, need)
		if err != nil {
			return nil, err
		}
		r := &attemptRunner{d: d, key: attemptKey{jobID, int64(a.Number)}, owner: owner, a: a, dep: dep, fp: fp, g: g, slots: slots}
		var where []string
		for i, s := range slots {
			where = append(where, fmt.Sprintf("slot %d → %s", i, s.ResourceID))
		}
		fmt.Fprintf(d.opts.Log, "[INFO] Job %s attempt %d placed on %d slot(s): %s.\n", jobID, a.Number, len(slots), strings.Join(where, ", "))
		return &runtime.Placement{Local: func(int, int) bool { return false }, Remote: r}, nil
	}, nil
}

// allocate takes n slots, waiting up to the slot request timeout.
func (d *Distributor) allocate(owner string, n int) ([]cluster.Slot, error) {
	reg := d.opts.Registry
	timeout := d.opts.Clock.After(d.opts.SlotRequestTimeout)
	for {
		changed := reg.Changed()
		if slots, ok := reg.AllocateSlots(owner, n); ok {
			return slots, nil
		}
		select {
		case <-changed:
		case <-timeout:
			tms, total, free := reg.Slots()
			return nil, &NoResourceAvailableError{Needed: n, Free: free, Total: total, TaskManagers: tms, Timeout: d.opts.SlotRequestTimeout}
		}
	}
}

// Attempts returns the number of attempts currently deployed (tests).
func (d *Distributor) Attempts() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.attempts)
}

// lost fails every attempt with a subtask on the registration that ended.
func (d *Distributor) lost(tm cluster.TaskManager) {
	d.mu.Lock()
	var hit []*attemptRunner
	for _, r := range d.attempts {
		if r.uses(tm.RegistrationID) {
			hit = append(hit, r)
		}
	}
	d.mu.Unlock()
	for _, r := range hit {
		r.fail(fmt.Errorf("TaskManager with id %s at %s is no longer reachable (lost, disconnected or restarted): attempt %d of job %s failed",
			tm.ResourceID, tm.Address(), r.key.attempt, r.key.job))
	}
}

// HandleReport routes a TaskManager's report to its attempt
// (cluster.ReportHandler); reports of attempts that ended, or of subtasks
// tm does not run, are stale.
func (d *Distributor) HandleReport(tm cluster.TaskManager, req *pb.ReportRequest) error {
	d.mu.Lock()
	r := d.attempts[attemptKey{req.GetJobId(), req.GetAttempt()}]
	d.mu.Unlock()
	if r == nil {
		return fmt.Errorf("%w: attempt %d of job %s is not running", cluster.ErrStale, req.GetAttempt(), req.GetJobId())
	}
	return r.report(tm, req)
}

// attemptRunner is the runtime.RemoteRunner of one attempt.
type attemptRunner struct {
	d     *Distributor
	key   attemptKey
	owner string
	a     checkpoint.Attempt
	dep   session.Deployment
	fp    string
	g     *runtime.JobGraph
	slots []cluster.Slot // slot i runs subtask i of every vertex

	mu      sync.Mutex
	rep     runtime.RemoteReports
	lostErr error // a TaskManager was lost before Start
	ended   bool
}

// regs returns the attempt's registrations, each once, in slot order.
func (r *attemptRunner) regs() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range r.slots {
		if !seen[s.RegistrationID] {
			seen[s.RegistrationID] = true
			out = append(out, s.RegistrationID)
		}
	}
	return out
}

func (r *attemptRunner) uses(regID string) bool {
	for _, s := range r.slots {
		if s.RegistrationID == regID {
			return true
		}
	}
	return false
}

func (r *attemptRunner) command() *pb.Command {
	return &pb.Command{JobId: r.key.job, Attempt: r.key.attempt}
}

// send sends c to every TaskManager of the attempt.
func (r *attemptRunner) send(c *pb.Command) error {
	for _, reg := range r.regs() {
		if err := r.d.opts.Registry.Send(reg, c); err != nil {
			return fmt.Errorf("%w (registration %s)", err, reg)
		}
	}
	return nil
}

// Start implements runtime.RemoteRunner: it deploys the attempt.
func (r *attemptRunner) Start(ctx context.Context, rep runtime.RemoteReports) error {
	r.mu.Lock()
	r.rep = rep
	lostErr := r.lostErr
	r.mu.Unlock()
	r.d.mu.Lock()
	r.d.attempts[r.key] = r
	r.d.mu.Unlock()
	err := lostErr
	if err == nil {
		for _, s := range r.slots {
			if _, ok := r.d.opts.Registry.Current(s.ResourceID, s.RegistrationID); !ok {
				err = fmt.Errorf("TaskManager with id %s is no longer reachable", s.ResourceID)
				break
			}
		}
	}
	if err == nil {
		c := r.command()
		c.Kind = &pb.Command_Deploy{Deploy: r.deploy()}
		err = r.send(c)
	}
	if err != nil {
		r.end()
		return err
	}
	go func() {
		<-ctx.Done()
		r.end()
	}()
	return nil
}

// end cancels the attempt's remote subtasks, forgets the attempt and
// releases its slots; once.
func (r *attemptRunner) end() {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return
	}
	r.ended = true
	r.mu.Unlock()
	r.d.mu.Lock()
	if r.d.attempts[r.key] == r {
		delete(r.d.attempts, r.key)
	}
	r.d.mu.Unlock()
	c := r.command()
	c.Kind = &pb.Command_Cancel{Cancel: &pb.Cancel{Reason: "the attempt ended"}}
	_ = r.send(c) // best effort: a TaskManager gone has nothing to cancel
	r.d.opts.Registry.ReleaseSlots(r.owner)
}

func (r *attemptRunner) fail(err error) {
	r.mu.Lock()
	rep := r.rep
	if rep == nil {
		r.lostErr = err
	}
	r.mu.Unlock()
	if rep != nil {
		rep.Failed(err)
	}
}

// deploy builds the Deploy command.
func (r *attemptRunner) deploy() *pb.Deploy {
	dp := &pb.Deploy{
		Deployment:  &pb.Deployment{Config: r.dep.Config, Setup: r.dep.Setup, Inserts: r.dep.Inserts},
		Fingerprint: r.fp,
		RestoreDir:  r.a.RestoreDir,
		Restored:    r.a.Restore != nil,
	}
	for _, v := range r.g.Vertices {
		for s := 0; s < v.Parallelism; s++ {
			sl := r.slots[s]
			dp.Assignments = append(dp.Assignments, &pb.Assignment{Vertex: int32(v.Index), Subtask: int32(s), ResourceId: sl.ResourceID, DataAddress: sl.DataAddress})
		}
	}
	if r.a.Restore != nil {
		dp.Restore = toSubtasks(r.a.Restore)
		dp.RestoreKeyed = toSubtasks(r.a.RestoreKeyed)
	}
	return dp
}

// Trigger implements runtime.RemoteRunner.
func (r *attemptRunner) Trigger(b runtime.Barrier) error {
	t := r.a.Target(b.CheckpointID)
	c := r.command()
	c.Kind = &pb.Command_Trigger{Trigger: &pb.Trigger{CheckpointId: b.CheckpointID, TimestampMs: b.Timestamp, Savepoint: b.Savepoint, Drain: b.Drain,
		Target: &pb.KeyedTarget{Dir: t.Dir, SharedDir: t.SharedDir, Canonical: t.Canonical}}}
	return r.send(c)
}

// NotifyCheckpointComplete implements runtime.RemoteRunner.
func (r *attemptRunner) NotifyCheckpointComplete(id int64) {
	c := r.command()
	c.Kind = &pb.Command_Notify{Notify: &pb.NotifyCheckpointComplete{CheckpointId: id}}
	_ = r.send(c) // a lost TaskManager fails the attempt anyway
}

// report delivers one report of tm.
func (r *attemptRunner) report(tm cluster.TaskManager, req *pb.ReportRequest) error {
	r.mu.Lock()
	rep := r.rep
	r.mu.Unlock()
	if rep == nil || !r.uses(tm.RegistrationID) {
		return fmt.Errorf("%w: TaskManager %s runs no subtask of attempt %d of job %s", cluster.ErrStale, tm.ResourceID, r.key.attempt, r.key.job)
	}
	check := func(vertex, subtask int32) error {
		if vertex < 0 || int(vertex) >= len(r.g.Vertices) || subtask < 0 || int(subtask) >= r.g.Vertices[vertex].Parallelism ||
			r.slots[subtask].RegistrationID != tm.RegistrationID {
			return fmt.Errorf("%w: subtask %d of vertex %d of attempt %d of job %s does not run on TaskManager %s", cluster.ErrStale, subtask, vertex, r.key.attempt, r.key.job, tm.ResourceID)
		}
		return nil
	}
	switch k := req.GetKind().(type) {
	case *pb.ReportRequest_Acknowledge:
		a := k.Acknowledge
		if err := check(a.GetVertex(), a.GetSubtask()); err != nil {
			return err
		}
		var keyed map[string]state.Pending
		for op, hb := range a.GetKeyed() {
			h, err := state.UnmarshalHandle(hb)
			if err != nil {
				return fmt.Errorf("the keyed state handle of operator %s from TaskManager %s: %w", op, tm.ResourceID, err)
			}
			if keyed == nil {
				keyed = map[string]state.Pending{}
			}
			keyed[op] = state.WrittenPending{Handle: h}
		}
		rep.Acknowledged(a.GetCheckpointId(), int(a.GetVertex()), int(a.GetSubtask()), nonNil(a.GetStates()), keyed)
	case *pb.ReportRequest_Finished:
		f := k.Finished
		if err := check(f.GetVertex(), f.GetSubtask()); err != nil {
			return err
		}
		var states map[string][]byte
		if f.GetHasStates() {
			states = nonNil(f.GetStates())
		}
		rep.Finished(int(f.GetVertex()), int(f.GetSubtask()), states)
	case *pb.ReportRequest_Exited:
		e := k.Exited
		if err := check(e.GetVertex(), e.GetSubtask()); err != nil {
			return err
		}
		rep.Exited(int(e.GetVertex()), int(e.GetSubtask()))
	case *pb.ReportRequest_Failed:
		rep.Failed(fmt.Errorf("TaskManager %s: %s", tm.ResourceID, k.Failed.GetError()))
	default:
		return errors.New("an empty report")
	}
	return nil
}

func nonNil(m map[string][]byte) map[string][]byte {
	if m == nil {
		return map[string][]byte{}
	}
	return m
}

// toSubtasks encodes restore data by operator.
func toSubtasks(m map[string][][]byte) map[string]*pb.Subtasks {
	out := make(map[string]*pb.Subtasks, len(m))
	for op, blobs := range m {
		out[op] = &pb.Subtasks{Blobs: blobs}
	}
	return out
}

// fromSubtasks decodes restore data; an empty blob is none (nil).
func fromSubtasks(m map[string]*pb.Subtasks) map[string][][]byte {
	out := make(map[string][][]byte, len(m))
	for op, s := range m {
		blobs := make([][]byte, len(s.GetBlobs()))
		for i, b := range s.GetBlobs() {
			if len(b) > 0 {
				blobs[i] = b
			}
		}
		out[op] = blobs
	}
	return out
}
