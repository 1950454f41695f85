package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flinkgo/engine/connectors/jdbc/jdbctest"
)

// TestJdbcLookupJoinThroughBinary enriches a datagen stream with a MariaDB
// dimension table through a processing-time lookup join (inner and left,
// with a residual condition), with and without the partial cache.
func TestJdbcLookupJoinThroughBinary(t *testing.T) {
	db := jdbctest.NewDatabase(t)
	db.Exec(t, "CREATE TABLE dim (id BIGINT PRIMARY KEY, name VARCHAR(20), tier INT)")
	var vals []string
	for i := 0; i < 50; i += 2 { // even ids only
		vals = append(vals, fmt.Sprintf("(%d, 'name%d', %d)", i, i, i%3))
	}
	db.Exec(t, "INSERT INTO dim VALUES "+strings.Join(vals, ","))
	for _, cache := range []string{"NONE", "PARTIAL"} {
		t.Run(cache, func(t *testing.T) {
			dir := t.TempDir()
			script := writeFile(t, dir, "job.sql", fmt.Sprintf(`SET 'table.dml-sync' = 'true';
CREATE TABLE orders (id BIGINT, k AS MOD(id, 60), p AS PROCTIME()) WITH (
  'connector' = 'datagen', 'number-of-rows' = '300', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '300');
CREATE TABLE dim (id BIGINT, name STRING, tier INT, PRIMARY KEY (id) NOT ENFORCED) WITH (
  %s);
CREATE TABLE inner_out (id BIGINT, name STRING) WITH ('connector' = 'print', 'print-identifier' = 'inner');
CREATE TABLE left_out (id BIGINT, name STRING) WITH ('connector' = 'print', 'print-identifier' = 'left');
INSERT INTO inner_out SELECT o.id, d.name FROM orders AS o JOIN dim FOR SYSTEM_TIME AS OF o.p AS d ON o.k = d.id AND d.tier > 0;
INSERT INTO left_out SELECT o.id, d.name FROM orders AS o LEFT JOIN dim FOR SYSTEM_TIME AS OF o.p AS d ON o.k = d.id;
`, jdbcOptions(db, "dim", "lookup.cache", cache, "lookup.partial-cache.max-rows", "10")))
			out, code := runClient(t, dir, "-D", "parallelism.default=2", "-f", script)
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			_, state := corpusResult(out)
			got := map[string]int{}
			for _, l := range strings.Split(state, "\n") {
				if l != "" {
					got[l]++
				}
			}
			want := map[string]int{}
			for id := 1; id <= 300; id++ {
				k := id % 60
				switch {
				case k < 50 && k%2 == 0:
					want[fmt.Sprintf("left> [%d, name%d]", id, k)]++
					if k%3 > 0 {
						want[fmt.Sprintf("inner> [%d, name%d]", id, k)]++
					}
				default:
					want[fmt.Sprintf("left> [%d, null]", id)]++
				}
			}
			for l, n := range want {
				if got[l] != n {
					t.Fatalf("%s: %d times, want %d\n%s", l, got[l], n, state)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%d distinct rows, want %d", len(got), len(want))
			}
		})
	}
}
