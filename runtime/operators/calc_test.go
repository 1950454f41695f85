package operators

import (
	"testing"

	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
)

var calcTypes = []*types.Type{types.BigInt, types.BigInt, types.String, types.Decimal(10, 2)}

func calcInput() *types.Batch {
	return mkBatch(calcTypes,
		ins(1, 10, "a", dec("1.50")),
		ins(2, nil, "bb", dec("2.25")),
		del(nil, 30, nil, nil),
		ua(4, 0, "dddd", dec("-4.00")),
		ins(5, 50, "", dec("5.05")),
	)
}

func TestCalc(t *testing.T) {
	a, b, s, d := col(0, types.BigInt), col(1, types.BigInt), col(2, types.String), col(3, types.Decimal(10, 2))
	tests := []struct {
		name  string
		projs []expr.Expr
		cond  expr.Expr
		want  []string
	}{
		{
			name:  "projection only",
			projs: []expr.Expr{s, a},
			want:  []string{"+I[a, 1]", "+I[bb, 2]", "-D[NULL, NULL]", "+U[dddd, 4]", "+I[, 5]"},
		},
		{
			name:  "computed projection with NULLs",
			projs: []expr.Expr{call(fnAd, a, b), call(fnMu, a, litInt(2))},
			want:  []string{"+I[11, 2]", "+I[NULL, 4]", "-D[NULL, NULL]", "+U[4, 8]", "+I[55, 10]"},
		},
		{
			name:  "filter NULL is false",
			projs: []expr.Expr{a, s, d},
			cond:  call(fnGt, b, litInt(5)),
			want:  []string{"+I[1, a, 1.50]", "-D[NULL, NULL, NULL]", "+I[5, , 5.05]"},
		},
		{
			name:  "filter then computed projection",
			projs: []expr.Expr{call(fnAd, a, litInt(100)), d, s},
			cond:  call(fnGt, a, litInt(1)),
			want:  []string{"+I[102, 2.25, bb]", "+U[104, -4.00, dddd]", "+I[105, 5.05, ]"},
		},
		{
			name:  "projection guarded by filter is not evaluated on rejected rows",
			projs: []expr.Expr{call(fnDi, b, b)},
			cond:  call(fnNe, b, litInt(0)),
			want:  []string{"+I[1]", "-D[1]", "+I[1]"},
		},
		{
			name: "filter only",
			cond: call(fnGt, a, litInt(3)),
			want: []string{"+U[4, 0, dddd, -4.00]", "+I[5, 50, , 5.05]"},
		},
		{
			name:  "all rows pass",
			projs: []expr.Expr{a},
			cond:  call(fnGt, litInt(1), litInt(0)),
			want:  []string{"+I[1]", "+I[2]", "-D[NULL]", "+U[4]", "+I[5]"},
		},
		{
			name:  "no row passes",
			projs: []expr.Expr{a},
			cond:  call(fnGt, a, litInt(100)),
		},
		{
			name:  "column projected twice",
			projs: []expr.Expr{s, s, call(fnAd, a, a)},
			cond:  call(fnGt, a, litInt(3)),
			want:  []string{"+U[dddd, dddd, 8]", "+I[, , 10]"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := openOp(t, NewCalc(tc.projs, tc.cond), nil)
			eqRows(t, "batch 1", h.feed(t, calcInput()), tc.want...)
			// Scratch vectors are reused: a second batch gives the same rows.
			eqRows(t, "batch 2", h.feed(t, calcInput()), tc.want...)
		})
	}
}

func TestCalcZeroCopy(t *testing.T) {
	h := openOp(t, NewCalc([]expr.Expr{col(2, types.String), col(0, types.BigInt), col(2, types.String)}, nil), nil)
	in := calcInput()
	if err := h.op.ProcessBatch(0, in); err != nil {
		t.Fatal(err)
	}
	out := h.out.batches[0]
	if out.Cols[0] != in.Cols[2] || out.Cols[1] != in.Cols[0] {
		t.Errorf("ColumnRef projections should reuse the input vectors")
	}
	if out.Cols[2] == in.Cols[2] {
		t.Errorf("a column projected twice must be copied the second time")
	}
	eqRows(t, "rows", h.out.take(), "+I[a, 1, a]", "+I[bb, 2, bb]", "-D[NULL, NULL, NULL]", "+U[dddd, 4, dddd]", "+I[, 5, ]")
}

func TestCalcOutputOwnsMemory(t *testing.T) {
	// Output of a filtered batch must not alias the input nor scratch.
	h := openOp(t, NewCalc([]expr.Expr{col(2, types.String), call(fnAd, col(0, types.BigInt), litInt(1))}, call(fnGt, col(0, types.BigInt), litInt(1))), nil)
	in := calcInput()
	h.feed(t, in) // warm scratch
	if err := h.op.ProcessBatch(0, in); err != nil {
		t.Fatal(err)
	}
	first := h.out.batches[0]
	// Overwrite the input and run another batch through the same operator.
	for i := range in.Cols[0].Ints {
		in.Cols[0].Ints[i] = 99
	}
	in.Cols[2].Data[0] = 'X'
	if err := h.op.ProcessBatch(0, calcInput()); err != nil {
		t.Fatal(err)
	}
	eqRows(t, "first output after reuse", renderBatch(first), "+I[bb, 3]", "+U[dddd, 5]", "+I[, 6]")
}

func TestCalcForwardsWatermarks(t *testing.T) {
	h := openOp(t, NewCalc([]expr.Expr{col(0, types.BigInt)}, nil), nil)
	if err := h.op.ProcessWatermark(42); err != nil {
		t.Fatal(err)
	}
	if len(h.out.wms) != 1 || h.out.wms[0] != 42 {
		t.Fatalf("watermarks = %v", h.out.wms)
	}
	if st, err := h.op.SnapshotState(1); err != nil || st != nil {
		t.Fatalf("snapshot = %v, %v", st, err)
	}
}

func TestCalcRejectsNonBooleanCondition(t *testing.T) {
	if _, err := NewCalc(nil, col(0, types.BigInt))(0, 1); err == nil {
		t.Fatal("expected an error")
	}
}

// TestCalcWithLibrary runs Calc with the function library.
func TestCalcWithLibrary(t *testing.T) {
	gt, ok := expr.Lookup(">")
	if !ok {
		t.Fatal("function library has no '>'")
	}
	plus, ok := expr.Lookup("+")
	if !ok {
		t.Fatal("function library has no '+'")
	}
	a, b := col(0, types.BigInt), col(1, types.BigInt)
	cond, err := expr.NewCall(gt, b, litInt(5))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := expr.NewCall(plus, a, b)
	if err != nil {
		t.Fatal(err)
	}
	h := openOp(t, NewCalc([]expr.Expr{sum}, cond), nil)
	eqRows(t, "rows", h.feed(t, calcInput()), "+I[11]", "-D[NULL]", "+I[55]")
}
