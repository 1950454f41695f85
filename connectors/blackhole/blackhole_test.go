package blackhole

import (
	"testing"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

func TestBlackhole(t *testing.T) {
	s, err := Factory{}.CreateSink(&connectors.Table{})
	if err != nil {
		t.Fatal(err)
	}
	if s.ChangelogMode() != connectors.AllKinds {
		t.Error("blackhole must accept all kinds")
	}
	w, _ := s.NewWriter(0, 1)
	m := &runtime.OperatorMetrics{}
	w.Open(&runtime.OperatorContext{Metrics: m}, nil)
	b := types.NewBatch([]*types.Type{types.Int}, 2)
	b.Cols[0].AppendInt(1)
	b.AppendKind(types.Delete)
	b.Len = 1
	for i := 0; i < 3; i++ {
		if err := w.ProcessBatch(0, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if m.RecordsOut.Load() != 3 {
		t.Errorf("RecordsOut = %d", m.RecordsOut.Load())
	}
	if err := connectors.ValidateOptions(Factory{}, map[string]string{"x": "1"}, nil, nil); err == nil {
		t.Error("unknown option accepted")
	}
}
