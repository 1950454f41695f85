package clusterexec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flinkgo/engine/checkpoint"
	"github.com/flinkgo/engine/planner/session"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/cluster"
	pb "github.com/flinkgo/engine/runtime/cluster/clusterpb"
	"github.com/flinkgo/engine/runtime/state"
)

// fakeClock hands out timers the test fires by hand.
type fakeClock struct {
	mu     sync.Mutex
	timers []chan time.Time
	asked  chan struct{} // signalled at each After
}

func newFakeClock() *fakeClock { return &fakeClock{asked: make(chan struct{}, 16)} }

func (c *fakeClock) After(time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	c.timers = append(c.timers, ch)
	c.mu.Unlock()
	c.asked <- struct{}{}
	return ch
}

func (c *fakeClock) fireAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.timers {
		t <- time.Time{}
	}
	c.timers = nil
}

// regClock is the registry's clock.
type regClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *regClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *regClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// fakeReports records what the runner reports.
type fakeReports struct {
	mu     sync.Mutex
	events []string
	failed []error
}

func (f *fakeReports) add(s string) { f.mu.Lock(); f.events = append(f.events, s); f.mu.Unlock() }
func (f *fakeReports) Acknowledged(id int64, v, s int, states map[string][]byte, keyed map[string]state.Pending) {
	var ks []string
	for op, p := range keyed {
		h := p.(state.WrittenPending).Handle
		ks = append(ks, fmt.Sprintf("%s@%d", op, h.CheckpointID))
	}
	f.add(fmt.Sprintf("ack %d %d/%d states=%d keyed=%v", id, v, s, len(states), ks))
}
func (f *fakeReports) Finished(v, s int, states map[string][]byte) {
	f.add(fmt.Sprintf("finished %d/%d nil=%v", v, s, states == nil))
}
func (f *fakeReports) Exited(v, s int) { f.add(fmt.Sprintf("exited %d/%d", v, s)) }
func (f *fakeReports) Failed(err error) {
	f.mu.Lock()
	f.failed = append(f.failed, err)
	f.mu.Unlock()
}
func (f *fakeReports) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.events, "; ")
}

func testGraph(par int) *runtime.JobGraph {
	return &runtime.JobGraph{Name: "g", MaxParallelism: 128, Vertices: []*runtime.Vertex{
		{Index: 0, Name: "src", Parallelism: par, Source: &runtime.SourceSpec{ID: "s", Name: "src"}},
		{Index: 1, Name: "agg", Parallelism: par, Chain: []runtime.OperatorSpec{{ID: "a", Name: "agg"}}},
	}, Edges: []*runtime.Edge{{From: 0, To: 1, Partitioning: runtime.Hash, KeyColumns: []int{0}}}}
}

func register(t *testing.T, r *cluster.Registry, id string, slots int) string {
	t.Helper()
	reg, err := r.Register(cluster.Registration{ResourceID: id, Host: "h-" + id, DataPort: 7000, Slots: slots})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func attempt(n int) checkpoint.Attempt {
	return checkpoint.Attempt{JobID: "job", Number: n, Root: "/shared", Target: func(id int64) checkpoint.KeyedTarget {
		return checkpoint.KeyedTarget{Dir: fmt.Sprintf("/shared/job/chk-%d", id), SharedDir: "/shared/job/shared"}
	}}
}

// TestDistributeLocally: without TaskManagers, or checkpointing without a
// checkpoint directory, jobs stay in the JobManager.
func TestDistributeLocally(t *testing.T) {
	r := cluster.NewRegistry(cluster.RegistryOptions{})
	var log strings.Builder
	d := NewDistributor(Options{Registry: r, Clock: newFakeClock(), Log: &log})
	fn, err := d.Distribute("job", session.Deployment{Config: map[string]string{}}, testGraph(2))
	if err != nil || fn != nil {
		t.Fatalf("no TaskManager: %v %v, want local", fn != nil, err)
	}
	register(t, r, "tm-a", 2)
	dep := session.Deployment{Config: map[string]string{}, Setup: []string{"SET 'execution.checkpointing.interval' = '1s'"}}
	if fn, err = d.Distribute("job", dep, testGraph(2)); err != nil || fn != nil {
		t.Fatalf("checkpointing without a directory: %v %v, want local", fn != nil, err)
	}
	if !strings.Contains(log.String(), "TaskManagers cannot write") {
		t.Fatalf("log %q does not say why", log.String())
	}
	dep.Setup = append(dep.Setup, "SET 'state.checkpoints.dir' = 'file:///shared'")
	if fn, err = d.Distribute("job", dep, testGraph(2)); err != nil || fn == nil {
		t.Fatalf("with a checkpoint directory: %v %v, want distributed", fn != nil, err)
	}
}

// TestSlotRequestTimeout: too few free slots wait for slots (a
// TaskManager registering ends the wait) or fail with Flink's
// NoResourceAvailableException once slot.request.timeout passed.
func TestSlotRequestTimeout(t *testing.T) {
	r := cluster.NewRegistry(cluster.RegistryOptions{})
	clock := newFakeClock()
	d := NewDistributor(Options{Registry: r, Clock: clock, SlotRequestTimeout: 7 * time.Second})
	register(t, r, "tm-a", 1)
	fn, err := d.Distribute("job", session.Deployment{Config: map[string]string{}}, testGraph(2))
	if err != nil || fn == nil {
		t.Fatal(err)
	}
	type result struct {
		pl  *runtime.Placement
		err error
	}
	res := make(chan result, 1)
	go func() { pl, err := fn(attempt(1)); res <- result{pl, err} }()
	<-clock.asked
	clock.fireAll()
	got := <-res
	var nr *NoResourceAvailableError
	if !errors.As(got.err, &nr) || !strings.Contains(got.err.Error(), "NoResourceAvailableException: Could not acquire the minimum required resources.") ||
		!strings.Contains(got.err.Error(), "needs 2 slot(s)") {
		t.Fatalf("err = %v", got.err)
	}
	if _, _, free := r.Slots(); free != 1 {
		t.Fatalf("%d free slots after the failed request, want 1", free)
	}
	// A second TaskManager arriving while it waits satisfies it.
	go func() { pl, err := fn(attempt(2)); res <- result{pl, err} }()
	<-clock.asked
	register(t, r, "tm-b", 1)
	got = <-res
	if got.err != nil || got.pl == nil || got.pl.Remote == nil || got.pl.Local(0, 0) || got.pl.Local(1, 1) {
		t.Fatalf("placement %+v, %v", got.pl, got.err)
	}
	if _, _, free := r.Slots(); free != 0 {
		t.Fatalf("%d free slots, want 0", free)
	}
}

// TestRunnerRouting: an attempt's runner deploys to its TaskManagers,
// sends triggers with the checkpoint's keyed target, routes their reports
// (refusing those of other attempts and of subtasks they do not run),
// fails the attempt when a TaskManager is lost, and releases its slots
// and cancels at its end.
func TestRunnerRouting(t *testing.T) {
	clock := &regClock{now: time.Unix(1000, 0)}
	r := cluster.NewRegistry(cluster.RegistryOptions{HeartbeatTimeout: time.Second, Clock: clock})
	d := NewDistributor(Options{Registry: r, Clock: newFakeClock()})
	regA, regB := register(t, r, "tm-a", 1), register(t, r, "tm-b", 1)
	tmA, _ := r.TaskManager("tm-a")
	tmB, _ := r.TaskManager("tm-b")
	g := testGraph(2)
	dep := session.Deployment{Config: map[string]string{"k": "v"}, Setup: []string{"SET 'a' = 'b'"}, Inserts: []string{"INSERT INTO x SELECT 1"}}
	fn, err := d.Distribute("job", dep, g)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := fn(attempt(3))
	if err != nil {
		t.Fatal(err)
	}
	rep := &fakeReports{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := pl.Remote.Start(ctx, rep); err != nil {
		t.Fatal(err)
	}
	for _, reg := range []string{regA, regB} {
		cmds := r.TakeCommands(reg)
		if len(cmds) != 1 || cmds[0].GetDeploy() == nil || cmds[0].GetJobId() != "job" || cmds[0].GetAttempt() != 3 {
			t.Fatalf("commands of %s: %v", reg, cmds)
		}
		dp := cmds[0].GetDeploy()
		if dp.GetFingerprint() != g.Fingerprint() || dp.GetDeployment().GetConfig()["k"] != "v" || len(dp.GetAssignments()) != 4 || dp.GetRestored() {
			t.Fatalf("deploy %v", dp)
		}
		for _, as := range dp.GetAssignments() {
			want := []string{"tm-a", "tm-b"}[as.GetSubtask()]
			if as.GetResourceId() != want || as.GetDataAddress() != "h-"+want+":7000" {
				t.Fatalf("assignment %v", as)
			}
		}
	}
	if err := pl.Remote.Trigger(runtime.Barrier{CheckpointID: 5, Savepoint: true}); err != nil {
		t.Fatal(err)
	}
	pl.Remote.NotifyCheckpointComplete(4)
	cmds := r.TakeCommands(regB)
	if len(cmds) != 2 || cmds[0].GetTrigger().GetTarget().GetDir() != "/shared/job/chk-5" || !cmds[0].GetTrigger().GetSavepoint() || cmds[1].GetNotify().GetCheckpointId() != 4 {
		t.Fatalf("commands after trigger: %v", cmds)
	}

	report := func(tm cluster.TaskManager, job string, att int64, kind any) error {
		req := &pb.ReportRequest{JobId: job, Attempt: att}
		switch k := kind.(type) {
		case *pb.Acknowledge:
			req.Kind = &pb.ReportRequest_Acknowledge{Acknowledge: k}
		case *pb.TaskFinished:
			req.Kind = &pb.ReportRequest_Finished{Finished: k}
		case *pb.TaskExited:
			req.Kind = &pb.ReportRequest_Exited{Exited: k}
		case *pb.AttemptFailed:
			req.Kind = &pb.ReportRequest_Failed{Failed: k}
		}
		return d.HandleReport(tm, req)
	}
	handle := state.MarshalHandle(state.Handle{Backend: state.BackendHeap, CheckpointID: 5, KeyGroupEnd: 63})
	if err := report(tmA, "job", 3, &pb.Acknowledge{CheckpointId: 5, Vertex: 1, Subtask: 0, States: map[string][]byte{"a": {1}}, Keyed: map[string][]byte{"a": handle}}); err != nil {
		t.Fatal(err)
	}
	if err := report(tmB, "job", 3, &pb.TaskFinished{Vertex: 0, Subtask: 1}); err != nil {
		t.Fatal(err)
	}
	if err := report(tmB, "job", 3, &pb.TaskExited{Vertex: 0, Subtask: 1}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []error{
		report(tmA, "job", 3, &pb.TaskExited{Vertex: 0, Subtask: 1}), // tm-b's subtask
		report(tmA, "job", 2, &pb.TaskExited{Vertex: 0, Subtask: 0}), // an older attempt
		report(tmA, "other", 3, &pb.TaskExited{Vertex: 0, Subtask: 0}),
		report(tmA, "job", 3, &pb.TaskExited{Vertex: 7, Subtask: 0}),
	} {
		if !errors.Is(bad, cluster.ErrStale) {
			t.Fatalf("a report that does not belong = %v, want stale", bad)
		}
	}
	if got, want := rep.String(), "ack 5 1/0 states=1 keyed=[a@5]; finished 0/1 nil=true; exited 0/1"; got != want {
		t.Fatalf("reports:\n got %s\nwant %s", got, want)
	}
	if err := report(tmA, "job", 3, &pb.AttemptFailed{Error: "boom"}); err != nil {
		t.Fatal(err)
	}
	// tm-b is lost: the attempt fails, naming it.
	clock.advance(800 * time.Millisecond)
	r.Heartbeat("tm-a", regA, cluster.Memory{})
	clock.advance(800 * time.Millisecond)
	r.Sweep()
	rep.mu.Lock()
	if len(rep.failed) != 2 || !strings.Contains(rep.failed[0].Error(), "TaskManager tm-a: boom") ||
		!strings.Contains(rep.failed[1].Error(), "TaskManager with id tm-b at h-tm-b:7000 is no longer reachable") {
		t.Fatalf("failures %v", rep.failed)
	}
	rep.mu.Unlock()
	// The attempt's end cancels on the TaskManagers left and releases the slots.
	cancel()
	deadline := time.Now().Add(90 * time.Second)
	for d.Attempts() != 0 { // the runner's goroutine sees ctx end
		if time.Now().After(deadline) {
			t.Fatal("the attempt did not end")
		}
		time.Sleep(time.Millisecond)
	}
	cmds = r.TakeCommands(regA)
	if len(cmds) != 3 || cmds[0].GetTrigger() == nil || cmds[1].GetNotify() == nil || cmds[2].GetCancel() == nil {
		t.Fatalf("commands of tm-a at the end: %v", cmds)
	}
	if _, _, free := r.Slots(); free != 1 {
		t.Fatalf("%d free slots at the end, want tm-a's 1", free)
	}
	if err := report(tmA, "job", 3, &pb.TaskExited{Vertex: 0, Subtask: 0}); !errors.Is(err, cluster.ErrStale) {
		t.Fatalf("a report after the end = %v", err)
	}
}
