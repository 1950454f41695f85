package runtime

import (
	"context"
	"testing"
	"time"

	"github.com/flinkgo/engine/runtime/types"
)

// sleepOp is a deliberately slow sink: it sleeps on every batch.
type sleepOp struct{ d time.Duration }

func (o *sleepOp) Open(*OperatorContext, Output) error { return nil }
func (o *sleepOp) ProcessBatch(int, *types.Batch) error {
	time.Sleep(o.d)
	return nil
}
func (o *sleepOp) ProcessWatermark(int64) error         { return nil }
func (o *sleepOp) SnapshotState(int64) ([]byte, error)  { return nil, nil }
func (o *sleepOp) NotifyCheckpointComplete(int64) error { return nil }
func (o *sleepOp) Finish() error                        { return nil }
func (o *sleepOp) Close() error                         { return nil }

// sourceThenSink is source (p=1) -> rebalance -> sink (p=1).
func sourceThenSink(src func() SourceReader, sink func() Operator) *JobGraph {
	return &JobGraph{Name: "t", MaxParallelism: 128, Edges: []*Edge{{From: 0, To: 1, Partitioning: Rebalance}},
		Vertices: []*Vertex{
			{Index: 0, Name: "src", Parallelism: 1, Source: &SourceSpec{ID: "s", Name: "src",
				New: func(int, int) (SourceReader, error) { return src(), nil }}},
			{Index: 1, Name: "sink", Parallelism: 1, Chain: []OperatorSpec{{ID: "k", Name: "sink",
				New: func(int, int) (Operator, error) { return sink(), nil }}}},
		}}
}

// waitForRates samples the running job over windows of at least half a
// second until ok accepts the rates of source and sink, failing after a
// generous deadline with the last rates seen.
func waitForRates(t *testing.T, j *Job, ok func(src, sink TaskRates) bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	prev := j.TaskMetrics()
	var src, sink TaskRates
	for time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		cur := j.TaskMetrics()
		if len(cur) != 2 || !cur[0].Running || !cur[1].Running {
			t.Fatalf("tasks not running: %+v", cur)
		}
		src, sink = cur[0].RatesSince(prev[0]), cur[1].RatesSince(prev[1])
		if ok(src, sink) {
			t.Logf("source %+v", src)
			t.Logf("sink %+v", sink)
			return
		}
		prev = cur
	}
	t.Fatalf("rates never as expected: source %+v, sink %+v", src, sink)
}

func startJob(t *testing.T, g *JobGraph) *Job {
	t.Helper()
	j, err := NewJob(NewJobID(), g, JobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m := j.TaskMetrics(); m != nil {
		t.Fatalf("metrics before Start: %+v", m)
	}
	if err := j.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		j.Cancel()
		j.Wait()
	})
	return j
}

// A slow sink backpressures its upstream task: the source spends its time
// blocked on the sink's full inbox, the sink is busy.
func TestSlowSinkBackpressuresUpstream(t *testing.T) {
	g := sourceThenSink(func() SourceReader { return &seqSource{end: 1 << 62, n: 64} },
		func() Operator { return &sleepOp{d: 2 * time.Millisecond} })
	j := startJob(t, g)
	waitForRates(t, j, func(src, sink TaskRates) bool {
		return src.BackPressuredTimeMsPerSecond > 500 && sink.BusyTimeMsPerSecond > 500 &&
			src.RecordsOutPerSecond > 0 && sink.BytesInPerSecond > 0
	})
}

// A source with nothing to read is idle, and so is the task waiting for it.
func TestIdleSourceIsIdle(t *testing.T) {
	g := sourceThenSink(func() SourceReader { return &seqSource{end: 1 << 62, n: 64, idleFirst: 1 << 62} },
		func() Operator { return &sleepOp{} })
	j := startJob(t, g)
	waitForRates(t, j, func(src, sink TaskRates) bool {
		return src.IdleTimeMsPerSecond > 500 && sink.IdleTimeMsPerSecond > 500
	})
}

// A bounded job's counters add up: what the sources sent (records and
// bytes) the sinks received, and the final watermark passed every task.
func TestTaskMetricsOfFinishedJob(t *testing.T) {
	const n = 10_000
	g := testGraph(n, 2, 3, Hash, newCollector(), 0)
	j, err := NewJob(NewJobID(), g, JobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := j.Wait(); err != nil {
		t.Fatal(err)
	}
	ms := j.TaskMetrics()
	if len(ms) != 5 {
		t.Fatalf("%d tasks, want 5", len(ms))
	}
	var sent, received [2]int64 // records, bytes
	for i, m := range ms {
		if m.Running {
			t.Errorf("task %d still running after the job ended", i)
		}
		if m.BusyNs+m.BackPressuredNs+m.IdleNs <= 0 {
			t.Errorf("task %d has no running time: %+v", i, m)
		}
		r := m.RatesSince(TaskMetrics{})
		if sum := r.BusyTimeMsPerSecond + r.BackPressuredTimeMsPerSecond + r.IdleTimeMsPerSecond; sum < 999.9 || sum > 1000.1 {
			t.Errorf("task %d time shares add up to %v ms/s", i, sum)
		}
		switch m.Vertex {
		case 0:
			if m.VertexName != "src" || m.Subtask != i || m.Parallelism != 2 {
				t.Errorf("source task %d: %+v", i, m)
			}
			if m.OutputWatermark != MaxWatermark {
				t.Errorf("source task %d output watermark %d", i, m.OutputWatermark)
			}
			sent[0] += m.RecordsOut
			sent[1] += m.BytesOut
		case 1:
			if m.VertexName != "sink" || m.Subtask != i-2 || m.Parallelism != 3 {
				t.Errorf("sink task %d: %+v", i, m)
			}
			if m.InputWatermark != MaxWatermark {
				t.Errorf("sink task %d input watermark %d", i, m.InputWatermark)
			}
			if m.RecordsOut != 0 || m.BytesOut != 0 {
				t.Errorf("sink task %d sent %d records, %d bytes", i, m.RecordsOut, m.BytesOut)
			}
			received[0] += m.RecordsIn
			received[1] += m.BytesIn
		}
	}
	if sent[0] != n || received[0] != n || sent[1] != received[1] || sent[1] < 8*n {
		t.Fatalf("sent %d records in %d bytes, received %d in %d", sent[0], sent[1], received[0], received[1])
	}
}
