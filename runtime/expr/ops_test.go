package expr

import (
	"strings"
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

func TestArithmetic(t *testing.T) {
	runCases(t, []evalCase{
		{C("+", L(1), L(2)), "3"},
		{C("-", L(1), L(5)), "-4"},
		{C("*", L(6), L(7)), "42"},
		{C("/", L(7), L(2)), "3"},
		{C("/", L(-7), L(2)), "-3"},
		{C("%", L(7), L(3)), "1"},
		{C("%", L(-7), L(3)), "-1"},
		{C("MOD", L(7), L(-3)), "1"},
		{C("+", L(2147483647), L(1)), "-2147483648"}, // INT wraps like Java
		{C("+", L(int64(2147483647)), L(1)), "2147483648"},
		{C("*", L(int64(9223372036854775807)), L(2)), "-2"},
		{C("+", CastE(L(127), types.TinyInt), CastE(L(1), types.TinyInt)), "-128"},
		{C("+", L(1), L(1.5)), "2.5"},
		{C("/", L(1.0), L(0.0)), "Infinity"},
		{C("/", L(7), L(2.0)), "3.5"},
		{C("%", L(7.5), L(2)), "1.5"},
		{C("+", D("1.25"), D("2.5")), "3.75"},
		{C("+", D("1.25"), L(1)), "2.25"},
		{C("*", D("1.25"), D("1.25")), "1.5625"},
		{C("/", D("1.00"), D("3")), "0.333333"},
		{C("/", L(1), D("3.0")), "0.333333"},
		{C("-", D("0.1"), D("0.3")), "-0.2"},
		{C("%", D("7.5"), D("2")), "1.5"},
		{C("+", D("1.5"), L(1.5)), "3.0"},
		{C("NEGATE", L(5)), "-5"},
		{C("NEGATE", D("1.50")), "-1.50"},
		{C("NEGATE", CastE(L(-128), types.TinyInt)), "-128"},
		{C("+", L(1), L(nil)), "NULL"},
		{C("*", L(nil), D("1.5")), "NULL"},
		{C("/", L(nil), L(0)), "NULL"},
	})
	runTypeCases(t, []typeCase{
		{C("+", L(1), L(int64(2))), "BIGINT NOT NULL"},
		{C("+", CastE(L(1), types.TinyInt), CastE(L(1), types.SmallInt)), "SMALLINT NOT NULL"},
		{C("/", L(7), L(2)), "INT NOT NULL"},
		{C("%", L(int64(7)), L(2)), "INT NOT NULL"},
		{C("+", L(1), L(1.5)), "DOUBLE NOT NULL"},
		{C("+", CastE(L(1), types.Float), L(1)), "FLOAT NOT NULL"},
		{C("+", D("1.25"), D("10.5")), "DECIMAL(5, 2) NOT NULL"},
		{C("*", D("1.25"), D("10.5")), "DECIMAL(6, 3) NOT NULL"},
		{C("/", D("1.00"), D("3")), "DECIMAL(7, 6) NOT NULL"},
		{C("+", D("1.25"), L(1)), "DECIMAL(13, 2) NOT NULL"},
		{C("*", CastE(L(1), types.Decimal(38, 10)), CastE(L(1), types.Decimal(38, 10))), "DECIMAL(38, 6)"},
		{C("+", L(1), L(nil)), "INT"},
	})
}

func TestDivisionByZero(t *testing.T) {
	for _, e := range []Expr{C("/", L(1), L(0)), C("%", L(1), L(0)), C("/", D("1.5"), D("0"))} {
		if _, err := eval1(e); err == nil || !strings.Contains(err.Error(), "Division by zero") {
			t.Errorf("%s: err = %v, want Division by zero", e, err)
		}
	}
	// NULL divisor rows and zero divisor with NULL dividend are NULL, not errors.
	b := batchOf(vec(types.Int, 10, nil, 6), vec(types.Int, nil, 0, 3))
	if got := evalRows(t, C("/", colRef(0, types.Int), colRef(1, types.Int)), b); got != "NULL|NULL|2" {
		t.Errorf("got %s", got)
	}
}

func TestDecimalOverflowIsNull(t *testing.T) {
	big := CastE(D("99999999999999999999999999999999999999"), types.Decimal(38, 0))
	runCases(t, []evalCase{
		{C("+", big, big), "NULL"},
		{CastE(D("123.456"), types.Decimal(4, 2)), "NULL"},
		{CastE(D("12.345"), types.Decimal(4, 2)), "12.35"},
		{CastE(D("-12.345"), types.Decimal(4, 2)), "-12.35"},
	})
}

func TestTemporalArithmetic(t *testing.T) {
	day := &types.Type{Kind: types.KindIntervalDayTime}
	month := &types.Type{Kind: types.KindIntervalYearMonth}
	runCases(t, []evalCase{
		{C("+", TS("2020-01-31 10:00:00"), TY(86400000, day)), "2020-02-01 10:00:00.000"},
		{C("-", TS("2020-01-01 00:00:00"), TY(1000, day)), "2019-12-31 23:59:59.000"},
		{C("+", TS("2020-01-31 10:00:00"), TY(1, month)), "2020-02-29 10:00:00.000"},
		{C("+", TY(13, month), DT("2020-01-31")), "2021-02-28"},
		{C("+", DT("2020-01-31"), TY(2*86400000, day)), "2020-02-02"},
		{C("-", DT("2020-03-01"), TY(86400000, day)), "2020-02-29"},
		{C("+", TL("23:30:00", &types.Type{Kind: types.KindTime}), TY(3600000, day)), "00:30:00"},
		{C("+", TY(1000, day), TY(500, day)), "+0 00:00:01.500"},
		{C("*", TY(1000, day), L(3)), "+0 00:00:03.000"},
		{C("-", TS("2020-01-01 00:00:00"), L(nil)), "NULL"},
	})
	if e := planErr("+", TS("2020-01-01 00:00:00"), L(1)); !strings.Contains(e, "Cannot apply '+' to arguments of type '<TIMESTAMP(3)> + <INTEGER>'") {
		t.Errorf("plan error: %s", e)
	}
}

func TestComparisons(t *testing.T) {
	runCases(t, []evalCase{
		{C("=", L(1), L(int64(1))), "TRUE"},
		{C("<", L(1), L(1.5)), "TRUE"},
		{C(">=", D("1.50"), D("1.5")), "TRUE"},
		{C("=", D("1.50"), L(1.5)), "TRUE"},
		{C("<>", L(2), D("2.00")), "FALSE"},
		{C("<", L("abc"), L("abd")), "TRUE"},
		{C("=", L("abc"), CastE(L("abc"), types.String)), "TRUE"},
		{C(">", L("b"), L("abc")), "TRUE"},
		{C("<", L(false), L(true)), "TRUE"},
		{C("<", DT("2020-01-01"), TS("2020-01-01 00:00:01")), "TRUE"},
		{C("=", DT("2020-01-01"), TS("2020-01-01 00:00:00")), "TRUE"},
		{C(">", TS("2020-01-02 00:00:00"), L("2020-01-01 12:00:00")), "TRUE"},
		{C("=", L(1), L(nil)), "NULL"},
		{C("<>", L(nil), L(nil)), "NULL"},
		{C("=", L(0.0/1.0), L(-0.0)), "TRUE"},
		{C("IS DISTINCT FROM", L(1), L(nil)), "TRUE"},
		{C("IS DISTINCT FROM", L(nil), L(nil)), "FALSE"},
		{C("IS NOT DISTINCT FROM", L(nil), L(nil)), "TRUE"},
		{C("IS NOT DISTINCT FROM", L(2), L(2)), "TRUE"},
		{C("BETWEEN", L(5), L(1), L(10)), "TRUE"},
		{C("BETWEEN", L(0), L(1), L(10)), "FALSE"},
		{C("BETWEEN", L(5), L(nil), L(10)), "NULL"},
		{C("BETWEEN", L(50), L(nil), L(10)), "FALSE"},
		{C("NOT BETWEEN", L(50), L(1), L(10)), "TRUE"},
		{C("NOT BETWEEN", L(5), L(1), L(nil)), "NULL"},
		{C("IN", L(2), L(1), L(2), L(3)), "TRUE"},
		{C("IN", L(5), L(1), L(2)), "FALSE"},
		{C("IN", L(5), L(1), L(nil)), "NULL"},
		{C("IN", L(1), L(1), L(nil)), "TRUE"},
		{C("IN", L(nil), L(1)), "NULL"},
		{C("NOT IN", L(5), L(1), L(2)), "TRUE"},
		{C("NOT IN", L(5), L(1), L(nil)), "NULL"},
		{C("IN", L("b"), L("a"), L("b")), "TRUE"},
		{C("IN", L(2), D("2.0"), L(3)), "TRUE"},
		{C("GREATEST", L(1), L(5), L(3)), "5"},
		{C("LEAST", L(1), D("0.5")), "0.5"},
		{C("GREATEST", L(1), L(nil)), "NULL"},
		{C("=", C("__array", L(1), L(2)), C("__array", L(1), L(2))), "TRUE"},
		{C("<", C("ROW", L(1), L("a")), C("ROW", L(1), L("b"))), "TRUE"},
	})
	want := "Cannot apply '=' to arguments of type '<INTEGER> = <CHAR(3)>'. Supported form(s): '<COMPARABLE_TYPE> = <COMPARABLE_TYPE>'"
	if e := planErr("=", L(1), L("abc")); e != want {
		t.Errorf("plan error:\n got %s\nwant %s", e, want)
	}
}

func TestComparisonColumns(t *testing.T) {
	b := batchOf(
		vec(types.Int, 1, 5, nil, 20),
		vec(types.BigInt, 1, 4, 3, nil),
		vec(types.String, "a", "b", nil, "d"),
	)
	a, bb, s := colRef(0, types.Int), colRef(1, types.BigInt), colRef(2, types.String)
	cases := []evalCase{
		{C("=", a, bb), "TRUE|FALSE|NULL|NULL"},
		{C(">", a, bb), "FALSE|TRUE|NULL|NULL"},
		{C("<=", a, L(5)), "TRUE|TRUE|NULL|FALSE"},
		{C("=", s, L("b")), "FALSE|TRUE|NULL|FALSE"},
		{C("IN", a, L(1), L(20)), "TRUE|FALSE|NULL|TRUE"},
		{C("IS NULL", s), "FALSE|FALSE|TRUE|FALSE"},
		{C("IS NOT NULL", a), "TRUE|TRUE|FALSE|TRUE"},
	}
	for _, c := range cases {
		if got := evalRows(t, c.e, b); got != c.want {
			t.Errorf("%s = %s, want %s", c.e, got, c.want)
		}
	}
}

func TestThreeValuedLogic(t *testing.T) {
	vals := []*types.Vector{vec(types.Boolean, true, true, true, false, false, false, nil, nil, nil),
		vec(types.Boolean, true, false, nil, true, false, nil, true, false, nil)}
	b := batchOf(vals...)
	x, y := colRef(0, types.Boolean), colRef(1, types.Boolean)
	cases := []evalCase{
		{C("AND", x, y), "TRUE|FALSE|NULL|FALSE|FALSE|FALSE|NULL|FALSE|NULL"},
		{C("OR", x, y), "TRUE|TRUE|TRUE|TRUE|FALSE|NULL|TRUE|NULL|NULL"},
		{C("NOT", x), "FALSE|FALSE|FALSE|TRUE|TRUE|TRUE|NULL|NULL|NULL"},
		{C("IS TRUE", y), "TRUE|FALSE|FALSE|TRUE|FALSE|FALSE|TRUE|FALSE|FALSE"},
		{C("IS FALSE", y), "FALSE|TRUE|FALSE|FALSE|TRUE|FALSE|FALSE|TRUE|FALSE"},
		{C("IS NOT TRUE", y), "FALSE|TRUE|TRUE|FALSE|TRUE|TRUE|FALSE|TRUE|TRUE"},
		{C("IS NOT FALSE", y), "TRUE|FALSE|TRUE|TRUE|FALSE|TRUE|TRUE|FALSE|TRUE"},
		{C("AND", x, y, L(true)), "TRUE|FALSE|NULL|FALSE|FALSE|FALSE|NULL|FALSE|NULL"},
		{C("OR", x, L(nil)), "TRUE|TRUE|TRUE|NULL|NULL|NULL|NULL|NULL|NULL"},
	}
	for _, c := range cases {
		if got := evalRows(t, c.e, b); got != c.want {
			t.Errorf("%s = %s, want %s", c.e, got, c.want)
		}
	}
	if e := planErr("AND", L(1), L(true)); !strings.Contains(e, "Cannot apply 'AND' to arguments of type '<INTEGER> AND <BOOLEAN>'") {
		t.Errorf("plan error: %s", e)
	}
}

func TestConditionals(t *testing.T) {
	b := batchOf(vec(types.Int, 1, 2, 3, nil), vec(types.String, "x", nil, "z", "w"))
	a, s := colRef(0, types.Int), colRef(1, types.String)
	cases := []evalCase{
		{C("CASE", C("=", a, L(1)), L("one"), C("=", a, L(2)), L("two"), L("many")), "one|two|many|many"},
		{C("CASE", C("=", a, L(1)), L("one")), "one|NULL|NULL|NULL"},
		{C("CASE", C(">", a, L(1)), a, D("0.5")), "0.5|2.0|3.0|0.5"},
		{C("COALESCE", s, L("dflt")), "x|dflt|z|w"},
		{C("COALESCE", L(nil), a, L(9)), "1|2|3|9"},
		{C("IF", C(">", a, L(1)), L("big"), L("small")), "small|big|big|small"},
		{C("NULLIF", a, L(2)), "1|NULL|3|NULL"},
		{C("IFNULL", a, L(0)), "1|2|3|0"},
	}
	for _, c := range cases {
		if got := evalRows(t, c.e, b); got != c.want {
			t.Errorf("%s = %s, want %s", c.e, got, c.want)
		}
	}
	runTypeCases(t, []typeCase{
		{C("CASE", C("=", L(1), L(1)), L(1), L(int64(2))), "BIGINT NOT NULL"},
		{C("CASE", C("=", L(1), L(1)), L(1)), "INT"},
		{C("COALESCE", colRef(0, types.Int), L(0)), "INT NOT NULL"},
		{C("CASE", C("=", L(1), L(1)), D("1.5"), L(2)), "DECIMAL(11, 1) NOT NULL"},
	})
	if e := planErr("CASE", L(true), L(1), L("x")); e != "Illegal mixing of types in CASE or COALESCE statement" {
		t.Errorf("plan error: %s", e)
	}
}

func TestCommonType(t *testing.T) {
	cases := []struct {
		in   []*types.Type
		want string
	}{
		{[]*types.Type{types.Int, types.BigInt}, "BIGINT"},
		{[]*types.Type{types.Int, types.Decimal(5, 2)}, "DECIMAL(12, 2)"},
		{[]*types.Type{types.Float, types.Int}, "FLOAT"},
		{[]*types.Type{types.Decimal(5, 2), types.Double}, "DOUBLE"},
		{[]*types.Type{types.Char(3), types.Char(3)}, "CHAR(3)"},
		{[]*types.Type{types.Char(3), types.VarChar(10)}, "VARCHAR(10)"},
		{[]*types.Type{types.Date, types.Timestamp(6)}, "TIMESTAMP(6)"},
		{[]*types.Type{types.Timestamp3, types.TimestampLTZ(6)}, "TIMESTAMP_LTZ(6)"},
		{[]*types.Type{types.Null, types.Int.WithNullable(false)}, "INT"},
		{[]*types.Type{types.Int.WithNullable(false), types.Int.WithNullable(false)}, "INT NOT NULL"},
		{[]*types.Type{types.ArrayOf(types.Int), types.ArrayOf(types.Double)}, "ARRAY<DOUBLE>"},
	}
	for _, c := range cases {
		got, err := CommonType(c.in...)
		if err != nil || got.String() != c.want {
			t.Errorf("CommonType(%v) = %v, %v; want %s", c.in, got, err, c.want)
		}
	}
	if _, err := CommonType(types.Int, types.String); err == nil {
		t.Error("INT/STRING must not have a common type")
	}
}

func TestImplicitCast(t *testing.T) {
	c := colRef(0, types.Int)
	e, err := ImplicitCast(c, types.Int.WithNullable(false))
	if err != nil || e != c {
		t.Fatalf("same type must be a no-op: %v %v", e, err)
	}
	e, err = ImplicitCast(c, types.BigInt)
	if err != nil || e.Type().String() != "BIGINT" {
		t.Fatalf("INT→BIGINT: %v %v", e, err)
	}
	b := batchOf(vec(types.Int, 1, nil, -3))
	if got := evalRows(t, e, b); got != "1|NULL|-3" {
		t.Errorf("got %s", got)
	}
	if _, err := ImplicitCast(colRef(0, types.BigInt), types.Int); err == nil {
		t.Error("BIGINT→INT must not be implicit")
	}
	if _, err := ImplicitCast(colRef(0, types.String), types.Int); err == nil {
		t.Error("STRING→INT must not be implicit")
	}
	e, err = ImplicitCast(colRef(0, types.Date), types.Timestamp3)
	if err != nil {
		t.Fatal(err)
	}
	if got := evalRows(t, e, batchOf(vec(types.Date, "2020-02-03"))); got != "2020-02-03 00:00:00.000" {
		t.Errorf("got %s", got)
	}
}

func TestCollections(t *testing.T) {
	arr := C("__array", L(1), L(2), L(3))
	m := C("__map", L("a"), L(1), L("b"), L(2))
	runCases(t, []evalCase{
		{arr, "[1, 2, 3]"},
		{C("__array", L(1), D("2.5")), "[1.0, 2.5]"},
		{C("__array", L(1), L(nil)), "[1, NULL]"},
		{m, "{a=1, b=2}"},
		{C("ROW", L(1), L("x")), "(1, x)"},
		{C("CARDINALITY", arr), "3"},
		{C("CARDINALITY", m), "2"},
		{C("ITEM", arr, L(2)), "2"},
		{C("ITEM", arr, L(4)), "NULL"},
		{C("ITEM", arr, L(0)), "NULL"},
		{C("ITEM", m, L("b")), "2"},
		{C("ITEM", m, L("zz")), "NULL"},
		{C("ELEMENT", C("__array", L("only"))), "only"},
		{C("ARRAY_CONTAINS", arr, L(2)), "TRUE"},
		{C("ARRAY_CONTAINS", arr, L(7)), "FALSE"},
		{C("MAP_KEYS", m), "[a, b]"},
		{C("MAP_VALUES", m), "[1, 2]"},
		{C("SPLIT", L("a,b,,c"), L(",")), "[a, b, , c]"},
		{C("SPLIT", L("abc"), L("")), "[a, b, c]"},
	})
	if _, err := eval1(C("ELEMENT", arr)); err == nil {
		t.Error("ELEMENT of 3 elements must fail")
	}
	runTypeCases(t, []typeCase{
		{arr, "ARRAY<INT NOT NULL> NOT NULL"},
		{C("ITEM", arr, L(1)), "INT"},
		{C("ROW", L(1), L("x")), "ROW<`EXPR$0` INT NOT NULL, `EXPR$1` CHAR(1) NOT NULL> NOT NULL"},
	})
	// Arrays over columns with NULL rows and FieldAccess into a ROW.
	b := batchOf(vec(types.Int, 1, nil, 3))
	a := colRef(0, types.Int)
	if got := evalRows(t, C("__array", a, C("*", a, L(10))), b); got != "[1, 10]|[NULL, NULL]|[3, 30]" {
		t.Errorf("got %s", got)
	}
	r := C("ROW", a, L("k"))
	fa := &FieldAccess{Arg: r, Index: 0, T: types.Int}
	if got := evalRows(t, fa, b); got != "1|NULL|3" {
		t.Errorf("field access: %s", got)
	}
}

func TestGuardedErrors(t *testing.T) {
	b := batchOf(vec(types.Int, 10, 7, nil, 9), vec(types.Int, 2, 0, 0, 3), vec(types.String, "1", "x", "3", nil))
	a, d, s := colRef(0, types.Int), colRef(1, types.Int), colRef(2, types.String)
	cases := []evalCase{
		// CASE WHEN d <> 0 THEN a / d ELSE -1 END
		{C("CASE", C("<>", d, L(0)), C("/", a, d), L(-1)), "5|-1|-1|3"},
		{C("CASE", C("=", d, L(0)), L(0), C("/", a, d)), "5|0|0|3"},
		{C("IF", C("<>", d, L(0)), C("/", a, d), L(nil)), "5|NULL|NULL|3"},
		{C("AND", C("<>", d, L(0)), C(">", C("/", a, d), L(4))), "TRUE|FALSE|FALSE|FALSE"},
		{C("OR", C("=", d, L(0)), C(">", C("/", a, d), L(4))), "TRUE|TRUE|TRUE|FALSE"},
		{C("CASE", C("REGEXP", s, L("^[0-9]+$")), CastE(s, types.Int), L(0)), "1|0|3|0"},
	}
	for _, c := range cases {
		if got := evalRows(t, c.e, b); got != c.want {
			t.Errorf("%s = %s, want %s", c.e, got, c.want)
		}
	}
	// Row 2 ('x') reaches the CAST: COALESCE must fail.
	ev, _ := Compile(C("COALESCE", TryCastE(s, types.Int), CastE(C("CASE", C("IS NULL", s), L("0"), s), types.Int)))
	if _, err := ev.Eval(b); err == nil {
		t.Error("COALESCE reaching a failing CAST must fail")
	}
	// Unguarded errors still fail.
	ev, _ = Compile(C("+", C("/", a, d), L(1)))
	if _, err := ev.Eval(b); err == nil {
		t.Error("a / 0 outside a conditional must fail")
	}
	ev, _ = Compile(C("CASE", C("<>", a, L(0)), C("/", a, d), L(-1)))
	if _, err := ev.Eval(b); err == nil {
		t.Error("a guard that does not exclude the failing row must fail")
	}
}
