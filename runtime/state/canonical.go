package state

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"sort"

	"github.com/cockroachdb/pebble"
)

// Canonical snapshots.
//
// A savepoint in the CANONICAL format (Flink's SavepointFormatType, the
// default for savepoints) holds each subtask's keyed state as one file in a
// backend-independent form that both backends write and read, so a job may
// restore it on either backend and at any parallelism (key groups are
// redistributed exactly as for native snapshots). Checkpoints, and NATIVE
// savepoints, keep each backend's own format (heap file, Pebble SSTs),
// which only that backend restores.
//
// The canonical file is the logical content of the keyed state, per key
// group and state: what both backends hold, whatever their layout (the heap
// backend's nested Go maps, Pebble's kg|sid|key[|mapKey] keys). Its layout
// is the heap snapshot format version 1 (heapsnapshot.go), which already is
// exactly that:
//
//	magic "FGKS", version byte 1
//	header length (4 bytes BE), header, header CRC-32C (4 bytes BE)
//	header: key group start, key group end, state count,
//	        per state: id, kind byte, TTL ms, name bytes,
//	        (end-start+2) block offsets (8 bytes BE each)
//	block (per key group): { state id+1, entry count, entries }*, 0, CRC-32C
//	entry:  value, reducing, aggregating: key, write time, value
//	        list: key, element count, { write time, element }*
//	        map:  key, entry count, { map key, write time, value }*
//
// Integers are uvarints, byte strings a uvarint length and the bytes; a
// write time is the TTL timestamp (ms, 0 when TTL was disabled). State ids
// are local to the file: a reader matches states by name (and kind). The
// heap backend writes entries in map order, Pebble in key order; readers
// accept any order. Expired entries are never written. The Handle of a
// canonical snapshot has Canonical set and one file named "canonical".
const canonicalName = "canonical"

// FormatChooser may be implemented by a SnapshotWriter: when
// CanonicalSnapshot returns true, Pending.Write writes the canonical format
// instead of the backend's native one (savepoints).
type FormatChooser interface {
	CanonicalSnapshot() bool
}

func wantsCanonical(w SnapshotWriter) bool {
	fc, ok := w.(FormatChooser)
	return ok && fc.CanonicalSnapshot()
}

// Locator may be implemented by a SnapshotReader to name the checkpoint or
// savepoint it reads (for error messages).
type Locator interface {
	Location() string
}

// BackendMismatchError is returned by Restore for a native snapshot of
// another backend.
type BackendMismatchError struct {
	Operator string
	Had      BackendType // the backend that wrote the snapshot
	Want     BackendType // the restoring backend
	Location string      // the checkpoint or savepoint path, if known
}

func (e *BackendMismatchError) Error() string {
	where := "the checkpoint/savepoint"
	if e.Location != "" {
		where += " " + e.Location
	}
	return fmt.Sprintf("Failed to restore operator %s from %s: it holds NATIVE %s state, which the %s state backend cannot read (a native checkpoint or savepoint restores only into the backend that wrote it). "+
		"Run the job with state.backend.type '%s' from it, take a CANONICAL savepoint (STOP JOB '<job id>' WITH SAVEPOINT, or REST POST /jobs/<job id>/savepoints with \"formatType\": \"CANONICAL\") and restore the %s job from that savepoint.",
		e.Operator, where, e.Had, e.Want, e.Had, e.Want)
}

func errBackendSwitch(op string, had, want BackendType, r SnapshotReader) error {
	e := &BackendMismatchError{Operator: op, Had: had, Want: want}
	if l, ok := r.(Locator); ok {
		e.Location = l.Location()
	}
	return e
}

// canonState is a state as the canonical header lists it.
type canonState struct {
	id   uint64
	kind Kind
	ttl  int64
	name string
}

// canonicalHeader builds the file prefix: magic, version, header with the
// block offsets (computed by encoding every block once without keeping
// it), header CRC.
func canonicalHeader(start, end int, states []canonState, block func(kgi int) ([]byte, error)) ([]byte, error) {
	var err error
	h := canonicalHeaderSized(start, end, states, func(i int) int {
		if err != nil {
			return 0
		}
		blk, e := block(i)
		if e != nil {
			err = e
			return 0
		}
		return len(blk)
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// writeCanonicalFile streams header and blocks 0..n-1 (each followed by its
// CRC) as one exclusive file and returns its FileRef. block's result is
// valid until its next call.
func writeCanonicalFile(w SnapshotWriter, name string, header []byte, n int, block func(kgi int) ([]byte, error)) (FileRef, error) {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		bw := bufio.NewWriterSize(pw, 64<<10)
		err := func() error {
			if _, err := bw.Write(header); err != nil {
				return err
			}
			var c [4]byte
			for i := 0; i < n; i++ {
				blk, err := block(i)
				if err != nil {
					return err
				}
				binary.BigEndian.PutUint32(c[:], crc32.Checksum(blk, castagnoli))
				if _, err := bw.Write(blk); err != nil {
					return err
				}
				if _, err := bw.Write(c[:]); err != nil {
					return err
				}
			}
			return bw.Flush()
		}()
		pw.CloseWithError(err)
	}()
	cr := newChecksumReader(pr)
	ref, size, err := w.WriteExclusive(cr)
	pr.CloseWithError(io.ErrClosedPipe) // stops the encoder if WriteExclusive returned early
	<-done                              // the snapshot is read until here
	if err != nil {
		return FileRef{}, err
	}
	if size != cr.size {
		return FileRef{}, fmt.Errorf("writer stored %d bytes of %d", size, cr.size)
	}
	return FileRef{Ref: ref, Name: name, Size: size, CRC: cr.sum()}, nil
}

// readCanonical reads a canonical (or heap) snapshot file: it passes every
// state of the header to onState (its id in the file, kind and name), then
// the body of every key-group block in [lo, hi] to onBlock (the body
// aliases a buffer of its own: a new one per block), checking the
// checksums. It reads only those blocks, seeking past the others when the
// reader can.
func readCanonical(f FileRef, r SnapshotReader, lo, hi int, onState func(id uint64, kind Kind, name string) error, onBlock func(kg int, body []byte) error) error {
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
		return corruptf(f.Ref, "not a keyed state snapshot (bad magic)")
	}
	if pre[4] != heapVersion {
		return fmt.Errorf("checkpoint file %q: keyed state snapshot version %d not supported (this build reads %d)", f.Ref, pre[4], heapVersion)
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
	for i := uint64(0); i < nStates && d.err == nil; i++ {
		id := d.uvarint()
		kind := Kind(d.byte())
		d.uvarint() // TTL at write time; the registration decides now
		name := string(d.bytes())
		if d.err != nil {
			break
		}
		if err := onState(id, kind, name); err != nil {
			return fmt.Errorf("checkpoint file %q: %w", f.Ref, err)
		}
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
	lo, hi = max(fStart, lo), min(fEnd, hi)
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
		if err := onBlock(kg, body); err != nil {
			return corruptf(f.Ref, "key group %d: %v", kg, err)
		}
	}
	return nil
}

// writeCanonical writes the Pebble snapshot in the canonical format: the
// local checkpoint is opened read-only and iterated twice, key group by key
// group (once for the header's block offsets, once to write), holding one
// key group's block in memory at a time.
func (p *pebbleSnapshot) writeCanonical(w SnapshotWriter) (Handle, error) {
	h := Handle{Backend: BackendPebble, CheckpointID: p.checkpointID, KeyGroupStart: p.start, KeyGroupEnd: p.end, Canonical: true}
	src, err := openPebble(p.dir, true)
	if err != nil {
		return h, err
	}
	defer src.Close()
	cat, err := readCatalogue(src)
	if err != nil {
		return h, err
	}
	byID := map[uint16]canonState{}
	states := make([]canonState, 0, len(cat))
	for _, s := range cat {
		cs := canonState{id: uint64(s.id), kind: s.kind, ttl: p.ttls[s.id], name: s.name}
		byID[s.id] = cs
		states = append(states, cs)
	}
	slicesSortStates(states)
	newEnc := func() (*pebbleCanonEncoder, error) {
		it, err := src.NewIter(&pebble.IterOptions{LowerBound: kgKey(p.start), UpperBound: kgKey(p.end + 1)})
		if err != nil {
			return nil, err
		}
		return &pebbleCanonEncoder{it: it, states: byID, now: p.now, start: p.start}, nil
	}
	enc, err := newEnc()
	if err != nil {
		return h, err
	}
	header, err := canonicalHeader(p.start, p.end, states, enc.block)
	if cerr := enc.it.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return h, err
	}
	enc, err = newEnc()
	if err != nil {
		return h, err
	}
	f, err := writeCanonicalFile(w, canonicalName, header, p.end-p.start+1, enc.block)
	if cerr := enc.it.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return h, err
	}
	h.Files = []FileRef{f}
	return h, nil
}

func slicesSortStates(s []canonState) {
	sort.Slice(s, func(i, j int) bool { return s[i].id < s[j].id })
}

// pebbleCanonEncoder turns Pebble's key-ordered entries into canonical
// blocks; its buffers are reused from block to block.
type pebbleCanonEncoder struct {
	it     *pebble.Iterator
	states map[uint16]canonState
	now    int64
	start  int

	blk   []byte // the block being built
	ents  []byte // entries of the current state
	count int    // entries in ents
	mkey  []byte // user key of the map entry being collected
	ments []byte // its map entries
	mn    int    // their count
}

// block encodes key group start+kgi (without the CRC).
func (e *pebbleCanonEncoder) block(kgi int) ([]byte, error) {
	kg := e.start + kgi
	e.blk = e.blk[:0]
	cur := -1 // state id of ents
	var kind Kind
	var ttl int64
	for ok := e.it.SeekGE(kgKey(kg)); ok; ok = e.it.Next() {
		k := e.it.Key()
		gotKG, sid, key, rest, good := parseDataKey(k)
		if !good {
			return nil, fmt.Errorf("malformed key %x in the local snapshot", k)
		}
		if gotKG != kg {
			break
		}
		if int(sid) != cur {
			e.flushState(cur, kind)
			st, known := e.states[sid]
			if !known {
				return nil, fmt.Errorf("key %x names unknown state id %d", k, sid)
			}
			cur, kind, ttl = int(sid), st.kind, st.ttl
		}
		v := e.it.Value()
		switch kind {
		case KindList:
			n := 0
			forEachElem(v, func(ts int64, _ []byte) bool {
				if !expired(ts, ttl, e.now) {
					n++
				}
				return true
			})
			if n == 0 {
				continue
			}
			e.ents = appendBytes(e.ents, key)
			e.ents = binary.AppendUvarint(e.ents, uint64(n))
			forEachElem(v, func(ts int64, x []byte) bool {
				if !expired(ts, ttl, e.now) {
					e.ents = binary.AppendUvarint(e.ents, uint64(ts))
					e.ents = appendBytes(e.ents, x)
				}
				return true
			})
			e.count++
		case KindMap:
			ts, val, ok := decodeTS(v)
			if !ok {
				return nil, fmt.Errorf("malformed value under key %x", k)
			}
			if expired(ts, ttl, e.now) {
				continue
			}
			if e.mn > 0 && string(e.mkey) != string(key) {
				e.flushMapKey()
			}
			if e.mn == 0 {
				e.mkey = append(e.mkey[:0], key...)
			}
			e.ments = appendBytes(e.ments, rest)
			e.ments = binary.AppendUvarint(e.ments, uint64(ts))
			e.ments = appendBytes(e.ments, val)
			e.mn++
		default:
			ts, val, ok := decodeTS(v)
			if !ok {
				return nil, fmt.Errorf("malformed value under key %x", k)
			}
			if expired(ts, ttl, e.now) {
				continue
			}
			e.ents = appendBytes(e.ents, key)
			e.ents = binary.AppendUvarint(e.ents, uint64(ts))
			e.ents = appendBytes(e.ents, val)
			e.count++
		}
	}
	if err := e.it.Error(); err != nil {
		return nil, err
	}
	e.flushState(cur, kind)
	e.blk = binary.AppendUvarint(e.blk, 0)
	return e.blk, nil
}

// flushMapKey appends the collected map entries of one user key.
func (e *pebbleCanonEncoder) flushMapKey() {
	e.ents = appendBytes(e.ents, e.mkey)
	e.ents = binary.AppendUvarint(e.ents, uint64(e.mn))
	e.ents = append(e.ents, e.ments...)
	e.count++
	e.ments, e.mn = e.ments[:0], 0
}

// flushState appends state sid's entries (if any) to the block.
func (e *pebbleCanonEncoder) flushState(sid int, kind Kind) {
	if sid < 0 {
		return
	}
	if kind == KindMap && e.mn > 0 {
		e.flushMapKey()
	}
	if e.count > 0 {
		e.blk = binary.AppendUvarint(e.blk, uint64(sid)+1)
		e.blk = binary.AppendUvarint(e.blk, uint64(e.count))
		e.blk = append(e.blk, e.ents...)
	}
	e.ents, e.count = e.ents[:0], 0
}

// loadCanonical copies the key groups of this backend from a canonical
// snapshot file into the database.
func (b *PebbleBackend) loadCanonical(f FileRef, r SnapshotReader) error {
	old := map[uint64]*pebbleState{}
	batch := b.db.NewBatch()
	defer func() { batch.Close() }()
	var key, val []byte
	err := readCanonical(f, r, b.start, b.end,
		func(id uint64, kind Kind, name string) error {
			if kind < KindValue || kind > KindAggregating {
				return fmt.Errorf("state %q has unknown kind %d", name, kind)
			}
			s, err := b.catalogue(name, kind)
			if err != nil {
				return err
			}
			old[id] = s
			return nil
		},
		func(kg int, body []byte) error {
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
				count := d.uvarint()
				for i := uint64(0); i < count && d.err == nil; i++ {
					k := d.bytes()
					key = append(key[:0], byte(kg>>8), byte(kg), byte(s.id>>8), byte(s.id))
					key = appendBytes(key, k)
					switch s.kind {
					case KindList:
						n := d.uvarint()
						val = val[:0]
						for j := uint64(0); j < n && d.err == nil; j++ {
							ts := int64(d.uvarint())
							val = appendElem(val, ts, d.bytes())
						}
						if d.err == nil && n > 0 {
							if err := batch.Set(key, val, nil); err != nil {
								return err
							}
						}
					case KindMap:
						n := d.uvarint()
						kl := len(key)
						for j := uint64(0); j < n && d.err == nil; j++ {
							key = append(key[:kl], d.bytes()...)
							val = binary.AppendUvarint(val[:0], d.uvarint())
							val = append(val, d.bytes()...)
							if d.err == nil {
								if err := batch.Set(key, val, nil); err != nil {
									return err
								}
							}
						}
					default:
						val = binary.AppendUvarint(val[:0], d.uvarint())
						val = append(val, d.bytes()...)
						if d.err == nil {
							if err := batch.Set(key, val, nil); err != nil {
								return err
							}
						}
					}
				}
				if batch.Len() > 4<<20 {
					if err := batch.Commit(pebble.NoSync); err != nil {
						return err
					}
					batch.Reset()
				}
			}
			if d.err == nil && len(d.b) != 0 {
				return fmt.Errorf("%d trailing bytes", len(d.b))
			}
			return d.err
		})
	if err != nil {
		return err
	}
	return batch.Commit(pebble.NoSync)
}

// canonicalHeaderSized is canonicalHeader given the blocks' sizes
// (without their CRCs) instead of the blocks, so a writer that can size a
// block without encoding it (the heap snapshot) encodes each block once,
// while the file is written.
func canonicalHeaderSized(start, end int, states []canonState, size func(kgi int) int) []byte {
	n := end - start + 1
	h := binary.AppendUvarint(nil, uint64(start))
	h = binary.AppendUvarint(h, uint64(end))
	h = binary.AppendUvarint(h, uint64(len(states)))
	for _, s := range states {
		h = binary.AppendUvarint(h, s.id)
		h = append(h, byte(s.kind))
		h = binary.AppendUvarint(h, uint64(s.ttl))
		h = appendBytes(h, []byte(s.name))
	}
	var off uint64
	for i := 0; i <= n; i++ {
		h = binary.BigEndian.AppendUint64(h, off)
		if i < n {
			off += uint64(size(i)) + 4
		}
	}
	out := append([]byte(heapMagic), heapVersion)
	out = binary.BigEndian.AppendUint32(out, uint32(len(h)))
	out = append(out, h...)
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(h, castagnoli))
}
