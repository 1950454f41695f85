package operators

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/cockroachdb/apd/v3"
)

// Binary state encoding helpers. Snapshots are plain byte strings built with
// encoding/binary appends (uvarint lengths, zig-zag varints, fixed 8-byte
// floats) and read back with stateReader, which records the first error
// instead of panicking on truncated input.

var errCorruptState = errors.New("operators: corrupt operator state")

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

func appendBytes(buf []byte, s []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

func appendFloat(buf []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(buf, math.Float64bits(f))
}

func appendDecimal(buf []byte, d *apd.Decimal) []byte {
	var tmp [64]byte
	return appendBytes(buf, d.Append(tmp[:0], 'E'))
}

func appendBool(buf []byte, b bool) []byte {
	if b {
		return append(buf, 1)
	}
	return append(buf, 0)
}

// stateReader decodes what the append helpers wrote.
type stateReader struct {
	b   []byte
	err error
}

func (r *stateReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: truncated or invalid %s", errCorruptState, what)
	}
}

func (r *stateReader) empty() bool { return len(r.b) == 0 || r.err != nil }

func (r *stateReader) byte() byte {
	if r.err != nil || len(r.b) < 1 {
		r.fail("byte")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *stateReader) bool() bool { return r.byte() != 0 }

func (r *stateReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("uvarint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *stateReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a uvarint element count bounded by the bytes left (each
// element takes at least one byte), so corrupt input cannot make us
// allocate huge slices.
func (r *stateReader) count() int {
	v := r.uvarint()
	if v > uint64(len(r.b)) {
		r.fail("count")
		return 0
	}
	return int(v)
}

// bytes returns a slice aliasing the input.
func (r *stateReader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.fail("bytes")
		return nil
	}
	s := r.b[:n:n]
	r.b = r.b[n:]
	return s
}

func (r *stateReader) string() string { return string(r.bytes()) }

func (r *stateReader) float() float64 {
	if r.err != nil || len(r.b) < 8 {
		r.fail("float")
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return f
}

func (r *stateReader) decimal(d *apd.Decimal) {
	s := r.bytes()
	if r.err != nil {
		return
	}
	if _, _, err := d.SetString(string(s)); err != nil {
		r.fail("decimal")
	}
}

func appendUvarint(buf []byte, v uint64) []byte { return binary.AppendUvarint(buf, v) }

func appendVarint(buf []byte, v int64) []byte { return binary.AppendVarint(buf, v) }
