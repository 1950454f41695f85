// Package blackhole is the 'blackhole' connector: a sink that swallows every
// row of any kind, counting them in the operator metrics.
package blackhole

import (
	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

func init() { connectors.Register(Factory{}) }

// Factory creates blackhole sinks.
type Factory struct{}

func (Factory) Identifier() string        { return "blackhole" }
func (Factory) RequiredOptions() []string { return nil }
func (Factory) OptionalOptions() []string { return nil }

func (Factory) CreateSink(*connectors.Table) (connectors.Sink, error) { return sink{}, nil }

type sink struct{}

func (sink) ChangelogMode() connectors.ChangelogMode { return connectors.AllKinds }
func (sink) Parallelism() int                        { return 0 }
func (sink) NewWriter(int, int) (runtime.Operator, error) {
	return &writer{}, nil
}

type writer struct {
	metrics *runtime.OperatorMetrics
	out     runtime.Output
}

func (w *writer) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	w.metrics, w.out = ctx.Metrics, out
	return nil
}

func (w *writer) ProcessBatch(_ int, b *types.Batch) error {
	if w.metrics != nil {
		w.metrics.RecordsOut.Add(int64(b.Len))
	}
	return nil
}

func (w *writer) ProcessWatermark(wm int64) error {
	if w.out != nil {
		return w.out.EmitWatermark(wm)
	}
	return nil
}

func (w *writer) SnapshotState(int64) ([]byte, error)  { return nil, nil }
func (w *writer) NotifyCheckpointComplete(int64) error { return nil }
func (w *writer) Finish() error                        { return nil }
func (w *writer) Close() error                         { return nil }
