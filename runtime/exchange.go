package runtime

import (
	"context"

	"github.com/flinkgo/engine/runtime/types"
)

// envelope is a message tagged with the input channel it arrived on.
type envelope struct {
	ch  int
	msg Message
}

// inbox is the bounded queue of one task; every upstream producer that
// feeds the task writes into it. Its capacity gives backpressure.
type inbox struct {
	c chan envelope
}

const inboxCapacity = 32

func newInbox() *inbox { return &inbox{c: make(chan envelope, inboxCapacity)} }

// edgeWriter routes one producer subtask's output over one edge.
type edgeWriter struct {
	edge     *Edge
	targets  []*inbox // indexed by downstream subtask; nil for remote ones
	channels []int    // this producer's channel id in each target's inbox
	// remote holds the channels to remote downstream subtasks (nil when
	// every downstream subtask is local; see Placement).
	remote   []RemoteOutput
	subtask  int // producer subtask (Forward)
	maxPar   int
	next     int // Rebalance cursor
	parts    []*types.Batch
	colTypes []*types.Type
}

// networkOutput is the Output of the last operator of a chain: it sends to
// downstream tasks. It is used by the task goroutine only.
type networkOutput struct {
	ctx     context.Context
	writers []*edgeWriter
	metrics *OperatorMetrics
	io      *taskIO    // the task's: bytes out, backpressure, output watermark
	perturb *perturber // test schedule perturbation, nil when off
}

var _ Output = (*networkOutput)(nil)

// sendTo sends m to downstream subtask d of w: into its inbox, or over
// the remote channel when it runs in another process.
func (o *networkOutput) sendTo(w *edgeWriter, d int, m Message) error {
	if w.remote != nil && w.remote[d] != nil {
		o.perturb.point()
		if m.Kind == MsgBatch {
			o.io.bytesOut.Add(m.Batch.SizeBytes())
		}
		return w.remote[d].Send(o.ctx, m)
	}
	return o.send(w.targets[d], w.channels[d], m)
}

// send puts m into a downstream inbox. Only when the inbox is full does
// it time the wait, as backpressure.
func (o *networkOutput) send(t *inbox, ch int, m Message) error {
	o.perturb.point()
	if m.Kind == MsgBatch {
		o.io.bytesOut.Add(m.Batch.SizeBytes())
	}
	e := envelope{ch: ch, msg: m}
	select {
	case t.c <- e:
		return nil
	default:
	}
	o.io.backPressured.begin(monoNow())
	select {
	case t.c <- e:
		o.io.backPressured.end(monoNow())
		return nil
	case <-o.ctx.Done():
		o.io.backPressured.end(monoNow())
		return o.ctx.Err()
	}
}

// Emit routes a batch; ownership moves downstream.
func (o *networkOutput) Emit(b *types.Batch) error {
	if b == nil || b.Len == 0 {
		return nil
	}
	o.metrics.RecordsOut.Add(int64(b.Len))
	for i, w := range o.writers {
		bb := b
		if i < len(o.writers)-1 {
			bb = cloneBatch(b)
		}
		if err := o.route(w, bb); err != nil {
			return err
		}
	}
	return nil
}

func (o *networkOutput) route(w *edgeWriter, b *types.Batch) error {
	switch w.edge.Partitioning {
	case Forward:
		return o.sendTo(w, w.subtask, Message{Kind: MsgBatch, Batch: b})
	case Global:
		return o.sendTo(w, 0, Message{Kind: MsgBatch, Batch: b})
	case Rebalance:
		t := w.next
		w.next = (w.next + 1) % len(w.targets)
		return o.sendTo(w, t, Message{Kind: MsgBatch, Batch: b})
	case Broadcast:
		for t := range w.targets {
			bb := b
			if t < len(w.targets)-1 {
				bb = cloneBatch(b)
			}
			if err := o.sendTo(w, t, Message{Kind: MsgBatch, Batch: bb}); err != nil {
				return err
			}
		}
		return nil
	case Hash:
		n := len(w.targets)
		if n == 1 {
			return o.sendTo(w, 0, Message{Kind: MsgBatch, Batch: b})
		}
		if w.parts == nil {
			w.parts = make([]*types.Batch, n)
			w.colTypes = make([]*types.Type, len(b.Cols))
			for i, c := range b.Cols {
				w.colTypes[i] = c.Type
			}
		}
		for i := 0; i < b.Len; i++ {
			kg := KeyGroupOf(HashKey(b.Cols, w.edge.KeyColumns, i), w.maxPar)
			t := SubtaskOfKeyGroup(kg, w.maxPar, n)
			if w.parts[t] == nil {
				w.parts[t] = types.NewBatch(w.colTypes, b.Len/n+16)
			}
			w.parts[t].AppendRow(b, i)
		}
		for t, p := range w.parts {
			if p == nil {
				continue
			}
			w.parts[t] = nil
			if err := o.sendTo(w, t, Message{Kind: MsgBatch, Batch: p}); err != nil {
				return err
			}
		}
		return nil
	}
	return nil
}

// broadcastControl sends a non-batch message to every downstream channel.
func (o *networkOutput) broadcastControl(m Message) error {
	for _, w := range o.writers {
		if w.edge.Partitioning == Forward {
			if err := o.sendTo(w, w.subtask, m); err != nil {
				return err
			}
			continue
		}
		for t := range w.targets {
			if err := o.sendTo(w, t, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// EmitWatermark forwards a watermark to every downstream channel.
func (o *networkOutput) EmitWatermark(wm int64) error {
	o.io.outputWatermark.Store(wm)
	return o.broadcastControl(Message{Kind: MsgWatermark, Watermark: wm})
}

func cloneBatch(b *types.Batch) *types.Batch {
	ts := make([]*types.Type, len(b.Cols))
	for i, c := range b.Cols {
		ts[i] = c.Type
	}
	c := types.NewBatch(ts, b.Len)
	for i := 0; i < b.Len; i++ {
		c.AppendRow(b, i)
	}
	return c
}

// chainOutput feeds the next operator of a chain directly, counting the
// records it hands over as that operator's input.
type chainOutput struct {
	next    Operator
	metrics *OperatorMetrics // of next
}

func (c *chainOutput) Emit(b *types.Batch) error {
	if b == nil || b.Len == 0 {
		return nil
	}
	c.metrics.RecordsIn.Add(int64(b.Len))
	return c.next.ProcessBatch(0, b)
}

func (c *chainOutput) EmitWatermark(wm int64) error { return c.next.ProcessWatermark(wm) }
