package runtime

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flinkgo/engine/runtime/types"
)

// tickOp counts OnProcessingTime calls and the rows it saw.
type tickOp struct {
	collectOp
	tick  time.Duration
	ticks *atomic.Int64
	rows  *atomic.Int64
}

func (o *tickOp) ProcessBatch(_ int, b *types.Batch) error {
	o.rows.Add(int64(b.Len))
	return nil
}
func (o *tickOp) ProcessingTimeTick() time.Duration { return o.tick }
func (o *tickOp) OnProcessingTime() error {
	o.ticks.Add(1)
	return nil
}

// TestProcessingTimeTicksWithoutInput: a task without a source calls
// OnProcessingTime of its ProcessingTimeAware operators while no input
// arrives (the source is idle after its rows), and not when they ask for
// a tick of 0.
func TestProcessingTimeTicksWithoutInput(t *testing.T) {
	for _, tick := range []time.Duration{time.Millisecond, 0} {
		var ticks, rows atomic.Int64
		c := newCollector()
		g := testGraph(1<<62, 1, 1, Forward, c, 0)
		// An unbounded source: after its rows it stays idle.
		g.Vertices[0].Source.New = func(int, int) (SourceReader, error) { return &idleAfter{seqSource{end: 10, n: 10}}, nil }
		g.Vertices[1].Chain[0].New = func(sub, _ int) (Operator, error) {
			return &tickOp{collectOp: collectOp{c: c, subtask: sub}, tick: tick, ticks: &ticks, rows: &rows}, nil
		}
		j, _ := NewJob(NewJobID(), g, JobOptions{})
		if err := j.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for rows.Load() < 10 || (tick > 0 && ticks.Load() < 5) {
			if time.Now().After(deadline) {
				t.Fatalf("tick %v: %d rows, %d ticks", tick, rows.Load(), ticks.Load())
			}
			time.Sleep(time.Millisecond)
		}
		if tick == 0 {
			time.Sleep(20 * time.Millisecond)
			if n := ticks.Load(); n != 0 {
				t.Errorf("tick 0: %d OnProcessingTime calls", n)
			}
		}
		j.Cancel()
		j.Wait()
	}
}

// idleAfter is a seqSource that reports SourceIdle instead of ending.
type idleAfter struct{ seqSource }

func (s *idleAfter) Poll() (*types.Batch, SourceStatus, error) {
	b, st, err := s.seqSource.Poll()
	if st == SourceEnd {
		return nil, SourceIdle, nil
	}
	return b, st, err
}
