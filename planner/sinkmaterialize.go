package planner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/operators"
)

// UpsertMaterialize is table.exec.sink.upsert-materialize: whether a
// SinkMaterializer goes in front of a sink with a PRIMARY KEY that
// receives an updating changelog.
type UpsertMaterialize uint8

const (
	// MaterializeAuto (the default) adds it when no upsert key of the
	// input lies within the sink's primary key.
	MaterializeAuto UpsertMaterialize = iota
	// MaterializeNone never adds it.
	MaterializeNone
	// MaterializeForce always adds it (updating input, sink with a key).
	MaterializeForce
)

const upsertMaterializeKey = "table.exec.sink.upsert-materialize"

// upsertMaterializeFrom reads table.exec.sink.upsert-materialize
// (case-insensitive, as Flink parses enum options).
func upsertMaterializeFrom(c *Config) (UpsertMaterialize, error) {
	if c == nil {
		return MaterializeAuto, nil
	}
	v, ok := c.Lookup(upsertMaterializeKey)
	if !ok {
		return MaterializeAuto, nil
	}
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "AUTO":
		return MaterializeAuto, nil
	case "NONE":
		return MaterializeNone, nil
	case "FORCE":
		return MaterializeForce, nil
	}
	return 0, &ValidationError{Msg: fmt.Sprintf("Could not parse value '%s' for key '%s'.\nExpected one of: NONE, AUTO, FORCE.", v, upsertMaterializeKey)}
}

// SinkMaterializer is Flink's SinkUpsertMaterializer in front of a sink
// with a primary key: keyed by that key (PK: input columns), it keeps the
// rows alive per key and emits the last one, so the changes of one sink
// key that come from several upstream keys (in no particular order) leave
// the right row in the sink. See operators.SinkMaterializer.
type SinkMaterializer struct {
	Input Node
	PK    []int
	// UpdateBefore: the sink takes a full changelog, so +U comes with -U.
	UpdateBefore bool
}

func (m *SinkMaterializer) Schema() []Column     { return m.Input.Schema() }
func (m *SinkMaterializer) Inputs() []Node       { return []Node{m.Input} }
func (m *SinkMaterializer) Changelog() Changelog { return Updating }
func (m *SinkMaterializer) Describe() string {
	in := m.Input.Schema()
	names := make([]string, len(m.PK))
	for i, k := range m.PK {
		names[i] = in[k].Name
	}
	return "SinkMaterializer(pk=[" + strings.Join(names, ", ") + "])"
}
func (m *SinkMaterializer) WithInputs(in []Node) Node { n := *m; n.Input = in[0]; return &n }

// sinkPK returns the sink's primary key columns in its input, nil when the
// table has none.
func sinkPK(s *Sink) []int {
	if s.Collect || s.Table == nil || len(s.Table.PrimaryKey) == 0 {
		return nil
	}
	return columnsNamed(s.Input.Schema(), s.Table.PrimaryKey)
}

// needsMaterializer decides, as Flink's
// FlinkChangelogModeInferenceProgram does, whether a sink gets a
// SinkMaterializer: never for insert-only input or a sink without a
// primary key; with AUTO when no upsert key of the input lies within the
// primary key (the changes of one sink key may come from several upstream
// keys, over several paths, in any order).
func needsMaterializer(s *Sink) bool {
	if s.Input.Changelog() == AppendOnly || len(sinkPK(s)) == 0 {
		return false
	}
	if _, ok := s.Input.(*SinkMaterializer); ok {
		return false
	}
	switch s.Materialize {
	case MaterializeNone:
		return false
	case MaterializeForce:
		return true
	}
	pk := sinkPK(s)
	return !slices.ContainsFunc(upsertKeys(s.Input), func(k []int) bool { return isSubset(k, pk) })
}

// addSinkMaterializer is the rule that puts a SinkMaterializer between a
// sink and its input where needsMaterializer says so.
func addSinkMaterializer(n Node) Node {
	s, ok := n.(*Sink)
	if !ok || !needsMaterializer(s) {
		return n
	}
	ns := *s
	ns.Input = &SinkMaterializer{Input: s.Input, PK: sinkPK(s), UpdateBefore: s.Sink.ChangelogMode() == connectors.AllKinds}
	return &ns
}

// buildSinkMaterializer translates the materializer: a vertex behind a
// hash exchange on the sink's primary key.
func (b *graphBuilder) buildSinkMaterializer(x *SinkMaterializer, id string) (*runtime.Vertex, error) {
	in, err := b.build(x.Input)
	if err != nil {
		return nil, err
	}
	return b.keyedVertex(in, x.Input, x.PK, runtime.OperatorSpec{ID: id, Name: "SinkMaterializer",
		New: operators.NewSinkMaterializer(x.PK, columnTypes(x.Input.Schema()), operators.SinkMaterializerOptions{UpdateBefore: x.UpdateBefore})}), nil
}
