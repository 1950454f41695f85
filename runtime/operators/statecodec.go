package operators

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/cockroachdb/apd/v3"
)

// Binary state encoding helpers. State values (the group aggregate's
// per-key accumulators) are plain byte strings built with encoding/binary
// appends (uvarint lengths, zig-zag varints, fixed 8-byte floats) and read
// back with stateReader, which records the first error instead of panicking
// on truncated input.

var errCorruptState = errors.New("operators: corrupt operator state")

func appendBytes(buf []byte, s []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

func appendFloat(buf []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(buf, math.Float64bits(f))
}

// Decimal encodings: a tag byte, then for decTag128 the exponent (varint)
// and the coefficient as a signed 128-bit integer (16 bytes big endian,
// two's complement), so decoding allocates nothing; for decTagText (values
// beyond 128 bits) the text form.
const (
	decTag128  = 1
	decTagText = 2
)

func appendDecimal(buf []byte, d *apd.Decimal) []byte {
	if d.Form == apd.Finite {
		if hi, lo, ok := decToI128(d, int(-d.Exponent), nil); ok {
			buf = binary.AppendVarint(append(buf, decTag128), int64(d.Exponent))
			buf = binary.BigEndian.AppendUint64(buf, hi)
			return binary.BigEndian.AppendUint64(buf, lo)
		}
	}
	var tmp [64]byte
	return appendBytes(append(buf, decTagText), d.Append(tmp[:0], 'E'))
}

func appendUvarint(buf []byte, v uint64) []byte { return binary.AppendUvarint(buf, v) }

func appendVarint(buf []byte, v int64) []byte { return binary.AppendVarint(buf, v) }

// appendInt64 writes v as 8 little-endian bytes: accumulators are decoded
// once per key per batch, where fixed width beats varints.
func appendInt64(buf []byte, v int64) []byte { return binary.LittleEndian.AppendUint64(buf, uint64(v)) }

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

func (r *stateReader) byte() byte {
	if r.err != nil || len(r.b) < 1 {
		r.fail("byte")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

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

func (r *stateReader) int64() int64 {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 8 {
		r.fail("int64")
		return 0
	}
	v := int64(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
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

func (r *stateReader) uint64() uint64 {
	if r.err != nil || len(r.b) < 8 {
		r.fail("uint64")
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *stateReader) float() float64 {
	if r.err != nil || len(r.b) < 8 {
		r.fail("float")
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return f
}

// decimal reads what appendDecimal wrote into d.
func (r *stateReader) decimal(d *apd.Decimal) {
	switch r.byte() {
	case decTag128:
		exp := r.varint()
		hi := r.uint64()
		lo := r.uint64()
		if r.err != nil || exp < math.MinInt32 || exp > math.MaxInt32 {
			r.fail("decimal")
			return
		}
		i128ToDec(d, hi, lo, int(-exp))
	case decTagText:
		s := r.bytes()
		if r.err != nil {
			return
		}
		if _, _, err := d.SetString(string(s)); err != nil {
			r.fail("decimal")
		}
	default:
		r.fail("decimal")
	}
}
