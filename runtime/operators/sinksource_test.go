package operators

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

func TestCollectSink(t *testing.T) {
	ch := make(chan *types.Batch, 1)
	h := openOp(t, NewCollectSink(ch), nil)
	in := mkBatch(kvTypes, ins("a", 1), del("b", nil))
	if err := h.op.ProcessBatch(0, in); err != nil {
		t.Fatal(err)
	}
	got := <-ch
	in.Cols[0].Data[0] = 'X' // the sink must have copied
	in.Kinds[1] = types.Insert
	eqRows(t, "collected", renderBatch(got), "+I[a, 1]", "-D[b, NULL]")
	if err := h.op.Finish(); err != nil || len(ch) != 0 {
		t.Fatalf("finish: %v, %d batches", err, len(ch))
	}

	// A blocked send returns when the job is cancelled.
	ctx, cancel := context.WithCancel(context.Background())
	op, _ := NewCollectSink(make(chan *types.Batch))(0, 1)
	if err := op.Open(&runtime.OperatorContext{Ctx: ctx, Metrics: &runtime.OperatorMetrics{}}, &collector{}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- op.ProcessBatch(0, in) }()
	time.Sleep(10 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("sink did not observe cancellation")
	}
}

func TestValuesSource(t *testing.T) {
	rows := mkBatch([]*types.Type{types.Int, types.String}, ins(1, "x"), ins(2, "y"))
	f := NewValuesSource(rows)
	open := func(sub int, restore []byte) runtime.SourceReader {
		r, err := f(sub, 2)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Open(&runtime.OperatorContext{Ctx: context.Background(), Subtask: sub, RestoredStates: restoredStates(restore)}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := open(0, nil)
	before, _ := r.SnapshotState(1)
	b, st, err := r.Poll()
	if err != nil || st != runtime.SourceEnd || b == nil || b == rows {
		t.Fatalf("poll = %v %v %v (must be a copy)", b, st, err)
	}
	eqRows(t, "values", renderBatch(b), "+I[1, x]", "+I[2, y]")
	if b, st, _ := r.Poll(); b != nil || st != runtime.SourceEnd {
		t.Fatalf("second poll = %v %v", b, st)
	}
	after, _ := r.SnapshotState(2)
	if b, st, _ := open(1, nil).Poll(); b != nil || st != runtime.SourceEnd {
		t.Fatalf("subtask 1 must end at once")
	}
	if b, _, _ := open(0, after).Poll(); b != nil {
		t.Fatalf("restored after emission must not emit again")
	}
	if b, _, _ := open(0, before).Poll(); b == nil {
		t.Fatalf("restored before emission must emit")
	}
}

func TestPassThrough(t *testing.T) {
	h := openOp(t, NewPassThrough(), nil)
	in := mkBatch(kvTypes, ins("a", 1))
	if err := h.op.ProcessBatch(1, in); err != nil {
		t.Fatal(err)
	}
	if err := h.op.ProcessWatermark(5); err != nil {
		t.Fatal(err)
	}
	if len(h.out.batches) != 1 || h.out.batches[0] != in || len(h.out.wms) != 1 || h.out.wms[0] != 5 {
		t.Fatalf("not forwarded: %v %v", h.out.batches, h.out.wms)
	}
}
