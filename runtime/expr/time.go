package expr

import (
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"github.com/flinkgo/engine/runtime/types"
)

// Date-time functions. Timestamps are µs since epoch; TIMESTAMP_LTZ values
// are instants (µs since epoch in UTC). Functions reading parts of a
// TIMESTAMP_LTZ (EXTRACT, HOUR, DATE_FORMAT, ...) see the wall clock of the
// session time zone (Function.LocalArgs); LOCALTIMESTAMP, CURRENT_DATE,
// CURRENT_TIME, LOCALTIME, FROM_UNIXTIME and UNIX_TIMESTAMP(s) use that
// zone too (Function.BindZoned).
//
// Units are passed as a STRING first argument ('YEAR', 'MONTH', ...),
// case-insensitive: EXTRACT(unit, t), TIMESTAMPADD(unit, n, t),
// TIMESTAMPDIFF(unit, t1, t2), and FLOOR(t, unit) / CEIL(t, unit) (numeric
// FLOOR/CEIL live in numeric.go). With a literal unit the unit is checked at
// plan time.

var clockFn atomic.Pointer[func() int64]

// registerZoned registers the function mk(nil) describes, binding it with
// mk(zone) for a call's session time zone.
func registerZoned(name string, mk func(zone *time.Location) fnSpec) {
	f := mk(nil).function(name)
	f.BindZoned = func(args []*types.Type, ret *types.Type, zone *time.Location) (Kernel, error) {
		return mk(zone).function(name).Bind(args, ret)
	}
	Register(f)
}

// SetClock replaces the wall clock read by NOW(), CURRENT_TIMESTAMP,
// LOCALTIMESTAMP, CURRENT_DATE, CURRENT_TIME, PROCTIME(), UNIX_TIMESTAMP()
// (µs since epoch); nil restores the system clock. For tests.
func SetClock(f func() int64) {
	if f == nil {
		clockFn.Store(nil)
		return
	}
	clockFn.Store(&f)
}

func nowMicros() int64 {
	if p := clockFn.Load(); p != nil {
		return (*p)()
	}
	return time.Now().UnixMicro()
}

type timeUnitKind uint8

const (
	unitInvalid timeUnitKind = iota
	unitYear
	unitQuarter
	unitMonth
	unitWeek
	unitDay
	unitHour
	unitMinute
	unitSecond
	unitMillisecond
	unitMicrosecond
	unitNanosecond
	unitDow
	unitIsoDow
	unitDoy
	unitEpoch
	unitDecade
	unitCentury
	unitMillennium
	unitIsoYear
)

var unitNames = map[string]timeUnitKind{
	"YEAR": unitYear, "YEARS": unitYear, "SQL_TSI_YEAR": unitYear,
	"QUARTER": unitQuarter, "SQL_TSI_QUARTER": unitQuarter,
	"MONTH": unitMonth, "MONTHS": unitMonth, "SQL_TSI_MONTH": unitMonth,
	"WEEK": unitWeek, "WEEKS": unitWeek, "SQL_TSI_WEEK": unitWeek,
	"DAY": unitDay, "DAYS": unitDay, "SQL_TSI_DAY": unitDay, "DAYOFMONTH": unitDay,
	"HOUR": unitHour, "HOURS": unitHour, "SQL_TSI_HOUR": unitHour,
	"MINUTE": unitMinute, "MINUTES": unitMinute, "SQL_TSI_MINUTE": unitMinute,
	"SECOND": unitSecond, "SECONDS": unitSecond, "SQL_TSI_SECOND": unitSecond,
	"MILLISECOND": unitMillisecond, "MILLISECONDS": unitMillisecond,
	"MICROSECOND": unitMicrosecond, "MICROSECONDS": unitMicrosecond, "FRAC_SECOND": unitMicrosecond,
	"NANOSECOND": unitNanosecond,
	"DOW":        unitDow, "DAYOFWEEK": unitDow, "ISODOW": unitIsoDow,
	"DOY": unitDoy, "DAYOFYEAR": unitDoy, "EPOCH": unitEpoch,
	"DECADE": unitDecade, "CENTURY": unitCentury, "MILLENNIUM": unitMillennium,
	"ISOYEAR": unitIsoYear,
}

func parseUnit(b []byte) timeUnitKind {
	var buf [16]byte
	if len(b) > len(buf) {
		return unitInvalid
	}
	u := buf[:len(b)]
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		u[i] = c
	}
	return unitNames[string(u)]
}

// unitCache parses the unit argument once per distinct text.
type unitCache struct {
	key  strCache
	unit timeUnitKind
}

func (c *unitCache) get(b []byte) timeUnitKind {
	if !c.key.hit(b) {
		c.unit = parseUnit(b)
	}
	return c.unit
}

// checkUnitLiteral validates a literal unit argument at plan time.
func checkUnitLiteral(e Expr, allowed func(timeUnitKind) bool) (timeUnitKind, error) {
	s, ok := LiteralStringValue(e)
	if !ok {
		return unitInvalid, nil
	}
	u := parseUnit([]byte(strings.TrimSpace(s)))
	if u == unitInvalid || !allowed(u) {
		return unitInvalid, fmt.Errorf("Invalid time unit '%s'", s)
	}
	return u, nil
}

func init() {
	// Current time. conv turns the current instant into the value; the
	// local forms read the wall clock of the session time zone.
	nowFn := func(name string, t *types.Type, conv func(us int64, zone *time.Location) int64) {
		mk := func(zone *time.Location) fnSpec {
			return fnSpec{name: name, params: "", ret: retFixed(t), nondet: true, bind: fixed(func() Kernel {
				return func(args []*types.Vector, n int, out *types.Vector) error {
					v := conv(nowMicros(), zone)
					r := sizeInts(out, n)
					for i := range r {
						r[i] = v
					}
					out.Nulls = out.Nulls[:0]
					out.Len = n
					return nil
				}
			})}
		}
		registerZoned(name, mk)
	}
	toMillis := func(us int64, _ *time.Location) int64 { return us - floorMod(us, 1000) }
	localMillis := func(us int64, zone *time.Location) int64 { return toMillis(types.ToLocalMicros(us, zone), nil) }
	ltz3 := types.TimestampLTZ3.WithNullable(false)
	nowFn("NOW", ltz3, toMillis)
	nowFn("CURRENT_TIMESTAMP", ltz3, toMillis)
	nowFn("CURRENT_ROW_TIMESTAMP", ltz3, toMillis)
	nowFn("PROCTIME", ltz3.WithTimeAttr(types.ProcTime), toMillis)
	nowFn("LOCALTIMESTAMP", types.Timestamp3.WithNullable(false), localMillis)
	nowFn("CURRENT_DATE", types.Date.WithNullable(false), func(us int64, zone *time.Location) int64 {
		return floorDiv(types.ToLocalMicros(us, zone), microsPerDay)
	})
	timeOfDay := func(us int64, zone *time.Location) int64 {
		ms := floorMod(types.ToLocalMicros(us, zone), microsPerDay) / 1000
		return ms - ms%1000
	}
	nowFn("CURRENT_TIME", (&types.Type{Kind: types.KindTime}).WithNullable(false), timeOfDay)
	nowFn("LOCALTIME", (&types.Type{Kind: types.KindTime}).WithNullable(false), timeOfDay)
	registerZoned("UNIX_TIMESTAMP", func(zone *time.Location) fnSpec {
		return fnSpec{name: "UNIX_TIMESTAMP", params: "ss", nondet: true,
			ret: func(args []*types.Type) *types.Type {
				if len(args) == 0 {
					return types.BigInt.WithNullable(false)
				}
				return nullableIf(types.BigInt, args)
			}, bind: fixed(func() Kernel { return unixTimestampKernel(zone) })}
	})

	// Parsing and formatting.
	fnSpec{name: "TO_TIMESTAMP", params: "Ss", ret: retNullable(types.Timestamp3), bind: fixed(func() Kernel { return parseTimeKernel(false, 3) })}.register()
	fnSpec{name: "TO_DATE", params: "Ss", ret: retNullable(types.Date), bind: fixed(func() Kernel { return parseTimeKernel(true, 0) })}.register()
	fnSpec{name: "TO_TIMESTAMP_LTZ", params: "Aa", ret: retNullable(types.TimestampLTZ3), check: toLTZCheck, bind: toLTZBind}.register()
	fnSpec{name: "DATE_FORMAT", params: "AS", ret: retString, check: func(args []*types.Type) error {
		if !args[0].IsTimestamp() && !args[0].IsString() && args[0].Kind != types.KindDate {
			return applyError("DATE_FORMAT", false, args, "DATE_FORMAT(<TIMESTAMP>, <CHARACTER>)", "DATE_FORMAT(<CHARACTER>, <CHARACTER>)")
		}
		return nil
	}, bind: dateFormatBind}.register()
	registerZoned("FROM_UNIXTIME", func(zone *time.Location) fnSpec {
		return fnSpec{name: "FROM_UNIXTIME", params: "Ns", ret: retString, bind: func(args []*types.Type, ret *types.Type) (Kernel, error) {
			return coerceArgs(fromUnixtimeKernel(zone), args, []*types.Type{types.BigInt})
		}}
	})

	// EXTRACT and its shorthands.
	extract := fnSpec{name: "EXTRACT", params: "SD", ret: func(args []*types.Type) *types.Type {
		return nullableIf(types.BigInt, args[1:])
	}, bind: func(args []*types.Type, ret *types.Type) (Kernel, error) {
		return extractKernel(args[1], unitInvalid), nil
	}}.function("EXTRACT")
	extract.InferArgs = func(args []Expr) (*types.Type, error) {
		if len(args) == 2 {
			if _, err := checkUnitLiteral(args[0], func(timeUnitKind) bool { return true }); err != nil {
				return nil, err
			}
		}
		ts := []*types.Type{}
		for _, a := range args {
			ts = append(ts, a.Type())
		}
		return extract.Infer(ts)
	}
	Register(extract)
	for _, s := range []struct {
		name string
		unit timeUnitKind
	}{{"YEAR", unitYear}, {"QUARTER", unitQuarter}, {"MONTH", unitMonth}, {"WEEK", unitWeek},
		{"DAYOFMONTH", unitDay}, {"HOUR", unitHour}, {"MINUTE", unitMinute}, {"SECOND", unitSecond},
		{"DAYOFWEEK", unitDow}, {"DAYOFYEAR", unitDoy}} {
		unit := s.unit
		fnSpec{name: s.name, params: "T", ret: retBigInt, bind: func(args []*types.Type, ret *types.Type) (Kernel, error) {
			return extractKernel(args[0], unit), nil
		}}.register()
	}

	// TIMESTAMPADD / TIMESTAMPDIFF.
	add := fnSpec{name: "TIMESTAMPADD", params: "SIT", ret: func(args []*types.Type) *types.Type {
		return nullableIf(plain(args[2]), args)
	}, bind: timestampAddBind}.function("TIMESTAMPADD")
	add.InferArgs = func(args []Expr) (*types.Type, error) {
		ts := make([]*types.Type, len(args))
		for i, a := range args {
			ts[i] = a.Type()
		}
		t, err := add.Infer(ts)
		if err != nil || len(args) != 3 {
			return t, err
		}
		u, err := checkUnitLiteral(args[0], func(u timeUnitKind) bool { return u >= unitYear && u <= unitMicrosecond })
		if err != nil {
			return nil, err
		}
		if t.Kind == types.KindDate && u >= unitHour {
			p := 0
			if u == unitMillisecond {
				p = 3
			} else if u == unitMicrosecond {
				p = 6
			}
			return types.Timestamp(p).WithNullable(t.Nullable()), nil
		}
		return t, nil
	}
	Register(add)
	diff := fnSpec{name: "TIMESTAMPDIFF", params: "STT", ret: retInt, check: func(args []*types.Type) error {
		if (args[1].Kind == types.KindTime) != (args[2].Kind == types.KindTime) {
			return applyError("TIMESTAMPDIFF", false, args, "TIMESTAMPDIFF(<ANY>, <DATETIME>, <DATETIME>)")
		}
		return nil
	}, bind: timestampDiffBind}.function("TIMESTAMPDIFF")
	diff.InferArgs = func(args []Expr) (*types.Type, error) {
		if len(args) == 3 {
			if _, err := checkUnitLiteral(args[0], func(u timeUnitKind) bool { return u >= unitYear && u <= unitMicrosecond }); err != nil {
				return nil, err
			}
		}
		ts := make([]*types.Type, len(args))
		for i, a := range args {
			ts[i] = a.Type()
		}
		return diff.Infer(ts)
	}
	Register(diff)

	// Parts of a TIMESTAMP_LTZ are those of its wall clock in the session
	// time zone.
	for _, name := range []string{"DATE_FORMAT", "EXTRACT", "YEAR", "QUARTER", "MONTH", "WEEK", "DAYOFMONTH",
		"HOUR", "MINUTE", "SECOND", "DAYOFWEEK", "DAYOFYEAR"} {
		registry[name].LocalArgs = true
	}
}

// ---------------------------------------------------------------------------
// UNIX_TIMESTAMP, TO_TIMESTAMP, TO_DATE, TO_TIMESTAMP_LTZ, DATE_FORMAT,
// FROM_UNIXTIME

// unixTimestampKernel: UNIX_TIMESTAMP() is the current epoch second;
// UNIX_TIMESTAMP(s[, fmt]) parses s (default 'yyyy-MM-dd HH:mm:ss') and
// gives Long.MIN_VALUE when it does not parse, as Flink does.
func unixTimestampKernel(zone *time.Location) Kernel {
	var fc formatCache
	parse := intKernel(func(args []*types.Vector, i int) (int64, bool) {
		f := defaultDateTimeFormat
		if len(args) > 1 {
			f = fc.get(bytesAt(args[1], i))
		}
		us, ok := f.parsePrefix(bytesAt(args[0], i))
		if !ok {
			return math.MinInt64, true
		}
		return floorDiv(types.FromLocalMicros(us, zone), 1e6), true
	})
	return func(args []*types.Vector, n int, out *types.Vector) error {
		if len(args) > 0 {
			return parse(args, n, out)
		}
		v := floorDiv(nowMicros(), 1e6)
		r := sizeInts(out, n)
		for i := range r {
			r[i] = v
		}
		out.Len = n
		return nil
	}
}

// parseTimeKernel implements TO_TIMESTAMP / TO_DATE: NULL when the string
// does not parse.
func parseTimeKernel(date bool, precision int) Kernel {
	var fc formatCache
	unit := timestampUnit(precision)
	return intKernel(func(args []*types.Vector, i int) (int64, bool) {
		s := bytesAt(args[0], i)
		var us int64
		if len(args) > 1 {
			var ok bool
			us, ok = fc.get(bytesAt(args[1], i)).parse(s)
			if !ok {
				return 0, false
			}
		} else if date {
			d, err := types.ParseDateBytes(s)
			return d, err == nil
		} else {
			var err error
			us, err = types.ParseTimestampBytes(s, 6)
			if err != nil {
				return 0, false
			}
		}
		if date {
			return floorDiv(us, microsPerDay), true
		}
		return us - floorMod(us, unit), true
	})
}

func toLTZCheck(args []*types.Type) error {
	ok := false
	switch {
	case args[0].IsNumeric():
		ok = len(args) == 1 || args[1].IsInteger()
	case args[0].IsString():
		ok = len(args) == 1 || args[1].IsString()
	}
	if !ok {
		return applyError("TO_TIMESTAMP_LTZ", false, args, "TO_TIMESTAMP_LTZ(<NUMERIC>, <INTEGER>)", "TO_TIMESTAMP_LTZ(<CHARACTER>[, <CHARACTER>])")
	}
	return nil
}

// toLTZBind: TO_TIMESTAMP_LTZ(n[, precision]) reads epoch seconds
// (precision 0) or milliseconds (3, the default); TO_TIMESTAMP_LTZ(s[,
// fmt]) parses s in UTC.
func toLTZBind(args []*types.Type, ret *types.Type) (Kernel, error) {
	if args[0].IsString() {
		return parseTimeKernel(false, 3), nil
	}
	k := floatKernelToLTZ()
	to := []*types.Type{types.Double, nil}
	if args[0].IsInteger() {
		k = intKernelToLTZ()
		to[0] = nil
	}
	return coerceArgs(k, args, to)
}

func ltzPrecision(args []*types.Vector, i int) (int64, bool) {
	if len(args) < 2 {
		return 3, true
	}
	p := args[1].Ints[i]
	return p, p == 0 || p == 3
}

func intKernelToLTZ() Kernel {
	return intKernel(func(args []*types.Vector, i int) (int64, bool) {
		p, ok := ltzPrecision(args, i)
		if !ok {
			return 0, false
		}
		v := args[0].Ints[i]
		if p == 0 {
			return v * 1e6, true
		}
		return v * 1000, true
	})
}

func floatKernelToLTZ() Kernel {
	return intKernel(func(args []*types.Vector, i int) (int64, bool) {
		p, ok := ltzPrecision(args, i)
		if !ok {
			return 0, false
		}
		v := args[0].Floats[i]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, false
		}
		if p == 0 {
			v *= 1000
		}
		return int64(v) * 1000, true
	})
}

func dateFormatBind(args []*types.Type, ret *types.Type) (Kernel, error) {
	kind := args[0].Kind
	var fc formatCache
	return strKernel(func(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
		var us int64
		switch {
		case kind == types.KindDate:
			us = args[0].Ints[i] * microsPerDay
		case kind == types.KindChar || kind == types.KindVarChar:
			v, err := types.ParseTimestampBytes(bytesAt(args[0], i), 6)
			if err != nil {
				return dst, false
			}
			us = v
		default:
			return fc.get(bytesAt(args[1], i)).formatNanos(dst, args[0].Ints[i], args[0].NanoAt(i)), true
		}
		return fc.get(bytesAt(args[1], i)).format(dst, us), true
	}), nil
}

func fromUnixtimeKernel(zone *time.Location) Kernel {
	var fc formatCache
	return strKernel(func(args []*types.Vector, i int, dst []byte) ([]byte, bool) {
		f := defaultDateTimeFormat
		if len(args) > 1 {
			f = fc.get(bytesAt(args[1], i))
		}
		return f.format(dst, types.ToLocalMicros(args[0].Ints[i]*1e6, zone)), true
	})
}

// ---------------------------------------------------------------------------
// EXTRACT

// toMicros converts a date-time value of kind k to µs since epoch.
func toMicros(k types.Kind, v int64) int64 {
	switch k {
	case types.KindDate:
		return v * microsPerDay
	case types.KindTime:
		return v * 1000
	}
	return v
}

// extractField computes one field of a µs timestamp.
func extractField(u timeUnitKind, us int64) (int64, bool) {
	days := floorDiv(us, microsPerDay)
	tod := us - days*microsPerDay
	switch u {
	case unitHour:
		return tod / 3600e6, true
	case unitMinute:
		return tod / 60e6 % 60, true
	case unitSecond:
		return tod / 1e6 % 60, true
	case unitMillisecond:
		return tod / 1000 % 60000, true
	case unitMicrosecond:
		return tod % 60e6, true
	case unitNanosecond:
		return tod % 60e6 * 1000, true
	case unitEpoch:
		return floorDiv(us, 1e6), true
	case unitDow:
		return floorMod(days+4, 7) + 1, true
	case unitIsoDow:
		return floorMod(days+3, 7) + 1, true
	case unitWeek:
		_, w := isoWeek(days)
		return int64(w), true
	case unitIsoYear:
		y, _ := isoWeek(days)
		return y, true
	}
	y, m, d := types.CivilFromDays(days)
	switch u {
	case unitYear:
		return y, true
	case unitQuarter:
		return int64((m-1)/3 + 1), true
	case unitMonth:
		return int64(m), true
	case unitDay:
		return int64(d), true
	case unitDoy:
		return days - types.DaysFromCivil(y, 1, 1) + 1, true
	case unitDecade:
		return floorDiv(y, 10), true
	case unitCentury:
		if y > 0 {
			return (y + 99) / 100, true
		}
		return -((-y)/100 + 1), true
	case unitMillennium:
		if y > 0 {
			return (y + 999) / 1000, true
		}
		return -((-y)/1000 + 1), true
	}
	return 0, false
}

// extractInterval computes a field of an interval value.
func extractInterval(k types.Kind, u timeUnitKind, v int64) (int64, bool) {
	if k == types.KindIntervalYearMonth {
		switch u {
		case unitYear:
			return v / 12, true
		case unitMonth:
			return v % 12, true
		case unitQuarter:
			return v % 12 / 3, true
		}
		return 0, false
	}
	switch u {
	case unitDay:
		return v / millisPerDay, true
	case unitHour:
		return v / 3600000 % 24, true
	case unitMinute:
		return v / 60000 % 60, true
	case unitSecond:
		return v / 1000 % 60, true
	case unitMillisecond:
		return v % 60000, true
	case unitEpoch:
		return v / 1000, true
	}
	return 0, false
}

// extractKernel builds EXTRACT (unit read from args[0]) or a shorthand
// (fixed unit, the value in args[0]).
func extractKernel(t *types.Type, fixedUnit timeUnitKind) Kernel {
	kind := t.Kind
	var uc unitCache
	return func(args []*types.Vector, n int, out *types.Vector) error {
		v := args[len(args)-1]
		r := sizeInts(out, n)
		unionNulls(out, n, args...)
		for i := range r {
			if nullAt(out.Nulls, i) {
				r[i] = 0
				continue
			}
			u := fixedUnit
			if u == unitInvalid {
				u = uc.get(bytesAt(args[0], i))
			}
			var x int64
			var ok bool
			if kind == types.KindIntervalYearMonth || kind == types.KindIntervalDayTime {
				x, ok = extractInterval(kind, u, v.Ints[i])
			} else {
				x, ok = extractField(u, toMicros(kind, v.Ints[i]))
				if u == unitNanosecond {
					x += v.NanoAt(i)
				}
			}
			if !ok {
				return fmt.Errorf("Invalid time unit '%s' for EXTRACT from %s", bytesAt(args[0], i), t)
			}
			r[i] = x
		}
		finish(out, n)
		return nil
	}
}

// ---------------------------------------------------------------------------
// TIMESTAMPADD / TIMESTAMPDIFF

var unitMicros = map[timeUnitKind]int64{
	unitWeek: 7 * microsPerDay, unitDay: microsPerDay, unitHour: 3600e6, unitMinute: 60e6,
	unitSecond: 1e6, unitMillisecond: 1000, unitMicrosecond: 1,
}

func unitMonths(u timeUnitKind) int64 {
	switch u {
	case unitYear:
		return 12
	case unitQuarter:
		return 3
	case unitMonth:
		return 1
	}
	return 0
}

func timestampAddBind(args []*types.Type, ret *types.Type) (Kernel, error) {
	kind := ret.Kind
	var uc unitCache
	k := func(args []*types.Vector, n int, out *types.Vector) error {
		r := sizeInts(out, n)
		unionNulls(out, n, args...)
		for i := range r {
			if nullAt(out.Nulls, i) {
				r[i] = 0
				continue
			}
			u := uc.get(bytesAt(args[0], i))
			amount, x := args[1].Ints[i], args[2].Ints[i]
			if m := unitMonths(u); m != 0 {
				switch kind {
				case types.KindDate:
					r[i] = addMonthsDays(x, amount*m)
				case types.KindTime:
					r[i] = x
				default:
					r[i] = addMonths(x, amount*m)
				}
				continue
			}
			step, ok := unitMicros[u]
			if !ok {
				return fmt.Errorf("Invalid time unit '%s' for TIMESTAMPADD", bytesAt(args[0], i))
			}
			switch kind {
			case types.KindDate:
				r[i] = x + amount*step/microsPerDay
			case types.KindTime:
				r[i] = floorMod(x+amount*step/1000, millisPerDay)
			default:
				r[i] = x + amount*step
			}
		}
		if nanos := args[2].Nanos; len(nanos) > 0 && types.HasNanos(ret) {
			out.Nanos = append(out.Nanos[:0], nanos[:min(n, len(nanos))]...)
		}
		finish(out, n)
		return nil
	}
	to := []*types.Type{nil, nil, nil}
	if args[2].Kind != ret.Kind {
		to[2] = ret // DATE → TIMESTAMP for sub-day units
	}
	return coerceArgs(k, args, to)
}

func timestampDiffBind(args []*types.Type, ret *types.Type) (Kernel, error) {
	k1, k2 := args[1].Kind, args[2].Kind
	var uc unitCache
	return func(args []*types.Vector, n int, out *types.Vector) error {
		r := sizeInts(out, n)
		unionNulls(out, n, args...)
		for i := range r {
			if nullAt(out.Nulls, i) {
				r[i] = 0
				continue
			}
			u := uc.get(bytesAt(args[0], i))
			a, b := toMicros(k1, args[1].Ints[i]), toMicros(k2, args[2].Ints[i])
			var v int64
			if m := unitMonths(u); m != 0 {
				v = monthsBetween(a, b) / m
			} else if step, ok := unitMicros[u]; ok {
				v = (b - a) / step
			} else {
				return fmt.Errorf("Invalid time unit '%s' for TIMESTAMPDIFF", bytesAt(args[0], i))
			}
			r[i] = int64(int32(v))
		}
		finish(out, n)
		return nil
	}, nil
}

// monthsBetween counts whole months from a to b (truncated toward zero).
func monthsBetween(a, b int64) int64 {
	da, db := floorDiv(a, microsPerDay), floorDiv(b, microsPerDay)
	ya, ma, dda := types.CivilFromDays(da)
	yb, mb, ddb := types.CivilFromDays(db)
	months := (yb*12 + int64(mb)) - (ya*12 + int64(ma))
	restA := int64(dda-1)*microsPerDay + (a - da*microsPerDay)
	restB := int64(ddb-1)*microsPerDay + (b - db*microsPerDay)
	if months > 0 && restB < restA {
		months--
	} else if months < 0 && restB > restA {
		months++
	}
	return months
}

// ---------------------------------------------------------------------------
// FLOOR(t, unit) / CEIL(t, unit)

// floorMicros truncates µs to the start of the unit (weeks start Sunday as
// in Calcite).
func floorMicros(u timeUnitKind, us int64) (int64, bool) {
	if step, ok := unitMicros[u]; ok && u != unitWeek {
		return us - floorMod(us, step), true
	}
	days := floorDiv(us, microsPerDay)
	y, m, _ := types.CivilFromDays(days)
	switch u {
	case unitWeek:
		return (days - floorMod(days+4, 7)) * microsPerDay, true
	case unitMonth:
		return types.DaysFromCivil(y, m, 1) * microsPerDay, true
	case unitQuarter:
		return types.DaysFromCivil(y, (m-1)/3*3+1, 1) * microsPerDay, true
	case unitYear:
		return types.DaysFromCivil(y, 1, 1) * microsPerDay, true
	case unitDecade:
		return types.DaysFromCivil(floorDiv(y, 10)*10, 1, 1) * microsPerDay, true
	case unitCentury:
		return types.DaysFromCivil(floorDiv(y-1, 100)*100+1, 1, 1) * microsPerDay, true
	case unitMillennium:
		return types.DaysFromCivil(floorDiv(y-1, 1000)*1000+1, 1, 1) * microsPerDay, true
	}
	return 0, false
}

func ceilMicros(u timeUnitKind, us int64) (int64, bool) {
	f, ok := floorMicros(u, us)
	if !ok || f == us {
		return f, ok
	}
	if step, ok := unitMicros[u]; ok {
		return f + step, true
	}
	switch u {
	case unitMonth:
		return addMonths(f, 1), true
	case unitQuarter:
		return addMonths(f, 3), true
	case unitYear:
		return addMonths(f, 12), true
	case unitDecade:
		return addMonths(f, 120), true
	case unitCentury:
		return addMonths(f, 1200), true
	case unitMillennium:
		return addMonths(f, 12000), true
	}
	return 0, false
}

func timeFloorBind(ceil bool, args []*types.Type, ret *types.Type) (Kernel, error) {
	kind := args[0].Kind
	var uc unitCache
	k := func(args []*types.Vector, n int, out *types.Vector) error {
		r := sizeInts(out, n)
		unionNulls(out, n, args...)
		for i := range r {
			if nullAt(out.Nulls, i) {
				r[i] = 0
				continue
			}
			u := uc.get(bytesAt(args[1], i))
			us := toMicros(kind, args[0].Ints[i])
			var v int64
			var ok bool
			if ceil {
				v, ok = ceilMicros(u, us)
			} else {
				v, ok = floorMicros(u, us)
			}
			if !ok {
				return fmt.Errorf("Invalid time unit '%s' for FLOOR/CEIL", bytesAt(args[1], i))
			}
			switch kind {
			case types.KindDate:
				v = floorDiv(v, microsPerDay)
			case types.KindTime:
				v = floorMod(v, microsPerDay) / 1000
			}
			r[i] = v
		}
		finish(out, n)
		return nil
	}
	return coerceArgs(k, args, nullTargets(args, types.String))
}
