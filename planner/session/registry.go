package session

import (
	"context"
	"sync"
)

// JobRegistry holds the jobs of one engine: the embedded client's own, or
// a cluster's, shared by every session of the cluster. Jobs run on the
// registry's context, not on a session's, so a cluster's jobs outlive the
// sessions (and clients) that submitted them. Safe for concurrent use.
type JobRegistry struct {
	mu          sync.Mutex
	jobs        []*Job
	distributor Distributor // SetDistributor (deploy.go)
	ctx         context.Context
	stop        context.CancelFunc
}

// NewJobRegistry makes an empty registry; Close cancels what it holds.
func NewJobRegistry() *JobRegistry {
	ctx, cancel := context.WithCancel(context.Background())
	return &JobRegistry{ctx: ctx, stop: cancel}
}

func (r *JobRegistry) add(j *Job) {
	r.mu.Lock()
	r.jobs = append(r.jobs, j)
	r.mu.Unlock()
}

// Jobs returns the jobs in start order.
func (r *JobRegistry) Jobs() []*Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Job(nil), r.jobs...)
}

// Job returns the job with the given id.
func (r *JobRegistry) Job(id string) (*Job, bool) {
	for _, j := range r.Jobs() {
		if j.ID == id {
			return j, true
		}
	}
	return nil, false
}

// Close cancels every job still running and waits for all of them.
func (r *JobRegistry) Close() {
	r.stop()
	for _, j := range r.Jobs() {
		j.Wait()
	}
}
