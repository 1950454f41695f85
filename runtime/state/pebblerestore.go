package state

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/cockroachdb/pebble"
)

// Restore implements KeyedBackend for the Pebble backend.
//
// Each handle overlapping this backend's key groups is downloaded into a
// directory (SST files and the unpacked bundle, every file's size and
// CRC-32C checked) and opened as a Pebble database. When exactly one handle
// overlaps and it covers the whole range (same parallelism, or a scale-up),
// that database becomes the working database: key groups outside the range
// are deleted with range tombstones, and its shared SSTs stay referenced by
// the next incremental snapshot without being uploaded again. Otherwise
// (scale-down, or ranges that straddle old subtasks) a fresh database is
// filled by copying the overlapping key range of each old database, with
// the state ids translated through the catalogues. Canonical snapshots
// (canonical.go) are always loaded into a fresh database, entry by entry.
func (b *PebbleBackend) Restore(handles [][]byte, r SnapshotReader) error {
	if b.closed {
		return errClosed
	}
	if b.restored || b.touched {
		return fmt.Errorf("state: operator %s: Restore must be called once, before any state is registered or used", b.cfg.OperatorID)
	}
	b.restored = true
	var hs []Handle
	for i, raw := range handles {
		if len(raw) == 0 {
			continue
		}
		h, err := UnmarshalHandle(raw)
		if err != nil {
			return fmt.Errorf("state: operator %s: state of old subtask %d: %w", b.cfg.OperatorID, i, err)
		}
		if h.Backend != BackendPebble && !h.Canonical {
			return errBackendSwitch(b.cfg.OperatorID, h.Backend, BackendPebble, r)
		}
		if h.overlaps(b.start, b.end) {
			hs = append(hs, h)
		}
	}
	if len(hs) == 0 {
		return nil
	}
	b.writtenKeys.forget()
	b.writtenMaps.forget()
	if err := b.restore(hs, r); err != nil {
		return fmt.Errorf("state: operator %s: %w", b.cfg.OperatorID, err)
	}
	return nil
}

func (b *PebbleBackend) restore(hs []Handle, r SnapshotReader) error {
	old := b.db
	b.setDB(nil)
	if err := old.Close(); err != nil {
		return err
	}
	if err := os.RemoveAll(b.dbDir); err != nil {
		return err
	}
	if len(hs) == 1 && !hs[0].Canonical && hs[0].KeyGroupStart <= b.start && hs[0].KeyGroupEnd >= b.end {
		return b.restoreInPlace(hs[0], r)
	}
	db, err := openPebble(b.dbDir, false)
	if err != nil {
		return err
	}
	b.setDB(db)
	for i, h := range hs {
		if h.Canonical {
			if len(h.Files) != 1 {
				return fmt.Errorf("corrupt canonical state handle: %d files, want 1", len(h.Files))
			}
			if err := b.loadCanonical(h.Files[0], r); err != nil {
				return err
			}
			continue
		}
		dir := filepath.Join(b.cfg.Dir, fmt.Sprintf("restore-%d", i))
		if err := b.copyFrom(h, dir, r); err != nil {
			os.RemoveAll(dir)
			return err
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	return nil
}

// setDB swaps the database under closeMu (SizeBytes may run concurrently).
func (b *PebbleBackend) setDB(db *pebble.DB) {
	b.closeMu.Lock()
	b.db = db
	b.closeMu.Unlock()
}

// restoreInPlace makes the single old database the working one.
func (b *PebbleBackend) restoreInPlace(h Handle, r SnapshotReader) error {
	if err := download(h, b.dbDir, r); err != nil {
		return err
	}
	db, err := openPebble(b.dbDir, false)
	if err != nil {
		return err
	}
	b.setDB(db)
	if h.KeyGroupStart < b.start {
		if err := db.DeleteRange(kgKey(0), kgKey(b.start), pebble.NoSync); err != nil {
			return err
		}
	}
	if h.KeyGroupEnd > b.end {
		if err := db.DeleteRange(kgKey(b.end+1), kgKey(metaKG), pebble.NoSync); err != nil {
			return err
		}
	}
	cat, err := readCatalogue(db)
	if err != nil {
		return err
	}
	for _, s := range cat {
		if s.kind < KindValue || s.kind > KindAggregating {
			return fmt.Errorf("state %q has unknown kind %d", s.name, s.kind)
		}
		b.addState(s)
	}
	// The restored SSTs are the working database's files: the next snapshot
	// references them instead of uploading them again (CLAIM semantics).
	if b.cfg.NoClaim {
		return nil
	}
	b.upMu.Lock()
	for _, f := range h.Files {
		if f.Shared {
			b.confirmed[localName(f)] = sharedSST{name: f.Name, ref: f.Ref, size: f.Size, crc: f.CRC}
		}
	}
	b.upMu.Unlock()
	return nil
}

// localName is a snapshot file's name in the database directory: shared
// SSTs are named "<instance>-<seq>-<NNNNNN>.sst" in shared/ and
// "<NNNNNN>.sst" locally.
func localName(f FileRef) string {
	if !f.Shared {
		return f.Name
	}
	for i := len(f.Name) - 1; i >= 0; i-- {
		if f.Name[i] == '-' {
			return f.Name[i+1:]
		}
	}
	return f.Name
}

// copyFrom copies the key groups of this backend from one old database.
func (b *PebbleBackend) copyFrom(h Handle, dir string, r SnapshotReader) error {
	if err := download(h, dir, r); err != nil {
		return err
	}
	src, err := openPebble(dir, true)
	if err != nil {
		return err
	}
	defer src.Close()
	cat, err := readCatalogue(src)
	if err != nil {
		return err
	}
	remap := map[uint16]uint16{}
	for _, s := range cat {
		local, err := b.catalogue(s.name, s.kind)
		if err != nil {
			return err
		}
		remap[s.id] = local.id
	}
	lo, hi := max(b.start, h.KeyGroupStart), min(b.end, h.KeyGroupEnd)
	it, err := src.NewIter(&pebble.IterOptions{LowerBound: kgKey(lo), UpperBound: kgKey(hi + 1)})
	if err != nil {
		return err
	}
	defer it.Close()
	batch := b.db.NewBatch()
	defer batch.Close()
	var key []byte
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		if len(k) < 4 {
			return fmt.Errorf("malformed key %x in restored state", k)
		}
		old := uint16(k[2])<<8 | uint16(k[3])
		id, known := remap[old]
		if !known {
			return fmt.Errorf("restored key %x names unknown state id %d", k, old)
		}
		key = append(key[:0], k...)
		key[2], key[3] = byte(id>>8), byte(id)
		if err := batch.Set(key, it.Value(), nil); err != nil {
			return err
		}
		if batch.Len() > 4<<20 {
			if err := batch.Commit(pebble.NoSync); err != nil {
				return err
			}
			batch.Reset()
		}
	}
	if err := it.Error(); err != nil {
		return err
	}
	return batch.Commit(pebble.NoSync)
}

// downloadParallelism is how many files a restore fetches at once: object
// stores serve one file at a few tens of MB/s but many in parallel.
const downloadParallelism = 8

// download re-creates a snapshot's local checkpoint directory, fetching
// its files in parallel (SnapshotReader is safe for concurrent use); it
// returns one of the errors, if any.
func download(h Handle, dir string, r SnapshotReader) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	files := make(chan FileRef)
	errs := make(chan error, len(h.Files))
	var wg sync.WaitGroup
	for w := 0; w < min(downloadParallelism, len(h.Files)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range files {
				errs <- fetch(f, dir, r)
			}
		}()
	}
	for _, f := range h.Files {
		files <- f
	}
	close(files)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// fetch downloads one file, checking its size and checksum.
func fetch(f FileRef, dir string, r SnapshotReader) error {
	rc, err := r.Open(f.Ref)
	if err != nil {
		return fmt.Errorf("opening checkpoint file %q: %w", f.Ref, err)
	}
	defer rc.Close()
	cr := newChecksumReader(rc)
	if f.Name == bundleName {
		data, err := io.ReadAll(cr)
		if err != nil {
			return readErr(f.Ref, err)
		}
		if int64(len(data)) != f.Size || cr.sum() != f.CRC {
			return corruptf(f.Ref, "size or checksum mismatch (%d bytes, want %d)", len(data), f.Size)
		}
		return unpackBundle(f.Ref, data, dir)
	}
	name := localName(f)
	if !safeName(name) {
		return corruptf(f.Ref, "bad file name %q in state handle", f.Name)
	}
	out, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, cr)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return readErr(f.Ref, err)
	}
	if cr.size != f.Size || cr.sum() != f.CRC {
		return corruptf(f.Ref, "size or checksum mismatch (%d bytes, want %d)", cr.size, f.Size)
	}
	return nil
}
