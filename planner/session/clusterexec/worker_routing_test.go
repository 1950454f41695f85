package clusterexec

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/flinkgo/engine/runtime/cluster/clusterpb"
)

// TestWorkerRouting: a deployment that cannot be planned is reported as
// the attempt's failure, once, under the registration it came with;
// deployments of attempts older than one seen are dropped, as are
// commands of attempts not running here.
func TestWorkerRouting(t *testing.T) {
	var mu sync.Mutex
	var reports []string
	got := make(chan struct{}, 16)
	w := NewWorker(WorkerOptions{ResourceID: "tm-a", Report: func(_ context.Context, regID string, r *pb.ReportRequest) error {
		mu.Lock()
		reports = append(reports, regID+" "+r.GetJobId()+" "+strings.Fields(r.GetFailed().GetError() + " ?")[0])
		mu.Unlock()
		got <- struct{}{}
		if r.GetJobId() == "stale" {
			return status.Error(codes.FailedPrecondition, "stale")
		}
		return nil
	}})
	defer w.Close()
	bad := &pb.Deploy{Deployment: &pb.Deployment{Inserts: []string{"INSERT INTO nowhere SELECT 1"}}}
	w.Handle("r1", &pb.Command{JobId: "job", Attempt: 2, Kind: &pb.Command_Deploy{Deploy: bad}})
	select {
	case <-got:
	case <-time.After(90 * time.Second):
		t.Fatal("no report")
	}
	// An older attempt's deployment and commands of attempts not here.
	w.Handle("r1", &pb.Command{JobId: "job", Attempt: 1, Kind: &pb.Command_Deploy{Deploy: bad}})
	w.Handle("r1", &pb.Command{JobId: "job", Attempt: 2, Kind: &pb.Command_Trigger{Trigger: &pb.Trigger{CheckpointId: 1}}})
	w.Handle("r1", &pb.Command{JobId: "other", Attempt: 1, Kind: &pb.Command_Cancel{Cancel: &pb.Cancel{}}})
	// A refused report ends the attempt here too.
	w.Handle("r2", &pb.Command{JobId: "stale", Attempt: 1, Kind: &pb.Command_Deploy{Deploy: bad}})
	select {
	case <-got:
	case <-time.After(90 * time.Second):
		t.Fatal("no report")
	}
	deadline := time.Now().Add(90 * time.Second)
	for w.Running() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d attempts still running", w.Running())
		}
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 2 || reports[0] != "r1 job planning" || reports[1] != "r2 stale planning" {
		t.Fatalf("reports %q", reports)
	}
}
