package formats

import "github.com/flinkgo/engine/runtime/types"

// TruncateVector drops the rows of v from n on (children included, also
// elements appended to children of a nested value that was never closed),
// so a partly decoded record can be rolled back.
func TruncateVector(v *types.Vector, n int) {
	if v.Len < n {
		n = v.Len
	}
	for i := n; i < v.Len; i++ {
		v.ClearNull(i)
	}
	switch v.Type.Kind.Physical() {
	case types.PhysBool:
		v.Bools = v.Bools[:n]
	case types.PhysInt64:
		v.Ints = v.Ints[:n]
		if len(v.Nanos) > n {
			v.Nanos = v.Nanos[:n]
		}
	case types.PhysFloat64:
		v.Floats = v.Floats[:n]
	case types.PhysDecimal:
		v.Decs = v.Decs[:n]
	case types.PhysBytes:
		v.Data = v.Data[:v.Offsets[n]]
		v.Offsets = v.Offsets[:n+1]
	case types.PhysArray:
		TruncateVector(v.Children[0], int(v.Offsets[n]))
		v.Offsets = v.Offsets[:n+1]
	case types.PhysMap:
		TruncateVector(v.Children[0], int(v.Offsets[n]))
		TruncateVector(v.Children[1], int(v.Offsets[n]))
		v.Offsets = v.Offsets[:n+1]
	case types.PhysRow:
		for _, c := range v.Children {
			TruncateVector(c, n)
		}
	}
	v.Len = n
}

// marks remembers vector lengths before a record so it can be undone.
type marks []int

func (m *marks) save(out []*types.Vector) {
	*m = (*m)[:0]
	for _, v := range out {
		n := 0
		if v != nil {
			n = v.Len
		}
		*m = append(*m, n)
	}
}

func (m marks) restore(out []*types.Vector) {
	for i, v := range out {
		if v != nil {
			TruncateVector(v, m[i])
		}
	}
}
