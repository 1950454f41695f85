package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
)

// Small binary helpers shared by the handle, snapshot and operator-state
// formats. Everything is uvarint-length-prefixed; no reflection.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// decoder reads the helpers' encodings from a byte slice; the first error
// sticks and later reads return zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errHandleTruncated)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(errHandleTruncated)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 1 {
		d.fail(errHandleTruncated)
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uint32() uint32 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 4 {
		d.fail(errHandleTruncated)
		return 0
	}
	v := binary.BigEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

// bytes returns a length-prefixed slice aliasing the input.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail(errHandleTruncated)
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

// checksumReader counts and checksums what is read through it.
type checksumReader struct {
	r    io.Reader
	h    hash.Hash32
	size int64
}

func newChecksumReader(r io.Reader) *checksumReader {
	return &checksumReader{r: r, h: crc32.New(castagnoli)}
}

func (c *checksumReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.h.Write(p[:n])
		c.size += int64(n)
	}
	return n, err
}

func (c *checksumReader) sum() uint32 { return c.h.Sum32() }

// errCorrupt marks restore errors caused by damaged files.
var errCorrupt = errors.New("corrupt")

// corruptf builds an error naming a damaged snapshot file.
func corruptf(ref, format string, args ...any) error {
	return fmt.Errorf("state: checkpoint file %q is %w: %s", ref, errCorrupt, fmt.Sprintf(format, args...))
}

// TTL encoding: every value, list element and map value is stored with the
// time it was written (ms, uvarint), 0 when TTL was disabled for the state.

func expired(ts, ttl, now int64) bool {
	return ttl > 0 && ts > 0 && now-ts >= ttl
}
