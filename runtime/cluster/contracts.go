// Package cluster is the control plane between a JobManager and its
// TaskManagers (issue 15): cluster membership — registration, heartbeats,
// loss detection — over gRPC (clusterpb/cluster.proto). Records never
// travel here; they go over runtime/netexchange.
//
// # Roles
//
// The JobManager holds a Registry (the TaskManagers it knows, their slots,
// when each was last heard from) and serves it with a Server on
// jobmanager.rpc.port. A TaskManager runs a Member: it registers, then
// heartbeats every heartbeat.interval, and registers again whenever the
// JobManager answers that it does not know the registration (the
// JobManager restarted, or timed the TaskManager out) or has not answered
// for heartbeat.timeout.
//
// # Call order
//
// JobManager:
//
//	reg := NewRegistry(RegistryOptions{HeartbeatTimeout: t, Clock: c, Log: w})
//	srv := NewServer(reg)
//	srv.Serve(listener)     // returns at once; serves on its own goroutines
//	go reg.Run(ctx)         // or call reg.Sweep() yourself (tests, fake clock)
//	reg.TaskManagers() ...  // any time, any goroutine (REST handlers)
//	srv.Close()             // stops serving; then cancel ctx
//
// TaskManager:
//
//	m := NewMember(MemberOptions{JobManager: "host:6123", ResourceID: id, ...})
//	m.Run(ctx)              // blocks: register, heartbeat, re-register ...
//	                        // until ctx ends; then Disconnect, best effort
//
// Per TaskManager, the protocol is: Register → registration id r;
// Heartbeat(r) every interval, answered ACCEPTED or UNKNOWN; UNKNOWN →
// Register again (a new r); Disconnect(r) on a clean exit. Every call but
// Register carries r, so a call of a registration that was replaced or
// timed out is recognised as stale and changes nothing.
//
// # Loss detection
//
// A TaskManager whose last Register or accepted Heartbeat is more than
// heartbeat.timeout old (by the Registry's Clock) is removed by the next
// Sweep and logged; Run sweeps every timeout/10 (at most every 5 s).
// Detection therefore takes between the timeout and the timeout plus one
// sweep period. Time is read only from the injected Clock, so tests drive
// timeouts with a fake clock and never sleep.
//
// # Duplicate resource ids
//
// A Register with the resource id of a registered TaskManager is:
//   - the same process registering again (same process nonce): accepted,
//     with a new registration id (the previous one becomes stale);
//   - a restart (another nonce) on the same host, or after the registered
//     one timed out: accepted, replacing the old registration, logged;
//   - another process on another host while the registered one is alive:
//     refused with ErrDuplicateResourceID (gRPC ALREADY_EXISTS); the
//     newcomer retries after cluster.registration.refused-registration-delay
//     and gets the id once the other one is gone. Two live TaskManagers
//     never share an id, and a misconfigured pair cannot take the id from
//     each other in a loop.
//
// # Concurrency and ownership
//
// Registry methods are safe for concurrent use; TaskManagers and
// TaskManager return copies the caller owns. The Server's handlers call
// only the Registry. A Member is used by one goroutine (Run); its Status
// may be read from any goroutine.
//
// # Jobs
//
// After registering, a Member opens the Commands stream of its
// registration and hands each command to MemberOptions.OnCommand, in
// order; it reopens a broken stream while the registration lasts. The
// JobManager queues commands with Registry.Send (never blocking; a
// registration that ended refuses with ErrUnknownTaskManager) and
// TaskManagers answer with Member.Report, which the Server passes to its
// ReportHandler (a report of a registration that is not current, or that
// the handler calls stale, is FAILED_PRECONDITION). Slots are allocated
// to owners (AllocateSlots, ReleaseSlots), and Registry.OnRemoved tells
// the JobManager's job executor of every registration that ended, so the
// attempts using it fail. planner/session/clusterexec builds job
// deployment on these.
package cluster

import (
	"errors"
	"time"
)

// Clock is the registry's time source (Flink's Clock): injected so tests
// move time by hand.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

var _ Clock = SystemClock{}

// ErrDuplicateResourceID refuses a registration whose resource id a live
// TaskManager on another host holds.
var ErrDuplicateResourceID = errors.New("cluster: resource id in use by another live TaskManager")

// Hardware describes a TaskManager's machine (Flink's
// HardwareDescription); -1 where unknown.
type Hardware struct {
	CPUCores       int
	PhysicalMemory int64
	FreeMemory     int64
	ManagedMemory  int64
}

// Memory is a TaskManager process's memory as its last heartbeat reported.
type Memory struct {
	HeapUsed      int64
	HeapCommitted int64
	NonHeapUsed   int64
	Goroutines    int
	// FreeMemory is the machine's available memory (-1 or 0: unknown);
	// a known value updates Hardware.FreeMemory.
	FreeMemory int64
}

// Registration is what a TaskManager offers when it registers.
type Registration struct {
	ResourceID   string
	ProcessNonce string
	Host         string
	DataPort     int
	Slots        int
	Hardware     Hardware
	Version      string
}

// TaskManager is one registered TaskManager as the JobManager sees it.
type TaskManager struct {
	Registration
	// RegistrationID is the current registration's id (32 hex).
	RegistrationID string
	// FreeSlots is the slots not allocated to a job (all of them until
	// task deployment lands).
	FreeSlots int
	// RegisteredAt is when the current registration was made.
	RegisteredAt time.Time
	// LastHeartbeat is the time of the last Register or accepted Heartbeat.
	LastHeartbeat time.Time
	// Memory is the last heartbeat's report (zero before the first).
	Memory Memory
}

// Address is host:dataPort, where other TaskManagers reach its data
// exchange.
func (t TaskManager) Address() string { return joinHostPort(t.Host, t.DataPort) }
