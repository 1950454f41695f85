package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestResultModesInteractive: statements piped on standard input run as
// Flink's interactive client runs them, where every result mode shows a
// query: changelog as the changes with their op column, table as the
// materialized result (the changelog applied) once the query ends; an
// unknown mode fails the query with Flink's enum error and the client goes
// on. A -f script accepts only tableau (result_modes.sql in the corpus).
func TestResultModesInteractive(t *testing.T) {
	cmd := exec.Command(binary, "-D", "sql-client.display.print-time-cost=false")
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader(`CREATE TABLE t (id INT, k STRING) WITH ('connector' = 'datagen', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '4', 'fields.k.length' = '1');
SET 'sql-client.execution.result-mode' = 'changelog';
SELECT COUNT(*) AS n FROM t;
SET 'sql-client.execution.result-mode' = 'TABLE';
SELECT COUNT(*) AS n, MAX(id) AS top FROM t;
SELECT id FROM t WHERE id > 10;
SET 'sql-client.execution.result-mode' = 'pretty';
SELECT id FROM t;
RESET 'sql-client.execution.result-mode';
SELECT id FROM t WHERE id = 2;
`)
	out, err := cmd.CombinedOutput()
	s := string(out)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("want exit 1 (one statement failed): %v\n%s", err, s)
	}
	for _, want := range []string{
		// changelog: every change with its op
		"| op |                    n |\n+----+----------------------+\n| +I |                    1 |\n| -U |                    1 |\n| +U |                    2 |",
		"Received a total of 7 rows",
		// table: the final row only, no op column
		"+---+-----+\n| n | top |\n+---+-----+\n| 4 |   4 |\n+---+-----+\n1 row in set\n",
		"Flink SQL> SELECT id FROM t WHERE id > 10;\nEmpty set\n",
		"java.lang.IllegalArgumentException: Could not parse value for enum class org.apache.flink.table.client.config.ResultMode. Expected one of: [[TABLE, CHANGELOG, TABLEAU]]",
		// back to tableau
		"| op |          id |\n+----+-------------+\n| +I |           2 |\n+----+-------------+\nReceived a total of 1 row",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks\n%s\n--- output ---\n%s", want, s)
		}
	}
}

// TestBatchResultDisplay: with execution.runtime-mode BATCH a query's
// result is printed as Flink prints a batch result in tableau mode: the
// final rows only, no op column, widths from the content up to the
// maximum column width, "N rows in set"; CHANGELOG mode is refused.
func TestBatchResultDisplay(t *testing.T) {
	cmd := exec.Command(binary, "-D", "sql-client.display.print-time-cost=false", "-f", writeFile(t, t.TempDir(), "batch.sql", `CREATE TABLE t (id INT) WITH ('connector' = 'datagen', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '4');
SET 'execution.runtime-mode' = 'batch';
SET 'table.display.max-column-width' = '8';
SELECT COUNT(*) AS n, 'a long text' AS a_long_column_name FROM t;
SELECT id FROM t WHERE id > 10;
SET 'sql-client.execution.result-mode' = 'changelog';
SELECT id FROM t;
`))
	out, _ := cmd.CombinedOutput()
	s := string(out)
	for _, want := range []string{
		"+---+----------+\n| n | a_lon... |\n+---+----------+\n| 4 | a lon... |\n+---+----------+\n1 row in set\n",
		"Flink SQL> SELECT id FROM t WHERE id > 10;\nEmpty set\n",
		"org.apache.flink.table.client.gateway.SqlExecutionException: Results of batch queries can only be served in table or tableau mode.",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks\n%s\n--- output ---\n%s", want, s)
		}
	}
}
