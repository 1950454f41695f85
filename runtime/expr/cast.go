package expr

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/flinkgo/engine/runtime/types"
)

// CAST and TRY_CAST. A cast Call has one argument and its T is the target
// type; build it with NewCast (NewCall cannot know the target).
//
// Semantics (Flink 1.15+):
//   - integers narrow by wrapping (Java casts); DOUBLE/FLOAT to integers
//     truncate toward zero and saturate like Java's (int)/(long) casts;
//     DECIMAL to integers truncates.
//   - numbers to DECIMAL round half-up to the scale; values needing more
//     digits than the precision become NULL (both CAST and TRY_CAST).
//   - strings are trimmed and parsed: integers accept a fractional part
//     that is dropped ('1.9' → 1), booleans accept true/false/t/f/yes/no/
//     y/n/1/0 (any case), dates 'yyyy-M-d' (a timestamp string is cut to
//     its date), times 'H:m[:s[.f]]', timestamps 'yyyy-MM-dd[ |T]HH:mm[:ss
//     [.f]]'. A string that does not parse is a runtime error for CAST and
//     NULL for TRY_CAST.
//   - anything to STRING renders as Flink's SQL rendering (TRUE/FALSE,
//     1.0E10, 2020-01-01 12:00:00.000, [1, 2], {a=1}, (1, x)); BYTES to
//     STRING decodes UTF-8, STRING to BYTES encodes it. CHAR(n) padding and
//     VARCHAR(n) truncation are not applied.
//   - TIMESTAMP_LTZ ↔ TIMESTAMP, DATE, TIME and STRING go through the wall
//     clock of the session time zone (Call.Zone, table.local-time-zone);
//     DATE → TIMESTAMP is midnight, TIMESTAMP → DATE/TIME take the parts;
//     lowering a fractional precision truncates as Flink's
//     DateTimeUtils.truncate (toward zero on epoch milliseconds for p <= 3,
//     and not at all when the nanosecond count has at most p digits);
//     integers → TIMESTAMP_LTZ are epoch seconds and TIMESTAMP_LTZ →
//     integers gives epoch seconds.
//   - BOOLEAN ↔ numbers: TRUE = 1, non-zero = TRUE.
//   - ARRAY, MAP and ROW cast element- / field-wise.

func init() {
	Register(castFunction)
	Register(tryCastFunction)
}

var castFunction = &Function{
	Name: "CAST", MinArgs: 1, MaxArgs: 1,
	Infer: func([]*types.Type) (*types.Type, error) {
		return nil, fmt.Errorf("CAST needs a target type: build it with expr.NewCast")
	},
	Bind: func(args []*types.Type, ret *types.Type) (Kernel, error) { return bindCast(args[0], ret, false) },
	BindZoned: func(args []*types.Type, ret *types.Type, zone *time.Location) (Kernel, error) {
		return bindCastIn(args[0], ret, false, zone)
	},
}

var tryCastFunction = &Function{
	Name: "TRY_CAST", MinArgs: 1, MaxArgs: 1,
	Infer: func([]*types.Type) (*types.Type, error) {
		return nil, fmt.Errorf("TRY_CAST needs a target type: build it with expr.NewCast")
	},
	Bind: func(args []*types.Type, ret *types.Type) (Kernel, error) { return bindCast(args[0], ret, true) },
	BindZoned: func(args []*types.Type, ret *types.Type, zone *time.Location) (Kernel, error) {
		return bindCastIn(args[0], ret, true, zone)
	},
}

// NewCast returns CAST(arg AS to), or TRY_CAST when try is set. The result
// type is to, nullable when arg is nullable, for TRY_CAST, and for DECIMAL
// targets (overflow yields NULL). Unsupported conversions are a plan-time
// error: "Cast function cannot convert value of type X to type Y".
func NewCast(arg Expr, to *types.Type, try bool) (Expr, error) {
	from := arg.Type()
	if _, err := castFor(from, to, try); err != nil {
		return nil, err
	}
	nullable := from.Nullable() || try || to.Kind == types.KindDecimal && from.Kind != types.KindDecimal
	if to.Kind == types.KindDecimal && from.Kind == types.KindDecimal &&
		to.Precision-to.Scale < from.Precision-from.Scale {
		nullable = true
	}
	fn := castFunction
	if try {
		fn = tryCastFunction
	}
	rt := to.WithNullable(nullable)
	return &Call{Fn: fn, Args: []Expr{arg}, T: rt}, nil
}

// CanCast reports whether CAST(from AS to) is supported.
func CanCast(from, to *types.Type) bool {
	_, err := castFor(from, to, false)
	return err == nil
}

type castFunc func(src *types.Vector, n int, out *types.Vector) error

func bindCast(from, to *types.Type, try bool) (Kernel, error) {
	return bindCastIn(from, to, try, nil)
}

func bindCastIn(from, to *types.Type, try bool, zone *time.Location) (Kernel, error) {
	f, err := castForIn(from, to, try, zone)
	if err != nil {
		return nil, err
	}
	return func(args []*types.Vector, n int, out *types.Vector) error { return f(args[0], n, out) }, nil
}

func castTypeName(t *types.Type) string {
	s := sqlTypeName(t)
	if t.NotNull {
		s += " NOT NULL"
	}
	return s
}

func unsupportedCast(from, to *types.Type) error {
	return fmt.Errorf("Cast function cannot convert value of type %s to type %s", castTypeName(from), castTypeName(to))
}

// castValueError is the runtime error of a CAST whose input does not
// convert.
func castValueError(src *types.Vector, i int, to *types.Type) error {
	val := string(types.AppendValue(nil, src, i, types.StyleSQL))
	return fmt.Errorf("Cast function cannot convert value '%s' of type %s to type %s",
		val, src.Type.WithNullable(true), to.WithNullable(true))
}

func castFor(from, to *types.Type, try bool) (castFunc, error) {
	return castForIn(from, to, try, nil)
}

// castForIn returns the conversion; zone is the session time zone used by
// conversions involving TIMESTAMP_LTZ (nil: UTC).
func castForIn(from, to *types.Type, try bool, zone *time.Location) (castFunc, error) {
	if zone == time.UTC {
		zone = nil
	}
	castFor := func(from, to *types.Type, try bool) (castFunc, error) { return castForIn(from, to, try, zone) }
	switch {
	case isNullType(from):
		return func(src *types.Vector, n int, out *types.Vector) error { appendNulls(out, n); return nil }, nil
	case isNullType(to):
		return nil, unsupportedCast(from, to)
	case to.IsString():
		if from.IsString() || from.IsBinary() {
			return copyBytes, nil
		}
		if zone != nil {
			return castToStringIn(zone), nil
		}
		return castToString, nil
	case to.IsBinary():
		if from.IsString() || from.IsBinary() {
			return copyBytes, nil
		}
		return nil, unsupportedCast(from, to)
	case from.IsString():
		f, err := castFromString(to, try)
		if err == nil && to.Kind == types.KindTimestampLTZ && zone != nil {
			f = thenInts(f, func(local int64) int64 { return types.FromLocalMicros(local, zone) })
		}
		return f, err
	case from.Kind.Physical() == to.Kind.Physical() && !needsConversion(from, to) &&
		(from.Kind == to.Kind || from.IsNumeric() && to.IsNumeric()):
		return copyVector, nil
	}
	switch to.Kind {
	case types.KindTinyInt, types.KindSmallInt, types.KindInt, types.KindBigInt:
		switch {
		case from.IsInteger():
			return intToInt(to.Kind), nil
		case from.Kind == types.KindFloat || from.Kind == types.KindDouble:
			return floatToInt(to.Kind), nil
		case from.Kind == types.KindDecimal:
			return decimalToInt(to.Kind), nil
		case from.Kind == types.KindBoolean:
			return boolToInt, nil
		case from.Kind == types.KindTimestampLTZ:
			return ltzToInt(to.Kind), nil
		}
	case types.KindFloat, types.KindDouble:
		switch {
		case from.IsInteger():
			return intToFloat(to.Kind), nil
		case from.Kind == types.KindFloat || from.Kind == types.KindDouble:
			return floatToFloat(to.Kind), nil
		case from.Kind == types.KindDecimal:
			return decimalToFloatCast(to.Kind), nil
		case from.Kind == types.KindBoolean:
			return boolToFloat, nil
		}
	case types.KindDecimal:
		switch {
		case from.IsInteger():
			return intToDecimal(to), nil
		case from.Kind == types.KindFloat || from.Kind == types.KindDouble:
			return floatToDecimal(to, try), nil
		case from.Kind == types.KindDecimal:
			return decimalToDecimal(to), nil
		case from.Kind == types.KindBoolean:
			return boolToDecimal(to), nil
		}
	case types.KindBoolean:
		switch {
		case from.IsInteger():
			return intToBool, nil
		case from.Kind == types.KindFloat || from.Kind == types.KindDouble:
			return floatToBool, nil
		case from.Kind == types.KindDecimal:
			return decimalToBool, nil
		}
	case types.KindDate:
		if from.Kind == types.KindTimestampLTZ && zone != nil {
			return localized(zone, timestampToDate), nil
		}
		if from.IsTimestamp() {
			return timestampToDate, nil
		}
	case types.KindTime:
		if from.Kind == types.KindTimestampLTZ && zone != nil {
			return localized(zone, timestampToTime(to.Precision)), nil
		}
		if from.IsTimestamp() {
			return timestampToTime(to.Precision), nil
		}
		if from.Kind == types.KindTime {
			return timeToTime(to.Precision), nil
		}
	case types.KindTimestamp, types.KindTimestampLTZ:
		switch {
		case from.IsTimestamp():
			var shift func(int64) int64
			switch {
			case zone == nil || from.Kind == to.Kind:
			case from.Kind == types.KindTimestampLTZ:
				shift = func(us int64) int64 { return types.ToLocalMicros(us, zone) }
			default:
				shift = func(us int64) int64 { return types.FromLocalMicros(us, zone) }
			}
			return timestampToTimestamp(from.Precision, to.Precision, shift), nil
		case from.Kind == types.KindDate:
			if to.Kind == types.KindTimestampLTZ && zone != nil {
				return thenInts(dateToTimestamp, func(us int64) int64 { return types.FromLocalMicros(us, zone) }), nil
			}
			return dateToTimestamp, nil
		case from.Kind == types.KindTime:
			return timeToTimestamp, nil
		case from.IsInteger() && to.Kind == types.KindTimestampLTZ:
			return secondsToTimestamp, nil
		}
	case types.KindIntervalYearMonth, types.KindIntervalDayTime:
		if from.Kind == to.Kind {
			return copyVector, nil
		}
	case types.KindArray:
		if from.Kind == types.KindArray {
			ef, err := castFor(from.Elem, to.Elem, try)
			if err != nil {
				return nil, unsupportedCast(from, to)
			}
			return castNested(ef, nil), nil
		}
	case types.KindMap:
		if from.Kind == types.KindMap {
			kf, err := castFor(from.Key, to.Key, try)
			if err != nil {
				return nil, unsupportedCast(from, to)
			}
			vf, err := castFor(from.Elem, to.Elem, try)
			if err != nil {
				return nil, unsupportedCast(from, to)
			}
			return castNested(kf, vf), nil
		}
	case types.KindRow:
		if from.Kind == types.KindRow && len(from.Fields) == len(to.Fields) {
			fs := make([]castFunc, len(to.Fields))
			for i := range fs {
				f, err := castFor(from.Fields[i].Type, to.Fields[i].Type, try)
				if err != nil {
					return nil, unsupportedCast(from, to)
				}
				fs[i] = f
			}
			return castRow(fs), nil
		}
	}
	return nil, unsupportedCast(from, to)
}

// ---------------------------------------------------------------------------
// Copies.

func copyVector(src *types.Vector, n int, out *types.Vector) error {
	switch out.Type.Kind.Physical() {
	case types.PhysInt64:
		copy(sizeInts(out, n), src.Ints[:n])
		if len(src.Nanos) > 0 && types.HasNanos(out.Type) {
			out.Nanos = append(out.Nanos[:0], src.Nanos[:min(n, len(src.Nanos))]...)
		}
	case types.PhysFloat64:
		copy(sizeFloats(out, n), src.Floats[:n])
	case types.PhysBool:
		copy(sizeBools(out, n), src.Bools[:n])
	case types.PhysDecimal:
		r := sizeDecs(out, n)
		for i := range r {
			r[i].Set(&src.Decs[i])
		}
	case types.PhysBytes:
		return copyBytes(src, n, out)
	default:
		for i := 0; i < n; i++ {
			out.AppendFrom(src, i)
		}
		return nil
	}
	copyNulls(out, src, n)
	finish(out, n)
	return nil
}

func copyBytes(src *types.Vector, n int, out *types.Vector) error {
	start := src.Offsets[0]
	end := src.Offsets[n]
	base := int32(len(out.Data)) - start
	out.Data = append(out.Data, src.Data[start:end]...)
	for i := 1; i <= n; i++ {
		out.Offsets = append(out.Offsets, src.Offsets[i]+base)
	}
	copyNulls(out, src, n)
	out.Len = n
	return nil
}

// ---------------------------------------------------------------------------
// To and from strings.

func castToString(src *types.Vector, n int, out *types.Vector) error {
	for i := 0; i < n; i++ {
		if nullAt(src.Nulls, i) {
			appendNullBytes(out)
			continue
		}
		out.Data = types.AppendValue(out.Data, src, i, types.StyleSQL)
		endBytes(out)
	}
	return nil
}

// castToStringIn renders TIMESTAMP_LTZ values (also nested ones) in zone.
func castToStringIn(zone *time.Location) castFunc {
	return func(src *types.Vector, n int, out *types.Vector) error {
		for i := 0; i < n; i++ {
			if nullAt(src.Nulls, i) {
				appendNullBytes(out)
				continue
			}
			out.Data = types.AppendValueIn(out.Data, src, i, types.StyleSQL, zone)
			endBytes(out)
		}
		return nil
	}
}

// thenInts applies f to every value an int64-producing cast wrote.
func thenInts(c castFunc, f func(int64) int64) castFunc {
	return func(src *types.Vector, n int, out *types.Vector) error {
		if err := c(src, n, out); err != nil {
			return err
		}
		for i := range out.Ints[:n] {
			if !nullAt(out.Nulls, i) {
				out.Ints[i] = f(out.Ints[i])
			}
		}
		return nil
	}
}

// localized runs c over the TIMESTAMP_LTZ input turned into the wall clock
// of zone (a scratch vector reused across batches).
func localized(zone *time.Location, c castFunc) castFunc {
	var tmp types.Vector
	return func(src *types.Vector, n int, out *types.Vector) error {
		tmp.Type = src.Type
		tmp.Len = n
		tmp.Nulls = src.Nulls
		tmp.Nanos = src.Nanos
		r := tmp.Ints[:0]
		for _, us := range src.Ints[:n] {
			r = append(r, types.ToLocalMicros(us, zone))
		}
		tmp.Ints = r
		return c(&tmp, n, out)
	}
}

// trimBlank trims ASCII whitespace and control characters (Java's
// String.trim).
func trimBlank(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && b[i] <= ' ' {
		i++
	}
	for j > i && b[j-1] <= ' ' {
		j--
	}
	return b[i:j]
}

// parseJavaInt parses a trimmed integer the way Flink's string-to-integer
// cast does: optional sign, digits, and an ignored fractional part of
// digits only. ok is false on syntax errors and outside [lo, hi].
func parseJavaInt(b []byte, lo, hi int64) (int64, bool) {
	b = trimBlank(b)
	if len(b) == 0 {
		return 0, false
	}
	neg := false
	i := 0
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i++
	}
	start := i
	var v uint64
	limit := uint64(hi)
	if neg {
		limit = uint64(-lo)
	}
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		v = v*10 + uint64(b[i]-'0')
		if v > limit {
			return 0, false
		}
	}
	if i == start {
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b); i++ {
			if b[i] < '0' || b[i] > '9' {
				return 0, false
			}
		}
	}
	if i != len(b) {
		return 0, false
	}
	if neg {
		return -int64(v), true
	}
	return int64(v), true
}

func intRange(k types.Kind) (int64, int64) {
	switch k {
	case types.KindTinyInt:
		return math.MinInt8, math.MaxInt8
	case types.KindSmallInt:
		return math.MinInt16, math.MaxInt16
	case types.KindInt:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

func parseJavaBool(b []byte) (bool, bool) {
	b = trimBlank(b)
	if len(b) > 5 {
		return false, false
	}
	var low [5]byte
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	switch string(low[:len(b)]) {
	case "t", "true", "y", "yes", "1":
		return true, true
	case "f", "false", "n", "no", "0":
		return false, true
	}
	return false, false
}

func parseJavaDouble(b []byte) (float64, bool) {
	b = trimBlank(b)
	if len(b) > 0 {
		switch b[len(b)-1] {
		case 'd', 'D', 'f', 'F':
			b = b[:len(b)-1]
		}
	}
	if len(b) == 0 {
		return 0, false
	}
	switch string(b) {
	case "NaN":
		return math.NaN(), true
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

func parseDateCast(b []byte) (int64, bool) {
	d, err := types.ParseDateBytes(b)
	if err == nil {
		return d, true
	}
	ts, err := types.ParseTimestampBytes(b, 6)
	if err != nil {
		return 0, false
	}
	return floorDiv(ts, microsPerDay), true
}

func castFromString(to *types.Type, try bool) (castFunc, error) {
	switch to.Kind {
	case types.KindBoolean:
		return func(src *types.Vector, n int, out *types.Vector) error {
			r := sizeBools(out, n)
			copyNulls(out, src, n)
			for i := 0; i < n; i++ {
				if nullAt(src.Nulls, i) {
					continue
				}
				v, ok := parseJavaBool(bytesAt(src, i))
				if !ok {
					if !try {
						return castValueError(src, i, to)
					}
					out.SetNull(i)
				}
				r[i] = v
			}
			finish(out, n)
			return nil
		}, nil
	case types.KindTinyInt, types.KindSmallInt, types.KindInt, types.KindBigInt:
		lo, hi := intRange(to.Kind)
		return stringToInts(to, try, func(b []byte) (int64, bool) { return parseJavaInt(b, lo, hi) }), nil
	case types.KindDate:
		return stringToInts(to, try, parseDateCast), nil
	case types.KindTime:
		unit := timeUnit(to.Precision)
		return stringToInts(to, try, func(b []byte) (int64, bool) {
			ms, err := types.ParseTimeBytes(b)
			if err != nil {
				return 0, false
			}
			return ms - ms%unit, true
		}), nil
	case types.KindTimestamp, types.KindTimestampLTZ:
		p := to.Precision
		if types.HasNanos(to) {
			return stringToTimestampNanos(to, try), nil
		}
		return stringToInts(to, try, func(b []byte) (int64, bool) {
			ts, err := types.ParseTimestampBytes(b, p)
			return ts, err == nil
		}), nil
	case types.KindFloat, types.KindDouble:
		return func(src *types.Vector, n int, out *types.Vector) error {
			r := sizeFloats(out, n)
			copyNulls(out, src, n)
			for i := 0; i < n; i++ {
				if nullAt(src.Nulls, i) {
					continue
				}
				v, ok := parseJavaDouble(bytesAt(src, i))
				if !ok {
					if !try {
						return castValueError(src, i, to)
					}
					out.SetNull(i)
				}
				if to.Kind == types.KindFloat {
					v = float64(float32(v))
				}
				r[i] = v
			}
			finish(out, n)
			return nil
		}, nil
	case types.KindDecimal:
		p, s := to.Precision, to.Scale
		return func(src *types.Vector, n int, out *types.Vector) error {
			r := sizeDecs(out, n)
			copyNulls(out, src, n)
			for i := 0; i < n; i++ {
				if nullAt(src.Nulls, i) {
					continue
				}
				if err := types.ParseDecimalInto(&r[i], bytesAt(src, i), p, s); err != nil {
					if pe, ok := err.(*types.ParseError); ok && pe.Why == types.ErrDecimalOverflow.Error() || try {
						out.SetNull(i)
						continue
					}
					return castValueError(src, i, to)
				}
			}
			finish(out, n)
			return nil
		}, nil
	}
	return nil, unsupportedCast(types.String, to)
}

// stringToTimestampNanos parses TIMESTAMP(p > 6) values keeping their
// nanoseconds.
func stringToTimestampNanos(to *types.Type, try bool) castFunc {
	return func(src *types.Vector, n int, out *types.Vector) error {
		r := sizeInts(out, n)
		copyNulls(out, src, n)
		for i := 0; i < n; i++ {
			if nullAt(src.Nulls, i) {
				continue
			}
			us, ns, err := types.ParseTimestampNanosBytes(bytesAt(src, i), to.Precision)
			if err != nil {
				if !try {
					return castValueError(src, i, to)
				}
				out.SetNull(i)
				continue
			}
			r[i] = us
			out.SetNano(i, ns)
		}
		finish(out, n)
		return nil
	}
}

func stringToInts(to *types.Type, try bool, parse func([]byte) (int64, bool)) castFunc {
	return func(src *types.Vector, n int, out *types.Vector) error {
		r := sizeInts(out, n)
		copyNulls(out, src, n)
		for i := 0; i < n; i++ {
			if nullAt(src.Nulls, i) {
				r[i] = 0
				continue
			}
			v, ok := parse(bytesAt(src, i))
			if !ok {
				if !try {
					return castValueError(src, i, to)
				}
				out.SetNull(i)
			}
			r[i] = v
		}
		finish(out, n)
		return nil
	}
}

// ---------------------------------------------------------------------------
// Numeric conversions.

// narrowInts wraps values to the width of kind in place.
func narrowInts(k types.Kind, r []int64) {
	switch k {
	case types.KindTinyInt:
		for i, x := range r {
			r[i] = int64(int8(x))
		}
	case types.KindSmallInt:
		for i, x := range r {
			r[i] = int64(int16(x))
		}
	case types.KindInt:
		for i, x := range r {
			r[i] = int64(int32(x))
		}
	}
}

func intToInt(k types.Kind) castFunc {
	return func(src *types.Vector, n int, out *types.Vector) error {
		r := sizeInts(out, n)
		copy(r, src.Ints[:n])
		narrowInts(k, r)
		copyNulls(out, src, n)
		finish(out, n)
		return nil
	}
}

// javaF2I is Java's (int) double: NaN → 0, saturating.
func javaF2I(f float64) int64 {
	switch {
	case f != f:
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int64(int32(f))
}

// javaF2L is Java's (long) double.
func javaF2L(f float64) int64 {
	switch {
	case f != f:
		return 0
	case f >= 9.223372036854775807e18:
		return math.MaxInt64
	case f <= -9.223372036854775808e18:
		return math.MinInt64
	}
	return int64(f)
}

func floatToInt(k types.Kind) castFunc {
	return func(src *types.Vector, n int, out *types.Vector) error {
		r := sizeInts(out, n)
		s := src.Floats[:n]
		if k == types.KindBigInt {
			for i, f := range s {
				r[i] = javaF2L(f)
			}
		} else {
			for i, f := range s {
				r[i] = javaF2I(f)
			}
			narrowInts(k, r)
		}
		copyNulls(out, src, n)
		finish(out, n)
		return nil
	}
}

func decimalToInt(k types.Kind) castFunc {
	return func(src *types.Vector, n int, out *types.Vector) error {
		r := sizeInts(out, n)
		for i := range r {
			r[i] = decimalToInt64(&src.Decs[i])
		}
		narrowInts(k, r)
		copyNulls(out, src, n)
		finish(out, n)
		return nil
	}
}

func boolToInt(src *types.Vector, n int, out *types.Vector) error {
	r := sizeInts(out, n)
	for i, b := range src.Bools[:n] {
		if b {
			r[i] = 1
		} else {
			r[i] = 0
		}
	}
	copyNulls(out, src, n)
	finish(out, n)
	return nil
}

func ltzToInt(k types.Kind) castFunc {
	return func(src *types.Vector, n int, out *types.Vector) error {
		r := sizeInts(out, n)
		for i, x := range src.Ints[:n] {
			r[i] = floorDiv(x, 1e6)
		}
		narrowInts(k, r)
		copyNulls(out, src, n)
		finish(out, n)
		return nil
	}
}

func intToFloat(k types.Kind) castFunc {
	return func(src *types.Vector, n int, out *types.Vector) error {
		r := sizeFloats(out, n)
		if k == types.KindFloat {
			for i, x := range src.Ints[:n] {
				r[i] = float64(float32(x))
			}
		} else {
			for i, x := range src.Ints[:n] {
				r[i] = float64(x)
			}
		}
		copyNulls(out, src, n)
		finish(out, n)
		return nil
	}
}

func floatToFloat(k types.Kind) castFunc {
	return func(src *types.Vector, n int, out *types.Vector) error {
		r := sizeFloats(out, n)
		if k == types.KindFloat {
			for i, x := range src.Floats[:n] {
				r[i] = float64(float32(x))
			}
		} else {
			copy(r, src.Floats[:n])
		}
		copyNulls(out, src, n)
		finish(out, n)
		return nil
	}
}

func decimalToFloatCast(k types.Kind) castFunc {
	return func(src *types.Vector, n int, out *types.Vector) error {
		r := sizeFloats(out, n)
		for i := range r {
			f := decimalToFloat(&src.Decs[i])
			if k == types.KindFloat {
				f = float64(float32(f))
			}
			r[i] = f
		}
		copyNulls(out, src, n)
		finish(out, n)
		return nil
	}
}

func boolToFloat(src *types.Vector, n int, out *types.Vector) error {
	r := sizeFloats(out, n)
	for i, b := range src.Bools[:n] {
		if b {
			r[i] = 1
		} else {
			r[i] = 0
		}
	}
	copyNulls(out, src, n)
	finish(out, n)
	return nil
}

func intToDecimal(to *types.Type) castFunc {
	p, s := to.Precision, to.Scale
	return func(src *types.Vector, n int, out *types.Vector) error {
		r := sizeDecs(out, n)
		copyNulls(out, src, n)
		for i, x := range src.Ints[:n] {
			if !setDecimalInt(&r[i], x, p, s) {
				out.SetNull(i)
			}
		}
		finish(out, n)
		return nil
	}
}

func floatToDecimal(to *types.Type, try bool) castFunc {
	p, s := to.Precision, to.Scale
	return func(src *types.Vector, n int, out *types.Vector) error {
		r := sizeDecs(out, n)
		copyNulls(out, src, n)
		for i, f := range src.Floats[:n] {
			if nullAt(src.Nulls, i) {
				continue
			}
			ok, finite := setDecimalFloat(&r[i], f, p, s)
			if !finite && !try {
				return castValueError(src, i, to)
			}
			if !ok {
				out.SetNull(i)
			}
		}
		finish(out, n)
		return nil
	}
}

func decimalToDecimal(to *types.Type) castFunc {
	p, s := to.Precision, to.Scale
	return func(src *types.Vector, n int, out *types.Vector) error {
		r := sizeDecs(out, n)
		copyNulls(out, src, n)
		for i := range r {
			if !rescale(&r[i], &src.Decs[i], p, s, false) {
				out.SetNull(i)
			}
		}
		finish(out, n)
		return nil
	}
}

func boolToDecimal(to *types.Type) castFunc {
	p, s := to.Precision, to.Scale
	return func(src *types.Vector, n int, out *types.Vector) error {
		r := sizeDecs(out, n)
		copyNulls(out, src, n)
		for i, b := range src.Bools[:n] {
			x := int64(0)
			if b {
				x = 1
			}
			if !setDecimalInt(&r[i], x, p, s) {
				out.SetNull(i)
			}
		}
		finish(out, n)
		return nil
	}
}

func intToBool(src *types.Vector, n int, out *types.Vector) error {
	r := sizeBools(out, n)
	for i, x := range src.Ints[:n] {
		r[i] = x != 0
	}
	copyNulls(out, src, n)
	finish(out, n)
	return nil
}

func floatToBool(src *types.Vector, n int, out *types.Vector) error {
	r := sizeBools(out, n)
	for i, x := range src.Floats[:n] {
		r[i] = x != 0
	}
	copyNulls(out, src, n)
	finish(out, n)
	return nil
}

func decimalToBool(src *types.Vector, n int, out *types.Vector) error {
	r := sizeBools(out, n)
	for i := range r {
		r[i] = !src.Decs[i].IsZero()
	}
	copyNulls(out, src, n)
	finish(out, n)
	return nil
}

// ---------------------------------------------------------------------------
// Date-time conversions.

const (
	microsPerDay = 86400 * 1e6
	millisPerDay = 86400 * 1000
)

// timestampUnit is the µs granularity of a timestamp precision.
func timestampUnit(p int) int64 {
	u := int64(1)
	for j := p; j < 6; j++ {
		u *= 10
	}
	return u
}

// timeUnit is the ms granularity of a TIME precision.
func timeUnit(p int) int64 {
	u := int64(1)
	for j := p; j < 3; j++ {
		u *= 10
	}
	return u
}

func mapInts(src *types.Vector, n int, out *types.Vector, f func(int64) int64) error {
	r := sizeInts(out, n)
	for i, x := range src.Ints[:n] {
		r[i] = f(x)
	}
	copyNulls(out, src, n)
	finish(out, n)
	return nil
}

func timestampToDate(src *types.Vector, n int, out *types.Vector) error {
	return mapInts(src, n, out, func(us int64) int64 { return floorDiv(us, microsPerDay) })
}

func timestampToTime(p int) castFunc {
	unit := timeUnit(p)
	return func(src *types.Vector, n int, out *types.Vector) error {
		return mapInts(src, n, out, func(us int64) int64 {
			ms := floorMod(us, microsPerDay) / 1000
			return ms - ms%unit
		})
	}
}

func timeToTime(p int) castFunc {
	unit := timeUnit(p)
	return func(src *types.Vector, n int, out *types.Vector) error {
		return mapInts(src, n, out, func(ms int64) int64 { return ms - ms%unit })
	}
}

// timestampToTimestamp changes a timestamp's precision from p to q as
// Flink's DateTimeUtils.truncate, after shift (nil: none) moved it between
// an instant and a wall clock.
func timestampToTimestamp(p, q int, shift func(int64) int64) castFunc {
	keepNanos := q > 6 && p > 6
	return func(src *types.Vector, n int, out *types.Vector) error {
		r := sizeInts(out, n)
		copy(r, src.Ints[:n])
		if shift != nil {
			for i, us := range r {
				r[i] = shift(us)
			}
		}
		if keepNanos && len(src.Nanos) > 0 {
			for i := 0; i < n; i++ {
				ns := src.NanoAt(i)
				if q < p && floorMod(r[i], 1e6)*1000+ns >= pow10[q] {
					ns -= ns % pow10[9-q]
				}
				out.SetNano(i, ns)
			}
		}
		if q < p {
			for i, us := range r {
				r[i] = truncateMicros(us, src.NanoAt(i), q)
			}
		}
		copyNulls(out, src, n)
		finish(out, n)
		return nil
	}
}

var pow10 = [...]int64{1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// truncateMicros is the µs part of Flink's DateTimeUtils.truncate(ts, q)
// for a value us + nanos/1000: nothing changes when the nanosecond of
// second, written without leading zeros, has at most q digits; otherwise
// q <= 3 zeroes the last 3-q digits of the epoch milliseconds (truncating
// toward zero, as Java's division) and q in 4..6 the last digits of the
// nanosecond of millisecond.
func truncateMicros(us, nanos int64, q int) int64 {
	nos := floorMod(us, 1e6)*1000 + nanos
	if nos < pow10[q] {
		return us // Integer.toString(nano).length() <= q
	}
	if q <= 3 {
		ms := floorDiv(us, 1000)
		u := pow10[3-q]
		return ms / u * u * 1000
	}
	if q >= 6 {
		return us
	}
	u := pow10[6-q]
	return us - floorMod(us, u)
}

func dateToTimestamp(src *types.Vector, n int, out *types.Vector) error {
	r := sizeInts(out, n)
	for i, d := range src.Ints[:n] {
		r[i] = d * microsPerDay
	}
	copyNulls(out, src, n)
	finish(out, n)
	return nil
}

func timeToTimestamp(src *types.Vector, n int, out *types.Vector) error {
	r := sizeInts(out, n)
	for i, ms := range src.Ints[:n] {
		r[i] = ms * 1000
	}
	copyNulls(out, src, n)
	finish(out, n)
	return nil
}

func secondsToTimestamp(src *types.Vector, n int, out *types.Vector) error {
	r := sizeInts(out, n)
	for i, s := range src.Ints[:n] {
		r[i] = s * 1e6
	}
	copyNulls(out, src, n)
	finish(out, n)
	return nil
}

// ---------------------------------------------------------------------------
// Collections.

// castNested casts ARRAY elements (vf nil) or MAP keys and values.
func castNested(kf, vf castFunc) castFunc {
	return func(src *types.Vector, n int, out *types.Vector) error {
		keys := src.Children[0]
		if err := kf(keys, keys.Len, out.Children[0]); err != nil {
			return err
		}
		if vf != nil {
			vals := src.Children[1]
			if err := vf(vals, vals.Len, out.Children[1]); err != nil {
				return err
			}
		}
		base := src.Offsets[0]
		for i := 1; i <= n; i++ {
			out.Offsets = append(out.Offsets, src.Offsets[i]-base)
		}
		copyNulls(out, src, n)
		out.Len = n
		return nil
	}
}

func castRow(fs []castFunc) castFunc {
	return func(src *types.Vector, n int, out *types.Vector) error {
		for k, f := range fs {
			if err := f(src.Children[k], n, out.Children[k]); err != nil {
				return err
			}
		}
		copyNulls(out, src, n)
		out.Len = n
		return nil
	}
}
