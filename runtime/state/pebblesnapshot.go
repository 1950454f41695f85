package state

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/cockroachdb/pebble"
)

// Pebble snapshots.
//
// Synchronous phase (Snapshot): a bounded TTL sweep, a memtable flush, and a
// Pebble checkpoint into <Dir>/snap-<n>: hard links of the live SST files
// and a copy of the MANIFEST and OPTIONS (and format marker files). The
// task may go on writing at once; the checkpoint directory is immutable.
//
// Asynchronous phase (Pending.Write) uploads the directory:
//
//   - every SST file: incremental mode puts it in shared/ under the name
//     "<instance>-<seq>-<NNNNNN>.sst" (instance: operator, subtask and a
//     random id of this backend instance; seq: the snapshot's sequence
//     number in this instance; NNNNNN: Pebble's file number, never reused
//     within a database) unless the snapshot of the last completed
//     checkpoint (or the restored one) already referenced it and
//     SharedExists still reports it; full mode writes it as an exclusive
//     file. Names never collide: two concurrent snapshots that both upload
//     an SST not yet confirmed upload it under two names, so aborting one
//     checkpoint (and deleting its uploads) never breaks the other;
//   - everything else (MANIFEST, OPTIONS, markers: small) as one exclusive
//     bundle file.
//
// Bundle format, version 1:
//
//	magic "FGPB", version byte 1, file count (uvarint),
//	per file: name bytes, content bytes (uvarint length + bytes),
//	CRC-32C of all the preceding bytes (4 bytes BE)
//
// The Handle lists every file with its size and CRC-32C, which a restore
// verifies. A restore re-creates the checkpoint directory and opens it as a
// Pebble database (pebblerestore.go).
const (
	bundleMagic   = "FGPB"
	bundleVersion = 1
	bundleName    = "bundle"
)

// pebbleSnapshot is a Pending of the Pebble backend.
type pebbleSnapshot struct {
	b            *PebbleBackend
	checkpointID int64
	dir          string
	start, end   int
	incremental  bool
	seq          int
	now          int64            // time of the synchronous phase (TTL)
	ttls         map[uint16]int64 // TTL ms of each registered state
	mu           sync.Mutex
	released     bool
}

// Snapshot implements KeyedBackend.
func (b *PebbleBackend) Snapshot(checkpointID int64) (Pending, error) {
	if b.closed || b.db == nil {
		return nil, errClosed
	}
	if err := b.flushCaches(); err != nil {
		return nil, err
	}
	if err := b.sweepExpired(); err != nil {
		return nil, err
	}
	if err := b.db.Flush(); err != nil {
		return nil, fmt.Errorf("state: operator %s: flushing state for checkpoint %d: %w", b.cfg.OperatorID, checkpointID, err)
	}
	b.snapSeq++
	dir := filepath.Join(b.cfg.Dir, fmt.Sprintf("snap-%d-%d", checkpointID, b.snapSeq))
	if err := b.db.Checkpoint(dir); err != nil {
		return nil, fmt.Errorf("state: operator %s: local checkpoint %d: %w", b.cfg.OperatorID, checkpointID, err)
	}
	ttls := make(map[uint16]int64, len(b.byID))
	for id, s := range b.byID {
		ttls[id] = s.ttl
	}
	return &pebbleSnapshot{
		b: b, checkpointID: checkpointID, dir: dir,
		start: b.start, end: b.end, incremental: b.cfg.Incremental, seq: b.snapSeq,
		now: b.now(), ttls: ttls,
	}, nil
}

// Release implements Pending: it removes the local checkpoint directory.
func (p *pebbleSnapshot) Release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.release()
}

func (p *pebbleSnapshot) release() {
	if !p.released {
		p.released = true
		os.RemoveAll(p.dir)
	}
}

// uploadParallelism is how many files of one snapshot upload at once.
const uploadParallelism = 4

// Write implements Pending.
func (p *pebbleSnapshot) Write(w SnapshotWriter) (Handle, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.release()
	if p.released {
		return Handle{}, fmt.Errorf("state: snapshot %d was released before it was written", p.checkpointID)
	}
	if wantsCanonical(w) {
		h, err := p.writeCanonical(w)
		if err != nil {
			return Handle{}, fmt.Errorf("state: operator %s: writing canonical state of checkpoint %d: %w", p.b.cfg.OperatorID, p.checkpointID, err)
		}
		return h, nil
	}
	h, refs, err := p.upload(w)
	if err != nil {
		return Handle{}, fmt.Errorf("state: operator %s: uploading state of checkpoint %d: %w", p.b.cfg.OperatorID, p.checkpointID, err)
	}
	b := p.b
	b.upMu.Lock()
	b.snapRefs[p.checkpointID] = refs
	b.upMu.Unlock()
	return h, nil
}

func (p *pebbleSnapshot) upload(w SnapshotWriter) (Handle, map[string]sharedSST, error) {
	h := Handle{Backend: BackendPebble, CheckpointID: p.checkpointID, KeyGroupStart: p.start, KeyGroupEnd: p.end}
	ents, err := os.ReadDir(p.dir)
	if err != nil {
		return h, nil, err
	}
	b := p.b
	b.upMu.Lock()
	confirmed := b.confirmed
	b.upMu.Unlock()
	refs := map[string]sharedSST{}
	var small []string
	// SSTs to upload, in directory order; they go up in parallel (object
	// stores take many files at once) and land in h.Files in that order.
	type upload struct {
		name, shared string // shared "" for an exclusive file
		at           int    // index in h.Files
	}
	var uploads []upload
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".sst") {
			small = append(small, name)
			continue
		}
		if !p.incremental {
			uploads = append(uploads, upload{name: name, at: len(h.Files)})
			h.Files = append(h.Files, FileRef{})
			continue
		}
		if s, ok := confirmed[name]; ok && w.SharedExists(s.name) {
			refs[name] = s
			h.Files = append(h.Files, FileRef{Ref: s.ref, Name: s.name, Size: s.size, CRC: s.crc, Shared: true})
			continue
		}
		uploads = append(uploads, upload{name: name, shared: fmt.Sprintf("%s-%d-%s", b.instance, p.seq, name), at: len(h.Files)})
		h.Files = append(h.Files, FileRef{})
	}
	errs := make([]error, len(uploads))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(uploadParallelism, len(uploads)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				u := uploads[i]
				put := func(r io.Reader) (string, int64, error) { return w.WriteExclusive(r) }
				if u.shared != "" {
					put = func(r io.Reader) (string, int64, error) { return w.WriteShared(u.shared, r) }
				}
				f, err := p.uploadFile(u.name, put)
				if err != nil {
					errs[i] = err
					continue
				}
				if u.shared != "" {
					f.Shared, f.Name = true, u.shared
				}
				h.Files[u.at] = f
			}
		}()
	}
	for i := range uploads {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, u := range uploads {
		if errs[i] != nil {
			return h, nil, errs[i]
		}
		if u.shared != "" {
			f := h.Files[u.at]
			refs[u.name] = sharedSST{name: u.shared, ref: f.Ref, size: f.Size, crc: f.CRC}
		}
	}
	bundle, err := makeBundle(p.dir, small)
	if err != nil {
		return h, nil, err
	}
	ref, size, err := w.WriteExclusive(bytes.NewReader(bundle))
	if err != nil {
		return h, nil, err
	}
	if size != int64(len(bundle)) {
		return h, nil, fmt.Errorf("writer stored %d bytes of %d", size, len(bundle))
	}
	h.Files = append(h.Files, FileRef{Ref: ref, Name: bundleName, Size: size, CRC: crc32.Checksum(bundle, castagnoli)})
	return h, refs, nil
}

// uploadFile streams one file of the local checkpoint through put.
func (p *pebbleSnapshot) uploadFile(name string, put func(io.Reader) (string, int64, error)) (FileRef, error) {
	f, err := os.Open(filepath.Join(p.dir, name))
	if err != nil {
		return FileRef{}, err
	}
	defer f.Close()
	cr := newChecksumReader(f)
	ref, size, err := put(cr)
	if err != nil {
		return FileRef{}, fmt.Errorf("%s: %w", name, err)
	}
	if size != cr.size {
		return FileRef{}, fmt.Errorf("%s: writer stored %d bytes of %d", name, size, cr.size)
	}
	return FileRef{Ref: ref, Name: name, Size: size, CRC: cr.sum()}, nil
}

// makeBundle packs the small files of a local checkpoint.
func makeBundle(dir string, names []string) ([]byte, error) {
	sort.Strings(names)
	out := append([]byte(bundleMagic), bundleVersion)
	out = binary.AppendUvarint(out, uint64(len(names)))
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		out = appendBytes(out, []byte(n))
		out = appendBytes(out, data)
	}
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out, castagnoli)), nil
}

// unpackBundle writes the files of a bundle into dir.
func unpackBundle(ref string, data []byte, dir string) error {
	if len(data) < 9 || string(data[:4]) != bundleMagic {
		return corruptf(ref, "not a state bundle (bad magic)")
	}
	if data[4] != bundleVersion {
		return fmt.Errorf("checkpoint file %q: bundle version %d not supported (this build reads %d)", ref, data[4], bundleVersion)
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(data[len(data)-4:]) {
		return corruptf(ref, "checksum mismatch")
	}
	d := decoder{b: body[5:]}
	n := d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		name := string(d.bytes())
		content := d.bytes()
		if d.err != nil {
			break
		}
		if !safeName(name) {
			return corruptf(ref, "bad file name %q", name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
			return err
		}
	}
	if d.err != nil || len(d.b) != 0 {
		return corruptf(ref, "malformed bundle")
	}
	return nil
}

// safeName accepts plain file names only.
func safeName(n string) bool {
	return n != "" && n != "." && n != ".." && !strings.ContainsAny(n, `/\`)
}

// sweepBatch bounds the TTL sweep's entries per snapshot (see sweepBudget).
const sweepBatchBytes = 4 << 20

// sweepExpired deletes expired entries from a bounded slice of the key
// space, continuing where the previous sweep stopped; lists lose their
// expired elements.
func (b *PebbleBackend) sweepExpired() error {
	if !b.anyTTL {
		return nil
	}
	now := b.now()
	lo, hi := kgKey(b.start), kgKey(b.end+1)
	it, err := b.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return err
	}
	batch := b.db.NewBatch()
	defer batch.Close()
	ok := it.First()
	if b.sweepCursor != nil {
		ok = it.SeekGE(b.sweepCursor)
	}
	visited := 0
	for ; ok && visited < sweepBudget; ok = it.Next() {
		visited++
		_, sid, _, _, good := parseDataKey(it.Key())
		s := b.byID[sid]
		if !good || s == nil || s.ttl == 0 {
			continue
		}
		v := it.Value()
		if s.kind != KindList {
			if ts, _, ok := decodeTS(v); ok && expired(ts, s.ttl, now) {
				batch.Delete(it.Key(), nil)
			}
			continue
		}
		var kept []byte
		dropped := false
		forEachElem(v, func(ts int64, e []byte) bool {
			if expired(ts, s.ttl, now) {
				dropped = true
			} else {
				kept = appendElem(kept, ts, e)
			}
			return true
		})
		switch {
		case dropped && len(kept) == 0:
			batch.Delete(it.Key(), nil)
		case dropped:
			batch.Set(it.Key(), kept, nil)
		}
		if batch.Len() > sweepBatchBytes {
			b.wrote()
			if err := batch.Commit(pebble.NoSync); err != nil {
				it.Close()
				return err
			}
			batch.Reset()
		}
	}
	if ok {
		b.sweepCursor = append(b.sweepCursor[:0], it.Key()...)
	} else {
		b.sweepCursor = nil
	}
	err = it.Error()
	if cerr := it.Close(); err == nil {
		err = cerr
	}
	if err == nil && !batch.Empty() {
		b.wrote()
		err = batch.Commit(pebble.NoSync)
	}
	if err != nil {
		return fmt.Errorf("state: operator %s: TTL sweep: %w", b.cfg.OperatorID, err)
	}
	return nil
}
