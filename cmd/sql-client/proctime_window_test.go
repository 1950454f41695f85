package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/connectors/kafka/kafkatest"
)

// TestProcessingTimeWindowFiresWithoutInput is the tutorial's socket count
// over processing-time windows: after one line the socket stays quiet, and
// every window holding it must still fire from the clock, as Flink's
// timers do — before, the last window waited for a next line.
func TestProcessingTimeWindowFiresWithoutInput(t *testing.T) {
	for _, c := range []struct {
		name, window string
		windows      int // windows holding one row
	}{
		{"TUMBLE", "TUMBLE(TABLE lines, DESCRIPTOR(pt), INTERVAL '1' SECOND)", 1},
		{"HOP", "HOP(TABLE lines, DESCRIPTOR(pt), INTERVAL '1' SECOND, INTERVAL '2' SECOND)", 2},
		{"SESSION", "SESSION(TABLE lines PARTITION BY line, DESCRIPTOR(pt), INTERVAL '1' SECOND)", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			conns, port := listenLikeNC(t)
			script := writeFile(t, dir, "windows.sql", `CREATE TABLE lines (line STRING, pt AS PROCTIME()) WITH (
  'connector'='socket','hostname'='localhost','port'='`+port+`','format'='raw');
CREATE TABLE counts (line STRING, cnt BIGINT) WITH ('connector'='print', 'print-identifier'='w');
INSERT INTO counts SELECT line, COUNT(*) FROM TABLE(`+c.window+`) GROUP BY window_start, window_end, line;
`)
			out, cmd, conn := startSocketJob(t, dir, script, conns)
			defer cmd.Process.Kill()
			defer conn.Close()
			// One line, then silence: the windows holding it must fire anyway.
			sendAndWait(t, conn, out, "flink", "w> +I[flink, 1]")
			deadline := time.Now().Add(20 * time.Second)
			for strings.Count(out.String(), "w> +I[flink, 1]") < c.windows {
				if time.Now().After(deadline) {
					t.Fatalf("%d windows should have fired:\n%s", c.windows, out.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// TestProcessingTimeWindowOnKafka: the same over a Kafka topic at
// parallelism 2 (the window behind a hash exchange, in a task of its own):
// one record, then a quiet topic; every window kind holding it fires from
// the clock.
func TestProcessingTimeWindowOnKafka(t *testing.T) {
	b := kafkatest.Start(t, kafkatest.FreePort(t))
	for _, c := range []struct {
		name, window string
		windows      int
	}{
		{"TUMBLE", "TUMBLE(TABLE src, DESCRIPTOR(pt), INTERVAL '1' SECOND)", 1},
		{"HOP", "HOP(TABLE src, DESCRIPTOR(pt), INTERVAL '1' SECOND, INTERVAL '2' SECOND)", 2},
		{"SESSION", "SESSION(TABLE src PARTITION BY word, DESCRIPTOR(pt), INTERVAL '1' SECOND)", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			topic := kafkatest.Topic("proctime")
			b.CreateTopic(t, topic, 2, nil)
			script := writeFile(t, dir, "windows.sql", fmt.Sprintf(`SET 'parallelism.default' = '2';
CREATE TABLE src (word STRING, pt AS PROCTIME()) WITH ('connector' = 'kafka', 'topic' = '%s',
  'properties.bootstrap.servers' = '%s', 'properties.group.id' = 'pt', 'scan.startup.mode' = 'earliest-offset',
  'format' = 'json');
CREATE TABLE counts (word STRING, cnt BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'w');
INSERT INTO counts SELECT word, COUNT(*) FROM TABLE(%s) GROUP BY window_start, window_end, word;
`, topic, b.Bootstrap, c.window))
			out := startClientIn(t, dir, nil, "-f", script).out
			b.Produce(t, topic, kafkatest.Record{Partition: 1, Value: []byte(`{"word":"flink"}`)})
			deadline := time.Now().Add(60 * time.Second)
			for strings.Count(out.String(), "+I[flink, 1]") < c.windows {
				if time.Now().After(deadline) {
					t.Fatalf("%d windows should have fired from the clock:\n%s", c.windows, out.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}
