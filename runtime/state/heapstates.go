package state

import (
	"bytes"
	"slices"
)

// State handles of the heap backend. Each method checks the current key,
// then reads or copy-on-writes the current key group's map (heap.go).

// heapValue implements ValueState; reducing and aggregating state embed it.
type heapValue struct {
	b *HeapBackend
	s *heapState
	// The entry the last Value call found, for an Update of the same key
	// (seq = the backend's keySeq then, km the map it was found in).
	seq    uint64
	km     *kgMap
	cached *entry
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

// Value implements ValueState.
func (h *heapValue) Value() ([]byte, bool, error) {
	if h.b.kgi < 0 {
		return nil, false, h.b.keyErr()
	}
	h.cached = nil
	km := h.s.groups[h.b.kgi]
	if km == nil {
		return nil, false, nil
	}
	p, ok := km.m[string(h.b.key)]
	if !ok {
		return nil, false, nil
	}
	e := *p
	if h.s.ttl > 0 && expired(e.ts, h.s.ttl, h.b.now()) {
		h.dropIfUnfrozen()
		return nil, false, nil
	}
	h.seq, h.km, h.cached = h.b.keySeq, km, p
	return e.v, true, nil
}

// dropIfUnfrozen removes an expired entry when that needs no copy.
func (h *heapValue) dropIfUnfrozen() {
	if km := h.s.groups[h.b.kgi]; km != nil && !h.b.frozen(km.gen) {
		h.b.remove(h.s)
	}
}

// Update implements ValueState.
func (h *heapValue) Update(v []byte) error {
	if h.b.kgi < 0 {
		return h.b.keyErr()
	}
	var cached *entry
	if h.cached != nil && h.seq == h.b.keySeq && h.km == h.s.groups[h.b.kgi] {
		cached = h.cached
	}
	h.cached = nil
	h.b.updateValue(h.s, h.stamp(), v, cached)
	return nil
}

// Clear implements ValueState.
func (h *heapValue) Clear() error {
	if h.b.kgi < 0 {
		return h.b.keyErr()
	}
	h.b.remove(h.s)
	return nil
}

func nonNil(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return v
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
	e, ok := h.b.lookup(h.s)
	if !ok || e.c == nil {
		return nil
	}
	now := h.now()
	for _, x := range e.c.list {
		if expired(x.ts, h.s.ttl, now) {
			continue
		}
		if !fn(x.v) {
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
	e, existed := h.b.lookup(h.s)
	c := h.b.mutableContainer(e)
	// Drop expired elements at the front (elements are in write order).
	drop := 0
	for drop < len(c.list) && expired(c.list[drop].ts, h.s.ttl, now) {
		drop++
	}
	var delta int64
	for _, x := range c.list[:drop] {
		delta -= int64(len(x.v)) + elemOverhead
	}
	c.list = c.list[drop:]
	for _, v := range vs {
		c.list = append(c.list, listElem{ts: now, v: slices.Clone(nonNil(v))})
		delta += int64(len(v)) + elemOverhead
	}
	h.b.storeContainer(h.s, existed, e.c, c, delta)
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
	c := &container{gen: h.b.gen, list: make([]listElem, len(vs))}
	for i, v := range vs {
		c.list[i] = listElem{ts: now, v: slices.Clone(nonNil(v))}
	}
	h.b.put(h.s, entry{c: c})
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

// Get implements MapState.
func (h *heapMap) Get(k []byte) ([]byte, bool, error) {
	if h.b.kgi < 0 {
		return nil, false, h.b.keyErr()
	}
	e, ok := h.b.lookup(h.s)
	if !ok || e.c == nil {
		return nil, false, nil
	}
	x, ok := e.c.m[string(k)]
	if !ok || expired(x.ts, h.s.ttl, h.now()) {
		return nil, false, nil
	}
	return x.v, true, nil
}

// Contains implements MapState.
func (h *heapMap) Contains(k []byte) (bool, error) {
	_, ok, err := h.Get(k)
	return ok, err
}

// Put implements MapState.
func (h *heapMap) Put(k, v []byte) error {
	if h.b.kgi < 0 {
		return h.b.keyErr()
	}
	e, existed := h.b.lookup(h.s)
	c := h.b.mutableContainer(e)
	if c.m == nil {
		c.m = map[string]*mapVal{}
	}
	old, had := c.m[string(k)]
	delta := int64(len(k)+len(v)) + elemOverhead
	switch {
	case had && !h.b.frozen(old.gen):
		// No snapshot can see this value: overwrite it in place.
		delta = int64(len(v) - len(old.v))
		old.ts = h.now()
		old.v = append(old.v[:0], v...)
	case had:
		delta = int64(len(v) - len(old.v))
		c.m[string(k)] = &mapVal{ts: h.now(), v: slices.Clone(nonNil(v)), gen: h.b.gen}
	default:
		c.m[string(k)] = &mapVal{ts: h.now(), v: slices.Clone(nonNil(v)), gen: h.b.gen}
	}
	h.b.storeContainer(h.s, existed, e.c, c, delta)
	return nil
}

// Remove implements MapState.
func (h *heapMap) Remove(k []byte) error {
	if h.b.kgi < 0 {
		return h.b.keyErr()
	}
	e, ok := h.b.lookup(h.s)
	if !ok || e.c == nil {
		return nil
	}
	old, had := e.c.m[string(k)]
	if !had {
		return nil
	}
	if len(e.c.m) == 1 {
		h.b.remove(h.s)
		return nil
	}
	c := h.b.mutableContainer(e)
	delete(c.m, string(k))
	h.b.storeContainer(h.s, true, e.c, c, -(int64(len(k)+len(old.v)) + elemOverhead))
	return nil
}

// Iterate implements MapState.
func (h *heapMap) Iterate(fn func(k, v []byte) bool) error {
	if h.b.kgi < 0 {
		return h.b.keyErr()
	}
	e, ok := h.b.lookup(h.s)
	if !ok || e.c == nil {
		return nil
	}
	now := h.now()
	for k, x := range e.c.m {
		if expired(x.ts, h.s.ttl, now) {
			continue
		}
		h.b.iterBuf = append(h.b.iterBuf[:0], k...)
		if !fn(h.b.iterBuf, x.v) {
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
	if h.b.kgi < 0 {
		return h.b.keyErr()
	}
	e, ok := h.b.lookup(h.s)
	if !ok || e.c == nil {
		return nil
	}
	var in []string
	for k := range e.c.m {
		if k >= string(from) && k < string(to) {
			in = append(in, k)
		}
	}
	for _, k := range in {
		if err := h.Remove([]byte(k)); err != nil {
			return err
		}
	}
	return nil
}

// IsEmpty implements MapState.
func (h *heapMap) IsEmpty() (bool, error) {
	if h.b.kgi < 0 {
		return false, h.b.keyErr()
	}
	e, ok := h.b.lookup(h.s)
	if !ok {
		return true, nil
	}
	return !h.s.live(e, h.now()), nil
}

// Clear implements MapState.
func (h *heapMap) Clear() error {
	if h.b.kgi < 0 {
		return h.b.keyErr()
	}
	h.b.remove(h.s)
	return nil
}
