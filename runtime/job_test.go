package runtime

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/flinkgo/engine/runtime/types"
)

// seqSource emits the integers [from, to) of its subtask's share in
// batches of size n, with the value as event time (ms).
type seqSource struct {
	next, end, n int64
	idleFirst    int // polls answered SourceIdle before data flows
}

func (s *seqSource) Open(*OperatorContext) error { return nil }
func (s *seqSource) Poll() (*types.Batch, SourceStatus, error) {
	if s.idleFirst > 0 {
		s.idleFirst--
		return nil, SourceIdle, nil
	}
	if s.next >= s.end {
		return nil, SourceEnd, nil
	}
	b := types.NewBatch([]*types.Type{types.BigInt}, int(s.n))
	for i := int64(0); i < s.n && s.next < s.end; i++ {
		b.Cols[0].AppendInt(s.next)
		b.Len++
		s.next++
	}
	return b, SourceMore, nil
}
func (s *seqSource) SnapshotState(int64) ([]byte, error)  { return []byte{byte(s.next)}, nil }
func (s *seqSource) NotifyCheckpointComplete(int64) error { return nil }
func (s *seqSource) Close() error                         { return nil }

// collector records what reaches it; shared by all subtasks of a vertex.
type collector struct {
	mu         sync.Mutex
	values     map[int][]int64 // subtask -> values
	watermarks map[int][]int64
	finished   int
	snapshots  int
}

type collectOp struct {
	c       *collector
	subtask int
	out     Output
}

func (o *collectOp) Open(ctx *OperatorContext, out Output) error { o.out = out; return nil }
func (o *collectOp) ProcessBatch(_ int, b *types.Batch) error {
	o.c.mu.Lock()
	defer o.c.mu.Unlock()
	for i := 0; i < b.Len; i++ {
		o.c.values[o.subtask] = append(o.c.values[o.subtask], b.Cols[0].Ints[i])
	}
	return nil
}
func (o *collectOp) ProcessWatermark(wm int64) error {
	o.c.mu.Lock()
	defer o.c.mu.Unlock()
	o.c.watermarks[o.subtask] = append(o.c.watermarks[o.subtask], wm)
	return nil
}
func (o *collectOp) SnapshotState(int64) ([]byte, error) {
	o.c.mu.Lock()
	o.c.snapshots++
	o.c.mu.Unlock()
	return nil, nil
}
func (o *collectOp) NotifyCheckpointComplete(int64) error { return nil }
func (o *collectOp) Finish() error {
	o.c.mu.Lock()
	o.c.finished++
	o.c.mu.Unlock()
	return nil
}
func (o *collectOp) Close() error { return nil }

// wmOp forwards batches and emits each batch's max value as watermark.
type wmOp struct{ out Output }

func (o *wmOp) Open(_ *OperatorContext, out Output) error { o.out = out; return nil }
func (o *wmOp) ProcessBatch(_ int, b *types.Batch) error {
	max := b.Cols[0].Ints[b.Len-1]
	if err := o.out.Emit(b); err != nil {
		return err
	}
	return o.out.EmitWatermark(max)
}
func (o *wmOp) ProcessWatermark(wm int64) error {
	if wm == MaxWatermark {
		return o.out.EmitWatermark(wm)
	}
	return nil
}
func (o *wmOp) SnapshotState(int64) ([]byte, error)  { return nil, nil }
func (o *wmOp) NotifyCheckpointComplete(int64) error { return nil }
func (o *wmOp) Finish() error                        { return nil }
func (o *wmOp) Close() error                         { return nil }

func newCollector() *collector {
	return &collector{values: map[int][]int64{}, watermarks: map[int][]int64{}}
}

// graph: source (p=srcPar, values 0..n split per subtask) -> wm -> edge -> collect (p=sinkPar).
func testGraph(n int64, srcPar, sinkPar int, part Partitioning, c *collector, idle int) *JobGraph {
	src := &Vertex{Index: 0, Name: "src", Parallelism: srcPar,
		Source: &SourceSpec{ID: "s", Name: "src", New: func(sub, par int) (SourceReader, error) {
			per := n / int64(par)
			from := int64(sub) * per
			to := from + per
			if sub == par-1 {
				to = n
			}
			s := &seqSource{next: from, end: to, n: 7}
			if sub == 0 {
				s.idleFirst = idle
			}
			return s, nil
		}},
		Chain: []OperatorSpec{{ID: "w", Name: "wm", New: func(int, int) (Operator, error) { return &wmOp{}, nil }}}}
	sink := &Vertex{Index: 1, Name: "sink", Parallelism: sinkPar,
		Chain: []OperatorSpec{{ID: "c", Name: "collect", New: func(sub, _ int) (Operator, error) {
			return &collectOp{c: c, subtask: sub}, nil
		}}}}
	return &JobGraph{Name: "t", Vertices: []*Vertex{src, sink}, MaxParallelism: 128,
		Edges: []*Edge{{From: 0, To: 1, Partitioning: part, KeyColumns: []int{0}}}}
}

func TestJobPartitionings(t *testing.T) {
	for _, tc := range []struct {
		name              string
		srcPar, sinkPar   int
		part              Partitioning
		wantCopies        int
		checkKeyPlacement bool
	}{
		{"forward", 3, 3, Forward, 1, false},
		{"hash", 2, 4, Hash, 1, true},
		{"rebalance", 3, 2, Rebalance, 1, false},
		{"broadcast", 2, 3, Broadcast, 3, false},
		{"global", 4, 2, Global, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCollector()
			g := testGraph(1000, tc.srcPar, tc.sinkPar, tc.part, c, 0)
			j, err := NewJob(NewJobID(), g, JobOptions{ExactlyOnce: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := j.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := j.Wait(); err != nil {
				t.Fatal(err)
			}
			if j.Status() != JobFinished {
				t.Fatalf("status %s", j.Status())
			}
			var all []int64
			for sub, vs := range c.values {
				for _, v := range vs {
					if tc.checkKeyPlacement {
						col := types.NewVector(types.BigInt, 1)
						col.AppendInt(v)
						kg := KeyGroupOf(HashKey([]*types.Vector{col}, []int{0}, 0), 128)
						if want := SubtaskOfKeyGroup(kg, 128, tc.sinkPar); want != sub {
							t.Fatalf("value %d at subtask %d, key group says %d", v, sub, want)
						}
					}
					all = append(all, v)
				}
				if tc.part == Global && sub != 0 {
					t.Fatalf("global edge delivered to subtask %d", sub)
				}
			}
			if len(all) != 1000*tc.wantCopies {
				t.Fatalf("got %d values, want %d", len(all), 1000*tc.wantCopies)
			}
			sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
			for i, v := range all {
				if v != int64(i/tc.wantCopies) {
					t.Fatalf("value %d at %d", v, i)
				}
			}
			if c.finished != tc.sinkPar {
				t.Fatalf("finished %d of %d", c.finished, tc.sinkPar)
			}
			// Watermarks never go backwards and end with the final one.
			for sub, wms := range c.watermarks {
				for i := 1; i < len(wms); i++ {
					if wms[i] <= wms[i-1] {
						t.Fatalf("subtask %d watermark went from %d to %d", sub, wms[i-1], wms[i])
					}
				}
				if wms[len(wms)-1] != MaxWatermark {
					t.Fatalf("subtask %d last watermark %d", sub, wms[len(wms)-1])
				}
			}
			in, out := j.Counters()
			if in != 1000 || out != int64(1000*tc.wantCopies) {
				t.Fatalf("counters in=%d out=%d", in, out)
			}
		})
	}
}

// unitTask builds a task with n input channels feeding a collector.
func unitTask(n int, exactly bool) (*task, *collector) {
	c := newCollector()
	j := &Job{pending: map[int64]*pendingCheckpoint{}, final: map[*task]map[string][]byte{}, graph: &JobGraph{},
		lingering: map[*task]bool{}, finishing: make(chan struct{})}
	t := &task{job: j, vertex: &Vertex{Name: "v", Parallelism: 1, Chain: []OperatorSpec{{ID: "c"}}},
		metrics: &OperatorMetrics{}, exactly: exactly, wm: MinWatermark}
	t.out = &networkOutput{ctx: context.Background(), metrics: t.metrics, io: &t.io}
	op := &collectOp{c: c}
	op.Open(nil, t.out)
	t.chain = []Operator{op}
	t.ctxs = []*OperatorContext{{Metrics: &OperatorMetrics{}}}
	for i := 0; i < n; i++ {
		t.channels = append(t.channels, &inputChannel{wm: MinWatermark})
	}
	return t, c
}

func batchOf(vs ...int64) *types.Batch {
	b := types.NewBatch([]*types.Type{types.BigInt}, len(vs))
	for _, v := range vs {
		b.Cols[0].AppendInt(v)
	}
	b.Len = len(vs)
	return b
}

func TestWatermarkIsMinimumOverInputs(t *testing.T) {
	tk, c := unitTask(2, true)
	steps := []struct {
		ch   int
		msg  Message
		want []int64 // watermarks seen by the operator so far
	}{
		{0, Message{Kind: MsgWatermark, Watermark: 10}, nil},
		{1, Message{Kind: MsgWatermark, Watermark: 5}, []int64{5}},
		{1, Message{Kind: MsgWatermark, Watermark: 20}, []int64{5, 10}},
		{0, Message{Kind: MsgWatermark, Watermark: 8}, []int64{5, 10}}, // never backwards
		{0, Message{Kind: MsgWatermark, Idle: true}, []int64{5, 10, 20}},
		{0, Message{Kind: MsgBatch, Batch: batchOf(1)}, []int64{5, 10, 20}}, // data wakes it up
		{1, Message{Kind: MsgWatermark, Watermark: 30}, []int64{5, 10, 20}}, // held back by ch 0 at 10
		{0, Message{Kind: MsgEndOfInput}, []int64{5, 10, 20, 30}},
		{1, Message{Kind: MsgEndOfInput}, []int64{5, 10, 20, 30, MaxWatermark}},
	}
	for i, st := range steps {
		if _, err := tk.handle(st.ch, st.msg); err != nil {
			t.Fatal(err)
		}
		got := c.watermarks[0]
		if len(got) != len(st.want) {
			t.Fatalf("step %d: watermarks %v, want %v", i, got, st.want)
		}
		for k := range got {
			if got[k] != st.want[k] {
				t.Fatalf("step %d: watermarks %v, want %v", i, got, st.want)
			}
		}
	}
}

func TestBarrierAlignmentHoldsBackBlockedChannel(t *testing.T) {
	for _, exactly := range []bool{true, false} {
		tk, c := unitTask(2, exactly)
		tk.job.pending[1] = &pendingCheckpoint{waiting: map[*task]bool{tk: true}, acked: map[*task]bool{}, states: newCheckpointStates()}
		tk.job.tasks = []*task{tk}
		must := func(ch int, m Message) {
			if _, err := tk.handle(ch, m); err != nil {
				t.Fatal(err)
			}
		}
		must(0, Message{Kind: MsgBarrier, Barrier: Barrier{CheckpointID: 1}})
		must(0, Message{Kind: MsgBatch, Batch: batchOf(100)}) // after the barrier on ch 0
		must(1, Message{Kind: MsgBatch, Batch: batchOf(1)})   // before the barrier on ch 1
		if exactly && len(c.values[0]) != 1 {
			t.Fatalf("exactly-once: post-barrier data was processed before alignment: %v", c.values[0])
		}
		if !exactly && len(c.values[0]) != 2 {
			t.Fatalf("at-least-once: data was held back: %v", c.values[0])
		}
		before := tk.io.alignedCheckpoint.Load()
		must(1, Message{Kind: MsgBarrier, Barrier: Barrier{CheckpointID: 1}})
		if c.snapshots != 1 || tk.job.lastDone != 1 {
			t.Fatalf("snapshots %d, completed %d", c.snapshots, tk.job.lastDone)
		}
		// The alignment time is measured once every barrier arrived.
		if before != 0 || tk.io.alignedCheckpoint.Load() != 1 || tk.io.alignment.Load() < 0 {
			t.Fatalf("aligned checkpoint %d -> %d, alignment %d ns", before, tk.io.alignedCheckpoint.Load(), tk.io.alignment.Load())
		}
		if len(c.values[0]) != 2 {
			t.Fatalf("held-back data not replayed: %v", c.values[0])
		}
		// A second ack of the completed checkpoint is late, one of a
		// checkpoint never triggered unknown; both are dropped.
		tk.job.lastTrig = 1
		tk.job.ack(1, tk, nil, nil)
		tk.job.ack(7, tk, nil, nil)
		if got := tk.job.AckCounts(); got[AckSuccess] != 1 || got[AckLate] != 1 || got[AckUnknown] != 1 {
			t.Fatalf("ack counts %v", got)
		}
		if exactly && c.values[0][0] != 1 {
			t.Fatalf("order: %v", c.values[0])
		}
	}
}

func TestCheckpointBarriersAligned(t *testing.T) {
	c := newCollector()
	g := testGraph(1_000_000, 2, 2, Hash, c, 0)
	var mu sync.Mutex
	var completed []int64
	states := map[string]map[int][]byte{}
	j, _ := NewJob(NewJobID(), g, JobOptions{ExactlyOnce: true, OnCheckpoint: func(id int64, st *CheckpointStates) {
		mu.Lock()
		completed = append(completed, id)
		states = st.Operators
		mu.Unlock()
		st.Release()
	}})
	if err := j.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := j.TriggerCheckpoint(1); err != nil {
		t.Fatalf("job ended before the checkpoint: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(completed)
		mu.Unlock()
		if n == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	j.Cancel()
	j.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(completed) != 1 || completed[0] != 1 {
		t.Fatalf("completed %v", completed)
	}
	if len(states["s"]) != 2 {
		t.Fatalf("source states of %d subtasks", len(states["s"]))
	}
	if c.snapshots != 2 {
		t.Fatalf("sink snapshots %d", c.snapshots)
	}
}

func TestIdleSourceDoesNotHoldBackWatermark(t *testing.T) {
	c := newCollector()
	// Subtask 0 stays idle for a long time; with an idle timeout the sink's
	// watermark still advances on subtask 1's data before subtask 0 wakes up.
	g := testGraph(400_000, 2, 1, Hash, c, 200)
	g.SourceIdleTimeoutMs = 1
	j, _ := NewJob(NewJobID(), g, JobOptions{ExactlyOnce: true})
	if err := j.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := j.Wait(); err != nil {
		t.Fatal(err)
	}
	advanced := false
	for _, wm := range c.watermarks[0] {
		if wm >= 200_000 && wm != MaxWatermark {
			advanced = true
		}
	}
	if !advanced {
		t.Fatalf("watermark never advanced past the idle input: %d watermarks, last %v", len(c.watermarks[0]), c.watermarks[0][len(c.watermarks[0])-1])
	}
}

func TestCancelStopsUnboundedJob(t *testing.T) {
	c := newCollector()
	g := testGraph(1<<62, 2, 2, Rebalance, c, 0)
	j, _ := NewJob(NewJobID(), g, JobOptions{})
	if err := j.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	j.Cancel()
	if err := j.Wait(); err != nil {
		t.Fatal(err)
	}
	if j.Status() != JobCanceled {
		t.Fatalf("status %s", j.Status())
	}
}

// With FinalCheckpoint a bounded job ends only after a checkpoint holding
// every task's final state completed, and its operators were told so.
func TestFinalCheckpointBeforeFinishing(t *testing.T) {
	c := newCollector()
	g := testGraph(100, 2, 2, Hash, c, 0)
	j, _ := NewJob(NewJobID(), g, JobOptions{ExactlyOnce: true, FinalCheckpoint: true})
	if err := j.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-j.Finishing()
	select {
	case <-j.Done():
		t.Fatal("job ended before its final checkpoint")
	case <-time.After(50 * time.Millisecond):
	}
	if err := j.TriggerCheckpoint(7); err != nil {
		t.Fatal(err)
	}
	if err := j.Wait(); err != nil {
		t.Fatal(err)
	}
	if j.Status() != JobFinished || j.CompletedCheckpoints() != 7 {
		t.Fatalf("status %s, completed %d", j.Status(), j.CompletedCheckpoints())
	}
}
