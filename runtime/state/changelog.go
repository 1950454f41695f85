package state

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// The changelog backend (Flink's `state.backend.changelog.enabled`,
// "generic log-based incremental checkpoints").
//
// ChangelogBackend wraps a heap or Pebble backend. Every state change the
// task makes is applied to the wrapped backend and also appended to an
// in-memory log. A checkpoint then uploads only the log written since the
// last completed checkpoint (one small "segment" file in shared/, without
// the changes later ones in it make redundant: changelogcompact.go) and
// references the earlier segments and a materialized base: a native
// snapshot of the wrapped backend taken at an earlier checkpoint, stored in
// shared/ too. Checkpoints stay fast and small whatever the size of the
// state, which is what lets a job checkpoint every second to object
// storage. From time to time a checkpoint materializes instead: it takes
// the wrapped backend's own snapshot (heap: a full file; Pebble: its
// incremental SST upload) as the new base, and later checkpoints log from
// there. A checkpoint materializes when
//
//   - `state.backend.changelog.periodic-materialize.interval` (Flink's
//     default 10 min) passed since the last materialization, or
//   - the segments since the base add up to more than three times the base
//     (and at least ChangelogMinMaterializeBytes), which bounds the bytes
//     a restore replays and the storage the lineage holds to a few times
//     the state, or
//   - it is the first checkpoint after a restore (the restored base may
//     belong to other subtasks), or a materialization that is still in
//     flight (written but not known to be complete) could make the
//     checkpoint layer delete the base this one would reference.
//
// Savepoints always materialize and return the wrapped backend's own
// handle (native or canonical, self-contained), so a savepoint never
// depends on checkpoint files.
//
// A restore loads the base into the wrapped backend and replays the
// segments in order, lazily, at the first state access (SetCurrentKey,
// Keys or Snapshot), after the operator registered its states: reducing
// and aggregating changes are replayed as the Add and MergeAccumulator
// calls they were (their functions are deterministic). Key groups outside
// the backend's range are skipped, so changelog checkpoints rescale like
// native ones. With TTL the log records the time of each change and the
// replay writes with that time, so entries expire when they would have.
//
// Log records (segment format, version 1: magic "FGCL", version byte, the
// time of the checkpoint's synchronous phase (ms), then records; integers
// uvarint, "bytes" a uvarint length and the bytes):
//
//	'S' id, kind byte, name bytes      declares a state (before its first use)
//	'K' key group, key bytes           the key of the following changes
//	'T' time ms                        the write time of the following changes
//	'u' id, value                      ValueState.Update
//	'c' id                             Clear (any kind)
//	'a' id, value                      ListState.Add, Reducing/AggregatingState.Add
//	'l' id, count, values              ListState.Update
//	'L' id, count, values              ListState.AddAll
//	'p' id, map key, value             MapState.Put
//	'r' id, map key                    MapState.Remove
//	'R' id, has-from byte, [from], to  MapState.RemoveRange
//	'm' id, accumulator                AggregatingState.MergeAccumulator
//
// Every segment's size and CRC-32C are in the handle; a restore checks them.

// ChangelogMinMaterializeBytes is the least log size (bytes since the
// base) that triggers a size-based materialization.
const ChangelogMinMaterializeBytes = 32 << 20

// ChangelogMaxLogBytes is the default ChangelogOptions.MaxLogBytes.
const ChangelogMaxLogBytes = 256 << 20

// DefaultMaterializeInterval is Flink's default for
// state.backend.changelog.periodic-materialize.interval.
const DefaultMaterializeInterval = 10 * time.Minute

// ChangelogOptions configure NewChangelogBackend.
type ChangelogOptions struct {
	// MaterializeInterval: 0 means DefaultMaterializeInterval.
	MaterializeInterval time.Duration
	// MinMaterializeBytes: 0 means ChangelogMinMaterializeBytes.
	MinMaterializeBytes int64
	// MaxLogBytes bounds the log held in memory for checkpoints that do
	// not complete: past it, checkpoints materialize until one completes
	// and the older log is dropped. 0 means ChangelogMaxLogBytes.
	MaxLogBytes int64
	// Disabled wraps only to restore a changelog checkpoint into a job that
	// runs without the changelog: nothing is logged, and every snapshot
	// is the wrapped backend's own.
	Disabled bool
	// chunk is the log's chunk size (tests); 0 means changelogChunk.
	chunk int
}

// ChangelogBackend is a KeyedBackend that logs state changes; see above.
// The package's contracts apply unchanged: one task goroutine, Pending.Write
// on any goroutine.
type ChangelogBackend struct {
	inner    KeyedBackend
	cfg      Config
	opts     ChangelogOptions
	now      func() int64 // real clock (ms)
	instance string       // names this instance's files in shared/
	logging  bool

	// Task goroutine only.
	states     map[string]*clState
	byID       []*clState
	kg         int
	key        []byte
	keyLogged  bool
	anyTTL     bool
	lastTime   int64 // time of the last 'T' record (TTL only)
	epoch      uint64
	rec        []byte // record being encoded
	replayErr  error
	replay     []restoredSegment // segments to replay at first use
	replayTime int64             // clock the wrapped backend sees during replay
	replaying  bool
	clockFloor int64 // the wrapped backend's clock never reads below it
	replayKG   int
	replayKey  []byte
	deferred   map[string][]deferredChange // by state name
	restored   bool
	touched    bool
	seq        int
	log        changelogLog
	logBytes   atomic.Int64 // memory the log holds (SizeBytes), updated per chunk

	mu        sync.Mutex // guards what Pending.Write and Notify share
	confirmed lineage    // the state as of the last completed checkpoint
	pendings  map[int64]*clPending
	// materializing is the newest checkpoint that materialized and is not
	// yet known complete or abandoned (0: none).
	materializing   int64
	needMaterialize bool
	lastMaterialize int64 // ms
}

// clState is a state as the changelog backend knows it.
type clState struct {
	id       int
	name     string
	kind     Kind
	ttl      bool
	declared uint64 // epoch it was last declared in the log
	value    ValueState
	list     ListState
	mp       MapState
	red      ReducingState
	agg      AggregatingState
}

// lineage is what a checkpoint's changelog handle references.
type lineage struct {
	baseID   int64     // checkpoint the base was materialized for (0: no base)
	base     []FileRef // the base's files (stored in shared/)
	baseSize int64
	segs     []FileRef // segments after the base, in order
	segBytes int64
	logEnd   int64 // log offset the lineage covers up to
}

// NewChangelogBackend wraps inner (a new, not yet restored heap or Pebble
// backend created with cfg) in a changelog backend; NewChangelogOver also
// gives inner the clock a replay controls (TTL times of replayed changes).
// The changelog backend owns inner: Close closes it.
func NewChangelogBackend(inner KeyedBackend, cfg Config, opts ChangelogOptions) (*ChangelogBackend, error) {
	if opts.MaterializeInterval <= 0 {
		opts.MaterializeInterval = DefaultMaterializeInterval
	}
	if opts.MinMaterializeBytes <= 0 {
		opts.MinMaterializeBytes = ChangelogMinMaterializeBytes
	}
	if opts.MaxLogBytes <= 0 {
		opts.MaxLogBytes = ChangelogMaxLogBytes
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	b := &ChangelogBackend{
		inner: inner, cfg: cfg, opts: opts, now: cfg.clock(), logging: !opts.Disabled,
		instance: fmt.Sprintf("%s-%d-%s", fileSafe(cfg.OperatorID), cfg.Subtask, hex.EncodeToString(rnd[:])),
		states:   map[string]*clState{}, kg: -1, epoch: 1,
		pendings: map[int64]*clPending{},
	}
	b.lastMaterialize = b.now()
	b.log.chunk = opts.chunk
	return b, nil
}

// fileSafe keeps the characters of s that are safe in a file name.
func fileSafe(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(out) < 16; i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return "op"
	}
	return string(out)
}

// changelogClock is the wrapped backend's clock (NewChangelogOver): the
// real clock, except while a restore replays logged changes, when it is
// the time the change was made, and never below the restored checkpoint's
// time.
type changelogClock struct {
	b    atomic.Pointer[ChangelogBackend]
	real func() int64
}

func (c *changelogClock) now() int64 {
	b := c.b.Load()
	if b != nil && b.replaying {
		return b.replayTime
	}
	t := c.real()
	if b != nil && t < b.clockFloor {
		return b.clockFloor
	}
	return t
}

// NewChangelogOver creates the wrapped backend of type t with a clock the
// changelog replay controls, and wraps it.
func NewChangelogOver(t BackendType, cfg Config, opts ChangelogOptions) (*ChangelogBackend, error) {
	clk := &changelogClock{real: cfg.clock()}
	icfg := cfg
	icfg.Clock = clk.now
	inner, err := NewBackend(t, icfg)
	if err != nil {
		return nil, err
	}
	b, err := NewChangelogBackend(inner, cfg, opts)
	if err != nil {
		inner.Close()
		return nil, err
	}
	clk.b.Store(b)
	return b, nil
}

// Type implements KeyedBackend: the wrapped backend's type (the changelog
// is a layer over it, as in Flink).
func (b *ChangelogBackend) Type() BackendType { return b.inner.Type() }

// KeyGroupRange implements KeyedBackend.
func (b *ChangelogBackend) KeyGroupRange() (int, int) { return b.inner.KeyGroupRange() }

// SizeBytes implements KeyedBackend: the wrapped state plus the log held in
// memory.
func (b *ChangelogBackend) SizeBytes() int64 { return b.inner.SizeBytes() + b.logBytes.Load() }

// Close implements KeyedBackend.
func (b *ChangelogBackend) Close() error {
	b.log = changelogLog{chunk: b.opts.chunk}
	b.logBytes.Store(0)
	b.replay = nil
	return b.inner.Close()
}

func (b *ChangelogBackend) register(d Descriptor, kind Kind) (*clState, error) {
	b.touched = true
	s := b.states[d.Name]
	if s == nil {
		s = &clState{id: len(b.byID), name: d.Name, kind: kind}
		b.states[d.Name] = s
		b.byID = append(b.byID, s)
	} else if s.kind != kind {
		return nil, kindMismatch(b.cfg.OperatorID, d.Name, s.kind, kind)
	}
	s.ttl = d.ttlMillis(b.cfg.TTL) > 0
	if s.ttl {
		b.anyTTL = true
	}
	return s, nil
}

// RegisterValue implements KeyedBackend.
func (b *ChangelogBackend) RegisterValue(d Descriptor) (ValueState, error) {
	in, err := b.inner.RegisterValue(d)
	if err != nil {
		return nil, err
	}
	s, err := b.register(d, KindValue)
	if err != nil {
		return nil, err
	}
	s.value = in
	return &clValue{b: b, s: s, in: in}, nil
}

// RegisterList implements KeyedBackend.
func (b *ChangelogBackend) RegisterList(d Descriptor) (ListState, error) {
	in, err := b.inner.RegisterList(d)
	if err != nil {
		return nil, err
	}
	s, err := b.register(d, KindList)
	if err != nil {
		return nil, err
	}
	s.list = in
	return &clList{b: b, s: s, in: in}, nil
}

// RegisterMap implements KeyedBackend.
func (b *ChangelogBackend) RegisterMap(d Descriptor) (MapState, error) {
	in, err := b.inner.RegisterMap(d)
	if err != nil {
		return nil, err
	}
	s, err := b.register(d, KindMap)
	if err != nil {
		return nil, err
	}
	s.mp = in
	return &clMap{b: b, s: s, in: in}, nil
}

// RegisterReducing implements KeyedBackend.
func (b *ChangelogBackend) RegisterReducing(d Descriptor, reduce ReduceFunc) (ReducingState, error) {
	in, err := b.inner.RegisterReducing(d, reduce)
	if err != nil {
		return nil, err
	}
	s, err := b.register(d, KindReducing)
	if err != nil {
		return nil, err
	}
	s.red = in
	if err := b.applyDeferred(s); err != nil {
		return nil, err
	}
	return &clReducing{b: b, s: s, in: in}, nil
}

// RegisterAggregating implements KeyedBackend.
func (b *ChangelogBackend) RegisterAggregating(d Descriptor, agg AggregateFuncs) (AggregatingState, error) {
	in, err := b.inner.RegisterAggregating(d, agg)
	if err != nil {
		return nil, err
	}
	s, err := b.register(d, KindAggregating)
	if err != nil {
		return nil, err
	}
	s.agg = in
	if err := b.applyDeferred(s); err != nil {
		return nil, err
	}
	return &clAggregating{b: b, s: s, in: in}, nil
}

// SetCurrentKey implements KeyedBackend.
func (b *ChangelogBackend) SetCurrentKey(keyGroup int, key []byte) {
	if b.replay != nil {
		b.replayLog()
	}
	b.touched = true
	b.kg = keyGroup
	b.key = append(b.key[:0], key...)
	b.keyLogged = false
	b.inner.SetCurrentKey(keyGroup, key)
}

// Keys implements KeyedBackend.
func (b *ChangelogBackend) Keys(stateName string, fn func(keyGroup int, key []byte) bool) error {
	if b.replay != nil {
		b.replayLog()
	}
	if b.replayErr != nil {
		return b.replayErr
	}
	return b.inner.Keys(stateName, fn)
}

// begin starts a record of op on s: it declares s and logs the key and
// time as needed. The caller appends the operands and calls end.
func (b *ChangelogBackend) begin(s *clState, op byte) {
	r := b.rec[:0]
	if s.declared != b.epoch {
		s.declared = b.epoch
		r = append(r, 'S')
		r = binary.AppendUvarint(r, uint64(s.id))
		r = append(r, byte(s.kind))
		r = appendStr(r, s.name)
	}
	if !b.keyLogged {
		b.keyLogged = true
		r = append(r, 'K')
		r = binary.AppendUvarint(r, uint64(b.kg))
		r = appendBytes(r, b.key)
	}
	if s.ttl {
		if t := b.now(); t != b.lastTime {
			b.lastTime = t
			r = append(r, 'T')
			r = binary.AppendUvarint(r, uint64(t))
		}
	}
	r = append(r, op)
	b.rec = binary.AppendUvarint(r, uint64(s.id))
}

func (b *ChangelogBackend) end() {
	if b.log.append(b.rec) {
		b.logBytes.Store(b.log.held) // on a new chunk only: not per change
	}
	if b.log.end-b.log.first > b.opts.MaxLogBytes {
		b.dropLog()
	}
}

// dropLog gives up the log when it outgrew MaxLogBytes (checkpoints are
// far apart or do not complete): every checkpoint materializes until one
// completes, so no later checkpoint needs it. Snapshots already taken keep
// their own view of it.
func (b *ChangelogBackend) dropLog() {
	b.mu.Lock()
	b.needMaterialize = true
	b.mu.Unlock()
	b.log.trim(b.log.end)
	b.logBytes.Store(b.log.held)
}

func (b *ChangelogBackend) logBytesOp(s *clState, op byte, v []byte) {
	if !b.logging {
		return
	}
	b.begin(s, op)
	b.rec = appendBytes(b.rec, v)
	b.end()
}

func (b *ChangelogBackend) logOp(s *clState, op byte) {
	if !b.logging {
		return
	}
	b.begin(s, op)
	b.end()
}

func (b *ChangelogBackend) logList(s *clState, op byte, vs [][]byte) {
	if !b.logging {
		return
	}
	b.begin(s, op)
	b.rec = binary.AppendUvarint(b.rec, uint64(len(vs)))
	for _, v := range vs {
		b.rec = appendBytes(b.rec, v)
	}
	b.end()
}

// changelogLog is the log of changes since the last completed checkpoint,
// in chunks that never move once written: appends go to the last chunk
// within its capacity, so a snapshot's view of earlier bytes stays valid
// (and unchanged) while the task keeps appending.
type changelogLog struct {
	chunk  int // 0: changelogChunk
	chunks [][]byte
	starts []int64 // absolute offset of each chunk
	first  int64   // absolute offset of chunks[0]
	end    int64   // absolute end
	held   int64   // the chunks' capacity: the memory the log holds
}

const changelogChunk = 1 << 20

// append adds rec; it reports whether it started a chunk.
func (l *changelogLog) append(rec []byte) bool {
	n := len(l.chunks)
	grew := false
	if n == 0 || len(l.chunks[n-1])+len(rec) > cap(l.chunks[n-1]) {
		grew = true
		c := changelogChunk
		if l.chunk > 0 {
			c = l.chunk
		}
		if len(rec) > c {
			c = len(rec)
		}
		l.chunks = append(l.chunks, make([]byte, 0, c))
		l.starts = append(l.starts, l.end)
		l.held += int64(c)
		n++
	}
	l.chunks[n-1] = append(l.chunks[n-1], rec...)
	l.end += int64(len(rec))
	return grew
}

// view returns the bytes [from, to) as slices of the chunks (from must not
// be before first).
func (l *changelogLog) view(from, to int64) [][]byte {
	var out [][]byte
	for i, c := range l.chunks {
		s := l.starts[i]
		e := s + int64(len(c))
		if e <= from || s >= to {
			continue
		}
		lo, hi := max(from, s)-s, min(to, e)-s
		out = append(out, c[lo:hi:hi])
	}
	return out
}

// trim drops the chunks that end at or before off.
func (l *changelogLog) trim(off int64) {
	k := 0
	for k < len(l.chunks) && l.starts[k]+int64(len(l.chunks[k])) <= off && k < len(l.chunks)-1 {
		k++
	}
	if k == 0 {
		return
	}
	l.chunks = append(l.chunks[:0:0], l.chunks[k:]...)
	l.starts = append(l.starts[:0:0], l.starts[k:]...)
	l.first = l.starts[0]
	l.held = 0
	for _, c := range l.chunks {
		l.held += int64(cap(c))
	}
}

// The state handles: each change goes to the wrapped backend first, and
// is logged only when it succeeded.

type clValue struct {
	b  *ChangelogBackend
	s  *clState
	in ValueState
}

func (v *clValue) Value() ([]byte, bool, error) {
	if err := v.b.replayErr; err != nil {
		return nil, false, err
	}
	return v.in.Value()
}
func (v *clValue) Update(x []byte) error {
	if err := v.b.replayErr; err != nil {
		return err
	}
	if err := v.in.Update(x); err != nil {
		return err
	}
	v.b.logBytesOp(v.s, 'u', x)
	return nil
}
func (v *clValue) Clear() error {
	if err := v.b.replayErr; err != nil {
		return err
	}
	if err := v.in.Clear(); err != nil {
		return err
	}
	v.b.logOp(v.s, 'c')
	return nil
}

type clList struct {
	b  *ChangelogBackend
	s  *clState
	in ListState
}

func (l *clList) Get(fn func(v []byte) bool) error {
	if err := l.b.replayErr; err != nil {
		return err
	}
	return l.in.Get(fn)
}
func (l *clList) Add(v []byte) error {
	if err := l.b.replayErr; err != nil {
		return err
	}
	if err := l.in.Add(v); err != nil {
		return err
	}
	l.b.logBytesOp(l.s, 'a', v)
	return nil
}
func (l *clList) AddAll(vs [][]byte) error {
	if err := l.b.replayErr; err != nil {
		return err
	}
	if err := l.in.AddAll(vs); err != nil {
		return err
	}
	l.b.logList(l.s, 'L', vs)
	return nil
}
func (l *clList) Update(vs [][]byte) error {
	if err := l.b.replayErr; err != nil {
		return err
	}
	if err := l.in.Update(vs); err != nil {
		return err
	}
	l.b.logList(l.s, 'l', vs)
	return nil
}
func (l *clList) Clear() error {
	if err := l.b.replayErr; err != nil {
		return err
	}
	if err := l.in.Clear(); err != nil {
		return err
	}
	l.b.logOp(l.s, 'c')
	return nil
}

type clMap struct {
	b  *ChangelogBackend
	s  *clState
	in MapState
}

func (m *clMap) Get(k []byte) ([]byte, bool, error) { return m.in.Get(k) }
func (m *clMap) Contains(k []byte) (bool, error)    { return m.in.Contains(k) }
func (m *clMap) Iterate(fn func(k, v []byte) bool) error {
	if err := m.b.replayErr; err != nil {
		return err
	}
	return m.in.Iterate(fn)
}
func (m *clMap) IterateFrom(from []byte, fn func(k, v []byte) bool) error {
	if err := m.b.replayErr; err != nil {
		return err
	}
	return m.in.IterateFrom(from, fn)
}
func (m *clMap) IsEmpty() (bool, error) {
	if err := m.b.replayErr; err != nil {
		return false, err
	}
	return m.in.IsEmpty()
}
func (m *clMap) Put(k, v []byte) error {
	if err := m.b.replayErr; err != nil {
		return err
	}
	if err := m.in.Put(k, v); err != nil {
		return err
	}
	b := m.b
	if b.logging {
		b.begin(m.s, 'p')
		b.rec = appendBytes(b.rec, k)
		b.rec = appendBytes(b.rec, v)
		b.end()
	}
	return nil
}
func (m *clMap) Remove(k []byte) error {
	if err := m.b.replayErr; err != nil {
		return err
	}
	if err := m.in.Remove(k); err != nil {
		return err
	}
	m.b.logBytesOp(m.s, 'r', k)
	return nil
}
func (m *clMap) RemoveRange(from, to []byte) error {
	if err := m.b.replayErr; err != nil {
		return err
	}
	if err := m.in.RemoveRange(from, to); err != nil {
		return err
	}
	b := m.b
	if b.logging {
		b.begin(m.s, 'R')
		if from == nil {
			b.rec = append(b.rec, 0)
		} else {
			b.rec = append(b.rec, 1)
			b.rec = appendBytes(b.rec, from)
		}
		b.rec = appendBytes(b.rec, to)
		b.end()
	}
	return nil
}
func (m *clMap) Clear() error {
	if err := m.b.replayErr; err != nil {
		return err
	}
	if err := m.in.Clear(); err != nil {
		return err
	}
	m.b.logOp(m.s, 'c')
	return nil
}

type clReducing struct {
	b  *ChangelogBackend
	s  *clState
	in ReducingState
}

func (r *clReducing) Get() ([]byte, bool, error) {
	if err := r.b.replayErr; err != nil {
		return nil, false, err
	}
	return r.in.Get()
}
func (r *clReducing) Add(v []byte) error {
	if err := r.b.replayErr; err != nil {
		return err
	}
	if err := r.in.Add(v); err != nil {
		return err
	}
	r.b.logBytesOp(r.s, 'a', v)
	return nil
}
func (r *clReducing) Clear() error {
	if err := r.b.replayErr; err != nil {
		return err
	}
	if err := r.in.Clear(); err != nil {
		return err
	}
	r.b.logOp(r.s, 'c')
	return nil
}

type clAggregating struct {
	b  *ChangelogBackend
	s  *clState
	in AggregatingState
}

func (a *clAggregating) Get() ([]byte, bool, error) {
	if err := a.b.replayErr; err != nil {
		return nil, false, err
	}
	return a.in.Get()
}
func (a *clAggregating) Add(v []byte) error {
	if err := a.b.replayErr; err != nil {
		return err
	}
	if err := a.in.Add(v); err != nil {
		return err
	}
	a.b.logBytesOp(a.s, 'a', v)
	return nil
}
func (a *clAggregating) MergeAccumulator(acc []byte) error {
	if err := a.b.replayErr; err != nil {
		return err
	}
	if err := a.in.MergeAccumulator(acc); err != nil {
		return err
	}
	a.b.logBytesOp(a.s, 'm', acc)
	return nil
}
func (a *clAggregating) Clear() error {
	if err := a.b.replayErr; err != nil {
		return err
	}
	if err := a.in.Clear(); err != nil {
		return err
	}
	a.b.logOp(a.s, 'c')
	return nil
}
