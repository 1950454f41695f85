package kafka

import (
	"strings"
	"testing"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime/types"
)

func TestOptionValidation(t *testing.T) {
	base := kv("connector", "kafka", "topic", "t", "properties.bootstrap.servers", "localhost:9092", "format", "json")
	ub := kv("connector", "upsert-kafka", "topic", "t", "properties.bootstrap.servers", "localhost:9092",
		"key.format", "json", "value.format", "json")
	eo := func(pairs ...string) map[string]string {
		return withOpts(base, append([]string{"sink.delivery-guarantee", "exactly-once", "sink.transactional-id-prefix", "p"}, pairs...)...)
	}
	tsMeta := append(append([]connectors.Column{}, idName...), meta("ts", types.TimestampLTZ3, "timestamp"))
	cases := []struct {
		name    string
		cols    []connectors.Column
		opts    map[string]string
		config  map[string]string
		pk      []int
		upsert  bool
		sink    bool
		wantErr string // "" for valid
	}{
		{name: "valid source", opts: base},
		{name: "valid sink", opts: base, sink: true},
		{name: "missing bootstrap", opts: kv("connector", "kafka", "topic", "t", "format", "json"), wantErr: "properties.bootstrap.servers"},
		{name: "unknown option", opts: withOpts(base, "scan.bogus", "1"), wantErr: "Unsupported options"},
		{name: "properties pass", opts: withOpts(base, "properties.client.id", "c", "properties.whatever.else", "x")},
		{name: "topic and pattern", opts: withOpts(base, "topic-pattern", "t.*"), wantErr: "shouldn't be set together"},
		{name: "no topic", opts: kv("connector", "kafka", "properties.bootstrap.servers", "h:1", "format", "json"), wantErr: "'topic' or 'topic-pattern'"},
		{name: "bad pattern", opts: withOpts(kv("connector", "kafka", "properties.bootstrap.servers", "h:1", "format", "json"), "topic-pattern", "("), wantErr: "regular expression"},
		{name: "no format", opts: kv("connector", "kafka", "topic", "t", "properties.bootstrap.servers", "h:1"), wantErr: "value.format"},
		{name: "unknown format", opts: withOpts(base, "format", "avro"), wantErr: "avro"},
		{name: "bad startup mode", opts: withOpts(base, "scan.startup.mode", "newest"), wantErr: "scan.startup.mode"},
		{name: "timestamp needs millis", opts: withOpts(base, "scan.startup.mode", "timestamp"), wantErr: "scan.startup.timestamp-millis"},
		{name: "specific offsets", opts: withOpts(base, "scan.startup.mode", "specific-offsets", "scan.startup.specific-offsets", "partition:0,offset:42;partition:1,offset:300")},
		{name: "bad specific offsets", opts: withOpts(base, "scan.startup.mode", "specific-offsets", "scan.startup.specific-offsets", "p0:42"), wantErr: "partition:0,offset:42"},
		{name: "bounded timestamp", opts: withOpts(base, "scan.bounded.mode", "timestamp", "scan.bounded.timestamp-millis", "1000")},
		{name: "bad bounded mode", opts: withOpts(base, "scan.bounded.mode", "forever"), wantErr: "scan.bounded.mode"},
		{name: "bad discovery", opts: withOpts(base, "scan.topic-partition-discovery.interval", "soon"), wantErr: "scan.topic-partition-discovery.interval"},
		{name: "key format without fields", opts: withOpts(base, "key.format", "json"), wantErr: "key.fields"},
		{name: "key fields without format", opts: withOpts(base, "key.fields", "id"), wantErr: "key.format"},
		{name: "unknown key field", opts: withOpts(base, "key.format", "json", "key.fields", "nope"), wantErr: "Could not find the field 'nope'"},
		{name: "prefix needs EXCEPT_KEY", opts: withOpts(base, "key.format", "json", "key.fields", "id", "key.fields-prefix", "k_"), wantErr: "EXCEPT_KEY"},
		{name: "bad fields-include", opts: withOpts(base, "value.fields-include", "SOME"), wantErr: "value.fields-include"},
		{name: "bad isolation", opts: withOpts(base, "properties.isolation.level", "dirty"), wantErr: "isolation.level"},
		{name: "bad format option", opts: withOpts(base, "json.ignore-parse-errors", "maybe"), wantErr: "json.ignore-parse-errors"},
		{name: "sasl without credentials, secret not shown", opts: withOpts(base, "properties.security.protocol", "SASL_SSL", "properties.sasl.jaas.config", "secret-token-123"), wantErr: "value is not shown"},
		{name: "bad metadata key", cols: append(append([]connectors.Column{}, idName...), meta("x", types.String, "nope")), opts: base, wantErr: "Invalid metadata key 'nope'"},
		{name: "bad metadata type", cols: append(append([]connectors.Column{}, idName...), meta("p", types.String, "partition")), opts: base, wantErr: "requires type INT"},
		{name: "read-only metadata in sink (virtual, skipped)", cols: append(append([]connectors.Column{}, idName...), meta("o", types.BigInt, "offset")), opts: base, sink: true},
		{name: "writable metadata in sink", cols: tsMeta, opts: base, sink: true},
		{name: "sink topic list", opts: withOpts(base, "topic", "a;b"), sink: true, wantErr: "single topic"},
		{name: "exactly-once needs prefix", opts: withOpts(base, "sink.delivery-guarantee", "exactly-once"), sink: true, wantErr: "sink.transactional-id-prefix"},
		{name: "exactly-once ok", opts: eo(), sink: true, config: kv("execution.checkpointing.interval", "10 s")},
		{name: "transaction timeout too small", opts: eo("properties.transaction.timeout.ms", "60000"), sink: true,
			config: kv("execution.checkpointing.interval", "30 s", "execution.checkpointing.timeout", "1 min"), wantErr: "Set 'properties.transaction.timeout.ms' to at least"},
		{name: "transaction timeout fits", opts: eo("properties.transaction.timeout.ms", "200000"), sink: true,
			config: kv("execution.checkpointing.interval", "30 s", "execution.checkpointing.timeout", "1 min")},
		{name: "bad delivery guarantee", opts: withOpts(base, "sink.delivery-guarantee", "twice"), sink: true, wantErr: "sink.delivery-guarantee"},
		{name: "deprecated sink.semantic", opts: withOpts(base, "sink.semantic", "exactly-once"), sink: true, wantErr: "sink.transactional-id-prefix"},
		{name: "round-robin with keys", opts: withOpts(base, "sink.partitioner", "round-robin", "key.format", "json", "key.fields", "id"), sink: true, wantErr: "round-robin"},
		{name: "upsert needs primary key", opts: ub, upsert: true, wantErr: "PRIMARY KEY"},
		{name: "upsert ok", opts: ub, pk: []int{0}, upsert: true},
		{name: "upsert sink ok", opts: ub, pk: []int{0}, upsert: true, sink: true},
		{name: "upsert needs key format", opts: kv("connector", "upsert-kafka", "topic", "t", "properties.bootstrap.servers", "h:1", "value.format", "json"), pk: []int{0}, upsert: true, wantErr: "key.format"},
		{name: "upsert rejects key.fields", opts: withOpts(ub, "key.fields", "id"), pk: []int{0}, upsert: true, wantErr: "key.fields"},
		{name: "upsert buffer both", opts: withOpts(ub, "sink.buffer-flush.max-rows", "10"), pk: []int{0}, upsert: true, sink: true, wantErr: "together"},
		{name: "upsert buffer ok", opts: withOpts(ub, "sink.buffer-flush.max-rows", "10", "sink.buffer-flush.interval", "1 s"), pk: []int{0}, upsert: true, sink: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cols := c.cols
			if cols == nil {
				cols = idName
			}
			tb := mkTable(cols, c.opts, c.pk...)
			if c.config != nil {
				tb.Config = c.config
			}
			var err error
			switch {
			case c.sink && c.upsert:
				_, err = UpsertFactory{}.CreateSink(tb)
			case c.sink:
				_, err = Factory{}.CreateSink(tb)
			case c.upsert:
				_, err = UpsertFactory{}.CreateSource(tb)
			default:
				_, err = Factory{}.CreateSource(tb)
			}
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.wantErr != "" && err == nil:
				t.Fatalf("no error, want one containing %q", c.wantErr)
			case c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr):
				t.Fatalf("error %q does not contain %q", err, c.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "secret-token-123") {
				t.Fatalf("error shows a secret: %v", err)
			}
		})
	}
}

func TestOwnerSpreadsPartitions(t *testing.T) {
	cases := []struct {
		topic string
		par   int
	}{{"orders", 1}, {"orders", 3}, {"événements", 4}, {"t", 7}}
	for _, c := range cases {
		counts := make([]int, c.par)
		for p := int32(0); p < int32(c.par*3); p++ {
			o := owner(c.topic, p, c.par)
			if o < 0 || o >= c.par {
				t.Fatalf("owner out of range: %d", o)
			}
			counts[o]++
		}
		for i, n := range counts {
			if n != 3 {
				t.Errorf("%s at %d: subtask %d owns %d of %d partitions", c.topic, c.par, i, n, c.par*3)
			}
		}
	}
	if javaHash("orders") != -1008770331 { // "orders".hashCode() in Java
		t.Errorf("javaHash(orders) = %d", javaHash("orders"))
	}
}

func TestStateRoundTrip(t *testing.T) {
	ss := []split{{tp: tp{"a", 0}, next: 5, stop: -1}, {tp: tp{"b", 7}, next: 0, stop: 10}}
	r := &reader{src: &source{table: &table{}}}
	for i := range ss {
		r.order = append(r.order, &ss[i])
	}
	st, _ := r.SnapshotState(1)
	got, err := decodeSourceState(st)
	if err != nil || len(got) != 2 || got[0].tp != ss[0].tp || got[1].next != 0 || got[1].stop != 10 {
		t.Fatalf("round trip: %v %v", got, err)
	}
	for _, bad := range [][]byte{{9}, {1, 5}, append(st, 0)} {
		if _, err := decodeSourceState(bad); err == nil {
			t.Errorf("corrupt state %v accepted", bad)
		}
	}
	s := &sinkState{prefix: "p", subtask: 2, known: map[int]txnIndex{2: {9, true}, 5: {1, false}}, pending: []committable{{checkpoint: 4, txnID: "p-2-8", producerID: 77, epoch: 3}}}
	got2, err := decodeSinkState(encodeSinkState(s))
	if err != nil || got2.prefix != "p" || got2.known[2] != (txnIndex{9, true}) || got2.known[5] != (txnIndex{1, false}) || len(got2.pending) != 1 || got2.pending[0].epoch != 3 || got2.pending[0].txnID != "p-2-8" {
		t.Fatalf("sink state round trip: %+v %v", got2, err)
	}
}
