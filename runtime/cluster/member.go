package cluster

import (
	"context"
	"fmt"
	"io"
	goruntime "runtime"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	pb "github.com/flinkgo/engine/runtime/cluster/clusterpb"
)

// Flink's registration defaults (cluster.registration.*).
const (
	DefaultRegistrationInitialTimeout = 100 * time.Millisecond
	DefaultRegistrationMaxTimeout     = 30 * time.Second
	DefaultRegistrationErrorDelay     = 10 * time.Second
	DefaultRegistrationRefusedDelay   = 30 * time.Second
)

// MemberOptions configures a TaskManager's membership.
type MemberOptions struct {
	// JobManager is jobmanager.rpc.address:jobmanager.rpc.port.
	JobManager string
	// Registration is what the TaskManager offers; a missing ProcessNonce
	// is filled in (random, once per Member).
	Registration Registration
	// HeartbeatInterval is heartbeat.interval (default 10 s);
	// HeartbeatTimeout is heartbeat.timeout (default 50 s): a JobManager
	// that answered no heartbeat for that long is lost, and the
	// TaskManager registers again.
	HeartbeatInterval, HeartbeatTimeout time.Duration
	// RegistrationInitialTimeout and RegistrationMaxTimeout bound one
	// registration attempt: the first waits the initial timeout, each
	// timed-out attempt doubles it up to the max
	// (cluster.registration.initial-timeout, .max-timeout: 100 ms, 30 s).
	RegistrationInitialTimeout, RegistrationMaxTimeout time.Duration
	// RegistrationErrorDelay is the pause after a failed attempt
	// (cluster.registration.error-delay, 10 s); RegistrationRefusedDelay
	// after a refused one (cluster.registration.refused-registration-delay,
	// 30 s).
	RegistrationErrorDelay, RegistrationRefusedDelay time.Duration
	// Log receives the membership's events (nil: discarded).
	Log io.Writer
	// OnRegistered, if set, is called after each successful registration
	// (on Run's goroutine).
	OnRegistered func(jobManagerID, registrationID string)
	// Memory reports the process's memory for heartbeats (default: the Go
	// runtime's figures).
	Memory func() Memory
	// OnCommand, if set, receives the JobManager's commands for each
	// registration in order (on one goroutine per registration; the
	// stream opens after registering and reopens while the registration
	// lasts).
	OnCommand func(registrationID string, cmd *pb.Command)
	// OnLost, if set, is called (on Run's goroutine) when a registration
	// ends: the JobManager does not know it any more, has not answered
	// for heartbeat.timeout, or Run returns. Work done for it is orphaned.
	OnLost func(registrationID string)
}

// Member is a TaskManager's membership in a cluster: Run registers and
// heartbeats until its context ends.
type Member struct {
	opts MemberOptions

	mu             sync.Mutex
	registrationID string
	jobManagerID   string
	jm             pb.JobManagerClient // set by Run
}

// NewMember returns a member; nothing happens until Run.
func NewMember(opts MemberOptions) *Member {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.HeartbeatInterval, DefaultHeartbeatInterval)
	def(&opts.HeartbeatTimeout, DefaultHeartbeatTimeout)
	def(&opts.RegistrationInitialTimeout, DefaultRegistrationInitialTimeout)
	def(&opts.RegistrationMaxTimeout, DefaultRegistrationMaxTimeout)
	def(&opts.RegistrationErrorDelay, DefaultRegistrationErrorDelay)
	def(&opts.RegistrationRefusedDelay, DefaultRegistrationRefusedDelay)
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.Memory == nil {
		opts.Memory = goMemory
	}
	if opts.Registration.ProcessNonce == "" {
		opts.Registration.ProcessNonce = newID()
	}
	return &Member{opts: opts}
}

// Registered returns the current registration id and the JobManager's id;
// ok is false while the member is not registered.
func (m *Member) Registered() (registrationID, jobManagerID string, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.registrationID, m.jobManagerID, m.registrationID != ""
}

func (m *Member) setRegistered(regID, jmID string) {
	m.mu.Lock()
	m.registrationID, m.jobManagerID = regID, jmID
	m.mu.Unlock()
}

// Run registers with the JobManager and heartbeats, registering again
// whenever the registration is lost, until ctx ends; then it disconnects
// (best effort, up to two seconds) and returns nil. It returns an error
// only for a registration the JobManager rejects as invalid.
func (m *Member) Run(ctx context.Context) error {
	// passthrough: the address is resolved at each connection attempt by
	// the system resolver, so a JobManager Service's name works as is.
	conn, err := grpc.NewClient("passthrough:///"+m.opts.JobManager,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff: backoff.Config{
				BaseDelay:  100 * time.Millisecond,
				Multiplier: 1.6,
				Jitter:     0.2,
				MaxDelay:   min(max(m.opts.RegistrationErrorDelay, 100*time.Millisecond), 5*time.Second),
			},
			MinConnectTimeout: 5 * time.Second,
		}))
	if err != nil {
		return fmt.Errorf("cluster: JobManager address %q (jobmanager.rpc.address, jobmanager.rpc.port): %w", m.opts.JobManager, err)
	}
	defer conn.Close()
	jm := pb.NewJobManagerClient(conn)
	m.mu.Lock()
	m.jm = jm
	m.mu.Unlock()
	var receivers sync.WaitGroup
	defer receivers.Wait()
	for ctx.Err() == nil {
		regID, err := m.register(ctx, jm)
		if err != nil {
			return err
		}
		if regID == "" {
			break // ctx ended
		}
		rctx, stopReceiving := context.WithCancel(ctx)
		if m.opts.OnCommand != nil {
			receivers.Add(1)
			go func() { defer receivers.Done(); m.receive(rctx, jm, regID) }()
		}
		m.heartbeat(ctx, jm, regID)
		stopReceiving()
		if m.opts.OnLost != nil {
			m.opts.OnLost(regID)
		}
	}
	if regID, _, ok := m.Registered(); ok {
		dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := jm.Disconnect(dctx, &pb.DisconnectRequest{ResourceId: m.opts.Registration.ResourceID, RegistrationId: regID, Reason: "the TaskManager is shutting down"})
		cancel()
		if err != nil {
			fmt.Fprintf(m.opts.Log, "[WARN] Could not tell the JobManager at %s that this TaskManager leaves: %v\n", m.opts.JobManager, status.Convert(err).Message())
		}
		m.setRegistered("", "")
	}
	return nil
}

// register tries until it succeeds ("" only when ctx ended) or the
// JobManager rejects the registration as invalid (an error).
func (m *Member) register(ctx context.Context, jm pb.JobManagerClient) (string, error) {
	r := m.opts.Registration
	hw := r.Hardware
	req := &pb.RegisterRequest{
		ResourceId: r.ResourceID, ProcessNonce: r.ProcessNonce, Host: r.Host, DataPort: int32(r.DataPort), Slots: int32(r.Slots),
		Hardware: &pb.Hardware{CpuCores: int32(hw.CPUCores), PhysicalMemoryBytes: hw.PhysicalMemory, FreeMemoryBytes: hw.FreeMemory, ManagedMemoryBytes: hw.ManagedMemory},
		Version:  r.Version,
	}
	timeout := m.opts.RegistrationInitialTimeout
	var lastErr string
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, timeout)
		resp, err := jm.Register(actx, req, grpc.WaitForReady(true))
		cancel()
		if err == nil {
			m.setRegistered(resp.GetRegistrationId(), resp.GetJobmanagerId())
			if ctx.Err() != nil {
				return "", nil // Run disconnects the registration just made
			}
			if jt := time.Duration(resp.GetHeartbeatTimeoutMs()) * time.Millisecond; jt > 0 && m.opts.HeartbeatInterval >= jt/2 {
				fmt.Fprintf(m.opts.Log, "[WARN] heartbeat.interval %s is at least half the JobManager's heartbeat.timeout %s: a late heartbeat may make it drop this TaskManager.\n", m.opts.HeartbeatInterval, jt)
			}
			if m.opts.OnRegistered != nil {
				m.opts.OnRegistered(resp.GetJobmanagerId(), resp.GetRegistrationId())
			}
			return resp.GetRegistrationId(), nil
		}
		if ctx.Err() != nil {
			return "", nil
		}
		st := status.Convert(err)
		var delay time.Duration
		switch st.Code() {
		case codes.InvalidArgument:
			return "", fmt.Errorf("The JobManager at %s rejected the registration: %s", m.opts.JobManager, st.Message())
		case codes.DeadlineExceeded:
			// Flink's exponential registration timeout: try again at once,
			// waiting twice as long.
			timeout = min(2*timeout, m.opts.RegistrationMaxTimeout)
		case codes.AlreadyExists:
			delay = m.opts.RegistrationRefusedDelay
		default:
			delay = m.opts.RegistrationErrorDelay
		}
		if msg := st.Code().String() + ": " + st.Message(); msg != lastErr {
			fmt.Fprintf(m.opts.Log, "[WARN] Registration at the JobManager %s failed (attempt %d): %s; retrying.\n", m.opts.JobManager, attempt, msg)
			lastErr = msg
		}
		if !sleep(ctx, delay) {
			return "", nil
		}
	}
}

// heartbeat sends heartbeats every interval until the registration is
// lost (unknown to the JobManager, or no answer for the timeout) or ctx
// ends.
func (m *Member) heartbeat(ctx context.Context, jm pb.JobManagerClient, regID string) {
	t := time.NewTicker(m.opts.HeartbeatInterval)
	defer t.Stop()
	lastAnswer := time.Now()
	var lastErr string
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		mem := m.opts.Memory()
		hctx, cancel := context.WithTimeout(ctx, max(m.opts.HeartbeatInterval, time.Second))
		resp, err := jm.Heartbeat(hctx, &pb.HeartbeatRequest{
			ResourceId: m.opts.Registration.ResourceID, RegistrationId: regID,
			Memory: &pb.Memory{HeapUsedBytes: mem.HeapUsed, HeapCommittedBytes: mem.HeapCommitted, NonHeapUsedBytes: mem.NonHeapUsed, Goroutines: int32(mem.Goroutines), FreeMemoryBytes: mem.FreeMemory},
		}, grpc.WaitForReady(true))
		cancel()
		if ctx.Err() != nil {
			return
		}
		switch {
		case err == nil && resp.GetStatus() == pb.HeartbeatResponse_ACCEPTED:
			lastAnswer, lastErr = time.Now(), ""
			continue
		case err == nil:
			fmt.Fprintf(m.opts.Log, "[INFO] The JobManager at %s (id %s) does not know this TaskManager's registration (it restarted or timed this TaskManager out); registering again.\n", m.opts.JobManager, resp.GetJobmanagerId())
			m.setRegistered("", "")
			return
		}
		if msg := status.Convert(err).Message(); msg != lastErr {
			fmt.Fprintf(m.opts.Log, "[WARN] Heartbeat to the JobManager at %s failed: %s\n", m.opts.JobManager, msg)
			lastErr = msg
		}
		if since := time.Since(lastAnswer); since > m.opts.HeartbeatTimeout {
			fmt.Fprintf(m.opts.Log, "[WARN] The JobManager at %s answered no heartbeat for %s (heartbeat.timeout %s): lost; registering again.\n", m.opts.JobManager, since.Round(time.Millisecond), m.opts.HeartbeatTimeout)
			m.setRegistered("", "")
			return
		}
	}
}

// receive reads the registration's commands until ctx ends or the
// JobManager says the registration ended (NOT_FOUND); a broken stream is
// opened again.
func (m *Member) receive(ctx context.Context, jm pb.JobManagerClient, regID string) {
	req := &pb.CommandsRequest{ResourceId: m.opts.Registration.ResourceID, RegistrationId: regID}
	delay := 50 * time.Millisecond
	for ctx.Err() == nil {
		stream, err := jm.Commands(ctx, req, grpc.WaitForReady(true))
		for err == nil {
			var c *pb.Command
			if c, err = stream.Recv(); err == nil {
				delay = 50 * time.Millisecond
				m.opts.OnCommand(regID, c)
			}
		}
		if ctx.Err() != nil || status.Code(err) == codes.NotFound {
			return
		}
		if !sleep(ctx, delay) {
			return
		}
		delay = min(2*delay, time.Second)
	}
}

// Report sends a report of the current registration (its resource and
// registration ids are filled in). An error with gRPC FAILED_PRECONDITION
// means the JobManager refused it as stale.
func (m *Member) Report(ctx context.Context, regID string, req *pb.ReportRequest) error {
	m.mu.Lock()
	jm := m.jm
	m.mu.Unlock()
	if jm == nil {
		return status.Error(codes.Unavailable, "not connected to the JobManager")
	}
	req.ResourceId, req.RegistrationId = m.opts.Registration.ResourceID, regID
	_, err := jm.Report(ctx, req, grpc.WaitForReady(true))
	return err
}

// sleep waits d or until ctx ends; false if ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// goMemory reports the Go runtime's heap figures.
func goMemory() Memory {
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	return Memory{
		HeapUsed:      int64(ms.HeapAlloc),
		HeapCommitted: int64(ms.HeapSys - ms.HeapReleased),
		NonHeapUsed:   int64(ms.Sys - ms.HeapSys),
		Goroutines:    goruntime.NumGoroutine(),
	}
}
