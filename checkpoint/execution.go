package checkpoint

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/state"
)

// Config is everything a job's checkpointing and failover need, read from
// the session's execution.checkpointing.*, state.* and restart-strategy.*
// keys (see planner/session).
type Config struct {
	Interval          time.Duration // 0 disables periodic checkpoints
	ExactlyOnce       bool          // EXACTLY_ONCE aligns barriers
	Timeout           time.Duration
	MinPause          time.Duration
	MaxConcurrent     int
	TolerableFailures int
	Retention         Retention
	NumRetained       int
	// Dir is the checkpoint root (execution.checkpointing.dir); empty keeps
	// checkpoints in memory only, for failover inside the process.
	Dir          string
	SavepointDir string
	// SavepointFormat is the format of savepoints taken without one
	// (STOP JOB ... WITH SAVEPOINT, REST without "formatType"):
	// FormatDefault means CANONICAL, Flink's default.
	SavepointFormat SavepointFormat
	InlineThreshold int
	// NoFinalCheckpoint (checkpoints-after-tasks-finish = false) lets
	// finished tasks exit at once; sinks then commit at the end of input.
	NoFinalCheckpoint bool
	// State configures the jobs' keyed state backends.
	State runtime.StateOptions
	// Restart returns a fresh restart strategy for the job.
	Restart func() runtime.RestartStrategy
	Storage Storage
	Clock   runtime.Clock
	// Log receives one line per notable event (restart, failed checkpoint).
	Log io.Writer
	// HistorySize is how many checkpoints and savepoints History keeps
	// (web.checkpoints.history); 0 or less: DefaultHistorySize.
	HistorySize int
	// Distribute, when set, places each attempt's subtasks (a job whose
	// tasks run on TaskManagers): the attempt's runtime.Job runs with the
	// returned Placement (nil: every subtask here). Called once per
	// attempt, before the attempt starts.
	Distribute func(a Attempt) (*runtime.Placement, error)
}

// Attempt describes one attempt of a job to Config.Distribute: what its
// remote subtasks need to run and restore.
type Attempt struct {
	JobID  string
	Number int // 1 for the first attempt
	// Root is the checkpoint root (Config.Dir, or a private temporary
	// directory of this process when none is configured, which remote
	// subtasks cannot reach) and
	// RestoreDir the checkpoint or savepoint directory the attempt
	// restores from ("" if none).
	Root, RestoreDir string
	// Restore and RestoreKeyed are the restored operator states and keyed
	// handles of every old subtask, by operator id (nil without a restore).
	Restore, RestoreKeyed map[string][][]byte
	// Target tells where checkpoint (or savepoint) id writes its keyed
	// state files: a remote subtask writes its own with WriteKeyed there
	// and acknowledges the handles (state.WrittenPending).
	Target func(id int64) KeyedTarget
}

// KeyedTarget is where one checkpoint's keyed state files go.
type KeyedTarget struct {
	Dir       string // chk-<n>/ or the savepoint directory
	SharedDir string // the job's shared/ ("" for a self-contained savepoint)
	Canonical bool   // a CANONICAL savepoint
}

// target is Attempt.Target.
func (e *Execution) target(id int64) KeyedTarget {
	if sp := e.savepointOf(id); sp.dir != "" {
		return KeyedTarget{Dir: sp.dir, Canonical: sp.format == FormatCanonical}
	}
	return KeyedTarget{Dir: CheckpointDir(e.root, e.ID, id), SharedDir: filepath.Join(JobDir(e.root, e.ID), SharedDir)}
}

// RestoreSource is a resolved checkpoint or savepoint to start from.
type RestoreSource struct {
	Path      string
	Meta      *Metadata
	Dir       string
	Storage   Storage
	Unclaimed bool // execution.state-recovery.ignore-unclaimed-state
	// Claim (claim-mode CLAIM): the job owns the restored checkpoint and
	// deletes it once subsumed; NO_CLAIM leaves it to the user.
	Claim bool
	// Latest: the checkpoint was picked by 'latest', not named by the user
	// (a restore that finds another job restored from it and completed a
	// checkpoint since then fails instead of going back in time).
	Latest bool
}

// Execution runs one job across its attempts: it triggers checkpoints,
// makes them durable, applies retention, and restarts failed attempts from
// the latest completed checkpoint as the restart strategy allows. Its
// methods are safe for concurrent use.
type Execution struct {
	ID        string
	Name      string
	StartTime time.Time

	graph     *runtime.JobGraph
	cfg       Config
	attempts  int  // started so far (Config.Distribute), under mu
	restored  bool // started from a checkpoint or savepoint
	ops       map[string]opInfo
	persist   chan persistReq
	persisted chan struct{} // closed when the persister drained persist
	cancelCh  chan struct{} // closed by Cancel
	done      chan struct{}

	mu         sync.Mutex
	current    *runtime.Job
	status     runtime.JobStatus
	err        error
	canceled   bool
	nextID     int64
	inflight   map[int64]time.Time
	waiters    map[int64]chan error
	lastDone   time.Time
	completed  []completed         // retained, oldest first
	latest     map[string][][]byte // per operator and old subtask: encodeSubtaskState blobs
	latestDir  string              // directory the latest blobs' files are relative to
	root       string              // checkpoint root: cfg.Dir, or a private temporary one
	ephemeral  bool                // root is private: removed when the job ends
	registry   *state.SharedRegistry
	failures   int // consecutive failed checkpoints
	restarts   int
	savepoints map[int64]savepointSpec
	last       Stats
	stopped    bool  // stopped with a savepoint: ends FINISHED
	superseded error // another job restored this one's checkpoint (fence.go)
	hist       history
}

// Stats describes the newest completed checkpoint.
type Stats struct {
	ID       int64
	Duration time.Duration // trigger to durable
	Size     int64         // state bytes
}

type savepointSpec struct {
	dir    string
	stop   bool            // stop-with-savepoint: sinks commit it; an intermediate one does not
	format SavepointFormat // FormatCanonical or FormatNative
}

type opInfo struct {
	name        string
	parallelism int
}

type completed struct {
	id  int64
	dir string
}

type persistReq struct {
	job       *runtime.Job
	id        int64
	states    *runtime.CheckpointStates
	savepoint string // target directory for a savepoint, else ""
	canonical bool   // a CANONICAL savepoint: backends write the canonical format
	notify    bool   // tell the attempt it completed (sinks commit)
}

// Start runs the job graph, restored from src when not nil.
func Start(ctx context.Context, id string, g *runtime.JobGraph, cfg Config, src *RestoreSource) (*Execution, error) {
	if cfg.Storage == nil {
		cfg.Storage = NewLocalStorage()
	}
	if cfg.Clock == nil {
		cfg.Clock = runtime.SystemClock{}
	}
	if cfg.MaxConcurrent < 1 {
		cfg.MaxConcurrent = 1
	}
	if cfg.InlineThreshold <= 0 {
		cfg.InlineThreshold = DefaultInlineThreshold
	}
	if cfg.Restart == nil {
		cfg.Restart = func() runtime.RestartStrategy { return runtime.NoRestart{} }
	}
	e := &Execution{ID: id, Name: g.Name, graph: g, cfg: cfg, ops: map[string]opInfo{},
		persist: make(chan persistReq, 16), persisted: make(chan struct{}), cancelCh: make(chan struct{}), done: make(chan struct{}), status: runtime.JobCreated,
		inflight: map[int64]time.Time{}, waiters: map[int64]chan error{}, savepoints: map[int64]savepointSpec{}, nextID: 1,
		root: cfg.Dir, registry: state.NewSharedRegistry(), hist: history{size: cfg.HistorySize}}
	if e.root == "" && cfg.Interval > 0 {
		// No checkpoint directory: checkpoints still back failover inside
		// the process (Flink's JobManager storage), in a private directory.
		tmp, err := os.MkdirTemp("", "flinkgo-checkpoints-")
		if err != nil {
			return nil, err
		}
		e.root, e.ephemeral = tmp, true
	}
	for _, v := range g.Vertices {
		if v.Source != nil {
			e.ops[v.Source.ID] = opInfo{v.Source.Name, v.Parallelism}
		}
		for _, op := range v.Chain {
			e.ops[op.ID] = opInfo{op.Name, v.Parallelism}
		}
	}
	if src != nil {
		e.restored = true
		states, err := e.loadRestore(src)
		if err != nil {
			return nil, err
		}
		e.latest, e.latestDir = states, src.Dir
		if err := e.fenceRestored(src); err != nil {
			return nil, err
		}
		if src.Meta.CheckpointID >= e.nextID {
			e.nextID = src.Meta.CheckpointID + 1
		}
		if src.Claim && !src.Meta.Savepoint {
			e.completed = append(e.completed, completed{id: src.Meta.CheckpointID, dir: src.Dir})
		}
		r := RestoreRecord{ID: src.Meta.CheckpointID, Savepoint: src.Meta.Savepoint, Path: DisplayPath(src.Path), At: time.Now()}
		e.hist.restore = &r
		e.hist.recordRestore(r)
	}
	if e.root != "" && cfg.Interval > 0 {
		// Flink's layout from the start: <dir>/<job-id>/{shared,taskowned}/.
		for _, sub := range []string{SharedDir, TaskOwnedDir} {
			if err := cfg.Storage.MkdirAll(filepath.Join(JobDir(e.root, id), sub)); err != nil {
				return nil, fmt.Errorf("cannot create the checkpoint directory of job %s under %s: %w", id, e.root, err)
			}
		}
	}
	strategy := cfg.Restart()
	job, startErr := e.newAttempt(ctx)
	if startErr != nil {
		// A job that cannot start (a source or sink that cannot reach its
		// system yet) fails like a running one: the restart strategy
		// decides, as Flink's does for a failed deployment. Without
		// restarts the statement fails at once.
		if _, ok := cfg.Restart().OnFailure(cfg.Clock.NowMillis()); !ok {
			return nil, startErr
		}
		job = nil
	}
	e.StartTime = time.Now()
	go e.persister()
	go e.run(ctx, job, strategy, startErr)
	return e, nil
}

// loadRestore reads every operator state of a checkpoint and checks that
// each belongs to an operator of this job.
func (e *Execution) loadRestore(src *RestoreSource) (map[string][][]byte, error) {
	out := map[string][][]byte{}
	var dropped []string // state no operator of this job claims (ignore-unclaimed-state)
	defer func() {
		if len(dropped) > 0 {
			e.logf("[WARN] Job %s ignores the state of %d operator(s) of %s that are not in this job (execution.state-recovery.ignore-unclaimed-state): %s.",
				e.ID, len(dropped), src.Path, strings.Join(dropped, ", "))
		}
	}()
	for _, op := range src.Meta.Operators {
		if _, ok := e.ops[op.OperatorID]; !ok {
			if src.Unclaimed {
				if len(op.Subtasks) > 0 {
					dropped = append(dropped, fmt.Sprintf("%s (%s)", op.Name, op.OperatorID))
				}
				continue
			}
			return nil, fmt.Errorf("Failed to rollback to checkpoint/savepoint %s. Cannot map checkpoint/savepoint state for operator %s (%s) to the new program, because the operator is not available in the new program. If you want to allow to skip this, you can set execution.state-recovery.ignore-unclaimed-state=true (or -D execution.savepoint.ignore-unclaimed-state=true).",
				src.Path, op.OperatorID, op.Name)
		}
		states := make([][]byte, len(op.Subtasks))
		for i, h := range op.Subtasks {
			b, err := ReadState(src.Storage, src.Dir, h)
			if err != nil {
				return nil, fmt.Errorf("Failed to restore %s from %s: %w", op.Name, src.Path, err)
			}
			states[i] = b
			if err := e.checkBackend(b, op.Name, src.Path); err != nil {
				return nil, err
			}
		}
		out[op.OperatorID] = states
	}
	return out, nil
}

// checkBackend refuses, before the job starts, keyed state in the native
// format of another state backend than the job's: only a CANONICAL
// savepoint moves between backends.
func (e *Execution) checkBackend(blob []byte, opName, path string) error {
	_, hb, err := decodeSubtaskState(blob)
	if err != nil || len(hb) == 0 {
		return nil // reported when the state is restored
	}
	h, err := state.UnmarshalHandle(hb)
	if err != nil {
		return nil
	}
	want := e.cfg.State.Backend
	if want == 0 {
		want = state.BackendHeap
	}
	if h.Canonical || h.Backend == want {
		return nil
	}
	return &state.BackendMismatchError{Operator: opName, Had: h.Backend, Want: want, Location: DisplayPath(path)}
}

func (e *Execution) newAttempt(ctx context.Context) (*runtime.Job, error) {
	e.mu.Lock()
	restore, restoreDir := e.latest, e.latestDir
	e.mu.Unlock()
	var job *runtime.Job
	opts := runtime.JobOptions{Clock: e.cfg.Clock, ExactlyOnce: e.cfg.ExactlyOnce, FinalCheckpoint: e.cfg.Interval > 0 && !e.cfg.NoFinalCheckpoint,
		State: e.cfg.State,
		OnUnexpectedAck: func(kind runtime.AckKind, id int64, task string) {
			e.logf("[WARN] Ignored a %s acknowledgement of checkpoint %d from %s.", kind, id, task)
		},
		OnCheckpoint: func(id int64, states *runtime.CheckpointStates) {
			sp := e.savepointOf(id)
			e.persist <- persistReq{job: job, id: id, states: states, savepoint: sp.dir, canonical: sp.dir != "" && sp.format == FormatCanonical,
				notify: sp.dir == "" || sp.stop}
		}}
	var own, keyed map[string][][]byte
	if restore != nil {
		own = map[string][][]byte{}
		keyed = map[string][][]byte{}
		for op, blobs := range restore {
			o, k := make([][]byte, len(blobs)), make([][]byte, len(blobs))
			for i, b := range blobs {
				var err error
				if o[i], k[i], err = decodeSubtaskState(b); err != nil {
					return nil, fmt.Errorf("state of %s in %s: %w", e.ops[op].name, restoreDir, err)
				}
			}
			own[op], keyed[op] = o, k
		}
		reader := &keyedReader{st: e.cfg.Storage, dir: restoreDir}
		opts.Restore = func(op string) [][]byte { return own[op] }
		opts.RestoreKeyed = func(op string) ([][]byte, state.SnapshotReader) { return keyed[op], reader }
	}
	if e.cfg.Distribute != nil {
		e.mu.Lock()
		e.attempts++
		n := e.attempts
		e.mu.Unlock()
		pl, err := e.cfg.Distribute(Attempt{JobID: e.ID, Number: n, Root: e.root, RestoreDir: restoreDir, Restore: own, RestoreKeyed: keyed, Target: e.target})
		if err != nil {
			return nil, err
		}
		opts.Placement = pl
	}
	job, err := runtime.NewJob(e.ID, e.graph, opts)
	if err != nil {
		return nil, err
	}
	if err := job.Start(ctx); err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.current = job
	e.status = runtime.JobRunning
	e.inflight = map[int64]time.Time{}
	e.mu.Unlock()
	return job, nil
}

func (e *Execution) logf(format string, args ...any) {
	if e.cfg.Log != nil {
		io.WriteString(e.cfg.Log, DisplayPaths(fmt.Sprintf(format, args...))+"\n")
	}
}

// run drives attempts until the job finishes, is canceled or fails for good;
// job is nil when its first attempt could not start (startErr says why).
func (e *Execution) run(ctx context.Context, job *runtime.Job, strategy runtime.RestartStrategy, startErr error) {
	for {
		var err error
		if job != nil {
			err = e.drive(job)
		} else {
			err = startErr
		}
		e.mu.Lock()
		canceled, stopped := e.canceled, e.stopped
		e.mu.Unlock()
		switch {
		case stopped:
			e.end(runtime.JobFinished, nil, EndFinished)
			return
		case canceled || (err == nil && job.Status() == runtime.JobCanceled):
			e.end(runtime.JobCanceled, nil, EndCanceled)
			return
		case err == nil:
			e.end(runtime.JobFinished, nil, EndFinished)
			return
		}
		e.mu.Lock()
		superseded := e.superseded
		e.mu.Unlock()
		if superseded != nil {
			e.end(runtime.JobFailed, superseded, EndFailed)
			return
		}
		delay, ok := strategy.OnFailure(e.cfg.Clock.NowMillis())
		if !ok {
			e.end(runtime.JobFailed, fmt.Errorf("Recovery is suppressed by %s: %w", strategy.Describe(), err), EndFailed)
			return
		}
		e.mu.Lock()
		from := "the initial state"
		if len(e.completed) > 0 {
			from = fmt.Sprintf("checkpoint %d", e.completed[len(e.completed)-1].id)
		} else if e.latest != nil {
			from = "the restored checkpoint"
		}
		e.restarts++
		e.status = runtime.JobStatus("RESTARTING")
		e.hist.failInProgress(time.Now(), failedByRestart)
		e.mu.Unlock()
		e.logf("[INFO] Job %s failed: %v\n[INFO] Restarting job %s in %v from %s (%s).", e.ID, err, e.ID, delay, from, strategy.Describe())
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			e.end(runtime.JobCanceled, nil, EndCanceled)
			return
		case <-e.cancelCh:
			e.end(runtime.JobCanceled, nil, EndCanceled)
			return
		}
		// An attempt that cannot start (an operator failing to open, e.g. a
		// database still down) is one more failure for the strategy.
		job, startErr = e.newAttempt(ctx)
		if startErr != nil {
			job = nil
		} else {
			e.mu.Lock()
			if r := e.hist.restore; r != nil {
				e.hist.recordRestore(RestoreRecord{ID: r.ID, Savepoint: r.Savepoint, Path: r.Path, At: time.Now()})
			}
			e.mu.Unlock()
		}
	}
}

// drive triggers checkpoints on one attempt until it ends; it returns the
// attempt's failure.
func (e *Execution) drive(job *runtime.Job) error {
	// Check four times per interval (at most every 250 ms) so triggers stay
	// close to the interval and timeouts are noticed.
	tick := 250 * time.Millisecond
	if e.cfg.Interval > 0 && e.cfg.Interval/4 < tick {
		tick = max(e.cfg.Interval/4, time.Millisecond)
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	finishing := job.Finishing()
	for {
		select {
		case <-job.Done():
			return job.Wait()
		case <-finishing:
			// Every task reached its end: take the final checkpoint now
			// rather than at the next interval.
			finishing = nil
			if e.cfg.Interval > 0 {
				if id, ok := e.mayTrigger(time.Now()); ok {
					last = time.Now()
					e.triggerCheckpoint(job, id)
				}
			}
		case now := <-t.C:
			e.expire(job, now)
			if e.cfg.Interval <= 0 || now.Sub(last) < e.cfg.Interval {
				continue
			}
			if id, ok := e.mayTrigger(now); ok {
				last = now
				e.triggerCheckpoint(job, id)
			}
		}
	}
}

// triggerCheckpoint starts checkpoint id on job, after clearing leftovers
// of a crashed attempt from chk-<id>/: before anything is written there
// (remote subtasks write their keyed state into it before the checkpoint
// is persisted here).
func (e *Execution) triggerCheckpoint(job *runtime.Job, id int64) {
	if e.root != "" {
		if err := PrepareCheckpointDir(e.cfg.Storage, CheckpointDir(e.root, e.ID, id)); err != nil {
			e.abort(job, id, err)
			return
		}
	}
	if err := job.TriggerCheckpoint(id); err != nil {
		e.abort(job, id, err)
	}
}

// mayTrigger applies max-concurrent-checkpoints and min-pause.
func (e *Execution) mayTrigger(now time.Time) (int64, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.inflight) >= e.cfg.MaxConcurrent || (!e.lastDone.IsZero() && now.Sub(e.lastDone) < e.cfg.MinPause) {
		return 0, false
	}
	id := e.nextID
	e.nextID++
	e.inflight[id] = now
	e.hist.recordTrigger(id, now, savepointSpec{}, false)
	return id, true
}

// expire aborts checkpoints that ran past the timeout.
func (e *Execution) expire(job *runtime.Job, now time.Time) {
	if e.cfg.Timeout <= 0 {
		return
	}
	e.mu.Lock()
	var late []int64
	for id, at := range e.inflight {
		if now.Sub(at) > e.cfg.Timeout {
			late = append(late, id)
		}
	}
	e.mu.Unlock()
	for _, id := range late {
		e.abort(job, id, fmt.Errorf("Checkpoint expired before completing."))
	}
}

// abort drops a checkpoint and counts the failure; past the tolerable
// number the attempt fails.
func (e *Execution) abort(job *runtime.Job, id int64, cause error) {
	job.AbortCheckpoint(id)
	e.mu.Lock()
	delete(e.inflight, id)
	e.hist.recordFailed(id, time.Now(), DisplayPaths(cause.Error()))
	e.failures++
	over := e.failures > e.cfg.TolerableFailures
	w := e.waiters[id]
	delete(e.waiters, id)
	e.mu.Unlock()
	if w != nil {
		w <- cause
	}
	e.logf("[WARN] Checkpoint %d of job %s failed: %v", id, e.ID, cause)
	if over {
		job.Fail(fmt.Errorf("Exceeded checkpoint tolerable failure threshold. The latest checkpoint failure: %w", cause))
	}
}

func (e *Execution) savepointOf(id int64) savepointSpec {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.savepoints[id]
}

// persister makes completed checkpoints durable, one at a time, then tells
// the attempt they completed.
func (e *Execution) persister() {
	defer close(e.persisted)
	for r := range e.persist {
		e.persistOne(r)
	}
}

// metadata describes a checkpoint whose subtask states are blobs.
func (e *Execution) metadata(id int64, savepoint bool, blobs map[string]map[int][]byte) *Metadata {
	m := &Metadata{Version: CurrentVersion, CheckpointID: id, JobID: e.ID, JobName: e.Name,
		Timestamp: e.cfg.Clock.NowMillis(), Savepoint: savepoint, Format: FormatNative}
	ids := make([]string, 0, len(blobs))
	for op := range blobs {
		ids = append(ids, op)
	}
	sort.Strings(ids)
	for _, op := range ids {
		info := e.ops[op]
		os := OperatorState{OperatorID: op, Name: info.name, Parallelism: info.parallelism,
			MaxParallelism: e.graph.MaxParallelism, Subtasks: make([]StateHandle, info.parallelism)}
		for sub, b := range blobs[op] {
			if sub < len(os.Subtasks) {
				os.Subtasks[sub] = StateHandle{Inline: b}
			}
		}
		m.Operators = append(m.Operators, os)
	}
	return m
}

// writeKeyed runs the asynchronous phase of every keyed-state snapshot of
// a checkpoint, returning the marshalled handles, the shared files they
// reference and the bytes of state files they reference. On error every snapshot is written or released.
func (e *Execution) writeKeyed(r persistReq, w *keyedWriter) (map[string]map[int][]byte, []string, int64, error) {
	handles := map[string]map[int][]byte{}
	var shared []string
	var size int64
	var firstErr error
	for op, subs := range r.states.Keyed {
		for sub, p := range subs {
			if firstErr != nil {
				p.Release()
				continue
			}
			h, err := p.Write(w)
			if err != nil {
				firstErr = fmt.Errorf("writing the keyed state of %s (subtask %d): %w", e.ops[op].name, sub, err)
				continue
			}
			for _, f := range h.Files {
				size += f.Size
			}
			hb := state.MarshalHandle(h)
			files, err := state.SharedFiles(hb)
			if err != nil {
				firstErr = err
				continue
			}
			shared = append(shared, files...)
			if handles[op] == nil {
				handles[op] = map[int][]byte{}
			}
			handles[op][sub] = hb
		}
	}
	return handles, shared, size, firstErr
}

func (e *Execution) persistOne(r persistReq) {
	var dir, sharedDir string
	switch {
	case r.savepoint != "":
		dir = r.savepoint
	case e.root != "":
		dir = CheckpointDir(e.root, e.ID, r.id)
		sharedDir = filepath.Join(JobDir(e.root, e.ID), SharedDir)
	default:
		// Checkpoints without checkpointing configured cannot happen
		// (triggers need an interval); savepoints always have a dir.
		r.states.Release()
		e.abort(r.job, r.id, errors.New("no checkpoint storage"))
		return
	}
	var err error
	if r.savepoint == "" {
		err = e.ensureJobDir(r.id)
	}
	// chk-<id>/ was cleared at the trigger (triggerCheckpoint); a
	// savepoint's directory is new.
	if err != nil {
		r.states.Release()
		if errors.Is(err, ErrSuperseded) {
			e.supersede(r, err)
			return
		}
		e.abort(r.job, r.id, err)
		return
	}
	w := newKeyedWriter(e.cfg.Storage, dir, sharedDir)
	w.canonical = r.canonical
	handles, shared, size, err := e.writeKeyed(r, w)
	var inline int64
	blobs := map[string]map[int][]byte{}
	if err == nil {
		add := func(op string, sub int, own, h []byte) {
			if blobs[op] == nil {
				blobs[op] = map[int][]byte{}
			}
			blobs[op][sub] = encodeSubtaskState(own, h)
			size += int64(len(own) + len(h))
			inline += int64(len(own) + len(h))
		}
		for op, subs := range r.states.Operators {
			for sub, b := range subs {
				if len(b) > 0 || handles[op][sub] != nil {
					add(op, sub, b, handles[op][sub])
				}
			}
		}
		for op, subs := range handles {
			for sub, h := range subs {
				if _, done := blobs[op][sub]; !done {
					add(op, sub, nil, h)
				}
			}
		}
		threshold := e.cfg.InlineThreshold
		if r.savepoint != "" {
			threshold = 1 << 62 // self-contained and small: keep operator state inline
		}
		m := e.metadata(r.id, r.savepoint != "", blobs)
		if r.canonical {
			m.Format = FormatCanonical
		}
		err = WriteCheckpoint(e.cfg.Storage, dir, m, threshold)
	}
	if err == nil && r.savepoint == "" {
		// Superseded while writing (paused after the first check): the
		// checkpoint must not complete. Its files stay, unreferenced.
		if ferr := e.checkFence(nil); ferr != nil {
			e.supersede(r, ferr)
			return
		}
	}
	if err != nil {
		for _, f := range e.registry.Discard(w.uploaded) {
			e.cfg.Storage.Remove(filepath.Join(JobDir(e.root, e.ID), f))
		}
		if r.savepoint == "" {
			e.cfg.Storage.RemoveAll(dir)
		}
		e.abort(r.job, r.id, err)
		return
	}
	states := map[string][][]byte{}
	for op, subs := range blobs {
		list := make([][]byte, e.ops[op].parallelism)
		for sub, b := range subs {
			if sub < len(list) {
				list[sub] = b
			}
		}
		states[op] = list
	}
	e.mu.Lock()
	if at, ok := e.inflight[r.id]; ok && r.savepoint == "" {
		e.last = Stats{ID: r.id, Duration: time.Since(at), Size: size}
	}
	delete(e.inflight, r.id)
	path := DisplayPath(dir)
	if e.ephemeral && r.savepoint == "" {
		path = "" // a private directory removed with the job
	}
	e.hist.recordCompleted(r.id, time.Now(), size, w.written.Load()+inline, path)
	e.failures = 0
	e.lastDone = time.Now()
	wt := e.waiters[r.id]
	delete(e.waiters, r.id)
	var subsumed []completed
	if r.savepoint == "" {
		e.latest, e.latestDir = states, dir
		e.registry.Register(r.id, shared)
		e.completed = append(e.completed, completed{id: r.id, dir: dir})
		ids := make([]int64, len(e.completed))
		for i, c := range e.completed {
			ids[i] = c.id
		}
		drop := map[int64]bool{}
		for _, id := range ToSubsume(ids, e.cfg.NumRetained) {
			drop[id] = true
		}
		kept := e.completed[:0]
		for _, c := range e.completed {
			if drop[c.id] {
				subsumed = append(subsumed, c)
			} else {
				kept = append(kept, c)
			}
		}
		e.completed = kept
	}
	e.mu.Unlock()
	for _, c := range subsumed {
		e.dropCheckpoint(c)
	}
	if n := runtime.CrashAfterCheckpoint(); n > 0 && r.id >= n && r.savepoint == "" && !e.restored {
		crashProcess() // test hook: a kill -9 between _metadata and the notification
	}
	if r.notify {
		r.job.NotifyCheckpointComplete(r.id)
	}
	if wt != nil {
		wt <- nil
	}
}

// supersede stops a fenced job for good: checkpoint r is not completed
// and the job fails without restart and without deleting anything.
func (e *Execution) supersede(r persistReq, err error) {
	e.mu.Lock()
	e.superseded = err
	delete(e.inflight, r.id)
	e.hist.recordFailed(r.id, time.Now(), DisplayPaths(err.Error()))
	wt := e.waiters[r.id]
	delete(e.waiters, r.id)
	e.mu.Unlock()
	e.logf("[ERROR] %v", err)
	r.job.Fail(err)
	if wt != nil {
		wt <- err
	}
}

// dropCheckpoint deletes a retained checkpoint and the shared files no
// other retained checkpoint references.
func (e *Execution) dropCheckpoint(c completed) {
	if err := e.cfg.Storage.RemoveAll(c.dir); err != nil {
		e.logf("[WARN] Could not delete subsumed checkpoint %s: %v", c.dir, err)
	}
	for _, f := range e.registry.Release(c.id) {
		p := filepath.Join(filepath.Dir(c.dir), f)
		if err := e.cfg.Storage.Remove(p); err != nil {
			e.logf("[WARN] Could not delete shared state file %s: %v", p, err)
		}
	}
}

// end records the final status and applies the retention policy.
func (e *Execution) end(st runtime.JobStatus, err error, how JobEnd) {
	// Every attempt has stopped, so no checkpoint is handed over any more:
	// let the persister finish what it holds before retention applies.
	close(e.persist)
	<-e.persisted
	e.mu.Lock()
	e.status, e.err = st, err
	e.hist.failInProgress(time.Now(), failedByEnd)
	retained := append([]completed(nil), e.completed...)
	superseded := e.superseded != nil
	e.mu.Unlock()
	switch {
	case superseded:
		// The files belong to the job that superseded this one now.
	case e.ephemeral:
		e.cfg.Storage.RemoveAll(e.root)
	case e.root != "" && DeleteOnEnd(e.cfg.Retention, how):
		for _, c := range retained {
			e.dropCheckpoint(c)
		}
		jobDir := JobDir(e.root, e.ID)
		for _, sub := range []string{SharedDir, TaskOwnedDir} {
			e.cfg.Storage.Remove(filepath.Join(jobDir, sub))
		}
		e.cfg.Storage.Remove(jobDir)
	}
	close(e.done)
}

// Status returns the job status (RESTARTING between attempts).
func (e *Execution) Status() runtime.JobStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status
}

// Done is closed when the job ended for good.
func (e *Execution) Done() <-chan struct{} { return e.done }

// Wait blocks until the job ended and returns why it failed, if it did.
func (e *Execution) Wait() error {
	<-e.done
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// Cancel stops the job; retention applies as for a canceled job.
func (e *Execution) Cancel() {
	e.mu.Lock()
	if !e.canceled {
		close(e.cancelCh) // also ends a restart delay
	}
	e.canceled = true
	job := e.current
	e.mu.Unlock()
	if job != nil {
		job.Cancel()
	}
}

// Counters reports the current attempt's records in and out.
func (e *Execution) Counters() (in, out int64) {
	e.mu.Lock()
	job := e.current
	e.mu.Unlock()
	if job == nil {
		return 0, 0 // the first attempt has not started yet
	}
	return job.Counters()
}

// StateSizes reports the current attempt's state size per operator.
func (e *Execution) StateSizes() []runtime.OperatorState {
	e.mu.Lock()
	job := e.current
	e.mu.Unlock()
	if job == nil {
		return nil
	}
	return job.StateSizes()
}

// Skipped reports the current attempt's skipped records.
func (e *Execution) Skipped() (parseErrors, late int64) {
	e.mu.Lock()
	job := e.current
	e.mu.Unlock()
	if job == nil {
		return 0, 0
	}
	return job.Skipped()
}

// CompletedCheckpoints returns the id of the newest completed checkpoint.
func (e *Execution) CompletedCheckpoints() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.current == nil {
		return 0
	}
	return e.current.CompletedCheckpoints()
}

// LastCheckpoint describes the newest completed checkpoint (zero if none).
func (e *Execution) LastCheckpoint() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.last
}

// Restarts counts restarts after failures.
func (e *Execution) Restarts() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.restarts
}

var errNoSavepointDir = errors.New("No savepoint location given and no default location configured. Set 'execution.checkpointing.savepoint-dir' (or 'state.savepoints.dir').")

// TriggerSavepoint writes a self-contained savepoint of the running job
// under target (default: the configured savepoint directory) and returns
// its path. An intermediate savepoint commits no side effects.
func (e *Execution) TriggerSavepoint(target string) (string, error) {
	return e.savepoint(target, false, false, FormatDefault)
}

// TriggerSavepointFormat is TriggerSavepoint in the given format
// (FormatDefault: Config.SavepointFormat).
func (e *Execution) TriggerSavepointFormat(target string, format SavepointFormat) (string, error) {
	return e.savepoint(target, false, false, format)
}

// StopWithSavepoint takes a savepoint whose side effects sinks commit, then
// stops the job (status FINISHED). With drain, event time first advances
// to the end so windows and timers fire (WITH DRAIN).
func (e *Execution) StopWithSavepoint(target string, drain bool) (string, error) {
	return e.StopWithSavepointFormat(target, drain, FormatDefault)
}

// StopWithSavepointFormat is StopWithSavepoint in the given format
// (FormatDefault: Config.SavepointFormat).
func (e *Execution) StopWithSavepointFormat(target string, drain bool, format SavepointFormat) (string, error) {
	path, err := e.savepoint(target, true, drain, format)
	if err != nil {
		return "", err
	}
	e.mu.Lock()
	e.stopped = true
	job := e.current
	e.mu.Unlock()
	job.Cancel()
	<-e.done
	return path, nil
}

func (e *Execution) savepoint(target string, stop, drain bool, format SavepointFormat) (string, error) {
	if format == FormatDefault {
		format = e.cfg.SavepointFormat
	}
	if format == FormatDefault {
		format = FormatCanonical
	}
	if target == "" {
		target = e.cfg.SavepointDir
	}
	if target == "" {
		return "", errNoSavepointDir
	}
	root, err := ParseURI(target)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, NewSavepointDirName(e.ID, crand.Reader))
	e.mu.Lock()
	job := e.current
	if e.status != runtime.JobRunning {
		st := e.status
		e.mu.Unlock()
		return "", fmt.Errorf("Cannot take a savepoint of job %s: it is %s.", e.ID, st)
	}
	id := e.nextID
	e.nextID++
	e.inflight[id] = time.Now()
	e.savepoints[id] = savepointSpec{dir: dir, stop: stop, format: format}
	e.hist.recordTrigger(id, e.inflight[id], e.savepoints[id], true)
	ch := make(chan error, 1)
	e.waiters[id] = ch
	e.mu.Unlock()
	if err := job.TriggerSavepoint(id, drain); err != nil {
		e.abort(job, id, err)
	}
	timeout := e.cfg.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	select {
	case err := <-ch:
		if err != nil {
			return "", fmt.Errorf("Savepoint of job %s failed: %w", e.ID, err)
		}
		if IsS3Path(dir) {
			return DisplayPath(dir), nil
		}
		return "file:" + dir, nil
	case <-time.After(timeout):
		e.abort(job, id, fmt.Errorf("Checkpoint expired before completing."))
		return "", fmt.Errorf("Savepoint of job %s expired after %v", e.ID, timeout)
	case <-e.done:
		return "", fmt.Errorf("Job %s ended before the savepoint completed", e.ID)
	}
}
