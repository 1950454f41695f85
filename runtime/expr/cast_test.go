package expr

import (
	"strings"
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

func TestCastMatrix(t *testing.T) {
	ltz := types.TimestampLTZ3
	tm := &types.Type{Kind: types.KindTime}
	runCases(t, []evalCase{
		// numeric ↔ numeric
		{CastE(L(300), types.TinyInt), "44"},
		{CastE(L(int64(4294967297)), types.Int), "1"},
		{CastE(L(1.9), types.Int), "1"},
		{CastE(L(-1.9), types.BigInt), "-1"},
		{CastE(L(1e20), types.Int), "2147483647"},
		{CastE(L(1e20), types.BigInt), "9223372036854775807"},
		{CastE(D("12.99"), types.Int), "12"},
		{CastE(D("-12.99"), types.SmallInt), "-12"},
		{CastE(L(3), types.Double), "3.0"},
		{CastE(L(0.1), types.Float), "0.1"},
		{CastE(D("1.25"), types.Double), "1.25"},
		{CastE(L(1.005), types.Decimal(5, 2)), "1.01"},
		{CastE(L(0.1), types.Decimal(10, 5)), "0.10000"},
		{CastE(L(12), types.Decimal(5, 2)), "12.00"},
		{CastE(L(1234), types.Decimal(5, 2)), "NULL"},
		{CastE(D("1.255"), types.Decimal(10, 2)), "1.26"},
		// boolean ↔ numeric
		{CastE(L(true), types.Int), "1"},
		{CastE(L(false), types.Double), "0.0"},
		{CastE(L(true), types.Decimal(3, 1)), "1.0"},
		{CastE(L(5), types.Boolean), "TRUE"},
		{CastE(L(0), types.Boolean), "FALSE"},
		{CastE(D("0.00"), types.Boolean), "FALSE"},
		// to string (SQL rendering)
		{CastE(L(42), types.String), "42"},
		{CastE(L(1.0), types.String), "1.0"},
		{CastE(L(1e10), types.String), "1.0E10"},
		{CastE(L(0.001), types.String), "0.001"},
		{CastE(D("1.50"), types.String), "1.50"},
		{CastE(L(true), types.String), "TRUE"},
		{CastE(TS("2020-01-02 03:04:05.678"), types.String), "2020-01-02 03:04:05.678"},
		{CastE(TL("2020-01-02 03:04:05", types.Timestamp(0)), types.String), "2020-01-02 03:04:05"},
		{CastE(DT("2020-01-02"), types.String), "2020-01-02"},
		{CastE(C("__ARRAY", L(1), L(2)), types.String), "[1, 2]"},
		// from string
		{CastE(L(" 42 "), types.Int), "42"},
		{CastE(L("-7"), types.TinyInt), "-7"},
		{CastE(L("1.9"), types.Int), "1"},
		{CastE(L("1.5e3"), types.Double), "1500.0"},
		{CastE(L("NaN"), types.Double), "NaN"},
		{CastE(L("3.14159"), types.Decimal(5, 2)), "3.14"},
		{CastE(L("123456"), types.Decimal(5, 2)), "NULL"},
		{CastE(L("true"), types.Boolean), "TRUE"},
		{CastE(L("N"), types.Boolean), "FALSE"},
		{CastE(L("2020-1-2"), types.Date), "2020-01-02"},
		{CastE(L("2020-01-02 10:11:12"), types.Date), "2020-01-02"},
		{CastE(L("10:11:12.345"), types.Time), "10:11:12"},
		{CastE(L("10:11:12.345"), tm.WithNullable(true)), "10:11:12"},
		{CastE(L("2020-01-02 10:11:12.123456"), types.Timestamp3), "2020-01-02 10:11:12.123"},
		{CastE(L("2020-01-02T10:11:12"), types.Timestamp(6)), "2020-01-02 10:11:12.000000"},
		{CastE(L("2020-01-02"), types.Timestamp3), "2020-01-02 00:00:00.000"},
		{CastE(L("2020-01-02 10:11:12"), ltz), "2020-01-02 10:11:12.000"},
		{CastE(L("abc"), types.Bytes), "x'616263'"},
		{CastE(CastE(L("abc"), types.Bytes), types.String), "abc"},
		// date-time
		{CastE(TS("2020-01-02 10:11:12.345"), types.Date), "2020-01-02"},
		{CastE(TS("2020-01-02 10:11:12.345"), types.Time), "10:11:12"},
		{CastE(TL("1969-12-31 23:59:59.5", types.Timestamp3), types.Date), "1969-12-31"},
		{CastE(DT("2020-01-02"), types.Timestamp3), "2020-01-02 00:00:00.000"},
		{CastE(TS("2020-01-02 10:11:12.345"), ltz), "2020-01-02 10:11:12.345"},
		{CastE(CastE(TS("2020-01-02 10:11:12.345"), ltz), types.Timestamp(0)), "2020-01-02 10:11:12"},
		{CastE(TL("2020-01-02 10:11:12.345678", types.Timestamp(6)), types.Timestamp3), "2020-01-02 10:11:12.345"},
		{CastE(L(int64(1)), ltz), "1970-01-01 00:00:01.000"},
		{CastE(CastE(L(int64(86400)), ltz), types.BigInt), "86400"},
		// collections
		{CastE(C("__ARRAY", L(1), L(2)), types.ArrayOf(types.Double)), "[1.0, 2.0]"},
		{CastE(C("ROW", L(1), L("x")), types.RowOf(types.Field{Name: "a", Type: types.BigInt}, types.Field{Name: "b", Type: types.String})), "(1, x)"},
		{CastE(C("__MAP", L("a"), L(1)), types.MapOf(types.String, types.String)), "{a=1}"},
		// NULL
		{CastE(L(nil), types.Int), "NULL"},
		{CastE(LiteralNull(types.String), types.Int), "NULL"},
	})
}

func TestCastFailures(t *testing.T) {
	for _, c := range []struct {
		e    Expr
		want string
	}{
		{CastE(L("abc"), types.Int), "Cast function cannot convert value 'abc' of type CHAR(3) to type INT"},
		{CastE(L("128"), types.TinyInt), "'128'"},
		{CastE(L("99999999999"), types.Int), "'99999999999'"},
		{CastE(L("maybe"), types.Boolean), "BOOLEAN"},
		{CastE(L("2020-13-01"), types.Date), "DATE"},
		{CastE(L("x1.5"), types.Decimal(5, 2)), "DECIMAL(5, 2)"},
		{CastE(L("1.5x"), types.Double), "DOUBLE"},
		{CastE(L("2020-01-01 25:00:00"), types.Timestamp3), "TIMESTAMP(3)"},
		{CastE(C("/", L(0.0), L(0.0)), types.Decimal(5, 2)), "NaN"},
	} {
		_, err := eval1(c.e)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want containing %q", c.e, err, c.want)
		}
	}
}

func TestTryCast(t *testing.T) {
	runCases(t, []evalCase{
		{TryCastE(L("abc"), types.Int), "NULL"},
		{TryCastE(L("12"), types.Int), "12"},
		{TryCastE(L("2020-13-01"), types.Date), "NULL"},
		{TryCastE(L("x"), types.Double), "NULL"},
		{TryCastE(L("x"), types.Decimal(5, 1)), "NULL"},
		{TryCastE(L("t"), types.Boolean), "TRUE"},
	})
	e := TryCastE(L("12"), types.Int)
	if !e.Type().Nullable() {
		t.Error("TRY_CAST must be nullable")
	}
	if e.String() != "TRY_CAST('12' AS INT)" {
		t.Errorf("String() = %s", e.String())
	}
	// A column with good, bad and NULL values.
	b := batchOf(vec(types.String, "1", "x", nil, " 3 "))
	if got := evalRows(t, TryCastE(colRef(0, types.String), types.Int), b); got != "1|NULL|NULL|3" {
		t.Errorf("got %s", got)
	}
}

func TestUnsupportedCast(t *testing.T) {
	for _, c := range []struct {
		from Expr
		to   *types.Type
		want string
	}{
		{L(1), types.Date, "Cast function cannot convert value of type INTEGER NOT NULL to type DATE"},
		{DT("2020-01-01"), types.Int, "Cast function cannot convert value of type DATE NOT NULL to type INTEGER"},
		{L(true), types.Timestamp3, "Cast function cannot convert value of type BOOLEAN NOT NULL to type TIMESTAMP(3)"},
		{C("__ARRAY", L(1)), types.Int, "Cast function cannot convert value of type INTEGER ARRAY NOT NULL to type INTEGER"},
	} {
		_, err := NewCast(c.from, c.to, false)
		if err == nil || err.Error() != c.want {
			t.Errorf("CAST(%s AS %s): err = %v, want %q", c.from, c.to, err, c.want)
		}
	}
}

func TestLiterals(t *testing.T) {
	for _, c := range []struct {
		e        Expr
		text, ty string
	}{
		{LiteralString("it's"), "'it''s'", "CHAR(4) NOT NULL"},
		{LiteralInt(5, types.BigInt), "5", "BIGINT NOT NULL"},
		{LiteralNull(types.Int), "NULL", "INT"},
		{LiteralBool(true), "TRUE", "BOOLEAN NOT NULL"},
		{LiteralFloat(1.5), "1.5", "DOUBLE NOT NULL"},
		{D("12.50"), "12.50", "DECIMAL(4, 2) NOT NULL"},
		{D("0.5"), "0.5", "DECIMAL(1, 1) NOT NULL"},
		{TS("2020-01-01 00:00:00"), "TIMESTAMP '2020-01-01 00:00:00.000'", "TIMESTAMP(3) NOT NULL"},
		{DT("2020-01-01"), "DATE '2020-01-01'", "DATE NOT NULL"},
	} {
		if c.e.String() != c.text || c.e.Type().String() != c.ty {
			t.Errorf("literal %s : %s, want %s : %s", c.e, c.e.Type(), c.text, c.ty)
		}
	}
	if _, err := LiteralFromString("2020-02-30", types.Date); err == nil {
		t.Error("invalid date literal must fail")
	}
}
