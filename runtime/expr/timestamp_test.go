package expr

import (
	"testing"
	"time"

	"github.com/flinkgo/engine/runtime/types"
)

// inZone sets the session time zone on every call of e.
func inZone(e Expr, zone *time.Location) Expr {
	if c, ok := e.(*Call); ok {
		c.Zone = zone
		for _, a := range c.Args {
			inZone(a, zone)
		}
	}
	return e
}

func TestTimestampPrecision(t *testing.T) {
	ts9 := func(s string) Expr { return TL(s, types.Timestamp(9)) }
	runCases(t, []evalCase{
		// Nanoseconds are kept and printed with exactly p digits.
		{ts9("2020-01-01 12:00:00.123456789"), "2020-01-01 12:00:00.123456789"},
		{CastE(L("2020-01-01 12:00:00.123456789"), types.Timestamp(9)), "2020-01-01 12:00:00.123456789"},
		{CastE(L("2020-01-01 12:00:00.1"), types.Timestamp(9)), "2020-01-01 12:00:00.100000000"},
		{CastE(L("2020-01-01 12:00:00.123456789"), types.Timestamp(7)), "2020-01-01 12:00:00.1234567"},
		{CastE(L("2020-01-01 12:00:00.123456789"), types.Timestamp(3)), "2020-01-01 12:00:00.123"},
		{CastE(L("2020-01-01 12:00:00.987"), types.Timestamp(0)), "2020-01-01 12:00:00"},
		{CastE(L("1969-12-31 23:59:59.123456789"), types.Timestamp(9)), "1969-12-31 23:59:59.123456789"},
		// Lowering the precision truncates (DateTimeUtils.truncate).
		{CastE(ts9("2020-01-01 12:00:00.123456789"), types.Timestamp(3)), "2020-01-01 12:00:00.123"},
		{CastE(ts9("2020-01-01 12:00:00.123456789"), types.Timestamp(6)), "2020-01-01 12:00:00.123456"},
		{CastE(ts9("2020-01-01 12:00:00.123456789"), types.Timestamp(8)), "2020-01-01 12:00:00.12345678"},
		{CastE(CastE(ts9("2020-01-01 12:00:00.123456789"), types.Timestamp(8)), types.Timestamp(9)), "2020-01-01 12:00:00.123456780"},
		{CastE(CastE(ts9("2020-01-01 12:00:00.123456789"), types.Timestamp(0)), types.Timestamp(9)), "2020-01-01 12:00:00.000000000"},
		// ... toward zero on epoch milliseconds, so before 1970 it rounds up.
		{CastE(TS("1969-12-31 23:59:59.999"), types.Timestamp(0)), "1970-01-01 00:00:00"},
		// (Flink keeps the value when its nano-of-second has at most p
		// digits; a TIMESTAMP(p <= 6) column holds no nanoseconds, so only
		// the shown digits remain, which is what Flink prints.)
		{CastE(ts9("2020-01-01 00:00:00.000000123"), types.Timestamp(3)), "2020-01-01 00:00:00.000"},
		// Rendering as STRING and to DATE/TIME.
		{CastE(ts9("2020-01-01 12:00:00.000000001"), types.String), "2020-01-01 12:00:00.000000001"},
		{CastE(ts9("2020-01-01 12:00:00.123456789"), types.Date), "2020-01-01"},
		{C("EXTRACT", L("NANOSECOND"), ts9("2020-01-01 12:00:01.123456789")), "1123456789"},
		{C("DATE_FORMAT", ts9("2020-01-01 12:00:01.123456789"), L("HH:mm:ss.SSSSSSSSS")), "12:00:01.123456789"},
		// Arithmetic keeps them.
		{C("+", ts9("2020-01-01 12:00:00.123456789"), TY(86400000, &types.Type{Kind: types.KindIntervalDayTime, Precision: 3})), "2020-01-02 12:00:00.123456789"},
		{C("TIMESTAMPADD", L("HOUR"), L(1), ts9("2020-01-01 12:00:00.000000009")), "2020-01-01 13:00:00.000000009"},
		// Comparisons see the nanoseconds.
		{C("=", ts9("2020-01-01 12:00:00.123456789"), ts9("2020-01-01 12:00:00.123456788")), "FALSE"},
		{C(">", ts9("2020-01-01 12:00:00.123456789"), ts9("2020-01-01 12:00:00.123456788")), "TRUE"},
		{C("=", ts9("2020-01-01 12:00:00.123456789"), ts9("2020-01-01 12:00:00.123456789")), "TRUE"},
	})
}

func TestTimestampPrintStyle(t *testing.T) {
	v := vec(types.Timestamp(9), "2020-01-01 12:00:00.123456789", "2020-01-01 12:00:00")
	l := vec(types.TimestampLTZ(9), "2020-01-01 12:00:00.000000100")
	for _, c := range []struct{ got, want string }{
		{string(types.AppendValue(nil, v, 0, types.StylePrint)), "2020-01-01T12:00:00.123456789"},
		{string(types.AppendValue(nil, v, 1, types.StylePrint)), "2020-01-01T12:00"},
		{string(types.AppendValue(nil, l, 0, types.StylePrint)), "2020-01-01T12:00:00.000000100Z"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestTimestampVectorCopies(t *testing.T) {
	src := vec(types.Timestamp(9), "2020-01-01 12:00:00.000000001", nil, "2020-01-01 12:00:00.999999999")
	dst := types.NewVector(types.Timestamp(9), 4)
	dst.AppendRange(src, 0, 3)
	dst.AppendFrom(src, 2)
	want := []string{"2020-01-01 12:00:00.000000001", "NULL", "2020-01-01 12:00:00.999999999", "2020-01-01 12:00:00.999999999"}
	for i, w := range want {
		if got := render(dst, i); got != w {
			t.Errorf("row %d = %q, want %q", i, got, w)
		}
	}
	// A millisecond timestamp carries no nanosecond column.
	if ms := types.NewVector(types.Timestamp3, 4); ms.Nanos != nil {
		t.Errorf("TIMESTAMP(3) vector has a nanosecond column")
	}
}

func TestSessionTimeZone(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	ltz := func(s string) Expr { return TL(s, types.TimestampLTZ3) } // parsed as UTC
	epoch := ltz("1970-01-01 00:00:00")
	runCases(t, []evalCase{
		{inZone(CastE(epoch, types.String), sh), "1970-01-01 08:00:00.000"},
		{inZone(CastE(epoch, types.Timestamp3), sh), "1970-01-01 08:00:00.000"},
		{inZone(CastE(epoch, types.Date), sh), "1970-01-01"},
		{inZone(CastE(CastE(TS("1970-01-01 08:00:00"), types.TimestampLTZ3), types.BigInt), sh), "0"},
		{inZone(CastE(CastE(L("1970-01-01 08:00:00"), types.TimestampLTZ3), types.BigInt), sh), "0"},
		{inZone(C("HOUR", epoch), sh), "8"},
		{inZone(C("EXTRACT", L("DAY"), ltz("2020-12-31 20:00:00")), sh), "1"},
		{inZone(C("DATE_FORMAT", epoch, L("yyyy-MM-dd HH:mm")), sh), "1970-01-01 08:00"},
		{inZone(C("FROM_UNIXTIME", L(0)), sh), "1970-01-01 08:00:00"},
		{inZone(C("UNIX_TIMESTAMP", L("1970-01-01 08:00:00")), sh), "0"},
		// Without a zone (nil) the session zone is UTC.
		{CastE(epoch, types.String), "1970-01-01 00:00:00.000"},
		{C("HOUR", epoch), "0"},
	})
	// Tableau rendering of TIMESTAMP_LTZ in the zone.
	v := vec(types.TimestampLTZ(9), "1970-01-01 00:00:00.123456789")
	if got := string(types.AppendValueIn(nil, v, 0, types.StyleSQL, sh)); got != "1970-01-01 08:00:00.123456789" {
		t.Errorf("LTZ in Asia/Shanghai = %q", got)
	}
}

func TestLocalClockFunctions(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	SetClock(func() int64 { return 16*3600e6 + 123456 }) // 1970-01-01 16:00:00.123456 UTC
	defer SetClock(nil)
	runCases(t, []evalCase{
		{inZone(C("LOCALTIMESTAMP"), sh), "1970-01-02 00:00:00.123"},
		{inZone(C("CURRENT_DATE"), sh), "1970-01-02"},
		{inZone(C("LOCALTIME"), sh), "00:00:00"},
		{inZone(CastE(C("CURRENT_TIMESTAMP"), types.String), sh), "1970-01-02 00:00:00.123"},
		{C("LOCALTIMESTAMP"), "1970-01-01 16:00:00.123"},
	})
}

func TestTimestampNanosThroughConditionals(t *testing.T) {
	ts9 := func(s string) Expr { return TL(s, types.Timestamp(9)) }
	null9 := LiteralNull(types.Timestamp(9))
	runCases(t, []evalCase{
		{C("COALESCE", null9, ts9("2020-01-01 12:00:00.123456789")), "2020-01-01 12:00:00.123456789"},
		{C("IF", L(true), ts9("2020-01-01 12:00:00.000000001"), null9), "2020-01-01 12:00:00.000000001"},
		{C("CASE", L(false), ts9("2020-01-01 12:00:00.000000001"), ts9("2020-01-01 12:00:00.000000002")), "2020-01-01 12:00:00.000000002"},
		{C("GREATEST", ts9("2020-01-01 12:00:00.000000001"), ts9("2020-01-01 12:00:00.000000002")), "2020-01-01 12:00:00.000000002"},
		{C("LEAST", ts9("2020-01-01 12:00:00.000000001"), ts9("2020-01-01 12:00:00.000000002")), "2020-01-01 12:00:00.000000001"},
	})
}

func TestCompareAcrossZones(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	epoch := TL("1970-01-01 00:00:00", types.TimestampLTZ3)
	runCases(t, []evalCase{
		{inZone(C("=", epoch, TS("1970-01-01 08:00:00")), sh), "TRUE"},
		{inZone(C("<", epoch, TS("1970-01-01 07:59:59.999")), sh), "FALSE"},
		{C("=", epoch, TS("1970-01-01 00:00:00")), "TRUE"},
	})
}
