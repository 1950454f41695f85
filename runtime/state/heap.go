package state

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// HeapBackend keeps keyed state in Go maps: per state, one map per key
// group from the key to an entry. Snapshots are copy-on-write at key-group
// granularity:
//
//   - every map (a key group's map, and the container of a list or map
//     state entry) carries the generation it was created in;
//   - Snapshot records the current maps of every state and key group (a
//     slice of pointers per state, no copying of entries) under generation g
//     and starts generation g+1;
//   - a write to a map whose generation is <= the newest generation a live
//     (not yet written or released) snapshot holds first clones the map, so
//     the snapshot's map is never modified; when no snapshot is live maps are
//     modified in place.
//
// Values are never modified in place: an update stores a new slice, so the
// snapshot writer can read them while the task goes on. List elements are
// only ever appended beyond the length any snapshot saw, or the list is
// replaced by a new slice.
type HeapBackend struct {
	cfg        Config
	start, end int
	now        func() int64

	states map[string]*heapState
	byID   []*heapState
	anyTTL bool

	restored bool // Restore was called
	touched  bool // a state was registered or a key set

	kgi     int    // current key group - start; -1 when no valid key is set
	keySeq  uint64 // bumped by SetCurrentKey: invalidates cached entries
	badKG   int    // the rejected key group when kgi is -1
	key     []byte
	keyBuf  []byte // scratch for Keys
	iterBuf []byte // scratch for MapState.Iterate

	gen     uint64        // current generation (>= 1)
	maxLive atomic.Uint64 // newest generation held by a live snapshot (0: none)
	mu      sync.Mutex    // guards live
	live    map[uint64]int

	size atomic.Int64 // approximate bytes

	sweepState, sweepKG int // TTL sweep cursor
	closed              bool
}

var _ KeyedBackend = (*HeapBackend)(nil)

// heapState is one registered (or restored) state.
type heapState struct {
	id         int
	name       string
	kind       Kind
	ttl        int64 // ms; 0 = never
	reduce     ReduceFunc
	agg        AggregateFuncs
	registered bool
	groups     []*kgMap // index: key group - start; nil until first write
}

// kgMap is one state's map for one key group.
type kgMap struct {
	gen uint64
	m   map[string]*entry
}

// entry is the state of one key. Value kinds use ts and v; list and map
// state use c.
type entry struct {
	ts int64
	v  []byte
	c  *container
	// gen is the generation the entry was created in: an entry of a frozen
	// generation may be shared with a live snapshot and is never modified
	// in place; a newer one is (so steady updates do not allocate).
	gen uint64
}

// container holds a list or a map for one key; copied on write like kgMap.
type container struct {
	gen  uint64
	list []listElem
	m    map[string]*mapVal
}

type listElem struct {
	ts int64
	v  []byte
}

type mapVal struct {
	gen uint64 // generation it was written in: frozen ones are never modified in place
	ts  int64
	v   []byte
}

// Approximate per-entry overheads for SizeBytes.
const (
	entryOverhead = 64
	elemOverhead  = 32
)

// NewHeapBackend creates a heap backend for one subtask.
func NewHeapBackend(cfg Config) (*HeapBackend, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &HeapBackend{
		cfg:    cfg,
		start:  cfg.KeyGroupStart,
		end:    cfg.KeyGroupEnd,
		now:    cfg.clock(),
		states: map[string]*heapState{},
		kgi:    -1,
		gen:    1,
		live:   map[uint64]int{},
	}, nil
}

// Type implements KeyedBackend.
func (b *HeapBackend) Type() BackendType { return BackendHeap }

// KeyGroupRange implements KeyedBackend.
func (b *HeapBackend) KeyGroupRange() (int, int) { return b.start, b.end }

// SizeBytes implements KeyedBackend.
func (b *HeapBackend) SizeBytes() int64 { return b.size.Load() }

// Close implements KeyedBackend.
func (b *HeapBackend) Close() error {
	b.closed = true
	b.kgi = -1
	b.states = nil
	b.byID = nil
	b.size.Store(0)
	return nil
}

// SetCurrentKey implements KeyedBackend.
func (b *HeapBackend) SetCurrentKey(keyGroup int, key []byte) {
	b.touched = true
	if keyGroup < b.start || keyGroup > b.end {
		b.kgi = -1
		b.key = append(b.key[:0], key...)
		b.badKG = keyGroup
		return
	}
	b.kgi = keyGroup - b.start
	b.key = append(b.key[:0], key...)
	b.keySeq++
}

// errNoKey is returned by state access without a valid current key.
func (b *HeapBackend) keyErr() error {
	if b.closed {
		return errClosed
	}
	return fmt.Errorf("state: operator %s: key group %d of the current key is outside this subtask's range [%d, %d] (or no key set)", b.cfg.OperatorID, b.badKG, b.start, b.end)
}

var errClosed = errors.New("state: backend is closed (or its restore failed)")

// register finds or creates the state name with kind.
func (b *HeapBackend) register(d Descriptor, kind Kind) (*heapState, error) {
	if b.closed {
		return nil, errClosed
	}
	if d.Name == "" {
		return nil, fmt.Errorf("state: operator %s: state name is empty", b.cfg.OperatorID)
	}
	b.touched = true
	s := b.states[d.Name]
	if s == nil {
		if len(b.byID) >= maxStates {
			return nil, fmt.Errorf("state: operator %s: more than %d states", b.cfg.OperatorID, maxStates)
		}
		s = &heapState{id: len(b.byID), name: d.Name, kind: kind, groups: make([]*kgMap, b.end-b.start+1)}
		b.states[d.Name] = s
		b.byID = append(b.byID, s)
	} else if s.kind != kind {
		return nil, kindMismatch(b.cfg.OperatorID, d.Name, s.kind, kind)
	}
	s.registered = true
	s.ttl = d.ttlMillis(b.cfg.TTL)
	if s.ttl > 0 {
		b.anyTTL = true
	}
	return s, nil
}

// maxStates bounds the number of states per backend (state ids are 16 bit
// in the Pebble key layout).
const maxStates = 1 << 16

func kindMismatch(op, name string, had, want Kind) error {
	return fmt.Errorf("state: operator %s: state %q is a %s state, cannot use it as %s", op, name, had, want)
}

// RegisterValue implements KeyedBackend.
func (b *HeapBackend) RegisterValue(d Descriptor) (ValueState, error) {
	s, err := b.register(d, KindValue)
	if err != nil {
		return nil, err
	}
	return &heapValue{b: b, s: s}, nil
}

// RegisterList implements KeyedBackend.
func (b *HeapBackend) RegisterList(d Descriptor) (ListState, error) {
	s, err := b.register(d, KindList)
	if err != nil {
		return nil, err
	}
	return &heapList{b: b, s: s}, nil
}

// RegisterMap implements KeyedBackend.
func (b *HeapBackend) RegisterMap(d Descriptor) (MapState, error) {
	s, err := b.register(d, KindMap)
	if err != nil {
		return nil, err
	}
	return &heapMap{b: b, s: s}, nil
}

// RegisterReducing implements KeyedBackend.
func (b *HeapBackend) RegisterReducing(d Descriptor, reduce ReduceFunc) (ReducingState, error) {
	if err := checkReduce(b.cfg.OperatorID, d.Name, reduce); err != nil {
		return nil, err
	}
	s, err := b.register(d, KindReducing)
	if err != nil {
		return nil, err
	}
	s.reduce = reduce
	return &foldingReducing{ValueState: &heapValue{b: b, s: s}, reduce: reduce}, nil
}

// RegisterAggregating implements KeyedBackend.
func (b *HeapBackend) RegisterAggregating(d Descriptor, agg AggregateFuncs) (AggregatingState, error) {
	if err := checkAggregate(b.cfg.OperatorID, d.Name, agg); err != nil {
		return nil, err
	}
	s, err := b.register(d, KindAggregating)
	if err != nil {
		return nil, err
	}
	s.agg = agg
	return &foldingAggregating{ValueState: &heapValue{b: b, s: s}, agg: agg, operatorID: b.cfg.OperatorID, name: d.Name}, nil
}

// frozen reports whether a map of generation gen may be held by a live
// snapshot, so it must be copied before it is modified.
func (b *HeapBackend) frozen(gen uint64) bool { return gen <= b.maxLive.Load() }

// lookup returns the current key's entry in s.
func (b *HeapBackend) lookup(s *heapState) (entry, bool) {
	km := s.groups[b.kgi]
	if km == nil {
		return entry{}, false
	}
	e, ok := km.m[string(b.key)]
	if !ok {
		return entry{}, false
	}
	return *e, true
}

// writable returns the current key group's map of s, ready to modify.
func (b *HeapBackend) writable(s *heapState) map[string]*entry {
	km := s.groups[b.kgi]
	switch {
	case km == nil:
		km = &kgMap{gen: b.gen, m: map[string]*entry{}}
		s.groups[b.kgi] = km
	case b.frozen(km.gen):
		km = &kgMap{gen: b.gen, m: maps.Clone(km.m)}
		s.groups[b.kgi] = km
	}
	return km.m
}

// put stores e for the current key.
func (b *HeapBackend) put(s *heapState, e entry) {
	m := b.writable(s)
	e.gen = b.gen
	old, had := m[string(b.key)]
	if had {
		b.size.Add(e.approxSize() - old.approxSize())
		if !b.frozen(old.gen) {
			*old = e // owned by the live map only: no new key, no new entry
			return
		}
	} else {
		b.size.Add(int64(len(b.key)) + entryOverhead + e.approxSize())
	}
	m[string(b.key)] = &e
}

// updateValue stores v for the current key of a value state, reusing the
// entry and its buffer when no snapshot can see them; cached is the entry
// a Value call just found for this key (or nil), saving the lookup.
func (b *HeapBackend) updateValue(s *heapState, ts int64, v []byte, cached *entry) {
	if km := s.groups[b.kgi]; km != nil && !b.frozen(km.gen) {
		old, had := cached, cached != nil
		if !had {
			old, had = km.m[string(b.key)]
		}
		if had && old.c == nil && !b.frozen(old.gen) {
			b.size.Add(int64(len(v) - len(old.v)))
			old.ts = ts
			old.v = append(old.v[:0], v...)
			return
		}
	}
	b.put(s, entry{ts: ts, v: slices.Clone(nonNil(v))})
}

// remove deletes the current key from s.
func (b *HeapBackend) remove(s *heapState) {
	km := s.groups[b.kgi]
	if km == nil {
		return
	}
	old, had := km.m[string(b.key)]
	if !had {
		return
	}
	m := b.writable(s)
	delete(m, string(b.key))
	b.size.Add(-(int64(len(b.key)) + entryOverhead + old.approxSize()))
}

// mutableContainer returns a container for the current key's list or map
// that may be modified in place, copying a frozen one; the caller stores it
// back with put when it differs from e.c.
func (b *HeapBackend) mutableContainer(e entry) *container {
	c := e.c
	switch {
	case c == nil:
		return &container{gen: b.gen}
	case b.frozen(c.gen):
		// The list array is shared: appends land beyond the length any
		// snapshot saw, and in-place edits never happen.
		return &container{gen: b.gen, list: c.list, m: maps.Clone(c.m)}
	}
	return c
}

// storeContainer makes c the current key's container when it is not the
// stored one (old) and accounts delta bytes; existed says whether the key
// had an entry. A container modified in place always sits in a writable
// key-group map (its generation is newer than any live snapshot, and so is
// the map's), so nothing else needs copying.
func (b *HeapBackend) storeContainer(s *heapState, existed bool, old, c *container, delta int64) {
	if c != old || !existed {
		m := b.writable(s)
		m[string(b.key)] = &entry{c: c, gen: b.gen}
	}
	if !existed {
		delta += int64(len(b.key)) + entryOverhead
	}
	b.size.Add(delta)
}

func (e entry) approxSize() int64 {
	n := int64(len(e.v))
	if e.c != nil {
		for _, x := range e.c.list {
			n += int64(len(x.v)) + elemOverhead
		}
		for k, x := range e.c.m {
			n += int64(len(k)+len(x.v)) + elemOverhead
		}
	}
	return n
}

// live reports whether an entry has any non-expired content.
func (s *heapState) live(e entry, now int64) bool {
	switch s.kind {
	case KindList:
		if e.c == nil {
			return false
		}
		for _, x := range e.c.list {
			if !expired(x.ts, s.ttl, now) {
				return true
			}
		}
		return false
	case KindMap:
		if e.c == nil {
			return false
		}
		for _, x := range e.c.m {
			if !expired(x.ts, s.ttl, now) {
				return true
			}
		}
		return false
	}
	return !expired(e.ts, s.ttl, now)
}

// Keys implements KeyedBackend.
func (b *HeapBackend) Keys(stateName string, fn func(keyGroup int, key []byte) bool) error {
	if b.closed {
		return errClosed
	}
	s := b.states[stateName]
	if s == nil {
		return fmt.Errorf("state: operator %s: no state named %q", b.cfg.OperatorID, stateName)
	}
	var now int64
	if s.ttl > 0 {
		now = b.now()
	}
	for i, km := range s.groups {
		if km == nil {
			continue
		}
		for k, e := range km.m {
			if !s.live(*e, now) {
				continue
			}
			b.keyBuf = append(b.keyBuf[:0], k...)
			if !fn(b.start+i, b.keyBuf) {
				return nil
			}
		}
		// fn may have replaced the slice element; s.groups itself is stable.
	}
	return nil
}

// NotifyCheckpointComplete implements KeyedBackend; the heap backend keeps
// nothing between checkpoints.
func (b *HeapBackend) NotifyCheckpointComplete(int64) {}

// sweepBudget bounds the entries visited by the TTL sweep per snapshot.
const sweepBudget = 64 << 10

// sweepExpired drops expired entries from a bounded number of key-group
// maps, continuing where the previous sweep stopped.
func (b *HeapBackend) sweepExpired() {
	if !b.anyTTL || len(b.byID) == 0 {
		return
	}
	now := b.now()
	nGroups := b.end - b.start + 1
	total := len(b.byID) * nGroups
	visited := 0
	savedKGI, savedKey := b.kgi, b.key
	b.key = nil
	for steps := 0; steps < total && visited < sweepBudget; steps++ {
		if b.sweepState >= len(b.byID) {
			b.sweepState = 0
		}
		s := b.byID[b.sweepState]
		if b.sweepKG >= nGroups {
			b.sweepKG = 0
		}
		kgi := b.sweepKG
		b.sweepKG++
		if b.sweepKG >= nGroups {
			b.sweepKG = 0
			b.sweepState++
		}
		km := s.groups[kgi]
		if s.ttl == 0 || km == nil {
			continue
		}
		visited += len(km.m)
		var dead []string
		for k, e := range km.m {
			if s.hasExpired(*e, now) {
				dead = append(dead, k)
			}
		}
		b.kgi = kgi
		for _, k := range dead {
			b.key = append(b.key[:0], k...)
			e, _ := b.lookup(s)
			b.compact(s, e, now)
		}
	}
	b.kgi, b.key = savedKGI, savedKey
}

// hasExpired reports whether any part of e has expired.
func (s *heapState) hasExpired(e entry, now int64) bool {
	if e.c == nil {
		return expired(e.ts, s.ttl, now)
	}
	for _, x := range e.c.list {
		if expired(x.ts, s.ttl, now) {
			return true
		}
	}
	for _, x := range e.c.m {
		if expired(x.ts, s.ttl, now) {
			return true
		}
	}
	return false
}

// compact rewrites the current key's entry without its expired parts (or
// removes it).
func (b *HeapBackend) compact(s *heapState, e entry, now int64) {
	if e.c == nil {
		if expired(e.ts, s.ttl, now) {
			b.remove(s)
		}
		return
	}
	c := &container{gen: b.gen}
	for _, x := range e.c.list {
		if !expired(x.ts, s.ttl, now) {
			c.list = append(c.list, x)
		}
	}
	if e.c.m != nil {
		c.m = make(map[string]*mapVal, len(e.c.m))
		for k, x := range e.c.m {
			if !expired(x.ts, s.ttl, now) {
				c.m[k] = x
			}
		}
	}
	if len(c.list) == 0 && len(c.m) == 0 {
		b.remove(s)
		return
	}
	b.put(s, entry{c: c})
}
