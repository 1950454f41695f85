package state

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/cockroachdb/pebble"
)

// State handles of the Pebble backend (key and value layout in pebble.go).

var (
	_ ValueState = (*pebbleValue)(nil)
	_ ListState  = (*pebbleList)(nil)
	_ MapState   = (*pebbleMap)(nil)
)

func (b *PebbleBackend) wrap(s *pebbleState, err error) error {
	return fmt.Errorf("state: operator %s: state %q: %w", b.cfg.OperatorID, s.name, err)
}

func (b *PebbleBackend) stamp(s *pebbleState) int64 {
	if s.ttl > 0 {
		return b.now()
	}
	return 0
}

// pebbleValue implements ValueState; reducing and aggregating state embed it.
type pebbleValue struct {
	b *PebbleBackend
	s *pebbleState
}

// Value implements ValueState: through the value cache.
func (h *pebbleValue) Value() ([]byte, bool, error) {
	b := h.b
	if b.kg < 0 {
		return nil, false, b.keyErr()
	}
	return b.cachedValue(h.s, b.dataKey(h.s.id, nil))
}

// cachedValue reads the value of Pebble key k of state s through the value
// cache (a value state's, or a cached map state's entry).
func (b *PebbleBackend) cachedValue(s *pebbleState, k []byte) ([]byte, bool, error) {
	e, err := b.cacheGet(s, k)
	if err != nil || !e.present {
		return nil, false, err
	}
	ts, val, ok := decodeTS(e.val)
	if !ok {
		return nil, false, b.wrap(s, fmt.Errorf("malformed value for key %x", k))
	}
	if s.ttl > 0 && expired(ts, s.ttl, b.now()) {
		return nil, false, b.cacheClear(k)
	}
	b.vbuf = append(b.vbuf[:0], val...)
	return b.vbuf, true, nil
}

// Update implements ValueState: the value cache writes it back.
func (h *pebbleValue) Update(v []byte) error {
	b := h.b
	if b.kg < 0 {
		return b.keyErr()
	}
	return b.cacheSet(h.s, b.dataKey(h.s.id, nil), b.stamp(h.s), v)
}

// Clear implements ValueState.
func (h *pebbleValue) Clear() error {
	b := h.b
	if b.kg < 0 {
		return b.keyErr()
	}
	return b.cacheClear(b.dataKey(h.s.id, nil))
}

// pebbleList implements ListState.
type pebbleList struct {
	b *PebbleBackend
	s *pebbleState
}

func appendElem(buf []byte, ts int64, v []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(ts))
	return appendBytes(buf, v)
}

// Get implements ListState. Elements are passed straight from Pebble's
// buffer, valid during the callback.
func (h *pebbleList) Get(fn func(v []byte) bool) error {
	b := h.b
	if b.kg < 0 {
		return b.keyErr()
	}
	k := b.dataKey(h.s.id, nil)
	if !b.writtenKeys.mayContain(k) {
		return nil
	}
	v, closer, err := b.db.Get(k)
	if errNotFound(err) {
		return nil
	}
	if err != nil {
		return b.wrap(h.s, err)
	}
	defer closer.Close()
	var now int64
	if h.s.ttl > 0 {
		now = b.now()
	}
	if !forEachElem(v, func(ts int64, e []byte) bool {
		if expired(ts, h.s.ttl, now) {
			return true
		}
		return fn(e)
	}) {
		return b.wrap(h.s, fmt.Errorf("malformed list value for key %x", k))
	}
	return nil
}

// Add implements ListState: one merge operand.
func (h *pebbleList) Add(v []byte) error {
	b := h.b
	if b.kg < 0 {
		return b.keyErr()
	}
	b.wbuf = appendElem(b.wbuf[:0], b.stamp(h.s), v)
	b.wrote()
	b.writtenKeys.add(b.dataKey(h.s.id, nil))
	if err := b.db.Merge(b.kbuf, b.wbuf, pebble.NoSync); err != nil {
		return b.wrap(h.s, err)
	}
	return nil
}

// AddAll implements ListState.
func (h *pebbleList) AddAll(vs [][]byte) error {
	b := h.b
	if b.kg < 0 {
		return b.keyErr()
	}
	if len(vs) == 0 {
		return nil
	}
	ts := b.stamp(h.s)
	b.wbuf = b.wbuf[:0]
	for _, v := range vs {
		b.wbuf = appendElem(b.wbuf, ts, v)
	}
	b.wrote()
	b.writtenKeys.add(b.dataKey(h.s.id, nil))
	if err := b.db.Merge(b.kbuf, b.wbuf, pebble.NoSync); err != nil {
		return b.wrap(h.s, err)
	}
	return nil
}

// Update implements ListState.
func (h *pebbleList) Update(vs [][]byte) error {
	b := h.b
	if b.kg < 0 {
		return b.keyErr()
	}
	if len(vs) == 0 {
		return h.Clear()
	}
	ts := b.stamp(h.s)
	b.wbuf = b.wbuf[:0]
	for _, v := range vs {
		b.wbuf = appendElem(b.wbuf, ts, v)
	}
	b.wrote()
	b.writtenKeys.add(b.dataKey(h.s.id, nil))
	if err := b.db.Set(b.kbuf, b.wbuf, pebble.NoSync); err != nil {
		return b.wrap(h.s, err)
	}
	return nil
}

// Clear implements ListState.
func (h *pebbleList) Clear() error {
	b := h.b
	if b.kg < 0 {
		return b.keyErr()
	}
	b.wrote()
	if err := b.db.Delete(b.dataKey(h.s.id, nil), pebble.NoSync); err != nil {
		return b.wrap(h.s, err)
	}
	return nil
}

// pebbleMap implements MapState: one Pebble key per map entry. A state
// only accessed by map key keeps its entries in the value cache; once
// scanned, its keys' maps are cached whole (mapCache), except keys too
// large for it, which go to Pebble directly (as every key of a direct
// state).
type pebbleMap struct {
	b *PebbleBackend
	s *pebbleState
}

// cached returns the current key's cached map, or nil when the state is
// not cached whole or the key is served directly; load: see cachedMapOf.
func (h *pebbleMap) cached(load bool) (*cachedMap, error) {
	if !h.s.whole || h.s.direct {
		return nil, nil
	}
	return h.b.cachedMapOf(h.s, load)
}

// scanned returns the current key's map for a scan or a range removal,
// loaded: the state switches to whole-map caching at its first one. Nil
// when the key is served directly.
func (h *pebbleMap) scanned() (*cachedMap, error) {
	if !h.s.whole && !h.s.direct {
		if err := h.b.makeWhole(h.s); err != nil {
			return nil, err
		}
	}
	return h.cached(true)
}

// Get implements MapState.
func (h *pebbleMap) Get(mk []byte) ([]byte, bool, error) {
	b := h.b
	if b.kg < 0 {
		return nil, false, b.keyErr()
	}
	if !h.s.whole && !h.s.direct {
		return b.cachedValue(h.s, b.dataKey(h.s.id, mk))
	}
	m, err := h.cached(false)
	if err != nil {
		return nil, false, err
	}
	var v []byte
	if m != nil {
		var ok bool
		if v, ok = m.get(mk); !ok {
			return nil, false, nil
		}
	} else {
		k := b.dataKey(h.s.id, mk)
		if !b.writtenKeys.mayContain(k) {
			return nil, false, nil // a new entry (a join's new row)
		}
		var closer io.Closer
		v, closer, err = b.db.Get(k)
		if errNotFound(err) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, b.wrap(h.s, err)
		}
		defer closer.Close()
	}
	ts, val, ok := decodeTS(v)
	if !ok {
		return nil, false, b.wrap(h.s, fmt.Errorf("malformed value for map key %x", mk))
	}
	if h.s.ttl > 0 && expired(ts, h.s.ttl, b.now()) {
		return nil, false, nil
	}
	b.vbuf = append(b.vbuf[:0], val...)
	return b.vbuf, true, nil
}

// Contains implements MapState.
func (h *pebbleMap) Contains(mk []byte) (bool, error) {
	_, ok, err := h.Get(mk)
	return ok, err
}

// Put implements MapState.
func (h *pebbleMap) Put(mk, v []byte) error {
	b := h.b
	if b.kg < 0 {
		return b.keyErr()
	}
	if !h.s.whole && !h.s.direct {
		return b.cacheSet(h.s, b.dataKey(h.s.id, mk), b.stamp(h.s), v)
	}
	m, err := h.cached(false)
	if err != nil {
		return err
	}
	if m != nil && m.full(b.mcache.maxLen) {
		if err := b.uncache(h.s, m); err != nil {
			return err
		}
		m = nil
	}
	if m != nil {
		return b.mapPut(m, mk, b.stamp(h.s), v)
	}
	b.wbuf = binary.AppendUvarint(b.wbuf[:0], uint64(b.stamp(h.s)))
	b.wbuf = append(b.wbuf, v...)
	b.wrote()
	b.writtenMaps.add(b.dataKey(h.s.id, nil))
	k := b.dataKey(h.s.id, mk)
	b.writtenKeys.add(k)
	if err := b.db.Set(k, b.wbuf, pebble.NoSync); err != nil {
		return b.wrap(h.s, err)
	}
	return nil
}

// Remove implements MapState.
func (h *pebbleMap) Remove(mk []byte) error {
	b := h.b
	if b.kg < 0 {
		return b.keyErr()
	}
	if !h.s.whole && !h.s.direct {
		return b.cacheClear(b.dataKey(h.s.id, mk))
	}
	m, err := h.cached(false)
	if err != nil {
		return err
	}
	if m != nil {
		if i, ok := m.find(mk); ok {
			b.mapRemoveRange(m, i, i+1)
		}
		return nil
	}
	b.wrote()
	if err := b.db.Delete(b.dataKey(h.s.id, mk), pebble.NoSync); err != nil {
		return b.wrap(h.s, err)
	}
	return nil
}

// scan iterates the current key's entries (map key, stored value).
func (h *pebbleMap) scan(fn func(mk, v []byte) bool) error {
	return h.scanRange(nil, nil, fn)
}

// scanRange iterates the current key's entries whose map key is >= from
// and < to (nil: no bound), in map key order.
func (h *pebbleMap) scanRange(from, to []byte, fn func(mk, v []byte) bool) error {
	b := h.b
	m, err := h.scanned()
	if err != nil {
		return err
	}
	if m != nil {
		lo, hi := m.rangeOf(from, to)
		for i := lo; i < hi && i < len(m.ents); i++ {
			if e := &m.ents[i]; e.present && !fn(e.mk(), e.val()) {
				break
			}
		}
		return nil
	}
	lo := append([]byte(nil), b.dataKey(h.s.id, nil)...)
	opts := pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)}
	if len(from) > 0 {
		opts.LowerBound = append(append([]byte(nil), lo...), from...)
	}
	if to != nil {
		opts.UpperBound = append(append([]byte(nil), lo...), to...)
	}
	it, err := b.db.NewIter(&opts)
	if err != nil {
		return b.wrap(h.s, err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		if !fn(it.Key()[len(lo):], it.Value()) {
			break
		}
	}
	err = it.Error()
	if cerr := it.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return b.wrap(h.s, err)
	}
	return nil
}

// Iterate implements MapState; entries come in map-key byte order.
func (h *pebbleMap) Iterate(fn func(k, v []byte) bool) error {
	if h.b.kg < 0 {
		return h.b.keyErr()
	}
	var now int64
	if h.s.ttl > 0 {
		now = h.b.now()
	}
	return h.scan(func(mk, v []byte) bool {
		ts, val, ok := decodeTS(v)
		if !ok || expired(ts, h.s.ttl, now) {
			return true
		}
		return fn(mk, val)
	})
}

// IterateFrom implements MapState; entries come in map-key byte order.
func (h *pebbleMap) IterateFrom(from []byte, fn func(k, v []byte) bool) error {
	if h.b.kg < 0 {
		return h.b.keyErr()
	}
	var now int64
	if h.s.ttl > 0 {
		now = h.b.now()
	}
	return h.scanRange(from, nil, func(mk, v []byte) bool {
		ts, val, ok := decodeTS(v)
		if !ok || expired(ts, h.s.ttl, now) {
			return true
		}
		return fn(mk, val)
	})
}

// RemoveRange implements MapState: point deletions in one batch (see
// MapState.RemoveRange for why not a range deletion).
func (h *pebbleMap) RemoveRange(from, to []byte) error {
	b := h.b
	if b.kg < 0 {
		return b.keyErr()
	}
	return h.deleteEntries(from, to)
}

// IsEmpty implements MapState.
func (h *pebbleMap) IsEmpty() (bool, error) {
	empty := true
	err := h.Iterate(func(_, _ []byte) bool {
		empty = false
		return false
	})
	return empty, err
}

// Clear implements MapState: point deletes of the key's entries.
func (h *pebbleMap) Clear() error {
	b := h.b
	if b.kg < 0 {
		return b.keyErr()
	}
	return h.deleteEntries(nil, nil)
}

// deleteEntries deletes the current key's entries in [from, to): in its
// cached map, else in one batch of point deletions.
func (h *pebbleMap) deleteEntries(from, to []byte) error {
	b := h.b
	m, err := h.scanned()
	if err != nil {
		return err
	}
	if m != nil {
		lo, hi := m.rangeOf(from, to)
		b.mapRemoveRange(m, lo, hi)
		return nil
	}
	batch := b.db.NewBatch()
	defer batch.Close()
	if err := h.scanRange(from, to, func(mk, _ []byte) bool {
		k := b.dataKey(h.s.id, mk)
		batch.Delete(k, nil)
		return true
	}); err != nil {
		return err
	}
	if batch.Empty() {
		return nil
	}
	b.wrote()
	if err := batch.Commit(pebble.NoSync); err != nil {
		return b.wrap(h.s, err)
	}
	return nil
}
