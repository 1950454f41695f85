package session

import (
	"sort"
	"strings"
	"testing"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// filterableFactory is a test connector whose source evaluates
// `column = literal` conjuncts itself, to exercise filter push-down.
type filterableFactory struct{}

func (filterableFactory) Identifier() string        { return "test-filterable" }
func (filterableFactory) RequiredOptions() []string { return nil }
func (filterableFactory) OptionalOptions() []string { return nil }
func (filterableFactory) CreateSource(t *connectors.Table) (connectors.Source, error) {
	return &filterableSource{}, nil
}

// filterableSource produces (id BIGINT, tag STRING) for id 1..10, tag
// "even"/"odd", keeping only rows whose tag equals every accepted filter.
type filterableSource struct{ tags []string }

func (s *filterableSource) Bounded() bool                           { return true }
func (s *filterableSource) ChangelogMode() connectors.ChangelogMode { return connectors.InsertOnly }
func (s *filterableSource) Parallelism() int                        { return 1 }

func (s *filterableSource) PushFilters(cs []expr.Expr) ([]bool, connectors.Source) {
	acc := make([]bool, len(cs))
	n := &filterableSource{tags: append([]string{}, s.tags...)}
	for i, c := range cs {
		call, ok := c.(*expr.Call)
		if !ok || call.Fn.Name != "=" {
			continue
		}
		ref, ok1 := call.Args[0].(*expr.ColumnRef)
		lit, ok2 := call.Args[1].(*expr.Literal)
		if ok1 && ok2 && ref.Index == 1 && !lit.Value.IsNull(0) {
			acc[i] = true
			n.tags = append(n.tags, lit.Value.Str(0))
		}
	}
	return acc, n
}

func (s *filterableSource) NewReader(subtask, par int, proj []int) (runtime.SourceReader, error) {
	all := []*types.Type{types.BigInt, types.String}
	ts := make([]*types.Type, len(proj))
	for i, p := range proj {
		ts[i] = all[p]
	}
	b := types.NewBatch(ts, 10)
	for id := int64(1); id <= 10; id++ {
		tag := map[bool]string{true: "even", false: "odd"}[id%2 == 0]
		keep := true
		for _, want := range s.tags {
			keep = keep && tag == want
		}
		if !keep {
			continue
		}
		for i, p := range proj {
			if p == 0 {
				b.Cols[i].AppendInt(id)
			} else {
				b.Cols[i].AppendString(tag)
			}
		}
		b.Len++
	}
	return &onceReader{b: b}, nil
}

type onceReader struct{ b *types.Batch }

func (r *onceReader) Open(*runtime.OperatorContext) error { return nil }
func (r *onceReader) Poll() (*types.Batch, runtime.SourceStatus, error) {
	b := r.b
	r.b = nil
	if b == nil {
		return nil, runtime.SourceEnd, nil
	}
	return b, runtime.SourceMore, nil
}
func (r *onceReader) SnapshotState(int64) ([]byte, error)  { return nil, nil }
func (r *onceReader) NotifyCheckpointComplete(int64) error { return nil }
func (r *onceReader) Close() error                         { return nil }

func init() { connectors.Register(filterableFactory{}) }

func TestFilterPushDown(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	stmts, err := sql.ParseScript(`
CREATE TABLE f (id BIGINT, tag STRING) WITH ('connector' = 'test-filterable');
EXPLAIN SELECT id FROM f WHERE tag = 'even' AND id > 4;
SELECT id FROM f WHERE tag = 'even' AND id > 4;`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Execute(stmts[0]); err != nil {
		t.Fatal(err)
	}
	r, err := s.Execute(stmts[1])
	if err != nil {
		t.Fatal(err)
	}
	plan := r.Text[strings.Index(r.Text, "== Optimized Physical Plan =="):]
	if !strings.Contains(plan, "filter=[=(tag, _UTF-16LE'even')]") || !strings.Contains(plan, "where=[>(id, 4)]") {
		t.Fatalf("tag = 'even' not pushed into the scan, or id > 4 lost:\n%s", r.Text)
	}
	r, err = s.Execute(stmts[2])
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for b := range r.Query.Rows {
		for i := 0; i < b.Len; i++ {
			got = append(got, b.Cols[0].Ints[i])
		}
	}
	if err := r.Query.Job.Wait(); err != nil {
		t.Fatal(err)
	}
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	if len(got) != 3 || got[0] != 6 || got[1] != 8 || got[2] != 10 {
		t.Fatalf("rows %v, want [6 8 10]", got)
	}
}
