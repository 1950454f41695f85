package session

import (
	"sync"
	"time"

	"github.com/flinkgo/engine/checkpoint"
	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/runtime"
)

// This file gives read-only access to what a job was started with — its
// graph, the configuration at submission, the checkpoint settings, where
// it was restored from — and when it ended, for monitoring (the REST API,
// planner/session/flinkrest). The Execution reports the live facts; Job
// embeds it, so its TaskMetrics (the current attempt's task metrics) and
// History (the checkpoint history) are the job's.
//
// Concurrency: everything but the end time is fixed before the job is
// published in Session.Jobs; the end time is written once by a watcher
// goroutine under a mutex. Every accessor is safe for concurrent use.

// JobSettings is what a job was started with.
type JobSettings struct {
	// Parallelism is parallelism.default at submission.
	Parallelism int
	// MaxParallelism is pipeline.max-parallelism as set, -1 when not set.
	MaxParallelism int
	// Config is the session configuration at submission, sorted by key,
	// secret values masked (as SET; shows them).
	Config [][2]string
	// RestartStrategy describes the restart strategy (Flink's class-like
	// description, e.g. "NoRestartBackoffTimeStrategy").
	RestartStrategy string
	Checkpointing   CheckpointSettings
}

// CheckpointSettings are a job's checkpointing options.
type CheckpointSettings struct {
	// Interval is 0 when checkpointing is disabled.
	Interval          time.Duration
	ExactlyOnce       bool
	Timeout           time.Duration
	MinPause          time.Duration
	MaxConcurrent     int
	TolerableFailures int
	Retention         checkpoint.Retention
	// Dir and SavepointDir are display paths ("" when not configured; a
	// job without Dir keeps its checkpoints in a private directory).
	Dir          string
	SavepointDir string
	// Backend is the state backend: "hashmap" or "rocksdb".
	Backend          string
	Incremental      bool
	FinalCheckpoints bool // checkpoints-after-tasks-finish
	// Changelog is state.backend.changelog.enabled, MaterializeInterval its
	// periodic-materialize.interval.
	Changelog           bool
	MaterializeInterval time.Duration
}

// RestoredFrom is the checkpoint or savepoint a job started from.
type RestoredFrom struct {
	Path         string // display path
	CheckpointID int64
	Savepoint    bool
	At           time.Time // when the job started from it
}

type jobInfo struct {
	graph    *runtime.JobGraph
	settings JobSettings
	restored *RestoredFrom

	mu  sync.Mutex
	end time.Time
}

// newJobInfo records what job j was started with and starts a goroutine
// that records when it ends. Called by start before j is published.
func (s *Session) newJobInfo(j *Job, g *runtime.JobGraph, cfg checkpoint.Config, src *checkpoint.RestoreSource) *jobInfo {
	in := &jobInfo{graph: g}
	st := &in.settings
	st.Parallelism, _ = s.cfg.Int("parallelism.default", 1)
	st.MaxParallelism = -1
	if n, err := s.cfg.Int("pipeline.max-parallelism", -1); err == nil && n > 0 {
		st.MaxParallelism = n
	}
	for _, kv := range s.cfg.Entries() {
		v := connectors.MaskValue(kv[0], kv[1])
		if planner.IsSecretKey(kv[0]) {
			v = connectors.Masked
		}
		st.Config = append(st.Config, [2]string{kv[0], v})
	}
	if cfg.Restart != nil {
		st.RestartStrategy = cfg.Restart().Describe()
	}
	st.Checkpointing = CheckpointSettings{Interval: cfg.Interval, ExactlyOnce: cfg.ExactlyOnce, Timeout: cfg.Timeout,
		MinPause: cfg.MinPause, MaxConcurrent: max(cfg.MaxConcurrent, 1), TolerableFailures: cfg.TolerableFailures,
		Retention: cfg.Retention, Dir: checkpoint.DisplayPath(cfg.Dir), SavepointDir: checkpoint.DisplayPath(cfg.SavepointDir),
		Backend: cfg.State.Backend.String(), Incremental: cfg.State.Incremental, FinalCheckpoints: !cfg.NoFinalCheckpoint,
		Changelog: cfg.State.Changelog, MaterializeInterval: cfg.State.MaterializeInterval}
	if src != nil && src.Meta != nil {
		in.restored = &RestoredFrom{Path: checkpoint.DisplayPath(src.Path), CheckpointID: src.Meta.CheckpointID,
			Savepoint: src.Meta.Savepoint, At: j.StartTime}
	}
	go func() {
		<-j.Done()
		in.mu.Lock()
		in.end = time.Now()
		in.mu.Unlock()
	}()
	return in
}

// Graph returns the job's graph (read-only: vertices, edges, operator ids).
func (j *Job) Graph() *runtime.JobGraph { return j.info.graph }

// Settings returns what the job was started with.
func (j *Job) Settings() JobSettings { return j.info.settings }

// RestoredFrom returns the checkpoint or savepoint the job started from.
func (j *Job) RestoredFrom() (RestoredFrom, bool) {
	if j.info.restored == nil {
		return RestoredFrom{}, false
	}
	return *j.info.restored, true
}

// EndTime returns when the job ended, zero while it runs.
func (j *Job) EndTime() time.Time {
	j.info.mu.Lock()
	defer j.info.mu.Unlock()
	return j.info.end
}

// Job returns the job with the given id from the session's registry.
func (s *Session) Job(id string) (*Job, bool) { return s.jobs.Job(id) }
