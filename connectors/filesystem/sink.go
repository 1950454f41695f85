package filesystem

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/formats"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

type sink struct {
	*table
	prefix      string // "part-<uuid>", shared by all subtasks
	fileSize    int64
	rollover    time.Duration
	inactivity  time.Duration
	parallelism int
}

func (s *sink) ChangelogMode() connectors.ChangelogMode { return connectors.InsertOnly }
func (s *sink) Parallelism() int                        { return s.parallelism }

func (s *sink) NewWriter(subtask, parallelism int) (runtime.Operator, error) {
	enc, err := s.format.NewEncoder(s.fields, s.fmtOpts)
	if err != nil {
		return nil, err
	}
	return &writer{sink: s, subtask: subtask, enc: enc, cols: make([]*types.Vector, len(s.fields))}, nil
}

// writer writes one subtask's part files: each is written as a hidden
// ".part-<uuid>-<subtask>-<n>.inprogress.<uuid>" file and renamed to
// "part-<uuid>-<subtask>-<n>" when rolled or at Finish. A cancelled job
// (Close without Finish) leaves its in-progress file hidden.
type writer struct {
	sink    *sink
	subtask int
	enc     formats.Encoder
	cols    []*types.Vector
	out     runtime.Output
	clock   runtime.Clock
	metrics *runtime.OperatorMetrics

	counter  int64 // next part number
	file     io.WriteCloser
	tmpPath  string
	partPath string
	size     int64
	openedMs int64
	lastMs   int64 // last write
	buf      []byte
}

func (w *writer) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	w.out, w.clock, w.metrics = out, ctx.Clock, ctx.Metrics
	if w.clock == nil {
		return errors.New("filesystem sink: OperatorContext.Clock is nil")
	}
	if ctx.StateRestore != nil {
		n, k := binary.Uvarint(ctx.StateRestore)
		if k <= 0 {
			return errors.New("filesystem sink: corrupt state")
		}
		w.counter = int64(n)
	}
	return w.sink.fs.MkdirAll(w.sink.path)
}

func (w *writer) ProcessBatch(_ int, b *types.Batch) error {
	if b.Len == 0 {
		return nil
	}
	if b.Kinds != nil {
		for i := 0; i < b.Len; i++ {
			if k := b.Kinds[i]; k != types.Insert {
				return fmt.Errorf("filesystem sink of table %s only accepts insertions, got %s", w.sink.name, k)
			}
		}
	}
	// Batches hold the physical columns, or every column (metadata too).
	if len(b.Cols) == len(w.sink.columns) && len(b.Cols) != len(w.sink.fields) {
		for i, ci := range w.sink.physical {
			w.cols[i] = b.Cols[ci]
		}
	} else {
		copy(w.cols, b.Cols)
	}
	now := w.clock.NowMillis()
	if err := w.rollIfDue(now); err != nil {
		return err
	}
	buf := w.buf[:0]
	for i := 0; i < b.Len; i++ {
		var err error
		if buf, err = w.enc.Encode(buf, w.cols, i); err != nil {
			return err
		}
		buf = append(buf, '\n')
		if w.size+int64(len(buf)) >= w.sink.fileSize {
			if err := w.write(buf, now); err != nil {
				return err
			}
			buf = buf[:0]
			if err := w.roll(); err != nil {
				return err
			}
		}
	}
	if err := w.write(buf, now); err != nil {
		return err
	}
	w.buf = buf[:0]
	if w.metrics != nil {
		w.metrics.RecordsOut.Add(int64(b.Len))
	}
	return nil
}

// write appends p to the in-progress file, opening one if needed.
func (w *writer) write(p []byte, now int64) error {
	if len(p) == 0 {
		return nil
	}
	if w.file == nil {
		name := w.sink.prefix + "-" + strconv.Itoa(w.subtask) + "-" + strconv.FormatInt(w.counter, 10)
		w.counter++
		w.partPath = filepath.Join(w.sink.path, name)
		w.tmpPath = filepath.Join(w.sink.path, "."+name+".inprogress."+NewUUID())
		f, err := w.sink.fs.Create(w.tmpPath)
		if err != nil {
			return fmt.Errorf("cannot create part file of table %s: %w", w.sink.name, err)
		}
		w.file, w.size, w.openedMs = f, 0, now
	}
	if _, err := w.file.Write(p); err != nil {
		return fmt.Errorf("cannot write part file %s: %w", w.tmpPath, err)
	}
	w.size += int64(len(p))
	w.lastMs = now
	return nil
}

// rollIfDue rolls the in-progress file when it is older than the rollover
// interval or inactive for longer than the inactivity interval.
func (w *writer) rollIfDue(now int64) error {
	if w.file == nil {
		return nil
	}
	if now-w.openedMs >= w.sink.rollover.Milliseconds() ||
		w.sink.inactivity > 0 && now-w.lastMs >= w.sink.inactivity.Milliseconds() {
		return w.roll()
	}
	return nil
}

// roll closes the in-progress file and moves it to its final name.
func (w *writer) roll() error {
	if w.file == nil {
		return nil
	}
	f := w.file
	w.file, w.size = nil, 0
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot close part file %s: %w", w.tmpPath, err)
	}
	if err := w.sink.fs.Rename(w.tmpPath, w.partPath); err != nil {
		return fmt.Errorf("cannot commit part file %s: %w", w.partPath, err)
	}
	return nil
}

func (w *writer) ProcessWatermark(wm int64) error {
	if err := w.rollIfDue(w.clock.NowMillis()); err != nil {
		return err
	}
	if w.out != nil {
		return w.out.EmitWatermark(wm)
	}
	return nil
}

// SnapshotState records the part counter and the in-progress file (path
// and length) so a later recovery can truncate or discard it.
func (w *writer) SnapshotState(int64) ([]byte, error) {
	b := binary.AppendUvarint(nil, uint64(w.counter))
	if w.file != nil {
		b = appendString(b, w.tmpPath)
		b = appendString(b, w.partPath)
		b = binary.AppendUvarint(b, uint64(w.size))
	}
	return b, nil
}

func (w *writer) NotifyCheckpointComplete(int64) error { return nil }

func (w *writer) Finish() error { return w.roll() }

func (w *writer) Close() error {
	if w.file != nil {
		err := w.file.Close()
		w.file = nil
		return err
	}
	return nil
}
