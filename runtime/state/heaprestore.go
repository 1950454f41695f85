package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Restore implements KeyedBackend for the heap backend: it reads, from
// every handle overlapping this backend's key groups, only the blocks of
// those key groups (heapsnapshot.go describes the format). Canonical
// snapshots of either backend have the same format (canonical.go).
func (b *HeapBackend) Restore(handles [][]byte, r SnapshotReader) error {
	if err := b.beginRestore(); err != nil {
		return err
	}
	for i, raw := range handles {
		if len(raw) == 0 {
			continue
		}
		h, err := UnmarshalHandle(raw)
		if err != nil {
			return fmt.Errorf("state: operator %s: state of old subtask %d: %w", b.cfg.OperatorID, i, err)
		}
		if h.Backend != BackendHeap && !h.Canonical {
			return errBackendSwitch(b.cfg.OperatorID, h.Backend, BackendHeap, r)
		}
		if !h.overlaps(b.start, b.end) {
			continue
		}
		if len(h.Files) != 1 {
			return fmt.Errorf("state: operator %s: corrupt state handle of old subtask %d: %d files, want 1", b.cfg.OperatorID, i, len(h.Files))
		}
		if err := b.restoreFile(h.Files[0], r); err != nil {
			return fmt.Errorf("state: operator %s: %w", b.cfg.OperatorID, err)
		}
	}
	return nil
}

func (b *HeapBackend) beginRestore() error {
	if b.closed {
		return errClosed
	}
	if b.restored || b.touched {
		return fmt.Errorf("state: operator %s: Restore must be called once, before any state is registered or used", b.cfg.OperatorID)
	}
	b.restored = true
	return nil
}

// maxHeapHeader bounds the header a restore allocates.
const maxHeapHeader = 64 << 20

// restoreFile reads one heap or canonical snapshot file (the same format).
func (b *HeapBackend) restoreFile(f FileRef, r SnapshotReader) error {
	old := map[uint64]*heapState{} // id in the file -> local state
	return readCanonical(f, r, b.start, b.end,
		func(id uint64, kind Kind, name string) error {
			s, err := b.restoredState(name, kind)
			if err != nil {
				return err
			}
			old[id] = s
			return nil
		},
		func(kg int, body []byte) error { return b.decodeBlock(body, kg, old) })
}

func readErr(ref string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return corruptf(ref, "truncated")
	}
	return fmt.Errorf("reading checkpoint file %q: %w", ref, err)
}

// restoredState finds or creates the state a snapshot names.
func (b *HeapBackend) restoredState(name string, kind Kind) (*heapState, error) {
	if kind < KindValue || kind > KindAggregating {
		return nil, fmt.Errorf("state %q has unknown kind %d", name, kind)
	}
	if s := b.states[name]; s != nil {
		if s.kind != kind {
			return nil, fmt.Errorf("state %q is %s in one snapshot and %s in another", name, s.kind, kind)
		}
		return s, nil
	}
	s := &heapState{id: len(b.byID), name: name, kind: kind, groups: make([]*kgMap, b.end-b.start+1)}
	b.states[name] = s
	b.byID = append(b.byID, s)
	return s, nil
}

// decodeBlock inserts one key group's entries; a key already present (from
// another old subtask's file) is replaced.
func (b *HeapBackend) decodeBlock(body []byte, kg int, old map[uint64]*heapState) error {
	d := decoder{b: body}
	var idx [4]byte
	for d.err == nil {
		sid := d.uvarint()
		if sid == 0 {
			break
		}
		s := old[sid-1]
		if s == nil {
			return fmt.Errorf("unknown state id %d", sid-1)
		}
		km := s.groups[kg-b.start]
		if km == nil {
			km = &kgMap{gen: b.gen}
			s.groups[kg-b.start] = km
		}
		before := km.footprint()
		var conts int64
		count := d.uvarint()
		if count <= uint64(len(d.b)) {
			km.t.reserve(int(count))
		}
		for i := uint64(0); i < count && d.err == nil; i++ {
			key := d.bytes()
			var c *container
			var ts int64
			var v []byte
			switch s.kind {
			case KindList:
				n := d.uvarint()
				if n > uint64(len(d.b)) {
					d.fail(errHandleTruncated)
					break
				}
				c = &container{gen: b.gen}
				for j := uint64(0); j < n && d.err == nil; j++ {
					ts := int64(d.uvarint())
					v := d.bytes()
					if d.err == nil {
						c.appendElem(ts, v)
					}
				}
			case KindMap:
				n := d.uvarint()
				if n > uint64(len(d.b)) {
					d.fail(errHandleTruncated)
					break
				}
				c = &container{gen: b.gen, m: &slabTable{}}
				c.m.reserve(int(n))
				for j := uint64(0); j < n && d.err == nil; j++ {
					mk := d.bytes()
					ts := int64(d.uvarint())
					v := d.bytes()
					if d.err == nil {
						c.m.put(b.gen, 0, keyHash(mk), mk, ts, v)
					}
				}
			default:
				ts = int64(d.uvarint())
				v = d.bytes()
			}
			if d.err != nil {
				break
			}
			h := keyHash(key)
			slot, off, dup := km.t.find(h, key)
			if c != nil {
				conts += containerOverhead + c.approxSize()
				if dup {
					ci := km.contIndex(off)
					conts -= containerOverhead + km.conts[ci].approxSize()
					km.conts[ci] = c
					continue
				}
				binary.LittleEndian.PutUint32(idx[:], uint32(len(km.conts)))
				km.conts = append(km.conts, c)
				v = idx[:]
			}
			oldLen := 0
			if dup {
				oldLen = recEnd(km.t.slab, off) - off
			}
			n := km.t.appendRec(b.gen, 0, key, ts, v)
			if dup {
				km.t.setOff(slot, n, oldLen)
			} else {
				km.t.insert(slot, h, n)
			}
		}
		b.size.Add(km.footprint() - before + conts)
	}
	if d.err == nil && len(d.b) != 0 {
		return fmt.Errorf("%d trailing bytes", len(d.b))
	}
	return d.err
}
