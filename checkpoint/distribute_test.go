package checkpoint_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/flinkgo/engine/checkpoint"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/state"
)

// chanExchange connects the Jobs of one test through bounded channels.
type chanExchange struct {
	mu    sync.Mutex
	chans map[[3]int]chan runtime.Message
}

func (x *chanExchange) ch(e, p, c int) chan runtime.Message {
	x.mu.Lock()
	defer x.mu.Unlock()
	k := [3]int{e, p, c}
	if x.chans[k] == nil {
		x.chans[k] = make(chan runtime.Message, 4)
	}
	return x.chans[k]
}

type chanOut chan runtime.Message

func (o chanOut) Send(ctx context.Context, m runtime.Message) error {
	select {
	case o <- m:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type chanIn chan runtime.Message

func (i chanIn) Next(ctx context.Context) (runtime.Message, error) {
	select {
	case m := <-i:
		return m, nil
	case <-ctx.Done():
		return runtime.Message{}, ctx.Err()
	}
}

func (x *chanExchange) OpenOutput(e, p, c int, _ runtime.BlockMeter) (runtime.RemoteOutput, error) {
	return chanOut(x.ch(e, p, c)), nil
}
func (x *chanExchange) OpenInput(e, p, c int) (runtime.RemoteInput, error) {
	return chanIn(x.ch(e, p, c)), nil
}

// tmRunner plays a TaskManager: it runs the odd subtasks of an attempt in
// a Job of its own, restores them from the attempt's checkpoint, writes
// their keyed state itself (checkpoint.WriteKeyed) and acknowledges the
// handles.
type tmRunner struct {
	a     checkpoint.Attempt
	graph *runtime.JobGraph
	ex    runtime.RemoteExchange
	st    checkpoint.Storage
	cfg   checkpoint.Config
	local func(v, s int) bool

	mu  sync.Mutex
	job *runtime.Job
}

func (r *tmRunner) Start(ctx context.Context, rep runtime.RemoteReports) error {
	g := r.graph
	opts := runtime.JobOptions{ExactlyOnce: true, FinalCheckpoint: true, State: r.cfg.State,
		Placement: &runtime.Placement{Local: r.local, Exchange: r.ex},
		OnCheckpoint: func(id int64, st *runtime.CheckpointStates) {
			handles, err := checkpoint.WriteKeyed(r.st, r.a.Target(id), st.Keyed)
			if err != nil {
				rep.Failed(err)
				return
			}
			for _, v := range g.Vertices {
				for s := 0; s < v.Parallelism; s++ {
					if !r.local(v.Index, s) {
						continue
					}
					states, _ := st.ForTask(v, s)
					var keyed map[string]state.Pending
					for op, subs := range handles {
						if hb, ok := subs[s]; ok && opOf(v, op) {
							h, err := state.UnmarshalHandle(hb)
							if err != nil {
								rep.Failed(err)
								return
							}
							if keyed == nil {
								keyed = map[string]state.Pending{}
							}
							keyed[op] = state.WrittenPending{Handle: h}
						}
					}
					rep.Acknowledged(id, v.Index, s, states, keyed)
				}
			}
		},
		OnFinished: func(v, s int, states map[string][]byte) { rep.Finished(v, s, states) },
	}
	if r.a.Restore != nil {
		reader := checkpoint.NewKeyedReader(r.st, r.a.RestoreDir)
		opts.Restore = func(op string) [][]byte { return r.a.Restore[op] }
		opts.RestoreKeyed = func(op string) ([][]byte, state.SnapshotReader) { return r.a.RestoreKeyed[op], reader }
	}
	j, err := runtime.NewJob(r.a.JobID, g, opts)
	if err != nil {
		return err
	}
	if err := j.Start(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	r.job = j
	r.mu.Unlock()
	go func() {
		<-j.Done()
		if err := j.Wait(); err != nil {
			rep.Failed(fmt.Errorf("taskmanager: %w", err))
			return
		}
		for _, v := range g.Vertices {
			for s := 0; s < v.Parallelism; s++ {
				if r.local(v.Index, s) {
					rep.Exited(v.Index, s)
				}
			}
		}
	}()
	return nil
}

func opOf(v *runtime.Vertex, op string) bool {
	if v.Source != nil && v.Source.ID == op {
		return true
	}
	for _, o := range v.Chain {
		if o.ID == op {
			return true
		}
	}
	return false
}

func (r *tmRunner) Trigger(b runtime.Barrier) error {
	r.mu.Lock()
	j := r.job
	r.mu.Unlock()
	var err error
	if b.Savepoint {
		err = j.TriggerSavepoint(b.CheckpointID, b.Drain)
	} else {
		err = j.TriggerCheckpoint(b.CheckpointID)
	}
	if err != nil && j.Status() == runtime.JobFinished {
		return nil
	}
	return err
}

func (r *tmRunner) NotifyCheckpointComplete(id int64) {
	r.mu.Lock()
	j := r.job
	r.mu.Unlock()
	j.NotifyCheckpointComplete(id)
}

// TestDistributedAttempts: an Execution whose attempts run half their
// subtasks on a "TaskManager" (Config.Distribute) checkpoints keyed state
// the TaskManager wrote itself; a job restored from such a checkpoint, at
// another parallelism and again distributed, ends with exact counts.
func TestDistributedAttempts(t *testing.T) {
	for _, backend := range []state.BackendType{state.BackendHeap, state.BackendPebble} {
		t.Run(fmt.Sprint(backend), func(t *testing.T) {
			root := t.TempDir()
			st := checkpoint.NewLocalStorage()
			cfg := checkpoint.Config{Interval: 30 * time.Millisecond, ExactlyOnce: true, NumRetained: 1, Dir: root,
				Retention: checkpoint.RetainOnCancellation, Timeout: time.Minute,
				State: runtime.StateOptions{Backend: backend, Incremental: true, ScratchDir: t.TempDir()}}
			distribute := func(par int, result *sync.Map, attempts *int) func(a checkpoint.Attempt) (*runtime.Placement, error) {
				return func(a checkpoint.Attempt) (*runtime.Placement, error) {
					*attempts++
					ex := &chanExchange{chans: map[[3]int]chan runtime.Message{}}
					r := &tmRunner{a: a, graph: graph(par, result), ex: ex, st: st, cfg: cfg, local: func(_, s int) bool { return s%2 == 1 }}
					return &runtime.Placement{Local: func(_, s int) bool { return s%2 == 0 }, Exchange: ex, Remote: r}, nil
				}
			}
			var partial sync.Map
			n1 := 0
			cfg.Distribute = distribute(2, &partial, &n1)
			e, err := checkpoint.Start(context.Background(), runtime.NewJobID(), graph(2, &partial), cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(time.Minute)
			for e.CompletedCheckpoints() < 2 {
				if time.Now().After(deadline) {
					t.Fatalf("no checkpoints; status %s (%v)", e.Status(), e.Wait())
				}
				time.Sleep(5 * time.Millisecond)
			}
			e.Cancel()
			e.Wait()
			if n1 != 1 {
				t.Fatalf("Distribute called %d times for one attempt", n1)
			}
			latest, err := checkpoint.FindLatest(st, root, "keyed-count", false)
			if err != nil {
				t.Fatal(err)
			}
			meta, dir, err := checkpoint.LoadCheckpoint(st, latest.Chosen.Path)
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range meta.Operators {
				if op.Parallelism != 2 || len(op.Subtasks) != 2 {
					t.Fatalf("operator %s: %d subtasks in the checkpoint", op.Name, len(op.Subtasks))
				}
			}
			var final sync.Map
			n2 := 0
			cfg.Dir = filepath.Join(root, "second")
			cfg.Distribute = distribute(3, &final, &n2)
			e2, err := checkpoint.Start(context.Background(), runtime.NewJobID(), graph(3, &final), cfg,
				&checkpoint.RestoreSource{Path: latest.Chosen.Path, Meta: meta, Dir: dir, Storage: st})
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
		})
	}
}
