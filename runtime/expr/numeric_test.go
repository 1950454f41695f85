package expr

import (
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

func TestNumericFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{C("ABS", L(-5)), "5"},
		{C("ABS", D("-1.50")), "1.50"},
		{C("ABS", L(-2.5)), "2.5"},
		{C("ABS", L(nil)), "NULL"},
		{C("ROUND", L(2.675), L(2)), "2.68"},
		{C("ROUND", L(-2.5)), "-3.0"},
		{C("ROUND", L(125), L(-1)), "130"},
		{C("ROUND", L(-125), L(-1)), "-130"},
		{C("ROUND", L(124), L(1)), "124"},
		{C("ROUND", D("12.345"), L(2)), "12.35"},
		{C("ROUND", D("-12.345"), L(2)), "-12.35"},
		{C("ROUND", D("12.345")), "12"},
		{C("ROUND", D("99.5")), "100"},
		{C("ROUND", D("1234.5"), L(-2)), "1200"},
		{C("TRUNCATE", D("12.345"), L(2)), "12.34"},
		{C("TRUNCATE", L(2.679), L(2)), "2.67"},
		{C("TRUNCATE", L(129), L(-1)), "120"},
		{C("FLOOR", L(-1.5)), "-2.0"},
		{C("CEIL", L(1.2)), "2.0"},
		{C("CEILING", D("1.20")), "2"},
		{C("FLOOR", D("-1.20")), "-2"},
		{C("FLOOR", L(7)), "7"},
		{C("POWER", L(2), L(10)), "1024.0"},
		{C("POW", L(2.0), L(0.5)), "1.4142135623730951"},
		{C("SQRT", L(16)), "4.0"},
		{C("LN", C("EXP", L(1))), "1.0"},
		{C("LOG10", L(1000)), "3.0"},
		{C("LOG2", L(8)), "3.0"},
		{C("LOG", L(2), L(8)), "3.0"},
		{C("SIGN", L(-3)), "-1"},
		{C("SIGN", D("2.50")), "1.00"},
		{C("SIGN", L(0.0)), "0.0"},
		{C("MOD", L(10), L(4)), "2"},
		{C("DEGREES", C("PI")), "180.0"},
		{C("BIN", L(5)), "101"},
		{C("HEX", L(255)), "FF"},
		{C("HEX", L("ab")), "6162"},
	})
	runTypeCases(t, []typeCase{
		{C("ROUND", D("12.345"), L(2)), "DECIMAL(5, 2) NOT NULL"},
		{C("ROUND", D("12.345")), "DECIMAL(3, 0) NOT NULL"},
		{C("ROUND", D("12.345"), L(5)), "DECIMAL(5, 3) NOT NULL"},
		{C("ROUND", D("12.345"), L(-1)), "DECIMAL(3, 0) NOT NULL"},
		{C("ROUND", L(2.5)), "DOUBLE NOT NULL"},
		{C("ABS", L(int64(1))), "BIGINT NOT NULL"},
		{C("FLOOR", D("12.345")), "DECIMAL(3, 0) NOT NULL"},
		{C("SQRT", L(4)), "DOUBLE NOT NULL"},
	})
	// ROUND with a non-literal digit count keeps the DECIMAL scale.
	b := batchOf(vec(types.Decimal(6, 3), "12.345", "1.005", nil), vec(types.Int, 1, 2, 2))
	e := C("ROUND", colRef(0, types.Decimal(6, 3)), colRef(1, types.Int))
	if e.Type().String() != "DECIMAL(6, 3)" {
		t.Errorf("type %s", e.Type())
	}
	if got := evalRows(t, e, b); got != "12.300|1.010|NULL" {
		t.Errorf("got %s", got)
	}
	// RAND with a seed is deterministic; without one it is in [0, 1).
	r1, _ := eval1(C("RAND", L(42)))
	r2, _ := eval1(C("RAND", L(42)))
	if r1 != r2 {
		t.Errorf("seeded RAND differs: %s %s", r1, r2)
	}
	fn, _ := Lookup("RAND")
	if !fn.NonDeterministic {
		t.Error("RAND must be non-deterministic")
	}
	if got, _ := eval1(C("<", C("RAND_INTEGER", L(10)), L(10))); got != "TRUE" {
		t.Errorf("RAND_INTEGER: %s", got)
	}
}
