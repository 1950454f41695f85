package datagen

import (
	"math"
	"math/rand/v2"

	"github.com/cockroachdb/apd/v3"
	"github.com/flinkgo/engine/runtime/types"
)

// generator appends generated values to vectors. It is owned by one reader.
//
// Random values are drawn from a PCG generator that is re-seeded for every
// (row, field) pair (seedRow), so a value depends only on the seed, the
// field's position in the table and the row's id: not on the parallelism,
// the projection, batch boundaries or restores.
type generator struct {
	pcg      *rand.PCG
	rng      *rand.Rand
	nowMs    int64 // clock at the start of the batch
	localMs  int64 // nowMs shifted to the session time zone
	dec      apd.Decimal
	scratch  []byte
	decCtx   apd.Context
	pow10Dec [19]int64
}

func newGenerator() *generator {
	g := &generator{pcg: rand.NewPCG(0, 0)}
	g.rng = rand.New(g.pcg)
	g.decCtx = apd.Context{Precision: 1000, MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent, Rounding: apd.RoundHalfUp}
	p := int64(1)
	for i := range g.pow10Dec {
		g.pow10Dec[i] = p
		p *= 10
	}
	return g
}

// randKey derives the seed half of a field from the job seed and the
// field's index in the table.
func randKey(seed uint64, field int) uint64 {
	return splitmix64(seed ^ uint64(field+1)*0xD1B54A32D192ED03)
}

// seedRow positions the generator at row id of the field with key.
func (g *generator) seedRow(key uint64, id int64) {
	g.pcg.Seed(key, splitmix64(uint64(id)^key))
}

// splitmix64 is the SplitMix64 finalizer: a bijective bit mixer.
func splitmix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ x>>30) * 0xBF58476D1CE4E5B9
	x = (x ^ x>>27) * 0x94D049BB133111EB
	return x ^ x>>31
}

const hexChars = "0123456789abcdef"

// sequence appends the value at position pos (start + pos) of a sequence
// field; with a null-rate the caller seeds the row first.
func (g *generator) sequence(f *fieldSpec, v *types.Vector, pos int64) {
	if f.nullRate > 0 && g.rng.Float64() < f.nullRate {
		v.AppendNull()
		return
	}
	switch f.t.Kind {
	case types.KindFloat, types.KindDouble:
		v.AppendFloat(f.fstart + float64(pos))
	case types.KindDecimal:
		g.dec.SetInt64(f.start + pos)
		_, _ = g.decCtx.Quantize(&g.dec, &g.dec, int32(-f.t.Scale))
		v.AppendDecimal(&g.dec)
	case types.KindChar, types.KindVarChar:
		g.scratch = appendInt(g.scratch[:0], f.start+pos)
		v.AppendBytes(g.scratch)
	default:
		v.AppendInt(f.start + pos)
	}
}

func appendInt(dst []byte, x int64) []byte {
	var buf [20]byte
	i := len(buf)
	u := uint64(x)
	if x < 0 {
		u = uint64(-x)
	}
	for {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if x < 0 {
		dst = append(dst, '-')
	}
	return append(dst, buf[i:]...)
}

// random appends one random value of f.
func (g *generator) random(f *fieldSpec, v *types.Vector) {
	if f.nullRate > 0 && g.rng.Float64() < f.nullRate {
		v.AppendNull()
		return
	}
	r := g.rng
	t := f.t
	switch t.Kind {
	case types.KindBoolean:
		v.AppendBool(r.Uint64()&1 == 1)
	case types.KindTinyInt, types.KindSmallInt, types.KindInt, types.KindBigInt:
		span := uint64(f.imax-f.imin) + 1
		if span == 0 {
			v.AppendInt(int64(r.Uint64()))
		} else {
			v.AppendInt(f.imin + int64(r.Uint64N(span)))
		}
	case types.KindFloat, types.KindDouble:
		u := r.Float64()
		v.AppendFloat(f.fmin*(1-u) + f.fmax*u)
	case types.KindDecimal:
		g.randomDecimal(f, v)
	case types.KindChar, types.KindVarChar, types.KindBinary, types.KindVarBinary:
		n := f.length
		if f.varLen && n > 0 {
			n = 1 + r.IntN(n)
		}
		s := g.scratch[:0]
		if t.IsString() {
			for len(s) < n {
				x := r.Uint64()
				for k := 0; k < 16 && len(s) < n; k++ {
					s = append(s, hexChars[x&15])
					x >>= 4
				}
			}
		} else {
			for len(s) < n {
				x := r.Uint64()
				for k := 0; k < 8 && len(s) < n; k++ {
					s = append(s, byte(x))
					x >>= 8
				}
			}
		}
		g.scratch = s
		v.AppendBytes(s)
	case types.KindDate:
		v.AppendInt(floorDiv(g.localMs, 86400000))
	case types.KindTime:
		v.AppendInt(g.localMs - floorDiv(g.localMs, 86400000)*86400000)
	case types.KindTimestamp, types.KindTimestampLTZ:
		ms := g.nowMs
		if t.Kind == types.KindTimestamp {
			ms = g.localMs
		}
		if f.maxPast > 0 {
			ms -= r.Int64N(f.maxPast + 1)
		}
		us := ms * 1000
		if t.Precision == 0 {
			us = floorDiv(us, 1e6) * 1e6
		} else if t.Precision < 3 {
			unit := int64(math.Pow10(6 - t.Precision))
			us = floorDiv(us, unit) * unit
		}
		v.AppendInt(us)
	case types.KindArray:
		for k := 0; k < f.length; k++ {
			g.random(f.elem, v.Children[0])
		}
		v.CloseNested()
	case types.KindMap:
		for k := 0; k < f.length; k++ {
			g.random(f.key, v.Children[0])
			g.random(f.elem, v.Children[1])
		}
		v.CloseNested()
	case types.KindRow:
		for k, c := range f.fields {
			g.random(c, v.Children[k])
		}
		v.CloseRow()
	default:
		v.AppendNull()
	}
}

func (g *generator) randomDecimal(f *fieldSpec, v *types.Vector) {
	t := f.t
	if t.Precision <= 18 && t.Scale <= 18 {
		scale := float64(g.pow10Dec[t.Scale])
		limit := g.pow10Dec[t.Precision] - 1
		lo := int64(math.Max(math.Ceil(f.fmin*scale), float64(-limit)))
		hi := int64(math.Min(math.Floor(f.fmax*scale), float64(limit)))
		c := lo
		if hi > lo {
			c = lo + g.rng.Int64N(hi-lo+1)
		}
		g.dec.SetFinite(c, int32(-t.Scale))
		v.AppendDecimal(&g.dec)
		return
	}
	u := g.rng.Float64()
	if _, err := g.dec.SetFloat64(f.fmin*(1-u) + f.fmax*u); err != nil {
		v.AppendNull()
		return
	}
	if _, err := g.decCtx.Quantize(&g.dec, &g.dec, int32(-t.Scale)); err != nil || g.dec.NumDigits() > int64(t.Precision) {
		v.AppendNull()
		return
	}
	v.AppendDecimal(&g.dec)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
