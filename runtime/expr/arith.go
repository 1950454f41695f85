package expr

import (
	"errors"
	"math"

	"github.com/cockroachdb/apd/v3"
	"github.com/flinkgo/engine/runtime/types"
)

// Arithmetic operators "+", "-", "*", "/", "%" (also "MOD") and "NEGATE".
//
// Result types follow Flink:
//   - integers: the larger integer type (TINYINT < SMALLINT < INT <
//     BIGINT); INT / INT is INT (truncating). For % and MOD the result has
//     the type of the divisor (Calcite). Overflow wraps like Java's int and
//     long arithmetic ((INT) 2147483647 + 1 = -2147483648).
//   - any DOUBLE → DOUBLE; FLOAT with FLOAT or integers → FLOAT; FLOAT
//     with DECIMAL → DOUBLE. Division by zero gives Infinity/NaN.
//   - DECIMAL (integers count as DECIMAL(3|5|10|19, 0)):
//     + -  s = max(s1, s2), p = max(p1-s1, p2-s2) + s + 1
//     *    s = s1 + s2, p = p1 + p2
//     /    s = max(6, s1 + p2 + 1), p = p1 - s1 + s2 + s
//     %    s = max(s1, s2), p = min(p1-s1, p2-s2) + s
//     then capped at 38 digits keeping integer digits (scale ≥ min(s, 6)).
//     Results round half-up to the scale; a result needing more digits than
//     its precision is NULL.
//   - integer or DECIMAL division (and %) by zero is a runtime error
//     "Division by zero".
//   - DATE/TIME/TIMESTAMP/TIMESTAMP_LTZ ± INTERVAL keep the date-time type
//     (DATE + INTERVAL DAY TO SECOND adds whole days; month intervals clamp
//     to the end of month); INTERVAL ± INTERVAL of one kind; INTERVAL *
//     integer, integer * INTERVAL, INTERVAL / integer.

// ErrDivisionByZero is returned by integer and DECIMAL division by zero.
var ErrDivisionByZero = errors.New("Division by zero")

func init() {
	for _, op := range []string{"+", "-", "*", "/", "%"} {
		Register(&Function{Name: op, Infix: op, MinArgs: 2, MaxArgs: 2,
			Infer: arithInfer(op), Bind: arithBind(op)})
	}
	Register(&Function{Name: "MOD", MinArgs: 2, MaxArgs: 2, Infer: arithInfer("MOD"), Bind: arithBind("%")})
	Register(&Function{Name: "NEGATE", Infix: "-", MinArgs: 1, MaxArgs: 1, Infer: negateInfer, Bind: negateBind})
}

var arithForms = map[string][]string{
	"+":   {"<NUMERIC> + <NUMERIC>", "<DATETIME_INTERVAL> + <DATETIME_INTERVAL>", "<DATETIME> + <DATETIME_INTERVAL>", "<DATETIME_INTERVAL> + <DATETIME>"},
	"-":   {"<NUMERIC> - <NUMERIC>", "<DATETIME_INTERVAL> - <DATETIME_INTERVAL>", "<DATETIME> - <DATETIME_INTERVAL>"},
	"*":   {"<NUMERIC> * <NUMERIC>", "<DATETIME_INTERVAL> * <NUMERIC>", "<NUMERIC> * <DATETIME_INTERVAL>"},
	"/":   {"<NUMERIC> / <NUMERIC>", "<DATETIME_INTERVAL> / <NUMERIC>"},
	"%":   {"<EXACT_NUMERIC> % <EXACT_NUMERIC>"},
	"MOD": {"MOD(<EXACT_NUMERIC>, <EXACT_NUMERIC>)"},
}

func isInterval(t *types.Type) bool {
	return t.Kind == types.KindIntervalYearMonth || t.Kind == types.KindIntervalDayTime
}

func arithInfer(op string) func([]*types.Type) (*types.Type, error) {
	return func(args []*types.Type) (*types.Type, error) {
		t, ok := arithType(op, args[0], args[1])
		if !ok {
			return nil, applyError(op, op != "MOD", args, arithForms[op]...)
		}
		return nullableIf(t, args), nil
	}
}

// arithType derives the result type of a op b.
func arithType(op string, a, b *types.Type) (*types.Type, bool) {
	if op == "MOD" {
		op = "%"
	}
	if isNumericOrNull(a) && isNumericOrNull(b) {
		if isNullType(a) && isNullType(b) {
			return nil, false
		}
		if isNullType(a) {
			return plain(b), true
		}
		if isNullType(b) {
			return plain(a), true
		}
		return numericResult(op, a, b), true
	}
	switch op {
	case "+", "-":
		switch {
		case isTemporal(a) && (isInterval(b) || isNullType(b)):
			if a.Kind == types.KindTime && b.Kind == types.KindIntervalYearMonth {
				return nil, false
			}
			return plain(a), true
		case op == "+" && isTemporal(b) && (isInterval(a) || isNullType(a)):
			if b.Kind == types.KindTime && a.Kind == types.KindIntervalYearMonth {
				return nil, false
			}
			return plain(b), true
		case isInterval(a) && (b.Kind == a.Kind || isNullType(b)):
			return plain(a), true
		case isInterval(b) && isNullType(a):
			return plain(b), true
		}
	case "*":
		switch {
		case isInterval(a) && isIntegerOrNull(b):
			return plain(a), true
		case isInterval(b) && isIntegerOrNull(a):
			return plain(b), true
		}
	case "/":
		if isInterval(a) && isIntegerOrNull(b) {
			return plain(a), true
		}
	}
	return nil, false
}

func numericResult(op string, a, b *types.Type) *types.Type {
	if a.Kind == types.KindDouble || b.Kind == types.KindDouble {
		return types.Double
	}
	if a.Kind == types.KindFloat || b.Kind == types.KindFloat {
		if a.Kind == types.KindDecimal || b.Kind == types.KindDecimal {
			return types.Double
		}
		return types.Float
	}
	if a.Kind == types.KindDecimal || b.Kind == types.KindDecimal {
		da, db := asDecimal(a), asDecimal(b)
		p1, s1, p2, s2 := da.Precision, da.Scale, db.Precision, db.Scale
		switch op {
		case "+", "-":
			s := max(s1, s2)
			return adjustDecimal(max(p1-s1, p2-s2)+s+1, s)
		case "*":
			return adjustDecimal(p1+p2, s1+s2)
		case "/":
			s := max(minAdjustedScale, s1+p2+1)
			return adjustDecimal(p1-s1+s2+s, s)
		default: // %
			s := max(s1, s2)
			return adjustDecimal(min(p1-s1, p2-s2)+s, s)
		}
	}
	if op == "%" {
		return plain(b)
	}
	if a.Kind >= b.Kind {
		return plain(a)
	}
	return plain(b)
}

func arithBind(op string) func([]*types.Type, *types.Type) (Kernel, error) {
	return func(args []*types.Type, ret *types.Type) (Kernel, error) {
		a, b := args[0], args[1]
		to := make([]*types.Type, 2)
		var k Kernel
		switch {
		case ret.IsInteger():
			for i, t := range args {
				if isNullType(t) {
					to[i] = ret
				}
			}
			k = intArith(op[0], ret.Kind)
		case ret.Kind == types.KindFloat || ret.Kind == types.KindDouble:
			for i, t := range args {
				if t.Kind != types.KindFloat && t.Kind != types.KindDouble {
					to[i] = types.Double
				}
			}
			k = floatArith(op[0], ret.Kind == types.KindFloat)
		case ret.Kind == types.KindDecimal:
			for i, t := range args {
				if isNullType(t) {
					to[i] = ret
				} else if t.Kind != types.KindDecimal {
					to[i] = asDecimal(t)
				}
			}
			k = decimalArith(op[0], ret.Precision, ret.Scale)
		case isInterval(ret) && (isInterval(a) || isNullType(a)) && (isInterval(b) || isNullType(b)):
			for i, t := range args {
				if isNullType(t) {
					to[i] = ret
				}
			}
			k = intArith(op[0], types.KindBigInt)
		case isInterval(ret):
			// INTERVAL * integer, integer * INTERVAL, INTERVAL / integer.
			for i, t := range args {
				if isNullType(t) {
					to[i] = types.BigInt
				}
			}
			k = intArith(op[0], types.KindBigInt)
		default:
			return temporalArith(op[0], a, b, ret)
		}
		return coerceArgs(k, args, to)
	}
}

// ---------------------------------------------------------------------------
// Integers.

type sint interface{ int8 | int16 | int32 | int64 }

func intOp[T sint](op byte, a, b, r []int64) {
	a = a[:len(r)]
	b = b[:len(r)]
	switch op {
	case '+':
		for i := range r {
			r[i] = int64(T(a[i] + b[i]))
		}
	case '-':
		for i := range r {
			r[i] = int64(T(a[i] - b[i]))
		}
	case '*':
		for i := range r {
			r[i] = int64(T(a[i] * b[i]))
		}
	}
}

// intDivOp divides (or takes the remainder) skipping NULL rows; a zero
// divisor on a non-NULL row is an error.
func intDivOp[T sint](op byte, a, b, r []int64, nulls []uint64) error {
	a = a[:len(r)]
	b = b[:len(r)]
	for i := range r {
		d := b[i]
		if d == 0 {
			if nullAt(nulls, i) {
				r[i] = 0
				continue
			}
			return ErrDivisionByZero
		}
		if op == '/' {
			if d == -1 {
				r[i] = int64(T(-a[i]))
			} else {
				r[i] = int64(T(a[i] / d))
			}
		} else {
			if d == -1 {
				r[i] = 0
			} else {
				r[i] = int64(T(a[i] % d))
			}
		}
	}
	return nil
}

func intArith(op byte, k types.Kind) Kernel {
	return func(args []*types.Vector, n int, out *types.Vector) error {
		a, b := args[0].Ints, args[1].Ints
		r := sizeInts(out, n)
		unionNulls(out, n, args[0], args[1])
		if op == '/' || op == '%' {
			var err error
			switch k {
			case types.KindTinyInt:
				err = intDivOp[int8](op, a, b, r, out.Nulls)
			case types.KindSmallInt:
				err = intDivOp[int16](op, a, b, r, out.Nulls)
			case types.KindInt:
				err = intDivOp[int32](op, a, b, r, out.Nulls)
			default:
				err = intDivOp[int64](op, a, b, r, out.Nulls)
			}
			if err != nil {
				return err
			}
		} else {
			switch k {
			case types.KindTinyInt:
				intOp[int8](op, a, b, r)
			case types.KindSmallInt:
				intOp[int16](op, a, b, r)
			case types.KindInt:
				intOp[int32](op, a, b, r)
			default:
				intOp[int64](op, a, b, r)
			}
		}
		finish(out, n)
		return nil
	}
}

// ---------------------------------------------------------------------------
// Floating point.

func floatArith(op byte, single bool) Kernel {
	return func(args []*types.Vector, n int, out *types.Vector) error {
		a, b := args[0].Floats[:n], args[1].Floats[:n]
		r := sizeFloats(out, n)
		switch op {
		case '+':
			for i := range r {
				r[i] = a[i] + b[i]
			}
		case '-':
			for i := range r {
				r[i] = a[i] - b[i]
			}
		case '*':
			for i := range r {
				r[i] = a[i] * b[i]
			}
		case '/':
			for i := range r {
				r[i] = a[i] / b[i]
			}
		case '%':
			for i := range r {
				r[i] = math.Mod(a[i], b[i])
			}
		}
		if single {
			for i, f := range r {
				r[i] = float64(float32(f))
			}
		}
		unionNulls(out, n, args[0], args[1])
		finish(out, n)
		return nil
	}
}

// ---------------------------------------------------------------------------
// DECIMAL.

func decimalArith(op byte, p, s int) Kernel {
	var tmp apd.Decimal
	return func(args []*types.Vector, n int, out *types.Vector) error {
		a, b := args[0].Decs, args[1].Decs
		r := sizeDecs(out, n)
		unionNulls(out, n, args[0], args[1])
		nulls := out.Nulls
		for i := 0; i < n; i++ {
			if nullAt(nulls, i) {
				continue
			}
			if op != '/' && op != '%' {
				if ok, handled := decimalFast(op, &a[i], &b[i], p, s, &r[i]); handled {
					if !ok {
						out.SetNull(i)
						nulls = out.Nulls
					}
					continue
				}
			}
			var err error
			switch op {
			case '+':
				_, err = exactCtx.Add(&tmp, &a[i], &b[i])
			case '-':
				_, err = exactCtx.Sub(&tmp, &a[i], &b[i])
			case '*':
				_, err = exactCtx.Mul(&tmp, &a[i], &b[i])
			case '/':
				if b[i].IsZero() {
					return ErrDivisionByZero
				}
				_, err = quoCtx.Quo(&tmp, &a[i], &b[i])
			case '%':
				if b[i].IsZero() {
					return ErrDivisionByZero
				}
				_, err = exactCtx.Rem(&tmp, &a[i], &b[i])
			}
			if err != nil || !rescale(&r[i], &tmp, p, s, false) {
				out.SetNull(i)
				nulls = out.Nulls
			}
		}
		finish(out, n)
		return nil
	}
}

// ---------------------------------------------------------------------------
// Date-time arithmetic.

// addMonths adds m months to µs since epoch, clamping the day of month.
func addMonths(us int64, m int64) int64 {
	days := floorDiv(us, microsPerDay)
	rem := us - days*microsPerDay
	return addMonthsDays(days, m)*microsPerDay + rem
}

func addMonthsDays(days int64, m int64) int64 {
	y, mo, d := types.CivilFromDays(days)
	total := y*12 + int64(mo-1) + m
	ny := floorDiv(total, 12)
	nm := int(total-ny*12) + 1
	d = min(d, types.DaysInMonth(ny, nm))
	return types.DaysFromCivil(ny, nm, d)
}

func temporalArith(op byte, a, b, ret *types.Type) (Kernel, error) {
	ti, ii := 0, 1 // index of the date-time and of the interval argument
	if !isTemporal(a) {
		ti, ii = 1, 0
	}
	it := []*types.Type{a, b}[ii]
	to := make([]*types.Type, 2)
	if isNullType(it) {
		it = &types.Type{Kind: types.KindIntervalDayTime}
		to[ii] = it
	}
	sign := int64(1)
	if op == '-' {
		sign = -1
	}
	months := it.Kind == types.KindIntervalYearMonth
	kind := ret.Kind
	k := func(args []*types.Vector, n int, out *types.Vector) error {
		t, iv := args[ti].Ints, args[ii].Ints
		r := sizeInts(out, n)
		for i := 0; i < n; i++ {
			x, d := t[i], sign*iv[i]
			switch {
			case kind == types.KindDate && months:
				r[i] = addMonthsDays(x, d)
			case kind == types.KindDate:
				r[i] = x + d/millisPerDay
			case kind == types.KindTime:
				r[i] = floorMod(x+d, millisPerDay)
			case months:
				r[i] = addMonths(x, d)
			default:
				r[i] = x + d*1000
			}
		}
		if nanos := args[ti].Nanos; len(nanos) > 0 && types.HasNanos(ret) {
			out.Nanos = append(out.Nanos[:0], nanos[:min(n, len(nanos))]...)
		}
		unionNulls(out, n, args[0], args[1])
		finish(out, n)
		return nil
	}
	return coerceArgs(k, []*types.Type{a, b}, to)
}

// ---------------------------------------------------------------------------
// NEGATE.

func negateInfer(args []*types.Type) (*types.Type, error) {
	t := args[0]
	if !t.IsNumeric() && !isInterval(t) {
		return nil, applyError("-", true, args, "- <NUMERIC>", "- <DATETIME_INTERVAL>")
	}
	return t.WithTimeAttr(types.NoTimeAttr), nil
}

func negateBind(args []*types.Type, ret *types.Type) (Kernel, error) {
	switch ret.Kind.Physical() {
	case types.PhysInt64:
		kind := ret.Kind
		return func(args []*types.Vector, n int, out *types.Vector) error {
			r := sizeInts(out, n)
			for i, x := range args[0].Ints[:n] {
				r[i] = -x
			}
			narrowInts(kind, r)
			copyNulls(out, args[0], n)
			finish(out, n)
			return nil
		}, nil
	case types.PhysFloat64:
		return func(args []*types.Vector, n int, out *types.Vector) error {
			r := sizeFloats(out, n)
			for i, x := range args[0].Floats[:n] {
				r[i] = -x
			}
			copyNulls(out, args[0], n)
			finish(out, n)
			return nil
		}, nil
	case types.PhysDecimal:
		return func(args []*types.Vector, n int, out *types.Vector) error {
			r := sizeDecs(out, n)
			for i := range r {
				r[i].Neg(&args[0].Decs[i])
			}
			copyNulls(out, args[0], n)
			finish(out, n)
			return nil
		}, nil
	}
	return nil, unsupportedCast(args[0], ret)
}
