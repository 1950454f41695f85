package state

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"reflect"
	"testing"
)

// Fuzz targets for everything the state backends decode from a checkpoint:
// state handles, operator state, heap snapshot files and Pebble bundles.
// Each must return an error for damaged input, never panic, and never
// allocate in proportion to a length or count read from the input rather
// than to the input's size. Checksums cover these formats, so the targets
// that aim at the decoders behind a checksum recompute it after the fuzzer
// mutated the bytes (a checksum mismatch is not interesting).

// fuzzHeapSeeds returns a real heap snapshot file (value, list and map
// states over a few key groups) and its marshalled handle.
func fuzzHeapSeeds(f *testing.F, n int) (file, handle []byte) {
	b := newTestBackend(f, backendKinds[0], 0, 1, nil)
	st := registerTestStates(f, b)
	m := newModel()
	for i := 0; i < n; i++ {
		apply(f, b, st, m, i)
	}
	store := NewMemoryStore()
	h := snapshotTo(f, b, 1, store)
	hd, err := UnmarshalHandle(h)
	must(f, err)
	return store.Files()[hd.Files[0].Ref], h
}

// FuzzUnmarshalHandle decodes arbitrary bytes as a state handle: an error
// or a handle whose key-group range is valid and which re-encodes to a
// handle that decodes the same.
func FuzzUnmarshalHandle(f *testing.F) {
	_, h := fuzzHeapSeeds(f, 20)
	f.Add(h)
	f.Add(MarshalHandle(Handle{Backend: BackendPebble, CheckpointID: -3, KeyGroupStart: 5, KeyGroupEnd: 9,
		Files: []FileRef{{Ref: "shared/x", Name: "i-1-000001.sst", Size: 1 << 20, CRC: 7, Shared: true}, {Ref: "chk/1", Name: bundleName, Size: 9}}}))
	f.Add([]byte{handleVersion, byte(BackendHeap), 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := UnmarshalHandle(data)
		if err != nil {
			return
		}
		if h.KeyGroupStart < 0 || h.KeyGroupEnd < 0 || h.KeyGroupStart >= MaxKeyGroups || h.KeyGroupEnd >= MaxKeyGroups {
			t.Fatalf("decoded an invalid key-group range [%d, %d]", h.KeyGroupStart, h.KeyGroupEnd)
		}
		again, err := UnmarshalHandle(MarshalHandle(h))
		if err != nil {
			t.Fatalf("re-encoded handle does not decode: %v", err)
		}
		if !reflect.DeepEqual(h, again) {
			t.Fatalf("re-encoding changed the handle:\n%+v\n%+v", h, again)
		}
		if _, err := SharedFiles(data); err != nil {
			t.Fatalf("SharedFiles of a valid handle: %v", err)
		}
	})
}

// FuzzDecodeOperatorState decodes arbitrary bytes, framed with the magic,
// version and a correct checksum, as operator state, and redistributes
// them: an error or a state that re-encodes to the same state.
func FuzzDecodeOperatorState(f *testing.F) {
	s := NewOperatorState()
	s.Lists["splits"] = [][]byte{[]byte("a"), {}, []byte("ccc")}
	s.Unions["offsets"] = [][]byte{[]byte("topic/0")}
	s.Broadcast["rules"] = map[string][]byte{"k": []byte("v"), "": nil}
	for _, st := range []*OperatorState{s, NewOperatorState()} {
		enc := st.Encode()
		f.Add(enc[5 : len(enc)-4])
	}
	f.Add([]byte{1, 1, 'x', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, body []byte) {
		blob := append([]byte(opStateMagic), opStateVersion)
		blob = append(blob, body...)
		blob = binary.BigEndian.AppendUint32(blob, crc32.Checksum(blob, castagnoli))
		s, err := DecodeOperatorState(blob)
		if err != nil {
			return
		}
		again, err := DecodeOperatorState(s.Encode())
		if err != nil {
			t.Fatalf("re-encoded state does not decode: %v", err)
		}
		if len(again.Lists) != len(s.Lists) || len(again.Unions) != len(s.Unions) || len(again.Broadcast) != len(s.Broadcast) {
			t.Fatalf("re-encoding changed the state")
		}
		for sub := 0; sub < 3; sub++ {
			if _, err := RedistributeOperatorState([][]byte{blob, nil, blob}, sub, 3); err != nil {
				t.Fatalf("redistributing a valid state: %v", err)
			}
		}
	})
}

// fixHeapChecksums makes a damaged heap snapshot file pass its checksums
// where its framing allows: the header CRC and, per the key-group offsets
// the header holds, every block's CRC. It leaves the file alone where the
// framing itself is broken, which the restore must reject.
func fixHeapChecksums(file []byte) []byte {
	if len(file) < 9 || string(file[:4]) != heapMagic {
		return file
	}
	hlen := uint64(binary.BigEndian.Uint32(file[5:9]))
	if uint64(len(file)) < 13+hlen {
		return file
	}
	file = bytes.Clone(file)
	hdr := file[9 : 9+hlen]
	binary.BigEndian.PutUint32(file[9+hlen:], crc32.Checksum(hdr, castagnoli))
	d := decoder{b: hdr}
	start, end := d.uvarint(), d.uvarint()
	if d.err != nil || end < start || end-start > 1<<16 || uint64(len(hdr)) < (end-start+2)*8 {
		return file
	}
	index := hdr[uint64(len(hdr))-(end-start+2)*8:]
	data := file[13+hlen:]
	for i := 0; i+16 <= len(index); i += 8 {
		off, next := binary.BigEndian.Uint64(index[i:]), binary.BigEndian.Uint64(index[i+8:])
		if off+4 > next || next > uint64(len(data)) {
			break
		}
		binary.BigEndian.PutUint32(data[next-4:], crc32.Checksum(data[off:next-4], castagnoli))
	}
	return file
}

// FuzzHeapRestore restores a heap backend from one snapshot file (its
// checksums recomputed by fixHeapChecksums), through a seekable and a
// non-seekable reader, into two backends owning different key groups.
func FuzzHeapRestore(f *testing.F) {
	file, _ := fuzzHeapSeeds(f, 60)
	f.Add(file)
	empty, _ := fuzzHeapSeeds(f, 0)
	f.Add(empty)
	// A header whose key-group start reads as -2^62: the key-group count
	// overflows the index size check.
	var hdr []byte
	hdr = binary.AppendUvarint(hdr, -(1<<62)&(1<<64-1))
	hdr = binary.AppendUvarint(hdr, 0)
	hdr = binary.AppendUvarint(hdr, 0)
	hdr = append(hdr, make([]byte, 16)...)
	bad := append([]byte(heapMagic), heapVersion)
	bad = binary.BigEndian.AppendUint32(bad, uint32(len(hdr)))
	bad = append(bad, hdr...)
	bad = binary.BigEndian.AppendUint32(bad, 0)
	f.Add(bad)
	// One key group whose block claims 2^40 - 1 bytes.
	hdr = binary.AppendUvarint(nil, 0)
	hdr = binary.AppendUvarint(hdr, 0)
	hdr = binary.AppendUvarint(hdr, 0)
	hdr = binary.BigEndian.AppendUint64(hdr, 0)
	hdr = binary.BigEndian.AppendUint64(hdr, 1<<40-1)
	huge := append([]byte(heapMagic), heapVersion)
	huge = binary.BigEndian.AppendUint32(huge, uint32(len(hdr)))
	huge = append(huge, hdr...)
	huge = binary.BigEndian.AppendUint32(huge, 0)
	f.Add(append(huge, 0, 0, 0, 0, 0))
	f.Fuzz(func(t *testing.T, file []byte) {
		file = fixHeapChecksums(file)
		// Seekable or not, with the file size in the handle or without.
		for i, mode := range []struct{ seekable, sized bool }{{false, true}, {true, true}, {false, false}} {
			store := NewMemoryStore()
			store.seekable = mode.seekable
			store.SetFile("f", file)
			ref := FileRef{Ref: "f", Name: "heap"}
			if mode.sized {
				ref.Size = int64(len(file))
			}
			h := MarshalHandle(Handle{Backend: BackendHeap, KeyGroupStart: 0, KeyGroupEnd: testMaxParallelism - 1, Files: []FileRef{ref}})
			start, end := keyGroupRange(i%2, testMaxParallelism, 2)
			cfg := Config{OperatorID: "fuzz", Subtask: i % 2, Parallelism: 2, MaxParallelism: testMaxParallelism, KeyGroupStart: start, KeyGroupEnd: end}
			b, err := NewHeapBackend(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Restore([][]byte{h}, store); err != nil {
				b.Close()
				continue
			}
			// What restored must be usable: snapshot it and restore that.
			out := NewMemoryStore()
			h2 := snapshotTo(t, b, 2, out)
			b2, err := NewHeapBackend(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := b2.Restore([][]byte{h2}, out); err != nil {
				t.Fatalf("the snapshot of a restored backend does not restore: %v", err)
			}
			b.Close()
			b2.Close()
		}
	})
}

// FuzzPebbleRestore restores a Pebble backend from a real incremental
// snapshot whose bundle (the small files: MANIFEST, OPTIONS, WAL, the
// catalogue) the fuzzer rewrites; the harness keeps the bundle's framing,
// checksum and the handle's size and CRC consistent, so the input reaches
// unpackBundle, Pebble's open and the catalogue.
func FuzzPebbleRestore(f *testing.F) {
	src := newTestBackend(f, backendKinds[1], 0, 1, nil)
	st := registerTestStates(f, src)
	m := newModel()
	for i := 0; i < 40; i++ {
		apply(f, src, st, m, i)
	}
	store := NewMemoryStore()
	raw := snapshotTo(f, src, 1, store)
	h, err := UnmarshalHandle(raw)
	must(f, err)
	var bundle FileRef
	for _, fr := range h.Files {
		if fr.Name == bundleName {
			bundle = fr
		}
	}
	seed := store.Files()[bundle.Ref]
	f.Add(seed[5 : len(seed)-4])
	f.Add([]byte{1, 3, 'x', '/', 'y', 0})
	files := store.Files()
	f.Fuzz(func(t *testing.T, body []byte) {
		data := append([]byte(bundleMagic), bundleVersion)
		data = append(data, body...)
		data = binary.BigEndian.AppendUint32(data, crc32.Checksum(data, castagnoli))
		fs := NewMemoryStore()
		for ref, content := range files {
			fs.SetFile(ref, content)
		}
		fs.SetFile(bundle.Ref, data)
		hd := h
		hd.Files = nil
		for _, fr := range h.Files {
			if fr.Name == bundleName {
				fr.Size, fr.CRC = int64(len(data)), crc32.Checksum(data, castagnoli)
			}
			hd.Files = append(hd.Files, fr)
		}
		// Same range (restored in place) and a narrower one (copied).
		for _, par := range []int{1, 2} {
			b := newTestBackend(t, backendKinds[1], 0, par, nil)
			if err := b.Restore([][]byte{MarshalHandle(hd)}, fs); err != nil {
				continue
			}
			// The restored states are usable where their kinds allow.
			v, err := b.RegisterValue(Descriptor{Name: "v"})
			if err != nil {
				continue
			}
			for _, k := range []string{"key-0", "key-7", "key-14"} {
				if owns(b, k) {
					setKey(b, k)
					_, _, _ = v.Value()
				}
			}
		}
	})
}

// fuzzCanonicalSeed returns a canonical snapshot file written by backend k
// holding every state kind.
func fuzzCanonicalSeed(f *testing.F, k backendKind) []byte {
	b := newTestBackend(f, k, 0, 1, nil)
	st := registerAll(f, b)
	fillAll(f, []KeyedBackend{b}, []allStates{st}, newFullModel(), 0, 80, 1)
	store := NewMemoryStore()
	p, err := b.Snapshot(1)
	must(f, err)
	h, err := p.Write(canonicalStore{store})
	must(f, err)
	return store.Files()[h.Files[0].Ref]
}

// FuzzCanonicalRestore restores both backends from one canonical snapshot
// file (checksums recomputed by fixHeapChecksums: the canonical format is
// the heap one) at parallelism 2: an error or a usable state, whose
// canonical snapshot restores into the other backend.
func FuzzCanonicalRestore(f *testing.F) {
	f.Add(fuzzCanonicalSeed(f, backendKinds[0]))
	f.Add(fuzzCanonicalSeed(f, backendKinds[1]))
	f.Fuzz(func(t *testing.T, file []byte) {
		file = fixHeapChecksums(file)
		store := NewMemoryStore()
		store.SetFile("f", file)
		h := MarshalHandle(Handle{Backend: BackendPebble, Canonical: true, KeyGroupStart: 0, KeyGroupEnd: testMaxParallelism - 1,
			Files: []FileRef{{Ref: "f", Name: canonicalName, Size: int64(len(file))}}})
		for i, k := range backendKinds {
			b := newTestBackend(t, k, i%2, 2, nil)
			if err := b.Restore([][]byte{h}, store); err != nil {
				continue
			}
			p, err := savepointSnapshot(b, 2)
			must(t, err)
			out := NewMemoryStore()
			h2, err := p.Write(canonicalStore{out})
			if err != nil {
				t.Fatalf("%s: canonical snapshot of a restored backend: %v", k.name, err)
			}
			other := newTestBackend(t, backendKinds[i^1], 0, 1, nil)
			if err := other.Restore([][]byte{MarshalHandle(h2)}, out); err != nil {
				t.Fatalf("%s: its canonical snapshot does not restore into %s: %v", k.name, backendKinds[i^1].name, err)
			}
		}
	})
}
