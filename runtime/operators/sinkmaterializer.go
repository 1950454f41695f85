package operators

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"slices"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// SinkMaterializerOptions tune a SinkMaterializer.
type SinkMaterializerOptions struct {
	// UpdateBefore emits -U(previous row) before every +U, for sinks that
	// take a full changelog (print, blackhole, a changelog format). Without
	// it the output is an upsert changelog (+I, +U, -D) as Flink's
	// SinkUpsertMaterializer emits it for upsert sinks.
	UpdateBefore bool
	// StateTTL overrides table.exec.state.ttl for this operator's state;
	// 0 keeps the job's setting.
	StateTTL time.Duration
}

// SinkMaterializer is Flink's SinkUpsertMaterializer: it sits in front of
// a sink with a PRIMARY KEY when the changes of one sink key may come from
// several upstream keys (the query's upsert key differs from the sink's
// key), whose changes reach it in no particular order. Keyed by the sink's
// primary key, it keeps per key the list of rows currently alive, in the
// order they arrived:
//
//	+I / +U   appends the row
//	-U / -D   removes the latest occurrence of an equal row (all columns);
//	          a retraction without a matching row is dropped (its row was
//	          never seen, or expired with the state TTL)
//
// and emits the key's last alive row whenever it changes, once per input
// batch (the net change of the key's rows in the batch, as the group
// aggregate's mini-batches): +I when the list was empty, +U (preceded by
// -U of the previous last row with UpdateBefore) when another row became
// the last one, -D of the previous last row when the list became empty. A
// batch that leaves the last row as it was emits nothing. So the sink ends
// with the row of the latest upstream change that is still alive, whatever
// the order in which the retractions and insertions of different upstream
// keys interleave. (Flink emits per record: a -U and a +U of one upstream
// key in one batch give -D and +I there, nothing or a +U here.)
//
// # State
//
// The lists live in the keyed state backend (heap or Pebble, see package
// runtime/state), so checkpoints, restores and rescaling are the backend's:
// the state key is the primary key in keyEncoder format, in key group
// runtime.KeyGroupOf(runtime.HashKey(pk columns)) — the hash the exchange
// in front of the operator partitions by. Per key one ValueState "rows":
// a format byte (1), uvarint n, then n × (uvarint length, row) in arrival
// order, each row the keyEncoder encoding of all columns (which is also
// what equality compares, and what output rows are decoded from: -0.0
// equals and comes back as 0, every NaN as one NaN). The state of a key is
// cleared when its list becomes empty. The list of a key is one entry,
// rewritten at each change, that expires table.exec.state.ttl (or
// StateTTL) after its last change, as the state of Flink's materializer.
//
// A batch is processed key by key (its rows grouped by key, each key's
// rows in order: one state read and one write per key and batch); the
// output lists the keys' changes in the order of the keys' first rows.
type SinkMaterializer struct {
	pkCols []int
	types  []*types.Type
	opts   SinkMaterializerOptions

	keyedBase
	out     runtime.Output
	rows    state.ValueState
	keyEnc  keyEncoder
	rowEnc  keyEncoder
	keys    batchKeys
	rd      stateReader
	stBuf   []byte
	arena   byteArena
	list    [][]byte // the current key's alive rows (in arena)
	changes []smChange
}

// smChange is one output row (its encoding) and the first input row of
// its key (the output keeps the order of the keys' first rows).
type smChange struct {
	cause int32
	enc   []byte
	kind  types.RowKind
}

var _ runtime.Operator = (*SinkMaterializer)(nil)

// sinkMaterializerFormat is the first byte of every "rows" value.
const sinkMaterializerFormat = 1

// NewSinkMaterializer returns the factory of a SinkMaterializer keyed by
// the primary key columns pkCols of rows of the given column types.
func NewSinkMaterializer(pkCols []int, colTypes []*types.Type, opts SinkMaterializerOptions) func(subtask, parallelism int) (runtime.Operator, error) {
	return func(int, int) (runtime.Operator, error) {
		if len(pkCols) == 0 {
			return nil, fmt.Errorf("operators: sink materializer needs primary key columns")
		}
		for _, k := range pkCols {
			if k < 0 || k >= len(colTypes) {
				return nil, fmt.Errorf("operators: sink materializer key column %d out of range", k)
			}
		}
		all := make([]int, len(colTypes))
		for i := range all {
			all[i] = i
		}
		m := &SinkMaterializer{pkCols: pkCols, types: colTypes, opts: opts,
			keyEnc: keyEncoder{cols: pkCols}, rowEnc: keyEncoder{cols: all}}
		m.keys.seed = maphash.MakeSeed()
		return m, nil
	}
}

// Open obtains the keyed state backend (restored by the runtime for this
// subtask's key groups) and registers the state.
func (m *SinkMaterializer) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	m.ctx, m.out = ctx, out
	var err error
	if err = m.openKeyed(ctx, ""); err != nil {
		return err
	}
	if m.rows, err = m.backend.RegisterValue(state.Descriptor{Name: "rows", TTL: m.opts.StateTTL}); err != nil {
		return err
	}
	m.recordStateSize()
	return nil
}

// ProcessBatch applies the batch's changes key by key and emits the
// resulting changes of the keys' last alive rows.
func (m *SinkMaterializer) ProcessBatch(_ int, b *types.Batch) error {
	if b.Len == 0 {
		return nil
	}
	if m.backend == nil {
		return fmt.Errorf("operators: sink materializer used before Open or after Close")
	}
	m.keys.group(b, &m.keyEnc, false)
	m.changes = m.changes[:0]
	m.arena.reset()
	var err error
	for s := range m.keys.n {
		if err = m.applyKey(b, int32(s)); err != nil {
			break
		}
	}
	m.recordStateSize()
	if err != nil || len(m.changes) == 0 {
		return err
	}
	slices.SortStableFunc(m.changes, func(x, y smChange) int { return int(x.cause - y.cause) })
	return m.emit()
}

// applyKey applies the rows of batch key s to the key's list and records
// the net change of its last alive row.
func (m *SinkMaterializer) applyKey(b *types.Batch, s int32) error {
	rows := m.keys.rowsOf(s)
	kg := runtime.KeyGroupOf(runtime.HashKey(b.Cols, m.pkCols, int(rows[0])), m.maxPar)
	m.backend.SetCurrentKey(kg, m.keys.key(s))
	if err := m.load(); err != nil {
		return err
	}
	var before []byte
	if n := len(m.list); n > 0 {
		before = m.list[n-1]
	}
	changed := false
	for _, r := range rows {
		enc := m.rowEnc.encode(b, int(r))
		if b.Kinds == nil || b.Kinds[r].IsAccumulate() {
			m.list = append(m.list, m.arena.keep(enc))
			changed = true
			continue
		}
		i := len(m.list) - 1
		for i >= 0 && !bytes.Equal(m.list[i], enc) {
			i--
		}
		if i < 0 {
			continue // nothing to retract: never seen, or expired
		}
		m.list = slices.Delete(m.list, i, i+1)
		changed = true
	}
	if !changed {
		return nil
	}
	var after []byte
	if n := len(m.list); n > 0 {
		after = m.list[n-1]
	}
	cause := rows[0]
	switch {
	case before == nil && after == nil:
	case before == nil:
		m.change(cause, after, types.Insert)
	case after == nil:
		m.change(cause, before, types.Delete)
	case !bytes.Equal(before, after):
		if m.opts.UpdateBefore {
			m.change(cause, before, types.UpdateBefore)
		}
		m.change(cause, after, types.UpdateAfter)
	}
	return m.store()
}

func (m *SinkMaterializer) change(cause int32, enc []byte, k types.RowKind) {
	m.changes = append(m.changes, smChange{cause: cause, enc: enc, kind: k})
}

// load reads the current key's list into m.list (copies in the arena).
func (m *SinkMaterializer) load() error {
	m.list = m.list[:0]
	v, ok, err := m.rows.Value()
	if err != nil || !ok {
		return err
	}
	r := &m.rd
	r.b, r.err = v, nil
	if f := r.byte(); r.err == nil && f != sinkMaterializerFormat {
		return fmt.Errorf("operators: sink materializer %s: state format %d not supported", m.ctx.OperatorID, f)
	}
	n := r.uvarint()
	for i := uint64(0); i < n && r.err == nil; i++ {
		row := r.bytes()
		if r.err == nil {
			m.list = append(m.list, m.arena.keep(row))
		}
	}
	err = r.err
	if err == nil && len(r.b) != 0 {
		err = fmt.Errorf("%w: %d trailing bytes", errCorruptState, len(r.b))
	}
	r.b = nil
	if err != nil {
		return fmt.Errorf("operators: sink materializer %s: the state of a key does not match the rows of this query (or is corrupt): %w", m.ctx.OperatorID, err)
	}
	return nil
}

// store writes the current key's list, or clears the key when it is empty.
func (m *SinkMaterializer) store() error {
	if len(m.list) == 0 {
		return m.rows.Clear()
	}
	buf := appendUvarint(append(m.stBuf[:0], sinkMaterializerFormat), uint64(len(m.list)))
	for _, row := range m.list {
		buf = appendBytes(buf, row)
	}
	m.stBuf = buf
	return m.rows.Update(buf)
}

// emit builds the output batch of the recorded changes.
func (m *SinkMaterializer) emit() error {
	n := len(m.changes)
	ob := &types.Batch{Cols: make([]*types.Vector, len(m.types)), Len: n, Kinds: make([]types.RowKind, n)}
	for c, t := range m.types {
		ob.Cols[c] = types.NewVector(t, n)
	}
	for i, ch := range m.changes {
		ob.Kinds[i] = ch.kind
		rest := ch.enc
		var err error
		for _, v := range ob.Cols {
			if rest, err = decodeKeyValue(v, rest); err != nil {
				return fmt.Errorf("operators: sink materializer %s: stored row: %w", m.ctx.OperatorID, err)
			}
		}
	}
	insertOnly := true
	for _, k := range ob.Kinds {
		insertOnly = insertOnly && k == types.Insert
	}
	if insertOnly {
		ob.Kinds = nil
	}
	return m.out.Emit(ob)
}

// ProcessWatermark forwards the watermark.
func (m *SinkMaterializer) ProcessWatermark(wm int64) error { return m.out.EmitWatermark(wm) }

// SnapshotState returns nil: the lists are in the keyed state backend,
// which the runtime snapshots.
func (m *SinkMaterializer) SnapshotState(int64) ([]byte, error) { return nil, nil }

// NotifyCheckpointComplete does nothing (the runtime notifies the backend).
func (m *SinkMaterializer) NotifyCheckpointComplete(int64) error { return nil }

// Finish does nothing: every batch was flushed when processed.
func (m *SinkMaterializer) Finish() error { return nil }

// Close closes the backend when Open created it; the runtime closes its own.
func (m *SinkMaterializer) Close() error {
	m.rows = nil
	return m.closeBackend()
}
