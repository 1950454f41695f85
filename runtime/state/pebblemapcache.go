package state

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"

	"github.com/cockroachdb/pebble"
)

// mapCache is the Pebble backend's write-back cache of whole maps: for a
// map state that is scanned (a join's rows per key, a window's or Top-N's
// entries), the first access to a key loads all of the key's entries from
// Pebble in one scan, and every later Get, Put, Remove, scan and range
// removal of that key works on memory until the map is evicted. A join
// then reads a hot key's rows without opening a Pebble iterator per input
// row, and the entries its watermark cleanup deletes were often never
// written to Pebble at all.
//
// A cached map keeps its entries sorted by map key (Pebble's order, which
// operators rely on: see MapState.IterateFrom), each in its stored encoding
// (uvarint write time | value) with the same dirty / inDB flags as the
// value cache; removed entries stay as tombstones until written back.
// Dirty maps are written back in one batch by flush, which runs before
// anything reads state out of Pebble other than through the cache
// (Snapshot, Keys, the TTL sweep — as flushValues). When the cache outgrows
// its limit, a clock sweep writes back and evicts the maps not used since
// the previous sweep until a quarter of the limit is free.
//
// A key with more than mapCacheMaxEntries entries, or more bytes than an
// eighth of the limit, is not cached: it is served from Pebble directly
// (its prefix is remembered in big). Should more than mapCacheMaxBig keys
// of one backend be that large, the states switch to direct access
// altogether (pebbleState.direct).
//
// Loads reuse one Pebble iterator while the database is unchanged (gen):
// between write-backs every write goes through the caches, so one
// iterator's view stays exact, and repositioning it costs far less than
// building an iterator over every level per load.
type mapCache struct {
	m      map[string]*cachedMap // data key prefix (kg | sid | len | key) -> map
	bytes  int64                 // accounted size of the cached maps
	maxLen int64
	dirty  []*cachedMap // maps with dirty entries (each once: cachedMap.listed)
	big    map[string]struct{}
	kbuf   []byte
	end    []byte
	pool   bufPool

	it    *pebble.Iterator // load iterator, valid while itGen == the backend's gen
	itGen uint64
}

// cachedMap is one key's map.
type cachedMap struct {
	prefix string
	ents   []mapEntry // sorted by map key
	bytes  int64      // accounted size, included in mapCache.bytes
	ndirty int
	dead   int  // entries neither present nor in Pebble (mapRemoveRange)
	ref    bool // used since the last eviction sweep
	listed bool // in mapCache.dirty
	gone   bool // evicted (a stale mapCache.dirty element)
}

// mapEntry is one map entry: buf holds the map key (klen bytes) and then
// the stored encoding of the value; it comes from the cache's bufPool.
type mapEntry struct {
	buf     []byte
	klen    int32
	present bool // false: a tombstone
	dirty   bool // differs from Pebble
	inDB    bool // Pebble may hold the entry (a Delete is needed)
}

func (e *mapEntry) mk() []byte  { return e.buf[:e.klen:e.klen] }
func (e *mapEntry) val() []byte { return e.buf[e.klen:] }

// size is what e accounts for in the cache.
func (e *mapEntry) size() int64 { return int64(cap(e.buf)) + mapEntryOverhead }

const (
	mapEntryOverhead   = 72  // entry struct, slice headers, allocation rounding
	cachedMapOverhead  = 160 // map slot, struct, prefix string
	mapCacheMaxEntries = 1 << 14
	mapCacheMaxBig     = 1 << 12
)

// mapCacheBytes is the default limit of a backend's map cache; tests lower
// it to exercise eviction.
var mapCacheBytes int64 = 128 << 20

func (c *mapCache) init() {
	c.m = map[string]*cachedMap{}
	c.big = map[string]struct{}{}
	c.maxLen = mapCacheBytes
}

// wrote records that the database changed outside the load iterator's
// view: the next load opens a new iterator.
func (b *PebbleBackend) wrote() { b.gen++ }

// cachedMapOf returns the current key's map of state s, or nil when the
// key is served from Pebble directly. A key never written to Pebble gets
// an empty map without a read; otherwise a miss loads the map when load
// is set (a scan: one seek and the key's entries) and returns nil for a
// point access, which goes to Pebble directly: loading a large map to
// read or change one entry of it costs more than the point operation when
// keys are seldom used twice before they are evicted (a join on a
// high-cardinality key).
func (b *PebbleBackend) cachedMapOf(s *pebbleState, load bool) (*cachedMap, error) {
	c := &b.mcache
	prefix := b.dataKey(s.id, nil)
	if m := c.m[string(prefix)]; m != nil {
		m.ref = true
		return m, nil
	}

	if _, ok := c.big[string(prefix)]; ok {
		return nil, nil
	}
	if !b.writtenMaps.mayContain(prefix) { // a new key: nothing to load
		return b.addMap(&cachedMap{prefix: string(prefix), ref: true})
	}
	if !load {
		return nil, nil
	}
	it, err := b.loadIter()
	if err != nil {
		return nil, b.wrap(s, err)
	}
	m := &cachedMap{prefix: string(prefix), ref: true}
	c.end = appendPrefixEnd(c.end[:0], prefix)
	it.SetBounds(prefix, c.end)
	var size int64
	for ok := it.First(); ok; ok = it.Next() {
		k, v := it.Key()[len(prefix):], it.Value()
		size += int64(len(k)+len(v)) + mapEntryOverhead
		if len(m.ents) >= mapCacheMaxEntries || size > c.maxLen/8 {
			b.releaseEntries(m.ents)
			m = nil
			break
		}
		buf := append(append(c.pool.get(len(k)+len(v)), k...), v...)
		m.ents = append(m.ents, mapEntry{buf: buf, klen: int32(len(k)), present: true, inDB: true})
	}
	if err := it.Error(); err != nil {
		return nil, b.wrap(s, err)
	}
	if m == nil {
		return nil, b.markBig(s, prefix)
	}
	return b.addMap(m)
}

// addMap puts the new map m into the cache, accounting its size.
func (b *PebbleBackend) addMap(m *cachedMap) (*cachedMap, error) {
	c := &b.mcache
	m.bytes = cachedMapOverhead + int64(len(m.prefix))
	for i := range m.ents {
		m.bytes += m.ents[i].size()
	}
	if err := b.mapMakeRoom(m.bytes); err != nil {
		return nil, err
	}
	c.bytes += m.bytes
	c.m[m.prefix] = m
	return m, nil
}

// loadIter returns the load iterator over the database as it is now.
func (b *PebbleBackend) loadIter() (*pebble.Iterator, error) {
	c := &b.mcache
	if c.it != nil && c.itGen == b.gen {
		return c.it, nil
	}
	b.closeLoadIter()
	it, err := b.db.NewIter(&pebble.IterOptions{})
	if err != nil {
		return nil, err
	}
	c.it, c.itGen = it, b.gen
	return it, nil
}

func (b *PebbleBackend) closeLoadIter() {
	if c := &b.mcache; c.it != nil {
		c.it.Close()
		c.it = nil
	}
}

// markBig serves the key with data key prefix from Pebble from now on;
// with too many such keys, state s becomes direct.
func (b *PebbleBackend) markBig(s *pebbleState, prefix []byte) error {
	c := &b.mcache
	if len(c.big) < mapCacheMaxBig {
		c.big[string(prefix)] = struct{}{}
		return nil
	}
	return b.makeDirect(s)
}

// find returns the index of map key mk in m, or where it would go.
func (m *cachedMap) find(mk []byte) (int, bool) {
	return slices.BinarySearchFunc(m.ents, mk, func(e mapEntry, k []byte) int { return bytes.Compare(e.buf[:e.klen], k) })
}

// mapGet returns the stored encoding of mk in m.
func (m *cachedMap) get(mk []byte) ([]byte, bool) {
	i, ok := m.find(mk)
	if !ok || !m.ents[i].present {
		return nil, false
	}
	return m.ents[i].val(), true
}

// markDirty accounts entry i as changed.
func (b *PebbleBackend) markDirty(m *cachedMap, e *mapEntry) {
	if e.dirty {
		return
	}
	e.dirty = true
	m.ndirty++
	b.mapSize.Add(int64(len(e.buf)))
	if !m.listed {
		m.listed = true
		b.mcache.dirty = append(b.mcache.dirty, m)
	}
}

// full reports whether m may not take another entry: it is written back,
// dropped and its key served directly instead (uncache).
func (m *cachedMap) full(maxLen int64) bool {
	return len(m.ents) >= mapCacheMaxEntries || m.bytes > maxLen/8
}

// mapPut sets mk to the stored encoding (uvarint ts | v) in m.
func (b *PebbleBackend) mapPut(m *cachedMap, mk []byte, ts int64, v []byte) error {
	i, ok := m.find(mk)
	need := uvarintLen(uint64(ts)) + len(v)
	c := &b.mcache
	if !ok {
		buf := append(c.pool.get(len(mk)+need), mk...)
		m.ents = slices.Insert(m.ents, i, mapEntry{buf: buf, klen: int32(len(mk))})
		n := m.ents[i].size()
		m.bytes += n
		c.bytes += n
	}
	e := &m.ents[i]
	if ok && !e.present && !e.inDB {
		m.dead--
	}
	if int(e.klen)+need > cap(e.buf) {
		old := e.size()
		nb := append(c.pool.get(int(e.klen)+need), e.buf[:e.klen]...)
		c.pool.put(e.buf)
		e.buf = nb
		n := e.size() - old
		m.bytes += n
		c.bytes += n
	}
	e.buf = binary.AppendUvarint(e.buf[:e.klen], uint64(ts))
	e.buf = append(e.buf, v...)
	e.present = true
	b.markDirty(m, e)
	if b.mcache.bytes > b.mcache.maxLen {
		return b.mapMakeRoom(0)
	}
	return nil
}

// mapRemoveRange removes the entries of m in [lo, hi): those Pebble may
// hold become dirty tombstones; the others become dead entries, kept so
// that a key removed and put again (a MAX's retracted value) reuses its
// buffers, and dropped once they are more than half of m.
func (b *PebbleBackend) mapRemoveRange(m *cachedMap, lo, hi int) {
	for i := lo; i < hi; i++ {
		e := &m.ents[i]
		if !e.present {
			continue
		}
		e.present = false
		if e.inDB {
			b.markDirty(m, e)
			continue
		}
		m.dead++
		if e.dirty {
			e.dirty = false
			m.ndirty--
		}
	}
	if m.dead > 8 && m.dead*2 > len(m.ents) {
		b.dropDead(m)
	}
}

// dropDead removes m's dead entries.
func (b *PebbleBackend) dropDead(m *cachedMap) {
	kept := m.ents[:0]
	for _, e := range m.ents {
		if e.present || e.inDB {
			kept = append(kept, e)
			continue
		}
		m.bytes -= e.size()
		b.mcache.bytes -= e.size()
		b.mcache.pool.put(e.buf)
	}
	clear(m.ents[len(kept):])
	m.ents = kept
	m.dead = 0
}

// mapRange returns the index range of m's entries with map key in
// [from, to) (nil: unbounded).
func (m *cachedMap) rangeOf(from, to []byte) (int, int) {
	lo, hi := 0, len(m.ents)
	if len(from) > 0 {
		lo, _ = m.find(from)
	}
	if to != nil {
		hi, _ = m.find(to)
		hi = max(hi, lo)
	}
	return lo, hi
}

// uncache writes m back and drops it, and serves its key from Pebble from
// now on (it grew too large).
func (b *PebbleBackend) uncache(s *pebbleState, m *cachedMap) error {
	batch := b.db.NewBatch()
	defer batch.Close()
	if err := b.writeBackMap(batch, m); err != nil {
		return err
	}
	b.dropMap(m)
	if err := b.commitWriteBack(batch); err != nil {
		return err
	}
	return b.markBig(s, []byte(m.prefix))
}

// writeBackMap adds m's dirty entries to batch and marks them clean,
// dropping the tombstones.
func (b *PebbleBackend) writeBackMap(batch *pebble.Batch, m *cachedMap) error {
	if m.ndirty == 0 && !m.listed {
		return nil
	}
	c := &b.mcache
	kept := m.ents[:0]
	written := false
	for i := range m.ents {
		e := m.ents[i]
		if e.dirty {
			c.kbuf = append(append(c.kbuf[:0], m.prefix...), e.mk()...)
			if err := b.writeBackKey(batch, c.kbuf, e.val(), e.present, e.inDB); err != nil {
				return err
			}
			written = written || e.present
			e.dirty = false
			e.inDB = e.present
		}
		if e.present {
			kept = append(kept, e)
		} else {
			m.bytes -= e.size()
			c.bytes -= e.size()
			c.pool.put(e.buf)
		}
	}
	if written {
		b.writtenMaps.addString(m.prefix)
	}
	clear(m.ents[len(kept):])
	m.ents = kept
	m.dead = 0
	m.ndirty = 0
	m.listed = false
	return nil
}

func (b *PebbleBackend) commitWriteBack(batch *pebble.Batch) error {
	if batch.Empty() {
		return nil
	}
	b.wrote()
	if err := batch.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("state: operator %s: writing back cached state: %w", b.cfg.OperatorID, err)
	}
	return nil
}

// dropMap removes m from the cache (written back already); its entries'
// buffers go back to the pool.
func (b *PebbleBackend) dropMap(m *cachedMap) {
	c := &b.mcache
	delete(c.m, m.prefix)
	c.bytes -= m.bytes
	m.gone = true
	b.releaseEntries(m.ents)
	m.ents = nil
}

// releaseEntries gives the entries' buffers back to the pool.
func (b *PebbleBackend) releaseEntries(ents []mapEntry) {
	for i := range ents {
		b.mcache.pool.put(ents[i].buf)
		ents[i].buf = nil
	}
}

// flushMaps writes every dirty map back in one batch; the maps stay
// cached, clean.
func (b *PebbleBackend) flushMaps() error {
	c := &b.mcache
	if len(c.dirty) == 0 {
		return nil
	}
	batch := b.db.NewBatch()
	defer batch.Close()
	for _, m := range c.dirty {
		if m.gone {
			continue
		}
		if err := b.writeBackMap(batch, m); err != nil {
			return err
		}
	}
	clear(c.dirty)
	c.dirty = c.dirty[:0]
	b.mapSize.Store(0)
	return b.commitWriteBack(batch)
}

// mapMakeRoom makes room for n more bytes: when the cache would exceed its
// limit, the maps not used since the previous sweep are written back and
// evicted (a clock: a used map loses its mark and survives one sweep)
// until a quarter of the limit is free.
func (b *PebbleBackend) mapMakeRoom(n int64) error {
	c := &b.mcache
	if c.bytes+n <= c.maxLen {
		return nil
	}
	target := c.maxLen - c.maxLen/4 - n
	batch := b.db.NewBatch()
	defer batch.Close()
	for pass := 0; pass < 2 && c.bytes > target; pass++ {
		for _, m := range c.m {
			if c.bytes <= target {
				break
			}
			if m.ref {
				m.ref = false
				continue
			}
			if err := b.writeBackMap(batch, m); err != nil {
				return err
			}
			b.dropMap(m)
		}
	}
	b.mapSize.Store(b.dirtyMapBytes())
	return b.commitWriteBack(batch)
}

// dirtyMapBytes counts the bytes of the dirty entries still cached (after
// an eviction; SizeBytes) and drops the evicted maps from the dirty list.
func (b *PebbleBackend) dirtyMapBytes() int64 {
	var n int64
	c := &b.mcache
	live := c.dirty[:0]
	for _, m := range c.dirty {
		if m.gone || !m.listed {
			continue
		}
		live = append(live, m)
		for i := range m.ents {
			if e := &m.ents[i]; e.dirty {
				n += int64(len(e.buf))
			}
		}
	}
	clear(c.dirty[len(live):])
	c.dirty = live
	return n
}

// dropMapCache forgets the cache without writing it back (Close).
func (b *PebbleBackend) dropMapCache() {
	b.closeLoadIter()
	c := &b.mcache
	c.m = map[string]*cachedMap{}
	c.big = map[string]struct{}{}
	c.dirty, c.bytes = nil, 0
	b.mapSize.Store(0)
}

// dropStateMaps writes back and drops every cached map of state s (it
// switches to direct access).
func (b *PebbleBackend) dropStateMaps(s *pebbleState) error {
	if err := b.flushMaps(); err != nil {
		return err
	}
	c := &b.mcache
	for k, m := range c.m {
		if sid, ok := keyStateID(k); ok && sid == s.id {
			b.dropMap(m)
		}
	}
	return nil
}

// bufPool recycles the map cache's entry buffers: capacities are powers
// of two from 32 bytes, kept per size class up to bufPoolBytes in all, so
// entries put and removed again and again (a join's short-lived rows, a
// MAX's retracted values) and maps evicted and loaded again allocate
// nothing once the pool holds buffers of their sizes.
type bufPool struct {
	free  [bufPoolClasses][][]byte
	bytes int
}

const (
	bufPoolMinShift = 5
	bufPoolClasses  = 16 // up to 1 MiB; larger buffers are not pooled
	bufPoolBytes    = 8 << 20
)

func bufClass(n int) int {
	return max(bits.Len(uint(n-1)), bufPoolMinShift) - bufPoolMinShift
}

// get returns an empty buffer of capacity at least n.
func (p *bufPool) get(n int) []byte {
	c := bufClass(n)
	if c >= bufPoolClasses {
		return make([]byte, 0, n)
	}
	if l := p.free[c]; len(l) > 0 {
		buf := l[len(l)-1]
		l[len(l)-1] = nil
		p.free[c] = l[:len(l)-1]
		p.bytes -= cap(buf)
		return buf[:0]
	}
	return make([]byte, 0, 1<<(c+bufPoolMinShift))
}

// put keeps buf for a later get when the pool has room.
func (p *bufPool) put(buf []byte) {
	n := cap(buf)
	if n < 1<<bufPoolMinShift || n&(n-1) != 0 || p.bytes+n > bufPoolBytes {
		return
	}
	c := bufClass(n)
	if c >= bufPoolClasses {
		return
	}
	p.free[c] = append(p.free[c], buf)
	p.bytes += n
}
