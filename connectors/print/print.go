// Package print is the 'print' connector: a sink writing every row to
// standard output (or standard error) as Flink's print sink does.
package print

import (
	"io"
	"os"
	"strconv"
	"sync"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/internal/opts"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

func init() { connectors.Register(Factory{}) }

var (
	outMu  sync.Mutex
	stdout io.Writer = os.Stdout
	stderr io.Writer = os.Stderr
)

// SetOutput replaces the writers used for standard output and standard
// error (tests, the SQL client); nil restores os.Stdout / os.Stderr. Each
// batch is written with one Write call under a lock shared by all writers.
func SetOutput(out, errOut io.Writer) {
	outMu.Lock()
	defer outMu.Unlock()
	if out == nil {
		out = os.Stdout
	}
	if errOut == nil {
		errOut = os.Stderr
	}
	stdout, stderr = out, errOut
}

func write(toErr bool, p []byte) error {
	outMu.Lock()
	defer outMu.Unlock()
	w := stdout
	if toErr {
		w = stderr
	}
	_, err := w.Write(p)
	return err
}

// Factory creates print sinks.
type Factory struct{}

func (Factory) Identifier() string        { return "print" }
func (Factory) RequiredOptions() []string { return nil }
func (Factory) OptionalOptions() []string {
	return []string{"print-identifier", "standard-error", "sink.parallelism"}
}

type sink struct {
	identifier  string
	hasIdent    bool
	stdErr      bool
	parallelism int
}

func (Factory) CreateSink(t *connectors.Table) (connectors.Sink, error) {
	s := &sink{}
	s.identifier, s.hasIdent = t.Options["print-identifier"]
	var err error
	if s.stdErr, err = opts.Bool(t.Options, "standard-error", false); err != nil {
		return nil, err
	}
	if s.parallelism, err = opts.Parallelism(t.Options, "sink.parallelism"); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *sink) ChangelogMode() connectors.ChangelogMode { return connectors.AllKinds }
func (s *sink) Parallelism() int                        { return s.parallelism }

func (s *sink) NewWriter(subtask, parallelism int) (runtime.Operator, error) {
	return &writer{sink: s, prefix: Prefix(s.identifier, s.hasIdent, subtask, parallelism)}, nil
}

// Prefix is the text Flink's print sink puts before each row:
// "<identifier>:<subtask+1>> " with parallelism > 1, "<identifier>> " with
// parallelism 1, without the identifier part when none is set.
func Prefix(identifier string, hasIdentifier bool, subtask, parallelism int) string {
	p := ""
	if hasIdentifier && identifier != "" {
		p = identifier
	}
	if parallelism > 1 {
		if p != "" {
			p += ":"
		}
		p += strconv.Itoa(subtask + 1)
	}
	if p != "" {
		p += "> "
	}
	return p
}

type writer struct {
	sink    *sink
	prefix  string
	out     runtime.Output
	metrics *runtime.OperatorMetrics
	buf     []byte
}

func (w *writer) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	w.out = out
	w.metrics = ctx.Metrics
	return nil
}

func (w *writer) ProcessBatch(_ int, b *types.Batch) error {
	if b.Len == 0 {
		return nil
	}
	buf := w.buf[:0]
	for i := 0; i < b.Len; i++ {
		buf = append(buf, w.prefix...)
		buf = types.AppendRowPrint(buf, b, i)
		buf = append(buf, '\n')
	}
	w.buf = buf
	if w.metrics != nil {
		w.metrics.RecordsOut.Add(int64(b.Len))
	}
	return write(w.sink.stdErr, buf)
}

func (w *writer) ProcessWatermark(wm int64) error {
	if w.out != nil {
		return w.out.EmitWatermark(wm)
	}
	return nil
}

// SnapshotState keeps nothing (print is at-least-once); under the test
// hook runtime.CheckpointMarkers it writes the checkpoint's marker line.
func (w *writer) SnapshotState(id int64) ([]byte, error) {
	if runtime.CheckpointMarkers() {
		w.buf = runtime.AppendCheckpointMarker(w.buf[:0], w.prefix, id)
		return nil, write(w.sink.stdErr, w.buf)
	}
	return nil, nil
}

func (w *writer) NotifyCheckpointComplete(int64) error { return nil }
func (w *writer) Finish() error                        { return nil }
func (w *writer) Close() error                         { return nil }
