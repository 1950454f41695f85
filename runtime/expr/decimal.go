package expr

import (
	"math"
	"math/big"
	"math/bits"
	"strconv"

	"github.com/cockroachdb/apd/v3"
)

// Decimal helpers. Values in a DECIMAL(p, s) vector have exponent -s.
// Results that need more than p digits become NULL, as in Flink.

// exactCtx computes sums, differences and products without rounding.
var exactCtx = apd.Context{Precision: 1000, MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent,
	Rounding: apd.RoundHalfUp}

// quoCtx computes quotients with enough digits for any DECIMAL(38, s)
// result; it truncates so the final half-up rounding to scale is exact.
var quoCtx = apd.Context{Precision: 60, MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent,
	Rounding: apd.RoundDown}

var pow10U64 = [...]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

var pow10Table = func() [80]apd.BigInt {
	var t [80]apd.BigInt
	t[0].SetInt64(1)
	ten := apd.NewBigInt(10)
	for i := 1; i < len(t); i++ {
		t[i].Mul(&t[i-1], ten)
	}
	return t
}()

// pow10Big returns 10^k (k < 80) as a shared, read-only BigInt.
func pow10Big(k int) *apd.BigInt { return &pow10Table[k] }

// rescale sets d to x at scale s (exponent -s), rounding half-up (or
// toward zero when truncate is set). It reports false when the result has
// more than p digits or x is not finite.
func rescale(d, x *apd.Decimal, p, s int, truncate bool) bool {
	if x.Form != apd.Finite {
		return false
	}
	target := int32(-s)
	if x.Coeff.IsUint64() {
		coef := x.Coeff.Uint64()
		diff := int(target - x.Exponent)
		ok := true
		switch {
		case diff == 0 || coef == 0:
		case diff < 0:
			k := -diff
			if k >= len(pow10U64) {
				ok = false
				break
			}
			hi, lo := bits.Mul64(coef, pow10U64[k])
			if hi != 0 {
				ok = false
				break
			}
			coef = lo
		default:
			if diff >= len(pow10U64) {
				coef = 0
				break
			}
			div := pow10U64[diff]
			q, r := coef/div, coef%div
			if !truncate && r >= div-r {
				q++
			}
			coef = q
		}
		if ok {
			if p < len(pow10U64) && coef >= pow10U64[p] {
				return false
			}
			neg := x.Negative && coef != 0
			d.Form = apd.Finite
			d.Coeff.SetUint64(coef)
			d.Exponent = target
			d.Negative = neg
			return true
		}
	}
	ctx := exactCtx
	if truncate {
		ctx.Rounding = apd.RoundDown
	}
	if _, err := ctx.Quantize(d, x, target); err != nil {
		return false
	}
	if !d.IsZero() && d.NumDigits() > int64(p) {
		return false
	}
	return true
}

// setDecimalInt sets d to integer x at scale s; false when it needs more
// than p digits.
func setDecimalInt(d *apd.Decimal, x int64, p, s int) bool {
	neg := x < 0
	u := uint64(x)
	if neg {
		u = -u
	}
	if s < len(pow10U64) {
		hi, lo := bits.Mul64(u, pow10U64[s])
		if hi == 0 {
			if p < len(pow10U64) && lo >= pow10U64[p] {
				return false
			}
			d.Form = apd.Finite
			d.Coeff.SetUint64(lo)
			d.Exponent = int32(-s)
			d.Negative = neg && lo != 0
			return true
		}
	}
	var t apd.Decimal
	t.SetInt64(x)
	return rescale(d, &t, p, s, false)
}

// decimalToInt64 truncates d toward zero and wraps to 64 bits like
// BigDecimal.longValue.
func decimalToInt64(d *apd.Decimal) int64 {
	if d.Form != apd.Finite {
		return 0
	}
	if d.Coeff.IsUint64() {
		c := d.Coeff.Uint64()
		switch {
		case d.Exponent < 0:
			k := int(-d.Exponent)
			if k >= len(pow10U64) {
				c = 0
			} else {
				c /= pow10U64[k]
			}
		case d.Exponent > 0:
			if d.Exponent < 20 {
				c *= pow10U64[d.Exponent] // wraps
			} else {
				c = 0
			}
		}
		if d.Negative {
			return -int64(c)
		}
		return int64(c)
	}
	// Slow path: exact integer part, low 64 bits of its two's complement.
	var intPart, frac apd.Decimal
	d.Modf(&intPart, &frac)
	var bi big.Int
	bi.SetString(intPart.Text('f'), 10)
	var low uint64
	if w := bi.Bits(); len(w) > 0 {
		low = uint64(w[0])
	}
	if bi.Sign() < 0 {
		low = -low
	}
	return int64(low)
}

// decimalToFloat converts d to the nearest float64.
func decimalToFloat(d *apd.Decimal) float64 {
	if d.Form == apd.Finite && d.Coeff.IsUint64() {
		c := d.Coeff.Uint64()
		if c < 1<<53 && d.Exponent <= 0 && d.Exponent >= -22 {
			f := float64(c) / float64pow10[-d.Exponent]
			if d.Negative {
				f = -f
			}
			return f
		}
	}
	var buf [64]byte
	f, err := strconv.ParseFloat(string(d.Append(buf[:0], 'e')), 64)
	if err != nil && !math.IsInf(f, 0) {
		return 0
	}
	return f
}

var float64pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// setDecimalFloat sets d to f (Java's BigDecimal.valueOf(f): the shortest
// decimal that round-trips) at DECIMAL(p, s), rounding half-up. ok is
// false on overflow; finite is false for NaN and infinities.
func setDecimalFloat(d *apd.Decimal, f float64, p, s int) (ok, finite bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return false, false
	}
	var buf [40]byte
	b := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	var t apd.Decimal
	if _, _, err := t.SetString(string(b)); err != nil {
		return false, false
	}
	return rescale(d, &t, p, s, false), true
}

// decimalFast computes x op y (op one of + - *) into r at DECIMAL(p, s)
// with 64-bit integer arithmetic. handled is false when an operand or an
// intermediate value does not fit (the caller then uses apd); ok is false
// when the result needs more than p digits (NULL).
func decimalFast(op byte, x, y *apd.Decimal, p, s int, r *apd.Decimal) (ok, handled bool) {
	if x.Form != apd.Finite || y.Form != apd.Finite || !x.Coeff.IsUint64() || !y.Coeff.IsUint64() {
		return false, false
	}
	xm, ym := x.Coeff.Uint64(), y.Coeff.Uint64()
	xn, yn := x.Negative, y.Negative
	var m uint64
	var neg bool
	var e int32
	switch op {
	case '*':
		hi, lo := bits.Mul64(xm, ym)
		if hi != 0 {
			return false, false
		}
		m, neg, e = lo, xn != yn, x.Exponent+y.Exponent
	case '+', '-':
		if op == '-' {
			yn = !yn
		}
		e = min(x.Exponent, y.Exponent)
		var ok1, ok2 bool
		xm, ok1 = scaleUp(xm, x.Exponent-e)
		ym, ok2 = scaleUp(ym, y.Exponent-e)
		if !ok1 || !ok2 {
			return false, false
		}
		switch {
		case xn == yn:
			sum, carry := bits.Add64(xm, ym, 0)
			if carry != 0 {
				return false, false
			}
			m, neg = sum, xn
		case xm >= ym:
			m, neg = xm-ym, xn
		default:
			m, neg = ym-xm, yn
		}
	default:
		return false, false
	}
	t := int32(-s)
	switch {
	case e > t:
		var ok bool
		if m, ok = scaleUp(m, e-t); !ok {
			return false, false
		}
	case e < t:
		k := int(t - e)
		if k >= len(pow10U64) {
			m = 0
		} else {
			div := pow10U64[k]
			q, rem := m/div, m%div
			if rem >= div-rem {
				q++
			}
			m = q
		}
	}
	if p < len(pow10U64) && m >= pow10U64[p] {
		return false, true
	}
	r.Form = apd.Finite
	r.Coeff.SetUint64(m)
	r.Exponent = t
	r.Negative = neg && m != 0
	return true, true
}

// scaleUp multiplies m by 10^k (k ≥ 0), reporting overflow.
func scaleUp(m uint64, k int32) (uint64, bool) {
	if k == 0 || m == 0 {
		return m, true
	}
	if int(k) >= len(pow10U64) {
		return 0, false
	}
	hi, lo := bits.Mul64(m, pow10U64[k])
	return lo, hi == 0
}
