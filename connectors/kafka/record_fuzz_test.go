package kafka

import (
	"bytes"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/flinkgo/engine/connectors"
	_ "github.com/flinkgo/engine/connectors/formats"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// fuzzRecordTables are the Kafka tables FuzzRecordDecode reads records
// of: key and value formats (json, csv, raw, debezium-json), key columns
// from the key only or also in the value, upsert tombstones, nested and
// decimal columns, and every metadata key.
func fuzzRecordTables() []struct {
	tb     *connectors.Table
	upsert bool
} {
	base := kv("connector", "kafka", "topic", "t", "properties.bootstrap.servers", "localhost:9", "scan.startup.mode", "earliest-offset")
	metas := []connectors.Column{
		meta("headers", types.MapOf(types.String, types.Bytes), ""),
		meta("ts", types.TimestampLTZ3, "timestamp"),
		meta("tstype", types.String, "timestamp-type"),
		meta("topic", types.String, ""),
		meta("partition", types.Int, ""),
		meta("off", types.BigInt, "offset"),
		meta("epoch", types.Int, "leader-epoch"),
	}
	rich := append([]connectors.Column{
		col("id", types.BigInt), col("name", types.String), col("price", types.Decimal(10, 2)),
		col("tags", types.ArrayOf(types.Int)),
		col("pos", types.RowOf(types.Field{Name: "x", Type: types.Int}, types.Field{Name: "at", Type: types.Timestamp3})),
	}, metas...)
	return []struct {
		tb     *connectors.Table
		upsert bool
	}{
		{mkTable(rich, withOpts(base, "key.format", "json", "key.fields", "id", "value.format", "json",
			"value.fields-include", "EXCEPT_KEY")), false},
		{mkTable(rich, withOpts(base, "key.format", "csv", "key.fields", "id;name", "value.format", "json",
			"value.json.ignore-parse-errors", "true")), false},
		{mkTable(rich, withOpts(kv("connector", "upsert-kafka", "topic", "t", "properties.bootstrap.servers", "localhost:9"),
			"key.format", "json", "value.format", "csv", "value.fields-include", "EXCEPT_KEY"), 0), true},
		{mkTable(append([]connectors.Column{col("k", types.String), col("id", types.Int), col("name", types.String)}, metas[:2]...),
			withOpts(base, "key.format", "raw", "key.fields", "k", "value.format", "debezium-json", "value.fields-include", "EXCEPT_KEY")), false},
		{mkTable([]connectors.Column{col("line", types.String), metas[0]}, withOpts(base, "format", "raw")), false},
	}
}

// headersOf cuts fuzz bytes into record headers: "key=value" items
// separated by 0 bytes, a missing '=' giving a NULL value.
func headersOf(b []byte) []kgo.RecordHeader {
	if len(b) == 0 {
		return nil
	}
	var out []kgo.RecordHeader
	for _, item := range bytes.Split(b, []byte{0}) {
		k, v, ok := bytes.Cut(item, []byte("="))
		h := kgo.RecordHeader{Key: string(k)}
		if ok {
			h.Value = v
		}
		out = append(out, h)
	}
	return out
}

// FuzzRecordDecode turns arbitrary Kafka records (key, value, headers,
// timestamp, timestamp type, partition, offset, leader epoch; nil key or
// value) into rows of the fuzzRecordTables, as the source reader does for
// each fetched record: it must not panic, a failed or skipped record must
// leave the batch as it was, and otherwise every column holds one value
// per row and the rows print.
func FuzzRecordDecode(f *testing.F) {
	f.Add([]byte(`{"id":1}`), []byte(`{"id":1,"name":"a","price":1.5,"tags":[1,null],"pos":{"x":2,"at":"2020-01-01 00:00:00"}}`),
		[]byte("trace=abc\x00nullvalue"), int64(1700000000000), int8(0), int32(3), int64(42), int32(7), uint8(0))
	f.Add([]byte("1,a"), []byte(`{"before":null,"after":{"id":1,"name":"x"},"op":"c"}`), []byte{}, int64(-1), int8(1), int32(0), int64(0), int32(-1), uint8(0))
	f.Add([]byte(`{"id":5}`), []byte("a,1.25,1;2,"), []byte("="), int64(0), int8(-1), int32(1<<31-1), int64(1<<62), int32(0), uint8(2))
	f.Add([]byte(`{"id":5}`), []byte{}, []byte{}, int64(1<<62), int8(0), int32(0), int64(0), int32(0), uint8(1))
	f.Add([]byte(`"k"`), []byte(`{"before":{"id":1},"after":{"id":2},"op":"u"}`), []byte("a=\x00b=c"), int64(5), int8(1), int32(2), int64(9), int32(4), uint8(3))
	var readers []*reader
	for _, c := range fuzzRecordTables() {
		var fac connectors.SourceFactory = Factory{}
		if c.upsert {
			fac = UpsertFactory{}
		}
		src, err := fac.CreateSource(c.tb)
		if err != nil {
			f.Fatalf("%v: %v", c.tb.Options, err)
		}
		r, err := src.NewReader(0, 1, allColumns(c.tb))
		if err != nil {
			f.Fatal(err)
		}
		rd := r.(*reader)
		rd.metrics = &runtime.OperatorMetrics{}
		readers = append(readers, rd)
	}
	f.Fuzz(func(t *testing.T, key, value, headers []byte, ts int64, tsType int8, partition int32, offset int64, epoch int32, nils uint8) {
		rec := &kgo.Record{Key: key, Value: value, Headers: headersOf(headers), Timestamp: time.UnixMilli(ts),
			Attrs: kgo.NewRecordAttrs(kgo.RecordAttrsOpts{TimestampType: tsType}), Topic: "t",
			Partition: partition, Offset: offset, LeaderEpoch: epoch}
		if nils&1 != 0 {
			rec.Key = nil
		}
		if nils&2 != 0 {
			rec.Value = nil
		}
		for _, r := range readers {
			b := types.NewBatch(r.colTypes, 4)
			// A row already in the batch must survive a failed record.
			if err := r.decode(b, &kgo.Record{Key: []byte(`{"id":1}`), Value: []byte(`{}`), Topic: "t"}); err != nil {
				b = types.NewBatch(r.colTypes, 4)
			}
			before := b.Len
			err := r.decode(b, rec)
			if err != nil && b.Len != before {
				t.Fatalf("a failed record left %d rows", b.Len-before)
			}
			if b.Len-before > 2 {
				t.Fatalf("one record gave %d rows", b.Len-before)
			}
			for i, c := range b.Cols {
				if c.Len != b.Len {
					t.Fatalf("column %d holds %d values in a batch of %d rows (err %v)", i, c.Len, b.Len, err)
				}
			}
			if b.Kinds != nil && len(b.Kinds) != b.Len {
				t.Fatalf("%d row kinds for %d rows", len(b.Kinds), b.Len)
			}
			for row := 0; row < b.Len; row++ {
				types.AppendRowPrint(nil, b, row)
			}
		}
	})
}

// FuzzSourceState decodes arbitrary bytes as a Kafka source subtask's
// checkpointed state: an error or splits that re-encode to the same bytes
// through SnapshotState.
func FuzzSourceState(f *testing.F) {
	r := &reader{src: &source{}}
	for _, ss := range [][]split{nil, {{tp: tp{"orders", 0}, next: 5, stop: -1}, {tp: tp{"", 1<<31 - 1}, next: 0, stop: 1 << 40}}} {
		r.order = nil
		for i := range ss {
			r.order = append(r.order, &ss[i])
		}
		st, err := r.SnapshotState(1)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(st)
	}
	f.Add([]byte{sourceStateV1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, st []byte) {
		ss, err := decodeSourceState(st)
		if err != nil || len(st) == 0 {
			return
		}
		r := &reader{src: &source{}}
		for i := range ss {
			r.order = append(r.order, &ss[i])
		}
		again, err := r.SnapshotState(1)
		if err != nil {
			t.Fatal(err)
		}
		ss2, err := decodeSourceState(again)
		if err != nil || len(ss2) != len(ss) {
			t.Fatalf("re-encoded state does not decode the same: %v", err)
		}
		for i := range ss {
			if ss[i] != ss2[i] {
				t.Fatalf("split %d changed: %+v became %+v", i, ss[i], ss2[i])
			}
		}
	})
}
