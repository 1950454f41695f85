package state

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
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
	header := p.header()
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		bw := bufio.NewWriterSize(pw, 64<<10)
		err := p.writeTo(bw, header)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	cr := newChecksumReader(pr)
	ref, size, err := w.WriteExclusive(cr)
	pr.CloseWithError(io.ErrClosedPipe) // stops the encoder if WriteExclusive returned early
	<-done                              // the frozen maps are read until here
	if err != nil {
		return Handle{}, fmt.Errorf("state: writing heap snapshot of checkpoint %d: %w", p.checkpointID, err)
	}
	if size != cr.size {
		return Handle{}, fmt.Errorf("state: writing heap snapshot of checkpoint %d: writer stored %d bytes of %d", p.checkpointID, size, cr.size)
	}
	return Handle{
		Backend: BackendHeap, CheckpointID: p.checkpointID,
		KeyGroupStart: p.start, KeyGroupEnd: p.end,
		Files: []FileRef{{Ref: ref, Name: "heap", Size: size, CRC: cr.sum()}},
	}, nil
}

// header builds the file prefix: magic, version, header with the block
// offsets (computed by encoding every block once without keeping it), header
// CRC.
func (p *heapSnapshot) header() []byte {
	n := p.end - p.start + 1
	h := binary.AppendUvarint(nil, uint64(p.start))
	h = binary.AppendUvarint(h, uint64(p.end))
	h = binary.AppendUvarint(h, uint64(len(p.states)))
	for _, s := range p.states {
		h = binary.AppendUvarint(h, uint64(s.id))
		h = append(h, byte(s.kind))
		h = binary.AppendUvarint(h, uint64(s.ttl))
		h = appendBytes(h, []byte(s.name))
	}
	var off uint64
	var enc blockEncoder
	for i := 0; i <= n; i++ {
		h = binary.BigEndian.AppendUint64(h, off)
		if i < n {
			off += uint64(len(p.encodeBlock(&enc, i))) + 4
		}
	}
	out := append([]byte(heapMagic), heapVersion)
	out = binary.BigEndian.AppendUint32(out, uint32(len(h)))
	out = append(out, h...)
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(h, castagnoli))
}

func (p *heapSnapshot) writeTo(w *bufio.Writer, header []byte) error {
	if _, err := w.Write(header); err != nil {
		return err
	}
	var enc blockEncoder
	var c [4]byte
	for i := 0; i <= p.end-p.start; i++ {
		blk := p.encodeBlock(&enc, i)
		binary.BigEndian.PutUint32(c[:], crc32.Checksum(blk, castagnoli))
		if _, err := w.Write(blk); err != nil {
			return err
		}
		if _, err := w.Write(c[:]); err != nil {
			return err
		}
	}
	return nil
}

// blockEncoder holds the buffers encodeBlock reuses from block to block.
type blockEncoder struct {
	blk  []byte // the block being built
	ents []byte // the entries of the state being encoded
}

// encodeBlock encodes key group start+kgi of every state (without the
// trailing CRC) into enc's buffer and returns it; it is valid until the
// next call. Each state's map is iterated once.
func (p *heapSnapshot) encodeBlock(enc *blockEncoder, kgi int) []byte {
	b := enc.blk[:0]
	for _, s := range p.states {
		km := s.groups[kgi]
		if km == nil {
			continue
		}
		count := 0
		e2 := enc.ents[:0]
		for k, e := range km.m {
			if !p.keep(&s, *e) {
				continue
			}
			count++
			e2 = appendStr(e2, k)
			switch s.kind {
			case KindList:
				n := 0
				for _, x := range e.c.list {
					if !expired(x.ts, s.ttl, p.now) {
						n++
					}
				}
				e2 = binary.AppendUvarint(e2, uint64(n))
				for _, x := range e.c.list {
					if !expired(x.ts, s.ttl, p.now) {
						e2 = binary.AppendUvarint(e2, uint64(x.ts))
						e2 = appendBytes(e2, x.v)
					}
				}
			case KindMap:
				n := 0
				for _, x := range e.c.m {
					if !expired(x.ts, s.ttl, p.now) {
						n++
					}
				}
				e2 = binary.AppendUvarint(e2, uint64(n))
				for mk, x := range e.c.m {
					if !expired(x.ts, s.ttl, p.now) {
						e2 = appendStr(e2, mk)
						e2 = binary.AppendUvarint(e2, uint64(x.ts))
						e2 = appendBytes(e2, x.v)
					}
				}
			default:
				e2 = binary.AppendUvarint(e2, uint64(e.ts))
				e2 = appendBytes(e2, e.v)
			}
		}
		enc.ents = e2
		if count == 0 {
			continue
		}
		b = binary.AppendUvarint(b, uint64(s.id)+1)
		b = binary.AppendUvarint(b, uint64(count))
		b = append(b, e2...)
	}
	b = binary.AppendUvarint(b, 0)
	enc.blk = b
	return b
}

func (p *heapSnapshot) keep(s *frozenState, e entry) bool {
	hs := heapState{kind: s.kind, ttl: s.ttl}
	return hs.live(e, p.now)
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
