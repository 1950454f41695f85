package operators

import (
	"bytes"
	"math"
	"math/rand"
	"strconv"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/flinkgo/engine/runtime/types"
)

// TestOrderedEncoding checks, per physical type, that the ordered encoding
// sorts like the values and decodes back to them.
func TestOrderedEncoding(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	decType := types.Decimal(38, 4)
	cases := []struct {
		t    *types.Type
		gen  func() any
		less func(v *types.Vector, i, j int) int
	}{
		{types.BigInt, func() any { return rng.Int63() - rng.Int63() }, func(v *types.Vector, i, j int) int { return cmp3(v.Ints[i] < v.Ints[j], v.Ints[i] == v.Ints[j]) }},
		{types.Double, func() any {
			switch rng.Intn(10) {
			case 0:
				return math.Inf(-1)
			case 1:
				return math.Inf(1)
			}
			return rng.NormFloat64() * 1e6
		}, func(v *types.Vector, i, j int) int {
			return cmp3(v.Floats[i] < v.Floats[j], v.Floats[i] == v.Floats[j])
		}},
		{types.Boolean, func() any { return rng.Intn(2) == 0 }, func(v *types.Vector, i, j int) int {
			return cmp3(!v.Bools[i] && v.Bools[j], v.Bools[i] == v.Bools[j])
		}},
		{types.String, func() any { return strconv.FormatInt(rng.Int63n(1e6), 36) }, func(v *types.Vector, i, j int) int { return bytes.Compare(v.Bytes(i), v.Bytes(j)) }},
		{decType, func() any {
			d := new(apd.Decimal)
			d.SetFinite(rng.Int63()-rng.Int63(), int32(rng.Intn(20)-8))
			if rng.Intn(3) == 0 {
				d.Coeff.Mul(&d.Coeff, apd.NewBigInt(1e15)) // beyond 64 bits
			}
			if d.NumDigits()+int64(d.Exponent)+4 > 38 {
				d.SetFinite(rng.Int63n(1000), -2)
			}
			return d
		}, func(v *types.Vector, i, j int) int { return v.Decs[i].Cmp(&v.Decs[j]) }},
	}
	for _, tc := range cases {
		v := types.NewVector(tc.t, 200)
		for i := 0; i < 200; i++ {
			appendTestValue(v, tc.gen())
		}
		var tmp apd.Decimal
		encs := make([]string, v.Len)
		for i := range encs {
			e, err := appendOrdered(nil, v, i, &tmp)
			if err != nil {
				t.Fatalf("%s row %d: %v", tc.t, i, err)
			}
			encs[i] = string(e)
		}
		back := types.NewVector(tc.t, v.Len)
		for i, e := range encs {
			appendDecoded(back, []byte(e))
			if !equalAt2(v, i, back, i) {
				t.Fatalf("%s: row %d decodes to %s, want %s", tc.t, i, renderValue(back, i), renderValue(v, i))
			}
		}
		for i := 0; i < v.Len; i++ {
			for j := 0; j < v.Len; j++ {
				want := tc.less(v, i, j)
				got := cmp3(encs[i] < encs[j], encs[i] == encs[j])
				if sign(want) != got {
					t.Fatalf("%s: order of %s and %s: encoding says %d, values %d", tc.t, renderValue(v, i), renderValue(v, j), got, want)
				}
			}
		}
	}
}

func cmp3(less, eq bool) int {
	switch {
	case eq:
		return 0
	case less:
		return -1
	}
	return 1
}

func sign(x int) int {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}

// equalAt2 compares row i of a with row j of b (same type).
func equalAt2(a *types.Vector, i int, b *types.Vector, j int) bool {
	return renderValue(a, i) == renderValue(b, j)
}

func TestKeyEncodingDistinguishesValues(t *testing.T) {
	ts := []*types.Type{types.String, types.String, types.ArrayOf(types.BigInt)}
	b := mkBatch(ts,
		ins("ab", "c", []any{1}),
		ins("a", "bc", []any{1}),
		ins(nil, "abc", []any{1}),
		ins("", "abc", []any{1}),
		ins("", "abc", []any{1, nil}),
		ins("", "abc", []any{nil, 1}),
		ins("", "abc", nil),
	)
	e := keyEncoder{cols: []int{0, 1, 2}}
	seen := map[string]int{}
	for i := 0; i < b.Len; i++ {
		k := string(e.encode(b, i))
		if j, dup := seen[k]; dup {
			t.Fatalf("rows %d and %d share key %q", j, i, k)
		}
		seen[k] = i
	}
	// Equal decimals at different exponents share a key.
	d := types.NewVector(types.Decimal(10, 2), 2)
	d.AppendDecimal(dec("1.50"))
	d.AppendDecimal(dec("1.5"))
	db := &types.Batch{Cols: []*types.Vector{d}, Len: 2}
	e = keyEncoder{cols: []int{0}}
	if a, b := string(e.encode(db, 0)), string(e.encode(db, 1)); a != b {
		t.Fatalf("1.50 and 1.5 encode differently")
	}
}
