package operators

import (
	"errors"
	"slices"
	"testing"
)

// TestNotNullEnforcer: DROP forwards only the rows without NULL in a
// checked column (row kinds kept; NULLs elsewhere pass), a clean batch
// passes as is, and ERROR fails with Flink's message naming the column.
func TestNotNullEnforcer(t *testing.T) {
	input := func() []row {
		return []row{ins(1, 10, "a", dec("1.50")), ins(2, nil, "bb", dec("2.25")), del(nil, 30, "c", nil),
			ua(4, 0, nil, dec("-4.00")), ins(5, 50, "", nil)}
	}
	drop := openOp(t, NewNotNullEnforcer([]int{0, 2}, []string{"a", "s"}, true), nil)
	got := drop.feed(t, mkBatch(calcTypes, input()...))
	want := []string{"+I[1, 10, a, 1.50]", "+I[2, NULL, bb, 2.25]", "+I[5, 50, , NULL]"}
	if !slices.Equal(got, want) {
		t.Errorf("DROP: got %v, want %v", got, want)
	}
	clean := mkBatch(calcTypes, ins(1, nil, "a", nil), ua(2, 3, "b", dec("1.00")))
	if got := drop.feed(t, clean); !slices.Equal(got, []string{"+I[1, NULL, a, NULL]", "+U[2, 3, b, 1.00]"}) {
		t.Errorf("clean batch: got %v", got)
	}

	fail := openOp(t, NewNotNullEnforcer([]int{0, 2}, []string{"a", "s"}, false), nil)
	err := fail.op.ProcessBatch(0, mkBatch(calcTypes, ins(1, 10, "a", nil), ins(2, 3, nil, nil)))
	var nn *NotNullError
	if !errors.As(err, &nn) || nn.Column != "s" || nn.FlinkClass() != "org.apache.flink.table.api.TableException" ||
		err.Error() != "Column 's' is NOT NULL, however, a null value is being written into it. You can set job configuration 'table.exec.sink.not-null-enforcer'='DROP' to suppress this exception and drop such records silently." {
		t.Fatalf("ERROR: got %v", err)
	}
	if got := fail.out.take(); len(got) != 0 {
		t.Errorf("ERROR emitted %v", got)
	}
}
