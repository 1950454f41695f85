package runtime

import (
	"sync"
	"testing"
)

// The accounting by construction: explicit instants instead of the clock.
func TestTaskIOSplitsRunningTime(t *testing.T) {
	var io taskIO
	io.init()
	if b, p, i, running := io.times(500); b != 0 || p != 0 || i != 0 || running {
		t.Fatalf("before start: busy %d backpressured %d idle %d running %v", b, p, i, running)
	}
	io.start(1000)
	io.idle.begin(1100)
	if _, _, i, _ := io.times(1300); i != 200 {
		t.Fatalf("idle wait in progress: got %d, want 200", i)
	}
	io.idle.end(1400)
	io.backPressured.begin(1500)
	b, p, i, running := io.times(2000)
	if b != 200 || p != 500 || i != 300 || !running {
		t.Fatalf("at 2000: busy %d backpressured %d idle %d running %v, want 200 500 300 true", b, p, i, running)
	}
	io.backPressured.end(2100)
	io.idle.add(50)
	io.idle.begin(2400) // cancelled while waiting: the wait counts up to the end
	io.stop(2500)
	io.stop(3000) // only the first stop counts
	b, p, i, running = io.times(9999)
	if b != 450 || p != 600 || i != 450 || running {
		t.Fatalf("after stop: busy %d backpressured %d idle %d running %v, want 450 600 450 false", b, p, i, running)
	}
}

func TestRatesSince(t *testing.T) {
	prev := TaskMetrics{At: 1e9, RecordsIn: 100, BytesOut: 1000, BusyNs: 1e8, IdleNs: 9e8}
	cur := TaskMetrics{At: 3e9, RecordsIn: 300, RecordsOut: 50, BytesOut: 5000,
		BusyNs: 1e8 + 5e8, BackPressuredNs: 1.5e9, IdleNs: 9e8}
	r := cur.RatesSince(prev)
	want := TaskRates{BusyTimeMsPerSecond: 250, BackPressuredTimeMsPerSecond: 750, IdleTimeMsPerSecond: 0,
		RecordsInPerSecond: 100, RecordsOutPerSecond: 25, BytesOutPerSecond: 2000}
	if r != want {
		t.Fatalf("rates %+v, want %+v", r, want)
	}
	// Against the zero sample: over the task's life.
	if r := prev.RatesSince(TaskMetrics{}); r.BusyTimeMsPerSecond != 100 || r.IdleTimeMsPerSecond != 900 || r.RecordsInPerSecond != 100 {
		t.Fatalf("lifetime rates %+v", r)
	}
	// A task that did not run in between has no time shares.
	if r := prev.RatesSince(prev); r != (TaskRates{}) {
		t.Fatalf("rates of equal samples %+v", r)
	}
}

// A reader sampling while the task waits and works sees no torn values:
// never negative, and once the writer stopped exactly the waits it timed.
func TestWaitClockConcurrentReaders(t *testing.T) {
	var w waitClock
	var timed int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if got := w.read(monoNow()); got < 0 {
				t.Errorf("read %d", got)
				return
			}
		}
	}()
	for i := 0; i < 20000; i++ {
		s := monoNow()
		w.begin(s)
		e := monoNow()
		w.end(e)
		timed += e - s
	}
	close(stop)
	wg.Wait()
	if got := w.read(monoNow()); got != timed {
		t.Fatalf("read %d after the waits, timed %d", got, timed)
	}
}
