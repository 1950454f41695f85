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

	mu sync.Mutex
	ln net.Listener
}

var _ pb.JobManagerServer = (*Server)(nil)

// NewServer returns a server for reg; nothing listens until Serve.
func NewServer(reg *Registry) *Server {
	s := &Server{reg: reg, grpc: grpc.NewServer()}
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

// AcknowledgeCheckpoint is reserved: tasks do not run on TaskManagers yet.
func (s *Server) AcknowledgeCheckpoint(ctx context.Context, req *pb.AcknowledgeCheckpointRequest) (*pb.AcknowledgeCheckpointResponse, error) {
	return nil, status.Error(codes.Unimplemented, "AcknowledgeCheckpoint is not implemented yet: jobs still run inside the JobManager process until task deployment to TaskManagers lands (issue 15)")
}
