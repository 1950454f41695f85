package cluster

import (
	"context"
	"net"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	pb "github.com/flinkgo/engine/runtime/cluster/clusterpb"
)

// waitFor polls cond until it holds; on a generous deadline it dumps the
// goroutines and fails.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			var b strings.Builder
			pprof.Lookup("goroutine").WriteTo(&b, 2)
			t.Fatalf("timed out waiting for %s\n%s", what, b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// jobManager is a registry served on loopback with the wall clock.
type jobManager struct {
	reg *Registry
	srv *Server
	log *syncLog
}

func startJobManager(t *testing.T, addr string, timeout time.Duration) *jobManager {
	t.Helper()
	var ln net.Listener
	var err error
	// Rebinding the port a stopped server used may take a moment.
	waitFor(t, "listening on "+addr, func() bool {
		ln, err = net.Listen("tcp", addr)
		return err == nil
	})
	log := &syncLog{}
	reg := NewRegistry(RegistryOptions{HeartbeatTimeout: timeout, Log: log})
	srv := NewServer(reg)
	srv.Serve(ln)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { reg.Run(ctx); close(done) }()
	t.Cleanup(func() { srv.Close(); cancel(); <-done })
	return &jobManager{reg: reg, srv: srv, log: log}
}

func (jm *jobManager) addr() string { return jm.srv.Addr().String() }

// member runs a Member until the test ends (or stop is called).
type member struct {
	m       *Member
	log     *syncLog
	regs    atomic.Int32
	stop    context.CancelFunc
	done    chan struct{}
	runErr  error
	stopped atomic.Bool
}

func startMember(t *testing.T, jmAddr string, r Registration, tweak func(*MemberOptions)) *member {
	t.Helper()
	mb := &member{log: &syncLog{}, done: make(chan struct{})}
	opts := MemberOptions{
		JobManager:             jmAddr,
		Registration:           r,
		HeartbeatInterval:      20 * time.Millisecond,
		HeartbeatTimeout:       2 * time.Second,
		RegistrationErrorDelay: 50 * time.Millisecond,
		Log:                    mb.log,
		OnRegistered:           func(string, string) { mb.regs.Add(1) },
	}
	if tweak != nil {
		tweak(&opts)
	}
	mb.m = NewMember(opts)
	ctx, cancel := context.WithCancel(context.Background())
	mb.stop = cancel
	go func() { mb.runErr = mb.m.Run(ctx); close(mb.done) }()
	t.Cleanup(func() { mb.shutdown(t) })
	return mb
}

func (mb *member) shutdown(t *testing.T) {
	if mb.stopped.Swap(true) {
		return
	}
	mb.stop()
	select {
	case <-mb.done:
	case <-time.After(60 * time.Second):
		var b strings.Builder
		pprof.Lookup("goroutine").WriteTo(&b, 2)
		t.Fatalf("Member.Run did not return after cancel\n%s", b.String())
	}
}

func registered(jm *jobManager, id string) func() bool {
	return func() bool { _, ok := jm.reg.TaskManager(id); return ok }
}

func TestMemberRegistersHeartbeatsAndLeaves(t *testing.T) {
	jm := startJobManager(t, "127.0.0.1:0", 500*time.Millisecond)
	mb := startMember(t, jm.addr(), reg("tm-1", "127.0.0.1", 7000, 2, ""), nil)
	waitFor(t, "registration", registered(jm, "tm-1"))
	// The JobManager records the registration before its answer reaches
	// the member, which only then calls OnRegistered.
	waitFor(t, "OnRegistered", func() bool { return mb.regs.Load() >= 1 })
	// Heartbeats keep a registration alive for more than twice the
	// timeout (a loaded machine may stall one past the timeout; the
	// member then registers again, and a later registration will do).
	waitFor(t, "a registration outliving the timeout", func() bool {
		tm, ok := jm.reg.TaskManager("tm-1")
		return ok && tm.LastHeartbeat.Sub(tm.RegisteredAt) > time.Second && tm.Memory.Goroutines > 0
	})
	waitFor(t, "Registered() to match the JobManager's registration", func() bool {
		tm, ok := jm.reg.TaskManager("tm-1")
		regID, jmID, mok := mb.m.Registered()
		return ok && mok && regID == tm.RegistrationID && jmID == jm.reg.ID()
	})
	// A clean shutdown disconnects at once.
	mb.shutdown(t)
	if mb.runErr != nil {
		t.Fatal(mb.runErr)
	}
	if _, ok := jm.reg.TaskManager("tm-1"); ok {
		t.Fatalf("still registered after shutdown\nJM log:\n%s", jm.log)
	}
	if !strings.Contains(jm.log.String(), "disconnected: the TaskManager is shutting down.") {
		t.Fatalf("JM log:\n%s", jm.log)
	}
}

func TestMemberReRegistersWhenForgotten(t *testing.T) {
	jm := startJobManager(t, "127.0.0.1:0", time.Minute)
	mb := startMember(t, jm.addr(), reg("tm-1", "127.0.0.1", 7000, 2, ""), nil)
	waitFor(t, "registration", registered(jm, "tm-1"))
	old, _ := jm.reg.TaskManager("tm-1")
	// The JobManager forgets it (as after a timeout).
	jm.reg.Disconnect("tm-1", old.RegistrationID, "test")
	waitFor(t, "registering again", func() bool {
		tm, ok := jm.reg.TaskManager("tm-1")
		return ok && tm.RegistrationID != old.RegistrationID
	})
	if !strings.Contains(mb.log.String(), "does not know this TaskManager's registration") {
		t.Fatalf("TM log:\n%s", mb.log)
	}
}

func TestMemberRejoinsRestartedJobManager(t *testing.T) {
	jm := startJobManager(t, "127.0.0.1:0", time.Minute)
	addr := jm.addr()
	mb := startMember(t, addr, reg("tm-1", "127.0.0.1", 7000, 3, ""), nil)
	waitFor(t, "registration", registered(jm, "tm-1"))
	jm.srv.Close()
	// A new JobManager process on the same address knows nothing: the
	// TaskManager's next heartbeat is answered UNKNOWN and it registers.
	jm2 := startJobManager(t, addr, time.Minute)
	waitFor(t, "registration with the new JobManager", registered(jm2, "tm-1"))
	if _, jmID, _ := mb.m.Registered(); jmID == jm.reg.ID() {
		waitFor(t, "the member to see the new JobManager", func() bool { _, id, _ := mb.m.Registered(); return id == jm2.reg.ID() })
	}
	if n, total, _ := jm2.reg.Slots(); n != 1 || total != 3 {
		t.Fatalf("new JobManager: %d TMs, %d slots", n, total)
	}
}

func TestMemberDetectsLostJobManager(t *testing.T) {
	jm := startJobManager(t, "127.0.0.1:0", time.Minute)
	addr := jm.addr()
	mb := startMember(t, addr, reg("tm-1", "127.0.0.1", 7000, 1, ""), func(o *MemberOptions) { o.HeartbeatTimeout = 200 * time.Millisecond })
	waitFor(t, "registration", registered(jm, "tm-1"))
	jm.srv.Close()
	waitFor(t, "the member to notice", func() bool { _, _, ok := mb.m.Registered(); return !ok })
	if !strings.Contains(mb.log.String(), "answered no heartbeat for") {
		t.Fatalf("TM log:\n%s", mb.log)
	}
	jm2 := startJobManager(t, addr, time.Minute)
	waitFor(t, "registration with the new JobManager", registered(jm2, "tm-1"))
}

func TestMemberDuplicateIDRefusedThenAccepted(t *testing.T) {
	jm := startJobManager(t, "127.0.0.1:0", time.Minute)
	a := startMember(t, jm.addr(), reg("same", "10.0.0.1", 7000, 1, ""), nil)
	waitFor(t, "first registration", registered(jm, "same"))
	b := startMember(t, jm.addr(), reg("same", "10.0.0.2", 7000, 1, ""), func(o *MemberOptions) { o.RegistrationRefusedDelay = 20 * time.Millisecond })
	waitFor(t, "the refusal", func() bool { return strings.Contains(b.log.String(), "AlreadyExists") })
	if tm, _ := jm.reg.TaskManager("same"); tm.Host != "10.0.0.1" {
		t.Fatalf("the refused duplicate took the id: %+v", tm)
	}
	a.shutdown(t) // disconnects: the id is free
	waitFor(t, "the second one to get the id", func() bool {
		tm, ok := jm.reg.TaskManager("same")
		return ok && tm.Host == "10.0.0.2"
	})
}

func TestMemberInvalidRegistration(t *testing.T) {
	jm := startJobManager(t, "127.0.0.1:0", time.Minute)
	mb := startMember(t, jm.addr(), reg("tm-0", "h", 1, 0, ""), nil)
	select {
	case <-mb.done:
	case <-time.After(60 * time.Second):
		t.Fatal("Run did not give up on an invalid registration")
	}
	if mb.runErr == nil || !strings.Contains(mb.runErr.Error(), "taskmanager.numberOfTaskSlots must be at least 1") {
		t.Fatalf("Run = %v", mb.runErr)
	}
}

func TestUnknownRegistrationCalls(t *testing.T) {
	jm := startJobManager(t, "127.0.0.1:0", time.Minute)
	conn, err := grpc.NewClient("passthrough:///"+jm.addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// A report or a command stream of a registration never made: refused.
	_, err = pb.NewJobManagerClient(conn).Report(ctx, &pb.ReportRequest{ResourceId: "x", RegistrationId: "y", JobId: "j"})
	if status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("Report = %v, want FAILED_PRECONDITION", err)
	}
	stream, err := pb.NewJobManagerClient(conn).Commands(ctx, &pb.CommandsRequest{ResourceId: "x", RegistrationId: "y"})
	if err == nil {
		_, err = stream.Recv()
	}
	if status.Code(err) != codes.NotFound {
		t.Fatalf("Commands = %v, want NOT_FOUND", err)
	}
	// Heartbeat of a registration never made: UNKNOWN, not an error.
	resp, err := pb.NewJobManagerClient(conn).Heartbeat(ctx, &pb.HeartbeatRequest{ResourceId: "x", RegistrationId: "y"})
	if err != nil || resp.GetStatus() != pb.HeartbeatResponse_UNKNOWN || resp.GetJobmanagerId() != jm.reg.ID() {
		t.Fatalf("Heartbeat = %v, %v", resp, err)
	}
}
