package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/flinkgo/engine/connectors/kafka/kafkatest"
)

// TestKafkaWindowedExactlyOnce is scenario 7: Kafka JSON → a tumbling
// event-time window count → Kafka, SIGKILLed and restored from 'latest' at
// random parallelisms. With exactly-once a read_committed consumer must see
// every fired window exactly once with its exact count; with at-least-once
// every window at least once, every copy exact.
func TestKafkaWindowedExactlyOnce(t *testing.T) {
	for _, c := range []struct{ kind, guarantee string }{
		{"local", "exactly-once"}, {"local", "at-least-once"}, {"s3", "exactly-once"},
	} {
		t.Run(c.kind+"/"+c.guarantee, func(t *testing.T) { kafkaWindowed(t, c.kind, c.guarantee) })
	}
}

func kafkaWindowed(t *testing.T, kind, guarantee string) {
	r := killRand(t)
	dir := t.TempDir()
	store := newCheckpointStore(t, dir, kind)
	b := kafkatest.Start(t, kafkatest.FreePort(t))
	in, out := kafkatest.Topic("win-in"), kafkatest.Topic("win-out")
	b.CreateTopic(t, in, 3, nil)
	b.CreateTopic(t, out, 1, nil)
	// Event i has time i*10 ms: 100 events per 1-second window.
	n := max(4000, 1000*killCycles())
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		const step = 100
		for from := 1; from <= n; from += step {
			var recs []kafkatest.Record
			for id := from; id < from+step && id <= n; id++ {
				recs = append(recs, kafkatest.Record{Partition: int32(id % 3),
					Value: []byte(fmt.Sprintf(`{"id":%d,"ms":%d}`, id, id*10))})
			}
			b.Produce(t, in, recs...)
			time.Sleep(time.Duration(2000*step/n) * time.Millisecond)
		}
	}()
	body := store.sets + fmt.Sprintf(`SET 'execution.checkpointing.interval' = '200ms';
SET 'pipeline.name' = 'kafka-windows';
SET 'table.exec.source.idle-timeout' = '2s';
CREATE TABLE src (id BIGINT, ms BIGINT, rt AS TO_TIMESTAMP_LTZ(ms, 3), WATERMARK FOR rt AS rt - INTERVAL '0.2' SECOND) WITH (
  'connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
  'properties.group.id' = 'win', 'scan.startup.mode' = 'earliest-offset', 'format' = 'json');
CREATE TABLE dst (wstart BIGINT, cnt BIGINT, total BIGINT) WITH (
  'connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
  'sink.delivery-guarantee' = '%s', 'sink.transactional-id-prefix' = '%s', 'format' = 'json');
INSERT INTO dst
SELECT UNIX_TIMESTAMP(CAST(window_start AS STRING)), COUNT(*), SUM(id)
FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(rt), INTERVAL '1' SECOND))
GROUP BY window_start, window_end;
`, in, b.Bootstrap, out, b.Bootstrap, guarantee, out)
	script, killed, finished := killCycleIn(t, r, dir, body, store)
	if finished {
		t.Fatalf("an unbounded job ended by itself:\n%s", killed)
	}
	par := 1 + r.IntN(3)
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
	<-produced
	// A restored run whose partitions hold no new events emits no
	// watermark for them (as in Flink): one late-enough event per partition
	// moves event time past the last full window.
	for p := int32(0); p < 3; p++ {
		b.Produce(t, in, kafkatest.Record{Partition: p, Value: []byte(fmt.Sprintf(`{"id":0,"ms":%d}`, (n+500)*10))})
	}
	// Windows [k s, k+1 s) for k < n/100 - 1 close once the last events
	// arrived (the watermark passes their end).
	full := n/100 - 1
	var got map[int64][]string
	deadline := time.Now().Add(60 * time.Second)
	for {
		got = map[int64][]string{}
		for _, rec := range b.ReadCommitted(t, out, 300*time.Millisecond) {
			var row struct{ Wstart, Cnt, Total int64 }
			if err := json.Unmarshal(rec.Value, &row); err != nil {
				t.Fatalf("bad output record %q: %v", rec.Value, err)
			}
			got[row.Wstart] = append(got[row.Wstart], fmt.Sprintf("%d/%d", row.Cnt, row.Total))
		}
		if len(got) >= full || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for k := int64(0); k < int64(full); k++ {
		// ids with id*10 ms in [k s, k+1 s): 100k .. 100k+99 (window 0: 1..99)
		lo, hi := max(100*k, 1), 100*k+99
		want := fmt.Sprintf("%d/%d", hi-lo+1, (lo+hi)*(hi-lo+1)/2)
		g := got[k]
		if len(g) == 0 || (guarantee == "exactly-once" && len(g) != 1) {
			t.Errorf("window %d s: got %v, want [%s]", k, g, want)
		}
		for _, v := range g {
			if v != want {
				t.Errorf("window %d s: got %v, want [%s]", k, g, want)
				break
			}
		}
	}
	if t.Failed() {
		t.Logf("last run (parallelism %d):\n%s", par, log.String())
	}
}
