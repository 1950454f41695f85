package runtime

import (
	"sync/atomic"
	"time"
)

// What a task publishes about its input and output for metrics readers
// (taskmetrics.go): how its running time splits into busy, idle and
// backpressured time as Flink defines them, the bytes it received and sent
// over network edges, and its input and output watermarks.
//
// Only the task's goroutine writes; readers on any goroutine load the
// atomics. The data path pays a monotonic clock read per source poll, an
// atomic add per batch received or sent over the network, and a length
// check of the inbox per receive. Waits are timed only when they happen:
// the inbox is empty when the task goes to receive (idle), a source poll
// found nothing (idle), a non-blocking send to a full inbox failed
// (backpressured). Everything else the task does while running is busy.

// monoEpoch is the origin of monoNow.
var monoEpoch = time.Now()

// monoNow reads the monotonic clock: nanoseconds since monoEpoch, plus one
// so that 0 can stand for "not set".
func monoNow() int64 { return int64(time.Since(monoEpoch)) + 1 }

// waitClock sums the durations of one kind of wait. A wait in progress is
// visible to readers through since, so a task blocked for a minute shows a
// minute of waiting before the wait ends.
type waitClock struct {
	total atomic.Int64 // ns of the waits that ended
	since atomic.Int64 // monoNow at the start of the wait in progress, 0 if none
}

// begin starts a wait at now (monoNow); the writer ends it with end
// before it begins another.
func (w *waitClock) begin(now int64) { w.since.Store(now) }

// end ends the wait in progress at now.
func (w *waitClock) end(now int64) {
	w.total.Add(now - w.since.Load())
	w.since.Store(0)
}

// endIf ends the wait in progress now if there is one (waiting).
func (w *waitClock) endIf(waiting bool) {
	if waiting {
		w.end(monoNow())
	}
}

// add counts a whole wait of d ns that readers did not see in progress.
func (w *waitClock) add(d int64) { w.total.Add(d) }

// read returns the waiting time up to now, the wait in progress included.
// The writer adds a wait's duration to total before it clears since and
// sets since again only at the next wait, so a since that did not change
// around the load of total belongs with it (a next wait starting at the
// same instant lasted no time).
func (w *waitClock) read(now int64) int64 {
	for {
		s := w.since.Load()
		total := w.total.Load()
		if w.since.Load() != s {
			continue
		}
		if s != 0 && now > s {
			total += now - s
		}
		return total
	}
}

// taskIO is one task's published metrics besides its operators' counters.
type taskIO struct {
	started       atomic.Int64 // monoNow when the task began to run, 0 before
	ended         atomic.Int64 // monoNow when its chain finished or it failed, 0 while running
	idle          waitClock    // waiting for input
	backPressured waitClock    // blocked sending to a full downstream inbox
	bytesIn       atomic.Int64 // batches received over network edges
	bytesOut      atomic.Int64 // batches sent over network edges
	// inputWatermark is the combined watermark last handed to the head of
	// the chain; outputWatermark the last one the chain emitted.
	inputWatermark  atomic.Int64
	outputWatermark atomic.Int64
	// alignment is how long the newest checkpoint this task aligned
	// (alignedCheckpoint) waited from its first barrier to its last (ns).
	alignment         atomic.Int64
	alignedCheckpoint atomic.Int64
}

// init sets the watermarks to MinWatermark; call before the task runs.
func (io *taskIO) init() {
	io.inputWatermark.Store(MinWatermark)
	io.outputWatermark.Store(MinWatermark)
}

// start marks the task running from now.
func (io *taskIO) start(now int64) { io.started.Store(now) }

// stop ends the accounting at now; the first call counts. A wait still in
// progress (the task was cancelled while blocked) counts up to now.
func (io *taskIO) stop(now int64) { io.ended.CompareAndSwap(0, now) }

// times splits the task's running time up to now (or to its end) into
// busy, backpressured and idle nanoseconds; running reports that it has
// started and not ended. Safe from any goroutine.
func (io *taskIO) times(now int64) (busy, backPressured, idle int64, running bool) {
	start := io.started.Load()
	if start == 0 {
		return 0, 0, 0, false
	}
	running = true
	if end := io.ended.Load(); end != 0 {
		now, running = end, false
	}
	backPressured = io.backPressured.read(now)
	idle = io.idle.read(now)
	busy = max(0, now-start-backPressured-idle)
	return busy, backPressured, idle, running
}
