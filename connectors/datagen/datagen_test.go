package datagen

import (
	"strings"
	"testing"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

type fakeClock struct{ ms int64 }

func (c *fakeClock) NowMillis() int64 { return c.ms }
func (c *fakeClock) NowMicros() int64 { return c.ms * 1000 }

func table(cols []connectors.Column, o map[string]string) *connectors.Table {
	return &connectors.Table{Name: "default_catalog.default_database.t", Columns: cols, Options: o,
		Config: map[string]string{"table.local-time-zone": "UTC"}}
}

func col(name string, t *types.Type) connectors.Column { return connectors.Column{Name: name, Type: t} }

func create(t *testing.T, cols []connectors.Column, o map[string]string) connectors.Source {
	t.Helper()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	if err := connectors.ValidateOptions(Factory{}, o, names, nil); err != nil {
		t.Fatal(err)
	}
	src, err := Factory{}.CreateSource(table(cols, o))
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func all(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

// readAll polls a reader to its end, advancing the fake clock on idle.
func readAll(t *testing.T, src connectors.Source, subtask, par int, proj []int, clock *fakeClock, state []byte) []string {
	t.Helper()
	r, err := src.NewReader(subtask, par, proj)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Open(&runtime.OperatorContext{Subtask: subtask, Parallelism: par, Clock: clock, StateRestore: state,
		Metrics: &runtime.OperatorMetrics{}}); err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var rows []string
	for i := 0; i < 1e6; i++ {
		b, st, err := r.Poll()
		if err != nil {
			t.Fatal(err)
		}
		if b != nil {
			if b.Len > types.DefaultBatchSize {
				t.Fatalf("batch of %d rows", b.Len)
			}
			for j := 0; j < b.Len; j++ {
				rows = append(rows, string(types.AppendRowPrint(nil, b, j)))
			}
		}
		switch st {
		case runtime.SourceEnd:
			return rows
		case runtime.SourceIdle:
			clock.ms += 10
		}
	}
	t.Fatal("reader did not end")
	return nil
}

func TestSequenceSplit(t *testing.T) {
	cols := []connectors.Column{col("id", types.BigInt), col("s", types.String)}
	src := create(t, cols, map[string]string{"fields.id.kind": "sequence", "fields.id.start": "1", "fields.id.end": "10",
		"fields.s.kind": "sequence", "fields.s.start": "100", "fields.s.end": "200"})
	if !src.Bounded() {
		t.Fatal("sequence source not bounded")
	}
	clock := &fakeClock{}
	var got []string
	for sub := 0; sub < 3; sub++ {
		got = append(got, strings.Join(readAll(t, src, sub, 3, all(2), clock, nil), " "))
	}
	want := []string{
		"+I[1, 100] +I[2, 101] +I[3, 102] +I[4, 103]",
		"+I[5, 134] +I[6, 135] +I[7, 136]",
		"+I[8, 168] +I[9, 169] +I[10, 170]",
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("subtask %d: %s, want %s", i, got[i], want[i])
		}
	}
}

func TestNumberOfRowsAndRandom(t *testing.T) {
	cols := []connectors.Column{col("a", types.Int), col("b", types.VarChar(5)), col("c", types.Decimal(5, 2)),
		col("d", types.Boolean), col("e", types.ArrayOf(types.SmallInt)), col("ts", types.Timestamp3),
		col("m", types.MapOf(types.String, types.Double)), col("r", types.RowOf(types.Field{Name: "x", Type: types.TinyInt}))}
	o := map[string]string{"number-of-rows": "2500", "fields.a.min": "-5", "fields.a.max": "5",
		"fields.b.var-len": "true", "fields.c.min": "0", "fields.c.max": "1", "fields.ts.max-past": "1 min",
		"fields.d.null-rate": "0.5", "rows-per-second": "1000000", "fields.m.length": "1"}
	src := create(t, cols, o)
	clock := &fakeClock{ms: 1577836800000}
	rows := readAll(t, src, 0, 2, all(len(cols)), clock, nil)
	if len(rows) != 1250 {
		t.Fatalf("got %d rows, want 1250", len(rows))
	}
	again := readAll(t, src, 0, 2, all(len(cols)), &fakeClock{ms: 1577836800000}, nil)
	if strings.Join(rows, "\n") != strings.Join(again, "\n") {
		t.Error("random data not deterministic")
	}
	r, _ := src.NewReader(1, 2, all(len(cols)))
	r.Open(&runtime.OperatorContext{Clock: clock})
	b, _, _ := r.Poll()
	nulls := 0
	for i := 0; i < b.Len; i++ {
		a := b.Cols[0].Ints[i]
		if a < -5 || a > 5 {
			t.Fatalf("a = %d out of range", a)
		}
		if n := len(b.Cols[1].Bytes(i)); n < 1 || n > 5 {
			t.Fatalf("b length %d", n)
		}
		c := b.Cols[2].Decs[i]
		if c.Negative || c.Exponent != -2 || c.Coeff.Int64() > 100 {
			t.Fatalf("c = %s", c.String())
		}
		if b.Cols[3].IsNull(i) {
			nulls++
		}
		if b.Cols[4].ArrayLen(i) != 3 || b.Cols[6].ArrayLen(i) != 1 {
			t.Fatal("collection length")
		}
		ts := b.Cols[5].Ints[i]
		if ts > clock.ms*1000 || ts < (clock.ms-60000)*1000 {
			t.Fatalf("ts %d outside max-past", ts)
		}
	}
	if nulls < b.Len/4 || nulls > b.Len*3/4 {
		t.Errorf("%d nulls of %d with null-rate 0.5", nulls, b.Len)
	}
}

func TestRateLimit(t *testing.T) {
	src := create(t, []connectors.Column{col("a", types.Int)}, map[string]string{"rows-per-second": "100"})
	if src.Bounded() {
		t.Fatal("unbounded source reported bounded")
	}
	clock := &fakeClock{ms: 1000}
	r, _ := src.NewReader(0, 2, []int{0})
	r.Open(&runtime.OperatorContext{Clock: clock})
	total := 0
	for step := 0; step < 100; step++ { // 10 seconds in 100 ms steps
		for {
			b, st, err := r.Poll()
			if err != nil {
				t.Fatal(err)
			}
			if b != nil {
				total += b.Len
			}
			if st == runtime.SourceIdle {
				break
			}
		}
		clock.ms += 100
	}
	// 50 rows/s per subtask over ~10 s, plus the initial chunk.
	if total < 480 || total > 560 {
		t.Errorf("emitted %d rows in 10 s at 50 rows/s", total)
	}
}

func TestSnapshotRestore(t *testing.T) {
	cols := []connectors.Column{col("id", types.Int), col("v", types.String)}
	o := map[string]string{"fields.id.kind": "sequence", "fields.id.start": "1", "fields.id.end": "3000", "fields.v.length": "4"}
	src := create(t, cols, o)
	clock := &fakeClock{}
	full := readAll(t, src, 0, 1, all(2), clock, nil)

	r, _ := src.NewReader(0, 1, all(2))
	r.Open(&runtime.OperatorContext{Clock: clock})
	b, _, _ := r.Poll()
	state, err := r.SnapshotState(1)
	if err != nil {
		t.Fatal(err)
	}
	if len(state) > 12 {
		t.Errorf("state is %d bytes", len(state))
	}
	rest := readAll(t, src, 0, 1, all(2), clock, state)
	if len(rest)+b.Len != 3000 || !strings.HasPrefix(rest[0], "+I["+itoa(b.Len+1)+", ") {
		t.Fatalf("restored from %d rows: %d more, first %s", b.Len, len(rest), rest[0])
	}
	// Random values depend on the row only, so the restored rows are
	// exactly those of the uninterrupted run.
	if strings.Join(full[b.Len:], "\n") != strings.Join(rest, "\n") {
		t.Errorf("restored rows differ from the uninterrupted run")
	}
}

func itoa(n int) string { return string(appendInt(nil, int64(n))) }

func TestValidation(t *testing.T) {
	cols := []connectors.Column{col("a", types.Int), col("s", types.VarChar(10)), col("b", types.Boolean), col("c", types.Char(3))}
	cases := []struct {
		o    map[string]string
		want string
	}{
		{map[string]string{"fields.a.kind": "rnd"}, "Unsupported generator kind 'rnd' for option 'fields.a.kind'. Supported kinds are [random, sequence]."},
		{map[string]string{"fields.a.kind": "sequence", "fields.a.start": "1"}, "Could not find required property 'fields.a.end' for sequence generator."},
		{map[string]string{"fields.a.kind": "sequence", "fields.a.start": "5", "fields.a.end": "1"}, "Option 'fields.a.start' (5) must not be larger than 'fields.a.end' (1)."},
		{map[string]string{"fields.b.kind": "sequence", "fields.b.start": "1", "fields.b.end": "2"}, "Unsupported type for the sequence generator: BOOLEAN"},
		{map[string]string{"fields.a.start": "1"}, "Option 'fields.a.start' is only supported for 'fields.a.kind' = 'sequence'."},
		{map[string]string{"fields.s.length": "11"}, "Custom length '11' for variable-length type (VARCHAR/STRING/VARBINARY/BYTES) field 's' should be shorter than '10' defined in the schema."},
		{map[string]string{"fields.c.var-len": "true"}, "Only supports specifying 'var-len' option for variable-length types (VARCHAR/STRING/VARBINARY/BYTES), the type of field 'c' is not within this range."},
		{map[string]string{"rows-per-second": "fast"}, "Could not parse value 'fast' for key 'rows-per-second'."},
		{map[string]string{"fields.a.min": "10", "fields.a.max": "1"}, "Options 'fields.a.min' and 'fields.a.max' must describe a non-empty range within INT, but were [10, 1]."},
		{map[string]string{"fields.a.null-rate": "2"}, "Option 'fields.a.null-rate' must be between 0.0 and 1.0, but was: 2"},
		{map[string]string{"fields.b.min": "1"}, "Option 'fields.b.min' is only supported for numeric types, but field 'b' is BOOLEAN."},
	}
	for _, c := range cases {
		_, err := Factory{}.CreateSource(table(cols, c.o))
		if err == nil || err.Error() != c.want {
			t.Errorf("%v:\n got  %v\n want %s", c.o, err, c.want)
		}
		if _, ok := err.(*connectors.ValidationError); err != nil && !ok {
			t.Errorf("%v: error is %T", c.o, err)
		}
	}
	err := connectors.ValidateOptions(Factory{}, map[string]string{"fields.zz.kind": "random"}, []string{"a"}, nil)
	if err == nil || !strings.Contains(err.Error(), "Unsupported options found for 'datagen'") {
		t.Errorf("unknown field option accepted: %v", err)
	}
}

func TestRegistered(t *testing.T) {
	if f, ok := connectors.Lookup("datagen"); !ok || f.Identifier() != "datagen" {
		t.Fatal("datagen not registered")
	}
}
