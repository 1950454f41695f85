package expr

import (
	"strings"
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

func TestClockFunctions(t *testing.T) {
	// 2021-03-04 05:06:07.891234 UTC
	const now = int64(1614834367891234)
	SetClock(func() int64 { return now })
	defer SetClock(nil)
	runCases(t, []evalCase{
		{C("NOW"), "2021-03-04 05:06:07.891"},
		{C("CURRENT_TIMESTAMP"), "2021-03-04 05:06:07.891"},
		{C("LOCALTIMESTAMP"), "2021-03-04 05:06:07.891"},
		{C("CURRENT_DATE"), "2021-03-04"},
		{C("CURRENT_TIME"), "05:06:07"},
		{C("PROCTIME"), "2021-03-04 05:06:07.891"},
		{C("UNIX_TIMESTAMP"), "1614834367"},
	})
	runTypeCases(t, []typeCase{
		{C("NOW"), "TIMESTAMP_LTZ(3) NOT NULL"},
		{C("LOCALTIMESTAMP"), "TIMESTAMP(3) NOT NULL"},
		{C("CURRENT_DATE"), "DATE NOT NULL"},
		{C("CURRENT_TIME"), "TIME(0) NOT NULL"},
	})
	p := C("PROCTIME")
	if p.Type().TimeAttr != types.ProcTime || p.Type().SummaryString() != "TIMESTAMP_LTZ(3) NOT NULL *PROCTIME*" {
		t.Errorf("PROCTIME type %s", p.Type().SummaryString())
	}
	for _, name := range []string{"NOW", "CURRENT_TIMESTAMP", "PROCTIME", "UNIX_TIMESTAMP", "CURRENT_DATE"} {
		if fn, _ := Lookup(name); !fn.NonDeterministic {
			t.Errorf("%s must be non-deterministic", name)
		}
	}
}

func TestTimeFunctions(t *testing.T) {
	ts := TS("2020-02-29 13:14:15.678")
	runCases(t, []evalCase{
		{C("TO_TIMESTAMP", L("2020-01-02 03:04:05")), "2020-01-02 03:04:05.000"},
		{C("TO_TIMESTAMP", L("2020-01-02 03:04:05.123456")), "2020-01-02 03:04:05.123"},
		{C("TO_TIMESTAMP", L("02/01/2020 03:04"), L("dd/MM/yyyy HH:mm")), "2020-01-02 03:04:00.000"},
		{C("TO_TIMESTAMP", L("20200102030405"), L("yyyyMMddHHmmss")), "2020-01-02 03:04:05.000"},
		{C("TO_TIMESTAMP", L("2020-01-02 03:04:05.678"), L("yyyy-MM-dd HH:mm:ss.SSS")), "2020-01-02 03:04:05.678"},
		{C("TO_TIMESTAMP", L("Jan 5 2021 1:02 PM"), L("MMM d yyyy h:mm a")), "2021-01-05 13:02:00.000"},
		{C("TO_TIMESTAMP", L("garbage")), "NULL"},
		{C("TO_TIMESTAMP", L("2020-01-02"), L("yyyy-MM-dd HH")), "NULL"},
		{C("TO_DATE", L("2020-01-02")), "2020-01-02"},
		{C("TO_DATE", L("02.01.2020"), L("dd.MM.yyyy")), "2020-01-02"},
		{C("TO_DATE", L("2020-13-02")), "NULL"},
		{C("TO_TIMESTAMP_LTZ", L(int64(1609459200)), L(0)), "2021-01-01 00:00:00.000"},
		{C("TO_TIMESTAMP_LTZ", L(int64(1609459200123)), L(3)), "2021-01-01 00:00:00.123"},
		{C("TO_TIMESTAMP_LTZ", L(int64(1609459200123))), "2021-01-01 00:00:00.123"},
		{C("TO_TIMESTAMP_LTZ", L(int64(1)), L(7)), "NULL"},
		{C("DATE_FORMAT", ts, L("yyyy-MM-dd")), "2020-02-29"},
		{C("DATE_FORMAT", ts, L("yyyy/MM/dd HH:mm:ss.SSS")), "2020/02/29 13:14:15.678"},
		{C("DATE_FORMAT", ts, L("yy-M-d h:mm a EEE EEEE MMM MMMM D")), "20-2-29 1:14 PM Sat Saturday Feb February 60"},
		{C("DATE_FORMAT", ts, L("'T'HH'h' ''")), "T13h '"},
		{C("DATE_FORMAT", ts, L("SSSSSS")), "678000"},
		{C("DATE_FORMAT", L("2020-01-02 03:04:05"), L("HH:mm")), "03:04"},
		{C("DATE_FORMAT", CastE(ts, types.TimestampLTZ3), L("yyyy-MM-dd HH:mm:ss")), "2020-02-29 13:14:15"},
		{C("FROM_UNIXTIME", L(int64(0))), "1970-01-01 00:00:00"},
		{C("FROM_UNIXTIME", L(int64(1609459200)), L("yyyy-MM-dd")), "2021-01-01"},
		{C("UNIX_TIMESTAMP", L("2021-01-01 00:00:00")), "1609459200"},
		{C("UNIX_TIMESTAMP", L("2021/01/01"), L("yyyy/MM/dd")), "1609459200"},
		{C("UNIX_TIMESTAMP", L("bad")), "-9223372036854775808"},
		{C("UNIX_TIMESTAMP", L("2021-01-01 00:00:01.5")), "1609459201"},
		{C("EXTRACT", L("YEAR"), ts), "2020"},
		{C("EXTRACT", L("month"), ts), "2"},
		{C("EXTRACT", L("DAY"), ts), "29"},
		{C("EXTRACT", L("HOUR"), ts), "13"},
		{C("EXTRACT", L("MINUTE"), ts), "14"},
		{C("EXTRACT", L("SECOND"), ts), "15"},
		{C("EXTRACT", L("MILLISECOND"), ts), "15678"},
		{C("EXTRACT", L("DOW"), ts), "7"},
		{C("EXTRACT", L("DOY"), ts), "60"},
		{C("EXTRACT", L("WEEK"), ts), "9"},
		{C("EXTRACT", L("QUARTER"), ts), "1"},
		{C("EXTRACT", L("EPOCH"), TS("1970-01-02 00:00:00")), "86400"},
		{C("EXTRACT", L("YEAR"), DT("1999-12-31")), "1999"},
		{C("EXTRACT", L("DOW"), DT("2024-01-07")), "1"},
		{C("EXTRACT", L("WEEK"), DT("2021-01-03")), "53"},
		{C("EXTRACT", L("DAY"), TY(3*86400000+5, &types.Type{Kind: types.KindIntervalDayTime})), "3"},
		{C("EXTRACT", L("YEAR"), L(nil)), "NULL"},
		{C("YEAR", ts), "2020"},
		{C("MONTH", DT("2021-07-01")), "7"},
		{C("DAYOFMONTH", ts), "29"},
		{C("HOUR", ts), "13"},
		{C("MINUTE", ts), "14"},
		{C("SECOND", ts), "15"},
		{C("QUARTER", DT("2021-11-30")), "4"},
		{C("WEEK", DT("2021-01-04")), "1"},
		{C("DAYOFWEEK", DT("2021-01-04")), "2"},
		{C("DAYOFYEAR", DT("2021-12-31")), "365"},
		{C("TIMESTAMPADD", L("DAY"), L(2), ts), "2020-03-02 13:14:15.678"},
		{C("TIMESTAMPADD", L("MONTH"), L(12), ts), "2021-02-28 13:14:15.678"},
		{C("TIMESTAMPADD", L("year"), L(-1), DT("2020-02-29")), "2019-02-28"},
		{C("TIMESTAMPADD", L("HOUR"), L(5), DT("2020-02-29")), "2020-02-29 05:00:00"},
		{C("TIMESTAMPADD", L("WEEK"), L(1), DT("2020-02-29")), "2020-03-07"},
		{C("TIMESTAMPADD", L("SECOND"), L(90), ts), "2020-02-29 13:15:45.678"},
		{C("TIMESTAMPDIFF", L("DAY"), TS("2020-01-01 00:00:00"), TS("2020-01-03 12:00:00")), "2"},
		{C("TIMESTAMPDIFF", L("HOUR"), TS("2020-01-03 12:00:00"), TS("2020-01-01 00:00:00")), "-60"},
		{C("TIMESTAMPDIFF", L("MONTH"), DT("2020-01-31"), DT("2020-02-29")), "0"},
		{C("TIMESTAMPDIFF", L("MONTH"), DT("2020-01-31"), DT("2020-03-31")), "2"},
		{C("TIMESTAMPDIFF", L("YEAR"), DT("2019-06-01"), TS("2021-05-31 23:00:00")), "1"},
		{C("TIMESTAMPDIFF", L("SECOND"), DT("2020-01-01"), TS("2020-01-01 00:01:00")), "60"},
		{C("FLOOR", ts, L("HOUR")), "2020-02-29 13:00:00.000"},
		{C("FLOOR", ts, L("DAY")), "2020-02-29 00:00:00.000"},
		{C("FLOOR", ts, L("MONTH")), "2020-02-01 00:00:00.000"},
		{C("FLOOR", ts, L("YEAR")), "2020-01-01 00:00:00.000"},
		{C("FLOOR", ts, L("WEEK")), "2020-02-23 00:00:00.000"},
		{C("CEIL", ts, L("HOUR")), "2020-02-29 14:00:00.000"},
		{C("CEIL", ts, L("MONTH")), "2020-03-01 00:00:00.000"},
		{C("CEIL", TS("2020-02-29 13:00:00"), L("HOUR")), "2020-02-29 13:00:00.000"},
		{C("FLOOR", DT("2020-02-29"), L("QUARTER")), "2020-01-01"},
	})
	runTypeCases(t, []typeCase{
		{C("EXTRACT", L("YEAR"), ts), "BIGINT NOT NULL"},
		{C("TIMESTAMPADD", L("HOUR"), L(5), DT("2020-02-29")), "TIMESTAMP(0) NOT NULL"},
		{C("TIMESTAMPADD", L("DAY"), L(5), DT("2020-02-29")), "DATE NOT NULL"},
		{C("TIMESTAMPDIFF", L("DAY"), ts, ts), "INT NOT NULL"},
		{C("TO_TIMESTAMP", L("x")), "TIMESTAMP(3)"},
	})
	if e := planErr("EXTRACT", L("FORTNIGHT"), ts); e != "Invalid time unit 'FORTNIGHT'" {
		t.Errorf("plan error: %s", e)
	}
	if e := planErr("TIMESTAMPADD", L("DOW"), L(1), ts); !strings.Contains(e, "Invalid time unit") {
		t.Errorf("plan error: %s", e)
	}
	if e := planErr("YEAR", L("x")); !strings.Contains(e, "Cannot apply 'YEAR'") {
		t.Errorf("plan error: %s", e)
	}
}

func TestTimestampColumnsAcrossBatches(t *testing.T) {
	// DATE_FORMAT with a format column: the cached pattern follows the rows.
	b := batchOf(vec(types.Timestamp3, "2020-01-02 03:04:05", nil, "1969-12-31 23:59:59.999"),
		vec(types.String, "yyyy", "MM", "HH:mm:ss.SSS"))
	e := C("DATE_FORMAT", colRef(0, types.Timestamp3), colRef(1, types.String))
	if got := evalRows(t, e, b); got != "2020|NULL|23:59:59.999" {
		t.Errorf("got %s", got)
	}
}
