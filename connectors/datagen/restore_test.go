package datagen

import (
	"encoding/binary"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// drain polls r to its end and returns the printed rows.
func drain(t *testing.T, r runtime.SourceReader, clock *fakeClock) []string {
	t.Helper()
	var rows []string
	for i := 0; i < 1e6; i++ {
		b, st, err := r.Poll()
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; b != nil && j < b.Len; j++ {
			rows = append(rows, string(types.AppendRowPrint(nil, b, j)))
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

// partialRun starts par readers, polls subtask i polls[i] times, snapshots
// all of them and returns the states and the rows emitted before.
func partialRun(t *testing.T, src connectors.Source, par int, proj []int, polls []int, restored [][]byte) ([][]byte, []string) {
	t.Helper()
	clock := &fakeClock{}
	var states [][]byte
	var rows []string
	for sub := 0; sub < par; sub++ {
		r, err := src.NewReader(sub, par, proj)
		if err != nil {
			t.Fatal(err)
		}
		ctx := &runtime.OperatorContext{Subtask: sub, Parallelism: par, Clock: clock, RestoredStates: restored}
		if len(restored) == par {
			ctx.StateRestore = restored[sub]
		}
		if err := r.Open(ctx); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < polls[sub]; i++ {
			b, st, err := r.Poll()
			if err != nil {
				t.Fatal(err)
			}
			for j := 0; b != nil && j < b.Len; j++ {
				rows = append(rows, string(types.AppendRowPrint(nil, b, j)))
			}
			if st == runtime.SourceEnd {
				break
			}
		}
		st, err := r.SnapshotState(7)
		if err != nil {
			t.Fatal(err)
		}
		if len(st) == 0 || st[0] != stateFormat {
			t.Fatalf("state %x lacks the format byte", st)
		}
		states = append(states, st)
		r.Close()
	}
	return states, rows
}

// restoreRun restores states at parallelism par and reads to the end.
func restoreRun(t *testing.T, src connectors.Source, par int, proj []int, states [][]byte) (rows []string, perSubtask [][]string) {
	t.Helper()
	clock := &fakeClock{}
	for sub := 0; sub < par; sub++ {
		r, err := src.NewReader(sub, par, proj)
		if err != nil {
			t.Fatal(err)
		}
		ctx := &runtime.OperatorContext{Subtask: sub, Parallelism: par, Clock: clock, RestoredStates: states}
		if len(states) == par {
			ctx.StateRestore = states[sub]
		}
		if err := r.Open(ctx); err != nil {
			t.Fatal(err)
		}
		got := drain(t, r, clock)
		r.Close()
		perSubtask = append(perSubtask, got)
		rows = append(rows, got...)
	}
	return rows, perSubtask
}

func sorted(rows []string) []string {
	c := slices.Clone(rows)
	sort.Strings(c)
	return c
}

func TestRescaleSequence(t *testing.T) {
	cols := []connectors.Column{col("id", types.BigInt), col("s", types.String), col("x", types.Int)}
	o := map[string]string{"fields.id.kind": "sequence", "fields.id.start": "1", "fields.id.end": "10000",
		"fields.s.kind": "sequence", "fields.s.start": "-5", "fields.s.end": "20000",
		"fields.x.min": "0", "fields.x.max": "1000000", "fields.x.null-rate": "0.1", "rows-per-second": "100000000"}
	src := create(t, cols, o)
	proj := all(3)
	// The uninterrupted run at parallelism 3 is the reference.
	want, _ := restoreRun(t, src, 3, proj, nil)
	if len(want) != 10000 {
		t.Fatalf("reference run: %d rows", len(want))
	}
	states, before := partialRun(t, src, 3, proj, []int{2, 0, 5}, nil)
	if len(before) == 0 || len(before) >= 10000 {
		t.Fatalf("%d rows before the snapshot", len(before))
	}
	for _, par := range []int{2, 3, 1, 4} {
		after, per := restoreRun(t, src, par, proj, states)
		got := sorted(append(slices.Clone(before), after...))
		if !slices.Equal(got, sorted(want)) {
			t.Errorf("p=3 -> p=%d: %d rows before + %d after do not make the sequence", par, len(before), len(after))
		}
		ids := map[string]bool{}
		for _, r := range append(slices.Clone(before), after...) {
			id := r[3:strings.Index(r, ",")]
			if ids[id] {
				t.Fatalf("p=%d: id %s emitted twice", par, id)
			}
			ids[id] = true
		}
		for sub, rows := range per { // balanced split
			if n := len(after) / par; len(rows) < n || len(rows) > n+1 {
				t.Errorf("p=%d: subtask %d got %d of %d rows", par, sub, len(rows), len(after))
			}
		}
	}

	// Restore twice: p=3 -> p=2 (snapshot mid-way) -> p=5.
	states2, mid := partialRun(t, src, 2, proj, []int{1, 3}, states)
	after, _ := restoreRun(t, src, 5, proj, states2)
	got := sorted(append(append(slices.Clone(before), mid...), after...))
	if !slices.Equal(got, sorted(want)) {
		t.Errorf("two restores: %d + %d + %d rows do not make the sequence", len(before), len(mid), len(after))
	}
}

func TestRescaleNumberOfRows(t *testing.T) {
	cols := []connectors.Column{col("a", types.BigInt), col("b", types.VarChar(8))}
	o := map[string]string{"number-of-rows": "5000", "rows-per-second": "100000000"}
	src := create(t, cols, o)
	want, _ := restoreRun(t, src, 3, all(2), nil)
	states, before := partialRun(t, src, 3, all(2), []int{1, 2, 0}, nil)
	for _, par := range []int{1, 2, 3, 7} {
		after, _ := restoreRun(t, src, par, all(2), states)
		if got := sorted(append(slices.Clone(before), after...)); !slices.Equal(got, sorted(want)) {
			t.Errorf("p=3 -> p=%d: %d + %d rows differ from the uninterrupted run", par, len(before), len(after))
		}
	}
	// Projection does not change the values of a column.
	onlyB, _ := restoreRun(t, src, 3, []int{1}, nil)
	for i, r := range want {
		if b := r[strings.LastIndex(r, ", ")+2:]; "+I["+b != onlyB[i] {
			t.Fatalf("row %d: %s vs %s", i, r, onlyB[i])
		}
	}
}

func TestRestoreEmptyShareEnds(t *testing.T) {
	src := create(t, []connectors.Column{col("id", types.Int)},
		map[string]string{"fields.id.kind": "sequence", "fields.id.start": "1", "fields.id.end": "4"})
	states, before := partialRun(t, src, 2, []int{0}, []int{1, 0}, nil)
	if len(before) != 2 {
		t.Fatalf("before: %v", before)
	}
	after, per := restoreRun(t, src, 4, []int{0}, states)
	if strings.Join(sorted(after), " ") != "+I[3] +I[4]" || len(per[2]) != 0 || len(per[3]) != 0 {
		t.Errorf("after: %v", per)
	}
	// A finished source restores to nothing.
	done, _ := partialRun(t, src, 2, []int{0}, []int{5, 5}, nil)
	if after, _ := restoreRun(t, src, 3, []int{0}, done); len(after) != 0 {
		t.Errorf("finished source emitted %v after restore", after)
	}
	// nil entries (subtasks without state) hold nothing.
	if after, _ := restoreRun(t, src, 2, []int{0}, [][]byte{nil, states[1]}); strings.Join(after, " ") != "+I[3] +I[4]" {
		t.Errorf("with a nil entry: %v", after)
	}
}

func TestRestoreLegacyState(t *testing.T) {
	src := create(t, []connectors.Column{col("id", types.Int)},
		map[string]string{"fields.id.kind": "sequence", "fields.id.start": "1", "fields.id.end": "10"})
	// Old format: rows emitted per subtask (p=2: 1..5 and 6..10).
	legacy := [][]byte{binary.AppendVarint(nil, 3), binary.AppendVarint(nil, 5)}
	after, _ := restoreRun(t, src, 3, []int{0}, legacy)
	if strings.Join(sorted(after), " ") != "+I[4] +I[5]" {
		t.Errorf("legacy restore: %v", after)
	}
}

func TestRestoreMismatch(t *testing.T) {
	src := create(t, []connectors.Column{col("id", types.Int)},
		map[string]string{"fields.id.kind": "sequence", "fields.id.start": "1", "fields.id.end": "100"})
	states, _ := partialRun(t, src, 1, []int{0}, []int{0}, nil)
	short := create(t, []connectors.Column{col("id", types.Int)},
		map[string]string{"fields.id.kind": "sequence", "fields.id.start": "1", "fields.id.end": "10"})
	r, _ := short.NewReader(0, 1, []int{0})
	err := r.Open(&runtime.OperatorContext{Clock: &fakeClock{}, RestoredStates: states})
	if err == nil || !strings.Contains(err.Error(), "default_catalog.default_database.t") {
		t.Errorf("mismatching state: %v", err)
	}
	r, _ = src.NewReader(0, 1, []int{0})
	if err := r.Open(&runtime.OperatorContext{Clock: &fakeClock{}, RestoredStates: [][]byte{{stateFormat, 1}}}); err == nil {
		t.Error("corrupt state accepted")
	}
}

func TestRestoreUnbounded(t *testing.T) {
	src := create(t, []connectors.Column{col("a", types.Int)}, map[string]string{"rows-per-second": "1000"})
	clock := &fakeClock{}
	r, _ := src.NewReader(1, 2, []int{0})
	r.Open(&runtime.OperatorContext{Clock: clock})
	b, _, _ := r.Poll()
	clock.ms += 1000
	b2, _, _ := r.Poll()
	st, _ := r.SnapshotState(1)
	clock.ms += 1000
	next, _, _ := r.Poll()
	// Subtask 1 continues old subtask 1's stream whatever the parallelism.
	for _, par := range []int{2, 3} {
		r2, _ := src.NewReader(1, par, []int{0})
		if err := r2.Open(&runtime.OperatorContext{Clock: clock, RestoredStates: [][]byte{nil, st}}); err != nil {
			t.Fatal(err)
		}
		got, _, _ := r2.Poll()
		if got == nil || got.Len == 0 || got.Cols[0].Ints[0] != next.Cols[0].Ints[0] {
			t.Errorf("p=%d: restored stream does not continue (%d+%d rows before)", par, b.Len, b2.Len)
		}
		// A new subtask without an old stream starts its own.
		r3, _ := src.NewReader(2, 3, []int{0})
		if err := r3.Open(&runtime.OperatorContext{Clock: clock, RestoredStates: [][]byte{nil, st}}); err != nil {
			t.Fatal(err)
		}
		if b, st, _ := r3.Poll(); b == nil || st != runtime.SourceMore {
			t.Error("new unbounded subtask emitted nothing")
		}
	}
}
