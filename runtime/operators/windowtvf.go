package operators

import (
	"fmt"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// WindowKind is the kind of a window table function.
type WindowKind uint8

const (
	WindowTumble WindowKind = iota
	WindowHop
	WindowCumulate
	WindowSession // only with a window aggregation (SessionWindowAggregate)
)

func (k WindowKind) String() string {
	return [...]string{"TUMBLE", "HOP", "CUMULATE", "SESSION"}[k]
}

// ValidateWindow checks the durations (ms) of a window.
func ValidateWindow(k WindowKind, size, slide, step int64) error {
	if k == WindowSession {
		if size <= 0 {
			return fmt.Errorf("SESSION window gap must be positive, got %d ms", size)
		}
		return nil
	}
	if size <= 0 {
		return fmt.Errorf("%s window size must be positive, got %d ms", k, size)
	}
	switch k {
	case WindowHop:
		if slide <= 0 {
			return fmt.Errorf("HOP window slide must be positive, got %d ms", slide)
		}
	case WindowCumulate:
		if step <= 0 {
			return fmt.Errorf("CUMULATE window step must be positive, got %d ms", step)
		}
		if size%step != 0 {
			return fmt.Errorf("CUMULATE table function based aggregate requires maxSize must be an integral multiple of step, but got maxSize %d ms and step %d ms", size, step)
		}
	}
	return nil
}

// WindowTableFunction is Flink's WindowTableFunction operator: it appends
// window_start, window_end and window_time (TIMESTAMP(3), µs) to every row,
// once per window the row's time column falls in (Flink's window
// assignment, with offset). Rows whose time is NULL belong to no window and
// are dropped. Stateless; watermarks pass through.
type WindowTableFunction struct {
	timeCol                   int
	kind                      WindowKind
	size, slide, step, offset int64 // µs

	out  runtime.Output
	sel  []int32
	wins []int64 // window start, end per selected row
}

var _ runtime.Operator = (*WindowTableFunction)(nil)

// NewWindowTableFunction returns the factory of the operator; durations in ms.
func NewWindowTableFunction(timeCol int, kind WindowKind, sizeMs, slideMs, stepMs, offsetMs int64) func(int, int) (runtime.Operator, error) {
	return func(int, int) (runtime.Operator, error) {
		if err := ValidateWindow(kind, sizeMs, slideMs, stepMs); err != nil {
			return nil, err
		}
		if kind == WindowSession {
			return nil, fmt.Errorf("the SESSION window table function is only supported in a window aggregation (GROUP BY window_start, window_end, ...)")
		}
		return &WindowTableFunction{timeCol: timeCol, kind: kind,
			size: sizeMs * 1000, slide: slideMs * 1000, step: stepMs * 1000, offset: offsetMs * 1000}, nil
	}
}

func (w *WindowTableFunction) Open(_ *runtime.OperatorContext, out runtime.Output) error {
	w.out = out
	return nil
}

// windowStart is Flink's TimeWindow.getWindowStartWithOffset.
func windowStart(ts, offset, size int64) int64 {
	r := (ts - offset + size) % size
	if r < 0 {
		r += size
	}
	return ts - r
}

// assign appends the windows of time ts to w.sel/w.wins for row r.
func (w *WindowTableFunction) assign(r int32, ts int64) {
	switch w.kind {
	case WindowTumble:
		s := windowStart(ts, w.offset, w.size)
		w.sel = append(w.sel, r)
		w.wins = append(w.wins, s, s+w.size)
	case WindowHop:
		last := windowStart(ts, w.offset, w.slide)
		for s := last; s > ts-w.size; s -= w.slide {
			w.sel = append(w.sel, r)
			w.wins = append(w.wins, s, s+w.size)
		}
	case WindowCumulate:
		s := windowStart(ts, w.offset, w.size)
		for e := s + w.step; e <= s+w.size; e += w.step {
			if e > ts {
				w.sel = append(w.sel, r)
				w.wins = append(w.wins, s, e)
			}
		}
	}
}

func (w *WindowTableFunction) ProcessBatch(_ int, b *types.Batch) error {
	w.sel, w.wins = w.sel[:0], w.wins[:0]
	tc := b.Cols[w.timeCol]
	for r := 0; r < b.Len; r++ {
		if tc.IsNull(r) {
			continue
		}
		w.assign(int32(r), tc.Ints[r])
	}
	n := len(w.sel)
	if n == 0 {
		return nil
	}
	ob := &types.Batch{Cols: make([]*types.Vector, len(b.Cols)+3), Len: n}
	for c, v := range b.Cols {
		ob.Cols[c] = types.NewVector(v.Type, n)
		gather(ob.Cols[c], v, w.sel)
	}
	ts := types.Timestamp(3).WithNullable(false)
	start, end, wt := types.NewVector(ts, n), types.NewVector(ts, n), types.NewVector(ts, n)
	for i := 0; i < n; i++ {
		start.Ints = append(start.Ints, w.wins[2*i])
		end.Ints = append(end.Ints, w.wins[2*i+1])
		wt.Ints = append(wt.Ints, w.wins[2*i+1]-1000)
	}
	start.Len, end.Len, wt.Len = n, n, n
	ob.Cols[len(b.Cols)], ob.Cols[len(b.Cols)+1], ob.Cols[len(b.Cols)+2] = start, end, wt
	ob.Kinds = gatherKinds(b, w.sel)
	return w.out.Emit(ob)
}

func (w *WindowTableFunction) ProcessWatermark(wm int64) error      { return w.out.EmitWatermark(wm) }
func (w *WindowTableFunction) SnapshotState(int64) ([]byte, error)  { return nil, nil }
func (w *WindowTableFunction) NotifyCheckpointComplete(int64) error { return nil }
func (w *WindowTableFunction) Finish() error                        { return nil }
func (w *WindowTableFunction) Close() error                         { return nil }
