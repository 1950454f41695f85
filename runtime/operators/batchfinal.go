package operators

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"

	"github.com/cockroachdb/apd/v3"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// BatchFinal ends a bounded query in batch mode (execution.runtime-mode =
// batch): it applies its input's changelog to the table it describes and,
// at end of input, emits that final table once, insert-only — optionally
// sorted (ORDER BY, NULLS FIRST | LAST as asked, else ASC NULLS FIRST /
// DESC NULLS LAST as Flink's default collation) and cut to Offset and
// Limit rows. So aggregations,
// joins and Top-N whose streaming operators emit updates leave only their
// final rows, as Flink's batch operators do, and ORDER BY / LIMIT work on
// any column.
//
// Rows are counted by content (the keyEncoder encoding of all columns,
// also what output rows are decoded from): +I / +U add one, -U / -D take
// one away, so the order in which changes arrive does not matter. The
// table is an open-addressing hash table over one byte arena (no
// allocation per row). Rows with equal sort keys leave in their first
// arrival order.
//
// Batch jobs take no checkpoints (Flink's batch mode neither), so the
// table is operator memory, never state: SnapshotState fails when asked
// to snapshot rows.
type BatchFinal struct {
	types  []*types.Type
	sort   []SortKey
	offset int64
	limit  int64 // -1: none

	out   runtime.Output
	enc   keyEncoder
	seed  maphash.Seed
	arena []byte
	rows  []bfRow
	slots []int32 // index+1 into rows; 0 empty
	tmp   apd.Decimal
}

type bfRow struct {
	off, end int
	hash     uint64
	count    int64
}

var _ runtime.Operator = (*BatchFinal)(nil)

// NewBatchFinal returns the factory of a BatchFinal over rows of the given
// column types. limit < 0 means no limit.
func NewBatchFinal(colTypes []*types.Type, sort []SortKey, offset, limit int64) func(subtask, parallelism int) (runtime.Operator, error) {
	return func(int, int) (runtime.Operator, error) {
		for _, k := range sort {
			if k.Col < 0 || k.Col >= len(colTypes) {
				return nil, fmt.Errorf("operators: sort column %d out of range", k.Col)
			}
			if t := colTypes[k.Col]; !orderedSupported(t) {
				return nil, fmt.Errorf("operators: ORDER BY on a column of type %s is not supported", t)
			}
		}
		all := make([]int, len(colTypes))
		for i := range all {
			all[i] = i
		}
		return &BatchFinal{types: colTypes, sort: sort, offset: offset, limit: limit,
			enc: keyEncoder{cols: all}, seed: maphash.MakeSeed()}, nil
	}
}

// Open keeps the output.
func (f *BatchFinal) Open(_ *runtime.OperatorContext, out runtime.Output) error {
	f.out = out
	f.slots = make([]int32, 64)
	return nil
}

// ProcessBatch counts the batch's rows in.
func (f *BatchFinal) ProcessBatch(_ int, b *types.Batch) error {
	for i := 0; i < b.Len; i++ {
		delta := int64(1)
		if !b.Kind(i).IsAccumulate() {
			delta = -1
		}
		f.add(f.enc.encode(b, i), delta)
	}
	return nil
}

// add adds delta to the count of the row encoded as enc.
func (f *BatchFinal) add(enc []byte, delta int64) {
	h := maphash.Bytes(f.seed, enc)
	mask := len(f.slots) - 1
	for s := int(h) & mask; ; s = (s + 1) & mask {
		idx := f.slots[s]
		if idx == 0 {
			off := len(f.arena)
			f.arena = append(f.arena, enc...)
			f.rows = append(f.rows, bfRow{off: off, end: len(f.arena), hash: h, count: delta})
			f.slots[s] = int32(len(f.rows))
			if 2*len(f.rows) > len(f.slots) {
				f.grow()
			}
			return
		}
		r := &f.rows[idx-1]
		if r.hash == h && bytes.Equal(f.arena[r.off:r.end], enc) {
			r.count += delta
			return
		}
	}
}

func (f *BatchFinal) grow() {
	f.slots = make([]int32, 2*len(f.slots))
	mask := len(f.slots) - 1
	for i := range f.rows {
		s := int(f.rows[i].hash) & mask
		for f.slots[s] != 0 {
			s = (s + 1) & mask
		}
		f.slots[s] = int32(i + 1)
	}
}

// ProcessWatermark forwards the watermark.
func (f *BatchFinal) ProcessWatermark(wm int64) error { return f.out.EmitWatermark(wm) }

// SnapshotState refuses to checkpoint rows: batch jobs take no checkpoints.
func (f *BatchFinal) SnapshotState(int64) ([]byte, error) {
	if len(f.rows) > 0 {
		return nil, errors.New("operators: a batch-mode job cannot be checkpointed (execution.runtime-mode = batch)")
	}
	return nil, nil
}

// NotifyCheckpointComplete does nothing.
func (f *BatchFinal) NotifyCheckpointComplete(int64) error { return nil }

// Finish emits the final table: the rows alive (count > 0, each as often
// as counted), sorted and cut when asked.
func (f *BatchFinal) Finish() error {
	all := types.NewBatch(f.types, len(f.rows))
	var counts []int64
	for _, r := range f.rows {
		if r.count <= 0 {
			continue
		}
		rest := f.arena[r.off:r.end]
		var err error
		for _, v := range all.Cols {
			if rest, err = decodeKeyValue(v, rest); err != nil {
				return fmt.Errorf("operators: batch result row: %w", err)
			}
		}
		all.Len++
		counts = append(counts, r.count)
	}
	f.rows, f.arena, f.slots = nil, nil, nil
	var order []int32
	for i, c := range counts {
		for range c {
			order = append(order, int32(i))
		}
	}
	if len(f.sort) > 0 {
		keys := make([][]byte, all.Len)
		var buf []byte
		for i := range keys {
			start := len(buf)
			var err error
			if buf, err = f.appendSortKey(buf, all, i); err != nil {
				return err
			}
			keys[i] = buf[start:len(buf):len(buf)]
		}
		slices.SortStableFunc(order, func(x, y int32) int { return bytes.Compare(keys[x], keys[y]) })
	}
	if f.offset > 0 {
		order = order[min(int64(len(order)), f.offset):]
	}
	if f.limit >= 0 && int64(len(order)) > f.limit {
		order = order[:f.limit]
	}
	for len(order) > 0 {
		n := min(len(order), types.DefaultBatchSize)
		ob := &types.Batch{Cols: make([]*types.Vector, len(f.types)), Len: n}
		for c, t := range f.types {
			ob.Cols[c] = types.NewVector(t, n)
			gather(ob.Cols[c], all.Cols[c], order[:n])
		}
		if err := f.out.Emit(ob); err != nil {
			return err
		}
		order = order[n:]
	}
	return nil
}

// NullOrder is where an ORDER BY key puts NULLs.
type NullOrder uint8

const (
	// NullsDefault is Flink's default null collation (FlinkPlannerImpl's
	// NullCollation.LOW): NULLs first ascending, last descending.
	NullsDefault NullOrder = iota
	// NullsFirst is NULLS FIRST.
	NullsFirst
	// NullsLast is NULLS LAST.
	NullsLast
)

// NullsFirst reports whether the key sorts NULLs before the values.
func (k SortKey) NullsFirst() bool {
	return k.Nulls == NullsFirst || k.Nulls == NullsDefault && !k.Desc
}

// nullByte is the byte a NULL of the key encodes as in appendSortKey,
// before a DESC key's bytes are inverted: values start with 1, so 0 sorts
// a NULL low and 2 high.
func (k SortKey) nullByte() byte {
	if k.NullsFirst() != k.Desc {
		return 0
	}
	return 2
}

// appendSortKey appends the order-preserving key of row i (as Rank's).
func (f *BatchFinal) appendSortKey(buf []byte, b *types.Batch, i int) ([]byte, error) {
	return appendSortKey(buf, f.sort, b, i, &f.tmp)
}

// Close drops the table.
func (f *BatchFinal) Close() error {
	f.rows, f.arena, f.slots = nil, nil, nil
	return nil
}
