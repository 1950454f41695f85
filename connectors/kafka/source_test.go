package kafka

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/kafka/kafkatest"
	"github.com/flinkgo/engine/runtime/types"
)

// TestSourceParallelism reads a 5-partition topic to its end at
// parallelism 1 and 3: every record exactly once, each partition by one
// subtask.
func TestSourceParallelism(t *testing.T) {
	b := kafkatest.Start(t, 0)
	topic := kafkatest.Topic("par")
	b.CreateTopic(t, topic, 5, nil)
	want := produceJSON(t, b, topic, 5, 0, 100)
	for _, par := range []int{1, 3} {
		t.Run(fmt.Sprint(par), func(t *testing.T) {
			tb := jsonTable(b, topic, "scan.bounded.mode", "latest-offset")
			src := mustSource(t, tb, false)
			if !src.Bounded() || src.ChangelogMode() != connectors.InsertOnly {
				t.Fatalf("bounded %v, mode %v", src.Bounded(), src.ChangelogMode())
			}
			var rs []*reader
			for i := 0; i < par; i++ {
				r, _ := openReader(t, src, i, par, allColumns(tb), nil)
				rs = append(rs, r)
			}
			rows, err := pollUntil(t, rs, -1, 20*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			checkRows(t, "rows", flat(rows), want)
			for i, r := range rs {
				for _, s := range r.order {
					if owner(s.topic, s.partition, par) != i {
						t.Errorf("subtask %d reads partition %d owned by %d", i, s.partition, owner(s.topic, s.partition, par))
					}
				}
			}
		})
	}
}

// TestStartupAndBoundedModes checks where reading starts and stops.
func TestStartupAndBoundedModes(t *testing.T) {
	b := kafkatest.Start(t, 0)
	topic := kafkatest.Topic("modes")
	b.CreateTopic(t, topic, 2, nil)
	base := time.UnixMilli(1_700_000_000_000)
	var recs []kafkatest.Record
	for i := 0; i < 10; i++ { // partition i%2, timestamps base+i s
		recs = append(recs, kafkatest.Record{Partition: int32(i % 2), Timestamp: base.Add(time.Duration(i) * time.Second),
			Value: []byte(fmt.Sprintf(`{"id":%d,"name":"n%d"}`, i, i))})
	}
	b.Produce(t, topic, recs...)
	// Partition 0 holds ids 0,2,4,6,8 at offsets 0..4; partition 1 holds 1,3,5,7,9.
	ids := func(ids ...int) []string {
		var out []string
		for _, i := range ids {
			out = append(out, fmt.Sprintf("+I[%d, n%d]", i, i))
		}
		return out
	}
	group := kafkatest.Topic("g")
	b.CommitOffsets(t, group, topic, map[int32]int64{0: 3, 1: 1})
	cases := []struct {
		name string
		opts []string
		want []string
	}{
		{"earliest", nil, ids(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)},
		{"latest", []string{"scan.startup.mode", "latest-offset"}, nil},
		{"timestamp", []string{"scan.startup.mode", "timestamp", "scan.startup.timestamp-millis", fmt.Sprint(base.Add(6 * time.Second).UnixMilli())}, ids(6, 7, 8, 9)},
		{"specific", []string{"scan.startup.mode", "specific-offsets", "scan.startup.specific-offsets", "partition:0,offset:4;partition:1,offset:2"}, ids(8, 5, 7, 9)},
		{"group", []string{"scan.startup.mode", "group-offsets", "properties.group.id", group}, ids(6, 8, 3, 5, 7, 9)},
		{"group reset earliest", []string{"scan.startup.mode", "group-offsets", "properties.group.id", group + "-none", "properties.auto.offset.reset", "earliest"}, ids(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)},
		{"bounded specific", []string{"scan.bounded.mode", "specific-offsets", "scan.bounded.specific-offsets", "partition:0,offset:1;partition:1,offset:2"}, ids(0, 1, 3)},
		{"bounded timestamp", []string{"scan.bounded.mode", "timestamp", "scan.bounded.timestamp-millis", fmt.Sprint(base.Add(3 * time.Second).UnixMilli())}, ids(0, 1, 2)},
		{"bounded group", []string{"scan.bounded.mode", "group-offsets", "properties.group.id", group}, ids(0, 2, 4, 1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := append([]string{"scan.bounded.mode", "latest-offset"}, c.opts...)
			if strings.HasPrefix(c.name, "bounded") {
				opts = c.opts
			}
			tb := jsonTable(b, topic, opts...)
			src := mustSource(t, tb, false)
			r, _ := openReader(t, src, 0, 1, allColumns(tb), nil)
			rows, err := pollUntil(t, []*reader{r}, -1, 20*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			checkRows(t, c.name, flat(rows), c.want)
		})
	}
	t.Run("group without offsets fails", func(t *testing.T) {
		tb := jsonTable(b, topic, "scan.startup.mode", "group-offsets", "properties.group.id", group+"-empty")
		src := mustSource(t, tb, false)
		r, err := src.NewReader(0, 1, allColumns(tb))
		if err != nil {
			t.Fatal(err)
		}
		err = r.Open(testCtx(0, 1, nil))
		r.Close()
		if err == nil || !strings.Contains(err.Error(), "properties.auto.offset.reset") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("latest then new records", func(t *testing.T) {
		tb := jsonTable(b, topic, "scan.startup.mode", "latest-offset")
		src := mustSource(t, tb, false)
		r, _ := openReader(t, src, 0, 1, allColumns(tb), nil)
		b.Produce(t, topic, kafkatest.Record{Partition: 1, Value: []byte(`{"id":42,"name":"late"}`)})
		rows, err := pollUntil(t, []*reader{r}, 1, 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		checkRows(t, "latest", flat(rows), []string{"+I[42, late]"})
	})
}

// TestRestoreAtAnotherParallelism snapshots two readers part way, restores
// the union at parallelism 3 and checks every record is read exactly once
// and the group's committed offsets follow completed checkpoints.
func TestRestoreAtAnotherParallelism(t *testing.T) {
	b := kafkatest.Start(t, 0)
	topic := kafkatest.Topic("restore")
	b.CreateTopic(t, topic, 4, nil)
	group := kafkatest.Topic("grp")
	want := produceJSON(t, b, topic, 4, 0, 40)
	tb := jsonTable(b, topic, "properties.group.id", group)
	src := mustSource(t, tb, false)
	r0, _ := openReader(t, src, 0, 2, allColumns(tb), nil)
	r1, _ := openReader(t, src, 1, 2, allColumns(tb), nil)
	before, err := pollUntil(t, []*reader{r0, r1}, 40, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	s0, _ := r0.SnapshotState(7)
	s1, _ := r1.SnapshotState(7)
	if err := r0.NotifyCheckpointComplete(7); err != nil {
		t.Fatal(err)
	}
	r1.NotifyCheckpointComplete(7)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := b.CommittedOffsets(t, group, topic)
		if len(c) == 4 && c[0]+c[1]+c[2]+c[3] == 40 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("committed offsets %v, want 10 per partition", c)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r0.Close()
	r1.Close()
	want = append(want, produceJSON(t, b, topic, 4, 40, 20)...)
	// The group's offsets are ignored on restore: move them back.
	b.CommitOffsets(t, group, topic, map[int32]int64{0: 0, 1: 0, 2: 0, 3: 0})
	var rs []*reader
	for i := 0; i < 3; i++ {
		r, _ := openReader(t, src, i, 3, allColumns(tb), [][]byte{s0, s1})
		rs = append(rs, r)
	}
	after, err := pollUntil(t, rs, 20, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	extra, _ := pollUntil(t, rs, 0, time.Second)
	checkRows(t, "before+after", append(append(flat(before), flat(after)...), flat(extra)...), want)
}

// TestBadRecord: a malformed record fails the job naming topic, partition
// and offset; with ignore-parse-errors it is skipped and counted.
func TestBadRecord(t *testing.T) {
	b := kafkatest.Start(t, 0)
	topic := kafkatest.Topic("bad")
	b.CreateTopic(t, topic, 2, nil)
	b.Produce(t, topic,
		kafkatest.Record{Partition: 1, Value: []byte(`{"id":1,"name":"a"}`)},
		kafkatest.Record{Partition: 1, Value: []byte(`{"id":2,"name":`)},
		kafkatest.Record{Partition: 1, Value: []byte(`{"id":3,"name":"c"}`)})
	t.Run("fails", func(t *testing.T) {
		tb := jsonTable(b, topic, "scan.bounded.mode", "latest-offset")
		r, _ := openReader(t, mustSource(t, tb, false), 0, 1, allColumns(tb), nil)
		_, err := pollUntil(t, []*reader{r}, -1, 10*time.Second)
		if err == nil {
			t.Fatal("no error")
		}
		for _, s := range []string{"topic " + topic, "partition 1", "offset 1", "json.ignore-parse-errors"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not name %q", err, s)
			}
		}
	})
	t.Run("skipped", func(t *testing.T) {
		tb := jsonTable(b, topic, "scan.bounded.mode", "latest-offset", "json.ignore-parse-errors", "true")
		r, m := openReader(t, mustSource(t, tb, false), 0, 1, allColumns(tb), nil)
		rows, err := pollUntil(t, []*reader{r}, -1, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		checkRows(t, "rows", flat(rows), []string{"+I[1, a]", "+I[3, c]"})
		if m.ParseErrors.Load() != 1 {
			t.Errorf("parse errors %d, want 1", m.ParseErrors.Load())
		}
	})
}

// TestKeyFieldsAndMetadata reads key fields from the record key
// (EXCEPT_KEY with a prefix) and every metadata column.
func TestKeyFieldsAndMetadata(t *testing.T) {
	b := kafkatest.Start(t, 0)
	topic := kafkatest.Topic("meta")
	b.CreateTopic(t, topic, 1, nil)
	ts := time.UnixMilli(1_700_000_000_123)
	b.Produce(t, topic, kafkatest.Record{Key: []byte(`{"id":7}`), Value: []byte(`{"name":"x"}`), Timestamp: ts,
		Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("v")}}})
	cols := []connectors.Column{col("k_id", types.Int), col("name", types.String),
		meta("topic", types.String, ""), meta("p", types.Int, "partition"), meta("o", types.BigInt, "offset"),
		meta("ts", types.TimestampLTZ3, "timestamp"), meta("tt", types.String, "timestamp-type"),
		meta("hs", types.MapOf(types.String, types.Bytes), "headers"), meta("le", types.Int, "leader-epoch")}
	tb := mkTable(cols, kv("connector", "kafka", "topic", topic, "properties.bootstrap.servers", b.Bootstrap,
		"key.format", "json", "key.fields", "k_id", "key.fields-prefix", "k_", "value.fields-include", "EXCEPT_KEY",
		"value.format", "json", "scan.startup.mode", "earliest-offset", "scan.bounded.mode", "latest-offset"))
	r, _ := openReader(t, mustSource(t, tb, false), 0, 1, allColumns(tb), nil)
	rows, err := pollUntil(t, []*reader{r}, -1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	got := flat(rows)
	if len(got) != 1 || got[0] != "+I[7, x, "+topic+", 0, 0, 2023-11-14T22:13:20.123Z, CreateTime, {h=[118]}, 0]" {
		t.Fatalf("rows %v", got)
	}
	// A projection reading the value only.
	r2, _ := openReader(t, mustSource(t, tb, false), 0, 1, []int{1, 4}, nil)
	rows, err = pollUntil(t, []*reader{r2}, -1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "projection", flat(rows), []string{"+I[x, 0]"})
}

// TestPartitionDiscovery: partitions added to the topic are found and read
// from their start.
func TestPartitionDiscovery(t *testing.T) {
	b := kafkatest.Start(t, 0)
	topic := kafkatest.Topic("disc")
	b.CreateTopic(t, topic, 1, nil)
	tb := jsonTable(b, topic, "scan.topic-partition-discovery.interval", "100 ms")
	src := mustSource(t, tb, false)
	rs := []*reader{}
	for i := 0; i < 2; i++ {
		r, _ := openReader(t, src, i, 2, allColumns(tb), nil)
		rs = append(rs, r)
	}
	want := produceJSON(t, b, topic, 1, 0, 3)
	b.AddPartitions(t, topic, 3)
	time.Sleep(50 * time.Millisecond)
	want = append(want, produceJSON(t, b, topic, 3, 3, 9)...)
	rows, err := pollUntil(t, rs, len(want), 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "rows", flat(rows), want)
}

// TestTopicPattern reads every topic matching topic-pattern.
func TestTopicPattern(t *testing.T) {
	b := kafkatest.Start(t, 0)
	prefix := kafkatest.Topic("pat")
	b.CreateTopic(t, prefix+"-a", 1, nil)
	b.CreateTopic(t, prefix+"-b", 2, nil)
	b.CreateTopic(t, "other-"+prefix, 1, nil)
	want := produceJSON(t, b, prefix+"-a", 1, 0, 3)
	want = append(want, produceJSON(t, b, prefix+"-b", 2, 3, 4)...)
	produceJSON(t, b, "other-"+prefix, 1, 100, 2)
	tb := mkTable(idName, kv("connector", "kafka", "topic-pattern", prefix+"-.*", "properties.bootstrap.servers", b.Bootstrap,
		"format", "json", "scan.startup.mode", "earliest-offset", "scan.bounded.mode", "latest-offset"))
	r, _ := openReader(t, mustSource(t, tb, false), 0, 1, allColumns(tb), nil)
	rows, err := pollUntil(t, []*reader{r}, -1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "rows", flat(rows), want)
}

// TestDebeziumJSON reads Debezium change events as a changelog
// (ChangelogMode AllKinds) and writes one back with the sink.
func TestDebeziumJSON(t *testing.T) {
	b := kafkatest.Start(t, 0)
	topic := kafkatest.Topic("dbz")
	b.CreateTopic(t, topic, 1, nil)
	b.Produce(t, topic,
		kafkatest.Record{Value: []byte(`{"before":null,"after":{"id":1,"name":"a"},"op":"c"}`)},
		kafkatest.Record{Value: []byte(`{"before":{"id":1,"name":"a"},"after":{"id":1,"name":"b"},"op":"u"}`)},
		kafkatest.Record{Value: nil},
		kafkatest.Record{Value: []byte(`{"before":{"id":1,"name":"b"},"after":null,"op":"d"}`)})
	tb := jsonTable(b, topic, "format", "debezium-json", "scan.bounded.mode", "latest-offset")
	src := mustSource(t, tb, false)
	if src.ChangelogMode() != connectors.AllKinds {
		t.Fatalf("mode %v", src.ChangelogMode())
	}
	r, _ := openReader(t, src, 0, 1, allColumns(tb), nil)
	rows, err := pollUntil(t, []*reader{r}, -1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], " "); got != "+I[1, a] -U[1, a] +U[1, b] -D[1, b]" {
		t.Fatalf("changelog %s", got)
	}

	out := kafkatest.Topic("dbz-out")
	b.CreateTopic(t, out, 1, nil)
	s := mustSink(t, Factory{}, sinkTable(b, out, "format", "debezium-json"))
	if s.ChangelogMode() != connectors.AllKinds {
		t.Fatalf("sink mode %v", s.ChangelogMode())
	}
	w := openWriter(t, s, 0, 1, nil)
	batch := rowsBatch(1, 1, types.Insert)
	batch.Cols[0].AppendInt(1)
	batch.Cols[1].AppendString("n1")
	batch.AppendKind(types.Delete)
	batch.Len++
	if err := w.ProcessBatch(0, batch); err != nil {
		t.Fatal(err)
	}
	if _, err := w.SnapshotState(1); err != nil {
		t.Fatal(err)
	}
	checkRows(t, "records", values(b.ReadUncommitted(t, out, quiet)), []string{
		`{"before":null,"after":{"id":1,"name":"n1"},"op":"c"}`, `{"before":{"id":1,"name":"n1"},"after":null,"op":"d"}`})
}

// TestOutage: a broker that goes away and comes back is retried by the
// client; one that stays away fails the reader after the bound
// (properties.default.api.timeout.ms) so the restart strategy takes over.
func TestOutage(t *testing.T) {
	port, dir := kafkatest.FreePort(t), t.TempDir()
	c := kafkatest.StartKfake(t, port, kfake.DataDir(dir))
	b := &kafkatest.Broker{Bootstrap: c.ListenAddrs()[0], Cluster: c}
	topic := kafkatest.Topic("outage")
	b.CreateTopic(t, topic, 1, nil)
	want := produceJSON(t, b, topic, 1, 0, 5)
	tb := jsonTable(b, topic, "properties.default.api.timeout.ms", "3000")
	r, _ := openReader(t, mustSource(t, tb, false), 0, 1, allColumns(tb), nil)
	rows, err := pollUntil(t, []*reader{r}, 5, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "before", flat(rows), want)

	c.Close()
	if _, err := pollUntil(t, []*reader{r}, 1, 500*time.Millisecond); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("a short outage is not retried: %v", err)
	}
	c = kafkatest.StartKfake(t, port, kfake.DataDir(dir))
	b.Cluster = c
	want = produceJSON(t, b, topic, 1, 5, 5)
	rows, err = pollUntil(t, []*reader{r}, 5, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "after the broker came back", flat(rows), want)

	c.Close()
	_, err = pollUntil(t, []*reader{r}, -1, 20*time.Second)
	if err == nil || !strings.Contains(err.Error(), "unreachable") || !strings.Contains(err.Error(), "properties.default.api.timeout.ms") {
		t.Fatalf("a long outage does not fail the reader: %v", err)
	}
}

// TestSASL reads from a broker that requires SASL (PLAIN and
// SCRAM-SHA-256), configured with Flink's properties; a wrong password
// fails without showing it.
func TestSASL(t *testing.T) {
	c := kafkatest.StartKfake(t, kafkatest.FreePort(t), kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "alice", "s3cret-plain"), kfake.Superuser("SCRAM-SHA-256", "bob", "s3cret-scram"),
		kfake.SeedTopics(1, "sasl"))
	defer c.Close()
	addr := c.ListenAddrs()[0]
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.SASL(plainAuth("alice", "s3cret-plain")))
	if err != nil {
		t.Fatal(err)
	}
	cl.ProduceSync(t.Context(), &kgo.Record{Topic: "sasl", Value: []byte(`{"id":1,"name":"x"}`)})
	cl.Close()
	jaas := func(user, pass string) string {
		return `org.apache.kafka.common.security.plain.PlainLoginModule required username="` + user + `" password="` + pass + `";`
	}
	cases := []struct {
		mech, user, pass string
		ok               bool
	}{
		{"PLAIN", "alice", "s3cret-plain", true},
		{"SCRAM-SHA-256", "bob", "s3cret-scram", true},
		{"PLAIN", "alice", "wrong-pass-123", false},
	}
	for _, tc := range cases {
		t.Run(tc.mech+"/"+tc.pass, func(t *testing.T) {
			tb := mkTable(idName, kv("connector", "kafka", "topic", "sasl", "properties.bootstrap.servers", addr,
				"format", "json", "scan.startup.mode", "earliest-offset", "scan.bounded.mode", "latest-offset",
				"properties.security.protocol", "SASL_PLAINTEXT", "properties.sasl.mechanism", tc.mech,
				"properties.sasl.jaas.config", jaas(tc.user, tc.pass), "properties.default.api.timeout.ms", "1000"))
			src := mustSource(t, tb, false)
			r, err := src.NewReader(0, 1, allColumns(tb))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			err = r.Open(testCtx(0, 1, nil))
			if !tc.ok {
				if err == nil {
					t.Fatal("a wrong password was accepted")
				}
				t.Logf("error: %v", err)
				if strings.Contains(err.Error(), tc.pass) {
					t.Fatalf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rows, err := pollUntil(t, []*reader{r.(*reader)}, -1, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			checkRows(t, "rows", flat(rows), []string{"+I[1, x]"})
		})
	}
}

// TestPendingRecords: the reader's backlog (Flink's pendingRecords) is the
// records between its position and each partition's high watermark, known
// once a partition was fetched, and 0 at the end.
func TestPendingRecords(t *testing.T) {
	b := kafkatest.Start(t, 0)
	topic := kafkatest.Topic("pending")
	b.CreateTopic(t, topic, 1, nil)
	const n = 3 * types.DefaultBatchSize
	produceJSON(t, b, topic, 1, 0, n)
	tb := jsonTable(b, topic, "scan.bounded.mode", "latest-offset")
	r, _ := openReader(t, mustSource(t, tb, false), 0, 1, allColumns(tb), nil)
	if p := r.PendingRecords(); p != -1 {
		t.Fatalf("before a fetch: %d, want -1 (unknown)", p)
	}
	read := 0
	deadline := time.Now().Add(30 * time.Second)
	for read == 0 {
		bt, _, err := r.Poll()
		if err != nil {
			t.Fatal(err)
		}
		if bt != nil {
			read += bt.Len
		}
		if time.Now().After(deadline) {
			t.Fatal("nothing read within 30 s")
		}
	}
	if p := r.PendingRecords(); p != int64(n-read) {
		t.Fatalf("after reading %d of %d: pendingRecords %d, want %d", read, n, p, n-read)
	}
	if _, err := pollUntil(t, []*reader{r}, -1, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if p := r.PendingRecords(); p != 0 {
		t.Fatalf("at the end: pendingRecords %d, want 0", p)
	}
}
