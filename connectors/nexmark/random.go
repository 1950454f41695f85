package nexmark

import "math"

// jrand is java.util.Random: the 48-bit linear congruential generator the
// upstream Nexmark generator seeds with each event's id. Reproducing it
// exactly makes every drawn number (ids, prices, names, ...) the same as
// Flink's generator for the same event id. A value type, so seeding it per
// event allocates nothing.
type jrand struct{ seed uint64 }

const (
	jMultiplier = 0x5DEECE66D
	jAddend     = 0xB
	jMask       = 1<<48 - 1
)

// setSeed is new Random(s).
func (r *jrand) setSeed(s int64) { r.seed = (uint64(s) ^ jMultiplier) & jMask }

// next returns the next bits (≤ 32) random bits as Java's next(bits).
func (r *jrand) next(bits uint) int32 {
	r.seed = (r.seed*jMultiplier + jAddend) & jMask
	return int32(uint32(r.seed >> (48 - bits)))
}

// nextInt is Random.nextInt(bound) for bound > 0.
func (r *jrand) nextInt(bound int32) int32 {
	x := r.next(31)
	m := bound - 1
	if bound&m == 0 {
		return int32((int64(bound) * int64(x)) >> 31)
	}
	for u := x; ; u = r.next(31) {
		x = u % bound
		if u-x+m >= 0 { // int32 overflow marks the biased tail, as in Java
			return x
		}
	}
}

// nextLetter is nextInt(13) == 0 ? special : 'a' + nextInt(26), the
// character draw of upstream nextString, with constant bounds so the
// divisions compile to multiplications.
func (r *jrand) nextLetter(special byte) byte {
	u := r.next(31)
	x := u % 13
	for u-x+12 < 0 {
		u = r.next(31)
		x = u % 13
	}
	if x == 0 {
		return special
	}
	u = r.next(31)
	x = u % 26
	for u-x+25 < 0 {
		u = r.next(31)
		x = u % 26
	}
	return byte('a' + x)
}

// nextInt32 is Random.nextInt().
func (r *jrand) nextInt32() int32 { return r.next(32) }

// nextLong is Random.nextLong().
func (r *jrand) nextLong() int64 {
	hi := int64(r.next(32))
	return hi<<32 + int64(r.next(32))
}

// nextDouble is Random.nextDouble().
func (r *jrand) nextDouble() float64 {
	return float64(int64(r.next(26))<<27+int64(r.next(27))) * (1.0 / (1 << 53))
}

// nextLongN is the upstream generator's nextLong(random, n): uniform below
// n when n fits an int, else (skewed, as upstream) |nextLong() % n|.
func (r *jrand) nextLongN(n int64) int64 {
	if n < math.MaxInt32 {
		return int64(r.nextInt(int32(n)))
	}
	v := r.nextLong() % n
	if v < 0 {
		v = -v
	}
	return v
}

// nextPrice is the upstream price distribution: round(10^(U·6) × 100).
// 10^x is computed as e^(x·ln 10), several times cheaper than math.Pow; the
// two differ by an ulp at most, which changes a rounded price only when
// it lies within ~1e-7 of a half cent.
func (r *jrand) nextPrice() int64 {
	return int64(math.Floor(math.Exp(r.nextDouble()*(6*math.Ln10))*100 + 0.5))
}
