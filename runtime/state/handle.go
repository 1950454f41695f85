package state

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Handle describes one subtask's keyed-state snapshot: which backend wrote
// it, the key groups it covers and the files it references. It is small and
// is stored inline in the checkpoint's _metadata (MarshalHandle).
type Handle struct {
	Backend       BackendType
	CheckpointID  int64
	KeyGroupStart int // inclusive
	KeyGroupEnd   int // inclusive
	Files         []FileRef
	// Canonical marks a snapshot in the canonical, backend-independent
	// format (canonical.go): one file that every backend restores. Backend
	// then only says which backend wrote it. A native snapshot (false) is
	// readable only by Backend.
	Canonical bool
	// Changelog marks a snapshot of the changelog backend (changelog.go):
	// the files without Segment are a native snapshot of Backend taken at
	// an earlier checkpoint (the materialized base, possibly none), the
	// Segment files, in order, the state changes made since.
	Changelog bool
}

// FileRef is one file of a snapshot.
type FileRef struct {
	Ref    string // what the SnapshotWriter returned; opened with SnapshotReader
	Name   string // "heap", "bundle", "000012.sst"; for shared files the name in shared/
	Size   int64
	CRC    uint32 // CRC-32C (Castagnoli) of the whole content
	Shared bool   // in shared/ (counted by SharedRegistry), else exclusive
	// Segment marks a changelog segment (Handle.Changelog).
	Segment bool
	// BaseExclusive marks a file of a changelog handle's base that the
	// backend wrote as an exclusive file; the changelog backend stored it
	// in shared/ (Shared is set) because later checkpoints reference it.
	BaseExclusive bool
}

// Handle wire format (all integers uvarint unless noted):
//
//	version byte (1, or 2 when a format byte follows)
//	backend byte
//	version 2 only: format byte (0 native, 1 canonical, 2 changelog)
//	checkpoint id (varint), key group start, key group end
//	file count, then per file: flags byte (bit 0 shared, bit 1 changelog
//	segment, bit 2 base file written as exclusive), ref, name
//	(uvarint length + bytes each), size, crc (4 bytes big-endian)
//
// A native handle is written as version 1 (as before canonical snapshots
// existed), a canonical or changelog one as version 2; both are read.
const (
	handleVersion       = 1
	handleVersionFormat = 2
)

// The format byte of a version 2 handle.
const (
	formatNative    = 0
	formatCanonical = 1
	formatChangelog = 2
)

// MarshalHandle encodes h in the compact, versioned binary form.
func MarshalHandle(h Handle) []byte {
	b := make([]byte, 0, 32+len(h.Files)*64)
	switch {
	case h.Canonical:
		b = append(b, handleVersionFormat, byte(h.Backend), formatCanonical)
	case h.Changelog:
		b = append(b, handleVersionFormat, byte(h.Backend), formatChangelog)
	default:
		b = append(b, handleVersion, byte(h.Backend))
	}
	b = binary.AppendVarint(b, h.CheckpointID)
	b = binary.AppendUvarint(b, uint64(h.KeyGroupStart))
	b = binary.AppendUvarint(b, uint64(h.KeyGroupEnd))
	b = binary.AppendUvarint(b, uint64(len(h.Files)))
	for _, f := range h.Files {
		var flags byte
		if f.Shared {
			flags |= 1
		}
		if f.Segment {
			flags |= 2
		}
		if f.BaseExclusive {
			flags |= 4
		}
		b = append(b, flags)
		b = appendBytes(b, []byte(f.Ref))
		b = appendBytes(b, []byte(f.Name))
		b = binary.AppendUvarint(b, uint64(f.Size))
		b = binary.BigEndian.AppendUint32(b, f.CRC)
	}
	return b
}

var errHandleTruncated = errors.New("truncated")

// UnmarshalHandle decodes a handle written by MarshalHandle.
func UnmarshalHandle(data []byte) (Handle, error) {
	var h Handle
	if len(data) < 2 {
		return h, fmt.Errorf("state: corrupt state handle: %w", errHandleTruncated)
	}
	if data[0] != handleVersion && data[0] != handleVersionFormat {
		return h, fmt.Errorf("state: state handle version %d not supported (this build reads up to %d)", data[0], handleVersionFormat)
	}
	h.Backend = BackendType(data[1])
	if h.Backend != BackendHeap && h.Backend != BackendPebble {
		return h, fmt.Errorf("state: corrupt state handle: unknown backend %d", data[1])
	}
	d := decoder{b: data[2:]}
	if data[0] == handleVersionFormat {
		switch f := d.byte(); {
		case d.err != nil:
		case f > formatChangelog:
			return Handle{}, fmt.Errorf("state: corrupt state handle: unknown format %d", f)
		default:
			h.Canonical = f == formatCanonical
			h.Changelog = f == formatChangelog
		}
	}
	h.CheckpointID = d.varint()
	h.KeyGroupStart = int(d.uvarint())
	h.KeyGroupEnd = int(d.uvarint())
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) {
		d.err = errHandleTruncated
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		var f FileRef
		flags := d.byte()
		f.Shared = flags&1 != 0
		f.Segment = flags&2 != 0
		f.BaseExclusive = flags&4 != 0
		if flags > 7 || (f.Segment || f.BaseExclusive) && !h.Changelog {
			d.err = fmt.Errorf("file flags %#x", flags)
		}
		f.Ref = string(d.bytes())
		f.Name = string(d.bytes())
		f.Size = int64(d.uvarint())
		f.CRC = d.uint32()
		h.Files = append(h.Files, f)
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	if d.err == nil && (h.KeyGroupStart >= MaxKeyGroups || h.KeyGroupEnd >= MaxKeyGroups || h.KeyGroupStart > h.KeyGroupEnd+1) {
		d.err = fmt.Errorf("key group range [%d, %d] invalid", h.KeyGroupStart, h.KeyGroupEnd)
	}
	if d.err != nil {
		return Handle{}, fmt.Errorf("state: corrupt state handle: %w", d.err)
	}
	return h, nil
}

// SharedFiles returns the refs of the shared files a marshalled handle
// references (for SharedRegistry.Register). A nil or empty handle has none.
func SharedFiles(h []byte) ([]string, error) {
	if len(h) == 0 {
		return nil, nil
	}
	hd, err := UnmarshalHandle(h)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range hd.Files {
		if f.Shared {
			out = append(out, f.Ref)
		}
	}
	return out, nil
}

// overlaps reports whether the handle covers any key group in [start, end].
func (h *Handle) overlaps(start, end int) bool {
	return h.KeyGroupStart <= end && start <= h.KeyGroupEnd && h.KeyGroupStart <= h.KeyGroupEnd
}
