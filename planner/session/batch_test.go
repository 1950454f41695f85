package session

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// TestBatchMatchesStreaming runs bounded aggregation, join and Top-N
// queries in streaming and in batch mode (execution.runtime-mode): the
// streaming changelog, applied, must give the table batch mode emits, and
// batch mode must emit insertions only.
func TestBatchMatchesStreaming(t *testing.T) {
	dir := t.TempDir()
	write := func(name, rows string) string {
		d := filepath.Join(dir, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "part-0.csv"), []byte(rows), 0o644); err != nil {
			t.Fatal(err)
		}
		return d
	}
	orders := write("orders", "1,alice,12.50\n2,bob,3.25\n3,alice,7.00\n4,carol,100.00\n5,bob,0.75\n6,dave,42.00\n7,alice,1.00\n8,bob,3.25\n")
	customers := write("customers", "alice,Berlin\nbob,Paris\ncarol,Oslo\nerin,Rome\n")
	setup := `CREATE TABLE orders (id INT, customer STRING, amount DECIMAL(10, 2)) WITH ('connector' = 'filesystem', 'path' = '` + orders + `', 'format' = 'csv');
CREATE TABLE customers (name STRING, city STRING) WITH ('connector' = 'filesystem', 'path' = '` + customers + `', 'format' = 'csv');`
	queries := []string{
		"SELECT customer, COUNT(*), SUM(amount), MAX(amount), MIN(id) FROM orders GROUP BY customer",
		"SELECT COUNT(*), SUM(amount), COUNT(DISTINCT customer) FROM orders",
		"SELECT o.id, c.city FROM orders AS o LEFT JOIN customers AS c ON o.customer = c.name",
		"SELECT c.name, o.id FROM orders AS o FULL OUTER JOIN customers AS c ON o.customer = c.name",
		"SELECT c.city, COUNT(o.id), SUM(o.amount) FROM customers AS c LEFT JOIN orders AS o ON o.customer = c.name GROUP BY c.city",
		"SELECT customer, id, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY customer ORDER BY amount DESC) AS rn FROM orders) WHERE rn <= 2",
		"SELECT DISTINCT amount FROM orders",
		"SELECT n, COUNT(*) FROM (SELECT customer, COUNT(*) AS n FROM orders GROUP BY customer) GROUP BY n",
	}
	for _, q := range queries {
		stream := runFinal(t, setup, "streaming", q)
		batch := runFinal(t, setup, "batch", q)
		if !slices.Equal(stream, batch) {
			t.Errorf("%s\nstreaming final table:\n%s\nbatch:\n%s", q, strings.Join(stream, "\n"), strings.Join(batch, "\n"))
		}
		t.Logf("%s: %d rows, first %q", q, len(batch), batch[:min(1, len(batch))])
		if len(batch) == 0 {
			t.Errorf("%s: empty result", q)
		}
	}
}

// runFinal runs q after setup in the given runtime mode at parallelism 2
// and returns its final table (rows sorted); in batch mode it fails on any
// row that is not an insertion.
func runFinal(t *testing.T, setup, mode, q string) []string {
	t.Helper()
	s := New(Options{Config: map[string]string{"parallelism.default": "2", "execution.runtime-mode": mode}})
	defer s.Close()
	stmts, err := sql.ParseScript(setup + "\n" + q + ";")
	if err != nil {
		t.Fatal(err)
	}
	var r *Result
	for _, st := range stmts {
		if r, err = s.Execute(st); err != nil {
			t.Fatalf("%s (%s): %v", q, mode, err)
		}
	}
	count := map[string]int{}
	var buf []byte
	for b := range r.Query.Rows {
		for i := 0; i < b.Len; i++ {
			buf = buf[:0]
			for c, v := range b.Cols {
				if c > 0 {
					buf = append(buf, " | "...)
				}
				buf = types.AppendValue(buf, v, i, types.StyleSQL)
			}
			k := b.Kind(i)
			if mode == "batch" && k != types.Insert {
				t.Errorf("%s: batch mode emitted %v %s", q, k, buf)
			}
			if k.IsAccumulate() {
				count[string(buf)]++
			} else {
				count[string(buf)]--
			}
		}
	}
	if err := r.Query.Job.Wait(); err != nil {
		t.Fatalf("%s (%s): %v", q, mode, err)
	}
	var out []string
	for row, n := range count {
		if n < 0 {
			t.Errorf("%s (%s): row %s retracted more often than inserted", q, mode, row)
		}
		for range n {
			out = append(out, row)
		}
	}
	slices.Sort(out)
	return out
}
