package state

import (
	"bytes"
	"hash/maphash"
)

// Compaction of a changelog segment before it is uploaded.
//
// The log records every change; a state that changes the same key many
// times between two checkpoints (a window accumulator, a running count)
// logs it many times, although a restore needs only the last. A segment is
// therefore written without the changes a later change of the same segment
// makes redundant:
//
//   - any change of (state, key) followed in the segment by a 'c' (Clear)
//     of the same (state, key): the clear removes whatever it did;
//   - any change followed by a 'u' (ValueState.Update) of the same
//     (state, key): only value states are updated, and an update replaces
//     the value whatever it was;
//   - any change followed by an 'l' (ListState.Update): it replaces the
//     whole list;
//   - a 'p' or 'r' (MapState.Put / Remove) of a map key followed by a 'p'
//     or 'r' of the same (state, key, map key): the later one decides the
//     entry (window operators keep their accumulators in map entries).
//
// Records that set the context of later ones stay: every 'S' (state
// declaration) and 'T' (time of the following changes), and a 'K' (the key
// of the following changes) unless no change after it survives before the
// next 'K' — the last 'K' of a segment always stays, since the next
// segment's first changes may continue under it. Changes before the
// segment's first 'K' belong to a key set in an earlier segment and are
// never dropped. Replaying the compacted segment after the same earlier
// segments gives every key the state the full segment gives it, with the
// same write times (TTL).
//
// The work runs on the goroutine that writes the checkpoint, not the
// task's: two passes over the records, a hash table with an entry per
// distinct (state, key) the segment changes.

// segmentCompactor holds the hash table between segments of one backend
// (Pending.Write runs one at a time per snapshot; a compactor is not
// shared).
type segmentCompactor struct {
	seed    maphash.Seed
	slots   []int32 // index into entries +1; 0 = empty
	entries []compactEntry
	mask    uint64
}

// compactEntry is one (state, key) — or (state, key, map key) — of the
// segment and the index of its last superseding change (a 'c', 'u' or 'l';
// for a map key a 'p' or 'r').
type compactEntry struct {
	hash uint64
	id   uint64
	kg   uint64
	key  span
	mk   span  // chunk -1: none
	last int64 // record index; -1: none
}

// span is bytes of the view: view[chunk][start:end].
type span struct{ chunk, start, end int32 }

func (s span) of(view [][]byte) []byte {
	if s.chunk < 0 {
		return nil
	}
	return view[s.chunk][s.start:s.end]
}

// mapKeyOperand reads the map key of a 'p' or 'r' record and skips the
// rest; it returns the key's span.
func mapKeyOperand(view [][]byte, r *walkedRecord, d *decoder) span {
	mk := d.bytes()
	end := int32(len(view[r.chunk]) - len(d.b))
	if r.op == 'p' {
		d.bytes()
	}
	return span{int32(r.chunk), end - int32(len(mk)), end}
}

var noSpan = span{-1, 0, 0}

// compactView returns the records of view without the redundant changes,
// and whether anything was dropped (when nothing was, the caller may
// upload view as it is). view holds whole records (the log never splits a
// record between chunks, and views start and end at record boundaries).
func compactView(view [][]byte) ([]byte, bool) {
	var c segmentCompactor
	c.seed = maphash.MakeSeed()
	return c.compact(view)
}

// walkedRecord is a record walkView is at.
type walkedRecord struct {
	op    byte
	id    uint64
	chunk int
	start int // where the record starts in view[chunk]
}

// walkView calls fn for every record of view with the decoder after the op
// byte and, for changes, the state id; fn consumes the rest. It reports
// false for a malformed record.
func walkView(view [][]byte, fn func(r *walkedRecord, d *decoder)) bool {
	var r walkedRecord
	for ci, data := range view {
		d := decoder{b: data}
		for len(d.b) > 0 && d.err == nil {
			r.chunk = ci
			r.start = len(data) - len(d.b)
			r.op = d.byte()
			r.id = 0
			switch r.op {
			case 'S', 'K', 'T':
			case 'u', 'c', 'a', 'l', 'L', 'p', 'r', 'R', 'm':
				r.id = d.uvarint()
			default:
				return false
			}
			fn(&r, &d)
			if d.err != nil {
				return false
			}
		}
		if d.err != nil {
			return false
		}
	}
	return true
}

func (c *segmentCompactor) compact(view [][]byte) ([]byte, bool) {
	total := 0
	for _, v := range view {
		total += len(v)
	}
	if total == 0 {
		return nil, false
	}
	c.reset(total / 16)
	// Pass 1: the last superseding change of every (state, key).
	var idx int64
	var keyChunk, keyStart, keyEnd int32 = -1, 0, 0
	var keyKG uint64
	var keyHash uint64
	ok := walkView(view, func(r *walkedRecord, d *decoder) {
		switch r.op {
		case 'K':
			keyKG = d.uvarint()
			k := d.bytes()
			keyChunk = int32(r.chunk)
			keyEnd = int32(len(view[r.chunk]) - len(d.b))
			keyStart = keyEnd - int32(len(k))
			keyHash = maphash.Bytes(c.seed, k)
		case 'S':
			skipOperands('S', d)
		case 'T':
			skipOperands('T', d)
		case 'p', 'r':
			mk := mapKeyOperand(view, r, d)
			if keyChunk >= 0 {
				e := c.find(view, r.id, keyKG, keyHash, span{keyChunk, keyStart, keyEnd}, mk, true)
				c.entries[e].last = idx
			}
		default:
			skipRest(r.op, d)
			if keyChunk >= 0 && (r.op == 'c' || r.op == 'u' || r.op == 'l') {
				e := c.find(view, r.id, keyKG, keyHash, span{keyChunk, keyStart, keyEnd}, noSpan, true)
				c.entries[e].last = idx
			}
		}
		idx++
	})
	if !ok {
		return nil, false // malformed: upload as is (a restore reports it)
	}
	// Pass 2: copy what survives.
	out := make([]byte, 0, total)
	dropped := false
	idx = 0
	keyChunk = -1
	pendingK := [2]int{-1, 0} // a 'K' record not yet written: chunk, start
	pendingEnd := 0
	walkView(view, func(r *walkedRecord, d *decoder) {
		defer func() { idx++ }()
		switch r.op {
		case 'K':
			keyKG = d.uvarint()
			k := d.bytes()
			if pendingK[0] >= 0 {
				dropped = true // a key none of whose changes survived
			}
			pendingK = [2]int{r.chunk, r.start}
			pendingEnd = len(view[r.chunk]) - len(d.b)
			keyChunk = int32(r.chunk)
			keyEnd = int32(pendingEnd)
			keyStart = keyEnd - int32(len(k))
			keyHash = maphash.Bytes(c.seed, k)
			return
		case 'S', 'T':
			skipOperands(r.op, d)
			out = append(out, view[r.chunk][r.start:len(view[r.chunk])-len(d.b)]...)
			return
		}
		mk := noSpan
		if r.op == 'p' || r.op == 'r' {
			mk = mapKeyOperand(view, r, d)
		} else {
			skipRest(r.op, d)
		}
		end := len(view[r.chunk]) - len(d.b)
		if keyChunk >= 0 {
			key := span{keyChunk, keyStart, keyEnd}
			if e := c.find(view, r.id, keyKG, keyHash, key, noSpan, false); e >= 0 && c.entries[e].last > idx {
				dropped = true
				return
			}
			if mk.chunk >= 0 {
				if e := c.find(view, r.id, keyKG, keyHash, key, mk, false); e >= 0 && c.entries[e].last > idx {
					dropped = true
					return
				}
			}
		}
		if pendingK[0] >= 0 {
			out = append(out, view[pendingK[0]][pendingK[1]:pendingEnd]...)
			pendingK[0] = -1
		}
		out = append(out, view[r.chunk][r.start:end]...)
	})
	if pendingK[0] >= 0 {
		out = append(out, view[pendingK[0]][pendingK[1]:pendingEnd]...)
	}
	return out, dropped
}

// reset empties the table, sized for about n entries.
func (c *segmentCompactor) reset(n int) {
	size := 1024
	for size < 2*n {
		size <<= 1
	}
	if cap(c.slots) >= size {
		c.slots = c.slots[:size]
		clear(c.slots)
	} else {
		c.slots = make([]int32, size)
	}
	c.mask = uint64(size - 1)
	c.entries = c.entries[:0]
}

// find returns the entry of (id, kg, key[, map key]) — mk.chunk -1 for
// none — adding it when add is set (else -1 when absent).
func (c *segmentCompactor) find(view [][]byte, id, kg, keyHash uint64, key, mk span, add bool) int {
	h := keyHash ^ (id * 0x9E3779B97F4A7C15) ^ (kg * 0xC2B2AE3D27D4EB4F)
	mkb := mk.of(view)
	if mk.chunk >= 0 {
		h ^= maphash.Bytes(c.seed, mkb)*0xFF51AFD7ED558CCD + 1
	}
	kb := key.of(view)
	for i := h & c.mask; ; i = (i + 1) & c.mask {
		s := c.slots[i]
		if s == 0 {
			if !add {
				return -1
			}
			c.entries = append(c.entries, compactEntry{hash: h, id: id, kg: kg, key: key, mk: mk, last: -1})
			c.slots[i] = int32(len(c.entries))
			if 2*len(c.entries) > len(c.slots) {
				c.grow()
			}
			return len(c.entries) - 1
		}
		e := &c.entries[s-1]
		if e.hash == h && e.id == id && e.kg == kg && (e.mk.chunk < 0) == (mk.chunk < 0) &&
			bytes.Equal(e.key.of(view), kb) && bytes.Equal(e.mk.of(view), mkb) {
			return int(s - 1)
		}
	}
}

// grow doubles the table.
func (c *segmentCompactor) grow() {
	c.slots = make([]int32, 2*len(c.slots))
	c.mask = uint64(len(c.slots) - 1)
	for n, e := range c.entries {
		for i := e.hash & c.mask; ; i = (i + 1) & c.mask {
			if c.slots[i] == 0 {
				c.slots[i] = int32(n + 1)
				break
			}
		}
	}
}
