package checkpoint_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/flinkgo/engine/checkpoint"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// countSource emits the integers [from, to) of its share, a batch per poll,
// and remembers its position as operator state (restored at any
// parallelism: the union of the old subtasks' remaining ranges).
type countSource struct {
	subtask, par int
	next, end    int64
	ranges       [][2]int64
}

func (s *countSource) Open(ctx *runtime.OperatorContext) error {
	var all [][2]int64
	if ctx.RestoredStates == nil {
		all = [][2]int64{{0, total}}
	}
	for _, st := range ctx.RestoredStates {
		for len(st) >= 16 {
			all = append(all, [2]int64{int64(binary.BigEndian.Uint64(st)), int64(binary.BigEndian.Uint64(st[8:]))})
			st = st[16:]
		}
	}
	for i, r := range all {
		if i%s.par == s.subtask {
			s.ranges = append(s.ranges, r)
		}
	}
	return nil
}

const total = 20000

func (s *countSource) Poll() (*types.Batch, runtime.SourceStatus, error) {
	for s.next >= s.end {
		if len(s.ranges) == 0 {
			return nil, runtime.SourceEnd, nil
		}
		s.next, s.end = s.ranges[0][0], s.ranges[0][1]
		s.ranges = s.ranges[1:]
	}
	b := types.NewBatch([]*types.Type{types.BigInt}, 100)
	for i := 0; i < 100 && s.next < s.end; i++ {
		b.Cols[0].AppendInt(s.next % 10) // the key
		b.Len++
		s.next++
	}
	time.Sleep(5 * time.Millisecond) // slow enough to checkpoint mid-way
	return b, runtime.SourceMore, nil
}

func (s *countSource) SnapshotState(int64) ([]byte, error) {
	var out []byte
	for _, r := range append([][2]int64{{s.next, s.end}}, s.ranges...) {
		if r[0] < r[1] {
			out = binary.BigEndian.AppendUint64(out, uint64(r[0]))
			out = binary.BigEndian.AppendUint64(out, uint64(r[1]))
		}
	}
	return out, nil
}
func (s *countSource) NotifyCheckpointComplete(int64) error { return nil }
func (s *countSource) Close() error                         { return nil }

// keyedCounter counts rows per key (value % 10) in keyed ValueState and
// records the final counts when its input ends.
type keyedCounter struct {
	ctx    *runtime.OperatorContext
	b      state.KeyedBackend
	counts state.ValueState
	result *sync.Map
}

func (k *keyedCounter) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	k.ctx = ctx
	b, err := ctx.KeyedState()
	if err != nil {
		return err
	}
	k.b = b
	k.counts, err = b.RegisterValue(state.Descriptor{Name: "count"})
	return err
}

func (k *keyedCounter) ProcessBatch(_ int, b *types.Batch) error {
	for i := 0; i < b.Len; i++ {
		kg := runtime.KeyGroupOf(runtime.HashKey(b.Cols, []int{0}, i), k.ctx.MaxParallel)
		key := []byte{byte(b.Cols[0].Ints[i])}
		k.b.SetCurrentKey(kg, key)
		v, ok, err := k.counts.Value()
		if err != nil {
			return err
		}
		var n uint64
		if ok {
			n = binary.BigEndian.Uint64(v)
		}
		if err := k.counts.Update(binary.BigEndian.AppendUint64(nil, n+1)); err != nil {
			return err
		}
	}
	return nil
}
func (k *keyedCounter) ProcessWatermark(int64) error         { return nil }
func (k *keyedCounter) SnapshotState(int64) ([]byte, error)  { return nil, nil }
func (k *keyedCounter) NotifyCheckpointComplete(int64) error { return nil }
func (k *keyedCounter) Close() error                         { return nil }
func (k *keyedCounter) Finish() error {
	return k.b.Keys("count", func(kg int, key []byte) bool {
		k.b.SetCurrentKey(kg, key)
		v, _, _ := k.counts.Value()
		k.result.Store(key[0], binary.BigEndian.Uint64(v))
		return true
	})
}

func graph(par int, result *sync.Map) *runtime.JobGraph {
	src := &runtime.Vertex{Index: 0, Name: "src", Parallelism: par, Source: &runtime.SourceSpec{ID: "00000000000000000000000000000001", Name: "src",
		New: func(sub, p int) (runtime.SourceReader, error) { return &countSource{subtask: sub, par: p}, nil }}}
	cnt := &runtime.Vertex{Index: 1, Name: "count", Parallelism: par, Chain: []runtime.OperatorSpec{{ID: "00000000000000000000000000000002", Name: "count",
		New: func(int, int) (runtime.Operator, error) { return &keyedCounter{result: result}, nil }}}}
	return &runtime.JobGraph{Name: "keyed-count", MaxParallelism: 128, Vertices: []*runtime.Vertex{src, cnt},
		Edges: []*runtime.Edge{{From: 0, To: 1, Partitioning: runtime.Hash, KeyColumns: []int{0}}}}
}

// Keyed state goes through checkpoints: a job is canceled mid-way after a
// checkpoint, restored at another parallelism, and ends with exact counts,
// on both backends; shared files of incremental Pebble checkpoints are
// deleted with the checkpoints that no longer need them.
func TestKeyedStateCheckpointAndRescale(t *testing.T) {
	for _, backend := range []state.BackendType{state.BackendHeap, state.BackendPebble} {
		t.Run(fmt.Sprint(backend), func(t *testing.T) {
			root := t.TempDir()
			cfg := checkpoint.Config{Interval: 30 * time.Millisecond, ExactlyOnce: true, NumRetained: 1, Dir: root,
				Retention: checkpoint.RetainOnCancellation, Timeout: time.Minute,
				State: runtime.StateOptions{Backend: backend, Incremental: true, ScratchDir: t.TempDir()}, Log: os.Stderr}
			var partial sync.Map
			e, err := checkpoint.Start(context.Background(), runtime.NewJobID(), graph(2, &partial), cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for e.CompletedCheckpoints() < 2 {
				if time.Now().After(deadline) {
					ents, _ := filepath.Glob(filepath.Join(root, "*", "*"))
					t.Fatalf("no checkpoints; status %s (%v), files %v", e.Status(), e.Wait(), ents)
				}
				time.Sleep(5 * time.Millisecond)
			}
			e.Cancel()
			e.Wait()
			latest, err := checkpoint.FindLatest(checkpoint.NewLocalStorage(), root, "keyed-count", false)
			if err != nil {
				t.Fatal(err)
			}
			path := latest.Chosen.Path
			if backend == state.BackendPebble {
				shared, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "shared", "*"))
				if len(shared) == 0 {
					t.Fatal("incremental Pebble checkpoint wrote no shared files")
				}
			}
			meta, dir, err := checkpoint.LoadCheckpoint(checkpoint.NewLocalStorage(), path)
			if err != nil {
				t.Fatal(err)
			}
			var final sync.Map
			cfg.Dir = filepath.Join(root, "second")
			e2, err := checkpoint.Start(context.Background(), runtime.NewJobID(), graph(3, &final), cfg,
				&checkpoint.RestoreSource{Path: path, Meta: meta, Dir: dir, Storage: checkpoint.NewLocalStorage()})
			if err != nil {
				t.Fatal(err)
			}
			if err := e2.Wait(); err != nil {
				t.Fatal(err)
			}
			for k := byte(0); k < 10; k++ {
				v, ok := final.Load(k)
				if !ok || v.(uint64) != total/10 {
					t.Fatalf("key %d: count %v, want %d", k, v, total/10)
				}
			}
			// The finished job applied NO_... retention: FINISHED deletes its
			// checkpoints and shared files.
			left, _ := os.ReadDir(cfg.Dir)
			if len(left) != 0 {
				t.Fatalf("finished job left %d entries in its checkpoint dir", len(left))
			}
		})
	}
}
