package runtime

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/runtime/types"
)

// stuckSource is idle forever.
type stuckSource struct{}

func (stuckSource) Open(*OperatorContext) error               { return nil }
func (stuckSource) Poll() (*types.Batch, SourceStatus, error) { return nil, SourceIdle, nil }
func (stuckSource) SnapshotState(int64) ([]byte, error)       { return nil, nil }
func (stuckSource) NotifyCheckpointComplete(int64) error      { return nil }
func (stuckSource) Close() error                              { return nil }

// A job that makes no progress is failed by the watchdog, which leaves a
// goroutine dump naming where the tasks wait, and every job's end is
// reported.
func TestWatchdogFailsAStuckJob(t *testing.T) {
	saved := testHooks
	defer func() { testHooks = saved }()
	dir := t.TempDir()
	testHooks.watchdog = 300 * time.Millisecond
	testHooks.reportDir = dir
	c := newCollector()
	g := testGraph(10, 1, 1, Forward, c, 0)
	g.Vertices[0].Source.New = func(int, int) (SourceReader, error) { return stuckSource{}, nil }
	j, err := NewJob(NewJobID(), g, JobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	err = j.Wait()
	if err == nil || !strings.Contains(err.Error(), "watchdog: job") || !strings.Contains(err.Error(), "made no progress") {
		t.Fatalf("job ended with %v, want the watchdog's error", err)
	}
	dumps, _ := filepath.Glob(filepath.Join(dir, "hang-*.txt"))
	if len(dumps) != 1 {
		t.Fatalf("dumps %v", dumps)
	}
	b, _ := os.ReadFile(dumps[0])
	if !strings.Contains(string(b), "runSource") {
		t.Fatalf("dump does not show the source task:\n%.2000s", b)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "jobs.log"))
	if !strings.HasPrefix(string(log), "FAILED ") || !strings.Contains(string(log), j.ID) {
		t.Fatalf("jobs.log: %q", log)
	}
}
