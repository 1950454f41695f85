package expr

import (
	"strconv"
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

// benchBatch is 1024 rows: a INT (every 10th NULL), b STRING, s STRING,
// d DECIMAL(10, 2).
func benchBatch() *types.Batch {
	n := types.DefaultBatchSize
	a := types.NewVector(types.Int, n)
	b := types.NewVector(types.String, n)
	s := types.NewVector(types.String, n)
	d := types.NewVector(types.Decimal(10, 2), n)
	for i := 0; i < n; i++ {
		if i%10 == 0 {
			a.AppendNull()
		} else {
			a.AppendInt(int64(i % 50))
		}
		if i%3 == 0 {
			b.AppendString("x-" + strconv.Itoa(i))
		} else {
			b.AppendString("y-" + strconv.Itoa(i))
		}
		s.AppendString("hello world " + strconv.Itoa(i))
		l, _ := LiteralDecimal(strconv.Itoa(i) + ".25")
		d.AppendFrom(l.Value, 0)
	}
	return batchOf(a, b, s, d)
}

func benchEval(bn *testing.B, e Expr) {
	b := benchBatch()
	ev, err := Compile(e)
	if err != nil {
		bn.Fatal(err)
	}
	if _, err := ev.Eval(b); err != nil {
		bn.Fatal(err)
	}
	bn.ReportAllocs()
	bn.ResetTimer()
	for i := 0; i < bn.N; i++ {
		if _, err := ev.Eval(b); err != nil {
			bn.Fatal(err)
		}
	}
	bn.ReportMetric(float64(bn.Elapsed().Nanoseconds())/float64(bn.N)/float64(b.Len), "ns/row")
}

func BenchmarkFilter(bn *testing.B) {
	a, b := colRef(0, types.Int), colRef(1, types.String)
	benchEval(bn, C("AND", C(">", a, L(10)), C("LIKE", b, L("x%"))))
}

func BenchmarkProjectArith(bn *testing.B) {
	a := colRef(0, types.Int)
	benchEval(bn, C("+", C("*", a, L(2)), L(1)))
}

func BenchmarkProjectUpper(bn *testing.B) {
	benchEval(bn, C("UPPER", colRef(2, types.String)))
}

func BenchmarkProjectDecimal(bn *testing.B) {
	d := colRef(3, types.Decimal(10, 2))
	benchEval(bn, C("+", C("*", d, D("1.10")), L(1)))
}

func BenchmarkCastIntToString(bn *testing.B) {
	benchEval(bn, CastE(colRef(0, types.Int), types.String))
}

func BenchmarkCaseWhen(bn *testing.B) {
	a := colRef(0, types.Int)
	benchEval(bn, C("CASE", C("<", a, L(10)), L("low"), C("<", a, L(30)), L("mid"), L("high")))
}
