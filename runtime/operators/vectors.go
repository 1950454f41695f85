package operators

import (
	"bytes"
	"math"
	"slices"

	"github.com/cockroachdb/apd/v3"

	"github.com/flinkgo/engine/runtime/types"
)

// Column copying helpers shared by the operators. They loop over the typed
// slices of a vector (one switch per column, not per row) and never allocate
// per row except for decimals whose coefficient does not fit inline and for
// nested values (ARRAY/MAP), which are copied row by row.

// nullAt reports whether row i of v is NULL (types.Vector.IsNull, inlinable).
func nullAt(nulls []uint64, i int) bool {
	w := i >> 6
	return w < len(nulls) && nulls[w]&(1<<(uint(i)&63)) != 0
}

// gather appends rows sel of src to dst; both must have the same physical
// type. A negative index appends a NULL row.
func gather(dst, src *types.Vector, sel []int32) {
	n := len(sel)
	if n == 0 {
		return
	}
	for _, j := range sel {
		if j < 0 {
			gatherSlow(dst, src, sel)
			return
		}
	}
	base := dst.Len
	switch dst.Type.Kind.Physical() {
	case types.PhysNone:
		for k := range sel {
			dst.SetNull(base + k)
		}
	case types.PhysBool:
		out := slices.Grow(dst.Bools, n)
		in := src.Bools
		for _, j := range sel {
			out = append(out, in[j])
		}
		dst.Bools = out
	case types.PhysInt64:
		out := slices.Grow(dst.Ints, n)
		in := src.Ints
		for _, j := range sel {
			out = append(out, in[j])
		}
		dst.Ints = out
		if len(src.Nanos) > 0 && types.HasNanos(dst.Type) {
			for k, j := range sel {
				dst.SetNano(base+k, src.NanoAt(int(j)))
			}
		}
	case types.PhysFloat64:
		out := slices.Grow(dst.Floats, n)
		in := src.Floats
		for _, j := range sel {
			out = append(out, in[j])
		}
		dst.Floats = out
	case types.PhysDecimal:
		out := slices.Grow(dst.Decs, n)
		for _, j := range sel {
			out = append(out, apd.Decimal{})
			out[len(out)-1].Set(&src.Decs[j])
		}
		dst.Decs = out
	case types.PhysBytes:
		total := 0
		offs := src.Offsets
		for _, j := range sel {
			total += int(offs[j+1] - offs[j])
		}
		data := slices.Grow(dst.Data, total)
		outOffs := slices.Grow(dst.Offsets, n)
		in := src.Data
		for _, j := range sel {
			data = append(data, in[offs[j]:offs[j+1]]...)
			outOffs = append(outOffs, int32(len(data)))
		}
		dst.Data, dst.Offsets = data, outOffs
	case types.PhysRow:
		for c, child := range dst.Children {
			gather(child, src.Children[c], sel)
		}
	default: // ARRAY, MAP: nested copies row by row
		gatherSlow(dst, src, sel)
		return
	}
	dst.Len = base + n
	if src.HasNulls() {
		for k, j := range sel {
			if nullAt(src.Nulls, int(j)) {
				dst.SetNull(base + k)
			}
		}
	}
}

func gatherSlow(dst, src *types.Vector, sel []int32) {
	for _, j := range sel {
		if j < 0 {
			dst.AppendNull()
		} else {
			dst.AppendFrom(src, int(j))
		}
	}
}

// appendRange appends rows [from, to) of src to dst (same physical type).
func appendRange(dst, src *types.Vector, from, to int) {
	n := to - from
	if n <= 0 {
		return
	}
	base := dst.Len
	switch dst.Type.Kind.Physical() {
	case types.PhysNone:
		for k := 0; k < n; k++ {
			dst.SetNull(base + k)
		}
	case types.PhysBool:
		dst.Bools = append(dst.Bools, src.Bools[from:to]...)
	case types.PhysInt64:
		dst.Ints = append(dst.Ints, src.Ints[from:to]...)
		if len(src.Nanos) > 0 && types.HasNanos(dst.Type) {
			for j := from; j < to; j++ {
				dst.SetNano(base+j-from, src.NanoAt(j))
			}
		}
	case types.PhysFloat64:
		dst.Floats = append(dst.Floats, src.Floats[from:to]...)
	case types.PhysDecimal:
		out := slices.Grow(dst.Decs, n)
		for j := from; j < to; j++ {
			out = append(out, apd.Decimal{})
			out[len(out)-1].Set(&src.Decs[j])
		}
		dst.Decs = out
	case types.PhysBytes:
		start, end := src.Offsets[from], src.Offsets[to]
		shift := int32(len(dst.Data)) - start
		dst.Data = append(dst.Data, src.Data[start:end]...)
		offs := slices.Grow(dst.Offsets, n)
		for _, o := range src.Offsets[from+1 : to+1] {
			offs = append(offs, o+shift)
		}
		dst.Offsets = offs
	case types.PhysArray, types.PhysMap:
		start, end := src.Offsets[from], src.Offsets[to]
		shift := int32(dst.Children[0].Len) - start
		for c, child := range dst.Children {
			appendRange(child, src.Children[c], int(start), int(end))
		}
		offs := slices.Grow(dst.Offsets, n)
		for _, o := range src.Offsets[from+1 : to+1] {
			offs = append(offs, o+shift)
		}
		dst.Offsets = offs
	case types.PhysRow:
		for c, child := range dst.Children {
			appendRange(child, src.Children[c], from, to)
		}
	}
	dst.Len = base + n
	if src.HasNulls() {
		for j := from; j < to; j++ {
			if nullAt(src.Nulls, j) {
				dst.SetNull(base + j - from)
			}
		}
	}
}

// cloneVector returns a deep copy of src that shares no memory with it.
func cloneVector(src *types.Vector) *types.Vector {
	dst := newVectorExact(src.Type, src)
	appendRange(dst, src, 0, src.Len)
	return dst
}

// newVectorExact allocates a vector for a copy of src with exact capacities.
func newVectorExact(t *types.Type, src *types.Vector) *types.Vector {
	n := src.Len
	v := &types.Vector{Type: t}
	switch t.Kind.Physical() {
	case types.PhysBool:
		v.Bools = make([]bool, 0, n)
	case types.PhysInt64:
		v.Ints = make([]int64, 0, n)
	case types.PhysFloat64:
		v.Floats = make([]float64, 0, n)
	case types.PhysDecimal:
		v.Decs = make([]apd.Decimal, 0, n)
	case types.PhysBytes:
		v.Offsets = make([]int32, 1, n+1)
		if n > 0 {
			v.Data = make([]byte, 0, src.Offsets[n]-src.Offsets[0])
		}
	case types.PhysArray, types.PhysMap:
		v.Offsets = make([]int32, 1, n+1)
		v.Children = make([]*types.Vector, len(src.Children))
		for c, child := range src.Children {
			v.Children[c] = types.NewVector(child.Type, child.Len)
		}
	case types.PhysRow:
		v.Children = make([]*types.Vector, len(src.Children))
		for c, child := range src.Children {
			v.Children[c] = newVectorExact(child.Type, child)
		}
	}
	return v
}

// cloneBatch deep-copies a batch (columns and row kinds).
func cloneBatch(b *types.Batch) *types.Batch {
	c := &types.Batch{Cols: make([]*types.Vector, len(b.Cols)), Len: b.Len}
	for i, v := range b.Cols {
		c.Cols[i] = cloneVector(v)
	}
	if b.Kinds != nil {
		c.Kinds = slices.Clone(b.Kinds[:b.Len])
	}
	return c
}

// compactRows copies rows sel of every column of b, and their kinds, into a
// new batch.
func compactRows(b *types.Batch, sel []int32) *types.Batch {
	g := &types.Batch{Cols: make([]*types.Vector, len(b.Cols)), Len: len(sel), Kinds: gatherKinds(b, sel)}
	for i, src := range b.Cols {
		g.Cols[i] = types.NewVector(src.Type, len(sel))
		gather(g.Cols[i], src, sel)
	}
	return g
}

// gatherKinds returns the row kinds of rows sel of b, or nil when b is
// insert-only.
func gatherKinds(b *types.Batch, sel []int32) []types.RowKind {
	if b.Kinds == nil {
		return nil
	}
	out := make([]types.RowKind, len(sel))
	for k, j := range sel {
		out[k] = b.Kinds[j]
	}
	return out
}

// equalAt reports whether rows i and j of v hold the same value (NULL equals
// NULL; floats compare by value with NaN equal to NaN).
func equalAt(v *types.Vector, i, j int) bool {
	ni, nj := nullAt(v.Nulls, i), nullAt(v.Nulls, j)
	if ni || nj {
		return ni == nj
	}
	switch v.Type.Kind.Physical() {
	case types.PhysNone:
		return true
	case types.PhysBool:
		return v.Bools[i] == v.Bools[j]
	case types.PhysInt64:
		return v.Ints[i] == v.Ints[j] && v.NanoAt(i) == v.NanoAt(j)
	case types.PhysFloat64:
		a, b := v.Floats[i], v.Floats[j]
		return a == b || (math.IsNaN(a) && math.IsNaN(b))
	case types.PhysDecimal:
		return v.Decs[i].Cmp(&v.Decs[j]) == 0
	case types.PhysBytes:
		return bytes.Equal(v.Bytes(i), v.Bytes(j))
	case types.PhysRow:
		for _, c := range v.Children {
			if !equalAt(c, i, j) {
				return false
			}
		}
		return true
	case types.PhysArray, types.PhysMap:
		if v.ArrayLen(i) != v.ArrayLen(j) {
			return false
		}
		oi, oj := int(v.Offsets[i]), int(v.Offsets[j])
		for k := 0; k < v.ArrayLen(i); k++ {
			for _, c := range v.Children {
				if !equalAt(c, oi+k, oj+k) {
					return false
				}
			}
		}
		return true
	}
	return false
}

// byteArena keeps byte strings for the duration of one unit of work (a
// key's state, one firing) without an allocation per string: keep copies b
// into the arena and returns a capped slice, which stays valid when the
// arena later grows (it keeps pointing at the old backing array).
type byteArena struct{ buf []byte }

func (a *byteArena) reset() { a.buf = a.buf[:0] }

func (a *byteArena) keep(b []byte) []byte {
	start := len(a.buf)
	a.buf = append(a.buf, b...)
	return a.buf[start:len(a.buf):len(a.buf)]
}
