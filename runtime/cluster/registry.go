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
	return &Registry{timeout: opts.HeartbeatTimeout, clock: opts.Clock, log: opts.Log, id: newID(), tms: map[string]*TaskManager{}}
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
	defer r.mu.Unlock()
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
	tm := &TaskManager{Registration: reg, RegistrationID: newID(), FreeSlots: reg.Slots, RegisteredAt: now, LastHeartbeat: now}
	r.tms[reg.ResourceID] = tm
	return tm.RegistrationID, nil
}

// Heartbeat records a heartbeat of the registration; false means the
// registration is unknown (never made, replaced, timed out or
// disconnected) and the TaskManager should register again.
func (r *Registry) Heartbeat(resourceID, registrationID string, mem Memory) bool {
	now := r.clock.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
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
	defer r.mu.Unlock()
	tm, ok := r.tms[resourceID]
	if !ok || tm.RegistrationID != registrationID {
		return false
	}
	delete(r.tms, resourceID)
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
	defer r.mu.Unlock()
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
