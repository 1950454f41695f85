package state

import (
	"bytes"
)

// State handles of the heap backend. Each method checks the current key,
// then reads or copy-on-writes the current key group's map (heap.go).

// heapValue implements ValueState; reducing and aggregating state embed it.
type heapValue struct {
	b *HeapBackend
	s *heapState
	// Where the last Value call found the current key's record, for an
	// Update of the same key: valid while the backend's keySeq, the map
	// and its epoch are those of then.
	seq   uint64
	km    *kgMap
	epoch uint64
	off   int
}

var (
	_ ValueState = (*heapValue)(nil)
	_ ListState  = (*heapList)(nil)
	_ MapState   = (*heapMap)(nil)
)

func (h *heapValue) now() int64 {
	if h.s.ttl > 0 {
		return h.b.now()
	}
	return 0
}

// stamp is the write time stored with new data (0 without TTL).
func (h *heapValue) stamp() int64 { return h.now() }

// Value implements ValueState. The value is the record's bytes in the
// slab: read-only, valid until the next call.
func (h *heapValue) Value() ([]byte, bool, error) {
	if h.b.kgi < 0 {
		return nil, false, h.b.keyErr()
	}
	h.km = nil
	km, _, off, ok := h.b.find(h.s)
	if !ok {
		return nil, false, nil
	}
	ts, v := km.t.value(off)
	if h.s.ttl > 0 && expired(ts, h.s.ttl, h.b.now()) {
		h.dropIfUnfrozen()
		return nil, false, nil
	}
	h.seq, h.km, h.epoch, h.off = h.b.keySeq, km, km.epoch, off
	return v, true, nil
}

// dropIfUnfrozen removes an expired entry when that needs no copy.
func (h *heapValue) dropIfUnfrozen() {
	if km := h.s.groups[h.b.kgi]; km != nil && !h.b.frozen(km.gen) {
		h.b.remove(h.s)
	}
}

// Update implements ValueState.
func (h *heapValue) Update(v []byte) error {
	b := h.b
	if b.kgi < 0 {
		return b.keyErr()
	}
	ts := h.stamp()
	if km := h.km; km != nil && h.seq == b.keySeq && km == h.s.groups[b.kgi] && km.epoch == h.epoch {
		// The record the preceding Value found: overwrite it if no snapshot
		// can see it (then neither can one see the map).
		if maxLive := b.maxLive.Load(); km.gen > maxLive && km.t.overwrite(h.off, ts, v, maxLive) {
			return nil
		}
	}
	h.km = nil
	b.updateValue(h.s, ts, v)
	return nil
}

// Clear implements ValueState.
func (h *heapValue) Clear() error {
	if h.b.kgi < 0 {
		return h.b.keyErr()
	}
	h.km = nil
	h.b.remove(h.s)
	return nil
}

// heapList implements ListState.
type heapList struct {
	b *HeapBackend
	s *heapState
}

func (h *heapList) now() int64 {
	if h.s.ttl > 0 {
		return h.b.now()
	}
	return 0
}

// Get implements ListState.
func (h *heapList) Get(fn func(v []byte) bool) error {
	if h.b.kgi < 0 {
		return h.b.keyErr()
	}
	c, ok := h.b.lookupContainer(h.s)
	if !ok || c == nil {
		return nil
	}
	now := h.now()
	for p := c.head; p < len(c.list); {
		ts, v, next := listRec(c.list, p)
		p = next
		if expired(ts, h.s.ttl, now) {
			continue
		}
		if !fn(v) {
			return nil
		}
	}
	return nil
}

// Add implements ListState.
func (h *heapList) Add(v []byte) error {
	return h.add([][]byte{v})
}

// AddAll implements ListState.
func (h *heapList) AddAll(vs [][]byte) error {
	return h.add(vs)
}

func (h *heapList) add(vs [][]byte) error {
	if h.b.kgi < 0 {
		return h.b.keyErr()
	}
	if len(vs) == 0 {
		return nil
	}
	now := h.now()
	old, _ := h.b.lookupContainer(h.s)
	prevSize := old.approxSize()
	c := h.b.mutableContainer(old)
	c.dropExpired(h.s.ttl, now)
	for _, v := range vs {
		c.appendElem(now, v)
	}
	h.b.storeContainer(h.s, old, c, c.approxSize()-prevSize)
	return nil
}

// Update implements ListState.
func (h *heapList) Update(vs [][]byte) error {
	if h.b.kgi < 0 {
		return h.b.keyErr()
	}
	if len(vs) == 0 {
		h.b.remove(h.s)
		return nil
	}
	now := h.now()
	size := 0
	for _, v := range vs {
		size += uvarintLen(uint64(now)) + bytesLen(len(v))
	}
	c := &container{gen: h.b.gen, list: make([]byte, 0, size)}
	for _, v := range vs {
		c.appendElem(now, v)
	}
	old, _ := h.b.lookupContainer(h.s)
	h.b.setContainer(h.s, c, c.approxSize()-old.approxSize())
	return nil
}

// Clear implements ListState.
func (h *heapList) Clear() error {
	if h.b.kgi < 0 {
		return h.b.keyErr()
	}
	h.b.remove(h.s)
	return nil
}

// heapMap implements MapState.
type heapMap struct {
	b *HeapBackend
	s *heapState
}

func (h *heapMap) now() int64 {
	if h.s.ttl > 0 {
		return h.b.now()
	}
	return 0
}

// Get implements MapState. The value is the entry's bytes in the
// container's slab: read-only, valid until the next call.
func (h *heapMap) Get(k []byte) ([]byte, bool, error) {
	if h.b.kgi < 0 {
		return nil, false, h.b.keyErr()
	}
	c, ok := h.b.lookupContainer(h.s)
	if !ok || c.m == nil {
		return nil, false, nil
	}
	_, off, ok := c.m.find(keyHash(k), k)
	if !ok {
		return nil, false, nil
	}
	ts, v := c.m.value(off)
	if expired(ts, h.s.ttl, h.now()) {
		return nil, false, nil
	}
	return v, true, nil
}

// Contains implements MapState.
func (h *heapMap) Contains(k []byte) (bool, error) {
	_, ok, err := h.Get(k)
	return ok, err
}

// Put implements MapState.
func (h *heapMap) Put(k, v []byte) error {
	b := h.b
	if b.kgi < 0 {
		return b.keyErr()
	}
	prev, _ := b.lookupContainer(h.s)
	prevSize := prev.approxSize()
	c := b.mutableContainer(prev)
	if c.m == nil {
		c.m = &slabTable{}
	}
	c.m.put(b.gen, b.maxLive.Load(), keyHash(k), k, h.now(), v)
	b.storeContainer(h.s, prev, c, c.approxSize()-prevSize)
	return nil
}

// Remove implements MapState.
func (h *heapMap) Remove(k []byte) error {
	b := h.b
	if b.kgi < 0 {
		return b.keyErr()
	}
	prev, ok := b.lookupContainer(h.s)
	if !ok || prev.m == nil {
		return nil
	}
	hash := keyHash(k)
	slot, _, had := prev.m.find(hash, k)
	if !had {
		return nil
	}
	if prev.m.n == 1 && prev.n == 0 {
		b.remove(h.s)
		return nil
	}
	prevSize := prev.approxSize()
	c := b.mutableContainer(prev)
	c.m.delete(slot) // a clone has the same slots
	b.storeContainer(h.s, prev, c, c.approxSize()-prevSize)
	return nil
}

// Iterate implements MapState.
func (h *heapMap) Iterate(fn func(k, v []byte) bool) error {
	if h.b.kgi < 0 {
		return h.b.keyErr()
	}
	c, ok := h.b.lookupContainer(h.s)
	if !ok || c.m == nil {
		return nil
	}
	now := h.now()
	t := c.m
	for _, sl := range t.slots {
		if sl == 0 {
			continue
		}
		off := slotOff(sl)
		ts, v := t.value(off)
		if expired(ts, h.s.ttl, now) {
			continue
		}
		k, _ := recKey(t.slab, off)
		if !fn(k, v) {
			return nil
		}
	}
	return nil
}

// IterateFrom implements MapState: the heap's maps are unordered, so it
// visits every entry and skips those below from.
func (h *heapMap) IterateFrom(from []byte, fn func(k, v []byte) bool) error {
	return h.Iterate(func(k, v []byte) bool {
		if bytes.Compare(k, from) < 0 {
			return true
		}
		return fn(k, v)
	})
}

// RemoveRange implements MapState.
func (h *heapMap) RemoveRange(from, to []byte) error {
	b := h.b
	if b.kgi < 0 {
		return b.keyErr()
	}
	c, ok := b.lookupContainer(h.s)
	if !ok || c.m == nil {
		return nil
	}
	// Keys below the slab's length never change, so the listed ones stay
	// readable while Remove copies or compacts the table.
	slab := c.m.slab
	in := b.slotBuf[:0]
	b.slotBuf = nil
	for _, sl := range c.m.slots {
		if sl == 0 {
			continue
		}
		if k, _ := recKey(slab, slotOff(sl)); bytes.Compare(k, from) >= 0 && bytes.Compare(k, to) < 0 {
			in = append(in, sl)
		}
	}
	for _, sl := range in {
		k, _ := recKey(slab, slotOff(sl))
		if err := h.Remove(k); err != nil {
			return err
		}
	}
	b.slotBuf = in[:0]
	return nil
}

// IsEmpty implements MapState.
func (h *heapMap) IsEmpty() (bool, error) {
	if h.b.kgi < 0 {
		return false, h.b.keyErr()
	}
	c, ok := h.b.lookupContainer(h.s)
	if !ok {
		return true, nil
	}
	return !h.s.containerLive(c, h.now()), nil
}

// Clear implements MapState.
func (h *heapMap) Clear() error {
	if h.b.kgi < 0 {
		return h.b.keyErr()
	}
	h.b.remove(h.s)
	return nil
}
