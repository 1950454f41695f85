package runtime

import (
	"math/rand/v2"
	goruntime "runtime"
	"sync/atomic"
	"time"
)

// Schedule perturbation for tests (FLINKGO_TEST_PERTURB=<seed>, see
// testhooks.go). Ordering bugs between tasks — a barrier overtaking end of
// input, a checkpoint triggered while a task finishes — hide at one run in
// a thousand because goroutines are scheduled much the same way every time.
// At the points where tasks hand messages to each other, a perturber
// yields (often), sleeps a few microseconds (sometimes) or a few
// milliseconds (rarely), so those orders happen within a few runs. Each
// task has its own generator (seeded by the seed, its vertex and its
// subtask; used only by the task's goroutine), so a seed replays the same
// decisions, though not the operating system's scheduling.
//
// When the hook is off every point costs a nil check.

// perturber is one task's source of random pauses; nil when off.
type perturber struct {
	rng *rand.Rand
}

// newPerturber returns the perturber of subtask sub of vertex v, or nil.
func newPerturber(vertex, sub int) *perturber {
	if !testHooks.perturb {
		return nil
	}
	return &perturber{rng: rand.New(rand.NewPCG(testHooks.seed, uint64(vertex)<<32|uint64(sub)))}
}

// point is one perturbation point.
func (p *perturber) point() {
	if p == nil {
		return
	}
	pause(p.rng.Uint32N(1000), p.rng.Uint64())
}

// endPoint is the perturbation point before a task ends its output: it
// pauses longer and more often (a third of tasks up to 30 ms), so that
// tasks of one vertex end far apart and checkpoints fall between them —
// the window where a finished input and a barrier meet.
func (p *perturber) endPoint() {
	if p == nil {
		return
	}
	switch p.rng.Uint32N(3) {
	case 0:
		goruntime.Gosched()
	case 1:
		time.Sleep(time.Duration(p.rng.Uint64N(30_000)) * time.Microsecond)
	}
}

// pause acts on a draw r in [0, 1000) with x for the length: yield in 20%
// of points, sleep up to 200 µs in 3%, up to 3 ms in 0.3%.
func pause(r uint32, x uint64) {
	switch {
	case r < 200:
		goruntime.Gosched()
	case r < 230:
		time.Sleep(time.Duration(x%200) * time.Microsecond)
	case r < 233:
		time.Sleep(time.Duration(x%3000) * time.Microsecond)
	}
}

// sharedPoints numbers the perturbation points of goroutines that are not
// tasks (the checkpoint trigger), so they need no lock.
var sharedPoints atomic.Uint64

// sharedPoint is a perturbation point for any goroutine: its decision is
// a hash of the seed and a global point counter.
func sharedPoint() {
	if !testHooks.perturb {
		return
	}
	x := splitmix(testHooks.seed ^ sharedPoints.Add(1))
	pause(uint32(x%1000), x>>10)
}

// splitmix is the SplitMix64 finalizer.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
