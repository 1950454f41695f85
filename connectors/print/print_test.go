package print

import (
	"bytes"
	"strings"
	"testing"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

type countingWriter struct {
	bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) { c.writes++; return c.Buffer.Write(p) }

func batch() *types.Batch {
	b := types.NewBatch([]*types.Type{types.Int, types.String}, 4)
	add := func(k types.RowKind, i int64, s string) {
		b.AppendKind(k)
		b.Cols[0].AppendInt(i)
		if s == "" {
			b.Cols[1].AppendNull()
		} else {
			b.Cols[1].AppendString(s)
		}
		b.Len++
	}
	add(types.Insert, 1, "Hello")
	add(types.UpdateBefore, 1, "Hello")
	add(types.UpdateAfter, 2, "")
	add(types.Delete, 3, "x")
	return b
}

func run(t *testing.T, o map[string]string, subtask, par int) (string, string, int) {
	t.Helper()
	out, errOut := &countingWriter{}, &countingWriter{}
	SetOutput(out, errOut)
	defer SetOutput(nil, nil)
	if err := connectors.ValidateOptions(Factory{}, o, []string{"a", "b"}, nil); err != nil {
		t.Fatal(err)
	}
	s, err := Factory{}.CreateSink(&connectors.Table{Options: o})
	if err != nil {
		t.Fatal(err)
	}
	if s.ChangelogMode() != connectors.AllKinds {
		t.Error("print must accept all row kinds")
	}
	w, err := s.NewWriter(subtask, par)
	if err != nil {
		t.Fatal(err)
	}
	m := &runtime.OperatorMetrics{}
	if err := w.Open(&runtime.OperatorContext{Subtask: subtask, Parallelism: par, Metrics: m}, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.ProcessBatch(0, batch()); err != nil {
		t.Fatal(err)
	}
	w.Finish()
	w.Close()
	if m.RecordsOut.Load() != 4 {
		t.Errorf("RecordsOut = %d", m.RecordsOut.Load())
	}
	return out.String(), errOut.String(), out.writes + errOut.writes
}

func TestPrintLines(t *testing.T) {
	rows := []string{"+I[1, Hello]", "-U[1, Hello]", "+U[2, null]", "-D[3, x]"}
	lines := func(prefix string) string {
		var b strings.Builder
		for _, r := range rows {
			b.WriteString(prefix + r + "\n")
		}
		return b.String()
	}
	cases := []struct {
		o        map[string]string
		sub, par int
		prefix   string
		stderr   bool
	}{
		{map[string]string{}, 0, 1, "", false},
		{map[string]string{"print-identifier": "sink"}, 0, 1, "sink> ", false},
		{map[string]string{"print-identifier": "sink"}, 1, 4, "sink:2> ", false},
		{map[string]string{}, 2, 4, "3> ", false},
		{map[string]string{"standard-error": "true", "sink.parallelism": "2"}, 0, 2, "1> ", true},
	}
	for _, c := range cases {
		out, errOut, writes := run(t, c.o, c.sub, c.par)
		got := out
		if c.stderr {
			got = errOut
			if out != "" {
				t.Errorf("%v wrote to stdout", c.o)
			}
		}
		if got != lines(c.prefix) {
			t.Errorf("%v:\n got  %q\n want %q", c.o, got, lines(c.prefix))
		}
		if writes != 1 {
			t.Errorf("%v: %d writes for one batch", c.o, writes)
		}
	}
}

func TestPrintOptions(t *testing.T) {
	_, err := Factory{}.CreateSink(&connectors.Table{Options: map[string]string{"standard-error": "maybe"}})
	if err == nil || err.Error() != "Could not parse value 'maybe' for key 'standard-error'." {
		t.Errorf("err = %v", err)
	}
	s, err := Factory{}.CreateSink(&connectors.Table{Options: map[string]string{"sink.parallelism": "3"}})
	if err != nil || s.Parallelism() != 3 {
		t.Errorf("parallelism %v %v", s, err)
	}
	err = connectors.ValidateOptions(Factory{}, map[string]string{"path": "x"}, nil, nil)
	want := "Unsupported options found for 'print'.\n\nUnsupported options:\n\npath\n\nSupported options:\n\nconnector\nprint-identifier\nsink.parallelism\nstandard-error"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v", err)
	}
}
