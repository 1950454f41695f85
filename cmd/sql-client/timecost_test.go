package main

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestPrintTimeCost: sql-client.display.print-time-cost (on by default, as
// in Flink 1.19+) ends the footers of query results with the query's wall
// time, in streaming and batch tableau results; results of other
// statements never show it, and switching the option off removes it.
func TestPrintTimeCost(t *testing.T) {
	dir := t.TempDir()
	script := writeFile(t, dir, "timecost.sql", `CREATE TABLE t (id INT) WITH ('connector' = 'datagen', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '3');
SELECT id FROM t;
SHOW TABLES;
SET 'execution.runtime-mode' = 'batch';
SELECT id FROM t ORDER BY id DESC;
SELECT id FROM t WHERE id > 10;
SELECT id FROM t WHERE id = 1;
SET 'sql-client.display.print-time-cost' = 'false';
SELECT id FROM t WHERE id = 2;
SET 'execution.runtime-mode' = 'streaming';
SELECT id FROM t WHERE id = 3;
`)
	cmd := exec.Command(binary, "-f", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	s := string(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	cost := `\(\d+\.\d\d seconds\)`
	for _, want := range []string{
		`(?m)^Received a total of 3 rows ` + cost + `$`,
		`(?m)^1 row in set$`, // SHOW TABLES: no time
		`(?m)^3 rows in set ` + cost + `$`,
		`(?m)^Empty set ` + cost + `$`,
		`(?m)^1 row in set ` + cost + `$`,
		`(?m)^\| +2 \|\n\+-+\+\n1 row in set\n`,                         // switched off: batch
		`(?m)^\| \+I \| +3 \|\n\+-+\+-+\+\nReceived a total of 1 row\n`, // and streaming
	} {
		if !regexp.MustCompile(want).MatchString(s) {
			t.Errorf("output lacks %s\n--- output ---\n%s", want, s)
		}
	}
	if n := strings.Count(s, " seconds)"); n != 4 {
		t.Errorf("%d footers with a time, want 4\n--- output ---\n%s", n, s)
	}
}
