package kafka

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/connectors"
	_ "github.com/flinkgo/engine/connectors/formats"
	"github.com/flinkgo/engine/connectors/kafka/kafkatest"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// col builds a physical column; meta builds a metadata column.
func col(name string, t *types.Type) connectors.Column { return connectors.Column{Name: name, Type: t} }
func meta(name string, t *types.Type, key string) connectors.Column {
	return connectors.Column{Name: name, Type: t, Metadata: true, MetadataKey: key}
}

// idName is the schema most tests use: id INT, name STRING.
var idName = []connectors.Column{col("id", types.Int), col("name", types.String)}

// kv builds an options map from key, value pairs.
func kv(pairs ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return m
}

func withOpts(base map[string]string, pairs ...string) map[string]string {
	m := kv(pairs...)
	for k, v := range base {
		if _, ok := m[k]; !ok {
			m[k] = v
		}
	}
	return m
}

func mkTable(cols []connectors.Column, opts map[string]string, pk ...int) *connectors.Table {
	return &connectors.Table{Name: "default_catalog.default_database.t", Columns: cols, Options: opts, PrimaryKey: pk, Config: map[string]string{}}
}

func mustSource(t *testing.T, tb *connectors.Table, upsert bool) connectors.Source {
	t.Helper()
	var f connectors.SourceFactory = Factory{}
	if upsert {
		f = UpsertFactory{}
	}
	s, err := f.CreateSource(tb)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func allColumns(tb *connectors.Table) []int {
	p := make([]int, len(tb.Columns))
	for i := range p {
		p[i] = i
	}
	return p
}

func openReader(t *testing.T, src connectors.Source, sub, par int, proj []int, states [][]byte) (*reader, *runtime.OperatorMetrics) {
	t.Helper()
	r, err := src.NewReader(sub, par, proj)
	if err != nil {
		t.Fatal(err)
	}
	m := &runtime.OperatorMetrics{}
	ctx := &runtime.OperatorContext{Subtask: sub, Parallelism: par, Clock: runtime.SystemClock{}, Metrics: m, RestoredStates: states}
	if len(states) == par {
		ctx.StateRestore = states[sub]
	}
	if err := r.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r.(*reader), m
}

// pollUntil polls readers round-robin until every one ended, want rows
// arrived (want >= 0), or the timeout; it returns the rows as printed,
// per reader.
func pollUntil(t *testing.T, rs []*reader, want int, timeout time.Duration) ([][]string, error) {
	t.Helper()
	out := make([][]string, len(rs))
	ended := make([]bool, len(rs))
	total := 0
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		all, idle := true, true
		for i, r := range rs {
			if ended[i] {
				continue
			}
			all = false
			b, st, err := r.Poll()
			if err != nil {
				return out, err
			}
			for j := 0; b != nil && j < b.Len; j++ {
				out[i] = append(out[i], string(types.AppendRowPrint(nil, b, j)))
				total++
			}
			if b != nil {
				idle = false
			}
			if st == runtime.SourceEnd {
				ended[i] = true
			}
		}
		if all || (want >= 0 && total >= want) {
			return out, nil
		}
		if idle {
			time.Sleep(2 * time.Millisecond)
		}
	}
	if want >= 0 {
		return out, fmt.Errorf("timeout: %d rows, want %d", total, want)
	}
	return out, fmt.Errorf("timeout: readers did not end (%d rows)", total)
}

func flat(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r...)
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

func checkRows(t *testing.T, what string, got, want []string) {
	t.Helper()
	got, want = sorted(got), sorted(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s:\ngot  %d rows %s\nwant %d rows %s", what, len(got), trunc(got), len(want), trunc(want))
	}
}

func trunc(s []string) string {
	if len(s) > 12 {
		return strings.Join(s[:12], " ") + " ..."
	}
	return strings.Join(s, " ")
}

// produceJSON writes n records {"id":i,"name":"n<i>"} for i in [from,
// from+n) to partition i % partitions, and returns the rows as printed.
func produceJSON(t *testing.T, b *kafkatest.Broker, topic string, partitions int32, from, n int) []string {
	t.Helper()
	var recs []kafkatest.Record
	var rows []string
	for i := from; i < from+n; i++ {
		recs = append(recs, kafkatest.Record{Partition: int32(i) % partitions,
			Key:   []byte(fmt.Sprintf(`{"id":%d}`, i)),
			Value: []byte(fmt.Sprintf(`{"id":%d,"name":"n%d"}`, i, i))})
		rows = append(rows, fmt.Sprintf("+I[%d, n%d]", i, i))
	}
	b.Produce(t, topic, recs...)
	return rows
}

// jsonTable is a kafka table over topic with the JSON value format.
func jsonTable(b *kafkatest.Broker, topic string, pairs ...string) *connectors.Table {
	return mkTable(idName, withOpts(kv("connector", "kafka", "topic", topic, "properties.bootstrap.servers", b.Bootstrap,
		"format", "json", "scan.startup.mode", "earliest-offset"), pairs...))
}

func testCtx(sub, par int, states [][]byte) *runtime.OperatorContext {
	ctx := &runtime.OperatorContext{Subtask: sub, Parallelism: par, Clock: runtime.SystemClock{}, Metrics: &runtime.OperatorMetrics{}, RestoredStates: states}
	if len(states) == par {
		ctx.StateRestore = states[sub]
	}
	return ctx
}

func plainAuth(user, pass string) sasl.Mechanism {
	return plain.Auth{User: user, Pass: pass}.AsMechanism()
}
