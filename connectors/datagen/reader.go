package datagen

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// reader generates one subtask's rows.
type reader struct {
	src      *source
	subtask  int
	proj     []*fieldSpec
	seqStart []int64 // per projected field: first sequence position of this subtask
	total    int64   // rows of this subtask, -1 unbounded
	emitted  int64
	rate     float64 // rows per second of this subtask
	minChunk int64
	colTypes []*types.Type

	clock     runtime.Clock
	startMs   int64 // rate limiter epoch
	startRows int64 // emitted at startMs
	gen       *generator
	mix       uint64
}

func newReader(s *source, subtask, parallelism int, projection []int) *reader {
	r := &reader{src: s, subtask: subtask, total: -1}
	if s.numberOfRows >= 0 {
		_, r.total = share(s.numberOfRows, subtask, parallelism)
	}
	for _, f := range s.fields {
		if f.sequence {
			_, n := share(f.count(), subtask, parallelism)
			if r.total < 0 || n < r.total {
				r.total = n
			}
		}
	}
	for _, i := range projection {
		f := s.fields[i]
		r.proj = append(r.proj, f)
		r.colTypes = append(r.colTypes, f.t)
		off := int64(0)
		if f.sequence {
			off, _ = share(f.count(), subtask, parallelism)
		}
		r.seqStart = append(r.seqStart, off)
	}
	r.rate = float64(s.rowsPerSec) / float64(parallelism)
	r.minChunk = min(max(int64(r.rate/20), 1), types.DefaultBatchSize)
	return r
}

func (r *reader) Open(ctx *runtime.OperatorContext) error {
	r.clock = ctx.Clock
	if r.clock == nil {
		return errors.New("datagen: OperatorContext.Clock is nil")
	}
	if ctx.StateRestore != nil {
		n, k := binary.Varint(ctx.StateRestore)
		if k <= 0 || n < 0 {
			return errors.New("datagen: corrupt checkpoint state")
		}
		r.emitted = n
	}
	r.reseed()
	r.startMs = r.clock.NowMillis()
	r.startRows = r.emitted
	return nil
}

// reseed derives the random stream from the seed, the subtask and the
// position, so a restored reader continues deterministically.
func (r *reader) reseed() {
	stream := uint64(r.subtask)<<32 ^ uint64(r.emitted)*0x9E3779B97F4A7C15
	r.gen = newGenerator(r.src.seed, stream)
}

func (r *reader) Poll() (*types.Batch, runtime.SourceStatus, error) {
	remaining := int64(types.DefaultBatchSize)
	if r.total >= 0 {
		remaining = r.total - r.emitted
		if remaining <= 0 {
			return nil, runtime.SourceEnd, nil
		}
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
		if f.sequence {
			pos := r.seqStart[c] + r.emitted
			for i := int64(0); i < n; i++ {
				g.sequence(f, v, pos+i)
			}
		} else {
			for i := int64(0); i < n; i++ {
				g.random(f, v)
			}
		}
	}
	b.SetRowCount(int(n))
	r.emitted += n
	return b, runtime.SourceMore, nil
}

// SnapshotState stores the number of rows this subtask emitted; the next
// sequence value and the random stream derive from it.
func (r *reader) SnapshotState(int64) ([]byte, error) {
	return binary.AppendVarint(nil, r.emitted), nil
}

func (r *reader) NotifyCheckpointComplete(int64) error { return nil }
func (r *reader) Close() error                         { return nil }
