package operators

import (
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

func TestUnnest(t *testing.T) {
	intArr := types.ArrayOf(types.BigInt)
	rowArr := types.ArrayOf(types.RowOf(types.Field{Name: "n", Type: types.String}, types.Field{Name: "q", Type: types.BigInt}))
	strMap := types.MapOf(types.String, types.BigInt)
	tests := []struct {
		name  string
		in    []*types.Type
		rows  []row
		outer bool
		want  []string
	}{
		{
			name: "array of scalars",
			in:   []*types.Type{types.BigInt, intArr},
			rows: []row{ins(1, []any{10, nil, 30}), del(2, []any{}), ins(3, nil), ua(4, []any{40})},
			want: []string{"+I[1, [10, NULL, 30], 10]", "+I[1, [10, NULL, 30], NULL]", "+I[1, [10, NULL, 30], 30]", "+U[4, [40], 40]"},
		},
		{
			name:  "outer keeps NULL and empty arrays",
			in:    []*types.Type{types.BigInt, intArr},
			rows:  []row{ins(1, []any{10}), del(2, []any{}), ins(3, nil)},
			outer: true,
			want:  []string{"+I[1, [10], 10]", "-D[2, [], NULL]", "+I[3, NULL, NULL]"},
		},
		{
			name: "array of rows flattens the fields",
			in:   []*types.Type{types.BigInt, rowArr},
			rows: []row{ins(1, []any{rowVal{"a", 1}, nil, rowVal{"b", nil}}), ins(2, []any{rowVal{"c", 3}})},
			want: []string{"+I[1, [(a, 1), NULL, (b, NULL)], a, 1]", "+I[1, [(a, 1), NULL, (b, NULL)], NULL, NULL]",
				"+I[1, [(a, 1), NULL, (b, NULL)], b, NULL]", "+I[2, [(c, 3)], c, 3]"},
		},
		{
			name: "map gives key and value",
			in:   []*types.Type{types.BigInt, strMap},
			rows: []row{ins(1, mapVal{{"x", 1}, {"y", nil}}), ins(2, nil)},
			want: []string{"+I[1, {x=1, y=NULL}, x, 1]", "+I[1, {x=1, y=NULL}, y, NULL]"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := openOp(t, NewUnnest(col(1, tc.in[1]), tc.outer), nil)
			eqRows(t, "rows", h.feed(t, mkBatch(tc.in, tc.rows...)), tc.want...)
			eqRows(t, "again", h.feed(t, mkBatch(tc.in, tc.rows...)), tc.want...)
		})
	}
}

func TestUnnestElementTypes(t *testing.T) {
	ts, err := UnnestElementTypes(types.MapOf(types.String, types.Int))
	if err != nil || len(ts) != 2 || ts[0].Kind != types.KindVarChar || ts[1].Kind != types.KindInt {
		t.Fatalf("map element types = %v, %v", ts, err)
	}
	if _, err := UnnestElementTypes(types.Int); err == nil {
		t.Fatal("expected an error for INT")
	}
	if _, err := NewUnnest(col(0, types.Int), false)(0, 1); err == nil {
		t.Fatal("expected an error for a non-array expression")
	}
}

func TestUnnestSplitsLongExpansions(t *testing.T) {
	ts := []*types.Type{types.BigInt, types.ArrayOf(types.BigInt)}
	elems := make([]any, 1500)
	for i := range elems {
		elems[i] = i
	}
	h := openOp(t, NewUnnest(col(1, ts[1]), false), nil)
	if err := h.op.ProcessBatch(0, mkBatch(ts, ins(1, elems), del(2, elems))); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, b := range h.out.batches {
		if b.Len > types.DefaultBatchSize {
			t.Fatalf("batch of %d rows", b.Len)
		}
		total += b.Len
	}
	rows := h.out.take()
	if total != 3000 || rows[1499] != "+I[1, "+renderValue(mkBatch(ts, ins(1, elems)).Cols[1], 0)+", 1499]" || rows[1500][:2] != "-D" {
		t.Fatalf("unexpected expansion: %d rows", total)
	}
}
