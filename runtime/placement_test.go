package runtime

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"
)

// memExchange connects Jobs of one test through bounded Go channels, one
// per (edge, producer, consumer): the contract of RemoteExchange without a
// network (runtime/netexchange tests the same over TCP).
type memExchange struct {
	mu    sync.Mutex
	chans map[[3]int]chan Message
}

func (x *memExchange) ch(e, p, c int) chan Message {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.chans == nil {
		x.chans = map[[3]int]chan Message{}
	}
	k := [3]int{e, p, c}
	if x.chans[k] == nil {
		x.chans[k] = make(chan Message, 2)
	}
	return x.chans[k]
}

type memOut struct {
	c     chan Message
	meter BlockMeter
}

func (o memOut) Send(ctx context.Context, m Message) error {
	select {
	case o.c <- m:
		return nil
	default:
	}
	o.meter.BeginBlocked()
	defer o.meter.EndBlocked()
	select {
	case o.c <- m:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type memIn struct{ c chan Message }

func (i memIn) Next(ctx context.Context) (Message, error) {
	select {
	case m := <-i.c:
		return m, nil
	case <-ctx.Done():
		return Message{}, ctx.Err()
	}
}

func (x *memExchange) OpenOutput(e, p, c int, meter BlockMeter) (RemoteOutput, error) {
	return memOut{x.ch(e, p, c), meter}, nil
}
func (x *memExchange) OpenInput(e, p, c int) (RemoteInput, error) { return memIn{x.ch(e, p, c)}, nil }

// TestPlacementSplitsJob runs one graph as two Jobs, each with every other
// subtask, connected by a RemoteExchange: every partitioning delivers what
// one Job would, watermarks end with the final one, and a checkpoint
// triggered in both completes in both with exactly their own subtasks.
func TestPlacementSplitsJob(t *testing.T) {
	for _, tc := range []struct {
		name            string
		srcPar, sinkPar int
		part            Partitioning
		copies          int
	}{
		{"forward", 2, 2, Forward, 1},
		{"hash", 2, 3, Hash, 1},
		{"rebalance", 3, 2, Rebalance, 1},
		{"broadcast", 2, 3, Broadcast, 3},
		{"global", 3, 2, Global, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCollector()
			const n = 20000
			ex := &memExchange{}
			var mu sync.Mutex
			acked := map[int64]map[string]int{} // checkpoint -> operator -> subtasks acked
			jobs := make([]*Job, 2)
			for half := range jobs {
				g := testGraph(n, tc.srcPar, tc.sinkPar, tc.part, c, 200) // source 0 idles first: the jobs run when the checkpoint comes
				j, err := NewJob("job", g, JobOptions{ExactlyOnce: true,
					Placement: &Placement{Local: func(_, s int) bool { return s%2 == half }, Exchange: ex},
					OnCheckpoint: func(id int64, st *CheckpointStates) {
						mu.Lock()
						defer mu.Unlock()
						if acked[id] == nil {
							acked[id] = map[string]int{}
						}
						for op, subs := range st.Operators {
							for sub := range subs {
								if sub%2 != half {
									t.Errorf("half %d acked subtask %d of %s", half, sub, op)
								}
								acked[id][op]++
							}
						}
					}})
				if err != nil {
					t.Fatal(err)
				}
				jobs[half] = j
			}
			for _, j := range jobs {
				if err := j.Start(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			for _, j := range jobs {
				if err := j.TriggerCheckpoint(1); err != nil {
					t.Fatal(err)
				}
			}
			for _, j := range jobs {
				select {
				case <-j.Done():
				case <-time.After(60 * time.Second):
					t.Fatal("split job did not finish")
				}
				if err := j.Wait(); err != nil {
					t.Fatal(err)
				}
			}
			var all []int64
			for _, vs := range c.values {
				all = append(all, vs...)
			}
			if len(all) != n*tc.copies {
				t.Fatalf("got %d values, want %d", len(all), n*tc.copies)
			}
			sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
			for i, v := range all {
				if v != int64(i/tc.copies) {
					t.Fatalf("value %d at %d", v, i)
				}
			}
			if c.finished != tc.sinkPar {
				t.Fatalf("finished %d of %d", c.finished, tc.sinkPar)
			}
			for sub, wms := range c.watermarks {
				if wms[len(wms)-1] != MaxWatermark {
					t.Fatalf("subtask %d last watermark %d", sub, wms[len(wms)-1])
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if a := acked[1]; a["s"] != tc.srcPar || a["c"] != tc.sinkPar {
				t.Fatalf("checkpoint 1 acknowledged %v, want every subtask once", a)
			}
		})
	}
}
