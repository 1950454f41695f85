package session

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runBench runs script (its last statement an INSERT) with dml-sync and
// reports events/s and events/s per core (CPU time of the process).
func runBench(b *testing.B, events int, parallelism int, query string) {
	script := fmt.Sprintf(`
SET 'table.dml-sync' = 'true';
SET 'parallelism.default' = '%d';
CREATE TABLE src (
  id BIGINT, price BIGINT, name STRING
) WITH (
  'connector' = 'datagen',
  'rows-per-second' = '1000000000',
  'number-of-rows' = '%d',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d',
  'fields.price.min' = '1', 'fields.price.max' = '1000',
  'fields.name.length' = '8'
);
CREATE TABLE sink (id BIGINT, price BIGINT, name STRING) WITH ('connector' = 'blackhole');
%s;`, parallelism, events, events, query)
	runBenchScript(b, events, script)
}

// BenchmarkPassThrough: datagen -> blackhole.
func BenchmarkPassThrough(b *testing.B) {
	for _, p := range []int{1, 2} {
		b.Run(fmt.Sprintf("p%d", p), func(b *testing.B) {
			runBench(b, 2_000_000, p, "INSERT INTO sink SELECT * FROM src")
		})
	}
}

// BenchmarkFilterProject: datagen -> filter/projection -> blackhole.
func BenchmarkFilterProject(b *testing.B) {
	for _, p := range []int{1, 2} {
		b.Run(fmt.Sprintf("p%d", p), func(b *testing.B) {
			runBench(b, 2_000_000, p, "INSERT INTO sink SELECT id * 2, price + 1, UPPER(name) FROM src WHERE price > 500 AND name LIKE 'a%'")
		})
	}
}

// BenchmarkCheckpointOverhead: a keyed count over 100k keys with
// checkpoints every second to disk against none (target: ≥ 95%).
func BenchmarkCheckpointOverhead(b *testing.B) {
	for _, interval := range []string{"", "1s"} {
		name := "no-checkpoints"
		if interval != "" {
			name = "checkpoint-every-" + interval
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			set := ""
			if interval != "" {
				set = fmt.Sprintf("SET 'execution.checkpointing.interval' = '%s';\nSET 'state.checkpoints.dir' = '%s';\n", interval, dir)
			}
			runBenchScript(b, 50_000_000, set+`
SET 'table.dml-sync' = 'true';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '1000000000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '50000000');
CREATE TABLE sink (k BIGINT, c BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT MOD(id, 100000), COUNT(*) FROM src GROUP BY MOD(id, 100000);`)
		})
	}
}

// runBenchScript runs a script whose last statement is a synchronous
// INSERT and reports events/s and events/s per core for that statement.
func runBenchScript(b *testing.B, events int, script string) {
	runStatefulScript(b, events, script)
}
