package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// HeapBackend keeps keyed state in memory: per state, one compact table
// per key group (slabTable, heaptable.go: the keys' records in one byte
// slab, an open-addressing index of 64-bit slots beside it). Value,
// reducing and aggregating state keep the value in the record; list and map
// state keep a container per key, the record holding its index (a list's
// elements in one byte slice, heaplist.go; a map's entries in a slabTable
// of their own). Snapshots
// are copy-on-write at key-group granularity:
//
//   - every key-group map and every container carries the generation it
//     was created in;
//   - Snapshot records the current maps of every state and key group (a
//     slice of pointers per state, no copying of entries) under generation g
//     and starts generation g+1;
//   - a write to a map whose generation is <= the newest generation a live
//     (not yet written or released) snapshot holds first clones the map
//     (its slots, container pointers and generation marks; the slab is
//     shared and only appended to beyond what the snapshot sees), so the
//     snapshot's map is never modified; when no snapshot is live maps are
//     modified in place.
//
// A record is overwritten in place only when no live snapshot can see it
// (it was written after every live snapshot); otherwise an update appends a
// new record. List elements are only ever appended beyond the length any
// snapshot saw, or the list is replaced by a new slice.
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
	keyHash uint32   // keyHash(key)
	keyBuf  []byte   // scratch for Keys
	iterBuf []byte   // scratch for MapState.Iterate
	slotBuf []uint64 // scratch for Keys and the TTL sweep
	idxBuf  [4]byte  // scratch: a container index

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
	t   slabTable
	// List and map kinds: the containers, by the index a record holds (4
	// bytes little endian); free lists unused indexes.
	conts []*container
	free  []uint32
	// epoch changes whenever a record is appended or deleted: an offset
	// found earlier is valid while it is unchanged.
	epoch uint64
}

// footprint is the memory the map holds, containers aside.
func (km *kgMap) footprint() int64 {
	return km.t.footprint() + 8*int64(cap(km.conts)) + 4*int64(cap(km.free))
}

// contIndex is the container index stored in the record at off.
func (km *kgMap) contIndex(off int) uint32 {
	_, v := km.t.value(off)
	return binary.LittleEndian.Uint32(v)
}

// container holds a list or a map for one key; copied on write like kgMap.
type container struct {
	gen uint64
	// list, head, n: a list state's elements (heaplist.go).
	list []byte
	head int
	n    int
	// m is a map state's entries: records [map key][write time][value]
	// (also the snapshot file's encoding of a map entry).
	m *slabTable
}

// containerOverhead approximates a container's own memory for SizeBytes
// (its elements count as the bytes their arrays hold).
const containerOverhead = 64

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
	b.keyHash = keyHash(key)
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

// find looks the current key up in s: its key-group map (nil if none), its
// slot and record offset.
func (b *HeapBackend) find(s *heapState) (km *kgMap, slot, off int, ok bool) {
	km = s.groups[b.kgi]
	if km == nil {
		return nil, -1, 0, false
	}
	slot, off, ok = km.t.find(b.keyHash, b.key)
	return km, slot, off, ok
}

// lookupContainer returns the current key's container in a list or map
// state.
func (b *HeapBackend) lookupContainer(s *heapState) (*container, bool) {
	km, _, off, ok := b.find(s)
	if !ok {
		return nil, false
	}
	return km.conts[km.contIndex(off)], true
}

// writable returns the current key group's map of s, ready to modify.
func (b *HeapBackend) writable(s *heapState) *kgMap {
	km := s.groups[b.kgi]
	switch {
	case km == nil:
		km = &kgMap{gen: b.gen}
		s.groups[b.kgi] = km
	case b.frozen(km.gen):
		old := km
		km = &kgMap{gen: b.gen, t: old.t.clone(), conts: slices.Clone(old.conts), free: slices.Clone(old.free), epoch: old.epoch + 1}
		s.groups[b.kgi] = km
		b.size.Add(km.footprint() - old.footprint())
	}
	return km
}

// updateValue stores v for the current key of a value state, in place when
// no snapshot can see the old record and v fits.
func (b *HeapBackend) updateValue(s *heapState, ts int64, v []byte) {
	km := b.writable(s)
	before := km.footprint()
	if km.t.put(b.gen, b.maxLive.Load(), b.keyHash, b.key, ts, v) {
		km.epoch++
		b.size.Add(km.footprint() - before)
	}
}

// setContainer makes c the current key's container in a list or map state
// and accounts delta bytes (the change of the elements' size from the
// stored container, or c's size for a new key).
func (b *HeapBackend) setContainer(s *heapState, c *container, delta int64) {
	km := b.writable(s)
	slot, off, ok := km.t.find(b.keyHash, b.key)
	if ok {
		km.conts[km.contIndex(off)] = c
		b.size.Add(delta)
		return
	}
	before := km.footprint()
	var idx uint32
	if n := len(km.free); n > 0 {
		idx = km.free[n-1]
		km.free = km.free[:n-1]
		km.conts[idx] = c
	} else {
		idx = uint32(len(km.conts))
		km.conts = append(km.conts, c)
	}
	binary.LittleEndian.PutUint32(b.idxBuf[:], idx)
	n := km.t.appendRec(b.gen, b.maxLive.Load(), b.key, 0, b.idxBuf[:])
	km.t.insert(slot, b.keyHash, n)
	km.epoch++
	b.size.Add(km.footprint() - before + containerOverhead + delta)
}

// remove deletes the current key from s.
func (b *HeapBackend) remove(s *heapState) {
	km, slot, off, ok := b.find(s)
	if !ok {
		return
	}
	km = b.writable(s)
	before := km.footprint()
	var delta int64
	if s.kind == KindList || s.kind == KindMap {
		idx := km.contIndex(off)
		delta = -(containerOverhead + km.conts[idx].approxSize())
		km.conts[idx] = nil
		km.free = append(km.free, idx)
		if km.t.n == 1 {
			km.conts, km.free = nil, nil
		}
	}
	km.t.delete(slot)
	km.epoch++
	b.size.Add(km.footprint() - before + delta)
}

// mutableContainer returns a container for the current key's list or map
// that may be modified in place, copying a frozen one; the caller stores it
// back with setContainer.
func (b *HeapBackend) mutableContainer(c *container) *container {
	switch {
	case c == nil:
		return &container{gen: b.gen}
	case b.frozen(c.gen):
		// The list's array and the map's slab are shared: appends land
		// beyond the length any snapshot saw, and only records no
		// snapshot can see are overwritten in place.
		return &container{gen: b.gen, list: c.list, head: c.head, n: c.n, m: cloneTable(c.m)}
	}
	return c
}

// approxSize is the accounted size of a container's elements.
func (c *container) approxSize() int64 {
	if c == nil {
		return 0
	}
	n := int64(cap(c.list))
	if c.m != nil {
		n += c.m.footprint()
	}
	return n
}

// mapLen is the number of entries of a map container.
func (c *container) mapLen() int {
	if c == nil || c.m == nil {
		return 0
	}
	return c.m.n
}

// liveAt reports whether the record at off of km has any non-expired
// content.
func (s *heapState) liveAt(km *kgMap, off int, now int64) bool {
	switch s.kind {
	case KindList, KindMap:
		return s.containerLive(km.conts[km.contIndex(off)], now)
	}
	if s.ttl == 0 {
		return true
	}
	ts, _ := km.t.value(off)
	return !expired(ts, s.ttl, now)
}

// containerLive reports whether c has any non-expired element.
func (s *heapState) containerLive(c *container, now int64) bool {
	if c == nil {
		return false
	}
	if s.ttl == 0 {
		return c.n+c.mapLen() > 0
	}
	return c.listExpired(s.ttl, now, false) || c.m.anyExpired(s.ttl, now, false)
}

// Keys implements KeyedBackend. Each key group's keys are listed before fn
// runs (fn may modify the state); a key removed meanwhile is skipped.
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
	for i := range s.groups {
		km := s.groups[i]
		if km == nil {
			continue
		}
		// The slab's bytes below its length never change (only values are
		// overwritten in place), so keys read from it stay valid.
		slab := km.t.slab
		slots := b.listSlots(km)
		for _, sl := range slots {
			key, _ := recKey(slab, int(uint32(sl))-1)
			cur := s.groups[i]
			if cur == nil {
				break
			}
			_, off, ok := cur.t.find(uint32(sl>>32), key)
			if !ok || !s.liveAt(cur, off, now) {
				continue
			}
			b.keyBuf = append(b.keyBuf[:0], key...)
			if !fn(b.start+i, b.keyBuf) {
				b.slotBuf = slots[:0]
				return nil
			}
		}
		b.slotBuf = slots[:0]
	}
	return nil
}

// listSlots copies km's occupied slots into a scratch slice, which a
// nested call may reuse: the caller owns the returned slice.
func (b *HeapBackend) listSlots(km *kgMap) []uint64 {
	buf := b.slotBuf[:0]
	b.slotBuf = nil // a callback calling Keys again gets its own
	for _, sl := range km.t.slots {
		if sl != 0 {
			buf = append(buf, sl)
		}
	}
	return buf
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
	savedKGI, savedKey, savedHash := b.kgi, b.key, b.keyHash
	b.key = nil
	dead := b.slotBuf[:0]
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
		visited += km.t.n
		dead = dead[:0]
		for _, sl := range km.t.slots {
			if sl != 0 && s.hasExpired(km, int(uint32(sl))-1, now) {
				dead = append(dead, sl)
			}
		}
		slab := km.t.slab // keys below its length never change
		b.kgi = kgi
		for _, sl := range dead {
			key, _ := recKey(slab, int(uint32(sl))-1)
			b.key = append(b.key[:0], key...)
			b.keyHash = uint32(sl >> 32)
			b.compact(s, now)
		}
	}
	b.kgi, b.key, b.keyHash = savedKGI, savedKey, savedHash
	b.slotBuf = dead[:0]
}

// hasExpired reports whether any part of the record at off has expired.
func (s *heapState) hasExpired(km *kgMap, off int, now int64) bool {
	if s.kind != KindList && s.kind != KindMap {
		ts, _ := km.t.value(off)
		return expired(ts, s.ttl, now)
	}
	c := km.conts[km.contIndex(off)]
	return c.listExpired(s.ttl, now, true) || c.m.anyExpired(s.ttl, now, true)
}

// compact rewrites the current key's entry without its expired parts (or
// removes it).
func (b *HeapBackend) compact(s *heapState, now int64) {
	km, _, off, ok := b.find(s)
	if !ok {
		return
	}
	if s.kind != KindList && s.kind != KindMap {
		if ts, _ := km.t.value(off); expired(ts, s.ttl, now) {
			b.remove(s)
		}
		return
	}
	old := km.conts[km.contIndex(off)]
	c := &container{gen: b.gen}
	for p := old.head; p < len(old.list); {
		ts, v, next := listRec(old.list, p)
		if !expired(ts, s.ttl, now) {
			c.appendElem(ts, v)
		}
		p = next
	}
	if old.m != nil {
		c.m = &slabTable{}
		for _, sl := range old.m.slots {
			if sl == 0 {
				continue
			}
			off := slotOff(sl)
			if ts, v := old.m.value(off); !expired(ts, s.ttl, now) {
				k, _ := recKey(old.m.slab, off)
				c.m.put(b.gen, 0, uint32(sl>>32), k, ts, v)
			}
		}
	}
	if c.n == 0 && c.mapLen() == 0 {
		b.remove(s)
		return
	}
	b.setContainer(s, c, c.approxSize()-old.approxSize())
}

// storeContainer stores c, a modified old (or a copy of it), for the
// current key, accounting delta bytes. A container modified in place
// (c == old) always sits in a writable key-group map (its generation is
// newer than any live snapshot, and so is the map's), so nothing needs
// copying then.
func (b *HeapBackend) storeContainer(s *heapState, old, c *container, delta int64) {
	if c != old || old == nil {
		b.setContainer(s, c, delta)
		return
	}
	b.size.Add(delta)
}
