package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/flinkgo/engine/connectors/kafka/kafkatest"
)

// TestKafkaExactlyOnceKillRestore is scenario 7 as far as the engine goes
// today (a filter and projection instead of a windowed aggregation): Kafka
// JSON in, Kafka out with 'exactly-once', checkpoints every 200 ms. The
// test process runs the broker (kfake, or KAFKA_BOOTSTRAP) and keeps
// producing while the client is SIGKILLed at random moments and restarted
// from the newest checkpoint; a last run catches up. A read_committed
// consumer must then see every id exactly once. The same pipeline with
// 'at-least-once' loses nothing.
func TestKafkaKillRestore(t *testing.T) {
	for _, c := range []struct{ kind, guarantee string }{
		{"local", "exactly-once"}, {"local", "at-least-once"}, {"s3", "exactly-once"},
	} {
		t.Run(c.kind+"/"+c.guarantee, func(t *testing.T) { kafkaKillRestore(t, c.kind, c.guarantee) })
	}
}

func kafkaKillRestore(t *testing.T, kind, guarantee string) {
	r := killRand(t)
	dir := t.TempDir()
	store := newCheckpointStore(t, dir, kind)
	b := kafkatest.Start(t, kafkatest.FreePort(t))
	in, out := kafkatest.Topic("e2e-in"), kafkatest.Topic("e2e-out")
	b.CreateTopic(t, in, 3, nil)
	b.CreateTopic(t, out, 2, nil)
	n := max(4000, 1000*killCycles())

	// Produce ids 1..n over about two seconds, in the background.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		const step = 100
		for from := 1; from <= n; from += step {
			var recs []kafkatest.Record
			for id := from; id < from+step && id <= n; id++ {
				recs = append(recs, kafkatest.Record{Partition: int32(id % 3),
					Value: []byte(fmt.Sprintf(`{"id":%d,"name":"n%d"}`, id, id))})
			}
			b.Produce(t, in, recs...)
			time.Sleep(time.Duration(2000*step/n) * time.Millisecond)
		}
	}()

	body := store.sets + fmt.Sprintf(`SET 'execution.checkpointing.interval' = '200ms';
SET 'pipeline.name' = 'kafka-exactly-once';
CREATE TABLE src (id BIGINT, name STRING) WITH (
  'connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
  'properties.group.id' = 'e2e', 'scan.startup.mode' = 'earliest-offset', 'format' = 'json');
CREATE TABLE dst (id BIGINT, name STRING) WITH (
  'connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
  'sink.delivery-guarantee' = '%s', 'sink.transactional-id-prefix' = '%s', 'format' = 'json');
INSERT INTO dst SELECT id, UPPER(name) FROM src WHERE id > 0;
`, in, b.Bootstrap, out, b.Bootstrap, guarantee, out)
	script, killed, finished := killCycleIn(t, r, dir, body, store)
	if finished {
		t.Fatalf("an unbounded job ended by itself:\n%s", killed)
	}
	wg.Wait()

	// The last run catches up; stop it once everything is committed.
	par := 1 + r.IntN(3)
	t.Logf("last run: parallelism %d", par)
	cmd := exec.Command(binary, "-D", fmt.Sprintf("parallelism.default=%d", par), "-f", script)
	cmd.Dir = dir
	var log syncBuffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}()
	var counts map[int64]int
	deadline := time.Now().Add(60 * time.Second)
	for {
		counts = map[int64]int{}
		for _, rec := range b.ReadCommitted(t, out, 300*time.Millisecond) {
			var row struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			}
			if err := json.Unmarshal(rec.Value, &row); err != nil || row.Name != strings.ToUpper(fmt.Sprintf("n%d", row.ID)) {
				t.Fatalf("bad output record %q: %v", rec.Value, err)
			}
			counts[row.ID]++
		}
		if len(counts) >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	var missing, dup []int64
	for id := int64(1); id <= int64(n); id++ {
		switch c := counts[id]; {
		case c == 0:
			missing = append(missing, id)
		case c > 1:
			dup = append(dup, id)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d ids missing (first %v); last run:\n%s", len(missing), missing[:min(10, len(missing))], log.String())
	}
	all := len(b.ReadUncommitted(t, out, 300*time.Millisecond))
	t.Logf("%s: %d records written in all, %d ids committed more than once", guarantee, all, len(dup))
	if guarantee == "exactly-once" && len(dup) > 0 {
		t.Fatalf("%d ids committed more than once (first %v)", len(dup), dup[:min(10, len(dup))])
	}
	if len(counts) != n {
		t.Fatalf("unexpected ids: %d distinct, want %d", len(counts), n)
	}
	// Offsets are committed back to the group for monitoring.
	committed := b.CommittedOffsets(t, "e2e", in)
	total := int64(0)
	for _, o := range committed {
		total += o
	}
	if total == 0 {
		t.Errorf("no offsets committed to group e2e: %v", committed)
	}
}

// TestKafkaWordCountUpsert is scenario 2 from a Kafka topic into
// upsert-kafka: lines keep arriving while the client is SIGKILLed and
// restored; once a last run caught up, the latest value per key (what a
// compacted topic keeps) equals the true counts.
func TestKafkaWordCountUpsert(t *testing.T) {
	r := killRand(t)
	dir := t.TempDir()
	b := kafkatest.Start(t, kafkatest.FreePort(t))
	in, out := kafkatest.Topic("wc-in"), kafkatest.Topic("wc-out")
	b.CreateTopic(t, in, 2, nil)
	b.CreateTopic(t, out, 2, map[string]string{"cleanup.policy": "compact"})
	words := []string{"hadoop", "flink", "kafka", "go", "stream", "state", "sql"}
	want := map[string]int{}
	n := max(6000, 1500*killCycles())
	var recs []kafkatest.Record
	for i := 0; i < n; i++ {
		w := words[(i*i+i/3)%len(words)]
		want[w]++
		recs = append(recs, kafkatest.Record{Partition: int32(i % 2), Value: []byte(`{"line":"` + w + `"}`)})
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // about two seconds of lines
		defer wg.Done()
		const step = 200
		for i := 0; i < n; i += step {
			b.Produce(t, in, recs[i:min(i+step, n)]...)
			time.Sleep(time.Duration(2000*step/n) * time.Millisecond)
		}
	}()
	body := fmt.Sprintf(`SET 'execution.checkpointing.interval' = '200ms';
SET 'state.checkpoints.dir' = 'file://%s/ckpt';
CREATE TABLE lines (line STRING) WITH (
  'connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
  'scan.startup.mode' = 'earliest-offset', 'format' = 'json');
CREATE TABLE counts (word STRING, cnt BIGINT, PRIMARY KEY (word) NOT ENFORCED) WITH (
  'connector' = 'upsert-kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
  'key.format' = 'json', 'value.format' = 'json');
INSERT INTO counts SELECT line AS word, COUNT(*) AS cnt FROM lines GROUP BY line;
`, dir, in, b.Bootstrap, out, b.Bootstrap)
	script, killed, finished := killCycle(t, r, dir, body)
	if finished {
		t.Fatalf("an unbounded job ended by itself:\n%s", killed)
	}
	wg.Wait()
	cmd := exec.Command(binary, "-D", fmt.Sprintf("parallelism.default=%d", 1+r.IntN(3)), "-f", script)
	cmd.Dir = dir
	var log syncBuffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}()
	var latest map[string]int
	deadline := time.Now().Add(60 * time.Second)
	for {
		latest = map[string]int{}
		for _, rec := range b.ReadUncommitted(t, out, 300*time.Millisecond) {
			var k struct {
				Word string `json:"word"`
			}
			var v struct {
				Cnt int `json:"cnt"`
			}
			if err := json.Unmarshal(rec.Key, &k); err != nil {
				t.Fatalf("bad key %q: %v", rec.Key, err)
			}
			if rec.Value == nil {
				delete(latest, k.Word)
				continue
			}
			if err := json.Unmarshal(rec.Value, &v); err != nil {
				t.Fatalf("bad value %q: %v", rec.Value, err)
			}
			latest[k.Word] = v.Cnt
		}
		if fmt.Sprint(latest) == fmt.Sprint(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if fmt.Sprint(latest) != fmt.Sprint(want) {
		t.Fatalf("latest counts %v, want %v; last run:\n%s", latest, want, log.String())
	}
}

// TestKafkaDebeziumToPrint reads Debezium change events (bounded) through
// the planner into a print sink: the changelog arrives with its kinds.
func TestKafkaDebeziumToPrint(t *testing.T) {
	dir := t.TempDir()
	b := kafkatest.Start(t, kafkatest.FreePort(t))
	topic := kafkatest.Topic("dbz")
	b.CreateTopic(t, topic, 1, nil)
	b.Produce(t, topic,
		kafkatest.Record{Value: []byte(`{"schema":{},"payload":{"before":null,"after":{"id":1,"name":"a"},"op":"c"}}`)},
		kafkatest.Record{Value: []byte(`{"schema":{},"payload":{"before":{"id":1,"name":"a"},"after":{"id":1,"name":"b"},"op":"u"}}`)},
		kafkatest.Record{Value: []byte(`{"schema":{},"payload":{"before":{"id":1,"name":"b"},"after":null,"op":"d"}}`)})
	script := writeFile(t, dir, "dbz.sql", fmt.Sprintf(`CREATE TABLE cdc (id BIGINT, name STRING) WITH (
  'connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
  'value.format' = 'debezium-json', 'value.debezium-json.schema-include' = 'true');
CREATE TABLE out_print (id BIGINT, name STRING) WITH ('connector' = 'print');
INSERT INTO out_print SELECT id, name FROM cdc;
`, topic, b.Bootstrap))
	out, code := runClient(t, dir, "-D", "parallelism.default=1", "-f", script)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"+I[1, a]", "-U[1, a]", "+U[1, b]", "-D[1, b]"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

// TestKafkaThroughput measures the binary end to end (KAFKA_BENCH=1):
// Kafka JSON → blackhole, and Kafka → Kafka exactly-once with 1 s
// checkpoints, both with bounded sources at parallelism 1.
//
//	KAFKA_BENCH=1 go test ./cmd/sql-client -run KafkaThroughput -v
func TestKafkaThroughput(t *testing.T) {
	if os.Getenv("KAFKA_BENCH") == "" {
		t.Skip("set KAFKA_BENCH=1 to measure")
	}
	dir := t.TempDir()
	b := kafkatest.Start(t, kafkatest.FreePort(t))
	in := kafkatest.Topic("bench-in")
	b.CreateTopic(t, in, 4, nil)
	const n = 400000
	for from := 0; from < n; from += 20000 {
		var recs []kafkatest.Record
		for i := from; i < from+20000; i++ {
			recs = append(recs, kafkatest.Record{Partition: int32(i % 4),
				Value: []byte(fmt.Sprintf(`{"id":%d,"name":"name-%d","price":%d.25}`, i, i, i%1000))})
		}
		b.Produce(t, in, recs...)
	}
	src := fmt.Sprintf(`CREATE TABLE src (id BIGINT, name STRING, price DOUBLE) WITH (
  'connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
`, in, b.Bootstrap)
	run := func(name, body string) {
		script := writeFile(t, dir, name+".sql", body)
		start := time.Now()
		out, code := runClient(t, dir, "-D", "parallelism.default=1", "-f", script)
		if code != 0 {
			t.Fatalf("%s failed:\n%s", name, out)
		}
		d := time.Since(start)
		t.Logf("%s: %d records in %v: %.0f records/s (client and broker share %d cores)", name, n, d.Round(time.Millisecond),
			float64(n)/d.Seconds(), runtime.NumCPU())
	}
	run("json-to-blackhole", src+`CREATE TABLE sink (id BIGINT, name STRING, price DOUBLE) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT * FROM src;
`)
	out := kafkatest.Topic("bench-out")
	b.CreateTopic(t, out, 4, nil)
	run("kafka-to-kafka-exactly-once", fmt.Sprintf(`SET 'execution.checkpointing.interval' = '1 s';
SET 'state.checkpoints.dir' = 'file://%s/ckpt';
`, dir)+src+fmt.Sprintf(`CREATE TABLE dst (id BIGINT, name STRING, price DOUBLE) WITH (
  'connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
  'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '%s', 'format' = 'json');
INSERT INTO dst SELECT * FROM src;
`, out, b.Bootstrap, out))
	if got := len(b.ReadCommitted(t, out, time.Second)); got != n {
		t.Fatalf("exactly-once output holds %d records, want %d", got, n)
	}
}
