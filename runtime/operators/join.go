package operators

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// JoinType is the kind of a regular join.
type JoinType uint8

const (
	InnerJoin JoinType = iota
	LeftJoin
	RightJoin
	FullJoin
	SemiJoin // left rows with at least one match (IN, EXISTS); left columns only
	AntiJoin // left rows without a match (NOT IN, NOT EXISTS); left columns only
)

func (t JoinType) String() string {
	return [...]string{"InnerJoin", "LeftOuterJoin", "RightOuterJoin", "FullOuterJoin", "LeftSemiJoin", "LeftAntiJoin"}[t]
}

// Join is Flink's regular streaming join (StreamingJoinOperator) of two
// changelogs on equal keys, with an optional residual condition over the
// joined row. Input 0 is the left side, input 1 the right side; both arrive
// hash-partitioned by their join keys. Output rows are the left columns then
// the right columns; an outer side's row without a match is padded with
// NULLs, and the padding is retracted when its first match arrives (and
// re-emitted when its last match goes), exactly as Flink does:
//
//	accumulate (+I/+U) on side s:
//	  s outer, no match          +I[s, null]; store s with 0 associations
//	  s outer, matches           (other outer: -D[null, o] for each o that had
//	                             none; its associations +1) +I[s, o] for each;
//	                             store s with the number of matches
//	  s inner                    (other outer: as above, output kind +I;
//	                             else the input's kind) [s, o] for each; store s
//	retract (-U/-D) on side s:   remove s from its state, then
//	  no match                   s outer: -D[s, null]
//	  matches                    -D (s outer) or the input's kind: [s, o] for
//	                             each; other outer: +I[null, o] for each o whose
//	                             associations drop to 0
//
// Rows whose join key holds a NULL never match; an outer side emits them
// padded and keeps no state for them.
//
// # State
//
// Keyed by the encoded join key (keyEncoder format), in the key group of the
// key's hash (the same hash the exchange partitions by). Per key, one
// MapState per side, "left" and "right": the whole row (keyEncoder format
// over all its columns) → 16 bytes: the row's count (duplicates) and its
// number of associations (used for outer sides), both int64 little endian.
// An interval join ("left-by-time", "right-by-time") prefixes each entry's
// key with the row's time (8 order-preserving bytes) and appends the time
// to the value (24 bytes): a side's expired rows are then a key range.
// SnapshotState returns nil; the runtime snapshots the backend. With state
// TTL every stored row expires on its own (Flink's table.exec.state.ttl).
type Join struct {
	jt       JoinType
	keys     [2][]int
	types    [2][]*types.Type
	outTypes []*types.Type
	residual expr.Expr
	ev       *expr.Evaluator
	outer    [2]bool

	keyedBase
	out    runtime.Output
	rows   [2]state.MapState
	keyEnc [2]keyEncoder
	rowEnc [2]keyEncoder
	val    [24]byte

	// interval join (nil for a regular join): time bounds that let rows
	// that can no longer match be dropped as the watermark passes.
	interval *IntervalBounds
	ttl      [2]time.Duration
	curTime  int64 // ms, the current input row's time (interval joins)
	candTime []int64
	timers   windowTimers
	curKG    int
	curKey   []byte
	wm       int64 // the last watermark (interval joins)
	ordered  bool  // the backend iterates map keys in byte order (Pebble)
	fromBuf  []byte
	loBuf    []byte
	// cleaned[s][key]: every row of side s under key with a time below
	// this has been deleted (the bound of the key's last cleanup, kept
	// while the side is empty too: its deletions are still there); keys
	// without an entry are scanned from their first row. In memory only, at
	// most maxCleanedKeys per side: after a restore, or when the map was
	// full, a key's first cleanup scans it whole.
	cleaned [2]map[string]*int64 // updated in place: a string key is made once per key

	// candidates: the other side's rows under the current key
	cand      [2][]*types.Vector // indexed by side: vectors of that side's columns
	bcast     [2][]*types.Vector // the input row repeated per candidate, for the residual
	candCount []int64
	candAssoc []int64
	candEnds  []int32
	candArena []byte
	// candMemo remembers, for the current input batch of an inner join,
	// the other side's stored rows per key (loadCandidates): key hash →
	// index in memoSpans.
	candMemo  map[uint64]int32
	memoSpans []memoSpan
	memoArena []byte
	match     []bool
	evalBatch types.Batch
	rowKey    []byte

	// output of the current batch
	outVecs []*types.Vector
	kinds   []types.RowKind
}

var _ runtime.Operator = (*Join)(nil)

// IntervalBounds are the time conditions of an interval join:
// Lower ≤ left.time - right.time ≤ Upper (ms), each bound optional. With
// them a left row is dropped from the state once the watermark passes
// its time - Lower (no right row that is not late can match it any more),
// a right row once the watermark passes its time + Upper. LeftTime and
// RightTime are the rowtime columns (TIMESTAMP(3), µs) of each input, which
// must be append-only.
type IntervalBounds struct {
	LeftTime, RightTime int
	Lower, Upper        int64
	HasLower, HasUpper  bool
}

// NewJoin returns the factory of a join of leftTypes and rightTypes rows on
// leftKeys = rightKeys (pairwise, same physical types), with residual (over
// the joined row, nil for none).
//
// ttl, when given, overrides table.exec.state.ttl for the left and the right
// side's rows (the STATE_TTL hint); 0 keeps the job's setting.
func NewJoin(jt JoinType, leftKeys, rightKeys []int, leftTypes, rightTypes []*types.Type, residual expr.Expr, interval *IntervalBounds, ttl ...time.Duration) func(int, int) (runtime.Operator, error) {
	return func(int, int) (runtime.Operator, error) {
		if len(leftKeys) == 0 || len(leftKeys) != len(rightKeys) {
			return nil, fmt.Errorf("operators: join needs equal, non-empty key lists (%d and %d keys)", len(leftKeys), len(rightKeys))
		}
		for i := range leftKeys {
			l, r := leftTypes[leftKeys[i]], rightTypes[rightKeys[i]]
			if !l.Equal(r, true) || l.Scale != r.Scale {
				return nil, fmt.Errorf("operators: join key %d has types %s and %s; cast them to one type", i, l, r)
			}
		}
		j := &Join{jt: jt, keys: [2][]int{leftKeys, rightKeys}, types: [2][]*types.Type{leftTypes, rightTypes}, residual: residual, interval: interval,
			wm: runtime.MinWatermark, cleaned: [2]map[string]*int64{{}, {}}, candMemo: map[uint64]int32{}}
		copy(j.ttl[:], ttl)
		j.outer = [2]bool{jt == LeftJoin || jt == FullJoin, jt == RightJoin || jt == FullJoin}
		semi := jt == SemiJoin || jt == AntiJoin
		for s := range 2 {
			j.keyEnc[s] = keyEncoder{cols: j.keys[s]}
			all := make([]int, len(j.types[s]))
			for i := range all {
				all[i] = i
			}
			j.rowEnc[s] = keyEncoder{cols: all}
			for _, t := range j.types[s] {
				j.cand[s] = append(j.cand[s], types.NewVector(t, 16))
				j.bcast[s] = append(j.bcast[s], types.NewVector(t, 16))
				switch {
				case semi && s == 0:
					j.outTypes = append(j.outTypes, t)
				case !semi:
					j.outTypes = append(j.outTypes, t.WithNullable(true))
				}
			}
		}
		if residual != nil {
			ev, err := expr.Compile(residual)
			if err != nil {
				return nil, err
			}
			j.ev = ev
		}
		return j, nil
	}
}

// Open obtains the keyed state backend and registers both sides' states.
func (j *Join) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	j.out = out
	if err := j.openKeyed(ctx, "join"); err != nil {
		return err
	}
	var err error
	for s, name := range j.stateNames() {
		if j.rows[s], err = j.backend.RegisterMap(state.Descriptor{Name: name, TTL: j.ttl[s]}); err != nil {
			return err
		}
	}
	j.ordered = j.backend.Type() == state.BackendPebble
	j.timers.keyOrder = j.ordered
	j.resetOutput()
	j.recordStateSize()
	if j.interval != nil {
		// A checkpoint of an older version kept an interval join's rows
		// under "left"/"right" without their time in front: refuse it
		// rather than start empty.
		for _, old := range [2]string{"left", "right"} {
			found := false
			if err := j.backend.Keys(old, func(int, []byte) bool { found = true; return false }); err == nil && found {
				return fmt.Errorf("operators: interval join %s: the checkpoint holds this join's rows in the layout of an older version (state %q), which this version cannot read; start the job without restoring it", ctx.OperatorID, old)
			}
		}
		// Restored rows: every key is checked at the first watermark, which
		// reschedules it for its rows' own deadlines.
		for _, name := range j.stateNames() {
			if err := j.backend.Keys(name, func(kg int, key []byte) bool {
				j.timers.schedule(-1<<62, kg, key)
				return true
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

var errJoinClosed = errors.New("operators: join used before Open or after Close")

// maxCleanedKeys bounds Join.cleaned (about 100 bytes an entry).
const maxCleanedKeys = 1 << 20

// stateNames are the names of the sides' map states. An interval join's
// entries begin with their row's time (appendTimeKey), so they get names
// of their own: a regular join's state never reads as an interval join's.
func (j *Join) stateNames() [2]string {
	if j.interval != nil {
		return [2]string{"left-by-time", "right-by-time"}
	}
	return [2]string{"left", "right"}
}

// appendTimeKey appends t (ms) in 8 order-preserving bytes.
func appendTimeKey(b []byte, t int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(t)^(1<<63))
}

// liveFrom returns the smallest row time of side s that the watermark wm
// has not made unmatchable (the rows before it are exactly those cleanup
// removes: fired(deadline(s, t), wm)), and false when side s's rows never
// expire or nothing expired yet.
func (j *Join) liveFrom(s int, wm int64) (int64, bool) {
	var c int64 // deadline(s, t) rounds t + c + 1 (ms) up to a second
	switch {
	case wm == runtime.MinWatermark:
		return 0, false
	case s == 0 && j.interval.HasLower:
		c = -j.interval.Lower
	case s == 1 && j.interval.HasUpper:
		c = j.interval.Upper
	default:
		return 0, false
	}
	// fired(deadline) ⇔ roundUp1000(t+c+2) <= wm+1 ⇔ t+c+2 <= floor1000(wm+1).
	return floorDiv(wm+1, 1000)*1000 - c - 1, true
}

func (j *Join) resetOutput() {
	if j.outVecs == nil {
		for _, t := range j.outTypes {
			j.outVecs = append(j.outVecs, types.NewVector(t, types.DefaultBatchSize))
		}
	}
	for _, v := range j.outVecs {
		v.Reset()
	}
	j.kinds = j.kinds[:0]
}

// ProcessBatch joins the rows of one side against the other side's state,
// row by row in order, and emits the changes.
func (j *Join) ProcessBatch(input int, b *types.Batch) error {
	if j.backend == nil {
		return errJoinClosed
	}
	if input != 0 && input != 1 {
		return fmt.Errorf("operators: join %s: input %d", j.ctx.OperatorID, input)
	}
	j.resetMemo()
	defer j.resetMemo()
	for r := 0; r < b.Len; r++ {
		if err := j.processRow(input, b, r); err != nil {
			return err
		}
		if len(j.kinds) >= types.DefaultBatchSize {
			if err := j.flush(); err != nil {
				return err
			}
		}
	}
	j.recordStateSize()
	return j.flush()
}

func (j *Join) flush() error {
	n := len(j.kinds)
	if n == 0 {
		return nil
	}
	ob := &types.Batch{Cols: make([]*types.Vector, len(j.outVecs)), Len: n}
	for c, v := range j.outVecs {
		ov := types.NewVector(v.Type, n)
		ov.AppendRange(v, 0, n)
		ob.Cols[c] = ov
	}
	for _, k := range j.kinds {
		if k != types.Insert {
			ob.Kinds = append([]types.RowKind(nil), j.kinds...)
			break
		}
	}
	j.resetOutput()
	return j.out.Emit(ob)
}

func (j *Join) processRow(s int, b *types.Batch, r int) error {
	if j.jt == SemiJoin || j.jt == AntiJoin {
		return j.processSemi(s, b, r)
	}
	o := 1 - s
	kind := b.Kind(r)
	acc := kind.IsAccumulate()
	for _, c := range j.keys[s] {
		if b.Cols[c].IsNull(r) {
			if j.outer[s] {
				k := types.Delete
				if acc {
					k = types.Insert
				}
				j.emitPadded(s, b.Cols, r, k)
			}
			return nil
		}
	}
	if err := j.setRow(s, b, r); err != nil {
		return err
	}
	var matched int64
	for c, m := range j.match {
		if m {
			matched += j.candCount[c]
		}
	}
	if acc {
		outKind := kind
		if j.outer[o] {
			outKind = types.Insert
			if err := j.updateAssociations(o, 1); err != nil {
				return err
			}
		}
		if j.outer[s] {
			outKind = types.Insert
			if matched == 0 {
				j.emitPadded(s, b.Cols, r, types.Insert)
			}
		}
		j.emitJoined(s, b, r, outKind)
		return j.addRecord(s, matched)
	}
	if err := j.retractRecord(s); err != nil {
		return err
	}
	if matched == 0 {
		if j.outer[s] {
			j.emitPadded(s, b.Cols, r, types.Delete)
		}
		return nil
	}
	outKind := kind
	if j.outer[s] {
		outKind = types.Delete
	}
	j.emitJoined(s, b, r, outKind)
	if j.outer[o] {
		return j.updateAssociations(o, -1)
	}
	return nil
}

// processSemi is processRow for semi and anti joins: a left row is emitted
// (left columns only) while it has at least one match (semi) or none
// (anti); each left row's number of matches is kept as its associations, so
// a right row that gives a left row its first match, or takes its last,
// flips that row in or out of the result.
func (j *Join) processSemi(s int, b *types.Batch, r int) error {
	anti := j.jt == AntiJoin
	acc := b.Kind(r).IsAccumulate()
	for _, c := range j.keys[s] {
		if b.Cols[c].IsNull(r) {
			if s == 0 && anti { // a NULL key matches nothing
				k := types.Delete
				if acc {
					k = types.Insert
				}
				j.emitLeft(b.Cols, r, k)
			}
			return nil
		}
	}
	if err := j.setRow(s, b, r); err != nil {
		return err
	}
	var matched int64
	for c, m := range j.match {
		if m {
			matched += j.candCount[c]
		}
	}
	if s == 0 {
		if acc {
			if (matched > 0) != anti {
				j.emitLeft(b.Cols, r, types.Insert)
			}
			return j.addRecord(0, matched)
		}
		if err := j.retractRecord(0); err != nil {
			return err
		}
		if (matched > 0) != anti {
			j.emitLeft(b.Cols, r, types.Delete)
		}
		return nil
	}
	// A right row changes the matches of the left rows it matches.
	delta := int64(1)
	if !acc {
		delta = -1
	}
	for c, m := range j.match {
		if !m {
			continue
		}
		a := j.candAssoc[c]
		// The first match makes a semi row appear (an anti row vanish); the
		// last one going does the opposite.
		if first, last := delta > 0 && a == 0, delta < 0 && a == 1; first || last {
			k := types.Insert
			if first == anti {
				k = types.Delete
			}
			for range j.candCount[c] {
				j.emitLeft(j.cand[0], c, k)
			}
		}
		if err := j.rows[0].Put(j.candKey(c), j.encodeVal(j.candCount[c], max(a+delta, 0), j.candT(c))); err != nil {
			return err
		}
	}
	if acc {
		return j.addRecord(1, 0)
	}
	return j.retractRecord(1)
}

// emitLeft emits row r of the left columns cols (semi and anti joins).
func (j *Join) emitLeft(cols []*types.Vector, r int, k types.RowKind) {
	for i, v := range cols {
		j.outVecs[i].AppendFrom(v, r)
	}
	j.kinds = append(j.kinds, k)
}

// setRow makes row r of side s the current row: its key, the other side's
// candidates and which of them match, its stored form and time.
func (j *Join) setRow(s int, b *types.Batch, r int) error {
	j.curKG = runtime.KeyGroupOf(runtime.HashKey(b.Cols, j.keys[s], r), j.maxPar)
	j.curKey = append(j.curKey[:0], j.keyEnc[s].encode(b, r)...)
	j.backend.SetCurrentKey(j.curKG, j.curKey)
	if err := j.loadCandidates(1 - s); err != nil {
		return err
	}
	if err := j.evalMatches(s, b, r); err != nil {
		return err
	}
	j.rowKey = j.rowKey[:0]
	if j.interval != nil {
		tc := j.interval.LeftTime
		if s == 1 {
			tc = j.interval.RightTime
		}
		j.curTime = floorDiv(b.Cols[tc].Ints[r], 1000)
		j.rowKey = appendTimeKey(j.rowKey, j.curTime)
	}
	j.rowKey = append(j.rowKey, j.rowEnc[s].encode(b, r)...)
	return nil
}

// deadline is the watermark (as a window end, µs, rounded up to the next
// second so rows share index entries) at which a row of side s with time t
// (ms) can no longer match; ok is false without the bound for that side.
func (j *Join) deadline(s int, t int64) (int64, bool) {
	var dead int64 // the row is dead once the watermark is >= dead
	switch {
	case s == 0 && j.interval.HasLower:
		dead = t - j.interval.Lower + 1
	case s == 1 && j.interval.HasUpper:
		dead = t + j.interval.Upper + 1
	default:
		return 0, false
	}
	end := dead + 1 // fired(end) ⇔ watermark >= end - 1
	if r := end % 1000; r != 0 {
		end += 1000 - r
		if r < 0 {
			end -= 1000
		}
	}
	return end * 1000, true
}

// cleanup drops the rows of the current key that can no longer match at
// watermark wm and schedules the key again for the earliest remaining
// deadline. Entries begin with their time and a side's deadline grows with
// it, so the dead rows are the entries below liveFrom; those below the
// bound of the key's previous cleanup (cleaned) are gone already, so only
// the range in between is visited and deleted — never the deletions of
// earlier cleanups, which Pebble would otherwise step over every time. The
// first live entry (Pebble iterates in order; the heap visits them all)
// gives the next deadline.
func (j *Join) cleanup(kg int, key []byte, wm int64) error {
	j.backend.SetCurrentKey(kg, key)
	next := int64(1<<63 - 1)
	for s := range 2 {
		t, ok := j.liveFrom(s, wm)
		if !ok {
			continue // this side's rows never expire
		}
		var from []byte
		lo := j.cleaned[s][string(key)]
		if lo != nil {
			j.loBuf = appendTimeKey(j.loBuf[:0], *lo)
			from = j.loBuf
		}
		j.fromBuf = appendTimeKey(j.fromBuf[:0], t)
		if lo == nil || *lo < t {
			if err := j.rows[s].RemoveRange(from, j.fromBuf); err != nil {
				return err
			}
		}
		var derr error
		err := j.rows[s].IterateFrom(j.fromBuf, func(k, v []byte) bool {
			if len(v) != 24 {
				derr = fmt.Errorf("%w: interval join row entry of %d bytes", errCorruptState, len(v))
				return false
			}
			if d, ok := j.deadline(s, int64(binary.LittleEndian.Uint64(v[16:]))); ok {
				next = min(next, d)
			}
			return !j.ordered // in time order the first entry has the earliest deadline
		})
		if err == nil {
			err = derr
		}
		if err != nil {
			return err
		}
		switch {
		case lo != nil:
			*lo = max(*lo, t)
		case len(j.cleaned[s]) >= maxCleanedKeys:
			clear(j.cleaned[s]) // bounded memory: keys are scanned whole once more
			fallthrough
		default:
			j.cleaned[s][string(key)] = &t
		}
	}
	if next != 1<<63-1 {
		j.timers.schedule(next, kg, key)
	}
	return nil
}

// loadCandidates decodes side o's rows under the current key. An inner
// join remembers them for the rest of the input batch (candMemo): a batch
// comes from one input and an inner join changes only that side's rows, so
// the other side's rows under a key stay what they were, and further rows
// of the key (a hot key's) decode them from memory instead of iterating the
// state again.
func (j *Join) loadCandidates(o int) error {
	for _, v := range j.cand[o] {
		v.Reset()
	}
	j.candCount, j.candAssoc, j.candEnds, j.candArena = j.candCount[:0], j.candAssoc[:0], j.candEnds[:0], j.candArena[:0]
	j.candTime = j.candTime[:0]
	memo := j.jt == InnerJoin
	var h uint64
	if memo {
		h = memoHash(j.curKey)
		if i, ok := j.candMemo[h]; ok {
			m := j.memoSpans[i]
			if string(j.memoArena[m.key:m.entries]) == string(j.curKey) {
				return j.replayCandidates(o, j.memoArena[m.entries:m.end])
			}
		}
	}
	var derr error
	var from []byte
	if j.interval != nil {
		if t, ok := j.liveFrom(o, j.wm); ok {
			j.fromBuf = appendTimeKey(j.fromBuf[:0], t)
			from = j.fromBuf
		}
	}
	start := len(j.memoArena)
	if memo {
		j.memoArena = append(j.memoArena, j.curKey...)
	}
	entries := len(j.memoArena)
	err := j.rows[o].IterateFrom(from, func(k, v []byte) bool {
		if memo {
			j.memoArena = binary.AppendUvarint(j.memoArena, uint64(len(k)))
			j.memoArena = append(j.memoArena, k...)
			j.memoArena = append(j.memoArena, v...) // valLen bytes
		}
		derr = j.addCandidate(o, k, v)
		return derr == nil
	})
	if err == nil && derr != nil {
		err = fmt.Errorf("operators: join %s: the state does not match the joined tables (or is corrupt): %w", j.ctx.OperatorID, derr)
	}
	switch {
	case err != nil || !memo:
	case len(j.memoArena)-start > maxMemoBytes:
		j.memoArena = j.memoArena[:start] // too large to copy for every batch
	default:
		j.candMemo[h] = int32(len(j.memoSpans))
		j.memoSpans = append(j.memoSpans, memoSpan{key: int32(start), entries: int32(entries), end: int32(len(j.memoArena))})
	}
	return err
}

// maxMemoBytes bounds the stored rows of one key that candMemo keeps.
const maxMemoBytes = 64 << 10

// memoSpan locates one key's remembered rows in memoArena: the key at
// [key, entries), then { uvarint len(k), k, v }* up to end.
type memoSpan struct{ key, entries, end int32 }

// resetMemo forgets the candidates remembered for the previous batch.
func (j *Join) resetMemo() {
	clear(j.candMemo)
	j.memoSpans, j.memoArena = j.memoSpans[:0], j.memoArena[:0]
}

// memoHash is FNV-1a over the encoded key.
func memoHash(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// replayCandidates decodes remembered entries as loadCandidates does.
func (j *Join) replayCandidates(o int, rest []byte) error {
	n := j.valLen()
	for len(rest) > 0 {
		l, w := binary.Uvarint(rest)
		if w <= 0 || uint64(len(rest)-w) < l+uint64(n) {
			return fmt.Errorf("operators: join %s: %w: remembered candidates", j.ctx.OperatorID, errCorruptState)
		}
		k := rest[w : w+int(l)]
		v := rest[w+int(l) : w+int(l)+n]
		rest = rest[w+int(l)+n:]
		if err := j.addCandidate(o, k, v); err != nil {
			return fmt.Errorf("operators: join %s: the state does not match the joined tables (or is corrupt): %w", j.ctx.OperatorID, err)
		}
	}
	return nil
}

// addCandidate decodes one stored row (k, v) of side o into the candidates.
func (j *Join) addCandidate(o int, k, v []byte) error {
	skip := 0
	if j.interval != nil {
		skip = 8
	}
	if len(v) != j.valLen() || len(k) < skip {
		return fmt.Errorf("%w: join row entry of %d bytes", errCorruptState, len(v))
	}
	rest := k[skip:]
	var err error
	for _, vec := range j.cand[o] {
		if rest, err = decodeKeyValue(vec, rest); err != nil {
			return err
		}
	}
	j.candCount = append(j.candCount, int64(binary.LittleEndian.Uint64(v)))
	j.candAssoc = append(j.candAssoc, int64(binary.LittleEndian.Uint64(v[8:])))
	if j.interval != nil {
		j.candTime = append(j.candTime, int64(binary.LittleEndian.Uint64(v[16:])))
	}
	j.candArena = append(j.candArena, k...)
	j.candEnds = append(j.candEnds, int32(len(j.candArena)))
	return nil
}

// evalMatches sets j.match[c] for every candidate c of the other side.
func (j *Join) evalMatches(s int, b *types.Batch, r int) error {
	n := len(j.candCount)
	j.match = j.match[:0]
	for range n {
		j.match = append(j.match, j.ev == nil)
	}
	if j.ev == nil || n == 0 {
		return nil
	}
	o := 1 - s
	eb := &j.evalBatch
	eb.Len, eb.Kinds = n, nil
	eb.Cols = eb.Cols[:0]
	side := func(x int) {
		if x == o {
			eb.Cols = append(eb.Cols, j.cand[o]...)
			return
		}
		for i, c := range b.Cols {
			v := j.bcast[x][i]
			v.Reset()
			for range n {
				v.AppendFrom(c, r)
			}
			eb.Cols = append(eb.Cols, v)
		}
	}
	side(0)
	side(1)
	res, err := j.ev.Eval(eb)
	if err != nil {
		return err
	}
	for c := range n {
		j.match[c] = res.Bools[c] && !res.IsNull(c)
	}
	return nil
}

// candKey returns the stored row key of candidate c.
func (j *Join) candKey(c int) []byte {
	start := int32(0)
	if c > 0 {
		start = j.candEnds[c-1]
	}
	return j.candArena[start:j.candEnds[c]]
}

// updateAssociations adds delta to the associations of every matched row of
// outer side o, emitting -D[null, o] when one goes from 0 to 1 and
// +I[null, o] when one goes from 1 to 0 (once per duplicate).
func (j *Join) updateAssociations(o int, delta int64) error {
	for c, m := range j.match {
		if !m {
			continue
		}
		a := j.candAssoc[c]
		switch {
		case delta > 0 && a == 0:
			for range j.candCount[c] {
				j.emitPadded(o, j.cand[o], c, types.Delete)
			}
		case delta < 0 && a == 1:
			for range j.candCount[c] {
				j.emitPadded(o, j.cand[o], c, types.Insert)
			}
		}
		if err := j.rows[o].Put(j.candKey(c), j.encodeVal(j.candCount[c], max(a+delta, 0), j.candT(c))); err != nil {
			return err
		}
	}
	return nil
}

func (j *Join) encodeVal(count, assoc, t int64) []byte {
	binary.LittleEndian.PutUint64(j.val[:8], uint64(count))
	binary.LittleEndian.PutUint64(j.val[8:], uint64(assoc))
	if j.interval == nil {
		return j.val[:16]
	}
	binary.LittleEndian.PutUint64(j.val[16:], uint64(t))
	return j.val[:24]
}

// valLen is the length of a stored row's value.
func (j *Join) valLen() int {
	if j.interval == nil {
		return 16
	}
	return 24
}

// candT is candidate c's time (interval joins).
func (j *Join) candT(c int) int64 {
	if j.interval == nil {
		return 0
	}
	return j.candTime[c]
}

// addRecord stores the current row of side s once more, with assoc
// associations. An interval join does not store a row the watermark has
// already made unmatchable (it joined what it could find; nothing that
// arrives later can match it), so every stored row's time is at or above
// the bound of its key's last cleanup.
func (j *Join) addRecord(s int, assoc int64) error {
	if j.interval != nil {
		if t, ok := j.liveFrom(s, j.wm); ok && j.curTime < t {
			return nil
		}
	}
	v, ok, err := j.rows[s].Get(j.rowKey)
	if err != nil {
		return err
	}
	count := int64(1)
	if ok && len(v) == j.valLen() {
		count += int64(binary.LittleEndian.Uint64(v))
	}
	if err := j.rows[s].Put(j.rowKey, j.encodeVal(count, assoc, j.curTime)); err != nil {
		return err
	}
	if j.interval != nil {
		if d, ok := j.deadline(s, j.curTime); ok {
			j.timers.schedule(d, j.curKG, j.curKey)
		}
	}
	return nil
}

// retractRecord removes one occurrence of the current row of side s.
func (j *Join) retractRecord(s int) error {
	v, ok, err := j.rows[s].Get(j.rowKey)
	if err != nil || !ok || len(v) != j.valLen() {
		return err
	}
	count := int64(binary.LittleEndian.Uint64(v)) - 1
	if count <= 0 {
		return j.rows[s].Remove(j.rowKey)
	}
	var t int64
	if j.interval != nil {
		t = int64(binary.LittleEndian.Uint64(v[16:]))
	}
	return j.rows[s].Put(j.rowKey, j.encodeVal(count, int64(binary.LittleEndian.Uint64(v[8:])), t))
}

// emitJoined emits [input row r of side s ⋈ candidate c] for every matched
// candidate, once per duplicate.
func (j *Join) emitJoined(s int, b *types.Batch, r int, k types.RowKind) {
	o := 1 - s
	nl := len(j.types[0])
	for c, m := range j.match {
		if !m {
			continue
		}
		for range j.candCount[c] {
			for side := range 2 {
				off := 0
				if side == 1 {
					off = nl
				}
				if side == s {
					for i, v := range b.Cols {
						j.outVecs[off+i].AppendFrom(v, r)
					}
				} else {
					for i, v := range j.cand[o] {
						j.outVecs[off+i].AppendFrom(v, c)
					}
				}
			}
			j.kinds = append(j.kinds, k)
		}
	}
}

// emitPadded emits row r of cols (side s's columns) with NULLs for the
// other side.
func (j *Join) emitPadded(s int, cols []*types.Vector, r int, k types.RowKind) {
	nl := len(j.types[0])
	for side := range 2 {
		off := 0
		if side == 1 {
			off = nl
		}
		for i := range j.types[side] {
			if side == s {
				j.outVecs[off+i].AppendFrom(cols[i], r)
			} else {
				j.outVecs[off+i].AppendNull()
			}
		}
	}
	j.kinds = append(j.kinds, k)
}

// ProcessWatermark drops, in an interval join, the rows the watermark has
// made unmatchable, then forwards the watermark.
func (j *Join) ProcessWatermark(wm int64) error {
	// The final watermark (every input ended) frees nothing worth the work:
	// no row can arrive to match the stored ones, cleanup emits nothing,
	// and a restore from a later checkpoint reschedules every key (Open).
	if j.interval != nil && wm != runtime.MaxWatermark {
		j.wm = wm
		if err := j.timers.fireDue(wm, func(kg int, key []byte) error {
			return j.cleanup(kg, slices.Clone(key), wm)
		}); err != nil {
			return err
		}
		j.recordStateSize()
	}
	return j.out.EmitWatermark(wm)
}

// SnapshotState returns nil: the rows are in the keyed state backend.
func (j *Join) SnapshotState(int64) ([]byte, error) { return nil, nil }

func (j *Join) NotifyCheckpointComplete(int64) error { return nil }
func (j *Join) Finish() error                        { return nil }

// Close closes the backend when Open created it.
func (j *Join) Close() error {
	return j.closeBackend()
}
