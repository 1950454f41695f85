package filesystem

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/formats"
	"github.com/flinkgo/engine/connectors/internal/opts"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// CheckpointIntervalKey is the session configuration key that enables
// checkpointing, and with it the sink's exactly-once mode.
const CheckpointIntervalKey = "execution.checkpointing.interval"

// checkpointingEnabled reports whether the session configuration enables
// checkpointing: the interval is set and not zero ("0", "0 s", ...).
func checkpointingEnabled(config map[string]string) bool {
	v := strings.TrimSpace(config[CheckpointIntervalKey])
	if v == "" {
		return false
	}
	d, ok := opts.ParseDuration(v)
	return !ok || d > 0
}

type sink struct {
	*table
	fileSize    int64
	rollover    time.Duration
	inactivity  time.Duration
	parallelism int
	exactlyOnce bool // checkpointing enabled: two-phase commit
	// overwrite: INSERT OVERWRITE removes the overwritten files (visible
	// when planned) at end of input (overwrite.go).
	overwrite   bool
	overwritten map[string][]string // partition directory ("" unpartitioned) → files
	// commit is the partition commit policy (commit.go).
	commit commitPolicy

	// prefix ("part-<uuid>") is shared by the writers of one run of the
	// job. A run creates one writer per subtask; when a subtask's writer
	// is created a second time (a restart reusing the plan) or the
	// parallelism changes, a new run begins with a new prefix, so part
	// names never repeat across runs.
	mu     sync.Mutex
	prefix string
	runPar int
	issued map[int]bool
}

func (s *sink) ChangelogMode() connectors.ChangelogMode { return connectors.InsertOnly }
func (s *sink) Parallelism() int                        { return s.parallelism }

// runPrefix returns the part-file prefix of the run subtask's writer
// belongs to.
func (s *sink) runPrefix(subtask, parallelism int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.issued == nil || s.issued[subtask] || s.runPar != parallelism {
		if s.issued != nil {
			s.prefix = "part-" + NewUUID()
		}
		s.issued, s.runPar = map[int]bool{}, parallelism
	}
	s.issued[subtask] = true
	return s.prefix
}

func (s *sink) NewWriter(subtask, parallelism int) (runtime.Operator, error) {
	if parallelism < 1 || subtask < 0 || subtask >= parallelism {
		return nil, fmt.Errorf("filesystem sink of table %s: invalid subtask %d of %d", s.name, subtask, parallelism)
	}
	enc, err := s.format.NewEncoder(s.fields, s.fmtOpts)
	if err != nil {
		return nil, err
	}
	return &writer{sink: s, subtask: subtask, par: parallelism, prefix: s.runPrefix(subtask, parallelism),
		exactlyOnce: s.exactlyOnce, enc: enc, cols: make([]*types.Vector, len(s.fields)),
		partVecs: make([]*types.Vector, len(s.partKeys)), buckets: map[string]*bucket{},
		part: newPartitioner(s.partKeys, s.defaultPart),
		wm:   runtime.MinWatermark, parts: partitionCommits{wm: runtime.MinWatermark}}, nil
}

// partFile is a part file not yet visible: its partition directory
// (relative to the table path, "" when unpartitioned), its hidden
// in-progress name and the final name it gets on commit (base names).
type partFile struct {
	dir, tmp, final string
}

// committable is the pending files closed for one checkpoint.
type committable struct {
	checkpoint int64
	files      []partFile
}

// bucket is one partition directory's in-progress file ("" for an
// unpartitioned table), as Flink's bucket writer has one per partition.
type bucket struct {
	dir      string
	file     io.WriteCloser
	cur      partFile // the in-progress file, when file != nil
	size     int64
	openedMs int64
	lastMs   int64 // last write
	buf      []byte
	pending  bool // in writer.dirty: rows of the current batch not written
}

// writer writes one subtask's part files, one in-progress file per
// partition directory (bucket). Each is written as a hidden
// ".part-<uuid>-<subtask>-<n>.inprogress.<uuid>" file and made visible by
// renaming it to "part-<uuid>-<subtask>-<n>" in the same directory.
//
// Without checkpointing a file is renamed when it rolls (size, rollover or
// inactivity interval) and at Finish. With checkpointing (exactly-once) a
// file goes in-progress → pending → finished: rolling or SnapshotState
// closes it (flushed, fsynced) and it becomes pending, still hidden;
// SnapshotState(id) assigns the pending files to checkpoint id and records
// them in the state; NotifyCheckpointComplete(id) renames the pending files
// of every checkpoint ≤ id. A restore re-commits the files recorded in the
// restored state; what the failed run wrote after that checkpoint stays
// hidden. Finish (end of a bounded input) commits everything. Close without
// Finish (cancel, failure) makes nothing visible. The partitions whose
// files were committed are then committed by the commit policy (commit.go).
type writer struct {
	sink        *sink
	subtask     int
	par         int
	prefix      string
	exactlyOnce bool
	// finalCheckpoint: the runtime takes a checkpoint after Finish, which
	// commits the last files; Finish then only closes them.
	finalCheckpoint bool
	enc             formats.Encoder
	cols            []*types.Vector // the file's columns of the batch
	partVecs        []*types.Vector // the partition columns of the batch
	out             runtime.Output
	clock           runtime.Clock
	metrics         *runtime.OperatorMetrics

	counter int64 // next part number
	part    partitioner
	dirBuf  []byte
	buckets map[string]*bucket
	order   []*bucket // buckets in creation order
	dirty   []*bucket // buckets with rows of the current batch

	rolled  []partFile    // exactly-once: pending, not yet in a checkpoint
	commits []committable // exactly-once: pending per checkpoint, ascending
	parts   partitionCommits
	wm      int64 // the latest watermark (partition-time commits)
}

func (w *writer) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	w.out, w.clock, w.metrics = out, ctx.Clock, ctx.Metrics
	w.finalCheckpoint = ctx.FinalCheckpoint
	if w.clock == nil {
		return errors.New("filesystem sink: OperatorContext.Clock is nil")
	}
	if err := w.sink.fs.MkdirAll(w.sink.path); err != nil {
		return err
	}
	switch {
	case len(ctx.RestoredStates) > 0:
		return w.restore(ctx.RestoredStates, w.subtask, w.par)
	case ctx.StateRestore != nil:
		return w.restore([][]byte{ctx.StateRestore}, 0, 1)
	}
	return nil
}

// restore commits the committables of the old subtasks assigned to this
// writer (old subtask i goes to new subtask i % parallelism, so each is
// committed by exactly one writer) and continues the part counter.
func (w *writer) restore(states [][]byte, sub, par int) error {
	var committed []partFile
	for i, st := range states {
		if i%par != sub || len(st) == 0 {
			continue
		}
		s, err := decodeSinkState(st)
		if err != nil {
			return fmt.Errorf("filesystem sink of table %s: cannot restore the state of subtask %d: %w", w.sink.name, i, err)
		}
		w.counter = max(w.counter, s.counter)
		for _, c := range s.commits {
			for _, f := range c.files {
				if err := w.commit(f, c.checkpoint, true); err != nil {
					return err
				}
				committed = append(committed, f)
			}
		}
	}
	if len(committed) == 0 {
		return nil
	}
	if err := w.syncDirs(committed); err != nil {
		return err
	}
	if err := w.addPartitions(committed, w.clock.NowMillis()); err != nil {
		return err
	}
	return w.commitPartitions(false)
}

func (w *writer) ProcessBatch(_ int, b *types.Batch) error {
	if b.Len == 0 {
		return nil
	}
	if b.Kinds != nil {
		for i := 0; i < b.Len; i++ {
			if k := b.Kinds[i]; k != types.Insert {
				return fmt.Errorf("filesystem sink of table %s only accepts insertions, got %s", w.sink.name, k)
			}
		}
	}
	// Batches hold the physical columns, or every column (metadata too).
	byColumn := len(b.Cols) == len(w.sink.columns) && len(b.Cols) != w.sink.nPhysical
	for i := range w.cols {
		if byColumn {
			w.cols[i] = b.Cols[w.sink.physical[i]]
		} else {
			w.cols[i] = b.Cols[w.sink.physPos[i]]
		}
	}
	for j, k := range w.sink.partKeys {
		if byColumn {
			w.partVecs[j] = b.Cols[k.col]
		} else {
			w.partVecs[j] = b.Cols[w.sink.partPos[j]]
		}
	}
	now := w.clock.NowMillis()
	if err := w.rollIfDue(now); err != nil {
		return err
	}
	for i := 0; i < b.Len; i++ {
		bk := w.bucketOf(i)
		var err error
		if bk.buf, err = w.enc.Encode(bk.buf, w.cols, i); err != nil {
			return err
		}
		bk.buf = append(bk.buf, '\n')
		if !bk.pending {
			bk.pending = true
			w.dirty = append(w.dirty, bk)
		}
		if bk.size+int64(len(bk.buf)) >= w.sink.fileSize {
			if err := w.write(bk, now); err != nil {
				return err
			}
			if err := w.roll(bk); err != nil {
				return err
			}
		}
	}
	for _, bk := range w.dirty {
		if err := w.write(bk, now); err != nil {
			return err
		}
		bk.pending = false
	}
	w.dirty = w.dirty[:0]
	if w.metrics != nil {
		w.metrics.RecordsOut.Add(int64(b.Len))
	}
	return nil
}

// bucketOf returns the bucket of row i of the current batch, creating it
// on the partition's first row. Looking up an existing bucket allocates
// nothing.
func (w *writer) bucketOf(i int) *bucket {
	if len(w.sink.partKeys) > 0 {
		w.dirBuf = w.part.appendDir(w.dirBuf[:0], w.partVecs, i)
	}
	if bk := w.buckets[string(w.dirBuf)]; bk != nil {
		return bk
	}
	bk := &bucket{dir: string(w.dirBuf)}
	w.buckets[bk.dir] = bk
	w.order = append(w.order, bk)
	return bk
}

func (w *writer) path(f partFile, name string) string { return filepath.Join(w.sink.path, f.dir, name) }

// write appends the bucket's encoded rows to its in-progress file, opening
// one if needed.
func (w *writer) write(bk *bucket, now int64) error {
	p := bk.buf
	if len(p) == 0 {
		return nil
	}
	if bk.file == nil {
		name := w.prefix + "-" + strconv.Itoa(w.subtask) + "-" + strconv.FormatInt(w.counter, 10)
		w.counter++
		bk.cur = partFile{dir: bk.dir, tmp: "." + name + ".inprogress." + NewUUID(), final: name}
		if bk.dir != "" {
			if err := w.sink.fs.MkdirAll(filepath.Join(w.sink.path, bk.dir)); err != nil {
				return fmt.Errorf("cannot create partition directory %s of table %s: %w", filepath.Join(w.sink.path, bk.dir), w.sink.name, err)
			}
		}
		f, err := w.sink.fs.Create(w.path(bk.cur, bk.cur.tmp))
		if err != nil {
			return fmt.Errorf("cannot create part file of table %s: %w", w.sink.name, err)
		}
		bk.file, bk.size, bk.openedMs = f, 0, now
	}
	if _, err := bk.file.Write(p); err != nil {
		return fmt.Errorf("cannot write part file %s: %w", w.path(bk.cur, bk.cur.tmp), err)
	}
	bk.size += int64(len(p))
	bk.lastMs = now
	bk.buf = p[:0]
	return nil
}

// rollIfDue rolls the in-progress files older than the rollover interval
// or inactive for longer than the inactivity interval.
func (w *writer) rollIfDue(now int64) error {
	for _, bk := range w.order {
		if bk.file == nil {
			continue
		}
		if now-bk.openedMs >= w.sink.rollover.Milliseconds() ||
			w.sink.inactivity > 0 && now-bk.lastMs >= w.sink.inactivity.Milliseconds() {
			if err := w.roll(bk); err != nil {
				return err
			}
		}
	}
	return nil
}

// rollAll rolls every bucket's in-progress file.
func (w *writer) rollAll() error {
	for _, bk := range w.order {
		if err := w.roll(bk); err != nil {
			return err
		}
	}
	return nil
}

// roll closes the bucket's in-progress file: without checkpointing it
// moves to its final name; in exactly-once mode it is fsynced and becomes
// pending.
func (w *writer) roll(bk *bucket) error {
	if bk.file == nil {
		return nil
	}
	f, pf := bk.file, bk.cur
	bk.file, bk.size = nil, 0
	if w.exactlyOnce {
		if s, ok := f.(interface{ Sync() error }); ok {
			if err := s.Sync(); err != nil {
				f.Close()
				return fmt.Errorf("cannot sync part file %s: %w", w.path(pf, pf.tmp), err)
			}
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot close part file %s: %w", w.path(pf, pf.tmp), err)
	}
	if w.exactlyOnce {
		w.rolled = append(w.rolled, pf)
		return nil
	}
	if err := w.sink.fs.Rename(w.path(pf, pf.tmp), w.path(pf, pf.final)); err != nil {
		return fmt.Errorf("cannot commit part file %s: %w", w.path(pf, pf.final), err)
	}
	return w.addPartitions([]partFile{pf}, w.clock.NowMillis())
}

// commit renames a pending file to its final name. On a restore (recheck)
// it is idempotent: a final file that exists is left alone (the commit
// happened before the failure); a pending file that is gone is fine when
// its final file exists, and an error otherwise.
func (w *writer) commit(f partFile, checkpoint int64, recheck bool) error {
	tmp, final := w.path(f, f.tmp), w.path(f, f.final)
	if recheck {
		if _, err := w.sink.fs.Stat(final); err == nil {
			return nil
		}
	}
	err := w.sink.fs.Rename(tmp, final)
	if err == nil {
		return nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := w.sink.fs.Stat(final); serr == nil {
			return nil
		}
		return fmt.Errorf("filesystem sink of table %s: cannot commit part file %s of checkpoint %d: the pending file %s is missing",
			w.sink.name, final, checkpoint, tmp)
	}
	return fmt.Errorf("filesystem sink of table %s: cannot commit part file %s of checkpoint %d: %w", w.sink.name, final, checkpoint, err)
}

// syncDirs makes renames and new files in the directories of files
// durable (each directory once).
func (w *writer) syncDirs(files []partFile) error {
	d, ok := w.sink.fs.(DirSyncer)
	if !ok {
		return nil
	}
	for i, f := range files {
		seen := false
		for _, g := range files[:i] {
			seen = seen || g.dir == f.dir
		}
		if seen {
			continue
		}
		dir := filepath.Join(w.sink.path, f.dir)
		if err := d.SyncDir(dir); err != nil {
			return fmt.Errorf("cannot sync directory %s of table %s: %w", dir, w.sink.name, err)
		}
	}
	return nil
}

func (w *writer) ProcessWatermark(wm int64) error {
	w.wm = wm
	if err := w.rollIfDue(w.clock.NowMillis()); err != nil {
		return err
	}
	if w.out != nil {
		return w.out.EmitWatermark(wm)
	}
	return nil
}

// SnapshotState, in exactly-once mode, closes the in-progress files and
// records every pending file not yet committed under its checkpoint. See
// encodeSinkState for the layout.
func (w *writer) SnapshotState(checkpointID int64) ([]byte, error) {
	if w.exactlyOnce {
		if err := w.rollAll(); err != nil {
			return nil, err
		}
		if len(w.rolled) > 0 {
			w.commits = append(w.commits, committable{checkpoint: checkpointID, files: w.rolled})
			if err := w.syncDirs(w.rolled); err != nil {
				return nil, err
			}
			w.rolled = nil
		}
	}
	if w.sink.commit.partitionTime {
		w.parts.checkpointed(checkpointID, w.wm)
	}
	return encodeSinkState(&sinkState{prefix: w.prefix, subtask: w.subtask, counter: w.counter, commits: w.commits}), nil
}

// NotifyCheckpointComplete commits the pending files of every checkpoint
// up to id, then the partitions they went to that are due.
func (w *writer) NotifyCheckpointComplete(id int64) error {
	n := 0
	var done []partFile
	for n < len(w.commits) && w.commits[n].checkpoint <= id {
		for _, f := range w.commits[n].files {
			if err := w.commit(f, w.commits[n].checkpoint, false); err != nil {
				return err
			}
		}
		done = append(done, w.commits[n].files...)
		n++
	}
	if n > 0 {
		w.commits = append(w.commits[:0], w.commits[n:]...)
		if err := w.syncDirs(done); err != nil {
			return err
		}
		if err := w.addPartitions(done, w.clock.NowMillis()); err != nil {
			return err
		}
	}
	w.parts.completed(id)
	return w.commitPartitions(false)
}

// Finish (end of input) closes the in-progress files. Without checkpoints
// that makes them visible; in exactly-once mode the final checkpoint
// commits them (or, when the runtime takes none, Finish commits
// everything). Every partition written is committed at the end.
func (w *writer) Finish() error {
	if err := w.rollAll(); err != nil {
		return err
	}
	if err := w.removeOverwritten(); err != nil {
		return err
	}
	if !w.exactlyOnce {
		return w.commitPartitions(true)
	}
	if w.finalCheckpoint {
		w.parts.endOfInput = true
		return nil
	}
	var done []partFile
	for _, c := range w.commits {
		for _, f := range c.files {
			if err := w.commit(f, c.checkpoint, false); err != nil {
				return err
			}
		}
		done = append(done, c.files...)
	}
	for _, f := range w.rolled {
		if err := w.commit(f, 0, false); err != nil {
			return err
		}
	}
	done = append(done, w.rolled...)
	w.commits, w.rolled = nil, nil
	if err := w.syncDirs(done); err != nil {
		return err
	}
	if err := w.addPartitions(done, w.clock.NowMillis()); err != nil {
		return err
	}
	return w.commitPartitions(true)
}

// Close releases the in-progress files; they stay hidden.
func (w *writer) Close() error {
	var first error
	for _, bk := range w.order {
		if bk.file != nil {
			if err := bk.file.Close(); err != nil && first == nil {
				first = err
			}
			bk.file = nil
		}
	}
	return first
}
