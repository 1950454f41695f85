package operators

import (
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

func finish(t *testing.T, h *harness) []string {
	t.Helper()
	if err := h.op.Finish(); err != nil {
		t.Fatalf("finish: %v", err)
	}
	return h.out.take()
}

// TestBatchFinalAppliesChangelog: the final table of a changelog, emitted
// once at end of input as insertions, whatever order the changes came in.
func TestBatchFinalAppliesChangelog(t *testing.T) {
	in := []*types.Type{types.String, types.BigInt}
	h := openOp(t, NewBatchFinal(in, nil, 0, -1), nil)
	eqRows(t, "before the end", h.feed(t, mkBatch(in, ins("a", 1), ins("b", 1), ub("a", 1), ua("a", 2))))
	// A retraction before its insertion (from another upstream subtask).
	eqRows(t, "before the end", h.feed(t, mkBatch(in, del("c", 5), ins("c", 5), ins("b", 1), del("b", 1), ins(nil, 7))))
	// Rows leave in the order of their first arrival (c went to 0).
	eqRows(t, "final", finish(t, h), "+I[b, 1]", "+I[a, 2]", "+I[NULL, 7]")
}

// TestBatchFinalSortLimit: ORDER BY (DESC, NULLs first ascending and last
// descending), ties in arrival order, OFFSET and LIMIT, duplicates kept.
func TestBatchFinalSortLimit(t *testing.T) {
	in := []*types.Type{types.String, types.BigInt}
	rows := mkBatch(in, ins("x", 3), ins("y", nil), ins("z", 1), ins("w", 3), ins("v", 2), ins("x", 3))
	h := openOp(t, NewBatchFinal(in, []SortKey{{Col: 1, Desc: true}, {Col: 0}}, 0, -1), nil)
	h.feed(t, rows)
	eqRows(t, "desc", finish(t, h), "+I[w, 3]", "+I[x, 3]", "+I[x, 3]", "+I[v, 2]", "+I[z, 1]", "+I[y, NULL]")
	h = openOp(t, NewBatchFinal(in, []SortKey{{Col: 1}}, 1, 3), nil)
	h.feed(t, rows)
	eqRows(t, "asc offset 1 limit 3", finish(t, h), "+I[z, 1]", "+I[v, 2]", "+I[x, 3]")
	h = openOp(t, NewBatchFinal(in, nil, 0, 0), nil)
	h.feed(t, rows)
	eqRows(t, "limit 0", finish(t, h))
}

// TestBatchFinalNullOrder: NULLS FIRST | LAST in both directions, and the
// default (first ascending, last descending) for strings and numbers.
func TestBatchFinalNullOrder(t *testing.T) {
	in := []*types.Type{types.String, types.BigInt}
	rows := mkBatch(in, ins("b", 2), ins(nil, nil), ins("a", 1), ins("c", nil))
	cases := []struct {
		name string
		key  SortKey
		want []string
	}{
		{"asc default", SortKey{Col: 1}, []string{"+I[NULL, NULL]", "+I[c, NULL]", "+I[a, 1]", "+I[b, 2]"}},
		{"desc default", SortKey{Col: 1, Desc: true}, []string{"+I[b, 2]", "+I[a, 1]", "+I[NULL, NULL]", "+I[c, NULL]"}},
		{"asc nulls last", SortKey{Col: 1, Nulls: NullsLast}, []string{"+I[a, 1]", "+I[b, 2]", "+I[NULL, NULL]", "+I[c, NULL]"}},
		{"desc nulls first", SortKey{Col: 1, Desc: true, Nulls: NullsFirst}, []string{"+I[NULL, NULL]", "+I[c, NULL]", "+I[b, 2]", "+I[a, 1]"}},
		{"asc nulls first", SortKey{Col: 0, Nulls: NullsFirst}, []string{"+I[NULL, NULL]", "+I[a, 1]", "+I[b, 2]", "+I[c, NULL]"}},
		{"desc nulls last", SortKey{Col: 0, Desc: true, Nulls: NullsLast}, []string{"+I[c, NULL]", "+I[b, 2]", "+I[a, 1]", "+I[NULL, NULL]"}},
		{"string desc nulls first", SortKey{Col: 0, Desc: true, Nulls: NullsFirst}, []string{"+I[NULL, NULL]", "+I[c, NULL]", "+I[b, 2]", "+I[a, 1]"}},
	}
	for _, c := range cases {
		h := openOp(t, NewBatchFinal(in, []SortKey{c.key}, 0, -1), nil)
		h.feed(t, rows)
		eqRows(t, c.name, finish(t, h), c.want...)
	}
}
