package expr

import (
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/apd/v3"
)

// TestDecimalFastPath checks the 64-bit fast path against apd.
func TestDecimalFastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randDec := func() *apd.Decimal {
		var c int64
		switch rng.IntN(3) {
		case 0:
			c = rng.Int64N(1000)
		case 1:
			c = rng.Int64N(1e12)
		default:
			c = rng.Int64()
		}
		if rng.IntN(2) == 0 {
			c = -c
		}
		return apd.New(c, -int32(rng.IntN(8)))
	}
	for i := 0; i < 20000; i++ {
		x, y := randDec(), randDec()
		op := "+-*"[rng.IntN(3)]
		p := 1 + rng.IntN(38)
		s := rng.IntN(p + 1)
		var fast, slow, tmp apd.Decimal
		ok, handled := decimalFast(op, x, y, p, s, &fast)
		if !handled {
			continue
		}
		switch op {
		case '+':
			exactCtx.Add(&tmp, x, y)
		case '-':
			exactCtx.Sub(&tmp, x, y)
		default:
			exactCtx.Mul(&tmp, x, y)
		}
		sok := rescale(&slow, &tmp, p, s, false)
		if ok != sok || ok && (fast.Cmp(&slow) != 0 || fast.Exponent != slow.Exponent || fast.Negative != slow.Negative) {
			t.Fatalf("%s %c %s at (%d, %d): fast %s %v, apd %s %v", x, op, y, p, s, fast.String(), ok, slow.String(), sok)
		}
	}
}
