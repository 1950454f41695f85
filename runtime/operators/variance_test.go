package operators

import (
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

func TestVarianceAggregates(t *testing.T) {
	in := []*types.Type{types.String, types.Double}
	calls := []AggCall{
		{Kind: AggVarPop, Arg: 1, Type: types.Double},
		{Kind: AggVarSamp, Arg: 1, Type: types.Double},
		{Kind: AggStddevPop, Arg: 1, Type: types.Double},
		{Kind: AggStddevSamp, Arg: 1, Type: types.Double},
	}
	out := []*types.Type{types.String, types.Double, types.Double, types.Double, types.Double}
	h := openAgg(t, NewGroupAggregate([]int{0}, calls, in, out, AggOptions{}), heapBackend, 0, 1, nil)
	eqRows(t, "one value", h.feed(t, mkBatch(in, ins("a", 2.0))), "+I[a, 0, NULL, 0, NULL]")
	eqRows(t, "three values", h.feed(t, mkBatch(in, ins("a", 4.0), ins("a", 6.0))),
		"-U[a, 0, NULL, 0, NULL]", "+U[a, 2.6666666666666665, 4, 1.632993161855452, 2]")
	eqRows(t, "a retraction", h.feed(t, mkBatch(in, del("a", 6.0))),
		"-U[a, 2.6666666666666665, 4, 1.632993161855452, 2]", "+U[a, 1, 2, 1, 1.4142135623730951]")
}
