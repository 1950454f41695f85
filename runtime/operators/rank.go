package operators

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/maphash"

	"github.com/cockroachdb/apd/v3"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// SortKey is one ORDER BY column of a Top-N.
type SortKey struct {
	Col  int
	Desc bool
	// Nulls is where NULLs sort (NULLS FIRST | LAST); the zero value is
	// Flink's default (batchfinal.go).
	Nulls NullOrder
}

// Rank is Flink's append-only Top-N (AppendOnlyTopNFunction) with the row
// number: for every partition it keeps the first Limit rows in ORDER BY
// order (rows with equal sort keys in arrival order, except that with
// ReplaceOnTie a new row goes before its equals: deduplication keeping the
// last row) and emits the changes of the ranking as an upsert changelog
// keyed by (partition, row number): a rank position that changes occupant
// emits -U[old, k] +U[new, k], a position that fills for the first time
// +I[new, k]; a row pushed below the limit disappears with the -U of its
// last position. Every input row emits its own changes, as Flink's Top-N
// functions do per record. Output columns: the input's, then the row
// number (BIGINT). The input must be append-only (see retracting).
//
// # State
//
// Keyed by the partition key (keyEncoder format; empty without PARTITION
// BY, then everything is in key group 0), one ValueState "topn": uvarint n,
// then n × (uvarint length, sort key, uvarint length, row) in rank order;
// the sort key is an order-preserving byte string (see appendSortKey), the
// row is the keyEncoder encoding of all input columns.
type Rank struct {
	partCols     []int
	sortKeys     []SortKey
	limit        int
	replaceOnTie bool
	inTypes      []*types.Type
	outTypes     []*types.Type

	keyedBase
	out     runtime.Output
	topn    state.ValueState
	enc     keyEncoder
	rowEnc  keyEncoder
	keys    batchKeys
	tmp     apd.Decimal
	sortBuf []byte

	// the current partition's ranking: parallel slices, rank order
	entries [][]byte // each: sort key then row, both length-prefixed
	old     [][]byte // before the current batch
	arena   []byte
	stBuf   []byte

	outVecs []*types.Vector
	kinds   []types.RowKind

	// noRowNumber: emit -D/+I per row leaving/entering the Top-N (NewRank).
	noRowNumber bool

	// retracting: the input is a changelog: every row of a partition is
	// kept (a retraction of a ranked row promotes the next one), and a
	// retraction removes one occurrence of its row.
	retracting bool

	// Window Top-N (windowEnd >= 0: the index in partCols of window_end):
	// rankings are kept until the watermark passes the window's end, then
	// emitted once as +I rows and freed.
	windowEnd int
	watermark int64
	timers    windowTimers
	scratch   []*types.Vector
}

var _ runtime.Operator = (*Rank)(nil)

// NewRetractableRank returns the factory of a Top-N over a changelog
// (RetractableTopNFunction): it keeps every row of a partition so that a
// retracted ranked row is replaced by the next one.
func NewRetractableRank(partCols []int, sortKeys []SortKey, limit int, inTypes []*types.Type, rowNumber bool) func(int, int) (runtime.Operator, error) {
	f := NewRank(partCols, sortKeys, limit, false, inTypes, -1, rowNumber)
	return func(sub, par int) (runtime.Operator, error) {
		op, err := f(sub, par)
		if err != nil {
			return nil, err
		}
		op.(*Rank).retracting = true
		return op, nil
	}
}

// NewRank returns the factory of a Top-N keeping limit rows per partition.
//
// windowEnd >= 0 makes it a window Top-N: partCols[windowEnd] is the
// window_end column (TIMESTAMP(3), µs) of a windowed input; each window's
// ranking is emitted once, as +I rows, when the watermark passes its end,
// and freed; rows of a window that already fired are late (dropped and
// counted). Pending windows are rebuilt from the state on restore.
//
// Without rowNumber nothing downstream reads the row number (its column is
// then 0): a change of the ranking is emitted as Flink's Top-N without row
// number emits it, -D for each row that left the first limit rows, then
// +I for each row that entered them, instead of an update per position.
func NewRank(partCols []int, sortKeys []SortKey, limit int, replaceOnTie bool, inTypes []*types.Type, windowEnd int, rowNumber bool) func(int, int) (runtime.Operator, error) {
	return func(int, int) (runtime.Operator, error) {
		if limit < 1 {
			return nil, fmt.Errorf("operators: Top-N limit %d must be positive", limit)
		}
		if windowEnd >= len(partCols) {
			return nil, fmt.Errorf("operators: window Top-N window_end key %d out of range", windowEnd)
		}
		r := &Rank{partCols: partCols, sortKeys: sortKeys, limit: limit, replaceOnTie: replaceOnTie, inTypes: inTypes,
			enc: keyEncoder{cols: partCols}, windowEnd: windowEnd, watermark: runtime.MinWatermark, noRowNumber: !rowNumber}
		all := make([]int, len(inTypes))
		for i := range all {
			all[i] = i
		}
		r.rowEnc = keyEncoder{cols: all}
		for _, k := range sortKeys {
			if k.Col < 0 || k.Col >= len(inTypes) || !orderedSupported(inTypes[k.Col]) {
				return nil, fmt.Errorf("operators: Top-N cannot order by column %d", k.Col)
			}
		}
		r.outTypes = append(append([]*types.Type{}, inTypes...), types.BigInt.WithNullable(false))
		r.keys.seed = maphash.MakeSeed()
		return r, nil
	}
}

// Open obtains the keyed state backend.
func (r *Rank) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	r.ctx, r.out = ctx, out
	var err error
	if err = r.openKeyed(ctx, ""); err != nil {
		return err
	}
	if r.topn, err = r.backend.RegisterValue(state.Descriptor{Name: "topn"}); err != nil {
		return err
	}
	for _, t := range r.outTypes {
		r.outVecs = append(r.outVecs, types.NewVector(t, types.DefaultBatchSize))
	}
	if r.windowEnd < 0 {
		return nil
	}
	for _, c := range r.partCols {
		r.scratch = append(r.scratch, types.NewVector(r.inTypes[c], 1))
	}
	var derr error
	err = r.backend.Keys("topn", func(kg int, key []byte) bool {
		end, err := r.endOf(key)
		if err != nil {
			derr = fmt.Errorf("operators: window Top-N %s: restored key: %w", ctx.OperatorID, err)
			return false
		}
		r.timers.schedule(end, kg, key)
		return true
	})
	if err == nil {
		err = derr
	}
	return err
}

// endOf decodes window_end (µs) out of an encoded partition key.
func (r *Rank) endOf(key []byte) (int64, error) {
	b := key
	var err error
	for i := 0; i <= r.windowEnd; i++ {
		r.scratch[i].Reset()
		if b, err = decodeKeyValue(r.scratch[i], b); err != nil {
			return 0, err
		}
	}
	if v := r.scratch[r.windowEnd]; !v.IsNull(0) {
		return v.Ints[0], nil
	}
	return 0, errCorruptKey
}

// appendSortKey appends the order-preserving encoding of row i's sort
// columns: per column a NULL tag (NULLs first ascending, last descending, as
// Flink) and the ordered value, strings escaped (0x00 → 0x00 0xFF) and
// terminated by 0x00 0x00 so that column boundaries keep the order; the
// bytes of a descending column are inverted.
func (r *Rank) appendSortKey(buf []byte, b *types.Batch, i int) ([]byte, error) {
	return appendSortKey(buf, r.sortKeys, b, i, &r.tmp)
}

// appendSortKey appends the order-preserving key of row i of b under keys:
// per key a null flag, then the value (bytes escaped and terminated, other
// types as appendOrdered encodes them), inverted for DESC, so the bytes
// compare as the rows sort.
func appendSortKey(buf []byte, keys []SortKey, b *types.Batch, i int, tmp *apd.Decimal) ([]byte, error) {
	for _, k := range keys {
		start := len(buf)
		v := b.Cols[k.Col]
		if v.IsNull(i) {
			buf = append(buf, k.nullByte())
		} else {
			buf = append(buf, 1)
			if v.Type.Kind.Physical() == types.PhysBytes {
				for _, c := range v.Bytes(i) {
					if c == 0 {
						buf = append(buf, 0, 0xFF)
					} else {
						buf = append(buf, c)
					}
				}
				buf = append(buf, 0, 0)
			} else {
				var err error
				if buf, err = appendOrdered(buf, v, i, tmp); err != nil {
					return nil, err
				}
			}
		}
		if k.Desc {
			for j := start; j < len(buf); j++ {
				buf[j] = ^buf[j]
			}
		}
	}
	return buf, nil
}

// ProcessBatch ranks the batch's rows partition by partition.
func (r *Rank) ProcessBatch(_ int, b *types.Batch) error {
	if b.Len == 0 {
		return nil
	}
	if !r.retracting {
		for i := 0; i < b.Len; i++ {
			if !b.Kind(i).IsAccumulate() {
				return fmt.Errorf("operators: Top-N %s received a retraction on an append-only input", r.ctx.OperatorID)
			}
		}
	}
	r.keys.group(b, &r.enc, len(r.partCols) == 0)
	for s := range r.keys.n {
		if err := r.rankKey(b, int32(s)); err != nil {
			return err
		}
	}
	r.recordStateSize()
	return r.flush()
}

func (r *Rank) rankKey(b *types.Batch, s int32) error {
	rows := r.keys.rowsOf(s)
	kg := 0
	if len(r.partCols) > 0 {
		kg = runtime.KeyGroupOf(runtime.HashKey(b.Cols, r.partCols, int(rows[0])), r.maxPar)
	}
	if r.windowEnd >= 0 {
		end := b.Cols[r.partCols[r.windowEnd]].Ints[rows[0]]
		if fired(end, r.watermark) {
			if r.ctx.Metrics != nil {
				r.ctx.Metrics.LateRecords.Add(int64(len(rows)))
			}
			return nil
		}
		r.backend.SetCurrentKey(kg, r.keys.key(s))
		if err := r.load(); err != nil {
			return err
		}
		if len(r.entries) == 0 {
			r.timers.schedule(end, kg, r.keys.key(s))
		}
	} else {
		r.backend.SetCurrentKey(kg, r.keys.key(s))
		if err := r.load(); err != nil {
			return err
		}
	}
	r.old = append(r.old[:0], r.entries...)
	changed := false
	for _, row := range rows {
		var err error
		if r.sortBuf, err = r.appendSortKey(r.sortBuf[:0], b, int(row)); err != nil {
			return err
		}
		if !b.Kind(int(row)).IsAccumulate() {
			if i, gone := r.retract(r.sortBuf, r.rowEnc.encode(b, int(row))); i >= 0 {
				changed = true
				if err := r.emitPerRow(i, gone, false); err != nil {
					return err
				}
			}
			continue
		}
		pos := r.position(r.sortBuf)
		if pos >= r.limit && !r.retracting {
			continue
		}
		start := len(r.arena)
		r.arena = binary.AppendUvarint(r.arena, uint64(len(r.sortBuf)))
		r.arena = append(r.arena, r.sortBuf...)
		rb := r.rowEnc.encode(b, int(row))
		r.arena = binary.AppendUvarint(r.arena, uint64(len(rb)))
		r.arena = append(r.arena, rb...)
		r.entries = append(r.entries, nil)
		copy(r.entries[pos+1:], r.entries[pos:])
		r.entries[pos] = r.arena[start:len(r.arena):len(r.arena)]
		changed = true
		if err := r.emitPerRow(pos, r.entries[pos], true); err != nil {
			return err
		}
		if len(r.entries) > r.limit && !r.retracting {
			r.entries = r.entries[:r.limit]
		}
	}
	if !changed {
		return nil
	}
	return r.store()
}

// emitPerRow emits what the last row changed in the ranking, as Flink's
// Top-N and deduplication functions do for every record (a versioned view
// over a deduplication must see every version, not only a batch's last):
// entry e was inserted at (added) or removed from position pos of
// r.entries, which is not yet cut to the limit. A window Top-N emits
// nothing before its window ends.
//
// Without the row number only membership of the first limit rows counts,
// as in Flink's Top-N without row number: an insertion within the limit
// emits -D for the row it pushes out, then +I; a removal within it emits
// -D, then +I for the row that moves up into the last place.
func (r *Rank) emitPerRow(pos int, e []byte, added bool) error {
	switch {
	case r.windowEnd >= 0:
		return nil
	case r.noRowNumber:
		if pos >= r.limit {
			return nil
		}
		if added {
			if len(r.entries) > r.limit {
				if err := r.emitRow(r.entries[r.limit], -1, types.Delete); err != nil {
					return err
				}
			}
			return r.emitRow(e, -1, types.Insert)
		}
		if err := r.emitRow(e, -1, types.Delete); err != nil {
			return err
		}
		if len(r.entries) >= r.limit {
			return r.emitRow(r.entries[r.limit-1], -1, types.Insert)
		}
		return nil
	}
	if err := r.emitChanges(); err != nil {
		return err
	}
	r.old = append(r.old[:0], r.entries[:min(len(r.entries), r.limit)]...)
	return nil
}

// position returns where a row with sort key k goes in the ranking.
func (r *Rank) position(k []byte) int {
	lo, hi := 0, len(r.entries)
	for lo < hi {
		m := (lo + hi) / 2
		c := compareBytes(sortKeyOf(r.entries[m]), k)
		if c < 0 || (c == 0 && !r.replaceOnTie) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func compareBytes(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

func sortKeyOf(e []byte) []byte {
	n, k := binary.Uvarint(e)
	return e[k : k+int(n)]
}

func rowOf(e []byte) []byte {
	n, k := binary.Uvarint(e)
	e = e[k+int(n):]
	m, k2 := binary.Uvarint(e)
	return e[k2 : k2+int(m)]
}

// emitChanges compares the ranking before and after the batch.
// retract removes one stored occurrence of the row with sort key k and
// encoding row; it returns the position and entry it had, or -1.
func (r *Rank) retract(k, row []byte) (int, []byte) {
	for i := r.position(k) - 1; i >= 0 && bytes.Equal(sortKeyOf(r.entries[i]), k); i-- {
		if e := r.entries[i]; bytes.Equal(rowOf(e), row) {
			r.entries = append(r.entries[:i:i], r.entries[i+1:]...)
			return i, e
		}
	}
	return -1, nil
}

// emitChanges compares the ranking before and after the last row.
func (r *Rank) emitChanges() error {
	// Ranks past the new ranking's end lost their row (retractions).
	for k := len(r.entries); k < min(len(r.old), r.limit); k++ {
		if err := r.emitRow(r.old[k], k, types.Delete); err != nil {
			return err
		}
	}
	for k, e := range r.entries {
		if k >= r.limit {
			break
		}
		if k < len(r.old) {
			if &r.old[k][0] == &e[0] {
				continue // same occupant
			}
			if err := r.emitRow(r.old[k], k, types.UpdateBefore); err != nil {
				return err
			}
			if err := r.emitRow(e, k, types.UpdateAfter); err != nil {
				return err
			}
			continue
		}
		if err := r.emitRow(e, k, types.Insert); err != nil {
			return err
		}
	}
	return nil
}

func (r *Rank) emitRow(e []byte, k int, kind types.RowKind) error {
	rest := rowOf(e)
	var err error
	for c := range r.inTypes {
		if rest, err = decodeKeyValue(r.outVecs[c], rest); err != nil {
			return fmt.Errorf("operators: Top-N %s: stored row: %w", r.ctx.OperatorID, err)
		}
	}
	r.outVecs[len(r.inTypes)].AppendInt(int64(k + 1))
	r.kinds = append(r.kinds, kind)
	if len(r.kinds) >= types.DefaultBatchSize {
		return r.flush()
	}
	return nil
}

func (r *Rank) flush() error {
	n := len(r.kinds)
	if n == 0 {
		return nil
	}
	ob := &types.Batch{Cols: make([]*types.Vector, len(r.outVecs)), Len: n}
	for c, v := range r.outVecs {
		ov := types.NewVector(v.Type, n)
		ov.AppendRange(v, 0, n)
		ob.Cols[c] = ov
		v.Reset()
	}
	if r.windowEnd < 0 {
		ob.Kinds = append([]types.RowKind(nil), r.kinds...)
	}
	r.kinds = r.kinds[:0]
	return r.out.Emit(ob)
}

// load reads the current partition's ranking into entries.
func (r *Rank) load() error {
	r.entries, r.arena = r.entries[:0], r.arena[:0]
	v, ok, err := r.topn.Value()
	if err != nil || !ok {
		return err
	}
	r.arena = append(r.arena, v...)
	rest := r.arena
	n, k := binary.Uvarint(rest)
	if k <= 0 {
		return r.corrupt()
	}
	rest = rest[k:]
	for range n {
		start := len(r.arena) - len(rest)
		for range 2 {
			l, k := binary.Uvarint(rest)
			if k <= 0 || l > uint64(len(rest)-k) {
				return r.corrupt()
			}
			rest = rest[k+int(l):]
		}
		end := len(r.arena) - len(rest)
		r.entries = append(r.entries, r.arena[start:end:end])
	}
	return nil
}

func (r *Rank) corrupt() error {
	return fmt.Errorf("operators: Top-N %s: %w", r.ctx.OperatorID, errCorruptState)
}

func (r *Rank) store() error {
	buf := binary.AppendUvarint(r.stBuf[:0], uint64(len(r.entries)))
	for _, e := range r.entries {
		buf = append(buf, e...)
	}
	r.stBuf = buf
	return r.topn.Update(buf)
}

// ProcessWatermark forwards the watermark.
// For a window Top-N it first emits the rankings of the windows that end
// at or before the watermark.
func (r *Rank) ProcessWatermark(wm int64) error {
	if r.windowEnd >= 0 {
		r.watermark = max(r.watermark, wm)
		err := r.timers.fireDue(r.watermark, func(kg int, key []byte) error {
			r.backend.SetCurrentKey(kg, key)
			if err := r.load(); err != nil {
				return err
			}
			for k, e := range r.entries {
				if err := r.emitRow(e, k, types.Insert); err != nil {
					return err
				}
			}
			return r.topn.Clear()
		})
		if err != nil {
			return err
		}
		if err := r.flush(); err != nil {
			return err
		}
		r.recordStateSize()
	}
	return r.out.EmitWatermark(wm)
}

// SnapshotState returns nil: the rankings are in the keyed state backend.
func (r *Rank) SnapshotState(int64) ([]byte, error) { return nil, nil }

func (r *Rank) NotifyCheckpointComplete(int64) error { return nil }
func (r *Rank) Finish() error                        { return nil }

// Close closes the backend when Open created it.
func (r *Rank) Close() error {
	return r.closeBackend()
}
