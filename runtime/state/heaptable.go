package state

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"slices"
)

// slabTable is the compact layout of the heap backend: a set of records
// keyed by byte strings, in two pointer-free slices the GC never scans.
//
//   - slab is an append-only arena of records
//     [uvarint key length][key][uvarint write time][uvarint value length][value]
//     (exactly an entry of a value kind in the snapshot file, heapsnapshot.go,
//     so a snapshot copies records as they are);
//   - slots is an open-addressing hash table (linear probing, backward-shift
//     deletion) of 64-bit slots: the key's 32-bit hash above the record's
//     offset+1; 0 is an empty slot. Its size is any number (the home slot is
//     hash×size>>32), grown by 1.6× at a load of 0.8.
//
// An update overwrites the record in place when no live snapshot can see it
// and the new value fits (no longer, headers of the same length);
// otherwise the new record is appended and the old one counts as dead. A slab is compacted (copied into a new array)
// when more than half of it is dead.
//
// Copy-on-write (heap.go): a clone copies the slots and shares the slab's
// array; the clone only appends beyond the length the original had, and
// overwrites in place only records written after every live snapshot
// (marks: the generation of the records from each offset on — generations
// never decrease along the slab), so the original, held by a snapshot,
// never sees a change.
type slabTable struct {
	slots []uint64
	n     int // live records
	slab  []byte
	dead  int // bytes of slab no slot refers to
	marks []genMark
}

// genMark says the records from off on were written in generation gen (or
// later, until the next mark).
type genMark struct {
	gen uint64
	off int
}

// heapSeed seeds the key hash of every table of the process; hashes are
// never persisted.
var heapSeed = maphash.MakeSeed()

// keyHash is the 32-bit hash tables use for key.
func keyHash(key []byte) uint32 { return uint32(maphash.Bytes(heapSeed, key) >> 32) }

const (
	maxSlab     = 1<<32 - 2 // offsets are stored +1 in 32 bits
	compactMin  = 4 << 10   // slabs smaller than this are never compacted
	minTableLen = 4
)

// home is the first slot probed for hash h in a table of n slots.
func home(h uint32, n int) int { return int(uint64(h) * uint64(n) >> 32) }

// recKey returns the key of the record at off and the offset after it.
func recKey(slab []byte, off int) ([]byte, int) {
	kl, n := uvarintAt(slab, off)
	p := off + n
	return slab[p : p+kl : p+kl], p + kl
}

// recBody decodes the record at off: its key, write time, the offset of
// its value, the value's length and the end of the record.
func recBody(slab []byte, off int) (ts int64, tsPos, vPos, vLen int) {
	_, p := recKey(slab, off)
	t, n := binary.Uvarint(slab[p:])
	tsPos = p
	p += n
	vl, n := uvarintAt(slab, p)
	return int64(t), tsPos, p + n, vl
}

// recEnd is the offset just after the record at off.
func recEnd(slab []byte, off int) int {
	_, _, vPos, vLen := recBody(slab, off)
	return vPos + vLen
}

// uvarintAt decodes a uvarint length at off (one byte in the common case).
func uvarintAt(b []byte, off int) (int, int) {
	if c := b[off]; c < 0x80 {
		return int(c), 1
	}
	v, n := binary.Uvarint(b[off:])
	return int(v), n
}

// find returns the slot of key (hash h) and its record's offset, or the
// empty slot where it would be inserted and false.
func (t *slabTable) find(h uint32, key []byte) (slot, off int, ok bool) {
	n := len(t.slots)
	if n == 0 {
		return -1, 0, false
	}
	i := home(h, n)
	for {
		s := t.slots[i]
		if s == 0 {
			return i, 0, false
		}
		if uint32(s>>32) == h {
			o := int(uint32(s)) - 1
			if k, _ := recKey(t.slab, o); bytes.Equal(k, key) {
				return i, o, true
			}
		}
		if i++; i == n {
			i = 0
		}
	}
}

// value returns the write time and value of the record at off; the value
// is capped so appending to it never reaches the next record.
func (t *slabTable) value(off int) (int64, []byte) {
	ts, _, vPos, vLen := recBody(t.slab, off)
	return ts, t.slab[vPos : vPos+vLen : vPos+vLen]
}

// mutable reports whether the record at off was written after every live
// snapshot (maxLive: the newest generation a live snapshot holds).
func (t *slabTable) mutable(off int, maxLive uint64) bool {
	if maxLive == 0 {
		return true
	}
	for i := len(t.marks) - 1; i >= 0; i-- {
		if t.marks[i].off <= off {
			return t.marks[i].gen > maxLive
		}
	}
	return false
}

// overwrite stores (ts, v) in the record at off if it is mutable and v
// fits; it reports whether it did.
func (t *slabTable) overwrite(off int, ts int64, v []byte, maxLive uint64) bool {
	if !t.mutable(off, maxLive) {
		return false
	}
	oldTS, tsPos, vPos, vLen := recBody(t.slab, off)
	if len(v) > vLen || uvarintLen(uint64(ts)) != uvarintLen(uint64(oldTS)) ||
		uvarintLen(uint64(len(v))) != uvarintLen(uint64(vLen)) {
		return false
	}
	copy(t.slab[vPos:], v) // first: v may alias the old value
	binary.PutUvarint(t.slab[tsPos:], uint64(ts))
	binary.PutUvarint(t.slab[vPos-uvarintLen(uint64(vLen)):], uint64(len(v)))
	t.dead += vLen - len(v)
	return true
}

// appendRec appends a record written in generation gen and returns its
// offset. It may compact the slab first (offsets change; slots do not).
func (t *slabTable) appendRec(gen, maxLive uint64, key []byte, ts int64, v []byte) int {
	size := bytesLen(len(key)) + uvarintLen(uint64(ts)) + bytesLen(len(v))
	if t.dead >= compactMin && t.dead*2 > len(t.slab) {
		t.compact(gen, size)
	}
	off := len(t.slab)
	if off+size > maxSlab {
		panic("state: a heap state's key group holds more than 4 GiB")
	}
	if off+size > cap(t.slab) {
		t.growSlab(size)
	}
	if len(t.marks) == 0 || t.marks[len(t.marks)-1].gen != gen {
		if maxLive == 0 {
			// No snapshot sees any record: all count as written now.
			t.marks = append(t.marks[:0], genMark{gen: gen})
		} else {
			t.marks = append(t.marks, genMark{gen: gen, off: off})
		}
	}
	t.slab = binary.AppendUvarint(t.slab, uint64(len(key)))
	t.slab = append(t.slab, key...)
	t.slab = binary.AppendUvarint(t.slab, uint64(ts))
	t.slab = binary.AppendUvarint(t.slab, uint64(len(v)))
	t.slab = append(t.slab, v...)
	return off
}

// growSlab moves the slab into a new array with room for need more bytes
// and a quarter of its length to spare (append's doubling would leave up
// to half of a small slab unused). The old array is left as it was.
func (t *slabTable) growSlab(need int) {
	n := len(t.slab) + need
	slab := make([]byte, len(t.slab), n+n/4+16)
	copy(slab, t.slab)
	t.slab = slab
}

// compact copies the live records into a new array with room for extra
// more bytes. The old array is left as it was (a snapshot may read it).
func (t *slabTable) compact(gen uint64, extra int) {
	live := len(t.slab) - t.dead
	slab := make([]byte, 0, live+live/4+extra)
	for i, s := range t.slots {
		if s == 0 {
			continue
		}
		o := int(uint32(s)) - 1
		end := recEnd(t.slab, o)
		t.slots[i] = s&^0xFFFFFFFF | uint64(len(slab)+1)
		slab = append(slab, t.slab[o:end]...)
	}
	t.slab = slab
	t.dead = 0
	t.marks = append(t.marks[:0], genMark{gen: gen})
}

// insert puts a new key's record offset (hash h) into the table, growing
// it when needed; slot is what find returned.
func (t *slabTable) insert(slot int, h uint32, off int) {
	if slot < 0 || (t.n+1)*5 > len(t.slots)*4 {
		t.resize(max(minTableLen, (t.n+1)*2))
		slot = t.emptySlot(h)
	}
	t.slots[slot] = uint64(h)<<32 | uint64(off+1)
	t.n++
}

// emptySlot is the first empty slot of h's probe sequence.
func (t *slabTable) emptySlot(h uint32) int {
	n := len(t.slots)
	i := home(h, n)
	for t.slots[i] != 0 {
		if i++; i == n {
			i = 0
		}
	}
	return i
}

// reserve makes room for n more keys without growing.
func (t *slabTable) reserve(n int) {
	if (t.n+n)*5 > len(t.slots)*4 {
		t.resize((t.n+n)*5/4 + 1)
	}
}

// resize rehashes into a table of size slots (insert grows to twice the
// keys, 1.6 times the size at which it grows).
func (t *slabTable) resize(size int) {
	old := t.slots
	t.slots = make([]uint64, size)
	for _, s := range old {
		if s != 0 {
			t.slots[t.emptySlot(uint32(s>>32))] = s
		}
	}
}

// setOff points slot at the record at off, a replacement for the key's
// record of oldLen bytes, which is dead.
func (t *slabTable) setOff(slot, off, oldLen int) {
	t.dead += oldLen
	s := t.slots[slot]
	t.slots[slot] = s&^0xFFFFFFFF | uint64(off+1)
}

// delete removes the key in slot; its record is dead.
func (t *slabTable) delete(slot int) {
	o := int(uint32(t.slots[slot])) - 1
	t.dead += recEnd(t.slab, o) - o
	t.n--
	n := len(t.slots)
	i, j := slot, slot
	for {
		if j++; j == n {
			j = 0
		}
		s := t.slots[j]
		if s == 0 {
			break
		}
		k := home(uint32(s>>32), n)
		// The entry at j stays if its home lies cyclically in (i, j].
		if i <= j {
			if i < k && k <= j {
				continue
			}
		} else if i < k || k <= j {
			continue
		}
		t.slots[i] = s
		i = j
	}
	t.slots[i] = 0
	if t.n == 0 {
		// Nothing lives here: drop the arrays (a snapshot may still hold
		// them, so they are never reused).
		t.slots, t.slab, t.dead, t.marks = nil, nil, 0, nil
	}
}

// clone returns a copy for copy-on-write: own slots and marks, the slab's
// array shared (see the type's comment).
func (t *slabTable) clone() slabTable {
	c := *t
	c.slots = slices.Clone(t.slots)
	c.marks = slices.Clone(t.marks)
	// The clone may append into the array's spare capacity: the original
	// (frozen) never appends and reads only below its own length.
	return c
}

// footprint is the memory the table holds.
func (t *slabTable) footprint() int64 {
	return int64(cap(t.slab)) + 8*int64(len(t.slots)) + 16*int64(cap(t.marks))
}

// put stores (ts, v) for key (hash h): in place when the record is
// mutable and v fits, else as a new record. It reports whether a record
// was appended (offsets found before are then stale).
func (t *slabTable) put(gen, maxLive uint64, h uint32, key []byte, ts int64, v []byte) bool {
	slot, off, ok := t.find(h, key)
	if ok && t.overwrite(off, ts, v, maxLive) {
		return false
	}
	oldLen := 0
	if ok {
		oldLen = recEnd(t.slab, off) - off
	}
	n := t.appendRec(gen, maxLive, key, ts, v)
	if ok {
		t.setOff(slot, n, oldLen)
	} else {
		t.insert(slot, h, n)
	}
	return true
}

// cloneTable is clone for a table that may be nil.
func cloneTable(t *slabTable) *slabTable {
	if t == nil {
		return nil
	}
	c := t.clone()
	return &c
}

// anyExpired reports whether any record of t has (want true) or has not
// (want false) expired.
func (t *slabTable) anyExpired(ttl, now int64, want bool) bool {
	if t == nil {
		return false
	}
	for _, sl := range t.slots {
		if sl == 0 {
			continue
		}
		if ts, _ := t.value(slotOff(sl)); expired(ts, ttl, now) == want {
			return true
		}
	}
	return false
}
