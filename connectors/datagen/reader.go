package datagen

import (
	"errors"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// segment is a run of consecutive rows still to emit: row k (0 ≤ k < n)
// has row id id+k and, for the i-th sequence field of the table, sequence
// position pos[i]+k (value start+pos[i]+k). n is -1 for an unbounded run.
//
// Row ids number the rows of the whole source and seed the random fields:
// with number-of-rows they are the row's index in [0, number-of-rows); else,
// with sequence fields, the position of the first sequence field; for an
// unbounded random source subtask<<40 + the rows it emitted.
type segment struct {
	id  int64
	n   int64
	pos []int64
}

// advance drops the first k rows of s.
func (s *segment) advance(k int64) {
	s.id += k
	for i := range s.pos {
		s.pos[i] += k
	}
	if s.n > 0 {
		s.n -= k
	}
}

// unboundedIDShift places the row ids of unbounded subtasks apart.
const unboundedIDShift = 40

// reader generates one subtask's rows.
type reader struct {
	src      *source
	subtask  int
	par      int
	proj     []*fieldSpec
	seqSlot  []int    // per projected field: index into segment.pos, -1 for random
	keys     []uint64 // per projected field: random seed key (randKey)
	colTypes []*types.Type
	rate     float64 // rows per second of this subtask
	minChunk int64

	segs    []segment // remaining rows of this subtask, in order
	emitted int64     // rows emitted by this instance (rate limiter)

	clock     runtime.Clock
	startMs   int64 // rate limiter epoch
	startRows int64 // emitted at startMs
	gen       *generator
}

func newReader(s *source, subtask, parallelism int, projection []int) *reader {
	r := &reader{src: s, subtask: subtask, par: parallelism, gen: newGenerator()}
	for _, i := range projection {
		f := s.fields[i]
		r.proj = append(r.proj, f)
		r.colTypes = append(r.colTypes, f.t)
		slot := -1
		for k, fi := range s.seqFields {
			if fi == i {
				slot = k
			}
		}
		r.seqSlot = append(r.seqSlot, slot)
		r.keys = append(r.keys, randKey(s.seed, i))
	}
	if seg := s.initialSegment(subtask, parallelism); seg.n != 0 {
		r.segs = []segment{seg}
	}
	r.rate = float64(s.rowsPerSec) / float64(parallelism)
	r.minChunk = min(max(int64(r.rate/20), 1), types.DefaultBatchSize)
	return r
}

// initialSegment is the share of subtask out of parallelism at the start of
// a job: each sequence is split into contiguous ranges, number-of-rows
// likewise, and the subtask emits as many rows as its shortest share (a
// sequence source ends when its first sequence is exhausted).
func (s *source) initialSegment(subtask, parallelism int) segment {
	seg := segment{n: -1, pos: make([]int64, len(s.seqFields))}
	if s.numberOfRows >= 0 {
		seg.id, seg.n = share(s.numberOfRows, subtask, parallelism)
	}
	for k, fi := range s.seqFields {
		off, n := share(s.fields[fi].count(), subtask, parallelism)
		seg.pos[k] = off
		if k == 0 && s.numberOfRows < 0 {
			seg.id = off
		}
		if seg.n < 0 || n < seg.n {
			seg.n = n
		}
	}
	if seg.n < 0 {
		seg.id = int64(subtask) << unboundedIDShift
	}
	return seg
}

// Open restores the remaining rows when the job starts from a checkpoint.
//
// With ctx.RestoredStates (the states of every old subtask, any old
// parallelism) the remaining segments of all old subtasks are united,
// ordered by row id, and split into Parallelism contiguous shares by row
// count; this subtask keeps its share (possibly empty: the reader then
// ends at once). Every new subtask computes the same split, so no row is
// emitted twice or lost. An unbounded random source has nothing to split:
// new subtask i continues the row-id stream of old subtask i (or starts its
// own when there was none).
// Without RestoredStates, a StateRestore alone is this subtask's own state
// at unchanged parallelism and is continued as is.
func (r *reader) Open(ctx *runtime.OperatorContext) error {
	r.clock = ctx.Clock
	if r.clock == nil {
		return errors.New("datagen: OperatorContext.Clock is nil")
	}
	switch {
	case len(ctx.RestoredStates) > 0:
		if err := r.restore(ctx.RestoredStates, r.subtask, r.par); err != nil {
			return err
		}
	case ctx.StateRestore != nil:
		// Own state only: keep all of it (a share of 1 out of 1), but the
		// legacy format is relative to this subtask's initial share.
		if err := r.restoreOwn(ctx.StateRestore); err != nil {
			return err
		}
	}
	r.startMs = r.clock.NowMillis()
	r.startRows = r.emitted
	return nil
}

func (r *reader) Poll() (*types.Batch, runtime.SourceStatus, error) {
	for len(r.segs) > 0 && r.segs[0].n == 0 {
		r.segs = r.segs[1:]
	}
	if len(r.segs) == 0 {
		return nil, runtime.SourceEnd, nil
	}
	seg := &r.segs[0]
	remaining := int64(types.DefaultBatchSize)
	if seg.n > 0 {
		remaining = seg.n
	}
	now := r.clock.NowMillis()
	allowed := r.minChunk + int64(float64(now-r.startMs)*r.rate/1000) - (r.emitted - r.startRows)
	if limit := max(int64(r.rate), types.DefaultBatchSize); allowed > limit {
		// After a stall (backpressure) burst at most a second's worth.
		r.startMs, r.startRows, allowed = now, r.emitted+limit-r.minChunk, limit
	}
	n := min(allowed, remaining, types.DefaultBatchSize)
	if n < r.minChunk && n < remaining {
		return nil, runtime.SourceIdle, nil
	}
	b := types.NewBatch(r.colTypes, int(n))
	g := r.gen
	g.nowMs = now
	_, off := time.UnixMilli(now).In(r.src.loc).Zone()
	g.localMs = now + int64(off)*1000
	for c, f := range r.proj {
		v := b.Cols[c]
		key := r.keys[c]
		if slot := r.seqSlot[c]; slot >= 0 {
			pos := seg.pos[slot]
			for i := int64(0); i < n; i++ {
				if f.nullRate > 0 {
					g.seedRow(key, seg.id+i)
				}
				g.sequence(f, v, pos+i)
			}
		} else {
			for i := int64(0); i < n; i++ {
				g.seedRow(key, seg.id+i)
				g.random(f, v)
			}
		}
	}
	b.SetRowCount(int(n))
	r.emitted += n
	seg.advance(n)
	if seg.n == 0 {
		r.segs = r.segs[1:]
	}
	return b, runtime.SourceMore, nil
}

// SnapshotState returns the remaining segments (see encodeState).
func (r *reader) SnapshotState(int64) ([]byte, error) {
	return encodeState(r.segs, len(r.src.seqFields)), nil
}

func (r *reader) NotifyCheckpointComplete(int64) error { return nil }
func (r *reader) Close() error                         { return nil }
