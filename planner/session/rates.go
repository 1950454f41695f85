package session

import (
	"sync"

	"github.com/flinkgo/engine/runtime"
)

// RateSampler turns successive samples of a job's task metrics into rates
// (Flink's *PerSecond and *TimeMsPerSecond): each Rates call compares with
// the sample this sampler took of the same job before; the first call, or
// the first after a restart, compares with the zero sample — the mean
// since the tasks started. The REST API and the Prometheus reporter each
// keep one, so their windows do not disturb each other. Safe for
// concurrent use; the zero value is ready.
type RateSampler struct {
	mu   sync.Mutex
	last map[string]rateSample
}

// rateSample is one sample of a job's tasks, with its attempt.
type rateSample struct {
	restarts int
	tasks    []runtime.TaskMetrics
}

// Rates samples job j and returns the sample and every task's rates since
// the previous sample (index by index), keeping the new one.
func (r *RateSampler) Rates(j *Job) ([]runtime.TaskMetrics, []runtime.TaskRates) {
	cur := rateSample{restarts: j.Restarts(), tasks: j.TaskMetrics()}
	r.mu.Lock()
	if r.last == nil {
		r.last = map[string]rateSample{}
	}
	prev, ok := r.last[j.ID]
	r.last[j.ID] = cur
	r.mu.Unlock()
	same := ok && prev.restarts == cur.restarts && len(prev.tasks) == len(cur.tasks)
	out := make([]runtime.TaskRates, len(cur.tasks))
	for i, m := range cur.tasks {
		var p runtime.TaskMetrics
		if same && prev.tasks[i].At <= m.At {
			p = prev.tasks[i]
		}
		out[i] = m.RatesSince(p)
	}
	return cur.tasks, out
}

// Forget drops the samples of the jobs keep rejects (jobs that ended).
func (r *RateSampler) Forget(keep func(jobID string) bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id := range r.last {
		if !keep(id) {
			delete(r.last, id)
		}
	}
}
