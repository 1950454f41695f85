package operators

import (
	"encoding/binary"
	"errors"
	"math"
	"math/bits"

	"github.com/cockroachdb/apd/v3"

	"github.com/flinkgo/engine/runtime/types"
)

// Two byte encodings of values live here:
//
//   - group keys (keyEncoder): equal SQL values give equal bytes; the
//     encoding is self-delimiting so several key columns concatenate
//     unambiguously. Layout per column: a tag byte (0 = NULL, 1 = value,
//     2 = decimal as text), then for BOOLEAN one byte, for the int64 kinds 8
//     bytes little endian (TIMESTAMP(p > 6): and 2 bytes of nanoseconds), for FLOAT/DOUBLE 8 bytes of canonical IEEE bits
//     (-0 folded into 0, one NaN), for DECIMAL the 16-byte two's complement
//     coefficient at the type's scale, for strings/binaries a uvarint length
//     and the bytes, for ARRAY/MAP a uvarint element count and each element
//     (MAP: key then value), for ROW each field.
//   - ordered values (appendOrdered): the encoding of one non-NULL scalar
//     whose byte order (string comparison) is the SQL order, used for the
//     MIN/MAX/FIRST_VALUE/LAST_VALUE values and as the map-state keys of
//     the group aggregate's value counts (so Pebble iterates them in value
//     order). BOOLEAN one byte;
//     int64 kinds big endian with the sign bit flipped; floats the usual
//     sign-magnitude flip (NaN sorts last, as in Java's Double.compareTo);
//     DECIMAL the 16-byte big endian two's complement coefficient at the
//     type's scale with the sign bit flipped; strings/binaries the raw bytes.

// decCtx is used for rescaling and division of decimals (HALF_UP as Flink).
var decCtx = apd.Context{
	Precision:   80,
	MaxExponent: apd.MaxExponent,
	MinExponent: apd.MinExponent,
	Traps:       apd.DefaultTraps,
	Rounding:    apd.RoundHalfUp,
}

var errDecimalRange = errors.New("operators: decimal value exceeds 38 digits")

// canonicalNaN is the one NaN bit pattern used in encodings.
var canonicalNaN = math.Float64bits(math.NaN())

func canonicalFloatBits(f float64) uint64 {
	switch {
	case f == 0:
		return 0
	case f != f:
		return canonicalNaN
	}
	return math.Float64bits(f)
}

// decToI128 returns d as a signed 128-bit coefficient at the given scale
// (value = coefficient * 10^-scale). ok is false for values outside the
// range or special forms.
func decToI128(d *apd.Decimal, scale int, tmp *apd.Decimal) (hi, lo uint64, ok bool) {
	if d.Form != apd.Finite {
		return 0, 0, false
	}
	x := d
	if d.Exponent != int32(-scale) {
		if _, err := decCtx.Quantize(tmp, d, int32(-scale)); err != nil {
			return 0, 0, false
		}
		x = tmp
	}
	for k, w := range x.Coeff.Bits() {
		shift := k * bits.UintSize
		switch {
		case shift < 64:
			lo |= uint64(w) << shift
		case shift < 128:
			hi |= uint64(w) << (shift - 64)
		case w != 0:
			return 0, 0, false
		}
	}
	if hi>>63 != 0 {
		return 0, 0, false
	}
	if x.Negative && (hi|lo) != 0 {
		lo = ^lo + 1
		hi = ^hi
		if lo == 0 {
			hi++
		}
	}
	return hi, lo, true
}

// i128ToDec sets d to the signed 128-bit coefficient at the given scale.
func i128ToDec(d *apd.Decimal, hi, lo uint64, scale int) {
	neg := int64(hi) < 0
	if neg {
		lo = ^lo + 1
		hi = ^hi
		if lo == 0 {
			hi++
		}
	}
	if hi == 0 {
		d.Coeff.SetUint64(lo)
	} else {
		var l apd.BigInt
		l.SetUint64(lo)
		d.Coeff.SetUint64(hi)
		d.Coeff.Lsh(&d.Coeff, 64)
		d.Coeff.Or(&d.Coeff, &l)
	}
	d.Form = apd.Finite
	d.Exponent = int32(-scale)
	d.Negative = neg && (hi|lo) != 0
}

// keyEncoder writes the group key of one row into a reusable buffer.
type keyEncoder struct {
	cols []int
	buf  []byte
	tmp  apd.Decimal
}

// encode returns the key of row i; valid until the next call.
func (e *keyEncoder) encode(b *types.Batch, i int) []byte {
	buf := e.buf[:0]
	for _, c := range e.cols {
		buf = e.appendKey(buf, b.Cols[c], i)
	}
	e.buf = buf
	return buf
}

func (e *keyEncoder) appendKey(buf []byte, v *types.Vector, i int) []byte {
	if nullAt(v.Nulls, i) {
		return append(buf, 0)
	}
	switch v.Type.Kind.Physical() {
	case types.PhysNone:
		return append(buf, 0)
	case types.PhysBool:
		if v.Bools[i] {
			return append(buf, 1, 1)
		}
		return append(buf, 1, 0)
	case types.PhysInt64:
		buf = binary.LittleEndian.AppendUint64(append(buf, 1), uint64(v.Ints[i]))
		if types.HasNanos(v.Type) {
			buf = binary.LittleEndian.AppendUint16(buf, uint16(v.NanoAt(i)))
		}
		return buf
	case types.PhysFloat64:
		return binary.LittleEndian.AppendUint64(append(buf, 1), canonicalFloatBits(v.Floats[i]))
	case types.PhysDecimal:
		hi, lo, ok := decToI128(&v.Decs[i], v.Type.Scale, &e.tmp)
		if !ok {
			var r apd.Decimal
			r.Reduce(&v.Decs[i])
			s := r.Append(nil, 'E')
			buf = binary.AppendUvarint(append(buf, 2), uint64(len(s)))
			return append(buf, s...)
		}
		buf = binary.LittleEndian.AppendUint64(append(buf, 1), lo)
		return binary.LittleEndian.AppendUint64(buf, hi)
	case types.PhysBytes:
		b := v.Bytes(i)
		buf = binary.AppendUvarint(append(buf, 1), uint64(len(b)))
		return append(buf, b...)
	case types.PhysArray, types.PhysMap:
		from, to := int(v.Offsets[i]), int(v.Offsets[i+1])
		buf = binary.AppendUvarint(append(buf, 1), uint64(to-from))
		for j := from; j < to; j++ {
			for _, c := range v.Children {
				buf = e.appendKey(buf, c, j)
			}
		}
		return buf
	case types.PhysRow:
		buf = append(buf, 1)
		for _, c := range v.Children {
			buf = e.appendKey(buf, c, i)
		}
		return buf
	}
	return append(buf, 0)
}

// orderedSupported reports whether values of t have an ordered encoding.
func orderedSupported(t *types.Type) bool {
	switch t.Kind.Physical() {
	case types.PhysBool, types.PhysInt64, types.PhysFloat64, types.PhysDecimal, types.PhysBytes:
		return true
	}
	return false
}

// orderedWidth is the length of the ordered encoding of t's values, 0 when
// it varies.
func orderedWidth(t *types.Type) int {
	switch t.Kind.Physical() {
	case types.PhysBool:
		return 1
	case types.PhysInt64:
		if types.HasNanos(t) {
			return 10
		}
		return 8
	case types.PhysFloat64:
		return 8
	case types.PhysDecimal:
		return 16
	}
	return 0
}

// appendOrdered appends the ordered encoding of non-NULL row i of v.
func appendOrdered(buf []byte, v *types.Vector, i int, tmp *apd.Decimal) ([]byte, error) {
	switch v.Type.Kind.Physical() {
	case types.PhysBool:
		if v.Bools[i] {
			return append(buf, 1), nil
		}
		return append(buf, 0), nil
	case types.PhysInt64:
		buf = binary.BigEndian.AppendUint64(buf, uint64(v.Ints[i])^(1<<63))
		if types.HasNanos(v.Type) {
			buf = binary.BigEndian.AppendUint16(buf, uint16(v.NanoAt(i)))
		}
		return buf, nil
	case types.PhysFloat64:
		b := canonicalFloatBits(v.Floats[i])
		if b>>63 != 0 {
			b = ^b
		} else {
			b |= 1 << 63
		}
		return binary.BigEndian.AppendUint64(buf, b), nil
	case types.PhysDecimal:
		hi, lo, ok := decToI128(&v.Decs[i], v.Type.Scale, tmp)
		if !ok {
			return buf, errDecimalRange
		}
		buf = binary.BigEndian.AppendUint64(buf, hi^(1<<63))
		return binary.BigEndian.AppendUint64(buf, lo), nil
	case types.PhysBytes:
		return append(buf, v.Bytes(i)...), nil
	}
	return buf, errors.New("operators: no ordered encoding for " + v.Type.String())
}

// appendDecoded appends the value of an ordered encoding to out.
func appendDecoded(out *types.Vector, enc []byte) {
	switch out.Type.Kind.Physical() {
	case types.PhysBool:
		out.AppendBool(enc[0] != 0)
	case types.PhysInt64:
		var nanos int64
		if types.HasNanos(out.Type) && len(enc) >= 10 {
			nanos = int64(binary.BigEndian.Uint16(enc[8:]))
		}
		out.AppendTimestamp(int64(binary.BigEndian.Uint64(enc)^(1<<63)), nanos)
	case types.PhysFloat64:
		b := binary.BigEndian.Uint64(enc)
		if b>>63 != 0 {
			b &^= 1 << 63
		} else {
			b = ^b
		}
		out.AppendFloat(math.Float64frombits(b))
	case types.PhysDecimal:
		out.Decs = append(out.Decs, apd.Decimal{})
		i128ToDec(&out.Decs[len(out.Decs)-1], binary.BigEndian.Uint64(enc)^(1<<63), binary.BigEndian.Uint64(enc[8:]), out.Type.Scale)
		out.Len++
	case types.PhysBytes:
		out.AppendBytes(enc)
	default:
		out.AppendNull()
	}
}
