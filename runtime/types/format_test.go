package types

import (
	"math"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
)

func TestAppendJavaFloat(t *testing.T) {
	cases := []struct {
		f    float64
		bits int
		want string
	}{
		{1, 64, "1.0"},
		{0.1, 64, "0.1"},
		{1e10, 64, "1.0E10"},
		{1.234e-5, 64, "1.234E-5"},
		{0.001, 64, "0.001"},
		{0.0001, 64, "1.0E-4"},
		{1234567, 64, "1234567.0"},
		{12345678, 64, "1.2345678E7"},
		{-2.5, 64, "-2.5"},
		{100, 64, "100.0"},
		{0, 64, "0.0"},
		{math.Copysign(0, -1), 64, "-0.0"},
		{math.NaN(), 64, "NaN"},
		{math.Inf(1), 64, "Infinity"},
		{math.Inf(-1), 64, "-Infinity"},
		{float64(float32(0.1)), 32, "0.1"},
		{float64(float32(3.14)), 32, "3.14"},
		{float64(float32(1e10)), 32, "1.0E10"},
		{1.7976931348623157e308, 64, "1.7976931348623157E308"},
	}
	for _, c := range cases {
		if got := string(AppendJavaFloat(nil, c.f, c.bits)); got != c.want {
			t.Errorf("AppendJavaFloat(%v, %d) = %q, want %q", c.f, c.bits, got, c.want)
		}
	}
}

func vec(t *Type, fill func(v *Vector)) *Vector {
	v := NewVector(t, 4)
	fill(v)
	return v
}

func dec(s string) *apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestAppendValue(t *testing.T) {
	ts := int64(1577882096123000) // 2020-01-01 12:34:56.123
	cases := []struct {
		name       string
		v          *Vector
		sql, print string
	}{
		{"null", vec(Int, func(v *Vector) { v.AppendNull() }), "NULL", "null"},
		{"bool", vec(Boolean, func(v *Vector) { v.AppendBool(true) }), "TRUE", "true"},
		{"int", vec(Int, func(v *Vector) { v.AppendInt(-42) }), "-42", "-42"},
		{"double", vec(Double, func(v *Vector) { v.AppendFloat(1e10) }), "1.0E10", "1.0E10"},
		{"float", vec(Float, func(v *Vector) { v.AppendFloat(0.1) }), "0.1", "0.1"},
		{"decimal", vec(Decimal(10, 2), func(v *Vector) { v.AppendDecimal(dec("1.20")) }), "1.20", "1.20"},
		{"decimal0", vec(Decimal(10, 3), func(v *Vector) { v.AppendDecimal(dec("0.000")) }), "0.000", "0.000"},
		{"string", vec(String, func(v *Vector) { v.AppendString("Hello") }), "Hello", "Hello"},
		{"bytes", vec(Bytes, func(v *Vector) { v.AppendBytes([]byte{10, 11, 255}) }), "x'0a0bff'", "[10, 11, -1]"},
		{"date", vec(Date, func(v *Vector) { v.AppendInt(18262) }), "2020-01-01", "2020-01-01"},
		{"time0", vec(Time, func(v *Vector) { v.AppendInt(45296000) }), "12:34:56", "12:34:56"},
		{"time3", vec(&Type{Kind: KindTime, Precision: 3}, func(v *Vector) { v.AppendInt(45296120) }), "12:34:56.120", "12:34:56.120"},
		{"time-nosec", vec(Time, func(v *Vector) { v.AppendInt(45240000) }), "12:34:00", "12:34"},
		{"ts3", vec(Timestamp3, func(v *Vector) { v.AppendInt(ts) }), "2020-01-01 12:34:56.123", "2020-01-01T12:34:56.123"},
		{"ts0", vec(Timestamp(0), func(v *Vector) { v.AppendInt(1577882096000000) }), "2020-01-01 12:34:56", "2020-01-01T12:34:56"},
		{"ts9", vec(Timestamp(9), func(v *Vector) { v.AppendInt(1618348331100000) }), "2021-04-13 21:12:11.100000000", "2021-04-13T21:12:11.100"},
		{"ts6", vec(Timestamp(6), func(v *Vector) { v.AppendInt(ts + 456) }), "2020-01-01 12:34:56.123456", "2020-01-01T12:34:56.123456"},
		{"ts-min", vec(Timestamp3, func(v *Vector) { v.AppendInt(1577882040000000) }), "2020-01-01 12:34:00.000", "2020-01-01T12:34"},
		{"ts-neg", vec(Timestamp3, func(v *Vector) { v.AppendInt(-1000) }), "1969-12-31 23:59:59.999", "1969-12-31T23:59:59.999"},
		{"ltz", vec(TimestampLTZ3, func(v *Vector) { v.AppendInt(ts) }), "2020-01-01 12:34:56.123", "2020-01-01T12:34:56.123Z"},
		{"ltz-zero", vec(TimestampLTZ3, func(v *Vector) { v.AppendInt(0) }), "1970-01-01 00:00:00.000", "1970-01-01T00:00:00Z"},
		{"ids", vec(&Type{Kind: KindIntervalDayTime}, func(v *Vector) { v.AppendInt(86400000) }), "+1 00:00:00.000", "PT24H"},
		{"ids2", vec(&Type{Kind: KindIntervalDayTime}, func(v *Vector) { v.AppendInt(-90500) }), "-0 00:01:30.500", "PT-1M-30.5S"},
		{"iym", vec(&Type{Kind: KindIntervalYearMonth}, func(v *Vector) { v.AppendInt(12) }), "+1-00", "P1Y"},
		{"iym2", vec(&Type{Kind: KindIntervalYearMonth}, func(v *Vector) { v.AppendInt(-14) }), "-1-02", "P-1Y-2M"},
		{"array", vec(ArrayOf(Int), func(v *Vector) {
			v.Children[0].AppendInt(1)
			v.Children[0].AppendNull()
			v.Children[0].AppendInt(2)
			v.CloseNested()
		}), "[1, NULL, 2]", "[1, null, 2]"},
		{"map", vec(MapOf(String, Int), func(v *Vector) {
			v.Children[0].AppendString("a")
			v.Children[1].AppendInt(1)
			v.Children[0].AppendString("b")
			v.Children[1].AppendInt(2)
			v.CloseNested()
		}), "{a=1, b=2}", "{a=1, b=2}"},
		{"row", vec(RowOf(Field{"a", Int}, Field{"b", String}), func(v *Vector) {
			v.Children[0].AppendInt(1)
			v.Children[1].AppendString("abc")
			v.CloseRow()
		}), "(1, abc)", "+I[1, abc]"},
	}
	for _, c := range cases {
		if got := string(AppendValue(nil, c.v, 0, StyleSQL)); got != c.sql {
			t.Errorf("%s: SQL = %q, want %q", c.name, got, c.sql)
		}
		if got := string(AppendValue(nil, c.v, 0, StylePrint)); got != c.print {
			t.Errorf("%s: print = %q, want %q", c.name, got, c.print)
		}
	}
}

func TestAppendRowPrint(t *testing.T) {
	b := NewBatch([]*Type{Int, String, Boolean}, 4)
	b.Cols[0].AppendInt(1)
	b.Cols[1].AppendString("Hello")
	b.Cols[2].AppendNull()
	b.AppendKind(Insert)
	b.Len++
	b.Cols[0].AppendInt(2)
	b.Cols[1].AppendString("x")
	b.Cols[2].AppendBool(false)
	b.AppendKind(UpdateBefore)
	b.Len++
	if got := string(AppendRowPrint(nil, b, 0)); got != "+I[1, Hello, null]" {
		t.Errorf("row 0 = %q", got)
	}
	if got := string(AppendRowPrint(nil, b, 1)); got != "-U[2, x, false]" {
		t.Errorf("row 1 = %q", got)
	}
}

func TestCivilRoundTrip(t *testing.T) {
	for d := int64(-800000); d < 3000000; d += 37 {
		y, m, dd := CivilFromDays(d)
		if back := DaysFromCivil(y, m, dd); back != d {
			t.Fatalf("round trip %d -> %d-%d-%d -> %d", d, y, m, dd, back)
		}
	}
}

func TestTrimmedAndInstant(t *testing.T) {
	ts := int64(1577882096120000)
	if got := string(AppendTimestampTrimmed(nil, ts, ' ')); got != "2020-01-01 12:34:56.12" {
		t.Errorf("trimmed = %q", got)
	}
	if got := string(AppendTimestampTrimmed(nil, 1577882040000000, 'T')); got != "2020-01-01T12:34:00" {
		t.Errorf("trimmed T = %q", got)
	}
	if got := FormatDate(-719162); got != "0001-01-01" {
		t.Errorf("FormatDate = %q", got)
	}
	if got := FormatTimestamp(0, 0); got != "1970-01-01 00:00:00" {
		t.Errorf("FormatTimestamp = %q", got)
	}
}

func TestTimestampNanosFormatParse(t *testing.T) {
	cases := []struct {
		in        string
		precision int
		want      string
	}{
		{"2020-01-01 12:00:00.123456789", 9, "2020-01-01 12:00:00.123456789"},
		{"2020-01-01 12:00:00.123456789", 7, "2020-01-01 12:00:00.1234567"},
		{"2020-01-01 12:00:00.123456789", 6, "2020-01-01 12:00:00.123456"},
		{"2020-01-01 12:00:00.123456789", 3, "2020-01-01 12:00:00.123"},
		{"2020-01-01 12:00:00.999", 0, "2020-01-01 12:00:00"},
		{"2020-01-01T12:00", 9, "2020-01-01 12:00:00.000000000"},
		{"1969-12-31 23:59:59.000000001", 9, "1969-12-31 23:59:59.000000001"},
	}
	for _, c := range cases {
		us, ns, err := ParseTimestampNanosBytes([]byte(c.in), c.precision)
		if err != nil {
			t.Errorf("parse %q: %v", c.in, err)
			continue
		}
		if got := string(AppendTimestampNanos(nil, us, ns, c.precision)); got != c.want {
			t.Errorf("%q at %d = %q, want %q", c.in, c.precision, got, c.want)
		}
	}
}

func TestLocalMicros(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	parse := func(s string) int64 {
		us, err := ParseTimestamp(s, 6)
		if err != nil {
			t.Fatal(err)
		}
		return us
	}
	cases := []struct{ local, utc string }{
		{"2024-01-15 12:00:00", "2024-01-15 17:00:00"},
		{"2024-07-15 12:00:00.123456", "2024-07-15 16:00:00.123456"},
		// A gap moves forward by its length (java.time): 02:30 EST = 07:30Z.
		{"2024-03-10 02:30:00", "2024-03-10 07:30:00"},
		// An overlap takes the earlier offset: 01:30 EDT = 05:30Z.
		{"2024-11-03 01:30:00", "2024-11-03 05:30:00"},
		{"1969-12-31 23:00:00.5", "1970-01-01 04:00:00.5"},
	}
	for _, c := range cases {
		if got := FromLocalMicros(parse(c.local), ny); got != parse(c.utc) {
			t.Errorf("FromLocalMicros(%s) = %s, want %s", c.local, FormatTimestamp(got, 6), c.utc)
		}
	}
	if got := ToLocalMicros(parse("2024-07-15 16:00:00"), ny); got != parse("2024-07-15 12:00:00") {
		t.Errorf("ToLocalMicros = %s", FormatTimestamp(got, 6))
	}
	if got := ToLocalMicros(42, nil); got != 42 {
		t.Errorf("ToLocalMicros(nil zone) = %d", got)
	}
}
