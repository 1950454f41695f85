package cluster

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"sync"
	"time"

	pb "github.com/flinkgo/engine/runtime/cluster/clusterpb"
)

// DefaultHeartbeatTimeout is Flink's heartbeat.timeout.
const DefaultHeartbeatTimeout = 50 * time.Second

// DefaultHeartbeatInterval is Flink's heartbeat.interval.
const DefaultHeartbeatInterval = 10 * time.Second

// RegistryOptions configures a Registry.
type RegistryOptions struct {
	// HeartbeatTimeout is heartbeat.timeout (default 50 s).
	HeartbeatTimeout time.Duration
	// Clock is the time source (default the wall clock).
	Clock Clock
	// Log receives one line per registration, replacement, loss and
	// disconnect (nil: discarded).
	Log io.Writer
}

// Registry is the JobManager's set of registered TaskManagers (Flink's
// ResourceManager's TaskExecutor registrations and heartbeat targets).
type Registry struct {
	timeout time.Duration
	clock   Clock
	log     io.Writer
	id      string // this JobManager's id

	mu  sync.Mutex
	tms map[string]*TaskManager // by resource id
	// outboxes and slots are per registration id: the commands waiting
	// for the TaskManager's Commands stream, and each slot's owner ("" =
	// free).
	outboxes map[string]*outbox
	slots    map[string][]string
	// removed are registrations ended under mu, told to the listeners
	// once it is released (unlockAndNotify).
	removed   []TaskManager
	listeners []func(TaskManager)
	changed   chan struct{} // closed and replaced at every change of slots or members
}

// NewRegistry returns an empty registry.
func NewRegistry(opts RegistryOptions) *Registry {
	if opts.HeartbeatTimeout <= 0 {
		opts.HeartbeatTimeout = DefaultHeartbeatTimeout
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	return &Registry{timeout: opts.HeartbeatTimeout, clock: opts.Clock, log: opts.Log, id: newID(), tms: map[string]*TaskManager{},
		outboxes: map[string]*outbox{}, slots: map[string][]string{}, changed: make(chan struct{})}
}

// ID is this JobManager's id (random per process), told to TaskManagers.
func (r *Registry) ID() string { return r.id }

// HeartbeatTimeout is the configured heartbeat.timeout.
func (r *Registry) HeartbeatTimeout() time.Duration { return r.timeout }

// Now is the registry clock's time (REST computes heartbeat ages with it).
func (r *Registry) Now() time.Time { return r.clock.Now() }

// Register adds or renews a TaskManager's registration and returns its new
// registration id; see the package comment for duplicate resource ids.
func (r *Registry) Register(reg Registration) (string, error) {
	if reg.ResourceID == "" {
		return "", fmt.Errorf("cluster: a registration needs a resource id")
	}
	if reg.Slots <= 0 {
		return "", fmt.Errorf("cluster: TaskManager %s offers %d slots; taskmanager.numberOfTaskSlots must be at least 1", reg.ResourceID, reg.Slots)
	}
	now := r.clock.Now()
	r.mu.Lock()
	defer r.unlockAndNotify()
	old, exists := r.tms[reg.ResourceID]
	switch {
	case !exists:
		fmt.Fprintf(r.log, "[INFO] Registering TaskManager %s at %s with %d slots.\n", reg.ResourceID, joinHostPort(reg.Host, reg.DataPort), reg.Slots)
	case old.ProcessNonce == reg.ProcessNonce:
		fmt.Fprintf(r.log, "[INFO] TaskManager %s at %s registered again.\n", reg.ResourceID, joinHostPort(reg.Host, reg.DataPort))
	case old.Host == reg.Host || r.expiredLocked(old, now):
		fmt.Fprintf(r.log, "[INFO] TaskManager %s restarted at %s; replacing its registration from %s.\n", reg.ResourceID, joinHostPort(reg.Host, reg.DataPort), old.Address())
	default:
		return "", fmt.Errorf("%w: TaskManager %s is registered from %s (last heartbeat %s ago), refusing %s; give each TaskManager its own taskmanager.resource-id",
			ErrDuplicateResourceID, reg.ResourceID, old.Address(), now.Sub(old.LastHeartbeat).Round(time.Millisecond), joinHostPort(reg.Host, reg.DataPort))
	}
	if exists {
		r.endLocked(old) // its attempts fail; its slots go
	}
	tm := &TaskManager{Registration: reg, RegistrationID: newID(), FreeSlots: reg.Slots, RegisteredAt: now, LastHeartbeat: now}
	r.tms[reg.ResourceID] = tm
	r.outboxes[tm.RegistrationID] = newOutbox()
	r.slots[tm.RegistrationID] = make([]string, reg.Slots)
	r.changedLocked()
	return tm.RegistrationID, nil
}

// Heartbeat records a heartbeat of the registration; false means the
// registration is unknown (never made, replaced, timed out or
// disconnected) and the TaskManager should register again.
func (r *Registry) Heartbeat(resourceID, registrationID string, mem Memory) bool {
	now := r.clock.Now()
	r.mu.Lock()
	defer r.unlockAndNotify()
	tm, ok := r.tms[resourceID]
	if !ok || tm.RegistrationID != registrationID {
		return false
	}
	if r.expiredLocked(tm, now) {
		// Lost already, only not swept yet: the loss stands, as after a
		// sweep; the TaskManager registers again.
		r.removeLocked(tm, now)
		return false
	}
	tm.LastHeartbeat = now
	tm.Memory = mem
	if mem.FreeMemory > 0 {
		tm.Hardware.FreeMemory = mem.FreeMemory
	}
	return true
}

// Disconnect removes the registration at once (a clean shutdown); false
// if it is not the current one.
func (r *Registry) Disconnect(resourceID, registrationID, reason string) bool {
	r.mu.Lock()
	defer r.unlockAndNotify()
	tm, ok := r.tms[resourceID]
	if !ok || tm.RegistrationID != registrationID {
		return false
	}
	delete(r.tms, resourceID)
	r.endLocked(tm)
	if reason == "" {
		reason = "no reason given"
	}
	fmt.Fprintf(r.log, "[INFO] TaskManager %s at %s disconnected: %s.\n", resourceID, tm.Address(), reason)
	return true
}

// Sweep removes every TaskManager not heard from for longer than the
// heartbeat timeout, logs each and returns them.
func (r *Registry) Sweep() []TaskManager {
	now := r.clock.Now()
	r.mu.Lock()
	defer r.unlockAndNotify()
	var lost []TaskManager
	for _, tm := range r.tms {
		if r.expiredLocked(tm, now) {
			lost = append(lost, *tm)
			r.removeLocked(tm, now)
		}
	}
	sort.Slice(lost, func(i, j int) bool { return lost[i].ResourceID < lost[j].ResourceID })
	return lost
}

func (r *Registry) expiredLocked(tm *TaskManager, now time.Time) bool {
	return now.Sub(tm.LastHeartbeat) > r.timeout
}

func (r *Registry) removeLocked(tm *TaskManager, now time.Time) {
	delete(r.tms, tm.ResourceID)
	r.endLocked(tm)
	fmt.Fprintf(r.log, "[WARN] The heartbeat of TaskManager with id %s at %s timed out: none for %s (heartbeat.timeout %s); removed it and its %d slots.\n",
		tm.ResourceID, tm.Address(), now.Sub(tm.LastHeartbeat).Round(time.Millisecond), r.timeout, tm.Slots)
}

// TaskManagers returns copies of the registered TaskManagers, by resource id.
func (r *Registry) TaskManagers() []TaskManager {
	r.mu.Lock()
	out := make([]TaskManager, 0, len(r.tms))
	for _, tm := range r.tms {
		out = append(out, *tm)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ResourceID < out[j].ResourceID })
	return out
}

// TaskManager returns a copy of one registered TaskManager.
func (r *Registry) TaskManager(resourceID string) (TaskManager, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tm, ok := r.tms[resourceID]
	if !ok {
		return TaskManager{}, false
	}
	return *tm, true
}

// Slots returns the number of registered TaskManagers and their slots,
// total and free.
func (r *Registry) Slots() (taskManagers, total, free int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, tm := range r.tms {
		total += tm.Slots
		free += tm.FreeSlots
	}
	return len(r.tms), total, free
}

// Run sweeps every timeout/10 (between 10 ms and 5 s) until ctx ends.
func (r *Registry) Run(ctx context.Context) {
	period := min(max(r.timeout/10, 10*time.Millisecond), 5*time.Second)
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.Sweep()
		}
	}
}

// newID returns 32 random hex digits (Flink's AbstractID form).
func newID() string {
	var b [16]byte
	crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func joinHostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// endLocked ends a registration that was removed or replaced: its
// commands stream ends, its slots go, and the listeners hear of it.
func (r *Registry) endLocked(tm *TaskManager) {
	if ob := r.outboxes[tm.RegistrationID]; ob != nil {
		ob.close()
		delete(r.outboxes, tm.RegistrationID)
	}
	delete(r.slots, tm.RegistrationID)
	r.removed = append(r.removed, *tm)
	r.changedLocked()
}

func (r *Registry) changedLocked() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// unlockAndNotify releases mu, then tells the listeners of the
// registrations that ended meanwhile.
func (r *Registry) unlockAndNotify() {
	removed, listeners := r.removed, r.listeners
	r.removed = nil
	r.mu.Unlock()
	for _, tm := range removed {
		for _, f := range listeners {
			f(tm)
		}
	}
}

// OnRemoved registers f to be told of every registration that ends: a
// TaskManager timed out, disconnected, or replaced by a new registration
// of the same resource id (the attempts it ran are lost either way). f
// runs on the goroutine that ended it, without the registry's lock.
func (r *Registry) OnRemoved(f func(TaskManager)) {
	r.mu.Lock()
	r.listeners = append(r.listeners, f)
	r.mu.Unlock()
}

// Changed returns a channel closed at the next change of the members or
// of their free slots (a waiter for slots selects on it).
func (r *Registry) Changed() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.changed
}

// Current reports whether registrationID is resource id's current
// registration.
func (r *Registry) Current(resourceID, registrationID string) (TaskManager, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tm, ok := r.tms[resourceID]
	if !ok || tm.RegistrationID != registrationID {
		return TaskManager{}, false
	}
	return *tm, true
}

// Send queues cmd for the TaskManager's registration; it never blocks.
// ErrUnknownTaskManager if the registration ended.
func (r *Registry) Send(registrationID string, cmd *pb.Command) error {
	r.mu.Lock()
	ob := r.outboxes[registrationID]
	r.mu.Unlock()
	if ob == nil || !ob.push(cmd) {
		return ErrUnknownTaskManager
	}
	return nil
}

func (r *Registry) outbox(resourceID, registrationID string) *outbox {
	r.mu.Lock()
	defer r.mu.Unlock()
	tm, ok := r.tms[resourceID]
	if !ok || tm.RegistrationID != registrationID {
		return nil
	}
	return r.outboxes[registrationID]
}

// Slot is one slot of a registered TaskManager allocated to an owner.
type Slot struct {
	ResourceID     string
	RegistrationID string
	// DataAddress is host:port of the TaskManager's data exchange.
	DataAddress string
	Index       int
}

// AllocateSlots takes n free slots for owner, spread over the
// TaskManagers (each next slot from the TaskManager with the most free
// slots, ties by resource id: Flink's cluster.evenly-spread-out-slots),
// or none (ok false) when fewer than n are free.
func (r *Registry) AllocateSlots(owner string, n int) ([]Slot, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	free := 0
	tms := make([]*TaskManager, 0, len(r.tms))
	for _, tm := range r.tms {
		free += tm.FreeSlots
		tms = append(tms, tm)
	}
	if free < n || n <= 0 {
		return nil, n <= 0
	}
	sort.Slice(tms, func(i, j int) bool { return tms[i].ResourceID < tms[j].ResourceID })
	out := make([]Slot, 0, n)
	for len(out) < n {
		var best *TaskManager
		for _, tm := range tms {
			if tm.FreeSlots > 0 && (best == nil || tm.FreeSlots > best.FreeSlots) {
				best = tm
			}
		}
		owners := r.slots[best.RegistrationID]
		for i, o := range owners {
			if o == "" {
				owners[i] = owner
				best.FreeSlots--
				out = append(out, Slot{ResourceID: best.ResourceID, RegistrationID: best.RegistrationID, DataAddress: best.Address(), Index: i})
				break
			}
		}
	}
	r.changedLocked()
	return out, true
}

// ReleaseSlots frees every slot owner holds (of the registrations that
// still exist).
func (r *Registry) ReleaseSlots(owner string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	freed := false
	for _, tm := range r.tms {
		owners := r.slots[tm.RegistrationID]
		for i, o := range owners {
			if o == owner {
				owners[i] = ""
				tm.FreeSlots++
				freed = true
			}
		}
	}
	if freed {
		r.changedLocked()
	}
}

// TakeCommands removes and returns the commands queued for a
// registration, as its Commands stream would send them (tests, tools).
func (r *Registry) TakeCommands(registrationID string) []*pb.Command {
	r.mu.Lock()
	ob := r.outboxes[registrationID]
	r.mu.Unlock()
	if ob == nil {
		return nil
	}
	ob.mu.Lock()
	defer ob.mu.Unlock()
	q := ob.q
	ob.q = nil
	return q
}
