package jdbc

import (
	"strconv"
	"testing"
	"time"

	"github.com/flinkgo/engine/connectors/jdbc/jdbctest"
	"github.com/flinkgo/engine/runtime/types"
)

// BenchmarkUpsert measures rows/s into MariaDB through the upsert sink
// with sink.buffer-flush.max-rows of 100 and 1000 (one key per row, half
// of them updates of existing keys).
//
//	go test ./connectors/jdbc -run '^$' -bench Upsert -benchtime 20000x
func BenchmarkUpsert(b *testing.B) {
	for _, rows := range []int{100, 1000} {
		b.Run("max-rows="+strconv.Itoa(rows), func(b *testing.B) {
			db := jdbctest.NewDatabase(b)
			db.Exec(b, "CREATE TABLE kv (id INT PRIMARY KEY, v VARCHAR(20))")
			cols, ct := kvCols()
			tbl := table(db, "kv", cols, []int{0}, "sink.buffer-flush.max-rows", strconv.Itoa(rows), "sink.buffer-flush.interval", "0")
			s, err := Factory{}.CreateSink(tbl)
			if err != nil {
				b.Fatal(err)
			}
			w, _ := s.NewWriter(0, 1)
			if err := w.Open(opCtx(0, 1), nil); err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			batch := types.NewBatch(ct, types.DefaultBatchSize)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for done := 0; done < b.N; {
				batch.Reset()
				n := min(types.DefaultBatchSize, b.N-done)
				for i := 0; i < n; i++ {
					id := (done + i) / 2 // every key twice: an insert, then an update
					batch.Cols[0].AppendInt(int64(id))
					batch.Cols[1].AppendString("value")
					batch.Len++
				}
				if err := w.ProcessBatch(0, batch); err != nil {
					b.Fatal(err)
				}
				done += n
			}
			if _, err := w.SnapshotState(1); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "rows/s")
		})
	}
}
