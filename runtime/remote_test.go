package runtime

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/flinkgo/engine/runtime/types"
)

// jobRunner is a RemoteRunner that runs the remote subtasks in a second
// Job of this process (what a TaskManager does with its share), reporting
// its acknowledgements, ends and failure to the coordinator.
type jobRunner struct {
	graph func() *JobGraph
	local func(v, s int) bool
	ex    RemoteExchange
	final bool

	mu  sync.Mutex
	job *Job
}

func (r *jobRunner) Start(ctx context.Context, rep RemoteReports) error {
	g := r.graph()
	var j *Job
	j, err := NewJob("tm", g, JobOptions{ExactlyOnce: true, FinalCheckpoint: r.final,
		Placement: &Placement{Local: r.local, Exchange: r.ex},
		OnCheckpoint: func(id int64, st *CheckpointStates) {
			for _, v := range g.Vertices {
				for s := 0; s < v.Parallelism; s++ {
					if r.local(v.Index, s) {
						states, keyed := st.ForTask(v, s)
						rep.Acknowledged(id, v.Index, s, states, keyed)
					}
				}
			}
		},
		OnFinished: func(v, s int, states map[string][]byte) { rep.Finished(v, s, states) },
	})
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

func (r *jobRunner) Trigger(b Barrier) error {
	r.mu.Lock()
	j := r.job
	r.mu.Unlock()
	err := j.trigger(b)
	if err != nil && j.Status() == JobFinished {
		return nil // its tasks ended: their final states are on the way
	}
	return err
}

func (r *jobRunner) NotifyCheckpointComplete(id int64) {
	r.mu.Lock()
	j := r.job
	r.mu.Unlock()
	j.NotifyCheckpointComplete(id)
}

// TestRemoteRunnerCoordinates: a coordinating Job runs every other
// subtask and a RemoteRunner the rest; checkpoints triggered on the
// coordinator only complete with every subtask of the whole job, with and
// without a final checkpoint, and the job ends when both halves did.
func TestRemoteRunnerCoordinates(t *testing.T) {
	for _, final := range []bool{false, true} {
		t.Run(fmt.Sprintf("final=%v", final), func(t *testing.T) {
			const n = 20000
			c := newCollector()
			ex := &memExchange{}
			graph := func() *JobGraph { return testGraph(n, 2, 3, Hash, c, 300) }
			runner := &jobRunner{graph: graph, local: func(_, s int) bool { return s%2 == 1 }, ex: ex, final: final}
			var mu sync.Mutex
			complete := map[int64][]string{}
			var j *Job
			j, err := NewJob("coord", graph(), JobOptions{ExactlyOnce: true, FinalCheckpoint: final,
				Placement: &Placement{Local: func(_, s int) bool { return s%2 == 0 }, Exchange: ex, Remote: runner},
				OnCheckpoint: func(id int64, st *CheckpointStates) {
					var got []string
					for op, subs := range st.Operators {
						for sub := range subs {
							got = append(got, fmt.Sprintf("%s/%d", op, sub))
						}
					}
					sort.Strings(got)
					st.Release()
					mu.Lock()
					complete[id] = got
					mu.Unlock()
					go j.NotifyCheckpointComplete(id) // as checkpoint.Execution does, after persisting
				}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := j.Start(ctx); err != nil {
				t.Fatal(err)
			}
			// Trigger as checkpoint.Execution would, until the job ends.
			go func() {
				for id := int64(1); ; id++ {
					select {
					case <-j.Done():
						return
					case <-time.After(5 * time.Millisecond):
					}
					_ = j.TriggerCheckpoint(id)
				}
			}()
			select {
			case <-j.Done():
			case <-ctx.Done():
				t.Fatal("coordinated job did not end")
			}
			if err := j.Wait(); err != nil {
				t.Fatal(err)
			}
			var all []int64
			for _, vs := range c.values {
				all = append(all, vs...)
			}
			if len(all) != n {
				t.Fatalf("%d values, want %d", len(all), n)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(complete) == 0 {
				t.Fatal("no checkpoint completed")
			}
			want := "[c/0 c/1 c/2 s/0 s/1 w/0 w/1]"
			for id, got := range complete {
				if fmt.Sprint(got) != want {
					t.Fatalf("checkpoint %d holds %v, want %s", id, got, want)
				}
			}
		})
	}
}

// TestRemoteRunnerFailure: a remote subtask's failure fails the
// coordinating job with its cause.
func TestRemoteRunnerFailure(t *testing.T) {
	c := newCollector()
	ex := &memExchange{}
	graph := func() *JobGraph {
		g := testGraph(20000, 2, 2, Hash, c, 0)
		g.Vertices[1].Chain[0].New = func(sub, _ int) (Operator, error) {
			if sub == 1 {
				return &brokenOp{}, nil
			}
			return &collectOp{c: c, subtask: sub}, nil
		}
		return g
	}
	runner := &jobRunner{graph: graph, local: func(_, s int) bool { return s == 1 }, ex: ex}
	j, err := NewJob("coord", graph(), JobOptions{ExactlyOnce: true,
		Placement: &Placement{Local: func(_, s int) bool { return s == 0 }, Exchange: ex, Remote: runner}})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-j.Done():
	case <-time.After(time.Minute):
		t.Fatal("job did not end")
	}
	if err := j.Wait(); err == nil || !errors.Is(err, errBroken) {
		t.Fatalf("err = %v, want the remote subtask's failure", err)
	}
}

var errBroken = errors.New("broken operator")

type brokenOp struct{ collectOp }

func (o *brokenOp) ProcessBatch(int, *types.Batch) error { return errBroken }
