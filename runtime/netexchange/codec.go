package netexchange

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"

	"github.com/cockroachdb/apd/v3"

	"github.com/flinkgo/engine/runtime/types"
)

// Batch encoding (payload of frameBatch), against the column types of the
// channel's last frameSchema:
//
//	rows    uvarint
//	kinds   uint8: 0 all +I, 1 followed by rows bytes (types.RowKind, 0..3)
//	ncols   uvarint (equals the schema's)
//	columns one vector each, rows long
//
// A vector of n rows:
//
//	nulls   uint8: 0 none, 1 followed by ceil(n/64) uint64 LE words (bit i = row i NULL)
//	values  by physical type:
//	  none     nothing
//	  bool     n bytes (0/1)
//	  int64    n × int64 LE
//	  float64  n × float64 bits LE
//	  decimal  n × (uint8 form|negative<<2, exponent zig-zag varint (|e| ≤ 16384), coefficient uvarint length + big-endian magnitude)
//	  bytes    n × uint32 LE end offsets (from 0, non-decreasing), then uvarint data length + data
//	  array    n × uint32 LE end offsets, then the element vector of offsets[n-1] rows
//	  map      n × uint32 LE end offsets, then the key vector and the value vector
//	  row      one vector per field, n rows each
//
// Schema encoding (payload of frameSchema): ncols uvarint, then each type:
// kind uint8, flags uint8 (1 NOT NULL, time attribute << 1), precision,
// scale, length (zig-zag varints), then ARRAY: element; MAP: key, value;
// ROW: field count uvarint and per field name (uvarint length + bytes) and type.

const (
	maxTypeDepth = 32
	maxNameLen   = 1 << 16
	// MaxRows bounds the rows of a batch and of any nested vector (the
	// engine's batches hold DefaultBatchSize = 1024 rows).
	MaxRows = 1 << 20
	// maxExponent bounds a decimal's exponent: the engine keeps decimals at
	// their type's scale (at most 38), and a wild exponent would make the
	// value's text form arbitrarily long.
	maxExponent = 1 << 14
	// maxCoeffBytes bounds a decimal coefficient (far beyond DECIMAL(38)).
	maxCoeffBytes = 64
)

var errCorrupt = errors.New("netexchange: corrupt frame")

// reader decodes a payload, recording the first error instead of
// panicking on truncated input.
type reader struct {
	b   []byte
	err error
}

func (d *reader) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.b = nil
}

func (d *reader) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errCorrupt)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *reader) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(errCorrupt)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *reader) int32() int32 {
	v := d.varint()
	if v < math.MinInt32 || v > math.MaxInt32 {
		d.fail(errCorrupt)
		return 0
	}
	return int32(v)
}

// count reads a uvarint that must not exceed limit.
func (d *reader) count(limit int) int {
	v := d.uvarint()
	if v > uint64(limit) {
		d.fail(errCorrupt)
		return 0
	}
	return int(v)
}

func (d *reader) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 1 {
		d.fail(errCorrupt)
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *reader) uint64() uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.fail(errCorrupt)
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *reader) uint32() uint32 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 4 {
		d.fail(errCorrupt)
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

// bytes returns the next n bytes (aliasing the payload).
func (d *reader) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.b) < n {
		d.fail(errCorrupt)
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

// need fails unless at least n more bytes are left: checked before any
// allocation sized by a count read from the wire.
func (d *reader) need(n int) bool {
	if d.err != nil {
		return false
	}
	if n < 0 || len(d.b) < n {
		d.fail(errCorrupt)
		return false
	}
	return true
}

// ---- schema ----

func appendSchema(buf []byte, ts []*types.Type) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(ts)))
	for _, t := range ts {
		buf = appendType(buf, t)
	}
	return buf
}

func appendType(buf []byte, t *types.Type) []byte {
	flags := byte(t.TimeAttr) << 1
	if t.NotNull {
		flags |= 1
	}
	buf = append(buf, byte(t.Kind), flags)
	buf = binary.AppendVarint(buf, int64(t.Precision))
	buf = binary.AppendVarint(buf, int64(t.Scale))
	buf = binary.AppendVarint(buf, int64(t.Length))
	switch t.Kind {
	case types.KindArray:
		buf = appendType(buf, t.Elem)
	case types.KindMap:
		buf = appendType(buf, t.Key)
		buf = appendType(buf, t.Elem)
	case types.KindRow:
		buf = binary.AppendUvarint(buf, uint64(len(t.Fields)))
		for _, f := range t.Fields {
			buf = binary.AppendUvarint(buf, uint64(len(f.Name)))
			buf = append(buf, f.Name...)
			buf = appendType(buf, f.Type)
		}
	}
	return buf
}

func decodeSchema(p []byte) ([]*types.Type, error) {
	d := reader{b: p}
	n := d.count(len(p)) // every type takes at least 5 bytes
	ts := make([]*types.Type, 0, min(n, len(p)/5+1))
	for i := 0; i < n && d.err == nil; i++ {
		ts = append(ts, decodeType(&d, 0))
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errTrailing
	}
	if d.err != nil {
		return nil, fmt.Errorf("netexchange: schema: %w", d.err)
	}
	return ts, nil
}

func decodeType(d *reader, depth int) *types.Type {
	if depth > maxTypeDepth {
		d.fail(errors.New("netexchange: type nested too deeply"))
		return nil
	}
	t := &types.Type{}
	k := d.byte()
	flags := d.byte()
	if d.err != nil {
		return nil
	}
	if k > byte(types.KindRow) || flags>>1 > byte(types.ProcTime) {
		d.fail(errCorrupt)
		return nil
	}
	t.Kind = types.Kind(k)
	t.NotNull = flags&1 != 0
	t.TimeAttr = types.TimeAttr(flags >> 1)
	t.Precision = int(d.int32())
	t.Scale = int(d.int32())
	t.Length = int(d.int32())
	switch t.Kind {
	case types.KindArray:
		t.Elem = decodeType(d, depth+1)
	case types.KindMap:
		t.Key = decodeType(d, depth+1)
		t.Elem = decodeType(d, depth+1)
	case types.KindRow:
		n := d.count(len(d.b) / 6) // a field takes at least 6 bytes
		t.Fields = make([]types.Field, n)
		for i := 0; i < n && d.err == nil; i++ {
			t.Fields[i].Name = string(d.bytes(d.count(maxNameLen)))
			t.Fields[i].Type = decodeType(d, depth+1)
		}
	}
	if d.err != nil {
		return nil
	}
	return t
}

// sameSchema reports whether b's columns have exactly the types ts (by
// pointer first, structurally otherwise).
func sameSchema(ts []*types.Type, b *types.Batch) bool {
	if len(ts) != len(b.Cols) {
		return false
	}
	for i, c := range b.Cols {
		if ts[i] != c.Type && !ts[i].Equal(c.Type, false) {
			return false
		}
	}
	return true
}

// ---- batch ----

// appendBatch encodes b (whose column types the receiver knows) to buf.
func appendBatch(buf []byte, b *types.Batch) []byte {
	buf = binary.AppendUvarint(buf, uint64(b.Len))
	if b.Kinds == nil {
		buf = append(buf, 0)
	} else {
		buf = append(buf, 1)
		for i := 0; i < b.Len; i++ {
			buf = append(buf, byte(b.Kinds[i]))
		}
	}
	buf = binary.AppendUvarint(buf, uint64(len(b.Cols)))
	for _, c := range b.Cols {
		buf = appendVector(buf, c, 0, b.Len)
	}
	return buf
}

// appendNulls writes the null flags of rows [from, to) of v.
func appendNulls(buf []byte, v *types.Vector, from, to int) []byte {
	any := false
	for w := from >> 6; w < len(v.Nulls) && w<<6 < to; w++ {
		if v.Nulls[w] != 0 {
			any = true
			break
		}
	}
	if !any {
		return append(buf, 0)
	}
	buf = append(buf, 1)
	n := to - from
	words := (n + 63) >> 6
	if from&63 == 0 {
		base := from >> 6
		for w := 0; w < words; w++ {
			var x uint64
			if base+w < len(v.Nulls) {
				x = v.Nulls[base+w]
			}
			if w == words-1 && n&63 != 0 {
				x &= 1<<(uint(n)&63) - 1
			}
			buf = binary.LittleEndian.AppendUint64(buf, x)
		}
		return buf
	}
	for w := 0; w < words; w++ {
		var x uint64
		for i := 0; i < 64 && w<<6+i < n; i++ {
			if v.IsNull(from + w<<6 + i) {
				x |= 1 << uint(i)
			}
		}
		buf = binary.LittleEndian.AppendUint64(buf, x)
	}
	return buf
}

func appendOffsets(buf []byte, offs []int32, from, to int) []byte {
	base := offs[from]
	for i := from + 1; i <= to; i++ {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(offs[i]-base))
	}
	return buf
}

// appendVector encodes rows [from, to) of v.
func appendVector(buf []byte, v *types.Vector, from, to int) []byte {
	buf = appendNulls(buf, v, from, to)
	switch v.Type.Kind.Physical() {
	case types.PhysBool:
		for _, x := range v.Bools[from:to] {
			if x {
				buf = append(buf, 1)
			} else {
				buf = append(buf, 0)
			}
		}
	case types.PhysInt64:
		for _, x := range v.Ints[from:to] {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(x))
		}
	case types.PhysFloat64:
		for _, x := range v.Floats[from:to] {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(x))
		}
	case types.PhysDecimal:
		for i := from; i < to; i++ {
			buf = appendDecimal(buf, &v.Decs[i])
		}
	case types.PhysBytes:
		buf = appendOffsets(buf, v.Offsets, from, to)
		data := v.Data[v.Offsets[from]:v.Offsets[to]]
		buf = binary.AppendUvarint(buf, uint64(len(data)))
		buf = append(buf, data...)
	case types.PhysArray:
		buf = appendOffsets(buf, v.Offsets, from, to)
		buf = appendVector(buf, v.Children[0], int(v.Offsets[from]), int(v.Offsets[to]))
	case types.PhysMap:
		buf = appendOffsets(buf, v.Offsets, from, to)
		buf = appendVector(buf, v.Children[0], int(v.Offsets[from]), int(v.Offsets[to]))
		buf = appendVector(buf, v.Children[1], int(v.Offsets[from]), int(v.Offsets[to]))
	case types.PhysRow:
		for _, c := range v.Children {
			buf = appendVector(buf, c, from, to)
		}
	}
	return buf
}

func appendDecimal(buf []byte, d *apd.Decimal) []byte {
	flags := byte(d.Form) & 3
	if d.Negative {
		flags |= 4
	}
	buf = append(buf, flags)
	buf = binary.AppendVarint(buf, int64(d.Exponent))
	words := d.Coeff.Bits()
	nbytes := (d.Coeff.BitLen() + 7) / 8
	buf = binary.AppendUvarint(buf, uint64(nbytes))
	// Big-endian magnitude from the little-endian words, without allocating.
	for i := nbytes - 1; i >= 0; i-- {
		w := words[i/(bits.UintSize/8)]
		buf = append(buf, byte(uint64(w)>>(8*uint(i%(bits.UintSize/8)))))
	}
	return buf
}

// decodeBatch decodes a batch with column types ts. It allocates one slice
// per column (and per nested vector), never per row (decimals beyond 128
// bits excepted), and only after checking that the bytes it is sized by
// are present.
func decodeBatch(p []byte, ts []*types.Type) (*types.Batch, error) {
	d := reader{b: p}
	rows := d.count(MaxRows)
	b := &types.Batch{Len: rows}
	switch d.byte() {
	case 0:
	case 1:
		ks := d.bytes(rows)
		if d.err == nil {
			b.Kinds = make([]types.RowKind, rows)
			for i, k := range ks {
				if k > byte(types.Delete) {
					d.fail(errCorrupt)
					break
				}
				b.Kinds[i] = types.RowKind(k)
			}
		}
	default:
		d.fail(errCorrupt)
	}
	ncols := d.count(len(ts))
	if d.err == nil && ncols != len(ts) {
		d.fail(fmt.Errorf("netexchange: batch has %d columns, schema %d", ncols, len(ts)))
	}
	if d.err == nil {
		b.Cols = make([]*types.Vector, ncols)
		for i := 0; i < ncols && d.err == nil; i++ {
			b.Cols[i] = decodeVector(&d, ts[i], rows)
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errTrailing
	}
	if d.err != nil {
		return nil, fmt.Errorf("netexchange: batch: %w", d.err)
	}
	return b, nil
}

func decodeOffsets(d *reader, n int) []int32 {
	if !d.need(4 * n) {
		return nil
	}
	offs := make([]int32, n+1)
	prev := uint32(0)
	for i := 1; i <= n; i++ {
		o := d.uint32()
		if o < prev || o > math.MaxInt32 {
			d.fail(errCorrupt)
			return nil
		}
		offs[i] = int32(o)
		prev = o
	}
	return offs
}

func decodeVector(d *reader, t *types.Type, n int) *types.Vector {
	v := &types.Vector{Type: t, Len: n}
	switch d.byte() {
	case 0:
	case 1:
		words := (n + 63) >> 6
		if !d.need(8 * words) {
			return nil
		}
		v.Nulls = make([]uint64, words)
		for w := range v.Nulls {
			v.Nulls[w] = d.uint64()
		}
	default:
		d.fail(errCorrupt)
	}
	if d.err != nil {
		return nil
	}
	switch t.Kind.Physical() {
	case types.PhysBool:
		bs := d.bytes(n)
		if d.err != nil {
			return nil
		}
		v.Bools = make([]bool, n)
		for i, x := range bs {
			if x > 1 {
				d.fail(errCorrupt)
				return nil
			}
			v.Bools[i] = x == 1
		}
	case types.PhysInt64:
		if !d.need(8 * n) {
			return nil
		}
		v.Ints = make([]int64, n)
		for i := range v.Ints {
			v.Ints[i] = int64(d.uint64())
		}
	case types.PhysFloat64:
		if !d.need(8 * n) {
			return nil
		}
		v.Floats = make([]float64, n)
		for i := range v.Floats {
			v.Floats[i] = math.Float64frombits(d.uint64())
		}
	case types.PhysDecimal:
		if !d.need(3 * n) { // a decimal takes at least 3 bytes
			return nil
		}
		v.Decs = make([]apd.Decimal, n)
		for i := range v.Decs {
			decodeDecimal(d, &v.Decs[i])
		}
	case types.PhysBytes:
		v.Offsets = decodeOffsets(d, n)
		size := d.count(len(d.b))
		data := d.bytes(size)
		if d.err != nil {
			return nil
		}
		if int(v.Offsets[n]) != size {
			d.fail(errCorrupt)
			return nil
		}
		v.Data = make([]byte, size)
		copy(v.Data, data)
	case types.PhysArray, types.PhysMap:
		v.Offsets = decodeOffsets(d, n)
		if d.err != nil {
			return nil
		}
		m := int(v.Offsets[n])
		if m > MaxRows {
			d.fail(errCorrupt)
			return nil
		}
		if t.Kind == types.KindArray {
			v.Children = []*types.Vector{decodeVector(d, t.Elem, m)}
		} else {
			k := decodeVector(d, t.Key, m)
			v.Children = []*types.Vector{k, decodeVector(d, t.Elem, m)}
		}
	case types.PhysRow:
		v.Children = make([]*types.Vector, len(t.Fields))
		for i, f := range t.Fields {
			v.Children[i] = decodeVector(d, f.Type, n)
		}
	}
	if d.err != nil {
		return nil
	}
	return v
}

func decodeDecimal(d *reader, x *apd.Decimal) {
	flags := d.byte()
	if flags > 7 || apd.Form(flags&3) > apd.NaN {
		d.fail(errCorrupt)
		return
	}
	x.Form = apd.Form(flags & 3)
	x.Negative = flags&4 != 0
	x.Exponent = d.int32()
	if x.Exponent > maxExponent || x.Exponent < -maxExponent {
		d.fail(errCorrupt)
		return
	}
	mag := d.bytes(d.count(maxCoeffBytes))
	if d.err != nil {
		return
	}
	if len(mag) <= 8 {
		var u uint64
		for _, c := range mag {
			u = u<<8 | uint64(c)
		}
		x.Coeff.SetUint64(u)
		return
	}
	x.Coeff.SetBytes(mag)
}

// watermark / barrier payloads

func decodeWatermark(p []byte) (wm int64, idle bool, err error) {
	if len(p) != 9 || p[8] > 1 {
		return 0, false, fmt.Errorf("netexchange: watermark: %w", errCorrupt)
	}
	return int64(binary.LittleEndian.Uint64(p)), p[8] == 1, nil
}
