package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/flinkgo/engine/runtime/state"
)

// StateOptions choose and configure the keyed state backend of a job.
type StateOptions struct {
	Backend     state.BackendType // state.backend.type (zero: heap)
	TTL         time.Duration     // table.exec.state.ttl
	Incremental bool              // execution.checkpointing.incremental
	// Changelog is state.backend.changelog.enabled: keyed backends log
	// their changes and checkpoints upload only the log
	// (state.ChangelogBackend); MaterializeInterval is
	// state.backend.changelog.periodic-materialize.interval (0: Flink's
	// default).
	Changelog           bool
	MaterializeInterval time.Duration
	// ScratchDir holds Pebble working directories; empty means the
	// system's temporary directory.
	ScratchDir string
}

// CheckpointStates is what the tasks of a job snapshotted for one
// checkpoint, keyed by operator id and subtask: the bytes operators
// returned from SnapshotState, and the snapshots of their keyed state
// backends still to be written. The receiver of OnCheckpoint must call
// Write or Release on every Keyed entry exactly once.
type CheckpointStates struct {
	Operators map[string]map[int][]byte
	Keyed     map[string]map[int]state.Pending
}

func newCheckpointStates() *CheckpointStates {
	return &CheckpointStates{Operators: map[string]map[int][]byte{}, Keyed: map[string]map[int]state.Pending{}}
}

func (c *CheckpointStates) add(subtask int, ops map[string][]byte, keyed map[string]state.Pending) {
	for op, b := range ops {
		m := c.Operators[op]
		if m == nil {
			m = map[int][]byte{}
			c.Operators[op] = m
		}
		m[subtask] = b
	}
	for op, p := range keyed {
		m := c.Keyed[op]
		if m == nil {
			m = map[int]state.Pending{}
			c.Keyed[op] = m
		}
		m[subtask] = p
	}
}

// Release discards every keyed snapshot not written.
func (c *CheckpointStates) Release() {
	for _, m := range c.Keyed {
		for _, p := range m {
			p.Release()
		}
	}
}

// trackedPending counts a backend snapshot as outstanding until it is
// written or released, so the backend is not closed under it.
type trackedPending struct {
	state.Pending
	once sync.Once
	wg   *sync.WaitGroup
}

func (p *trackedPending) done() { p.once.Do(p.wg.Done) }

func (p *trackedPending) Write(w state.SnapshotWriter) (state.Handle, error) {
	defer p.done()
	return p.Pending.Write(w)
}

func (p *trackedPending) Release() {
	p.Pending.Release()
	p.done()
}

// keyedState creates (once) and restores the keyed backend of chained
// operator i.
func (t *task) keyedState(i int) (state.KeyedBackend, error) {
	if b := t.backends[i]; b != nil {
		return b, nil
	}
	v, o := t.vertex, t.job.opts.State
	id := v.Chain[i].ID
	maxPar := t.job.graph.MaxParallelism
	start, end := KeyGroupRange(t.subtask, maxPar, v.Parallelism)
	scratch := o.ScratchDir
	if scratch == "" {
		scratch = filepath.Join(os.TempDir(), "flinkgo-state")
	}
	clock := t.job.clock
	cfg := state.Config{OperatorID: id, Subtask: t.subtask, Parallelism: v.Parallelism, MaxParallelism: maxPar,
		KeyGroupStart: start, KeyGroupEnd: end, TTL: o.TTL, Clock: clock.NowMillis, Incremental: o.Incremental,
		NoClaim: true, Dir: filepath.Join(scratch, fmt.Sprintf("%s-%.8s-%d-%s", t.job.ID, id, t.subtask, NewJobID()[:8]))}
	kind := o.Backend
	if kind == 0 {
		kind = state.BackendHeap
	}
	var handles [][]byte
	var reader state.SnapshotReader
	if t.job.opts.RestoreKeyed != nil {
		handles, reader = t.job.opts.RestoreKeyed(id)
	}
	var b state.KeyedBackend
	var err error
	if o.Changelog || state.HasChangelogHandle(handles) {
		// Without the changelog enabled, a changelog checkpoint is still
		// restored (and the job's own snapshots are native).
		b, err = state.NewChangelogOver(kind, cfg, state.ChangelogOptions{MaterializeInterval: o.MaterializeInterval, Disabled: !o.Changelog})
	} else {
		b, err = state.NewBackend(kind, cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("could not create the state backend of %s: %w", v.Chain[i].Name, err)
	}
	if len(handles) > 0 {
		if err := b.Restore(handles, reader); err != nil {
			b.Close()
			return nil, fmt.Errorf("could not restore the keyed state of %s: %w", v.Chain[i].Name, err)
		}
	}
	t.backends[i] = b
	return b, nil
}

// snapshotKeyed takes the synchronous phase of every keyed backend.
func (t *task) snapshotKeyed(checkpointID int64, savepoint bool) (map[string]state.Pending, error) {
	var out map[string]state.Pending
	for i, b := range t.backends {
		if b == nil {
			continue
		}
		var p state.Pending
		var err error
		if sp, ok := b.(state.SavepointSnapshotter); ok && savepoint {
			p, err = sp.SnapshotSavepoint(checkpointID)
		} else {
			p, err = b.Snapshot(checkpointID)
		}
		if err != nil {
			for _, q := range out {
				q.Release()
			}
			return nil, fmt.Errorf("snapshot of the keyed state of %s failed: %w", t.vertex.Chain[i].Name, err)
		}
		if out == nil {
			out = map[string]state.Pending{}
		}
		t.outstanding.Add(1)
		out[t.vertex.Chain[i].ID] = &trackedPending{Pending: p, wg: &t.outstanding}
	}
	return out, nil
}

// closeBackends closes the keyed backends once no snapshot of theirs is
// still being written.
func (t *task) closeBackends() {
	t.outstanding.Wait()
	for i, b := range t.backends {
		if b != nil {
			b.Close()
			t.backends[i] = nil
		}
	}
}
