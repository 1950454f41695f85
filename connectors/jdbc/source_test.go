package jdbc

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/jdbc/jdbctest"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// scanAll reads the table with par subtasks and returns every row.
func scanAll(t *testing.T, tbl *connectors.Table, par int, proj []int) []string {
	t.Helper()
	src, err := Factory{}.CreateSource(tbl)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for s := 0; s < par; s++ {
		out = append(out, readSubtask(t, src, s, par, proj, nil, -1)...)
	}
	return out
}

// readSubtask reads one subtask; with stopAfter >= 0 it stops after that
// many batches and returns the state in *state.
func readSubtask(t *testing.T, src connectors.Source, sub, par int, proj []int, restore [][]byte, stopAfter int) []string {
	t.Helper()
	r, err := src.NewReader(sub, par, proj)
	if err != nil {
		t.Fatal(err)
	}
	ctx := opCtx(sub, par)
	ctx.RestoredStates = restore
	if err := r.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []string
	for n := 0; ; n++ {
		b, st, err := r.Poll()
		if err != nil {
			t.Fatal(err)
		}
		if b != nil {
			out = append(out, batchStrings(b)...)
		}
		if st == runtime.SourceEnd {
			return out
		}
		if stopAfter >= 0 && n+1 >= stopAfter {
			s, err := r.SnapshotState(1)
			if err != nil {
				t.Fatal(err)
			}
			lastState = s
			return out
		}
	}
}

var lastState []byte

// TestScanPartitions: every row is read exactly once over 3 subtasks,
// rows outside the bounds and NULLs included.
func TestScanPartitions(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE p (id INT PRIMARY KEY, g BIGINT NULL, v VARCHAR(10))")
	var want []string
	var vals []string
	for i := 1; i <= 500; i++ {
		g := strconv.Itoa(i%103 - 5) // -5..97, some below the lower bound
		if i%50 == 0 {
			g = "NULL"
		}
		vals = append(vals, fmt.Sprintf("(%d, %s, 'v%d')", i, g, i))
		want = append(want, fmt.Sprintf("%d|%s|v%d", i, g, i))
	}
	db.Exec(t, "INSERT INTO p VALUES "+strings.Join(vals, ","))
	cols := []connectors.Column{{Name: "id", Type: intType}, {Name: "g", Type: types.BigInt}, {Name: "v", Type: types.String}}
	tests := []struct {
		name string
		opts []string
	}{
		{"no partitioning", nil},
		{"7 partitions", []string{"scan.partition.column", "g", "scan.partition.num", "7", "scan.partition.lower-bound", "0", "scan.partition.upper-bound", "90"}},
		{"2 partitions, fetch size", []string{"scan.partition.column", "id", "scan.partition.num", "2", "scan.partition.lower-bound", "1", "scan.partition.upper-bound", "500", "scan.fetch-size", "7"}},
		{"more partitions than values", []string{"scan.partition.column", "id", "scan.partition.num", "5", "scan.partition.lower-bound", "10", "scan.partition.upper-bound", "11"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := scanAll(t, table(db, "p", cols, []int{0}, tc.opts...), 3, []int{0, 1, 2})
			wantRows(t, got, want...)
		})
	}
	t.Run("no columns", func(t *testing.T) {
		src, err := Factory{}.CreateSource(table(db, "p", cols, []int{0}, tests[1].opts...))
		if err != nil {
			t.Fatal(err)
		}
		rows := 0
		for s := 0; s < 3; s++ {
			r, _ := src.NewReader(s, 3, nil)
			if err := r.Open(opCtx(s, 3)); err != nil {
				t.Fatal(err)
			}
			for {
				b, st, err := r.Poll()
				if err != nil {
					t.Fatal(err)
				}
				if b != nil {
					rows += b.Len
				}
				if st == runtime.SourceEnd {
					break
				}
			}
			r.Close()
		}
		if rows != len(want) {
			t.Fatalf("%d rows, want %d", rows, len(want))
		}
	})
	t.Run("restore mid-partition at another parallelism", func(t *testing.T) {
		tbl := table(db, "p", cols, []int{0}, "scan.partition.column", "id", "scan.partition.num", "4",
			"scan.partition.lower-bound", "1", "scan.partition.upper-bound", "500", "scan.fetch-size", "30")
		src, err := Factory{}.CreateSource(tbl)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		var states [][]byte
		for s := 0; s < 2; s++ {
			got = append(got, readSubtask(t, src, s, 2, []int{0, 1, 2}, nil, 3+s)...)
			states = append(states, lastState)
		}
		for s := 0; s < 3; s++ {
			got = append(got, readSubtask(t, src, s, 3, []int{0, 1, 2}, states, -1)...)
		}
		wantRows(t, got, want...)
	})
}
