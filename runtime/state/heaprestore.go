package state

import (
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

// decodeBlock inserts one key group's entries.
func (b *HeapBackend) decodeBlock(body []byte, kg int, old map[uint64]*heapState) error {
	d := decoder{b: body}
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
			km = &kgMap{gen: b.gen, m: map[string]*entry{}}
			s.groups[kg-b.start] = km
		}
		count := d.uvarint()
		for i := uint64(0); i < count && d.err == nil; i++ {
			key := string(d.bytes())
			var e entry
			switch s.kind {
			case KindList:
				n := d.uvarint()
				if n > uint64(len(d.b)) {
					d.fail(errHandleTruncated)
					break
				}
				e.c = &container{gen: b.gen, list: make([]listElem, 0, n)}
				for j := uint64(0); j < n && d.err == nil; j++ {
					ts := int64(d.uvarint())
					e.c.list = append(e.c.list, listElem{ts: ts, v: d.bytes()})
				}
			case KindMap:
				n := d.uvarint()
				if n > uint64(len(d.b)) {
					d.fail(errHandleTruncated)
					break
				}
				e.c = &container{gen: b.gen, m: make(map[string]*mapVal, n)}
				for j := uint64(0); j < n && d.err == nil; j++ {
					mk := string(d.bytes())
					ts := int64(d.uvarint())
					e.c.m[mk] = &mapVal{ts: ts, v: d.bytes(), gen: b.gen}
				}
			default:
				e.ts = int64(d.uvarint())
				e.v = d.bytes()
			}
			if d.err != nil {
				break
			}
			if prev, dup := km.m[key]; dup {
				b.size.Add(-(int64(len(key)) + entryOverhead + prev.approxSize()))
			}
			e.gen = b.gen
			km.m[key] = &e
			b.size.Add(int64(len(key)) + entryOverhead + e.approxSize())
		}
	}
	if d.err == nil && len(d.b) != 0 {
		return fmt.Errorf("%d trailing bytes", len(d.b))
	}
	return d.err
}
