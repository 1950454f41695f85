package session

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/flinkgo/engine/sql"
)

// BenchmarkStateful measures the stateful operators on both state backends:
// a keyed aggregation, a tumbling and a hop window aggregation, and a
// two-way join, in events/s, events/s per core of process CPU, and the
// peak state bytes per key (per group, window group or joined key) that
// the operators report (heap: approximate memory; Pebble: disk).
//
//	go test ./planner/session -run '^$' -bench Stateful -benchtime 1x
func BenchmarkStateful(b *testing.B) {
	const events, keys = 2_000_000, 100_000
	src := fmt.Sprintf(`CREATE TABLE src (id BIGINT, price BIGINT,
  ts AS TIMESTAMPADD(SECOND, CAST(id / 1000 AS INT), TIMESTAMP '2024-01-01 00:00:00'),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (
  'connector' = 'datagen', 'rows-per-second' = '1000000000', 'number-of-rows' = '%d',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d',
  'fields.price.min' = '1', 'fields.price.max' = '1000');
CREATE TABLE side (k BIGINT, v BIGINT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '1000000000', 'number-of-rows' = '%d',
  'fields.k.kind' = 'sequence', 'fields.k.start' = '1', 'fields.k.end' = '%d');
CREATE TABLE sink (a BIGINT, b BIGINT) WITH ('connector' = 'blackhole');
`, events, events, keys, keys)
	cases := []struct {
		name   string
		groups int // keys the state holds at its peak, for bytes per key
		query  string
	}{
		{"keyed-agg", keys, fmt.Sprintf("INSERT INTO sink SELECT MOD(id, %d), SUM(price) FROM src GROUP BY MOD(id, %d)", keys, keys)},
		// 1000 events per second of event time, 10 s windows: per window 1,000 keys.
		{"tumble", 1000, "INSERT INTO sink SELECT MOD(id, 1000), COUNT(*) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY MOD(id, 1000), window_start, window_end"},
		{"hop", 5000, "INSERT INTO sink SELECT MOD(id, 1000), COUNT(*) FROM TABLE(HOP(TABLE src, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '10' SECOND)) GROUP BY MOD(id, 1000), window_start, window_end"},
		{"join", keys, fmt.Sprintf("INSERT INTO sink SELECT s.id, d.v FROM (SELECT id, MOD(id, %d) AS k FROM src) s JOIN side d ON s.k = d.k", keys)},
	}
	for _, backend := range []string{"hashmap", "rocksdb"} {
		for _, c := range cases {
			b.Run(backend+"/"+c.name, func(b *testing.B) {
				// Watermarks after every batch, so few windows are open at once.
				script := "SET 'table.dml-sync' = 'true';\nSET 'pipeline.auto-watermark-interval' = '1 ms';\nSET 'state.backend.type' = '" + backend + "';\n" + src + c.query + ";"
				peak := runStatefulScript(b, events, script)
				b.ReportMetric(float64(peak)/float64(c.groups), "state-bytes/key")
			})
		}
	}
}

// runStatefulScript is runBenchScript that also samples the jobs' state
// size and returns its peak.
func runStatefulScript(b *testing.B, events int, script string) int64 {
	stmts, err := sql.ParseScript(script)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var wall, cpu time.Duration
	var peak int64
	for i := 0; i < b.N; i++ {
		s := New(Options{})
		for _, st := range stmts[:len(stmts)-1] {
			if _, err := s.Execute(st); err != nil {
				b.Fatal(err)
			}
		}
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for {
				for _, j := range s.Jobs() {
					var sum int64
					for _, o := range j.StateSizes() {
						sum += o.Bytes
					}
					peak = max(peak, sum)
				}
				select {
				case <-done:
					return
				case <-t.C:
				}
			}
		}()
		c0, t0 := cpuTime(), time.Now()
		if _, err := s.Execute(stmts[len(stmts)-1]); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(t0)
		cpu += cpuTime() - c0
		close(done)
		wg.Wait()
		s.Close()
	}
	total := float64(events) * float64(b.N)
	b.ReportMetric(total/wall.Seconds(), "events/s")
	b.ReportMetric(total/cpu.Seconds(), "events/s/core")
	b.ReportMetric(0, "ns/op")
	return peak
}
