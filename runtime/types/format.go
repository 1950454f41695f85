package types

import (
	"math"
	"strconv"
	"time"
)

// Style selects how AppendValue renders a value.
type Style uint8

const (
	// StyleSQL is Flink's SQL rendering: CAST(x AS STRING), tableau and
	// changelog result views. NULL renders "NULL" (callers showing tables
	// check IsNull themselves and print their own marker), booleans
	// TRUE/FALSE, timestamps "2020-01-01 12:34:56.123" padded to the type
	// precision, bytes x'0a0b', nested rows (1, abc).
	StyleSQL Style = iota
	// StylePrint is the rendering of the print connector, i.e. Java's
	// toString of Flink's external data structures (Row.toString): NULL
	// renders "null", booleans true/false, TIMESTAMP as LocalDateTime,
	// TIMESTAMP_LTZ as Instant, bytes as Arrays.toString, nested rows
	// +I[1, abc], intervals as Duration/Period.
	StylePrint
)

// NullText returns what AppendValue writes for a NULL in the style.
func (s Style) NullText() string {
	if s == StylePrint {
		return "null"
	}
	return "NULL"
}

// AppendRowPrint renders row of b as Flink's print sink does:
// "+I[1, Hello]" (row kind short string, then fields joined by ", ").
func AppendRowPrint(dst []byte, b *Batch, row int) []byte {
	dst = append(dst, b.Kind(row).String()...)
	dst = append(dst, '[')
	for c, v := range b.Cols {
		if c > 0 {
			dst = append(dst, ", "...)
		}
		dst = AppendValue(dst, v, row, StylePrint)
	}
	return append(dst, ']')
}

// AppendValue appends the text of row i of v in the given style, showing
// TIMESTAMP_LTZ values in UTC (see AppendValueIn).
func AppendValue(dst []byte, v *Vector, i int, style Style) []byte {
	return AppendValueIn(dst, v, i, style, nil)
}

// AppendValueIn appends the text of row i of v in the given style; in
// StyleSQL a TIMESTAMP_LTZ is shown as the wall clock of zone loc (Flink's
// table.local-time-zone; nil is UTC). StylePrint shows it as an Instant,
// which has no zone.
func AppendValueIn(dst []byte, v *Vector, i int, style Style, loc *time.Location) []byte {
	if v.IsNull(i) || v.Type.Kind == KindNull {
		return append(dst, style.NullText()...)
	}
	t := v.Type
	switch t.Kind {
	case KindBoolean:
		if style == StylePrint {
			return strconv.AppendBool(dst, v.Bools[i])
		}
		if v.Bools[i] {
			return append(dst, "TRUE"...)
		}
		return append(dst, "FALSE"...)
	case KindTinyInt, KindSmallInt, KindInt, KindBigInt:
		return strconv.AppendInt(dst, v.Ints[i], 10)
	case KindFloat:
		return AppendJavaFloat(dst, v.Floats[i], 32)
	case KindDouble:
		return AppendJavaFloat(dst, v.Floats[i], 64)
	case KindDecimal:
		return v.Decs[i].Append(dst, 'f')
	case KindChar, KindVarChar:
		return append(dst, v.Bytes(i)...)
	case KindBinary, KindVarBinary:
		if style == StylePrint {
			return AppendJavaBytes(dst, v.Bytes(i))
		}
		return AppendHexLiteral(dst, v.Bytes(i))
	case KindDate:
		return AppendDate(dst, v.Ints[i])
	case KindTime:
		if style == StylePrint {
			return appendClock(dst, v.Ints[i]*1e6, fracJava, 0, true)
		}
		return AppendTime(dst, v.Ints[i], t.Precision)
	case KindTimestamp:
		if style == StylePrint {
			return appendDateTime(dst, v.Ints[i], v.NanoAt(i), 'T', fracJava, 0, true)
		}
		return AppendTimestampNanos(dst, v.Ints[i], v.NanoAt(i), t.Precision)
	case KindTimestampLTZ:
		if style == StylePrint {
			dst = appendDateTime(dst, v.Ints[i], v.NanoAt(i), 'T', fracJava, 0, false)
			return append(dst, 'Z')
		}
		return AppendTimestampNanos(dst, ToLocalMicros(v.Ints[i], loc), v.NanoAt(i), t.Precision)
	case KindIntervalYearMonth:
		if style == StylePrint {
			return AppendJavaPeriod(dst, v.Ints[i])
		}
		return AppendIntervalYearMonth(dst, v.Ints[i])
	case KindIntervalDayTime:
		if style == StylePrint {
			return AppendJavaDuration(dst, v.Ints[i])
		}
		return AppendIntervalDayTime(dst, v.Ints[i])
	case KindArray:
		dst = append(dst, '[')
		for j := v.Offsets[i]; j < v.Offsets[i+1]; j++ {
			if j > v.Offsets[i] {
				dst = append(dst, ", "...)
			}
			dst = AppendValueIn(dst, v.Children[0], int(j), style, loc)
		}
		return append(dst, ']')
	case KindMap:
		dst = append(dst, '{')
		for j := v.Offsets[i]; j < v.Offsets[i+1]; j++ {
			if j > v.Offsets[i] {
				dst = append(dst, ", "...)
			}
			dst = AppendValueIn(dst, v.Children[0], int(j), style, loc)
			dst = append(dst, '=')
			dst = AppendValueIn(dst, v.Children[1], int(j), style, loc)
		}
		return append(dst, '}')
	case KindRow:
		if style == StylePrint {
			dst = append(dst, "+I["...)
		} else {
			dst = append(dst, '(')
		}
		for k, c := range v.Children {
			if k > 0 {
				dst = append(dst, ", "...)
			}
			dst = AppendValueIn(dst, c, i, style, loc)
		}
		if style == StylePrint {
			return append(dst, ']')
		}
		return append(dst, ')')
	}
	return append(dst, '?')
}

// AppendJavaFloat renders f like Java's Double.toString (bitSize 64) or
// Float.toString (bitSize 32): 1.0, 0.1, 1.0E10, 1.234E-5, NaN, Infinity.
func AppendJavaFloat(dst []byte, f float64, bitSize int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	var sb [32]byte
	s := strconv.AppendFloat(sb[:0], f, 'e', -1, bitSize) // [-]d[.ddd]e±XX
	neg := s[0] == '-'
	if neg {
		s = s[1:]
		dst = append(dst, '-')
	}
	var digits [24]byte
	nd := 0
	k := 0
	for ; k < len(s) && s[k] != 'e'; k++ {
		if s[k] != '.' {
			digits[nd] = s[k]
			nd++
		}
	}
	exp := 0
	esign := 1
	k++
	if s[k] == '-' {
		esign = -1
	}
	for k++; k < len(s); k++ {
		exp = exp*10 + int(s[k]-'0')
	}
	exp *= esign
	d := digits[:nd]
	if exp >= -3 && exp < 7 {
		if exp >= 0 {
			for j := 0; j <= exp; j++ {
				if j < nd {
					dst = append(dst, d[j])
				} else {
					dst = append(dst, '0')
				}
			}
			dst = append(dst, '.')
			if exp+1 < nd {
				return append(dst, d[exp+1:]...)
			}
			return append(dst, '0')
		}
		dst = append(dst, "0."...)
		for j := 0; j < -exp-1; j++ {
			dst = append(dst, '0')
		}
		return append(dst, d...)
	}
	dst = append(dst, d[0], '.')
	if nd > 1 {
		dst = append(dst, d[1:]...)
	} else {
		dst = append(dst, '0')
	}
	dst = append(dst, 'E')
	return strconv.AppendInt(dst, int64(exp), 10)
}

const hexDigits = "0123456789abcdef"

// AppendHexLiteral renders bytes as Flink's SQL binary literal x'0a0b'.
func AppendHexLiteral(dst []byte, b []byte) []byte {
	dst = append(dst, 'x', '\'')
	for _, c := range b {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&15])
	}
	return append(dst, '\'')
}

// AppendJavaBytes renders bytes as Java's Arrays.toString(byte[]): signed
// values, "[10, -1]".
func AppendJavaBytes(dst []byte, b []byte) []byte {
	dst = append(dst, '[')
	for j, c := range b {
		if j > 0 {
			dst = append(dst, ", "...)
		}
		dst = strconv.AppendInt(dst, int64(int8(c)), 10)
	}
	return append(dst, ']')
}

// AppendIntervalYearMonth renders months as Flink's SQL interval "+1-02".
func AppendIntervalYearMonth(dst []byte, months int64) []byte {
	if months < 0 {
		dst = append(dst, '-')
		months = -months
	} else {
		dst = append(dst, '+')
	}
	dst = strconv.AppendInt(dst, months/12, 10)
	dst = append(dst, '-')
	return append2(dst, int(months%12))
}

// AppendIntervalDayTime renders ms as Flink's SQL interval "+1 02:03:04.005".
func AppendIntervalDayTime(dst []byte, ms int64) []byte {
	if ms < 0 {
		dst = append(dst, '-')
		ms = -ms
	} else {
		dst = append(dst, '+')
	}
	dst = strconv.AppendInt(dst, ms/86400000, 10)
	dst = append(dst, ' ')
	ms %= 86400000
	dst = append2(dst, int(ms/3600000))
	dst = append(dst, ':')
	dst = append2(dst, int(ms/60000%60))
	dst = append(dst, ':')
	dst = append2(dst, int(ms/1000%60))
	dst = append(dst, '.')
	return appendPadded(dst, ms%1000, 3)
}

// AppendJavaPeriod renders months as java.time.Period.toString of
// Period.of(months/12, months%12, 0): "P1Y2M", "P0D".
func AppendJavaPeriod(dst []byte, months int64) []byte {
	if months == 0 {
		return append(dst, "P0D"...)
	}
	dst = append(dst, 'P')
	if y := months / 12; y != 0 {
		dst = strconv.AppendInt(dst, y, 10)
		dst = append(dst, 'Y')
	}
	if m := months % 12; m != 0 {
		dst = strconv.AppendInt(dst, m, 10)
		dst = append(dst, 'M')
	}
	return dst
}

// AppendJavaDuration renders ms as java.time.Duration.toString: "PT24H",
// "PT1M30.5S", "PT0S".
func AppendJavaDuration(dst []byte, ms int64) []byte {
	if ms == 0 {
		return append(dst, "PT0S"...)
	}
	// Duration keeps floor seconds and a non-negative nano adjustment.
	secs := floorDiv(ms, 1000)
	nanos := floorMod(ms, 1000) * 1e6
	effSecs := secs
	if secs < 0 && nanos > 0 {
		effSecs++
	}
	hours := effSecs / 3600
	minutes := effSecs % 3600 / 60
	s := effSecs % 60
	dst = append(dst, "PT"...)
	if hours != 0 {
		dst = strconv.AppendInt(dst, hours, 10)
		dst = append(dst, 'H')
	}
	if minutes != 0 {
		dst = strconv.AppendInt(dst, minutes, 10)
		dst = append(dst, 'M')
	}
	if s == 0 && nanos == 0 && len(dst) > 2 {
		return dst
	}
	if secs < 0 && nanos > 0 {
		if s == 0 {
			dst = append(dst, "-0"...)
		} else {
			dst = strconv.AppendInt(dst, s, 10)
		}
	} else {
		dst = strconv.AppendInt(dst, s, 10)
	}
	if nanos > 0 {
		n := nanos
		if secs < 0 {
			n = 2*1e9 - nanos
		}
		pos := len(dst)
		dst = strconv.AppendInt(dst, n+1e9, 10)
		for dst[len(dst)-1] == '0' {
			dst = dst[:len(dst)-1]
		}
		dst[pos] = '.'
	}
	return append(dst, 'S')
}

func append2(dst []byte, n int) []byte {
	return append(dst, byte('0'+n/10), byte('0'+n%10))
}

func appendPadded(dst []byte, n int64, width int) []byte {
	var buf [20]byte
	s := strconv.AppendInt(buf[:0], n, 10)
	for j := len(s); j < width; j++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// Fraction rendering modes for date-time values.
const (
	fracFixed = iota // exactly precision digits (none when 0)
	fracTrim         // 0..9 digits, trailing zeros dropped (DateTimeFormatter appendFraction(0, 9))
	fracJava         // 0, 3, 6 or 9 digits (LocalTime.toString)
)

// AppendDate renders days since epoch as yyyy-MM-dd.
func AppendDate(dst []byte, days int64) []byte {
	y, m, d := CivilFromDays(days)
	if y < 0 {
		dst = append(dst, '-')
		y = -y
	} else if y > 9999 {
		dst = append(dst, '+')
	}
	dst = appendPadded(dst, y, 4)
	dst = append(dst, '-')
	dst = append2(dst, m)
	dst = append(dst, '-')
	return append2(dst, d)
}

// AppendTime renders ms of day as HH:mm:ss with precision fraction digits.
func AppendTime(dst []byte, ms int64, precision int) []byte {
	return appendClock(dst, ms*1e6, fracFixed, precision, false)
}

// AppendTimeTrimmed renders ms of day as HH:mm:ss[.fff] with trailing
// fraction zeros removed (Flink JSON's SQL_TIME_FORMAT).
func AppendTimeTrimmed(dst []byte, ms int64) []byte {
	return appendClock(dst, ms*1e6, fracTrim, 0, false)
}

// AppendTimestamp renders µs since epoch as "yyyy-MM-dd HH:mm:ss.fff" with
// exactly precision fraction digits (Flink's SQL rendering).
func AppendTimestamp(dst []byte, micros int64, precision int) []byte {
	return appendDateTime(dst, micros, 0, ' ', fracFixed, precision, false)
}

// AppendTimestampNanos is AppendTimestamp for a value with nanos (0..999)
// below the microsecond: "2020-01-01 12:00:00.123456789" for precision 9,
// "2020-01-01 12:00:00" for precision 0.
func AppendTimestampNanos(dst []byte, micros, nanos int64, precision int) []byte {
	return appendDateTime(dst, micros, nanos, ' ', fracFixed, precision, false)
}

// ToLocalMicros converts an instant (µs since epoch) to the wall clock of
// loc, as µs since epoch of that local date-time (nil loc: UTC).
func ToLocalMicros(micros int64, loc *time.Location) int64 {
	if loc == nil || loc == time.UTC {
		return micros
	}
	_, off := time.UnixMicro(micros).In(loc).Zone()
	return micros + int64(off)*1e6
}

// FromLocalMicros converts a wall-clock date-time of loc (µs since epoch of
// the local date-time) to the instant it denotes (nil loc: UTC). A time in
// a DST gap moves forward, an ambiguous one takes the earlier offset, as
// java.time's ZonedDateTime.of does.
func FromLocalMicros(local int64, loc *time.Location) int64 {
	if loc == nil || loc == time.UTC {
		return local
	}
	secs := floorDiv(local, 1e6)
	sub := floorMod(local, 1e6)
	days := floorDiv(secs, 86400)
	rem := floorMod(secs, 86400)
	y, m, d := CivilFromDays(days)
	h, mi, sec := int(rem/3600), int(rem/60%60), int(rem%60)
	t := time.Date(int(y), time.Month(m), d, h, mi, sec, 0, loc)
	if t.Hour() != h || t.Minute() != mi || t.Second() != sec {
		// A wall clock in a gap: java.time takes the offset before the
		// transition, i.e. the later of the two candidate instants.
		_, o1 := t.Zone()
		_, o2 := time.Unix(secs-int64(o1), 0).In(loc).Zone()
		return (secs-int64(min(o1, o2)))*1e6 + sub
	}
	return t.Unix()*1e6 + sub
}

// AppendTimestampTrimmed renders µs since epoch with the given date/time
// separator (' ' or 'T') and the fraction trimmed of trailing zeros, as
// Flink's JSON format writes timestamps.
func AppendTimestampTrimmed(dst []byte, micros int64, sep byte) []byte {
	return appendDateTime(dst, micros, 0, sep, fracTrim, 0, false)
}

// AppendTimestampTrimmedNanos is AppendTimestampTrimmed for a value with
// nanoseconds (0..999) below the microsecond.
func AppendTimestampTrimmedNanos(dst []byte, micros, nanos int64, sep byte) []byte {
	return appendDateTime(dst, micros, nanos, sep, fracTrim, 0, false)
}

// AppendTimestampJava renders µs since epoch as LocalDateTime.toString:
// "2020-01-01T12:34:56.123", "2020-01-01T12:34".
func AppendTimestampJava(dst []byte, micros int64) []byte {
	return appendDateTime(dst, micros, 0, 'T', fracJava, 0, true)
}

// AppendInstant renders µs since epoch as Instant.toString:
// "2020-01-01T12:34:56.123Z", "2020-01-01T12:34:00Z".
func AppendInstant(dst []byte, micros int64) []byte {
	dst = appendDateTime(dst, micros, 0, 'T', fracJava, 0, false)
	return append(dst, 'Z')
}

// FormatDate returns AppendDate as a string.
func FormatDate(days int64) string { return string(AppendDate(nil, days)) }

// FormatTimestamp returns AppendTimestamp as a string.
func FormatTimestamp(micros int64, precision int) string {
	return string(AppendTimestamp(nil, micros, precision))
}

// FormatTime returns AppendTime as a string.
func FormatTime(ms int64, precision int) string { return string(AppendTime(nil, ms, precision)) }

func appendDateTime(dst []byte, micros, nanos int64, sep byte, mode, precision int, omitZeroSec bool) []byte {
	days := floorDiv(micros, 86400e6)
	rem := floorMod(micros, 86400e6)
	dst = AppendDate(dst, days)
	dst = append(dst, sep)
	return appendClock(dst, rem*1000+nanos, mode, precision, omitZeroSec)
}

// appendClock renders nanos of day.
func appendClock(dst []byte, nanos int64, mode, precision int, omitZeroSec bool) []byte {
	sec := nanos / 1e9
	frac := nanos % 1e9
	dst = append2(dst, int(sec/3600))
	dst = append(dst, ':')
	dst = append2(dst, int(sec/60%60))
	if omitZeroSec && sec%60 == 0 && frac == 0 {
		return dst
	}
	dst = append(dst, ':')
	dst = append2(dst, int(sec%60))
	var digits int
	switch mode {
	case fracFixed:
		digits = precision
		if digits > 9 {
			digits = 9
		}
	case fracTrim:
		if frac != 0 {
			digits = 9
			for f := frac; f%10 == 0; f /= 10 {
				digits--
			}
		}
	case fracJava:
		switch {
		case frac == 0:
		case frac%1e6 == 0:
			digits = 3
		case frac%1e3 == 0:
			digits = 6
		default:
			digits = 9
		}
	}
	if digits == 0 {
		return dst
	}
	dst = append(dst, '.')
	f := frac
	for j := digits; j < 9; j++ {
		f /= 10
	}
	return appendPadded(dst, f, digits)
}

// CivilFromDays converts days since 1970-01-01 to a proleptic Gregorian
// year, month (1-12) and day (1-31).
func CivilFromDays(days int64) (year int64, month, day int) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, int(m), int(d)
}

// DaysFromCivil converts a proleptic Gregorian date to days since epoch.
func DaysFromCivil(year int64, month, day int) int64 {
	y := year
	if month <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := int64((month + 9) % 12)
	doy := (153*mp+2)/5 + int64(day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }
