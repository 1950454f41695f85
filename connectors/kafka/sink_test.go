package kafka

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/kafka/kafkatest"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// rowsBatch builds an id/name batch of ids [from, from+n) with kind.
func rowsBatch(from, n int, kind types.RowKind) *types.Batch {
	b := types.NewBatch([]*types.Type{types.Int, types.String}, n)
	for i := from; i < from+n; i++ {
		b.Cols[0].AppendInt(int64(i))
		b.Cols[1].AppendString(fmt.Sprintf("n%d", i))
		b.AppendKind(kind)
		b.Len++
	}
	return b
}

func sinkTable(b *kafkatest.Broker, topic string, pairs ...string) *connectors.Table {
	tb := mkTable(idName, withOpts(kv("connector", "kafka", "topic", topic, "properties.bootstrap.servers", b.Bootstrap,
		"format", "json"), pairs...))
	tb.Config = kv("execution.checkpointing.interval", "200 ms")
	return tb
}

func openWriter(t *testing.T, s connectors.Sink, sub, par int, states [][]byte) *writer {
	t.Helper()
	op, err := s.NewWriter(sub, par)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(sub, par, states)
	ctx.FinalCheckpoint = true
	if err := op.Open(ctx, nil); err != nil {
		t.Fatal(err)
	}
	w := op.(*writer)
	t.Cleanup(func() { w.Close() })
	return w
}

func mustSink(t *testing.T, f connectors.SinkFactory, tb *connectors.Table) connectors.Sink {
	t.Helper()
	s, err := f.CreateSink(tb)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// values returns the record values of recs, sorted.
func values(recs []kafkatest.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r.Value)
		if r.Value == nil {
			out[i] = string(r.Key) + "=<tombstone>"
		}
	}
	sort.Strings(out)
	return out
}

func jsonValues(from, n int) []string {
	var out []string
	for i := from; i < from+n; i++ {
		out = append(out, fmt.Sprintf(`{"id":%d,"name":"n%d"}`, i, i))
	}
	return out
}

const quiet = 300 * time.Millisecond

func TestSinkAtLeastOnce(t *testing.T) {
	b := kafkatest.Start(t, 0)
	for _, partitioner := range []string{"default", "fixed", "round-robin"} {
		t.Run(partitioner, func(t *testing.T) {
			topic := kafkatest.Topic("alo")
			b.CreateTopic(t, topic, 3, nil)
			s := mustSink(t, Factory{}, sinkTable(b, topic, "sink.partitioner", partitioner))
			w := openWriter(t, s, 1, 2, nil)
			if err := w.ProcessBatch(0, rowsBatch(0, 50, types.Insert)); err != nil {
				t.Fatal(err)
			}
			if _, err := w.SnapshotState(1); err != nil {
				t.Fatal(err)
			}
			// After the barrier every record is acknowledged.
			got := b.ReadUncommitted(t, topic, quiet)
			checkRows(t, "values", values(got), jsonValues(0, 50))
			parts := map[int32]bool{}
			for _, r := range got {
				parts[r.Partition] = true
			}
			switch {
			case partitioner == "fixed" && (len(parts) != 1 || !parts[1]):
				t.Errorf("fixed partitioner of subtask 1 wrote partitions %v", parts)
			case partitioner == "round-robin" && len(parts) != 3:
				t.Errorf("round-robin wrote partitions %v", parts)
			}
		})
	}
}

// TestSinkExactlyOnce: a read_committed consumer sees nothing before the
// checkpoint completes and everything after; what a checkpoint that never
// completes wrote never becomes visible.
func TestSinkExactlyOnce(t *testing.T) {
	b := kafkatest.Start(t, 0)
	topic := kafkatest.Topic("eo")
	b.CreateTopic(t, topic, 2, nil)
	tb := sinkTable(b, topic, "sink.delivery-guarantee", "exactly-once", "sink.transactional-id-prefix", topic)
	s := mustSink(t, Factory{}, tb)
	w := openWriter(t, s, 0, 1, nil)
	if err := w.ProcessBatch(0, rowsBatch(0, 10, types.Insert)); err != nil {
		t.Fatal(err)
	}
	if got := b.ReadCommitted(t, topic, quiet); len(got) != 0 {
		t.Fatalf("visible before the barrier: %d", len(got))
	}
	st1, err := w.SnapshotState(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.ProcessBatch(0, rowsBatch(10, 5, types.Insert)); err != nil {
		t.Fatal(err)
	}
	if got := b.ReadCommitted(t, topic, quiet); len(got) != 0 {
		t.Fatalf("visible before the checkpoint completed: %d", len(got))
	}
	if err := w.NotifyCheckpointComplete(1); err != nil {
		t.Fatal(err)
	}
	checkRows(t, "after checkpoint 1", values(b.ReadCommitted(t, topic, quiet)), jsonValues(0, 10))
	st2, err := w.SnapshotState(2) // pre-commits 10..14; checkpoint 2 never completes
	if err != nil {
		t.Fatal(err)
	}
	_ = st2
	if err := w.ProcessBatch(0, rowsBatch(15, 5, types.Insert)); err != nil {
		t.Fatal(err)
	}
	w.Close() // a crash: nothing of checkpoint 2 or later commits

	// Restore from checkpoint 1: the transactions after it are aborted.
	w2 := openWriter(t, s, 0, 1, [][]byte{st1})
	if err := w2.ProcessBatch(0, rowsBatch(100, 3, types.Insert)); err != nil {
		t.Fatal(err)
	}
	if _, err := w2.SnapshotState(3); err != nil {
		t.Fatal(err)
	}
	if err := w2.NotifyCheckpointComplete(3); err != nil {
		t.Fatal(err)
	}
	want := append(jsonValues(0, 10), jsonValues(100, 3)...)
	checkRows(t, "after restore", values(b.ReadCommitted(t, topic, quiet)), want)
}

// TestSinkRestoreCommits: a checkpoint that completed but whose commit did
// not happen (crash between completion and notification) is committed on
// restore, also at another parallelism; a second restore from the same
// checkpoint commits nothing twice.
func TestSinkRestoreCommits(t *testing.T) {
	b := kafkatest.Start(t, 0)
	topic := kafkatest.Topic("eo-restore")
	b.CreateTopic(t, topic, 3, nil)
	tb := sinkTable(b, topic, "sink.delivery-guarantee", "exactly-once", "sink.transactional-id-prefix", topic)
	s := mustSink(t, Factory{}, tb)
	var states [][]byte
	for i := 0; i < 3; i++ {
		w := openWriter(t, s, i, 3, nil)
		if err := w.ProcessBatch(0, rowsBatch(i*10, 10, types.Insert)); err != nil {
			t.Fatal(err)
		}
		st, err := w.SnapshotState(5)
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, st)
		if err := w.ProcessBatch(0, rowsBatch(1000+i*10, 10, types.Insert)); err != nil {
			t.Fatal(err) // after the barrier: never committed
		}
		w.Close()
	}
	if got := b.ReadCommitted(t, topic, quiet); len(got) != 0 {
		t.Fatalf("visible before restore: %d", len(got))
	}
	for round := 0; round < 2; round++ {
		var ws []*writer
		for i := 0; i < 2; i++ {
			ws = append(ws, openWriter(t, s, i, 2, states))
		}
		for _, w := range ws {
			w.Close()
		}
		checkRows(t, fmt.Sprintf("restore %d", round), values(b.ReadCommitted(t, topic, quiet)), jsonValues(0, 30))
	}
}

// TestSinkFinishWithoutCheckpoints: without a final checkpoint, Finish
// commits.
func TestSinkFinishWithoutCheckpoints(t *testing.T) {
	b := kafkatest.Start(t, 0)
	topic := kafkatest.Topic("eo-finish")
	b.CreateTopic(t, topic, 1, nil)
	s := mustSink(t, Factory{}, sinkTable(b, topic, "sink.delivery-guarantee", "exactly-once", "sink.transactional-id-prefix", topic))
	op, _ := s.NewWriter(0, 1)
	if err := op.Open(testCtx(0, 1, nil), nil); err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	if err := op.ProcessBatch(0, rowsBatch(0, 4, types.Insert)); err != nil {
		t.Fatal(err)
	}
	if err := op.Finish(); err != nil {
		t.Fatal(err)
	}
	checkRows(t, "values", values(b.ReadCommitted(t, topic, quiet)), jsonValues(0, 4))
}

func TestSinkRejectsUpdates(t *testing.T) {
	b := kafkatest.Start(t, 0)
	topic := kafkatest.Topic("upd")
	b.CreateTopic(t, topic, 1, nil)
	s := mustSink(t, Factory{}, sinkTable(b, topic))
	w := openWriter(t, s, 0, 1, nil)
	err := w.ProcessBatch(0, rowsBatch(0, 1, types.UpdateAfter))
	if err == nil || !strings.Contains(err.Error(), "upsert-kafka") {
		t.Fatalf("err = %v", err)
	}
}

// TestSinkMetadata writes the timestamp and headers metadata.
func TestSinkMetadata(t *testing.T) {
	b := kafkatest.Start(t, 0)
	topic := kafkatest.Topic("wmeta")
	b.CreateTopic(t, topic, 1, nil)
	cols := append(append([]connectors.Column{}, idName...), meta("ts", types.TimestampLTZ3, "timestamp"),
		meta("hs", types.MapOf(types.String, types.Bytes), "headers"), meta("off", types.BigInt, "offset"))
	tb := mkTable(cols, kv("connector", "kafka", "topic", topic, "properties.bootstrap.servers", b.Bootstrap,
		"format", "json", "key.format", "raw", "key.fields", "name"))
	s := mustSink(t, Factory{}, tb)
	w := openWriter(t, s, 0, 1, nil)
	batch := types.NewBatch([]*types.Type{types.Int, types.String, types.TimestampLTZ3, types.MapOf(types.String, types.Bytes)}, 1)
	batch.Cols[0].AppendInt(1)
	batch.Cols[1].AppendString("a")
	batch.Cols[2].AppendInt(1_700_000_000_123_000)
	batch.Cols[3].Children[0].AppendString("h")
	batch.Cols[3].Children[1].AppendBytes([]byte("v"))
	batch.Cols[3].CloseNested()
	batch.Len = 1
	if err := w.ProcessBatch(0, batch); err != nil {
		t.Fatal(err)
	}
	if _, err := w.SnapshotState(1); err != nil {
		t.Fatal(err)
	}
	got := b.ReadUncommitted(t, topic, quiet)
	if len(got) != 1 || string(got[0].Key) != "a" || got[0].Timestamp.UnixMilli() != 1_700_000_000_123 ||
		len(got[0].Headers) != 1 || got[0].Headers[0].Key != "h" || string(got[0].Headers[0].Value) != "v" {
		t.Fatalf("records %+v", got)
	}
}

// TestUpsertKafka: the sink writes values and tombstones (and with
// buffering only the latest record per key); the source reads them back
// as an upsert changelog.
func TestUpsertKafka(t *testing.T) {
	b := kafkatest.Start(t, 0)
	for _, buffered := range []bool{false, true} {
		t.Run(fmt.Sprintf("buffered=%v", buffered), func(t *testing.T) {
			topic := kafkatest.Topic("upsert")
			b.CreateTopic(t, topic, 2, map[string]string{"cleanup.policy": "compact"})
			opts := kv("connector", "upsert-kafka", "topic", topic, "properties.bootstrap.servers", b.Bootstrap,
				"key.format", "json", "value.format", "json")
			if buffered {
				opts = withOpts(opts, "sink.buffer-flush.max-rows", "1000", "sink.buffer-flush.interval", "1 h")
			}
			tb := mkTable(idName, opts, 0)
			s := mustSink(t, UpsertFactory{}, tb)
			if s.ChangelogMode() != connectors.Upsert {
				t.Fatalf("sink mode %v", s.ChangelogMode())
			}
			w := openWriter(t, s, 0, 1, nil)
			batch := types.NewBatch([]*types.Type{types.Int, types.String}, 8)
			for _, r := range []struct {
				id   int
				name string
				kind types.RowKind
			}{{1, "a", types.Insert}, {2, "b", types.Insert}, {1, "a", types.UpdateBefore}, {1, "a2", types.UpdateAfter}, {2, "b", types.Delete}, {3, "c", types.Insert}} {
				batch.Cols[0].AppendInt(int64(r.id))
				batch.Cols[1].AppendString(r.name)
				batch.AppendKind(r.kind)
				batch.Len++
			}
			if err := w.ProcessBatch(0, batch); err != nil {
				t.Fatal(err)
			}
			if _, err := w.SnapshotState(1); err != nil {
				t.Fatal(err)
			}
			got := values(b.ReadUncommitted(t, topic, quiet))
			want := []string{`{"id":1,"name":"a"}`, `{"id":2,"name":"b"}`, `{"id":1,"name":"a2"}`, `{"id":2}=<tombstone>`, `{"id":3,"name":"c"}`}
			if buffered {
				want = []string{`{"id":1,"name":"a2"}`, `{"id":2}=<tombstone>`, `{"id":3,"name":"c"}`}
			}
			checkRows(t, "records", got, want)

			src := mustSource(t, tb, true)
			if src.ChangelogMode() != connectors.Upsert {
				t.Fatalf("source mode %v", src.ChangelogMode())
			}
			var rs []*reader
			for i := 0; i < 2; i++ {
				r, _ := openReader(t, src, i, 2, allColumns(tb), nil)
				rs = append(rs, r)
			}
			rows, err := pollUntil(t, rs, len(want), 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			wantRows := []string{"+I[1, a]", "+I[2, b]", "+I[1, a2]", "-D[2, null]", "+I[3, c]"}
			if buffered {
				wantRows = []string{"+I[1, a2]", "-D[2, null]", "+I[3, c]"}
			}
			checkRows(t, "changelog", flat(rows), wantRows)

			if b.Cluster == nil || buffered {
				return
			}
			// Compaction keeps the latest record per key (the tombstone too,
			// within delete.retention.ms). kfake, like Kafka, never compacts
			// the last (active) batch of a partition: write one more batch
			// into each partition first.
			for id := 10; id < 20; id++ {
				if err := w.ProcessBatch(0, rowsBatch(id, 1, types.Insert)); err != nil {
					t.Fatal(err)
				}
				if _, err := w.SnapshotState(int64(id)); err != nil {
					t.Fatal(err)
				}
			}
			b.Cluster.Compact()
			got = values(b.ReadUncommitted(t, topic, quiet))
			want = append([]string{`{"id":1,"name":"a2"}`, `{"id":2}=<tombstone>`, `{"id":3,"name":"c"}`}, jsonValues(10, 10)...)
			checkRows(t, "compacted", got, want)
		})
	}
}

var _ runtime.Operator = (*writer)(nil)

// TestSinkFencesLargerParallelism: a run restored at parallelism 3 opens
// transactions in all three subtasks and dies before its first
// checkpoint; restoring the older checkpoint at parallelism 1 must abort
// them all, or they would hold back every read_committed consumer.
func TestSinkFencesLargerParallelism(t *testing.T) {
	b := kafkatest.Start(t, 0)
	topic := kafkatest.Topic("eo-fence")
	b.CreateTopic(t, topic, 3, nil)
	s := mustSink(t, Factory{}, sinkTable(b, topic, "sink.delivery-guarantee", "exactly-once", "sink.transactional-id-prefix", topic))
	w := openWriter(t, s, 0, 1, nil)
	if err := w.ProcessBatch(0, rowsBatch(0, 3, types.Insert)); err != nil {
		t.Fatal(err)
	}
	st, err := w.SnapshotState(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.NotifyCheckpointComplete(1); err != nil {
		t.Fatal(err)
	}
	w.Close()
	for i := 0; i < 3; i++ { // run B: never checkpoints
		wb := openWriter(t, s, i, 3, [][]byte{st})
		for k := 0; k < 2; k++ { // two transactions per subtask
			if err := wb.ProcessBatch(0, rowsBatch(100+i*10+k, 1, types.Insert)); err != nil {
				t.Fatal(err)
			}
			if _, err := wb.SnapshotState(int64(2 + k)); err != nil {
				t.Fatal(err)
			}
		}
		wb.txn.pending = nil // a crash: the clients die with the transactions open
	}
	wc := openWriter(t, s, 0, 1, [][]byte{st})
	if err := wc.ProcessBatch(0, rowsBatch(200, 2, types.Insert)); err != nil {
		t.Fatal(err)
	}
	if _, err := wc.SnapshotState(2); err != nil {
		t.Fatal(err)
	}
	if err := wc.NotifyCheckpointComplete(2); err != nil {
		t.Fatal(err)
	}
	checkRows(t, "committed", values(b.ReadCommitted(t, topic, quiet)), append(jsonValues(0, 3), jsonValues(200, 2)...))
}

// TestSinkTransactionTimeoutAboveBrokerMax: the writer fails in Open with
// a message saying what to set.
func TestSinkTransactionTimeoutAboveBrokerMax(t *testing.T) {
	b := kafkatest.Start(t, 0)
	topic := kafkatest.Topic("eo-timeout")
	b.CreateTopic(t, topic, 1, nil)
	s := mustSink(t, Factory{}, sinkTable(b, topic, "sink.delivery-guarantee", "exactly-once",
		"sink.transactional-id-prefix", topic, "properties.transaction.timeout.ms", "3600000"))
	op, err := s.NewWriter(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	err = op.Open(testCtx(0, 1, nil), nil)
	op.Close()
	if err == nil || !strings.Contains(err.Error(), "transaction.max.timeout.ms") {
		t.Fatalf("err = %v", err)
	}
}

// TestSinkOutage: a broker that stays away fails the writer after
// properties.delivery.timeout.ms (instead of blocking the barrier), so the
// restart strategy takes over.
func TestSinkOutage(t *testing.T) {
	port, dir := kafkatest.FreePort(t), t.TempDir()
	c := kafkatest.StartKfake(t, port, kfake.DataDir(dir))
	b := &kafkatest.Broker{Bootstrap: c.ListenAddrs()[0], Cluster: c}
	topic := kafkatest.Topic("sink-outage")
	b.CreateTopic(t, topic, 1, nil)
	s := mustSink(t, Factory{}, sinkTable(b, topic, "properties.delivery.timeout.ms", "1500"))
	w := openWriter(t, s, 0, 1, nil)
	if err := w.ProcessBatch(0, rowsBatch(0, 10, types.Insert)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.SnapshotState(1); err != nil {
		t.Fatal(err)
	}
	c.Close()
	start := time.Now()
	err := w.ProcessBatch(0, rowsBatch(10, 10, types.Insert))
	if err == nil {
		_, err = w.SnapshotState(2)
	}
	if err == nil || !strings.Contains(err.Error(), "unreachable") || !strings.Contains(err.Error(), "properties.delivery.timeout.ms") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("the writer failed only after %v", d)
	}
}

// TestSinkRepeatedRestoresStayBounded: restoring again and again does not
// make the writers probe ever more transactional ids.
func TestSinkRepeatedRestoresStayBounded(t *testing.T) {
	b := kafkatest.Start(t, 0)
	topic := kafkatest.Topic("eo-repeat")
	b.CreateTopic(t, topic, 1, nil)
	s := mustSink(t, Factory{}, sinkTable(b, topic, "sink.delivery-guarantee", "exactly-once", "sink.transactional-id-prefix", topic))
	var states [][]byte
	for round := 0; round < 6; round++ {
		w := openWriter(t, s, 0, 1, states)
		if err := w.ProcessBatch(0, rowsBatch(round, 1, types.Insert)); err != nil {
			t.Fatal(err)
		}
		st, err := w.SnapshotState(int64(round + 1))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.NotifyCheckpointComplete(int64(round + 1)); err != nil {
			t.Fatal(err)
		}
		w.Close()
		ss, err := decodeSinkState(st)
		if err != nil {
			t.Fatal(err)
		}
		if len(ss.known) > 2 || ss.known[0].next > int64(2*round+2) {
			t.Fatalf("round %d: state knows %v", round, ss.known)
		}
		states = [][]byte{st}
	}
	checkRows(t, "committed", values(b.ReadCommitted(t, topic, quiet)), jsonValues(0, 6))
}
