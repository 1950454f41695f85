package planner

import (
	"strings"

	"github.com/flinkgo/engine/runtime/operators"
	"github.com/flinkgo/engine/runtime/types"
)

// TemporalSort is Flink's streaming ORDER BY without a fetch
// (StreamPhysicalTemporalSort): the first key is a time attribute
// ascending, the rest order the rows of one time. Over a rowtime the rows
// wait for the watermark and leave in time order; over a proctime each
// arrival leaves at once, sorted by the other keys. It runs in one task
// behind a global exchange; its input is append-only, and so is its output.
type TemporalSort struct {
	Input   Node
	OrderBy []operators.SortKey // OrderBy[0] is the time attribute, ascending
}

func (s *TemporalSort) Schema() []Column     { return s.Input.Schema() }
func (s *TemporalSort) Inputs() []Node       { return []Node{s.Input} }
func (s *TemporalSort) Changelog() Changelog { return AppendOnly }

// Describe is Flink's "TemporalSort(orderBy=[ts ASC, id DESC])".
func (s *TemporalSort) Describe() string {
	in := s.Input.Schema()
	order := make([]string, len(s.OrderBy))
	for i, k := range s.OrderBy {
		dir := " ASC"
		if k.Desc {
			dir = " DESC"
		}
		order[i] = in[k.Col].Name + dir
	}
	return "TemporalSort(orderBy=[" + strings.Join(order, ", ") + "])"
}

func (s *TemporalSort) WithInputs(in []Node) Node {
	n := *s
	n.Input = in[0]
	return &n
}

// ProcTime reports a sort on a processing-time attribute.
func (s *TemporalSort) ProcTime() bool {
	return s.Input.Schema()[s.OrderBy[0].Col].Type.TimeAttr == types.ProcTime
}
