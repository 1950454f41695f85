package netexchange

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	rt "github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// seqReader emits its subtask's share of [0, n) in batches of 100.
type seqReader struct {
	next, end int64
	idle      int // polls answered idle first
}

func (s *seqReader) Open(*rt.OperatorContext) error { return nil }
func (s *seqReader) Poll() (*types.Batch, rt.SourceStatus, error) {
	if s.idle > 0 {
		s.idle--
		return nil, rt.SourceIdle, nil
	}
	if s.next >= s.end {
		return nil, rt.SourceEnd, nil
	}
	b := types.NewBatch([]*types.Type{types.BigInt}, 100)
	for i := 0; i < 100 && s.next < s.end; i++ {
		b.Cols[0].AppendInt(s.next)
		b.Len++
		s.next++
	}
	return b, rt.SourceMore, nil
}
func (s *seqReader) SnapshotState(int64) ([]byte, error)  { return []byte{1}, nil }
func (s *seqReader) NotifyCheckpointComplete(int64) error { return nil }
func (s *seqReader) Close() error                         { return nil }

// sinkOp records the values each subtask receives.
type sinkOp struct {
	mu     *sync.Mutex
	got    map[int][]int64
	sub    int
	ends   *int
	slower time.Duration
}

func (o *sinkOp) Open(*rt.OperatorContext, rt.Output) error { return nil }
func (o *sinkOp) ProcessBatch(_ int, b *types.Batch) error {
	if o.slower > 0 {
		time.Sleep(o.slower)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := 0; i < b.Len; i++ {
		o.got[o.sub] = append(o.got[o.sub], b.Cols[0].Ints[i])
	}
	return nil
}
func (o *sinkOp) ProcessWatermark(int64) error         { return nil }
func (o *sinkOp) SnapshotState(int64) ([]byte, error)  { return []byte{2}, nil }
func (o *sinkOp) NotifyCheckpointComplete(int64) error { return nil }
func (o *sinkOp) Close() error                         { return nil }
func (o *sinkOp) Finish() error                        { o.mu.Lock(); *o.ends++; o.mu.Unlock(); return nil }

// TestJobExchangeSplitsJob runs one job as two "processes" (two Jobs with
// complementary placements, each with its own Receiver, connected by real
// TCP Senders both ways): a hash edge delivers every value exactly once to
// the subtask its key group names, slowly consumed (credits bound the
// queues), and a checkpoint triggered in both halves completes in both.
func TestJobExchangeSplitsJob(t *testing.T) {
	checkNoLeaks(t)
	const n = 30000
	const par = 2
	var mu sync.Mutex
	got := map[int][]int64{}
	ends := 0
	graph := func() *rt.JobGraph {
		src := &rt.Vertex{Index: 0, Name: "src", Parallelism: par,
			Source: &rt.SourceSpec{ID: "s", Name: "src", New: func(sub, p int) (rt.SourceReader, error) {
				per := int64(n / p)
				return &seqReader{next: int64(sub) * per, end: int64(sub+1) * per, idle: 100}, nil
			}}}
		sink := &rt.Vertex{Index: 1, Name: "sink", Parallelism: par,
			Chain: []rt.OperatorSpec{{ID: "k", Name: "sink", New: func(sub, _ int) (rt.Operator, error) {
				return &sinkOp{mu: &mu, got: got, sub: sub, ends: &ends, slower: 50 * time.Microsecond}, nil
			}}}}
		return &rt.JobGraph{Name: "split", Vertices: []*rt.Vertex{src, sink}, MaxParallelism: 128,
			Edges: []*rt.Edge{{From: 0, To: 1, Partitioning: rt.Hash, KeyColumns: []int{0}}}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	recv := make([]*Receiver, 2)
	for i := range recv {
		r, err := Listen("127.0.0.1:0", ReceiverOptions{Credits: 2})
		if err != nil {
			t.Fatal(err)
		}
		recv[i] = r
		t.Cleanup(func() { r.Close() })
	}
	send := make([]*Sender, 2) // send[i]: from process i to the other
	for i := range send {
		s, err := Dial(ctx, recv[1-i].Addr(), SenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		send[i] = s
		t.Cleanup(func() { s.Close() })
	}
	var ackMu sync.Mutex
	acks := map[string]int{}
	jobs := make([]*rt.Job, 2)
	for half := range jobs {
		ex := &JobExchange{Job: "job-1", Receiver: recv[half], Peer: func(_, consumer int) (*Sender, error) {
			if consumer%2 == half {
				t.Errorf("half %d asked for a connection to its own subtask %d", half, consumer)
			}
			return send[half], nil
		}}
		j, err := rt.NewJob("job-1", graph(), rt.JobOptions{ExactlyOnce: true,
			Placement: &rt.Placement{Local: func(_, s int) bool { return s%2 == half }, Exchange: ex},
			OnCheckpoint: func(id int64, st *rt.CheckpointStates) {
				ackMu.Lock()
				defer ackMu.Unlock()
				for op, subs := range st.Operators {
					acks[op] += len(subs)
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		jobs[half] = j
	}
	for _, j := range jobs {
		if err := j.Start(ctx); err != nil {
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
		case <-ctx.Done():
			t.Fatal("split job did not finish")
		}
		if err := j.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	var all []int64
	for sub, vs := range got {
		for _, v := range vs {
			col := types.NewVector(types.BigInt, 1)
			col.AppendInt(v)
			kg := rt.KeyGroupOf(rt.HashKey([]*types.Vector{col}, []int{0}, 0), 128)
			if want := rt.SubtaskOfKeyGroup(kg, 128, par); want != sub {
				t.Fatalf("value %d at subtask %d, its key group belongs to %d", v, sub, want)
			}
		}
		all = append(all, vs...)
	}
	sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
	if len(all) != n {
		t.Fatalf("%d values, want %d", len(all), n)
	}
	for i, v := range all {
		if v != int64(i) {
			t.Fatalf("value %d at %d", v, i)
		}
	}
	if ends != par {
		t.Fatalf("%d sink subtasks finished, want %d", ends, par)
	}
	ackMu.Lock()
	defer ackMu.Unlock()
	if acks["s"] != par || acks["k"] != par {
		t.Fatalf("checkpoint 1 acknowledged by %v, want every subtask of both halves once", acks)
	}
}
