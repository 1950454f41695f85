package expr

import (
	"strconv"

	"github.com/flinkgo/engine/runtime/types"
)

// Java date-time patterns (SimpleDateFormat / DateTimeFormatter letters)
// for DATE_FORMAT, TO_TIMESTAMP, TO_DATE, FROM_UNIXTIME, UNIX_TIMESTAMP.
//
// Supported letters: y (year; yy = two digits), M (MM number, MMM Jan,
// MMMM January), d, D (day of year), H (0-23), k (1-24), K (0-11),
// h (1-12), m, s, S (fraction of second: SSS = milliseconds, SSSSSS =
// microseconds), a (AM/PM), E (EEE Mon, EEEE Monday), u (day of week,
// 1 = Monday), w (ISO week of year), Q (quarter), G (AD), z (UTC),
// Z (+0000), X (Z). Text in single quotes is literal ('' is a quote);
// other characters are literal. All values are in UTC (the session time
// zone).

type dfField uint8

const (
	dfLiteral dfField = iota
	dfYear
	dfMonth
	dfDay
	dfDayOfYear
	dfHour23  // H
	dfHour24  // k
	dfHour11  // K
	dfHour12  // h
	dfMinute  // m
	dfSecond  // s
	dfFrac    // S
	dfAmPm    // a
	dfDayName // E
	dfDayNum  // u
	dfWeek    // w
	dfQuarter // Q
	dfEra     // G
	dfZoneName
	dfZoneOffset
	dfZoneISO
)

type dfTok struct {
	field dfField
	count int
	lit   []byte
}

type dateFormat struct{ toks []dfTok }

var monthNames = [...]string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}
var dayNames = [...]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

func compileDateFormat(p []byte) *dateFormat {
	f := &dateFormat{}
	lit := func(b ...byte) {
		if n := len(f.toks); n > 0 && f.toks[n-1].field == dfLiteral {
			f.toks[n-1].lit = append(f.toks[n-1].lit, b...)
			return
		}
		f.toks = append(f.toks, dfTok{field: dfLiteral, lit: append([]byte(nil), b...)})
	}
	for i := 0; i < len(p); {
		c := p[i]
		if c == '\'' {
			if i+1 < len(p) && p[i+1] == '\'' {
				lit('\'')
				i += 2
				continue
			}
			j := i + 1
			for j < len(p) {
				if p[j] == '\'' {
					if j+1 < len(p) && p[j+1] == '\'' {
						lit('\'')
						j += 2
						continue
					}
					break
				}
				lit(p[j])
				j++
			}
			i = j + 1
			continue
		}
		j := i
		for j < len(p) && p[j] == c {
			j++
		}
		n := j - i
		var fld dfField
		switch c {
		case 'y', 'Y':
			fld = dfYear
		case 'M', 'L':
			fld = dfMonth
		case 'd':
			fld = dfDay
		case 'D':
			fld = dfDayOfYear
		case 'H':
			fld = dfHour23
		case 'k':
			fld = dfHour24
		case 'K':
			fld = dfHour11
		case 'h':
			fld = dfHour12
		case 'm':
			fld = dfMinute
		case 's':
			fld = dfSecond
		case 'S':
			fld = dfFrac
		case 'a':
			fld = dfAmPm
		case 'E':
			fld = dfDayName
		case 'u', 'e':
			fld = dfDayNum
		case 'w':
			fld = dfWeek
		case 'Q', 'q':
			fld = dfQuarter
		case 'G':
			fld = dfEra
		case 'z', 'V':
			fld = dfZoneName
		case 'Z':
			fld = dfZoneOffset
		case 'X', 'x':
			fld = dfZoneISO
		default:
			lit(p[i:j]...)
			i = j
			continue
		}
		f.toks = append(f.toks, dfTok{field: fld, count: n})
		i = j
	}
	return f
}

func appendPad(dst []byte, v int64, width int) []byte {
	if v < 0 {
		dst = append(dst, '-')
		v = -v
	}
	var buf [20]byte
	s := strconv.AppendInt(buf[:0], v, 10)
	for k := len(s); k < width; k++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// isoWeek returns the ISO-8601 week-based year and week of a day.
func isoWeek(days int64) (year int64, week int) {
	isoDow := floorMod(days+3, 7) + 1 // Monday = 1
	thursday := days - isoDow + 4
	y, _, _ := types.CivilFromDays(thursday)
	jan1 := types.DaysFromCivil(y, 1, 1)
	return y, int((thursday-jan1)/7) + 1
}

// format appends the µs timestamp rendered with the pattern.
func (f *dateFormat) format(dst []byte, us int64) []byte { return f.formatNanos(dst, us, 0) }

// formatNanos is format for a timestamp with nanoseconds (0..999) below the
// microsecond (shown by patterns with more than six S).
func (f *dateFormat) formatNanos(dst []byte, us, subMicro int64) []byte {
	days := floorDiv(us, microsPerDay)
	tod := us - days*microsPerDay
	y, mo, d := types.CivilFromDays(days)
	hour := int(tod / 3600e6)
	minute := int(tod / 60e6 % 60)
	sec := int(tod / 1e6 % 60)
	micros := tod % 1e6
	for _, t := range f.toks {
		switch t.field {
		case dfLiteral:
			dst = append(dst, t.lit...)
		case dfYear:
			if t.count == 2 {
				dst = appendPad(dst, floorMod(y, 100), 2)
			} else {
				dst = appendPad(dst, y, t.count)
			}
		case dfMonth:
			switch {
			case t.count >= 4:
				dst = append(dst, monthNames[mo-1]...)
			case t.count == 3:
				dst = append(dst, monthNames[mo-1][:3]...)
			default:
				dst = appendPad(dst, int64(mo), t.count)
			}
		case dfDay:
			dst = appendPad(dst, int64(d), t.count)
		case dfDayOfYear:
			dst = appendPad(dst, days-types.DaysFromCivil(y, 1, 1)+1, t.count)
		case dfHour23:
			dst = appendPad(dst, int64(hour), t.count)
		case dfHour24:
			h := hour
			if h == 0 {
				h = 24
			}
			dst = appendPad(dst, int64(h), t.count)
		case dfHour11:
			dst = appendPad(dst, int64(hour%12), t.count)
		case dfHour12:
			h := hour % 12
			if h == 0 {
				h = 12
			}
			dst = appendPad(dst, int64(h), t.count)
		case dfMinute:
			dst = appendPad(dst, int64(minute), t.count)
		case dfSecond:
			dst = appendPad(dst, int64(sec), t.count)
		case dfFrac:
			// first count digits of the 9-digit nanosecond fraction
			nanos := micros*1000 + subMicro
			digits := [9]byte{}
			for k := 8; k >= 0; k-- {
				digits[k] = byte('0' + nanos%10)
				nanos /= 10
			}
			for k := 0; k < t.count; k++ {
				if k < 9 {
					dst = append(dst, digits[k])
				} else {
					dst = append(dst, '0')
				}
			}
		case dfAmPm:
			if hour < 12 {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case dfDayName:
			name := dayNames[floorMod(days+3, 7)]
			if t.count >= 4 {
				dst = append(dst, name...)
			} else {
				dst = append(dst, name[:3]...)
			}
		case dfDayNum:
			dst = appendPad(dst, floorMod(days+3, 7)+1, t.count)
		case dfWeek:
			_, w := isoWeek(days)
			dst = appendPad(dst, int64(w), t.count)
		case dfQuarter:
			dst = appendPad(dst, int64((mo-1)/3+1), t.count)
		case dfEra:
			if y > 0 {
				dst = append(dst, "AD"...)
			} else {
				dst = append(dst, "BC"...)
			}
		case dfZoneName:
			dst = append(dst, "UTC"...)
		case dfZoneOffset:
			dst = append(dst, "+0000"...)
		case dfZoneISO:
			dst = append(dst, 'Z')
		}
	}
	return dst
}

func isNumericField(f dfField) bool {
	switch f {
	case dfLiteral, dfAmPm, dfDayName, dfEra, dfZoneName, dfZoneOffset, dfZoneISO:
		return false
	}
	return true
}

// ParseDateTime reads all of s with a Java date-time pattern (the letters
// DATE_FORMAT and TO_TIMESTAMP take) into µs since 1970-01-01 00:00:00 of
// the wall-clock time it names; missing fields default to 1970-01-01
// 00:00:00. It reports false when s does not match.
func ParseDateTime(pattern, s string) (int64, bool) {
	return compileDateFormat([]byte(pattern)).parse([]byte(s))
}

// parse reads all of s with the pattern into µs since epoch (UTC), like
// DateTimeFormatter. Missing fields default to 1970-01-01 00:00:00.
func (f *dateFormat) parse(s []byte) (int64, bool) { return f.parseText(s, false) }

// parsePrefix is parse ignoring text after the pattern, like
// SimpleDateFormat.parse (UNIX_TIMESTAMP).
func (f *dateFormat) parsePrefix(s []byte) (int64, bool) { return f.parseText(s, true) }

func (f *dateFormat) parseText(s []byte, prefix bool) (int64, bool) {
	y, mo, d := int64(1970), 1, 1
	doy := -1
	hour, minute, sec := 0, 0, 0
	var nanos int64
	pm := -1
	h12 := -1
	i := 0
	for ti, t := range f.toks {
		if t.field == dfLiteral {
			if len(s)-i < len(t.lit) || string(s[i:i+len(t.lit)]) != string(t.lit) {
				return 0, false
			}
			i += len(t.lit)
			continue
		}
		if isNumericField(t.field) && (t.field != dfMonth || t.count <= 2) {
			maxw := 2
			switch t.field {
			case dfYear:
				maxw = 9
			case dfFrac:
				maxw = 9
			case dfDayOfYear:
				maxw = 3
			}
			maxw = max(maxw, t.count)
			if ti+1 < len(f.toks) && isNumericField(f.toks[ti+1].field) {
				maxw = t.count // adjacent value parsing: fixed width
			}
			neg := false
			if t.field == dfYear && i < len(s) && s[i] == '-' {
				neg = true
				i++
			}
			start := i
			var v int64
			for i < len(s) && i-start < maxw && s[i] >= '0' && s[i] <= '9' {
				v = v*10 + int64(s[i]-'0')
				i++
			}
			nd := i - start
			if nd == 0 {
				return 0, false
			}
			if neg {
				v = -v
			}
			switch t.field {
			case dfYear:
				if t.count == 2 && nd == 2 {
					v += 2000
				}
				y = v
			case dfMonth:
				mo = int(v)
			case dfDay:
				d = int(v)
			case dfDayOfYear:
				doy = int(v)
			case dfHour23, dfHour24:
				hour = int(v)
				if t.field == dfHour24 && hour == 24 {
					hour = 0
				}
			case dfHour11, dfHour12:
				h12 = int(v) % 12
			case dfMinute:
				minute = int(v)
			case dfSecond:
				sec = int(v)
			case dfFrac:
				for k := nd; k < 9; k++ {
					v *= 10
				}
				nanos = v
			}
			continue
		}
		switch t.field {
		case dfMonth:
			k, n := matchName(s[i:], monthNames[:], t.count < 4)
			if k < 0 {
				return 0, false
			}
			mo = k + 1
			i += n
		case dfDayName:
			k, n := matchName(s[i:], dayNames[:], t.count < 4)
			if k < 0 {
				return 0, false
			}
			i += n
		case dfAmPm:
			k, n := matchName(s[i:], []string{"AM", "PM"}, false)
			if k < 0 {
				return 0, false
			}
			pm = k
			i += n
		case dfEra:
			if len(s)-i >= 2 {
				i += 2
			}
		case dfZoneName:
			if len(s)-i >= 3 && string(s[i:i+3]) == "UTC" {
				i += 3
			} else if len(s)-i >= 1 && s[i] == 'Z' {
				i++
			}
		case dfZoneOffset, dfZoneISO:
			if i < len(s) && s[i] == 'Z' {
				i++
			} else if len(s)-i >= 5 && (s[i] == '+' || s[i] == '-') {
				i += 5
				if i < len(s) && s[i-3] == ':' {
					i++
				}
			}
		}
	}
	if i != len(s) && !prefix {
		return 0, false
	}
	if h12 >= 0 {
		hour = h12
		if pm == 1 {
			hour += 12
		}
	} else if pm == 1 && hour < 12 {
		hour += 12
	}
	if mo < 1 || mo > 12 || d < 1 || d > types.DaysInMonth(y, mo) || hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	days := types.DaysFromCivil(y, mo, d)
	if doy > 0 {
		days = types.DaysFromCivil(y, 1, 1) + int64(doy-1)
	}
	return days*microsPerDay + int64(hour)*3600e6 + int64(minute)*60e6 + int64(sec)*1e6 + nanos/1000, true
}

func matchName(s []byte, names []string, short bool) (int, int) {
	for k, name := range names {
		if short && len(name) > 3 {
			name = name[:3]
		}
		if len(s) >= len(name) && bytesEqualFoldASCII(s[:len(name)], name) {
			return k, len(name)
		}
	}
	return -1, 0
}

func bytesEqualFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		x, y := b[i], s[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// formatCache compiles the last format text seen.
type formatCache struct {
	key strCache
	f   *dateFormat
}

func (c *formatCache) get(p []byte) *dateFormat {
	if !c.key.hit(p) || c.f == nil {
		c.f = compileDateFormat(p)
	}
	return c.f
}

var defaultDateTimeFormat = compileDateFormat([]byte("yyyy-MM-dd HH:mm:ss"))
