package cluster

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/flinkgo/engine/runtime/cluster/clusterpb"
)

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// TestAllocateSlots: slots are spread over the TaskManagers, all or
// nothing, released by owner; Changed fires on every change.
func TestAllocateSlots(t *testing.T) {
	r := NewRegistry(RegistryOptions{HeartbeatTimeout: time.Second, Clock: &fakeClock{now: time.Unix(1000, 0)}})
	for _, id := range []string{"tm-b", "tm-a"} {
		if _, err := r.Register(reg(id, "h-"+id, 7000, 2, "n")); err != nil {
			t.Fatal(err)
		}
	}
	ch := r.Changed()
	got, ok := r.AllocateSlots("job1#1", 2)
	if !ok || len(got) != 2 || got[0].ResourceID != "tm-a" || got[1].ResourceID != "tm-b" || got[0].DataAddress != "h-tm-a:7000" {
		t.Fatalf("allocated %+v %v, want one slot on each TaskManager", got, ok)
	}
	if !closed(ch) {
		t.Fatal("Changed did not fire on allocation")
	}
	if _, _, free := r.Slots(); free != 2 {
		t.Fatalf("%d free slots, want 2", free)
	}
	if s, ok := r.AllocateSlots("job2#1", 3); ok || s != nil {
		t.Fatalf("allocated %+v with only 2 free", s)
	}
	if _, _, free := r.Slots(); free != 2 {
		t.Fatalf("a failed allocation took slots: %d free", free)
	}
	two, ok := r.AllocateSlots("job2#1", 2)
	if !ok || two[0].ResourceID != "tm-a" || two[1].ResourceID != "tm-b" || two[0].Index != 1 {
		t.Fatalf("second allocation %+v", two)
	}
	ch = r.Changed()
	r.ReleaseSlots("job1#1")
	if !closed(ch) {
		t.Fatal("Changed did not fire on release")
	}
	tm, _ := r.TaskManager("tm-a")
	if tm.FreeSlots != 1 {
		t.Fatalf("tm-a has %d free slots, want 1", tm.FreeSlots)
	}
	r.ReleaseSlots("job2#1")
	r.ReleaseSlots("nobody")
	if _, total, free := r.Slots(); free != 4 || total != 4 {
		t.Fatalf("%d of %d free after releasing everything", free, total)
	}
}

// TestRemovedRegistrations: a lost, disconnected or replaced registration
// is told to the listeners (outside the lock), takes its slots and queued
// commands with it, and commands to it are refused.
func TestRemovedRegistrations(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1000, 0)}
	r := NewRegistry(RegistryOptions{HeartbeatTimeout: time.Second, Clock: clock})
	var mu sync.Mutex
	var removed []string
	r.OnRemoved(func(tm TaskManager) {
		r.Slots() // the registry's lock is free here
		mu.Lock()
		removed = append(removed, tm.ResourceID+"/"+tm.RegistrationID)
		mu.Unlock()
	})
	a1, _ := r.Register(reg("tm-a", "h", 1, 1, "n1"))
	b1, _ := r.Register(reg("tm-b", "h", 2, 1, "n1"))
	if err := r.Send(a1, &pb.Command{JobId: "j"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.AllocateSlots("j#1", 2); !ok {
		t.Fatal("no slots")
	}
	// Replaced (a restart on the same host): the old registration ends.
	a2, _ := r.Register(reg("tm-a", "h", 1, 1, "n2"))
	if err := r.Send(a1, &pb.Command{JobId: "j"}); !errors.Is(err, ErrUnknownTaskManager) {
		t.Fatalf("Send to a replaced registration = %v", err)
	}
	if tm, _ := r.TaskManager("tm-a"); tm.FreeSlots != 1 {
		t.Fatalf("the new registration has %d free slots", tm.FreeSlots)
	}
	// Lost: tm-b stops heartbeating.
	clock.Advance(800 * time.Millisecond)
	r.Heartbeat("tm-a", a2, Memory{})
	clock.Advance(800 * time.Millisecond)
	r.Sweep()
	// Disconnected.
	r.Disconnect("tm-a", a2, "bye")
	mu.Lock()
	defer mu.Unlock()
	want := []string{"tm-a/" + a1, "tm-b/" + b1, "tm-a/" + a2}
	if len(removed) != 3 || removed[0] != want[0] || removed[1] != want[1] || removed[2] != want[2] {
		t.Fatalf("removed %v, want %v", removed, want)
	}
	if err := r.Send(b1, &pb.Command{}); !errors.Is(err, ErrUnknownTaskManager) {
		t.Fatalf("Send to a lost registration = %v", err)
	}
}

// TestCommandsAndReports: commands queued for a registration reach the
// member's OnCommand in order over the stream; reports of the current
// registration reach the handler, stale ones are FAILED_PRECONDITION.
func TestCommandsAndReports(t *testing.T) {
	jm := startJobManager(t, "127.0.0.1:0", time.Minute)
	var mu sync.Mutex
	var got []string
	var reports []string
	jm.srv.SetReportHandler(func(tm TaskManager, req *pb.ReportRequest) error {
		if req.GetJobId() == "stale" {
			return ErrStale
		}
		mu.Lock()
		reports = append(reports, tm.ResourceID+":"+req.GetJobId())
		mu.Unlock()
		return nil
	})
	mb := startMember(t, jm.addr(), reg("tm-a", "127.0.0.1", 1, 1, ""), func(o *MemberOptions) {
		o.OnCommand = func(_ string, c *pb.Command) {
			mu.Lock()
			got = append(got, c.GetJobId())
			mu.Unlock()
		}
	})
	waitFor(t, "registration", registered(jm, "tm-a"))
	tm, _ := jm.reg.TaskManager("tm-a")
	for _, j := range []string{"1", "2", "3"} {
		if err := jm.reg.Send(tm.RegistrationID, &pb.Command{JobId: j}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "three commands", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 3
	})
	mu.Lock()
	if got[0] != "1" || got[1] != "2" || got[2] != "3" {
		t.Fatalf("commands %v out of order", got)
	}
	mu.Unlock()
	regID, _, _ := mb.m.Registered()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := mb.m.Report(ctx, regID, &pb.ReportRequest{JobId: "j"}); err != nil {
		t.Fatal(err)
	}
	if err := mb.m.Report(ctx, regID, &pb.ReportRequest{JobId: "stale"}); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("a stale report = %v", err)
	}
	if err := mb.m.Report(ctx, "not-mine", &pb.ReportRequest{JobId: "j"}); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("a report of another registration = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 1 || reports[0] != "tm-a:j" {
		t.Fatalf("reports %v", reports)
	}
}
