package kafka

import (
	"fmt"
	"testing"
	"time"

	"github.com/flinkgo/engine/connectors/kafka/kafkatest"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// BenchmarkSourceJSON reads JSON records from a 4-partition topic through
// one reader (decode included); b.N records.
func BenchmarkSourceJSON(b *testing.B) {
	br := kafkatest.Start(b, 0)
	topic := kafkatest.Topic("bench-src")
	br.CreateTopic(b, topic, 4, nil)
	const chunk = 10000
	for from := 0; from < b.N; from += chunk {
		var recs []kafkatest.Record
		for i := from; i < min(from+chunk, b.N); i++ {
			recs = append(recs, kafkatest.Record{Partition: int32(i % 4),
				Value: []byte(fmt.Sprintf(`{"id":%d,"name":"name-%d"}`, i, i))})
		}
		br.Produce(b, topic, recs...)
	}
	tb := jsonTable(br, topic, "scan.bounded.mode", "latest-offset")
	src, err := Factory{}.CreateSource(tb)
	if err != nil {
		b.Fatal(err)
	}
	rd, err := src.NewReader(0, 1, allColumns(tb))
	if err != nil {
		b.Fatal(err)
	}
	if err := rd.Open(testCtx(0, 1, nil)); err != nil {
		b.Fatal(err)
	}
	defer rd.Close()
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for n < b.N {
		batch, st, err := rd.Poll()
		if err != nil {
			b.Fatal(err)
		}
		if batch != nil {
			n += batch.Len
		}
		if st == runtime.SourceEnd {
			break
		}
	}
	if n != b.N {
		b.Fatalf("read %d of %d", n, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkSinkExactlyOnce writes b.N rows in batches of 1024 with a
// checkpoint (pre-commit, commit) every second.
func BenchmarkSinkExactlyOnce(b *testing.B) {
	br := kafkatest.Start(b, 0)
	topic := kafkatest.Topic("bench-sink")
	br.CreateTopic(b, topic, 4, nil)
	tb := mkTable(idName, kv("connector", "kafka", "topic", topic, "properties.bootstrap.servers", br.Bootstrap,
		"format", "json", "sink.delivery-guarantee", "exactly-once", "sink.transactional-id-prefix", topic))
	s, err := Factory{}.CreateSink(tb)
	if err != nil {
		b.Fatal(err)
	}
	op, err := s.NewWriter(0, 1)
	if err != nil {
		b.Fatal(err)
	}
	ctx := testCtx(0, 1, nil)
	ctx.FinalCheckpoint = true
	if err := op.Open(ctx, nil); err != nil {
		b.Fatal(err)
	}
	defer op.Close()
	batch := rowsBatch(0, types.DefaultBatchSize, types.Insert)
	b.ReportAllocs()
	b.ResetTimer()
	next, cp := time.Now().Add(time.Second), int64(0)
	for n := 0; n < b.N; n += batch.Len {
		if err := op.ProcessBatch(0, batch); err != nil {
			b.Fatal(err)
		}
		if time.Now().After(next) {
			cp++
			if _, err := op.SnapshotState(cp); err != nil {
				b.Fatal(err)
			}
			if err := op.NotifyCheckpointComplete(cp); err != nil {
				b.Fatal(err)
			}
			next = time.Now().Add(time.Second)
		}
	}
	cp++
	if _, err := op.SnapshotState(cp); err != nil {
		b.Fatal(err)
	}
	if err := op.NotifyCheckpointComplete(cp); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
