package nexmark

import (
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// segment is a run of event ids still to emit: next, next+stride, ... < end.
type segment struct {
	next, stride, end int64
}

// reader generates one subtask's events.
type reader struct {
	src      *source
	subtask  int
	par      int
	cols     []column // projected
	colTypes []*types.Type
	full     [3]bool  // per kind: some projected ROW column needs its content
	byKind   [3][]int // per kind: indexes in cols of its ROW columns
	typeCols []int    // indexes in cols of event_type columns
	intCols  int      // integer vectors of a batch (event_type and ROW fields)
	nullCols int      // null bitmaps of a batch (ROWs and their fields)
	strCols  int      // string vectors of a batch (ROW fields)

	segs []segment // remaining ids, merged by smallest next id
	gen  generator
	ev   event

	// Pacing when max-emit-speed is false: id is due at
	// startWall + (timestamp(id) - timestamp(startID)).
	clock     runtime.Clock
	startWall int64
	startTs   int64
}

// Open restores the position when the job starts from a checkpoint (see
// the package documentation and restore) and starts the pacing clock.
func (r *reader) Open(ctx *runtime.OperatorContext) error {
	r.clock = ctx.Clock
	if r.clock == nil {
		r.clock = runtime.SystemClock{}
	}
	restored := ctx.RestoredStates
	switch {
	case len(restored) == r.par || len(restored) == 0 && ctx.StateRestore != nil:
		// Same parallelism: continue this subtask's own segments (none
		// if it recorded no state: an old subtask without state had
		// nothing left).
		own := ctx.StateRestore
		if len(restored) == r.par {
			own = restored[r.subtask]
		}
		r.segs = nil
		if own != nil {
			segs, err := r.src.decodeState(own)
			if err != nil {
				return err
			}
			r.segs = segs
		}
	case len(restored) > 0:
		segs, err := r.src.restore(restored, r.subtask, r.par)
		if err != nil {
			return err
		}
		r.segs = segs
	}
	r.startWall = r.clock.NowMillis()
	if id, ok := r.peek(); ok {
		r.startTs = r.src.m.timestampMs(id)
	}
	return nil
}

// peek returns the next id to emit.
func (r *reader) peek() (int64, bool) {
	if len(r.segs) == 0 {
		return 0, false
	}
	j := 0
	for k := 1; k < len(r.segs); k++ {
		if r.segs[k].next < r.segs[j].next {
			j = k
		}
	}
	return r.segs[j].next, true
}

// take removes and returns the next id (the smallest over the segments,
// so event time ascends within the subtask also after a rescale).
func (r *reader) take() int64 {
	j := 0
	for k := 1; k < len(r.segs); k++ {
		if r.segs[k].next < r.segs[j].next {
			j = k
		}
	}
	s := &r.segs[j]
	id := s.next
	s.next += s.stride
	if s.next >= s.end || s.next < id { // exhausted (or overflowed)
		r.segs = append(r.segs[:j], r.segs[j+1:]...)
	}
	return id
}

func (r *reader) Poll() (*types.Batch, runtime.SourceStatus, error) {
	if len(r.segs) == 0 {
		if r.src.keepAlive {
			return nil, runtime.SourceIdle, nil
		}
		return nil, runtime.SourceEnd, nil
	}
	n := types.DefaultBatchSize
	if len(r.segs) == 1 {
		s := r.segs[0]
		if left := (s.end-s.next-1)/s.stride + 1; left < int64(n) { // next < end: no overflow
			n = int(left)
		}
	}
	if !r.src.maxSpeed {
		n = r.due(n)
		if n == 0 {
			return nil, runtime.SourceIdle, nil
		}
	}
	b := r.newBatch(n)
	i := 0
	for ; i < n && len(r.segs) > 0; i++ {
		r.gen.generate(&r.ev, r.take(), &r.full)
		r.writeEvent(b, i, &r.ev)
	}
	r.finishBatch(b, i)
	return b, runtime.SourceMore, nil
}

// due returns how many of the next up to n events are due by the wall
// clock (max-emit-speed false).
func (r *reader) due(n int) int {
	now := r.clock.NowMillis()
	m := r.src.m
	if len(r.segs) == 1 {
		s := r.segs[0]
		k := 0
		for ; k < n; k++ {
			id := s.next + int64(k)*s.stride
			if id >= s.end || r.startWall+m.timestampMs(id)-r.startTs > now {
				break
			}
		}
		return k
	}
	id, ok := r.peek()
	if !ok || r.startWall+m.timestampMs(id)-r.startTs > now {
		return 0
	}
	return 1 // several segments (after a rescale): pace one event at a time
}

// SnapshotState returns the remaining segments (see encodeState).
func (r *reader) SnapshotState(int64) ([]byte, error) {
	return encodeState(r.segs), nil
}

func (r *reader) NotifyCheckpointComplete(int64) error { return nil }
func (r *reader) Close() error                         { return nil }
