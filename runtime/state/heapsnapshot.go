package state

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"sync"
)

// Heap snapshot file format, version 1 (one exclusive file per subtask and
// checkpoint). Integers are uvarint unless noted; "bytes" is a uvarint
// length followed by the bytes.
//
//	magic "FGKS", version byte 1
//	header length (4 bytes BE), header, header CRC-32C (4 bytes BE)
//	header: key group start, key group end,
//	        state count, per state: id, kind byte, TTL ms, name bytes,
//	        offsets: (end-start+2) × 8 bytes BE, offsets of the key-group
//	        blocks relative to the end of the header CRC; the last one is the
//	        data length
//	data:   one block per key group start..end, in order
//	block:  { state id+1, entry count, entries }*, 0, CRC-32C of the block (4 bytes BE)
//	entry:  value kinds: key bytes, write time, value bytes
//	        list:        key bytes, count, { write time, value bytes }*
//	        map:         key bytes, count, { map key bytes, write time, value bytes }*
//
// This is also the canonical savepoint format (canonical.go): a canonical
// heap snapshot is the same file, named "canonical" in a handle marked
// Canonical.
//
// Expired entries (at the time of the synchronous phase) are not written. A
// restore reads the header, skips to the blocks of its key groups and reads
// only those, checking each block's CRC.
const (
	heapMagic   = "FGKS"
	heapVersion = 1
)

// heapSnapshot is a Pending of the heap backend: the frozen maps.
type heapSnapshot struct {
	b            *HeapBackend
	gen          uint64
	checkpointID int64
	now          int64
	start, end   int
	states       []frozenState
	mu           sync.Mutex // held by Write; Release waits for it
	released     bool
}

type frozenState struct {
	id     int
	name   string
	kind   Kind
	ttl    int64
	groups []*kgMap
}

// Snapshot implements KeyedBackend: it sweeps a slice of expired entries,
// then freezes the current maps (no entry is copied or serialised here).
func (b *HeapBackend) Snapshot(checkpointID int64) (Pending, error) {
	if b.closed {
		return nil, errClosed
	}
	b.sweepExpired()
	snap := &heapSnapshot{
		b: b, gen: b.gen, checkpointID: checkpointID, now: b.now(),
		start: b.start, end: b.end,
		states: make([]frozenState, 0, len(b.byID)),
	}
	for _, s := range b.byID {
		snap.states = append(snap.states, frozenState{
			id: s.id, name: s.name, kind: s.kind, ttl: s.ttl,
			groups: slices.Clone(s.groups),
		})
	}
	b.mu.Lock()
	b.live[b.gen]++
	b.maxLive.Store(b.gen)
	b.mu.Unlock()
	b.gen++
	return snap, nil
}

// Release implements Pending: the frozen maps may be modified in place again.
func (p *heapSnapshot) Release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.release()
}

func (p *heapSnapshot) release() {
	if p.released {
		return
	}
	p.released = true
	p.states = nil
	b := p.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.live[p.gen]--; b.live[p.gen] <= 0 {
		delete(b.live, p.gen)
	}
	var max uint64
	for g := range b.live {
		max = maxU64(max, g)
	}
	b.maxLive.Store(max)
}

func maxU64(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// Write implements Pending: it serialises the frozen maps into one
// exclusive file.
func (p *heapSnapshot) Write(w SnapshotWriter) (Handle, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.release()
	if p.released {
		return Handle{}, fmt.Errorf("state: snapshot %d was released before it was written", p.checkpointID)
	}
	name := "heap"
	if wantsCanonical(w) {
		name = canonicalName
	}
	var enc blockEncoder
	header := canonicalHeaderSized(p.start, p.end, p.canonStates(), p.blockSize)
	f, err := writeCanonicalFile(w, name, header, p.end-p.start+1, func(i int) ([]byte, error) { return p.encodeBlock(&enc, i), nil })
	if err != nil {
		return Handle{}, fmt.Errorf("state: writing heap snapshot of checkpoint %d: %w", p.checkpointID, err)
	}
	return Handle{
		Backend: BackendHeap, CheckpointID: p.checkpointID,
		KeyGroupStart: p.start, KeyGroupEnd: p.end,
		Files: []FileRef{f}, Canonical: name == canonicalName,
	}, nil
}

// canonStates lists the frozen states for the file header.
func (p *heapSnapshot) canonStates() []canonState {
	out := make([]canonState, len(p.states))
	for i, s := range p.states {
		out[i] = canonState{id: uint64(s.id), kind: s.kind, ttl: s.ttl, name: s.name}
	}
	return out
}

// blockEncoder holds the buffer encodeBlock reuses from block to block.
type blockEncoder struct {
	blk []byte // the block being built
}

// encodeBlock encodes key group start+kgi of every state (without the
// trailing CRC) into enc's buffer and returns it; it is valid until the
// next call. Each state's entries are counted first (the count precedes
// them), then encoded straight into the block: a value kind's record is
// copied as it is (the slab's record is the file's entry).
func (p *heapSnapshot) encodeBlock(enc *blockEncoder, kgi int) []byte {
	b := enc.blk[:0]
	for i := range p.states {
		s := &p.states[i]
		km := s.groups[kgi]
		if km == nil {
			continue
		}
		count := 0
		for _, sl := range km.t.slots {
			if sl != 0 && p.keep(s, km, slotOff(sl)) {
				count++
			}
		}
		if count == 0 {
			continue
		}
		b = binary.AppendUvarint(b, uint64(s.id)+1)
		b = binary.AppendUvarint(b, uint64(count))
		slab := km.t.slab
		for _, sl := range km.t.slots {
			if sl == 0 {
				continue
			}
			off := slotOff(sl)
			if !p.keep(s, km, off) {
				continue
			}
			switch s.kind {
			case KindList:
				key, _ := recKey(slab, off)
				c := km.conts[km.contIndex(off)]
				b = appendBytes(b, key)
				b = binary.AppendUvarint(b, uint64(p.liveElems(s, c)))
				if s.ttl == 0 {
					b = append(b, c.list[c.head:]...) // the file's encoding
					break
				}
				for q := c.head; q < len(c.list); {
					ts, _, next := listRec(c.list, q)
					if !expired(ts, s.ttl, p.now) {
						b = append(b, c.list[q:next]...)
					}
					q = next
				}
			case KindMap:
				key, _ := recKey(slab, off)
				c := km.conts[km.contIndex(off)]
				b = appendBytes(b, key)
				b = binary.AppendUvarint(b, uint64(p.liveElems(s, c)))
				if t := c.m; t != nil {
					for _, ml := range t.slots {
						if ml == 0 {
							continue
						}
						if mo := slotOff(ml); p.keepElem(s, t, mo) {
							b = append(b, t.slab[mo:recEnd(t.slab, mo)]...)
						}
					}
				}
			default:
				b = append(b, slab[off:recEnd(slab, off)]...)
			}
		}
	}
	b = binary.AppendUvarint(b, 0)
	enc.blk = b
	return b
}

// slotOff is the record offset a table slot holds.
func slotOff(sl uint64) int { return int(uint32(sl)) - 1 }

// blockSize is len(encodeBlock(kgi)), computed without encoding: the
// header's block offsets need every block's size before the first block is
// written.
func (p *heapSnapshot) blockSize(kgi int) int {
	n := 0
	for i := range p.states {
		s := &p.states[i]
		km := s.groups[kgi]
		if km == nil {
			continue
		}
		count, size := 0, 0
		slab := km.t.slab
		for _, sl := range km.t.slots {
			if sl == 0 {
				continue
			}
			off := slotOff(sl)
			if !p.keep(s, km, off) {
				continue
			}
			count++
			switch s.kind {
			case KindList:
				key, _ := recKey(slab, off)
				c := km.conts[km.contIndex(off)]
				size += bytesLen(len(key))
				size += uvarintLen(uint64(p.liveElems(s, c)))
				if s.ttl == 0 {
					size += len(c.list) - c.head
					break
				}
				for q := c.head; q < len(c.list); {
					ts, _, next := listRec(c.list, q)
					if !expired(ts, s.ttl, p.now) {
						size += next - q
					}
					q = next
				}
			case KindMap:
				key, _ := recKey(slab, off)
				c := km.conts[km.contIndex(off)]
				size += bytesLen(len(key))
				size += uvarintLen(uint64(p.liveElems(s, c)))
				if t := c.m; t != nil {
					for _, ml := range t.slots {
						if ml == 0 {
							continue
						}
						if mo := slotOff(ml); p.keepElem(s, t, mo) {
							size += recEnd(t.slab, mo) - mo
						}
					}
				}
			default:
				size += recEnd(slab, off) - off
			}
		}
		if count > 0 {
			n += uvarintLen(uint64(s.id)+1) + uvarintLen(uint64(count)) + size
		}
	}
	return n + 1 // the terminating 0
}

// liveElems counts the non-expired elements of a list or map container.
func (p *heapSnapshot) liveElems(s *frozenState, c *container) int {
	if s.ttl == 0 {
		return c.n + c.mapLen()
	}
	n := c.liveList(s.ttl, p.now)
	if t := c.m; t != nil {
		for _, ml := range t.slots {
			if ml != 0 && p.keepElem(s, t, slotOff(ml)) {
				n++
			}
		}
	}
	return n
}

// keepElem reports whether the map entry at off of t has not expired.
func (p *heapSnapshot) keepElem(s *frozenState, t *slabTable, off int) bool {
	if s.ttl == 0 {
		return true
	}
	ts, _ := t.value(off)
	return !expired(ts, s.ttl, p.now)
}

// uvarintLen is the length of x's uvarint encoding.
func uvarintLen(x uint64) int { return (bits.Len64(x|1) + 6) / 7 }

// bytesLen is the length of n bytes encoded with appendBytes.
func bytesLen(n int) int { return uvarintLen(uint64(n)) + n }

// keep reports whether the record at off of km goes into the snapshot
// (it has non-expired content).
func (p *heapSnapshot) keep(s *frozenState, km *kgMap, off int) bool {
	hs := heapState{kind: s.kind, ttl: s.ttl}
	return hs.liveAt(km, off, p.now)
}

// appendStr appends s as a uvarint length and its bytes.
func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// errNoMerge is returned by MergeAccumulator without a Merge function.
func errNoMerge(op, name string) error {
	return fmt.Errorf("state: operator %s: aggregating state %q has no Merge function", op, name)
}
