package state

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/cockroachdb/pebble"
)

// valueCache is the Pebble backend's write-back cache of value state
// (value, reducing and aggregating states: one Pebble key per key) and of
// the entries of map states that are only accessed by map key (see
// pebbleState.direct), in front of the database for the keys an operator touches again and again
// (a window's or group's accumulator is read and written once per batch
// that has its key; a point read goes through the memtables and every
// level, a write through Pebble's commit pipeline).
//
// Entries are keyed by the full data key and hold the stored encoding
// (uvarint write time | value), or "no value". A read that misses loads the
// entry from Pebble (also "no value"); writes only change the entry and mark
// it dirty. Dirty entries are written back in one batch (Set, or Delete
// where Pebble may hold a value) by flush, which runs before anything reads
// value state out of Pebble other than through the cache: Snapshot (so the
// Pebble checkpoint holds exactly the state at the barrier), Keys and the
// TTL sweep. When the cache outgrows its limit it is flushed and emptied.
// TTL is checked on the cached encoding exactly as on Pebble's.
type valueCache struct {
	m     map[string]*cacheEntry
	bytes int64 // accounted size of m's keys, values and overheads
	// dirty holds the entries to write back, written back in key order (a
	// batch Pebble would otherwise sort entry by entry through an
	// interface, and the map's own order is random).
	dirty  []*cacheEntry
	maxLen int64 // limit of bytes; a write past it flushes and empties
	kbuf   []byte

	// pointGet's iterator (valid while itGen is the backend's gen) and the
	// key last read.
	it        *pebble.Iterator
	itGen     uint64
	last      []byte
	ascending int // reads in a row with a key above the previous one
}

// ascendingRun is the run of ascending reads after which pointGet reads
// through its iterator.
const ascendingRun = 8

// cacheEntry is one key's value state.
type cacheEntry struct {
	key     string // the data key (shared with the map's key)
	val     []byte // stored encoding; meaningful when present
	present bool   // the key has a value
	dirty   bool   // differs from Pebble
	inDB    bool   // Pebble may hold a value for the key (a Delete is needed)
}

// cacheEntryOverhead approximates the map slot, entry and headers per key.
const cacheEntryOverhead = 120

// valueCacheBytes is the default limit of a backend's value cache; tests
// lower it to exercise the write-back on overflow.
var valueCacheBytes int64 = 64 << 20

func (c *valueCache) init() {
	c.m = map[string]*cacheEntry{}
	c.maxLen = valueCacheBytes
}

// cacheGet returns the entry of k, loading it from Pebble on a miss. A value found
// expired in Pebble is deleted there and cached as absent.
func (b *PebbleBackend) cacheGet(s *pebbleState, k []byte) (*cacheEntry, error) {
	c := &b.vcache
	if e := c.m[string(k)]; e != nil {
		return e, nil
	}
	var v []byte
	var closer io.Closer
	err := pebble.ErrNotFound
	if b.writtenKeys.mayContain(k) {
		v, closer, err = b.pointGet(k)
	}
	e := &cacheEntry{}
	switch {
	case errNotFound(err):
	case err != nil:
		return nil, b.wrap(s, err)
	default:
		ts, _, ok := decodeTS(v)
		if !ok {
			closer.Close()
			return nil, b.wrap(s, fmt.Errorf("malformed value for key %x", k))
		}
		if s.ttl > 0 && expired(ts, s.ttl, b.now()) {
			closer.Close()
			b.wrote()
			if err := b.db.Delete(k, pebble.NoSync); err != nil {
				return nil, b.wrap(s, err)
			}
		} else {
			e.val = append(make([]byte, 0, len(v)), v...)
			e.present, e.inDB = true, true
			closer.Close()
		}
	}
	if err := b.cacheMakeRoom(int64(len(k)+cap(e.val)) + cacheEntryOverhead); err != nil {
		return nil, err
	}
	c.add(k, e)
	return e, nil
}

// pointGet reads key k from Pebble. A run of reads in ascending key order
// (a window's groups fired in key order, windowTimers.keyOrder)
// repositions one iterator forward, which Pebble does by stepping from
// where it is; other reads are point lookups, which skip files by their
// Bloom filters (random keys ascend half the time, but seldom
// ascendingRun times in a row).
func (b *PebbleBackend) pointGet(k []byte) ([]byte, io.Closer, error) {
	c := &b.vcache
	if c.last != nil && bytes.Compare(k, c.last) > 0 {
		c.ascending++
	} else {
		c.ascending = 0
	}
	c.last = append(c.last[:0], k...)
	if c.ascending < ascendingRun {
		return b.db.Get(k)
	}
	if c.it == nil || c.itGen != b.gen {
		b.closePointIter()
		it, err := b.db.NewIter(&pebble.IterOptions{})
		if err != nil {
			return nil, nil, err
		}
		c.it, c.itGen = it, b.gen
	}
	if !c.it.SeekGE(k) || !bytes.Equal(c.it.Key(), k) {
		if err := c.it.Error(); err != nil {
			return nil, nil, err
		}
		return nil, nil, pebble.ErrNotFound
	}
	return c.it.Value(), nopCloser{}, nil
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

func (b *PebbleBackend) closePointIter() {
	if c := &b.vcache; c.it != nil {
		c.it.Close()
		c.it = nil
	}
}

// add caches e as the entry of key k.
func (c *valueCache) add(k []byte, e *cacheEntry) {
	e.key = string(k)
	c.m[e.key] = e
}

// markDirty marks clean entry e dirty.
func (c *valueCache) markDirty(e *cacheEntry) {
	e.dirty = true
	c.dirty = append(c.dirty, e)
}

// cacheMakeRoom accounts n more bytes, first writing back and dropping the
// whole cache when they would not fit. (Dropping only the entries not used
// lately measured slower: with keys streaming through faster than they
// return, nearly every entry is recent at each sweep, and evicting a part
// at a time scans the whole cache several times as often.)
func (b *PebbleBackend) cacheMakeRoom(n int64) error {
	c := &b.vcache
	if c.bytes+n > c.maxLen && len(c.m) > 0 {
		if err := b.flushValues(); err != nil {
			return err
		}
		clear(c.m)
		c.bytes = 0
	}
	c.bytes += n
	return nil
}

// writeBackValue adds dirty entry e to batch.
func (b *PebbleBackend) writeBackValue(batch *pebble.Batch, e *cacheEntry) error {
	c := &b.vcache
	c.kbuf = append(c.kbuf[:0], e.key...) // the batch copies it
	if e.present {
		b.noteMapEntry(c.kbuf)
	}
	return b.writeBackKey(batch, c.kbuf, e.val, e.present, e.inDB)
}

// writeBackKey adds a cached entry of either cache to batch: Set when
// present (the key joins the written-keys filter), Delete where Pebble may
// hold a value, nothing otherwise.
func (b *PebbleBackend) writeBackKey(batch *pebble.Batch, k, val []byte, present, inDB bool) error {
	var err error
	switch {
	case present:
		err = batch.Set(k, val, nil)
		b.writtenKeys.add(k)
	case inDB:
		err = batch.Delete(k, nil)
	}
	if err != nil {
		return fmt.Errorf("state: operator %s: writing back cached state: %w", b.cfg.OperatorID, err)
	}
	return nil
}

// cacheSet stores v, written at ts, as the value of k (encoded as Pebble
// stores it: uvarint ts | v).
func (b *PebbleBackend) cacheSet(s *pebbleState, k []byte, ts int64, v []byte) error {
	c := &b.vcache
	e := c.m[string(k)]
	if e == nil {
		e = &cacheEntry{inDB: b.writtenKeys.mayContain(k)} // Pebble may hold one
		if err := b.cacheMakeRoom(int64(len(k)+binary.MaxVarintLen64+len(v)) + cacheEntryOverhead); err != nil {
			return err
		}
		c.add(k, e)
		e.val = make([]byte, 0, binary.MaxVarintLen64+len(v))
	} else {
		old := cap(e.val)
		e.val = e.val[:0]
		if need := binary.MaxVarintLen64 + len(v); need > old {
			e.val = make([]byte, 0, need)
			c.bytes += int64(need - old)
		}
	}
	e.val = binary.AppendUvarint(e.val, uint64(ts))
	e.val = append(e.val, v...)
	e.present = true
	if !e.dirty {
		c.markDirty(e)
		b.cacheSize.Add(int64(len(k) + len(e.val)))
	}
	return nil
}

// cacheClear removes the value of k.
func (b *PebbleBackend) cacheClear(k []byte) error {
	c := &b.vcache
	e := c.m[string(k)]
	if e == nil {
		if !b.writtenKeys.mayContain(k) {
			return nil // never written: nothing to remove
		}
		e = &cacheEntry{inDB: true}
		if err := b.cacheMakeRoom(int64(len(k)) + cacheEntryOverhead); err != nil {
			return err
		}
		c.add(k, e)
	}
	if !e.present && !e.inDB {
		return nil // nothing here nor in Pebble
	}
	e.present = false
	if !e.dirty {
		c.markDirty(e)
		b.cacheSize.Add(int64(len(k)))
	}
	return nil
}

// flushValues writes every dirty entry back to Pebble in one batch; the
// entries stay cached, clean.
func (b *PebbleBackend) flushValues() error {
	c := &b.vcache
	if len(c.dirty) == 0 {
		return nil
	}
	batch := b.db.NewBatch()
	defer batch.Close()
	slices.SortFunc(c.dirty, func(x, y *cacheEntry) int { return strings.Compare(x.key, y.key) })
	for _, e := range c.dirty {
		if err := b.writeBackValue(batch, e); err != nil {
			return err
		}
	}
	b.wrote()
	if err := batch.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("state: operator %s: writing back cached state: %w", b.cfg.OperatorID, err)
	}
	for _, e := range c.dirty {
		e.dirty = false
		e.inDB = e.present
	}
	clear(c.dirty)
	c.dirty = c.dirty[:0]
	b.cacheSize.Store(0)
	return nil
}

// noteMapEntry adds the prefix of data key k to the written filter when k
// is a map entry (a map state's entries cached one by one).
func (b *PebbleBackend) noteMapEntry(k []byte) {
	_, sid, _, rest, ok := parseDataKey(k)
	if s := b.byID[sid]; ok && s != nil && s.kind == KindMap {
		b.writtenMaps.add(k[:len(k)-len(rest)])
	}
}

// flushCaches writes back both caches (before anything reads state out of
// Pebble other than through them).
func (b *PebbleBackend) flushCaches() error {
	if err := b.flushValues(); err != nil {
		return err
	}
	return b.flushMaps()
}

// makeWhole switches map state s to whole-map caching before its first
// scan: the value cache is written back and s's entries leave it.
func (b *PebbleBackend) makeWhole(s *pebbleState) error {
	if err := b.dropStateValues(s); err != nil {
		return err
	}
	s.whole = true
	return nil
}

// makeDirect switches map state s to direct access: both caches are
// written back and s's entries leave them, so every later access sees
// Pebble only.
func (b *PebbleBackend) makeDirect(s *pebbleState) error {
	if err := b.dropStateMaps(s); err != nil {
		return err
	}
	if err := b.dropStateValues(s); err != nil {
		return err
	}
	s.direct = true
	return nil
}

// dropStateValues writes back the value cache and removes s's entries.
func (b *PebbleBackend) dropStateValues(s *pebbleState) error {
	if err := b.flushValues(); err != nil {
		return err
	}
	c := &b.vcache
	for k, e := range c.m {
		if sid, ok := keyStateID(k); ok && sid == s.id {
			c.bytes -= int64(len(k)+cap(e.val)) + cacheEntryOverhead
			delete(c.m, k)
		}
	}
	return nil
}

// dropValueCache forgets the cache without writing it back (Close).
func (b *PebbleBackend) dropValueCache() {
	b.closePointIter()
	b.vcache.m = map[string]*cacheEntry{}
	b.vcache.bytes, b.vcache.dirty = 0, nil
	b.cacheSize.Store(0)
}
