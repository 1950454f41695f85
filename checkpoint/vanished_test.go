package checkpoint_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flinkgo/engine/checkpoint"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// lockedBuffer is an io.Writer safe for the job's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// endlessSource emits keys 0–9 forever, ten rows every 2 ms; its state
// is the count of rows emitted.
type endlessSource struct{ n uint64 }

func (s *endlessSource) Open(*runtime.OperatorContext) error { return nil }
func (s *endlessSource) Poll() (*types.Batch, runtime.SourceStatus, error) {
	time.Sleep(2 * time.Millisecond)
	b := types.NewBatch([]*types.Type{types.BigInt}, 10)
	for i := 0; i < 10; i++ {
		b.Cols[0].AppendInt(int64(s.n % 10))
		b.Len++
		s.n++
	}
	return b, runtime.SourceMore, nil
}
func (s *endlessSource) SnapshotState(int64) ([]byte, error) {
	return binary.BigEndian.AppendUint64(nil, s.n), nil
}
func (s *endlessSource) NotifyCheckpointComplete(int64) error { return nil }
func (s *endlessSource) Close() error                         { return nil }

// endlessGraph is graph with an endlessSource.
func endlessGraph() *runtime.JobGraph {
	var result sync.Map
	g := graph(2, &result)
	g.Vertices[0].Source.New = func(int, int) (runtime.SourceReader, error) { return &endlessSource{}, nil }
	return g
}

// TestJobDirVanished: the job's checkpoint directory is deleted under the
// running job, twice (the second time as if during a checkpoint's write,
// which recreated it bare). Each time the next checkpoint warns (the
// directory, that earlier checkpoints are gone), recreates its layout and
// completes, restorable with every state file in place — also the shared
// files of incremental Pebble checkpoints, which must be uploaded again.
func TestJobDirVanished(t *testing.T) {
	for _, backend := range []state.BackendType{state.BackendHeap, state.BackendPebble} {
		t.Run(fmt.Sprint(backend), func(t *testing.T) {
			root := t.TempDir()
			var log lockedBuffer
			// Checkpoints are far apart, so the directory is removed while
			// none is being written (see ensureJobDir for the other case).
			cfg := checkpoint.Config{Interval: 300 * time.Millisecond, ExactlyOnce: true, NumRetained: 1, Dir: root,
				Retention: checkpoint.RetainOnCancellation, Timeout: time.Minute,
				State: runtime.StateOptions{Backend: backend, Incremental: true, ScratchDir: t.TempDir()}, Log: &log}
			id := runtime.NewJobID()
			e, err := checkpoint.Start(context.Background(), id, endlessGraph(), cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Cancel()
			waitCheckpoint := func(after int64) int64 {
				t.Helper()
				deadline := time.Now().Add(20 * time.Second)
				for e.LastCheckpoint().ID <= after {
					if time.Now().After(deadline) {
						t.Fatalf("no checkpoint after %d; status %s, log:\n%s", after, e.Status(), log.String())
					}
					time.Sleep(5 * time.Millisecond)
				}
				return e.LastCheckpoint().ID
			}
			jobDir := checkpoint.JobDir(root, id)
			after := waitCheckpoint(0)
			// Removed between checkpoints, then removed while one was being
			// written, whose write recreated the directory.
			for _, recreated := range []bool{false, true} {
				if err := os.RemoveAll(jobDir); err != nil {
					t.Fatal(err)
				}
				if recreated {
					if err := os.MkdirAll(filepath.Join(jobDir, "chk-99"), 0o700); err != nil {
						t.Fatal(err)
					}
				}
				after = waitCheckpoint(after)
			}
			e.Cancel()
			e.Wait()

			out := log.String()
			if n := strings.Count(out, "vanished"); n != 2 {
				t.Errorf("%d warnings about the vanished directory, want 2:\n%s", n, out)
			}
			for _, s := range []string{"[WARN] The checkpoint directory " + jobDir + " of job " + id + " vanished while the job was running",
				"The checkpoints written before are gone", "will only find checkpoints completed from now on"} {
				if !strings.Contains(out, s) {
					t.Errorf("log lacks %q:\n%s", s, out)
				}
			}
			for _, sub := range []string{checkpoint.SharedDir, checkpoint.TaskOwnedDir} {
				if fi, err := os.Stat(filepath.Join(jobDir, sub)); err != nil || !fi.IsDir() {
					t.Errorf("%s not recreated: %v", sub, err)
				}
			}
			d, err := checkpoint.FindLatest(checkpoint.NewLocalStorage(), root, "keyed-count", false)
			if err != nil {
				t.Fatal(err)
			}
			if d.Chosen.ID < after {
				t.Errorf("latest is checkpoint %d, want at least %d", d.Chosen.ID, after)
			}
			m, dir, err := checkpoint.LoadCheckpoint(checkpoint.NewLocalStorage(), d.Chosen.Path)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkpoint.VerifyStates(checkpoint.NewLocalStorage(), dir, m); err != nil {
				t.Errorf("checkpoint %d after the directory vanished: %v", m.CheckpointID, err)
			}
		})
	}
}
