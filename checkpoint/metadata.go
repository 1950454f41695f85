package checkpoint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// The _metadata file format.
//
//	int32  magic   0x4960672d (big-endian, as Flink's)
//	int32  version CurrentVersion (big-endian)
//	uvarint body length
//	body:
//	  varint  CheckpointID
//	  bytes   JobID, JobName          (uvarint length + bytes)
//	  varint  Timestamp
//	  byte    Savepoint (0 or 1)
//	  byte    Format (version 2+: 1 CANONICAL, 2 NATIVE; version 1 is NATIVE)
//	  uvarint number of operators, then per operator:
//	    bytes   OperatorID, Name
//	    varint  Parallelism, MaxParallelism
//	    uvarint number of subtasks, then per subtask (StateHandle):
//	      byte    flags (bit 0: Inline is non-nil)
//	      bytes   Inline                (only when bit 0 is set)
//	      bytes   File
//	      varint  Size
//	      uint32  Checksum (big-endian)
//	uint32 CRC32C (Castagnoli) of every byte before it (big-endian)
//
// The body length lets a reader tell a truncated file from a corrupt one
// and notice bytes appended after the checksum. Version 1 (before
// canonical savepoints) had no Format byte; it is still read.
const (
	// CurrentVersion is the format version EncodeMetadata writes and the
	// newest DecodeMetadata reads.
	CurrentVersion = 2
	// MetadataMagic opens every _metadata file (Flink's value).
	MetadataMagic = 0x4960672d
)

// castagnoli is the CRC32C table used for _metadata and state files.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Checksum returns the CRC32C (Castagnoli) of data, as stored in
// StateHandle.Checksum and at the end of _metadata.
func Checksum(data []byte) uint32 { return crc32.Checksum(data, castagnoli) }

// Reasons a _metadata file is rejected; a *MetadataError wraps one of them,
// so errors.Is(err, ErrMetadataChecksum) works.
var (
	ErrNotMetadata       = errors.New("not a checkpoint metadata file")
	ErrMetadataTruncated = errors.New("checkpoint metadata is truncated")
	ErrMetadataVersion   = errors.New("unsupported checkpoint metadata version")
	ErrMetadataChecksum  = errors.New("checkpoint metadata checksum mismatch")
	ErrMetadataTrailing  = errors.New("trailing bytes after checkpoint metadata")
	ErrMetadataMalformed = errors.New("malformed checkpoint metadata")
)

// MetadataError is why a _metadata file cannot be used. Its message names
// the file and says what to do.
type MetadataError struct {
	Path   string
	Reason error // one of the ErrNotMetadata … ErrMetadataMalformed values
	msg    string
}

func (e *MetadataError) Error() string { return e.msg }

// Unwrap returns the Reason.
func (e *MetadataError) Unwrap() error { return e.Reason }

const useOlder = "the checkpoint cannot be used — restore from an older chk-<n>"

func metaErr(path string, reason error, format string, args ...any) error {
	return &MetadataError{Path: path, Reason: reason, msg: path + " " + fmt.Sprintf(format, args...)}
}

// EncodeMetadata serializes m as format version CurrentVersion (m.Version is
// ignored) followed by a CRC32C of everything before it.
func EncodeMetadata(m *Metadata) []byte {
	var body []byte
	body = binary.AppendVarint(body, m.CheckpointID)
	body = appendBytes(body, []byte(m.JobID))
	body = appendBytes(body, []byte(m.JobName))
	body = binary.AppendVarint(body, m.Timestamp)
	body = append(body, boolByte(m.Savepoint))
	if m.Format == FormatCanonical {
		body = append(body, byte(FormatCanonical))
	} else {
		body = append(body, byte(FormatNative))
	}
	body = binary.AppendUvarint(body, uint64(len(m.Operators)))
	for i := range m.Operators {
		op := &m.Operators[i]
		body = appendBytes(body, []byte(op.OperatorID))
		body = appendBytes(body, []byte(op.Name))
		body = binary.AppendVarint(body, int64(op.Parallelism))
		body = binary.AppendVarint(body, int64(op.MaxParallelism))
		body = binary.AppendUvarint(body, uint64(len(op.Subtasks)))
		for j := range op.Subtasks {
			h := &op.Subtasks[j]
			body = append(body, boolByte(h.Inline != nil))
			if h.Inline != nil {
				body = appendBytes(body, h.Inline)
			}
			body = appendBytes(body, []byte(h.File))
			body = binary.AppendVarint(body, h.Size)
			body = binary.BigEndian.AppendUint32(body, h.Checksum)
		}
	}

	out := make([]byte, 0, 8+binary.MaxVarintLen64+len(body)+4)
	out = binary.BigEndian.AppendUint32(out, MetadataMagic)
	out = binary.BigEndian.AppendUint32(out, CurrentVersion)
	out = binary.AppendUvarint(out, uint64(len(body)))
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, Checksum(out))
}

// DecodeMetadata parses a _metadata file read from path (used only in error
// messages). It rejects, with an error naming path, an empty or truncated
// file, a file that is not checkpoint metadata, a format version it does
// not know, a checksum mismatch, trailing bytes and a malformed body. It
// never panics, whatever data holds.
func DecodeMetadata(data []byte, path string) (*Metadata, error) {
	var magic [4]byte
	binary.BigEndian.PutUint32(magic[:], MetadataMagic)
	switch {
	case len(data) == 0:
		return nil, metaErr(path, ErrMetadataTruncated, "is empty; %s", useOlder)
	case len(data) < 4 && bytes.HasPrefix(magic[:], data):
		return nil, metaErr(path, ErrMetadataTruncated, "is truncated (%d bytes); %s", len(data), useOlder)
	case len(data) < 4 || !bytes.Equal(data[:4], magic[:]):
		return nil, metaErr(path, ErrNotMetadata, "is not a checkpoint metadata file (it does not start with magic number 0x%08x)", MetadataMagic)
	case len(data) < 8:
		return nil, metaErr(path, ErrMetadataTruncated, "is truncated (%d bytes); %s", len(data), useOlder)
	}
	version := int32(binary.BigEndian.Uint32(data[4:8]))
	if version > CurrentVersion {
		return nil, metaErr(path, ErrMetadataVersion,
			"has checkpoint metadata format version %d, but this engine reads versions up to %d; restore it with a newer engine", version, CurrentVersion)
	}
	if version < 1 {
		return nil, metaErr(path, ErrMetadataVersion, "has unknown checkpoint metadata format version %d; %s", version, useOlder)
	}
	bodyLen, n := binary.Uvarint(data[8:])
	if n == 0 {
		return nil, metaErr(path, ErrMetadataTruncated, "is truncated (%d bytes); %s", len(data), useOlder)
	}
	if n < 0 {
		return nil, metaErr(path, ErrMetadataChecksum, "is corrupt (bad body length); %s", useOlder)
	}
	start := 8 + n
	if bodyLen > uint64(len(data)) {
		return nil, metaErr(path, ErrMetadataTruncated, "is truncated (%d bytes, its header announces a body of %d bytes); %s", len(data), bodyLen, useOlder)
	}
	total := uint64(start) + bodyLen + 4
	if uint64(len(data)) < total {
		return nil, metaErr(path, ErrMetadataTruncated, "is truncated (%d of %d bytes); %s", len(data), total, useOlder)
	}
	end := start + int(bodyLen)
	if got, want := Checksum(data[:end]), binary.BigEndian.Uint32(data[end:end+4]); got != want {
		return nil, metaErr(path, ErrMetadataChecksum, "is corrupt (checksum mismatch); %s", useOlder)
	}
	if extra := len(data) - (end + 4); extra > 0 {
		return nil, metaErr(path, ErrMetadataTrailing,
			"has %d unexpected bytes after its checksum (the file was modified after it was written); %s", extra, useOlder)
	}

	d := decoder{b: data[start:end]}
	m := &Metadata{Version: int(version)}
	m.CheckpointID = d.varint()
	m.JobID = d.str()
	m.JobName = d.str()
	m.Timestamp = d.varint()
	m.Savepoint = d.boolean()
	m.Format = FormatNative
	if version >= 2 {
		switch f := d.byte(); SavepointFormat(f) {
		case FormatCanonical, FormatNative:
			m.Format = SavepointFormat(f)
		default:
			if d.err == nil {
				d.fail("unknown snapshot format %d", f)
			}
		}
	}
	nOps := d.count(5) // an operator takes at least 5 bytes
	if nOps > 0 {
		m.Operators = make([]OperatorState, nOps)
	}
	for i := 0; i < nOps && d.err == nil; i++ {
		op := &m.Operators[i]
		op.OperatorID = d.str()
		op.Name = d.str()
		op.Parallelism = d.int()
		op.MaxParallelism = d.int()
		nSub := d.count(7) // a handle takes at least 7 bytes
		if nSub > 0 {
			op.Subtasks = make([]StateHandle, nSub)
		}
		for j := 0; j < nSub && d.err == nil; j++ {
			h := &op.Subtasks[j]
			if d.boolean() {
				h.Inline = d.bytes()
			}
			h.File = d.str()
			h.Size = d.varint()
			h.Checksum = d.uint32()
			if d.err == nil && h.Size < 0 {
				d.fail("negative state size %d", h.Size)
			}
		}
	}
	if d.err == nil && len(d.b) > 0 {
		d.fail("%d unexpected bytes at the end of the body", len(d.b))
	}
	if d.err != nil {
		return nil, metaErr(path, ErrMetadataMalformed, "is corrupt (%v); %s", d.err, useOlder)
	}
	return m, nil
}

func appendBytes(b, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// decoder reads a metadata body; the first failure sticks in err and every
// later read returns a zero value.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
	d.b = nil
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad length")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) int() int {
	v := d.varint()
	if int64(int(v)) != v {
		d.fail("integer %d out of range", v)
		return 0
	}
	return int(v)
}

// count reads an element count and checks it against the bytes left, each
// element taking at least minSize bytes.
func (d *decoder) count(minSize int) int {
	v := d.uvarint()
	if d.err == nil && v > uint64(len(d.b)/minSize) {
		d.fail("count %d exceeds the remaining %d bytes", v, len(d.b))
		return 0
	}
	return int(v)
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail("length %d exceeds the remaining %d bytes", n, len(d.b))
		return nil
	}
	out := make([]byte, n)
	copy(out, d.b)
	d.b = d.b[n:]
	return out
}

func (d *decoder) str() string { return string(d.bytes()) }

func (d *decoder) boolean() bool {
	if d.err != nil {
		return false
	}
	if len(d.b) == 0 {
		d.fail("unexpected end of body")
		return false
	}
	c := d.b[0]
	d.b = d.b[1:]
	if c > 1 {
		d.fail("bad flag byte %d", c)
		return false
	}
	return c == 1
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.fail("unexpected end of body")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uint32() uint32 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 4 {
		d.fail("unexpected end of body")
		return 0
	}
	v := binary.BigEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}
