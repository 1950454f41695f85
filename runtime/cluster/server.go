package cluster

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/flinkgo/engine/runtime/cluster/clusterpb"
)

// Server serves a Registry as the JobManager gRPC service.
type Server struct {
	pb.UnimplementedJobManagerServer
	reg  *Registry
	grpc *grpc.Server

	mu      sync.Mutex
	ln      net.Listener
	reports ReportHandler
	// stopping ends the Commands streams, which would otherwise hold
	// Close's graceful stop until its deadline.
	stopping  chan struct{}
	closeOnce sync.Once
}

var _ pb.JobManagerServer = (*Server)(nil)

// NewServer returns a server for reg; nothing listens until Serve.
func NewServer(reg *Registry) *Server {
	s := &Server{reg: reg, grpc: grpc.NewServer(), stopping: make(chan struct{})}
	pb.RegisterJobManagerServer(s.grpc, s)
	return s
}

// Serve serves on ln on goroutines of its own until Close; it returns at once.
func (s *Server) Serve(ln net.Listener) {
	s.mu.Lock()
	s.ln = ln
	s.mu.Unlock()
	go s.grpc.Serve(ln)
}

// Addr is the address served (nil before Serve).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Close stops serving: calls in flight get up to two seconds. Safe to
// call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.stopping) })
	done := make(chan struct{})
	go func() { s.grpc.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		s.grpc.Stop()
		<-done
	}
}

// Register implements pb.JobManagerServer.
func (s *Server) Register(ctx context.Context, req *pb.RegisterRequest) (*pb.RegisterResponse, error) {
	hw := req.GetHardware()
	id, err := s.reg.Register(Registration{
		ResourceID:   req.GetResourceId(),
		ProcessNonce: req.GetProcessNonce(),
		Host:         req.GetHost(),
		DataPort:     int(req.GetDataPort()),
		Slots:        int(req.GetSlots()),
		Hardware: Hardware{
			CPUCores:       int(hw.GetCpuCores()),
			PhysicalMemory: hw.GetPhysicalMemoryBytes(),
			FreeMemory:     hw.GetFreeMemoryBytes(),
			ManagedMemory:  hw.GetManagedMemoryBytes(),
		},
		Version: req.GetVersion(),
	})
	if errors.Is(err, ErrDuplicateResourceID) {
		return nil, status.Error(codes.AlreadyExists, err.Error())
	}
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &pb.RegisterResponse{RegistrationId: id, JobmanagerId: s.reg.ID(), HeartbeatTimeoutMs: s.reg.HeartbeatTimeout().Milliseconds()}, nil
}

// Heartbeat implements pb.JobManagerServer.
func (s *Server) Heartbeat(ctx context.Context, req *pb.HeartbeatRequest) (*pb.HeartbeatResponse, error) {
	m := req.GetMemory()
	st := pb.HeartbeatResponse_UNKNOWN
	if s.reg.Heartbeat(req.GetResourceId(), req.GetRegistrationId(), Memory{
		HeapUsed:      m.GetHeapUsedBytes(),
		HeapCommitted: m.GetHeapCommittedBytes(),
		NonHeapUsed:   m.GetNonHeapUsedBytes(),
		Goroutines:    int(m.GetGoroutines()),
		FreeMemory:    m.GetFreeMemoryBytes(),
	}) {
		st = pb.HeartbeatResponse_ACCEPTED
	}
	return &pb.HeartbeatResponse{Status: st, JobmanagerId: s.reg.ID()}, nil
}

// Disconnect implements pb.JobManagerServer.
func (s *Server) Disconnect(ctx context.Context, req *pb.DisconnectRequest) (*pb.DisconnectResponse, error) {
	s.reg.Disconnect(req.GetResourceId(), req.GetRegistrationId(), req.GetReason())
	return &pb.DisconnectResponse{}, nil
}

// ErrStale refuses a report of an attempt the JobManager no longer runs,
// or of a subtask the reporting TaskManager does not run (gRPC
// FAILED_PRECONDITION): the TaskManager cancels that attempt.
var ErrStale = errors.New("cluster: stale attempt")

// ReportHandler receives the reports of a current registration tm (the
// JobManager's job executor); an error wrapping ErrStale refuses it.
type ReportHandler func(tm TaskManager, req *pb.ReportRequest) error

// SetReportHandler routes TaskManagers' reports to h; without one they
// are UNIMPLEMENTED.
func (s *Server) SetReportHandler(h ReportHandler) {
	s.mu.Lock()
	s.reports = h
	s.mu.Unlock()
}

// Commands implements pb.JobManagerServer: the registration's commands,
// in order, until it ends or the TaskManager goes away.
func (s *Server) Commands(req *pb.CommandsRequest, stream grpc.ServerStreamingServer[pb.Command]) error {
	ob := s.reg.outbox(req.GetResourceId(), req.GetRegistrationId())
	if ob == nil {
		return status.Errorf(codes.NotFound, "TaskManager %s has no registration %s here: register again", req.GetResourceId(), req.GetRegistrationId())
	}
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	go func() {
		select {
		case <-s.stopping:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		c, err := ob.next(ctx)
		if err != nil {
			if errors.Is(err, errOutboxClosed) {
				return status.Error(codes.NotFound, "the registration ended: register again")
			}
			if stream.Context().Err() == nil {
				return status.Error(codes.Unavailable, "the JobManager is shutting down")
			}
			return status.FromContextError(err).Err()
		}
		if err := stream.Send(c); err != nil {
			ob.requeue(c) // the TaskManager opens the stream again
			return err
		}
	}
}

// Report implements pb.JobManagerServer.
func (s *Server) Report(ctx context.Context, req *pb.ReportRequest) (*pb.ReportResponse, error) {
	tm, ok := s.reg.Current(req.GetResourceId(), req.GetRegistrationId())
	if !ok {
		return nil, status.Errorf(codes.FailedPrecondition, "%v: TaskManager %s has no registration %s here", ErrStale, req.GetResourceId(), req.GetRegistrationId())
	}
	s.mu.Lock()
	h := s.reports
	s.mu.Unlock()
	if h == nil {
		return nil, status.Error(codes.Unimplemented, "this JobManager runs no jobs on TaskManagers")
	}
	if err := h(tm, req); err != nil {
		if errors.Is(err, ErrStale) {
			return nil, status.Error(codes.FailedPrecondition, err.Error())
		}
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &pb.ReportResponse{}, nil
}
