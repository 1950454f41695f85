package types

import (
	"github.com/cockroachdb/apd/v3"
)

// Vector is one column of a Batch. Which slice holds the values depends on
// Type.Kind.Physical():
//
//	PhysBool    Bools
//	PhysInt64   Ints   (TINYINT..BIGINT; DATE = days since epoch; TIME = ms of day;
//	                    TIMESTAMP/TIMESTAMP_LTZ = µs since epoch (UTC for LTZ);
//	                    INTERVAL YEAR TO MONTH = months; INTERVAL DAY TO SECOND = ms)
//	                    and, for TIMESTAMP(p)/TIMESTAMP_LTZ(p) with p > 6 only,
//	                    Nanos: the nanoseconds within the microsecond (0..999)
//	PhysFloat64 Floats (FLOAT values are rounded to float32 on write)
//	PhysDecimal Decs   (exact, each value already at the type's scale)
//	PhysBytes   Data, Offsets: value i is Data[Offsets[i]:Offsets[i+1]]
//	PhysArray   Offsets into Children[0]
//	PhysMap     Offsets into Children[0] (keys) and Children[1] (values)
//	PhysRow     Children, one per field, each of length Len
//
// Nanos (see HasNanos) may be shorter than Len: missing entries are 0, so
// kernels that only write Ints produce whole microseconds without touching
// it; read it with NanoAt. Types with p <= 6 never carry it, so the common
// TIMESTAMP(3)/(6) path costs exactly one int64 per value, as before.
//
// Nulls is a bitmap (bit i set = row i is NULL); it is nil or shorter than
// needed when there are no NULLs among the covered rows. Slots of NULL rows
// still exist in the value slices (with zero values) so indexes line up.
type Vector struct {
	Type     *Type
	Len      int
	Nulls    []uint64
	Bools    []bool
	Ints     []int64
	Nanos    []uint16
	Floats   []float64
	Decs     []apd.Decimal
	Data     []byte
	Offsets  []int32
	Children []*Vector
}

// NewVector returns an empty vector of type t with room for capacity rows.
func NewVector(t *Type, capacity int) *Vector {
	v := &Vector{Type: t}
	switch t.Kind.Physical() {
	case PhysBool:
		v.Bools = make([]bool, 0, capacity)
	case PhysInt64:
		v.Ints = make([]int64, 0, capacity)
		if HasNanos(t) {
			v.Nanos = make([]uint16, 0, capacity)
		}
	case PhysFloat64:
		v.Floats = make([]float64, 0, capacity)
	case PhysDecimal:
		v.Decs = make([]apd.Decimal, 0, capacity)
	case PhysBytes:
		v.Offsets = make([]int32, 1, capacity+1)
		v.Data = make([]byte, 0, capacity*8)
	case PhysArray:
		v.Offsets = make([]int32, 1, capacity+1)
		v.Children = []*Vector{NewVector(t.Elem, capacity)}
	case PhysMap:
		v.Offsets = make([]int32, 1, capacity+1)
		v.Children = []*Vector{NewVector(t.Key, capacity), NewVector(t.Elem, capacity)}
	case PhysRow:
		v.Children = make([]*Vector, len(t.Fields))
		for i, f := range t.Fields {
			v.Children[i] = NewVector(f.Type, capacity)
		}
	}
	return v
}

// Reset empties the vector, keeping its buffers.
func (v *Vector) Reset() {
	v.Len = 0
	v.Nulls = v.Nulls[:0]
	v.Bools = v.Bools[:0]
	v.Ints = v.Ints[:0]
	v.Nanos = v.Nanos[:0]
	v.Floats = v.Floats[:0]
	v.Decs = v.Decs[:0]
	v.Data = v.Data[:0]
	if v.Offsets != nil {
		v.Offsets = v.Offsets[:1]
		v.Offsets[0] = 0
	}
	for _, c := range v.Children {
		c.Reset()
	}
}

// IsNull reports whether row i is NULL.
func (v *Vector) IsNull(i int) bool {
	w := i >> 6
	return w < len(v.Nulls) && v.Nulls[w]&(1<<(uint(i)&63)) != 0
}

// HasNulls reports whether any row may be NULL.
func (v *Vector) HasNulls() bool {
	for _, w := range v.Nulls {
		if w != 0 {
			return true
		}
	}
	return false
}

// SetNull marks row i as NULL (the slot must already exist).
func (v *Vector) SetNull(i int) {
	w := i >> 6
	for len(v.Nulls) <= w {
		v.Nulls = append(v.Nulls, 0)
	}
	v.Nulls[w] |= 1 << (uint(i) & 63)
}

// ClearNull marks row i as not NULL.
func (v *Vector) ClearNull(i int) {
	w := i >> 6
	if w < len(v.Nulls) {
		v.Nulls[w] &^= 1 << (uint(i) & 63)
	}
}

// AppendNull appends a NULL row (with a zero-valued slot).
func (v *Vector) AppendNull() {
	i := v.Len
	switch v.Type.Kind.Physical() {
	case PhysBool:
		v.Bools = append(v.Bools, false)
	case PhysInt64:
		v.Ints = append(v.Ints, 0)
	case PhysFloat64:
		v.Floats = append(v.Floats, 0)
	case PhysDecimal:
		v.Decs = append(v.Decs, apd.Decimal{})
	case PhysBytes, PhysArray, PhysMap:
		v.Offsets = append(v.Offsets, v.Offsets[len(v.Offsets)-1])
	case PhysRow:
		for _, c := range v.Children {
			c.AppendNull()
		}
	}
	v.Len++
	v.SetNull(i)
}

// AppendBool appends a non-NULL BOOLEAN.
func (v *Vector) AppendBool(b bool) { v.Bools = append(v.Bools, b); v.Len++ }

// AppendInt appends a non-NULL value stored as int64 (a timestamp with
// nanoseconds 0 within its microsecond).
func (v *Vector) AppendInt(x int64) { v.Ints = append(v.Ints, x); v.Len++ }

// HasNanos reports whether values of t carry nanoseconds below the
// microsecond (Vector.Nanos): TIMESTAMP(p) and TIMESTAMP_LTZ(p), p > 6.
func HasNanos(t *Type) bool {
	return t.Precision > 6 && (t.Kind == KindTimestamp || t.Kind == KindTimestampLTZ)
}

// NanoAt returns the nanoseconds within the microsecond of timestamp row i
// (0 for vectors without them).
func (v *Vector) NanoAt(i int) int64 {
	if i < len(v.Nanos) {
		return int64(v.Nanos[i])
	}
	return 0
}

// SetNano sets the nanoseconds within the microsecond of row i (the slot
// must exist; the vector's type must have HasNanos). A zero on a vector
// without nanos so far costs nothing.
func (v *Vector) SetNano(i int, nanos int64) {
	if i >= len(v.Nanos) {
		if nanos == 0 {
			return
		}
		for len(v.Nanos) < i {
			v.Nanos = append(v.Nanos, 0)
		}
		v.Nanos = append(v.Nanos, uint16(nanos))
		return
	}
	v.Nanos[i] = uint16(nanos)
}

// AppendTimestamp appends a non-NULL timestamp: µs since epoch plus the
// nanoseconds within that microsecond (kept only when the type has them).
func (v *Vector) AppendTimestamp(micros, nanos int64) {
	v.Ints = append(v.Ints, micros)
	if nanos != 0 && HasNanos(v.Type) {
		v.SetNano(v.Len, nanos)
	}
	v.Len++
}

// copyNano gives the row just appended the nanoseconds of row i of src.
func (v *Vector) copyNano(src *Vector, i int) {
	if ns := src.NanoAt(i); ns != 0 && HasNanos(v.Type) {
		v.SetNano(v.Len-1, ns)
	}
}

// AppendFloat appends a non-NULL FLOAT/DOUBLE.
func (v *Vector) AppendFloat(f float64) {
	if v.Type.Kind == KindFloat {
		f = float64(float32(f))
	}
	v.Floats = append(v.Floats, f)
	v.Len++
}

// AppendDecimal appends a copy of d (the caller keeps d).
func (v *Vector) AppendDecimal(d *apd.Decimal) {
	v.Decs = append(v.Decs, apd.Decimal{})
	v.Decs[len(v.Decs)-1].Set(d)
	v.Len++
}

// AppendBytes appends a string/binary value (copied into the arena).
func (v *Vector) AppendBytes(b []byte) {
	v.Data = append(v.Data, b...)
	v.Offsets = append(v.Offsets, int32(len(v.Data)))
	v.Len++
}

// AppendString appends a string value (copied into the arena).
func (v *Vector) AppendString(s string) {
	v.Data = append(v.Data, s...)
	v.Offsets = append(v.Offsets, int32(len(v.Data)))
	v.Len++
}

// Bytes returns the bytes of row i; valid until the vector is reset.
func (v *Vector) Bytes(i int) []byte { return v.Data[v.Offsets[i]:v.Offsets[i+1]] }

// Str returns row i as a string (copies).
func (v *Vector) Str(i int) string { return string(v.Data[v.Offsets[i]:v.Offsets[i+1]]) }

// CloseNested records the end of a nested (ARRAY or MAP) value whose
// elements were appended to the children since the previous row.
func (v *Vector) CloseNested() {
	v.Offsets = append(v.Offsets, int32(v.Children[0].Len))
	v.Len++
}

// CloseRow records a ROW value whose fields were appended to the children.
func (v *Vector) CloseRow() { v.Len++ }

// AppendFrom appends row i of src (same physical type) to v, deep-copying.
func (v *Vector) AppendFrom(src *Vector, i int) {
	if src.IsNull(i) {
		v.AppendNull()
		return
	}
	switch v.Type.Kind.Physical() {
	case PhysNone:
		v.AppendNull()
	case PhysBool:
		v.AppendBool(src.Bools[i])
	case PhysInt64:
		v.AppendInt(src.Ints[i])
		if len(src.Nanos) > 0 {
			v.copyNano(src, i)
		}
	case PhysFloat64:
		v.AppendFloat(src.Floats[i])
	case PhysDecimal:
		v.AppendDecimal(&src.Decs[i])
	case PhysBytes:
		v.AppendBytes(src.Bytes(i))
	case PhysArray:
		for j := src.Offsets[i]; j < src.Offsets[i+1]; j++ {
			v.Children[0].AppendFrom(src.Children[0], int(j))
		}
		v.CloseNested()
	case PhysMap:
		for j := src.Offsets[i]; j < src.Offsets[i+1]; j++ {
			v.Children[0].AppendFrom(src.Children[0], int(j))
			v.Children[1].AppendFrom(src.Children[1], int(j))
		}
		v.CloseNested()
	case PhysRow:
		for k, c := range v.Children {
			c.AppendFrom(src.Children[k], i)
		}
		v.CloseRow()
	}
}

// AppendRange appends rows [from, to) of src.
func (v *Vector) AppendRange(src *Vector, from, to int) {
	phys := v.Type.Kind.Physical()
	if !src.HasNulls() {
		switch phys {
		case PhysInt64:
			if len(src.Nanos) > 0 && HasNanos(v.Type) {
				break
			}
			v.Ints = append(v.Ints, src.Ints[from:to]...)
			v.Len += to - from
			return
		case PhysFloat64:
			v.Floats = append(v.Floats, src.Floats[from:to]...)
			v.Len += to - from
			return
		case PhysBool:
			v.Bools = append(v.Bools, src.Bools[from:to]...)
			v.Len += to - from
			return
		}
	}
	for i := from; i < to; i++ {
		v.AppendFrom(src, i)
	}
}

// ArrayLen returns the number of elements of the ARRAY/MAP at row i.
func (v *Vector) ArrayLen(i int) int { return int(v.Offsets[i+1] - v.Offsets[i]) }
