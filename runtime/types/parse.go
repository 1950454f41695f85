package types

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/apd/v3"
)

// text is what the parsers accept, so data paths can parse []byte without
// converting to string.
type text interface{ ~string | ~[]byte }

// ParseError describes a value that does not parse as the wanted type.
type ParseError struct {
	Type  string // "DATE", "TIME", "TIMESTAMP", "DECIMAL(10, 2)"
	Input string
	Why   string // optional detail
}

func (e *ParseError) Error() string {
	msg := fmt.Sprintf("Invalid %s value '%s'", e.Type, e.Input)
	if e.Why != "" {
		msg += ": " + e.Why
	}
	return msg
}

func parseErr[T text](typ string, s T, why string) error {
	return &ParseError{Type: typ, Input: string(s), Why: why}
}

// ParseDate parses yyyy-MM-dd (month and day may have one digit, surrounding
// blanks are ignored) into days since epoch.
func ParseDate(s string) (int64, error) { return parseDate(s) }

// ParseDateBytes is ParseDate for a byte slice.
func ParseDateBytes(b []byte) (int64, error) { return parseDate(b) }

func parseDate[T text](s T) (int64, error) {
	t := trim(s)
	days, n, ok := scanDate(t)
	if !ok || n != len(t) {
		return 0, parseErr("DATE", s, "")
	}
	return days, nil
}

// ParseTime parses HH:mm[:ss[.fffffffff]] into ms of day (extra fraction
// digits are truncated).
func ParseTime(s string) (int64, error) { return parseTime(s) }

// ParseTimeBytes is ParseTime for a byte slice.
func ParseTimeBytes(b []byte) (int64, error) { return parseTime(b) }

func parseTime[T text](s T) (int64, error) {
	t := trim(s)
	nanos, n, ok := scanClock(t)
	if !ok || n != len(t) {
		return 0, parseErr("TIME", s, "")
	}
	return nanos / 1e6, nil
}

// ParseTimestamp parses "yyyy-MM-dd HH:mm:ss[.fffffffff]", the same with
// 'T' as separator, "yyyy-MM-dd HH:mm" or a date alone into µs since epoch,
// truncating the fraction to precision digits.
func ParseTimestamp(s string, precision int) (int64, error) { return parseTimestamp(s, precision) }

// ParseTimestampBytes is ParseTimestamp for a byte slice.
func ParseTimestampBytes(b []byte, precision int) (int64, error) { return parseTimestamp(b, precision) }

func parseTimestamp[T text](s T, precision int) (int64, error) {
	t := trim(s)
	micros, ok := scanTimestamp(t, 0, precision)
	if !ok {
		return 0, parseErr("TIMESTAMP", s, "")
	}
	return micros, nil
}

// ParseTimestampNanosBytes is ParseTimestampBytes keeping the nanoseconds
// below the microsecond (0..999; zero unless precision > 6).
func ParseTimestampNanosBytes(b []byte, precision int) (micros, nanos int64, err error) {
	t := trim(b)
	micros, nanos, ok := scanTimestampNanos(t, 0, precision)
	if !ok {
		return 0, 0, parseErr("TIMESTAMP", b, "")
	}
	return micros, nanos, nil
}

// ParseTimestampSep parses "yyyy-MM-dd<sep>HH:mm:ss[.f]" with exactly the
// given separator and an optional trailing 'Z' when zulu is true (used by
// formats with a fixed timestamp layout).
func ParseTimestampSep[T text](s T, sep byte, zulu bool, precision int) (int64, bool) {
	if zulu {
		if len(s) == 0 || s[len(s)-1] != 'Z' {
			return 0, false
		}
		s = s[:len(s)-1]
	}
	return scanTimestamp(s, sep, precision)
}

// ParseTimestampSepNanos is ParseTimestampSep also returning the
// nanoseconds below the microsecond (zero unless precision > 6).
func ParseTimestampSepNanos[T text](s T, sep byte, zulu bool, precision int) (micros, nanos int64, ok bool) {
	if zulu {
		if len(s) == 0 || s[len(s)-1] != 'Z' {
			return 0, 0, false
		}
		s = s[:len(s)-1]
	}
	return scanTimestampNanos(s, sep, precision)
}

// scanTimestamp parses a whole timestamp; sep 0 accepts ' ' or 'T' and a
// date alone.
func scanTimestamp[T text](t T, sep byte, precision int) (int64, bool) {
	micros, _, ok := scanTimestampNanos(t, sep, precision)
	return micros, ok
}

// scanTimestampNanos is scanTimestamp also returning the nanoseconds below
// the microsecond.
func scanTimestampNanos[T text](t T, sep byte, precision int) (int64, int64, bool) {
	days, n, ok := scanDate(t)
	if !ok {
		return 0, 0, false
	}
	var nanos int64
	if n < len(t) {
		c := t[n]
		if sep == 0 && c != ' ' && c != 'T' || sep != 0 && c != sep {
			return 0, 0, false
		}
		var m int
		nanos, m, ok = scanClock(t[n+1:])
		if !ok || n+1+m != len(t) {
			return 0, 0, false
		}
	} else if sep != 0 {
		return 0, 0, false
	}
	if precision < 9 {
		unit := int64(1)
		for j := precision; j < 9; j++ {
			unit *= 10
		}
		nanos -= nanos % unit
	}
	return days*86400e6 + nanos/1000, nanos % 1000, true
}

// scanDate reads [-]y+-M{1,2}-d{1,2} and returns days and bytes consumed.
func scanDate[T text](t T) (int64, int, bool) {
	i := 0
	neg := false
	if i < len(t) && (t[i] == '-' || t[i] == '+') {
		neg = t[i] == '-'
		i++
	}
	year, i, ok := scanInt(t, i, 1, 9)
	if !ok || i >= len(t) || t[i] != '-' {
		return 0, 0, false
	}
	month, i2, ok := scanInt(t, i+1, 1, 2)
	if !ok || i2 >= len(t) || t[i2] != '-' {
		return 0, 0, false
	}
	day, i3, ok := scanInt(t, i2+1, 1, 2)
	if !ok {
		return 0, 0, false
	}
	if neg {
		year = -year
	}
	if month < 1 || month > 12 || day < 1 || day > int64(DaysInMonth(year, int(month))) {
		return 0, 0, false
	}
	return DaysFromCivil(year, int(month), int(day)), i3, true
}

// scanClock reads H{1,2}:m{1,2}[:s{1,2}[.f{1,9}]] and returns nanos of day.
func scanClock[T text](t T) (int64, int, bool) {
	h, i, ok := scanInt(t, 0, 1, 2)
	if !ok || i >= len(t) || t[i] != ':' {
		return 0, 0, false
	}
	m, i, ok := scanInt(t, i+1, 1, 2)
	if !ok {
		return 0, 0, false
	}
	var s, frac int64
	if i < len(t) && t[i] == ':' {
		s, i, ok = scanInt(t, i+1, 1, 2)
		if !ok {
			return 0, 0, false
		}
		if i < len(t) && t[i] == '.' {
			start := i + 1
			i = start
			for i < len(t) && t[i] >= '0' && t[i] <= '9' {
				if i-start < 9 {
					frac = frac*10 + int64(t[i]-'0')
				}
				i++
			}
			nd := i - start
			if nd == 0 {
				return 0, 0, false
			}
			for ; nd < 9; nd++ {
				frac *= 10
			}
		}
	}
	if h > 23 || m > 59 || s > 59 {
		return 0, 0, false
	}
	return ((h*60+m)*60+s)*1e9 + frac, i, true
}

func scanInt[T text](t T, i, minDigits, maxDigits int) (int64, int, bool) {
	start := i
	var v int64
	for i < len(t) && t[i] >= '0' && t[i] <= '9' && i-start < maxDigits {
		v = v*10 + int64(t[i]-'0')
		i++
	}
	if i-start < minDigits {
		return 0, i, false
	}
	return v, i, true
}

func trim[T text](s T) T {
	i, j := 0, len(s)
	for i < j && isBlank(s[i]) {
		i++
	}
	for j > i && isBlank(s[j-1]) {
		j--
	}
	return s[i:j]
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// DaysInMonth returns the number of days of month (1-12) in year.
func DaysInMonth(year int64, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// ErrDecimalOverflow reports a value with more integer digits than the
// DECIMAL type allows.
var ErrDecimalOverflow = errors.New("numeric overflow")

var pow10 = [...]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

var decCtx = apd.Context{Precision: 1000, MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent,
	Rounding: apd.RoundHalfUp}

// ParseDecimal parses s as DECIMAL(precision, scale), rounding half-up to
// scale; it fails when the value needs more than precision digits.
func ParseDecimal(s string, precision, scale int) (*apd.Decimal, error) {
	d := new(apd.Decimal)
	if err := ParseDecimalInto(d, s, precision, scale); err != nil {
		return nil, err
	}
	return d, nil
}

// ParseDecimalInto is ParseDecimal writing into d, without allocating for
// values of up to 19 significant digits.
func ParseDecimalInto[T text](d *apd.Decimal, s T, precision, scale int) error {
	t := trim(s)
	neg, coef, exp, nd, ok := scanDecimal(t)
	if !ok {
		return parseErr(decimalName(precision, scale), s, "")
	}
	if nd > 19 {
		return parseDecimalSlow(d, s, t, precision, scale)
	}
	target := int64(-scale)
	switch {
	case coef == 0:
	case exp > target:
		shift := exp - target
		for ; shift > 0; shift-- {
			if coef > (1<<64-1)/10 {
				return parseDecimalSlow(d, s, t, precision, scale)
			}
			coef *= 10
		}
	case exp < target:
		shift := target - exp
		if shift >= 20 {
			coef = 0
		} else {
			div := pow10[shift]
			q, r := coef/div, coef%div
			if r >= div-r { // r*2 >= div without overflow
				q++
			}
			coef = q
		}
	}
	if precision < 20 && coef >= pow10[precision] {
		return decimalOverflow(s, precision, scale)
	}
	if coef > 1<<63-1 {
		return parseDecimalSlow(d, s, t, precision, scale)
	}
	d.SetFinite(int64(coef), int32(target))
	d.Negative = neg && coef != 0
	return nil
}

func decimalName(precision, scale int) string {
	return fmt.Sprintf("DECIMAL(%d, %d)", precision, scale)
}

func decimalOverflow[T text](s T, precision, scale int) error {
	return &ParseError{Type: decimalName(precision, scale), Input: string(s), Why: ErrDecimalOverflow.Error()}
}

func parseDecimalSlow[T text](d *apd.Decimal, s, t T, precision, scale int) error {
	if _, _, err := d.SetString(string(t)); err != nil {
		return parseErr(decimalName(precision, scale), s, "")
	}
	// Without traps a value too large for decCtx's precision at this
	// scale quantizes to NaN instead of failing.
	if _, err := decCtx.Quantize(d, d, int32(-scale)); err != nil || d.Form != apd.Finite {
		return decimalOverflow(s, precision, scale)
	}
	if d.NumDigits() > int64(precision) && !d.IsZero() {
		return decimalOverflow(s, precision, scale)
	}
	return nil
}

// scanDecimal reads [+-]digits[.digits][(e|E)[+-]digits]; coef holds the
// first 19 significant digits and nd counts all of them.
func scanDecimal[T text](t T) (neg bool, coef uint64, exp int64, nd int, ok bool) {
	i := 0
	if i < len(t) && (t[i] == '+' || t[i] == '-') {
		neg = t[i] == '-'
		i++
	}
	digits := 0
	for ; i < len(t) && t[i] >= '0' && t[i] <= '9'; i++ {
		digits++
		if coef == 0 && t[i] == '0' {
			continue
		}
		nd++
		if nd <= 19 {
			coef = coef*10 + uint64(t[i]-'0')
		}
	}
	if i < len(t) && t[i] == '.' {
		for i++; i < len(t) && t[i] >= '0' && t[i] <= '9'; i++ {
			digits++
			exp--
			if coef == 0 && t[i] == '0' {
				continue
			}
			nd++
			if nd <= 19 {
				coef = coef*10 + uint64(t[i]-'0')
			}
		}
	}
	if digits == 0 {
		return
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		eneg := false
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			eneg = t[i] == '-'
			i++
		}
		start := i
		var e int64
		for ; i < len(t) && t[i] >= '0' && t[i] <= '9'; i++ {
			if e < 1e9 {
				e = e*10 + int64(t[i]-'0')
			}
		}
		if i == start {
			return
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	ok = i == len(t)
	return
}
