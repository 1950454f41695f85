package state

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Restore implements KeyedBackend for the heap backend: it reads, from
// every handle overlapping this backend's key groups, only the blocks of
// those key groups (heapsnapshot.go describes the format).
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
		if h.Backend != BackendHeap {
			return errBackendSwitch(b.cfg.OperatorID, h.Backend, BackendHeap)
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

func errBackendSwitch(op string, had, want BackendType) error {
	return fmt.Errorf("state: operator %s: the checkpoint was written by the %s state backend but this job uses %s; restoring across state backends is not supported (set state.backend.type back to %s)", op, had, want, had)
}

// maxHeapHeader bounds the header a restore allocates.
const maxHeapHeader = 64 << 20

// restoreFile reads one heap snapshot file.
func (b *HeapBackend) restoreFile(f FileRef, r SnapshotReader) error {
	rc, err := r.Open(f.Ref)
	if err != nil {
		return fmt.Errorf("opening checkpoint file %q: %w", f.Ref, err)
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	var pre [9]byte
	if _, err := io.ReadFull(br, pre[:]); err != nil {
		return readErr(f.Ref, err)
	}
	if string(pre[:4]) != heapMagic {
		return corruptf(f.Ref, "not a heap state snapshot (bad magic)")
	}
	if pre[4] != heapVersion {
		return fmt.Errorf("checkpoint file %q: heap snapshot version %d not supported (this build reads %d)", f.Ref, pre[4], heapVersion)
	}
	hlen := binary.BigEndian.Uint32(pre[5:])
	if hlen > maxHeapHeader || (f.Size > 0 && int64(hlen)+13 > f.Size) {
		return corruptf(f.Ref, "header length %d out of range", hlen)
	}
	hdr := make([]byte, hlen+4)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return readErr(f.Ref, err)
	}
	if crc32.Checksum(hdr[:hlen], castagnoli) != binary.BigEndian.Uint32(hdr[hlen:]) {
		return corruptf(f.Ref, "header checksum mismatch")
	}
	d := decoder{b: hdr[:hlen]}
	fStart, fEnd := int(d.uvarint()), int(d.uvarint())
	nStates := d.uvarint()
	if d.err == nil && nStates > uint64(len(d.b)) {
		d.fail(errHandleTruncated)
	}
	old := map[uint64]*heapState{} // id in the file -> local state
	for i := uint64(0); i < nStates && d.err == nil; i++ {
		id := d.uvarint()
		kind := Kind(d.byte())
		d.uvarint() // TTL at write time; the registration decides now
		name := string(d.bytes())
		if d.err != nil {
			break
		}
		s, err := b.restoredState(name, kind)
		if err != nil {
			return fmt.Errorf("checkpoint file %q: %w", f.Ref, err)
		}
		old[id] = s
	}
	n := fEnd - fStart + 1
	if d.err != nil || fStart < 0 || n < 0 || fEnd >= MaxKeyGroups || len(d.b) != (n+1)*8 {
		return corruptf(f.Ref, "bad header")
	}
	offsets := make([]uint64, n+1)
	for i := range offsets {
		offsets[i] = binary.BigEndian.Uint64(d.b[i*8:])
		if i > 0 && offsets[i] < offsets[i-1]+5 {
			return corruptf(f.Ref, "bad key-group index")
		}
	}
	lo, hi := max(fStart, b.start), min(fEnd, b.end)
	dataStart := int64(len(pre) + len(hdr))
	seeker, _ := rc.(io.Seeker)
	var pos uint64
	var block []byte
	for kg := lo; kg <= hi; kg++ {
		off, next := offsets[kg-fStart], offsets[kg-fStart+1]
		if gap := off - pos; gap > 0 {
			// Skip the key groups of other subtasks: seek when the file
			// can, else read past them.
			if seeker != nil && gap > uint64(br.Buffered()) {
				if _, err := seeker.Seek(dataStart+int64(off), io.SeekStart); err != nil {
					return readErr(f.Ref, err)
				}
				br.Reset(rc)
			} else if _, err := br.Discard(int(gap)); err != nil {
				return readErr(f.Ref, err)
			}
		}
		size := next - off
		// The index is trusted only as far as the file reaches: a block
		// must end inside the file, and without a known file size the
		// buffer grows with the bytes that arrive.
		if size > 1<<40 || (f.Size > 0 && next > uint64(f.Size-dataStart)) {
			return corruptf(f.Ref, "key group %d block of %d bytes", kg, size)
		}
		var err error
		if f.Size > 0 {
			block = make([]byte, size) // values alias it; a new one per block
			_, err = io.ReadFull(br, block)
		} else if block, err = io.ReadAll(io.LimitReader(br, int64(size))); err == nil && uint64(len(block)) != size {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return readErr(f.Ref, err)
		}
		pos = next
		body := block[:size-4]
		if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(block[size-4:]) {
			return corruptf(f.Ref, "key group %d: checksum mismatch", kg)
		}
		if err := b.decodeBlock(body, kg, old); err != nil {
			return corruptf(f.Ref, "key group %d: %v", kg, err)
		}
	}
	return nil
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
