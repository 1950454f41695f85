package jdbc

import (
	"github.com/flinkgo/engine/runtime/types"
)

// lookupEntry is the result of looking up one key: its matching rows
// (projected), possibly none.
type lookupEntry struct {
	key        string
	rows       *types.Batch // nil when no row matches
	written    int64        // ms
	accessed   int64        // ms
	prev, next *lookupEntry // LRU list, when cached
}

// partialCache is lookup.cache = PARTIAL: an LRU of lookup results keyed by
// the encoded key, bounded by lookup.partial-cache.max-rows entries (keys,
// as Flink's cache counts them), expiring entries after write and/or after
// access. Used by one lookuper, from one goroutine: no locking.
type partialCache struct {
	maxRows     int64 // < 0: unbounded
	afterWrite  int64 // ms, 0: never
	afterAccess int64 // ms, 0: never
	cacheMiss   bool  // cache keys without rows
	entries     map[string]*lookupEntry
	head        lookupEntry // sentinel: head.next is the most recently used

	hits, misses int64
}

func newPartialCache(c *config) *partialCache {
	p := &partialCache{maxRows: c.cacheMaxRows, afterWrite: c.cacheWrite.Milliseconds(),
		afterAccess: c.cacheAccess.Milliseconds(), cacheMiss: c.cacheMissing,
		entries: map[string]*lookupEntry{}}
	p.head.next, p.head.prev = &p.head, &p.head
	return p
}

func (c *partialCache) unlink(e *lookupEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (c *partialCache) pushFront(e *lookupEntry) {
	e.prev, e.next = &c.head, c.head.next
	c.head.next.prev = e
	c.head.next = e
}

// get returns the live entry of key, or nil.
func (c *partialCache) get(key []byte, now int64) *lookupEntry {
	e, ok := c.entries[string(key)]
	if !ok {
		c.misses++
		return nil
	}
	if c.afterWrite > 0 && now-e.written >= c.afterWrite || c.afterAccess > 0 && now-e.accessed >= c.afterAccess {
		c.remove(e)
		c.misses++
		return nil
	}
	e.accessed = now
	c.unlink(e)
	c.pushFront(e)
	c.hits++
	return e
}

// put stores e (unless it has no rows and missing keys are not cached),
// evicting the least recently used entries beyond maxRows.
func (c *partialCache) put(e *lookupEntry, now int64) {
	if e.rows == nil && !c.cacheMiss || c.maxRows == 0 {
		return
	}
	if old, ok := c.entries[e.key]; ok {
		c.remove(old)
	}
	e.written, e.accessed = now, now
	c.pushFront(e)
	c.entries[e.key] = e
	for c.maxRows > 0 && int64(len(c.entries)) > c.maxRows {
		c.remove(c.head.prev)
	}
}

func (c *partialCache) remove(e *lookupEntry) {
	c.unlink(e)
	delete(c.entries, e.key)
}
