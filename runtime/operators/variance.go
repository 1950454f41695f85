package operators

import (
	"fmt"
	"math"

	"github.com/cockroachdb/apd/v3"

	"github.com/flinkgo/engine/runtime/types"
)

// varAcc implements VAR_POP, VAR_SAMP, STDDEV_POP and STDDEV_SAMP as Flink
// reduces them: from the count, the sum and the sum of squares of the
// non-NULL values (kept as doubles, so retractions subtract), computed in
// double and converted to the result type (the argument's type, as in
// Flink: integers truncate). No value (or one, for the samples) gives NULL.
type varAcc struct {
	kind     AggKind
	in       types.Physical
	cnt      int64
	sum, sq  float64
	tmp, res apd.Decimal
}

func newVarAcc(c AggCall, argType *types.Type) (*varAcc, error) {
	in := argType.Kind.Physical()
	if in != types.PhysInt64 && in != types.PhysFloat64 && in != types.PhysDecimal {
		return nil, fmt.Errorf("operators: %s over %s is not supported", c.Kind, argType)
	}
	switch c.Type.Kind.Physical() {
	case types.PhysInt64, types.PhysFloat64, types.PhysDecimal:
	default:
		return nil, fmt.Errorf("operators: %s cannot return %s", c.Kind, c.Type)
	}
	return &varAcc{kind: c.Kind, in: in}, nil
}

func (a *varAcc) reset() { a.cnt, a.sum, a.sq = 0, 0, 0 }

func (a *varAcc) decode(r *stateReader) {
	a.cnt, a.sum, a.sq = r.int64(), r.float(), r.float()
}

func (a *varAcc) encode(buf []byte) []byte {
	return appendFloat(appendFloat(appendInt64(buf, a.cnt), a.sum), a.sq)
}

func (a *varAcc) add(arg *types.Vector, i int, s int8) error {
	if s == 0 || nullAt(arg.Nulls, i) {
		return nil
	}
	var x float64
	switch a.in {
	case types.PhysInt64:
		x = float64(arg.Ints[i])
	case types.PhysFloat64:
		x = arg.Floats[i]
	case types.PhysDecimal:
		f, err := arg.Decs[i].Float64()
		if err != nil {
			return fmt.Errorf("operators: %s: %w", a.kind, err)
		}
		x = f
	}
	a.cnt += int64(s)
	a.sum += float64(s) * x
	a.sq += float64(s) * x * x
	return nil
}

func (a *varAcc) result(out *types.Vector) error {
	n := float64(a.cnt)
	samp := a.kind == AggVarSamp || a.kind == AggStddevSamp
	if a.cnt <= 0 || (samp && a.cnt <= 1) {
		out.AppendNull()
		return nil
	}
	v := (a.sq - a.sum*a.sum/n)
	if samp {
		v /= n - 1
	} else {
		v /= n
	}
	if v < 0 {
		v = 0 // rounding after retractions
	}
	if a.kind == AggStddevPop || a.kind == AggStddevSamp {
		v = math.Sqrt(v)
	}
	switch out.Type.Kind.Physical() {
	case types.PhysInt64:
		out.AppendInt(wrapInt(int64(v), out.Type.Kind))
	case types.PhysFloat64:
		out.AppendFloat(v)
	case types.PhysDecimal:
		if _, err := a.tmp.SetFloat64(v); err != nil {
			return err
		}
		if _, err := decCtx.Quantize(&a.res, &a.tmp, int32(-out.Type.Scale)); err != nil {
			out.AppendNull()
			return nil
		}
		out.AppendDecimal(&a.res)
	}
	return nil
}

// listAggAcc implements LISTAGG(x, sep) over insert-only input: the
// non-NULL values joined by sep in arrival order (NULL when there are
// none). A retraction is an error: the planner only uses it for
// append-only input.
type listAggAcc struct {
	sep []byte
	has bool
	buf []byte
}

func (a *listAggAcc) reset() { a.has, a.buf = false, a.buf[:0] }

func (a *listAggAcc) decode(r *stateReader) {
	a.has = r.byte() != 0
	a.buf = append(a.buf[:0], r.bytes()...)
}

func (a *listAggAcc) encode(buf []byte) []byte {
	h := byte(0)
	if a.has {
		h = 1
	}
	return appendBytes(append(buf, h), a.buf)
}

func (a *listAggAcc) add(arg *types.Vector, i int, s int8) error {
	if s < 0 {
		return fmt.Errorf("operators: LISTAGG over an updating input is not supported yet")
	}
	if s == 0 || nullAt(arg.Nulls, i) {
		return nil
	}
	if a.has {
		a.buf = append(a.buf, a.sep...)
	}
	a.buf = append(a.buf, arg.Bytes(i)...)
	a.has = true
	return nil
}

func (a *listAggAcc) result(out *types.Vector) error {
	if !a.has {
		out.AppendNull()
		return nil
	}
	out.AppendBytes(a.buf)
	return nil
}
