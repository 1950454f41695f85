package cluster

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is moved by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// syncLog is a concurrency-safe log buffer.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func reg(id, host string, port, slots int, nonce string) Registration {
	return Registration{ResourceID: id, ProcessNonce: nonce, Host: host, DataPort: port, Slots: slots, Hardware: Hardware{CPUCores: 2, PhysicalMemory: -1, FreeMemory: -1}}
}

func newTestRegistry(timeout time.Duration) (*Registry, *fakeClock, *syncLog) {
	c, l := newFakeClock(), &syncLog{}
	return NewRegistry(RegistryOptions{HeartbeatTimeout: timeout, Clock: c, Log: l}), c, l
}

func TestRegistryRegisterAndSlots(t *testing.T) {
	r, c, log := newTestRegistry(50 * time.Second)
	if n, total, free := r.Slots(); n != 0 || total != 0 || free != 0 {
		t.Fatalf("empty registry: %d TMs, %d/%d slots", n, free, total)
	}
	a, err := r.Register(reg("tm-a", "10.0.0.1", 4001, 2, "na"))
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Second)
	b, err := r.Register(reg("tm-b", "10.0.0.2", 4002, 3, "nb"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 32 || len(b) != 32 || a == b {
		t.Fatalf("registration ids %q %q", a, b)
	}
	if n, total, free := r.Slots(); n != 2 || total != 5 || free != 5 {
		t.Fatalf("got %d TMs, %d free of %d slots; want 2, 5 of 5", n, free, total)
	}
	tms := r.TaskManagers()
	if len(tms) != 2 || tms[0].ResourceID != "tm-a" || tms[1].ResourceID != "tm-b" {
		t.Fatalf("TaskManagers() = %+v", tms)
	}
	if tms[1].Address() != "10.0.0.2:4002" || tms[1].RegistrationID != b || !tms[1].LastHeartbeat.Equal(c.Now()) {
		t.Fatalf("tm-b = %+v", tms[1])
	}
	// Copies: changing one does not change the registry.
	tms[0].Slots = 99
	if got, _ := r.TaskManager("tm-a"); got.Slots != 2 {
		t.Fatalf("TaskManagers returned a reference: slots %d", got.Slots)
	}
	if _, ok := r.TaskManager("nope"); ok {
		t.Fatal("unknown TaskManager found")
	}
	if !strings.Contains(log.String(), "[INFO] Registering TaskManager tm-a at 10.0.0.1:4001 with 2 slots.") {
		t.Fatalf("log:\n%s", log)
	}
	for _, bad := range []Registration{reg("", "h", 1, 1, "n"), reg("x", "h", 1, 0, "n")} {
		if _, err := r.Register(bad); err == nil || errors.Is(err, ErrDuplicateResourceID) {
			t.Fatalf("Register(%+v) = %v, want a validation error", bad, err)
		}
	}
}

func TestRegistryHeartbeatAndTimeout(t *testing.T) {
	r, c, log := newTestRegistry(50 * time.Second)
	a, _ := r.Register(reg("tm-a", "10.0.0.1", 4001, 2, "na"))
	b, _ := r.Register(reg("tm-b", "10.0.0.2", 4002, 2, "nb"))
	// tm-a heartbeats every 10 s for two minutes; tm-b falls silent.
	for i := 0; i < 12; i++ {
		c.Advance(10 * time.Second)
		if !r.Heartbeat("tm-a", a, Memory{HeapUsed: int64(i), FreeMemory: 1 << 30}) {
			t.Fatalf("heartbeat %d of tm-a refused", i)
		}
		lost := r.Sweep()
		// tm-b's last heartbeat is (i+1)*10 s old: 50 s is not over the
		// timeout, 60 s is.
		switch {
		case i != 5 && len(lost) != 0:
			t.Fatalf("after %ds lost %v", (i+1)*10, lost)
		case i == 5 && (len(lost) != 1 || lost[0].ResourceID != "tm-b"):
			t.Fatalf("after 60s lost %v, want tm-b", lost)
		}
	}
	if n, total, _ := r.Slots(); n != 1 || total != 2 {
		t.Fatalf("after the loss: %d TMs, %d slots", n, total)
	}
	got, _ := r.TaskManager("tm-a")
	if got.Memory.HeapUsed != 11 || got.Hardware.FreeMemory != 1<<30 {
		t.Fatalf("tm-a's heartbeat report not kept: %+v", got)
	}
	if !strings.Contains(log.String(), "[WARN] The heartbeat of TaskManager with id tm-b at 10.0.0.2:4002 timed out: none for 1m0s (heartbeat.timeout 50s); removed it and its 2 slots.") {
		t.Fatalf("log:\n%s", log)
	}
	// The lost TaskManager's heartbeats are refused: it must register again.
	if r.Heartbeat("tm-b", b, Memory{}) {
		t.Fatal("heartbeat of a removed registration accepted")
	}
	b2, err := r.Register(reg("tm-b", "10.0.0.2", 4002, 2, "nb"))
	if err != nil || b2 == b {
		t.Fatalf("re-register after loss: %q, %v", b2, err)
	}
	if !r.Heartbeat("tm-b", b2, Memory{}) || r.Heartbeat("tm-b", b, Memory{}) {
		t.Fatal("new registration refused or old one accepted")
	}
}

func TestRegistryExpiredHeartbeatBeforeSweep(t *testing.T) {
	r, c, _ := newTestRegistry(time.Second)
	a, _ := r.Register(reg("tm-a", "h", 1, 1, "n"))
	c.Advance(2 * time.Second)
	// A heartbeat arriving after the timeout but before the sweep does not
	// revive the registration: the loss stands.
	if r.Heartbeat("tm-a", a, Memory{}) {
		t.Fatal("a heartbeat after the timeout revived the registration")
	}
	if _, ok := r.TaskManager("tm-a"); ok {
		t.Fatal("expired TaskManager still registered")
	}
}

func TestRegistryReRegisterAndDuplicates(t *testing.T) {
	r, c, log := newTestRegistry(50 * time.Second)
	a1, _ := r.Register(reg("tm-a", "10.0.0.1", 4001, 2, "p1"))

	// The same process again (its registration answer was lost, or it
	// thought the JobManager lost): a new id, the old one is stale.
	a2, err := r.Register(reg("tm-a", "10.0.0.1", 4001, 2, "p1"))
	if err != nil || a2 == a1 {
		t.Fatalf("same process re-register: %q, %v", a2, err)
	}
	if r.Heartbeat("tm-a", a1, Memory{}) || !r.Heartbeat("tm-a", a2, Memory{}) {
		t.Fatal("stale registration accepted or current refused")
	}

	// A restart on the same host (new process, new data port): replaces.
	a3, err := r.Register(reg("tm-a", "10.0.0.1", 4005, 4, "p2"))
	if err != nil {
		t.Fatalf("restart on the same host refused: %v", err)
	}
	if got, _ := r.TaskManager("tm-a"); got.RegistrationID != a3 || got.DataPort != 4005 || got.Slots != 4 {
		t.Fatalf("after restart: %+v", got)
	}
	if n, total, _ := r.Slots(); n != 1 || total != 4 {
		t.Fatalf("a replaced registration counted twice: %d TMs, %d slots", n, total)
	}
	if !strings.Contains(log.String(), "TaskManager tm-a restarted at 10.0.0.1:4005; replacing its registration from 10.0.0.1:4001.") {
		t.Fatalf("log:\n%s", log)
	}

	// Another live process on another host with the same id: refused,
	// and the registered one is untouched.
	c.Advance(10 * time.Second)
	_, err = r.Register(reg("tm-a", "10.0.0.9", 4001, 2, "p3"))
	if !errors.Is(err, ErrDuplicateResourceID) || !strings.Contains(err.Error(), "registered from 10.0.0.1:4005") || !strings.Contains(err.Error(), "taskmanager.resource-id") {
		t.Fatalf("duplicate id from another host: %v", err)
	}
	if !r.Heartbeat("tm-a", a3, Memory{}) {
		t.Fatal("the registered TaskManager lost its registration to a refused duplicate")
	}

	// Once the registered one is silent past the timeout, the other host
	// may take the id (even before a sweep ran).
	c.Advance(51 * time.Second)
	a4, err := r.Register(reg("tm-a", "10.0.0.9", 4001, 2, "p3"))
	if err != nil {
		t.Fatalf("id of a timed-out TaskManager refused: %v", err)
	}
	if got, _ := r.TaskManager("tm-a"); got.RegistrationID != a4 || got.Host != "10.0.0.9" {
		t.Fatalf("after takeover: %+v", got)
	}
}

func TestRegistryDisconnect(t *testing.T) {
	r, _, log := newTestRegistry(50 * time.Second)
	a, _ := r.Register(reg("tm-a", "h", 1, 2, "n"))
	if r.Disconnect("tm-a", "0123", "x") {
		t.Fatal("disconnect with a wrong registration id accepted")
	}
	if !r.Disconnect("tm-a", a, "shutting down") {
		t.Fatal("disconnect refused")
	}
	if n, _, _ := r.Slots(); n != 0 {
		t.Fatal("disconnected TaskManager still registered")
	}
	if !strings.Contains(log.String(), "TaskManager tm-a at h:1 disconnected: shutting down.") {
		t.Fatalf("log:\n%s", log)
	}
}

// TestRegistryConcurrent races registrations, heartbeats, sweeps and reads
// (run with -race).
func TestRegistryConcurrent(t *testing.T) {
	r, c, _ := newTestRegistry(time.Second)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("tm-%d", w)
			for i := 0; i < 200; i++ {
				rid, err := r.Register(reg(id, "h", w, 1+i%3, fmt.Sprint(w)))
				if err != nil {
					t.Error(err)
					return
				}
				r.Heartbeat(id, rid, Memory{HeapUsed: int64(i)})
				if i%50 == 0 {
					r.Disconnect(id, rid, "")
				}
			}
		}()
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			c.Advance(10 * time.Millisecond)
			r.Sweep()
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			r.TaskManagers()
			r.Slots()
			r.TaskManager("tm-1")
		}
	}()
	wg.Wait()
}
