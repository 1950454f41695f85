package runtime

import "fmt"

// The input side of a task without a source: its input channels (one per
// upstream producer subtask), barrier alignment across them, watermarks
// combined over them, and the end of input.
//
// Every message of one channel is processed in the order it was sent. A
// channel blocked by exactly-once alignment keeps its messages in its own
// buffer; they are processed once the alignment completes (or is
// aborted), before anything that arrives on that channel later. Nothing
// here recurses: handle appends to a channel's buffer when it cannot
// process at once, and drain processes buffered messages until no
// unblocked channel has any.
//
// Invariants (violations are internal errors, never silently ignored):
//   - a task's chain finishes exactly once, after every channel ended;
//   - nothing arrives on a channel after its end of input;
//   - a checkpoint is snapshotted at most once per task, and barriers of a
//     checkpoint completed or aborted here are ignored.

// inputChannel is the receiving state of one upstream producer.
type inputChannel struct {
	input   int // head operator input index
	wm      int64
	idle    bool
	ended   bool
	barrier int64 // checkpoint id of the barrier received here in the alignment under way, 0 if none
	// buf holds messages received but not yet processed (the channel is
	// blocked by alignment, or older messages wait before them): buf[head:].
	buf  []Message
	head int
}

func (c *inputChannel) buffered() int { return len(c.buf) - c.head }

// push appends m to the channel's buffer.
func (c *inputChannel) push(m Message) { c.buf = append(c.buf, m) }

// pop removes the oldest buffered message.
func (c *inputChannel) pop() Message {
	m := c.buf[c.head]
	c.buf[c.head] = Message{}
	c.head++
	if c.head == len(c.buf) {
		c.buf, c.head = c.buf[:0], 0
	}
	return m
}

// alignment is the barrier alignment state of a task.
type alignment struct {
	barrier Barrier // the barrier being aligned; CheckpointID 0 if none
	// done is the newest checkpoint this task snapshotted or gave up
	// aligning; barriers of older or equal ids are stale.
	done int64
	// buffered counts messages in the channels' buffers.
	buffered int
	// inputsEnded is set when every channel ended and the chain finished.
	inputsEnded bool
	// start is monoNow when the first barrier of the aligning checkpoint
	// arrived.
	start int64
}

// blocked reports whether c's messages must wait: exactly-once alignment
// holds back a channel that delivered the barrier being aligned.
func (t *task) blocked(c *inputChannel) bool {
	return t.exactly && c.barrier != 0
}

// handle receives one message from channel ch and processes whatever it
// makes processable. done reports that every input ended and the chain
// finished (exactly once per task).
func (t *task) handle(ch int, m Message) (done bool, err error) {
	c := t.channels[ch]
	if t.align.inputsEnded {
		return false, fmt.Errorf("internal error: %s received a message (kind %d) on input channel %d after it finished", t.name(), m.Kind, ch)
	}
	if c.ended {
		return false, fmt.Errorf("internal error: %s received a message (kind %d) on input channel %d after its end of input", t.name(), m.Kind, ch)
	}
	if c.buffered() > 0 || t.blocked(c) {
		c.push(m)
		t.align.buffered++
	} else if err := t.process(c, m); err != nil {
		return false, err
	}
	if err := t.drain(); err != nil {
		return false, err
	}
	for _, o := range t.channels {
		if !o.ended {
			return false, nil
		}
	}
	t.align.inputsEnded = true
	return true, t.finish()
}

// drain processes buffered messages of unblocked channels until none is
// left that may be processed.
func (t *task) drain() error {
	for progress := t.align.buffered > 0; progress; {
		progress = false
		for _, c := range t.channels {
			for c.buffered() > 0 && !t.blocked(c) {
				m := c.pop()
				t.align.buffered--
				progress = true
				if err := t.process(c, m); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// process handles one message of an unblocked channel.
func (t *task) process(c *inputChannel, m Message) error {
	switch m.Kind {
	case MsgBatch:
		c.idle = false
		t.metrics.RecordsIn.Add(int64(m.Batch.Len))
		t.io.bytesIn.Add(m.Batch.SizeBytes())
		return t.emit(c.input, m.Batch)
	case MsgWatermark:
		if m.Idle {
			c.idle = true
		} else {
			c.idle = false
			if m.Watermark > c.wm {
				c.wm = m.Watermark
			}
		}
		return t.advanceWatermark()
	case MsgBarrier:
		return t.onBarrier(c, m.Barrier)
	case MsgEndOfInput:
		c.ended = true
		if t.align.barrier.CheckpointID != 0 {
			// An ended channel delivers no barrier: the others may now be aligned.
			if err := t.maybeAligned(); err != nil {
				return err
			}
		}
		return t.advanceWatermark()
	}
	return fmt.Errorf("internal error: %s received a message of unknown kind %d", t.name(), m.Kind)
}

// onBarrier records barrier b on channel c and completes the checkpoint
// when every live channel delivered it.
func (t *task) onBarrier(c *inputChannel, b Barrier) error {
	id := b.CheckpointID
	cur := t.align.barrier.CheckpointID
	switch {
	case id <= t.align.done || (cur != 0 && id < cur):
		return nil // its checkpoint completed here or was given up
	case cur != 0 && id > cur:
		// A newer checkpoint overtook the one aligning (that one was
		// aborted upstream or timed out): give it up and release what it
		// held back, as Flink's aligned barrier handler does.
		t.abortAlignment()
	}
	if c.barrier == id {
		return fmt.Errorf("internal error: %s received the barrier of checkpoint %d twice on one channel", t.name(), id)
	}
	if t.align.barrier.CheckpointID == 0 {
		t.align.start = monoNow() // the first barrier of this checkpoint
	}
	t.align.barrier = b
	c.barrier = id
	return t.maybeAligned()
}

// maybeAligned snapshots the checkpoint being aligned once every live
// channel delivered its barrier, forwards the barrier and unblocks the
// channels (their buffers are processed by drain).
func (t *task) maybeAligned() error {
	b := t.align.barrier
	for _, c := range t.channels {
		if !c.ended && c.barrier != b.CheckpointID {
			return nil
		}
	}
	t.io.alignment.Store(monoNow() - t.align.start)
	t.io.alignedCheckpoint.Store(b.CheckpointID)
	t.release(b.CheckpointID)
	return t.snapshot(b)
}

// abortAlignment gives up the checkpoint being aligned.
func (t *task) abortAlignment() { t.release(t.align.barrier.CheckpointID) }

// release ends the alignment of checkpoint id and unblocks every channel.
func (t *task) release(id int64) {
	t.align.barrier = Barrier{}
	t.align.done = max(t.align.done, id)
	for _, c := range t.channels {
		c.barrier = 0
	}
}

// advanceWatermark recomputes the minimum over live, non-idle channels.
func (t *task) advanceWatermark() error {
	min := MaxWatermark
	any := false
	for _, c := range t.channels {
		if c.ended || c.idle {
			continue
		}
		any = true
		if c.wm < min {
			min = c.wm
		}
	}
	if !any || min <= t.wm {
		return nil
	}
	t.wm = min
	return t.emitWatermark(min)
}
