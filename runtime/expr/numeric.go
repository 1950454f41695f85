package expr

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/cockroachdb/apd/v3"
	"github.com/flinkgo/engine/runtime/types"
)

// Numeric functions: ABS, ROUND, TRUNCATE, FLOOR, CEIL/CEILING (also on
// date-times with a unit, see time.go), POWER/POW, SQRT, LN, LOG10, LOG2,
// LOG, EXP, SIGN, RAND, RAND_INTEGER, PI, E, trigonometric functions,
// DEGREES, RADIANS, BIN, HEX. MOD is in arith.go.
//
// ROUND(x[, d]) rounds half-up (away from zero) at d decimal places
// (negative d rounds left of the point); DOUBLE rounds through its shortest
// decimal form like Java's BigDecimal.valueOf, DECIMAL exactly. With a
// literal d, ROUND/TRUNCATE of DECIMAL(p, s) returns DECIMAL(1 + p - s + d,
// d) (d < s), DECIMAL(p, s) (d ≥ s) or DECIMAL(1 + p - s, 0) (d < 0);
// integer and floating types keep their type.

func init() {
	fnSpec{name: "ABS", params: "N", ret: retArg0, bind: absBind}.register()
	for _, f := range []struct {
		name     string
		truncate bool
	}{{"ROUND", false}, {"TRUNCATE", true}} {
		fn := fnSpec{name: f.name, params: "Ni", ret: retArg0, bind: roundBind(f.truncate)}.function(f.name)
		fn.InferArgs = roundInferArgs(fn)
		Register(fn)
	}
	mathFns := []struct {
		name string
		f    func(float64) float64
	}{
		{"SQRT", math.Sqrt}, {"LN", math.Log}, {"LOG10", math.Log10}, {"LOG2", math.Log2},
		{"EXP", math.Exp}, {"SIN", math.Sin}, {"COS", math.Cos}, {"TAN", math.Tan},
		{"COT", func(x float64) float64 { return 1 / math.Tan(x) }},
		{"ASIN", math.Asin}, {"ACOS", math.Acos}, {"ATAN", math.Atan},
		{"SINH", math.Sinh}, {"COSH", math.Cosh}, {"TANH", math.Tanh}, {"CBRT", math.Cbrt},
		{"DEGREES", func(x float64) float64 { return x * 180 / math.Pi }},
		{"RADIANS", func(x float64) float64 { return x / 180 * math.Pi }},
	}
	for _, m := range mathFns {
		f := m.f
		fnSpec{name: m.name, params: "N", ret: retDouble, bind: func(args []*types.Type, ret *types.Type) (Kernel, error) {
			return coerceArgs(unaryFloat(f), args, []*types.Type{types.Double})
		}}.register()
	}
	fnSpec{name: "POWER", params: "NN", ret: retDouble, bind: binaryFloatBind(math.Pow)}.register("POW")
	fnSpec{name: "ATAN2", params: "NN", ret: retDouble, bind: binaryFloatBind(math.Atan2)}.register()
	fnSpec{name: "LOG", params: "Nn", ret: retDouble, bind: func(args []*types.Type, ret *types.Type) (Kernel, error) {
		if len(args) == 1 {
			return coerceArgs(unaryFloat(math.Log), args, []*types.Type{types.Double})
		}
		return binaryFloatBind(func(b, x float64) float64 { return math.Log(x) / math.Log(b) })(args, ret)
	}}.register()
	fnSpec{name: "SIGN", params: "N", ret: retArg0, bind: signBind}.register()
	fnSpec{name: "PI", params: "", ret: retFixed(types.Double.WithNullable(false)), bind: constFloat(math.Pi)}.register()
	fnSpec{name: "E", params: "", ret: retFixed(types.Double.WithNullable(false)), bind: constFloat(math.E)}.register()
	fnSpec{name: "RAND", params: "i", ret: retFixed(types.Double.WithNullable(false)), nondet: true, bind: randBind(false)}.register()
	fnSpec{name: "RAND_INTEGER", params: "Ii", ret: func(args []*types.Type) *types.Type { return nullableIf(types.Int, args) }, nondet: true, bind: randBind(true)}.register()
	fnSpec{name: "BIN", params: "I", ret: retString, bind: fixed(func() Kernel {
		return strKernel(func(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
			return strconv.AppendUint(dst, uint64(args[0].Ints[i]), 2), true
		})
	})}.register()
	fnSpec{name: "HEX", params: "A", ret: retString, check: func(args []*types.Type) error {
		if !args[0].IsInteger() && !args[0].IsString() && !args[0].IsBinary() {
			return applyError("HEX", false, args, "HEX(<INTEGER>)", "HEX(<CHARACTER>)")
		}
		return nil
	}, bind: func(args []*types.Type, ret *types.Type) (Kernel, error) {
		if args[0].IsInteger() {
			return strKernel(func(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
				start := len(dst)
				dst = strconv.AppendUint(dst, uint64(args[0].Ints[i]), 16)
				for j := start; j < len(dst); j++ {
					if dst[j] >= 'a' {
						dst[j] -= 'a' - 'A'
					}
				}
				return dst, true
			}), nil
		}
		return strKernel(func(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
			for _, c := range bytesAt(args[0], i) {
				dst = append(dst, "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
			}
			return dst, true
		}), nil
	}}.register()
	Register(floorCeilFunction("FLOOR", false))
	Register(floorCeilFunction("CEIL", true))
	Register(floorCeilFunction("CEILING", true))
}

func unaryFloat(f func(float64) float64) Kernel {
	return func(args []*types.Vector, n int, out *types.Vector) error {
		r := sizeFloats(out, n)
		for i, x := range args[0].Floats[:n] {
			r[i] = f(x)
		}
		copyNulls(out, args[0], n)
		finish(out, n)
		return nil
	}
}

func binaryFloatBind(f func(a, b float64) float64) func([]*types.Type, *types.Type) (Kernel, error) {
	return func(args []*types.Type, ret *types.Type) (Kernel, error) {
		k := func(args []*types.Vector, n int, out *types.Vector) error {
			r := sizeFloats(out, n)
			a, b := args[0].Floats[:n], args[1].Floats[:n]
			for i := range r {
				r[i] = f(a[i], b[i])
			}
			unionNulls(out, n, args[0], args[1])
			finish(out, n)
			return nil
		}
		return coerceArgs(k, args, []*types.Type{types.Double, types.Double})
	}
}

func constFloat(v float64) func([]*types.Type, *types.Type) (Kernel, error) {
	return fixed(func() Kernel {
		return func(args []*types.Vector, n int, out *types.Vector) error {
			r := sizeFloats(out, n)
			for i := range r {
				r[i] = v
			}
			out.Len = n
			return nil
		}
	})
}

// ---------------------------------------------------------------------------
// ABS, SIGN

func absBind(args []*types.Type, ret *types.Type) (Kernel, error) {
	kind := ret.Kind
	switch ret.Kind.Physical() {
	case types.PhysInt64:
		return func(args []*types.Vector, n int, out *types.Vector) error {
			r := sizeInts(out, n)
			for i, x := range args[0].Ints[:n] {
				if x < 0 {
					x = -x
				}
				r[i] = x
			}
			narrowInts(kind, r)
			copyNulls(out, args[0], n)
			finish(out, n)
			return nil
		}, nil
	case types.PhysFloat64:
		return unaryFloat(math.Abs), nil
	default:
		return func(args []*types.Vector, n int, out *types.Vector) error {
			r := sizeDecs(out, n)
			for i := range r {
				r[i].Abs(&args[0].Decs[i])
			}
			copyNulls(out, args[0], n)
			finish(out, n)
			return nil
		}, nil
	}
}

func signBind(args []*types.Type, ret *types.Type) (Kernel, error) {
	switch ret.Kind.Physical() {
	case types.PhysInt64:
		return func(args []*types.Vector, n int, out *types.Vector) error {
			r := sizeInts(out, n)
			for i, x := range args[0].Ints[:n] {
				switch {
				case x > 0:
					r[i] = 1
				case x < 0:
					r[i] = -1
				default:
					r[i] = 0
				}
			}
			copyNulls(out, args[0], n)
			finish(out, n)
			return nil
		}, nil
	case types.PhysFloat64:
		return unaryFloat(func(x float64) float64 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return x // 0, -0 or NaN
		}), nil
	default:
		p, s := ret.Precision, ret.Scale
		return func(args []*types.Vector, n int, out *types.Vector) error {
			r := sizeDecs(out, n)
			copyNulls(out, args[0], n)
			for i := range r {
				if !setDecimalInt(&r[i], int64(args[0].Decs[i].Sign()), p, s) {
					out.SetNull(i)
				}
			}
			finish(out, n)
			return nil
		}, nil
	}
}

// ---------------------------------------------------------------------------
// ROUND, TRUNCATE

func roundDecimalType(p, s int, d int64) *types.Type {
	switch {
	case d >= int64(s):
		return types.Decimal(p, s)
	case d < 0:
		return types.Decimal(min(MaxDecimalPrecision, 1+p-s), 0)
	}
	return types.Decimal(min(MaxDecimalPrecision, 1+p-s+int(d)), int(d))
}

func roundInferArgs(fn *Function) func([]Expr) (*types.Type, error) {
	return func(args []Expr) (*types.Type, error) {
		ts := make([]*types.Type, len(args))
		for i, a := range args {
			ts[i] = a.Type()
		}
		t, err := fn.Infer(ts)
		if err != nil {
			return nil, err
		}
		if t.Kind != types.KindDecimal {
			return t, nil
		}
		d := int64(0)
		if len(args) > 1 {
			v, ok := literalIntValue(args[1])
			if !ok {
				return t, nil
			}
			d = v
		}
		return roundDecimalType(t.Precision, t.Scale, d).WithNullable(t.Nullable()), nil
	}
}

// roundInt rounds x at 10^k (k ≥ 1) half-up or toward zero.
func roundInt(x int64, k int64, truncate bool) int64 {
	if k >= int64(len(pow10U64)) {
		return 0
	}
	unit := int64(pow10U64[k])
	if k >= 19 {
		return 0
	}
	q, r := x/unit, x%unit
	if !truncate {
		if r >= 0 && r*2 >= unit {
			q++
		} else if r < 0 && -r*2 >= unit {
			q--
		}
	}
	return q * unit
}

// roundFloat rounds through the shortest decimal representation of x.
func roundFloat(x float64, d int64, truncate bool) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	var buf [40]byte
	var dec, res apd.Decimal
	if _, _, err := dec.SetString(string(strconv.AppendFloat(buf[:0], x, 'e', -1, 64))); err != nil {
		return x
	}
	d = max(min(d, 400), -400)
	ctx := exactCtx
	if truncate {
		ctx.Rounding = apd.RoundDown
	}
	if _, err := ctx.Quantize(&res, &dec, int32(-d)); err != nil {
		return x
	}
	return decimalToFloat(&res)
}

func roundBind(truncate bool) func([]*types.Type, *types.Type) (Kernel, error) {
	return func(args []*types.Type, ret *types.Type) (Kernel, error) {
		digits := func(args []*types.Vector, i int) int64 {
			if len(args) > 1 {
				return args[1].Ints[i]
			}
			return 0
		}
		switch ret.Kind.Physical() {
		case types.PhysInt64:
			kind := ret.Kind
			return func(args []*types.Vector, n int, out *types.Vector) error {
				r := sizeInts(out, n)
				for i, x := range args[0].Ints[:n] {
					if d := digits(args, i); d < 0 {
						x = roundInt(x, -d, truncate)
					}
					r[i] = x
				}
				narrowInts(kind, r)
				unionNulls(out, n, args...)
				finish(out, n)
				return nil
			}, nil
		case types.PhysFloat64:
			single := ret.Kind == types.KindFloat
			return func(args []*types.Vector, n int, out *types.Vector) error {
				r := sizeFloats(out, n)
				unionNulls(out, n, args...)
				for i, x := range args[0].Floats[:n] {
					if nullAt(out.Nulls, i) {
						r[i] = 0
						continue
					}
					f := roundFloat(x, digits(args, i), truncate)
					if single {
						f = float64(float32(f))
					}
					r[i] = f
				}
				finish(out, n)
				return nil
			}, nil
		default:
			p, s := ret.Precision, ret.Scale
			var tmp apd.Decimal
			return func(args []*types.Vector, n int, out *types.Vector) error {
				r := sizeDecs(out, n)
				unionNulls(out, n, args...)
				for i := range r {
					if nullAt(out.Nulls, i) {
						continue
					}
					d := digits(args, i)
					d = max(min(d, 100), -100)
					if !rescale(&tmp, &args[0].Decs[i], 200, int(d), truncate) || !rescale(&r[i], &tmp, p, s, false) {
						out.SetNull(i)
					}
				}
				finish(out, n)
				return nil
			}, nil
		}
	}
}

// ---------------------------------------------------------------------------
// FLOOR / CEIL of numbers; FLOOR(t, 'unit') / CEIL(t, 'unit') of date-times.

func floorCeilFunction(name string, ceil bool) *Function {
	form := []string{name + "(<NUMERIC>)", name + "(<DATETIME> TO <TIME UNIT>)"}
	return &Function{Name: name, MinArgs: 1, MaxArgs: 2,
		Infer: func(args []*types.Type) (*types.Type, error) {
			a := args[0]
			switch {
			case len(args) == 1 && a.IsNumeric():
				if a.Kind == types.KindDecimal && a.Scale > 0 {
					return types.Decimal(min(MaxDecimalPrecision, a.Precision-a.Scale+1), 0).WithNullable(a.Nullable()), nil
				}
				return a.WithTimeAttr(types.NoTimeAttr), nil
			case len(args) == 2 && isTemporal(a) && isStringOrNull(args[1]):
				return nullableIf(plain(a), args), nil
			}
			return nil, applyError(name, false, args, form...)
		},
		Bind: func(args []*types.Type, ret *types.Type) (Kernel, error) {
			if len(args) == 2 {
				return timeFloorBind(ceil, args, ret)
			}
			f := math.Floor
			if ceil {
				f = math.Ceil
			}
			switch ret.Kind.Physical() {
			case types.PhysInt64:
				return copyKernel, nil
			case types.PhysFloat64:
				return unaryFloat(f), nil
			}
			p := ret.Precision
			var tmp apd.Decimal
			return func(args []*types.Vector, n int, out *types.Vector) error {
				r := sizeDecs(out, n)
				copyNulls(out, args[0], n)
				for i := range r {
					if nullAt(out.Nulls, i) {
						continue
					}
					x := &args[0].Decs[i]
					if ceil {
						exactCtx.Ceil(&tmp, x)
					} else {
						exactCtx.Floor(&tmp, x)
					}
					if !rescale(&r[i], &tmp, p, 0, false) {
						out.SetNull(i)
					}
				}
				finish(out, n)
				return nil
			}, nil
		}}
}

func copyKernel(args []*types.Vector, n int, out *types.Vector) error {
	return copyVector(args[0], n, out)
}

// ---------------------------------------------------------------------------
// RAND([seed]), RAND_INTEGER([seed,] bound)

func randBind(integer bool) func([]*types.Type, *types.Type) (Kernel, error) {
	return func(args []*types.Type, ret *types.Type) (Kernel, error) {
		seeded := integer && len(args) == 2 || !integer && len(args) == 1
		var rng *rand.Rand
		if !seeded {
			rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		}
		var lastSeed int64
		return func(args []*types.Vector, n int, out *types.Vector) error {
			if seeded && n > 0 && !nullAt(args[0].Nulls, 0) {
				if s := args[0].Ints[0]; rng == nil || s != lastSeed {
					rng = rand.New(rand.NewPCG(uint64(s), 0x9e3779b97f4a7c15))
					lastSeed = s
				}
			}
			if rng == nil {
				rng = rand.New(rand.NewPCG(0, 0x9e3779b97f4a7c15))
			}
			if !integer {
				r := sizeFloats(out, n)
				for i := range r {
					r[i] = rng.Float64()
				}
				out.Len = n
				return nil
			}
			bound := args[len(args)-1]
			r := sizeInts(out, n)
			out.Nulls = out.Nulls[:0]
			for i := range r {
				b := bound.Ints[i]
				if nullAt(bound.Nulls, i) || b <= 0 {
					r[i] = 0
					out.SetNull(i)
					continue
				}
				r[i] = rng.Int64N(b)
			}
			finish(out, n)
			return nil
		}, nil
	}
}
