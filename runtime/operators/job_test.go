package operators

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
)

// TestJobWordCount runs VALUES -> Calc -> hash -> GroupAggregate (2
// subtasks) -> CollectSink through the runtime and folds the changelog.
func TestJobWordCount(t *testing.T) {
	in := []*types.Type{types.String, types.BigInt}
	var rows []row
	want := map[string][2]int64{}
	for i := 0; i < 3000; i++ {
		w := fmt.Sprintf("w%d", i%37)
		v := int64(i % 11)
		rows = append(rows, ins(w, v))
		if v > 2 { // WHERE v > 2
			c := want[w]
			want[w] = [2]int64{c[0] + 1, c[1] + v*10}
		}
	}
	values := mkBatch(in, rows...)
	v := col(1, types.BigInt)
	calc := NewCalc([]expr.Expr{col(0, types.String), call(fnMu, v, litInt(10))}, call(fnGt, v, litInt(2)))
	calls := []AggCall{{Kind: AggCountStar, Arg: -1, Type: types.BigInt}, {Kind: AggSum, Arg: 1, Type: types.BigInt}}
	agg := NewGroupAggregate([]int{0}, calls, in, []*types.Type{types.String, types.BigInt, types.BigInt}, AggOptions{})
	out := make(chan *types.Batch, 4)
	g := &runtime.JobGraph{
		Name:           "wordcount",
		MaxParallelism: 128,
		Vertices: []*runtime.Vertex{
			{Index: 0, Name: "values", Parallelism: 1, Source: &runtime.SourceSpec{ID: "src", Name: "Values", New: NewValuesSource(values)},
				Chain: []runtime.OperatorSpec{{ID: "calc", Name: "Calc", New: calc}}},
			{Index: 1, Name: "agg", Parallelism: 2, Chain: []runtime.OperatorSpec{{ID: "agg", Name: "GroupAggregate", New: agg}}},
			{Index: 2, Name: "sink", Parallelism: 1, Chain: []runtime.OperatorSpec{
				{ID: "union", Name: "PassThrough", New: NewPassThrough()},
				{ID: "collect", Name: "Collect", New: NewCollectSink(out)}}},
		},
		Edges: []*runtime.Edge{
			{From: 0, To: 1, Partitioning: runtime.Hash, KeyColumns: []int{0}},
			{From: 1, To: 2, Partitioning: runtime.Global},
		},
	}
	job, err := runtime.NewJob(runtime.NewJobID(), g, runtime.JobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := job.Start(ctx); err != nil {
		t.Fatal(err)
	}
	state := map[string]string{}
	for done := false; !done; {
		select {
		case b := <-out:
			for _, r := range renderBatch(b) {
				body := r[3 : len(r)-1]
				key := strings.SplitN(body, ", ", 2)[0]
				switch r[:2] {
				case "+I", "+U":
					state[key] = body
				case "-U", "-D":
					if state[key] != body {
						t.Fatalf("retraction %s of %q does not match %q", r, key, state[key])
					}
					delete(state, key)
				}
			}
		case <-job.Done():
			done = len(out) == 0
		}
	}
	if err := job.Wait(); err != nil {
		t.Fatal(err)
	}
	var got, exp []string
	for _, s := range state {
		got = append(got, s)
	}
	for w, c := range want {
		exp = append(exp, fmt.Sprintf("%s, %d, %d", w, c[0], c[1]))
	}
	sort.Strings(got)
	sort.Strings(exp)
	eqRows(t, "final counts", got, exp...)
}
