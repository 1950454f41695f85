package runtime

import (
	"math"

	"github.com/flinkgo/engine/runtime/types"
)

// Key groups: a key hashes to one of maxParallelism key groups, and a key
// group maps to a subtask, exactly as Flink's KeyGroupRangeAssignment does.
// The hash is fixed (not seeded per process) so a restore at another
// parallelism finds every key's state.

// KeyGroupOf returns the key group of a key hash.
func KeyGroupOf(hash uint64, maxParallelism int) int {
	return int(hash % uint64(maxParallelism))
}

// SubtaskOfKeyGroup maps a key group to the subtask owning it.
func SubtaskOfKeyGroup(keyGroup, maxParallelism, parallelism int) int {
	return keyGroup * parallelism / maxParallelism
}

// KeyGroupRange returns the key groups [start, end] owned by a subtask.
func KeyGroupRange(subtask, maxParallelism, parallelism int) (start, end int) {
	start = (subtask*maxParallelism + parallelism - 1) / parallelism
	end = ((subtask+1)*maxParallelism+parallelism-1)/parallelism - 1
	return start, end
}

const (
	hashSeed  = 0x9E3779B97F4A7C15
	hashPrime = 0x100000001B3
)

func mix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// HashKey hashes the key columns of one row. NULL hashes as a fixed value.
func HashKey(cols []*types.Vector, keys []int, row int) uint64 {
	h := uint64(hashSeed)
	for _, k := range keys {
		h = mix64(h ^ hashValue(cols[k], row))
	}
	return h
}

func hashValue(v *types.Vector, i int) uint64 {
	if v.IsNull(i) {
		return 0x5bd1e995
	}
	switch v.Type.Kind.Physical() {
	case types.PhysBool:
		if v.Bools[i] {
			return 1
		}
		return 2
	case types.PhysInt64:
		return uint64(v.Ints[i])
	case types.PhysFloat64:
		f := v.Floats[i]
		if f == 0 {
			f = 0 // fold -0
		}
		return math.Float64bits(f)
	case types.PhysDecimal:
		// Values of one column share the type's scale; hash the signed
		// coefficient and exponent (no allocation for 64-bit coefficients).
		d := &v.Decs[i]
		if d.Coeff.IsInt64() {
			c := d.Coeff.Int64()
			if d.Negative {
				c = -c
			}
			if c == 0 {
				return mix64(0x2545F4914F6CDD1D) // -0 and 0 with any exponent
			}
			return mix64(uint64(c) ^ uint64(d.Exponent)<<48)
		}
		return hashBytes([]byte(d.Text('f')))
	case types.PhysBytes:
		return hashBytes(v.Bytes(i))
	case types.PhysRow:
		h := uint64(hashSeed)
		for _, c := range v.Children {
			h = mix64(h ^ hashValue(c, i))
		}
		return h
	case types.PhysArray, types.PhysMap:
		h := uint64(hashSeed)
		for j := v.Offsets[i]; j < v.Offsets[i+1]; j++ {
			for _, c := range v.Children {
				h = mix64(h ^ hashValue(c, int(j)))
			}
		}
		return h
	}
	return 0
}

func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= hashPrime
	}
	return h
}
