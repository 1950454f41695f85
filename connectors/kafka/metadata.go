package kafka

import (
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime/types"
)

// metaKind identifies a metadata key.
type metaKind uint8

const (
	metaTopic metaKind = iota
	metaPartition
	metaHeaders
	metaLeaderEpoch
	metaOffset
	metaTimestamp
	metaTimestampType
)

// metadataKeys are the Kafka record metadata, in Flink's order, with the
// declared type Flink documents and whether a sink may write it.
var metadataKeys = []struct {
	key      string
	kind     metaKind
	t        *types.Type
	writable bool
}{
	{"topic", metaTopic, types.String, false},
	{"partition", metaPartition, types.Int, false},
	{"headers", metaHeaders, types.MapOf(types.String, types.Bytes), true},
	{"leader-epoch", metaLeaderEpoch, types.Int, false},
	{"offset", metaOffset, types.BigInt, false},
	{"timestamp", metaTimestamp, types.TimestampLTZ3, true},
	{"timestamp-type", metaTimestampType, types.String, false},
}

// metaCol is a metadata column of a batch.
type metaCol struct {
	pos  int // column in the batch
	kind metaKind
}

// compatible reports whether a column of type got can hold metadata of
// type want: the same family (integers, strings, timestamps), as Flink
// casts the metadata to the declared type.
func compatible(want, got *types.Type) bool {
	switch want.Kind {
	case types.KindInt, types.KindBigInt:
		switch got.Kind {
		case types.KindInt, types.KindBigInt:
			return got.Kind == types.KindBigInt || want.Kind == types.KindInt
		}
		return false
	case types.KindVarChar:
		return got.IsString()
	case types.KindTimestampLTZ:
		return got.Kind == types.KindTimestampLTZ || got.Kind == types.KindTimestamp
	case types.KindMap:
		return got.Kind == types.KindMap && got.Key.IsString() &&
			(got.Elem.Kind == types.KindVarBinary || got.Elem.Kind == types.KindBinary)
	}
	return want.Equal(got, true)
}

// metaKey returns the metadata key of column c.
func metaKey(c connectors.Column) string {
	if c.MetadataKey != "" {
		return c.MetadataKey
	}
	return c.Name
}

// checkMetadata validates the metadata columns of a table for reading
// (sink false) or writing.
func checkMetadata(t *connectors.Table, sink bool) error {
	class := "org.apache.flink.streaming.connectors.kafka.table.KafkaDynamicSource"
	if sink {
		class = "org.apache.flink.streaming.connectors.kafka.table.KafkaDynamicSink"
	}
	for _, c := range t.Columns {
		if !c.Metadata {
			continue
		}
		key := metaKey(c)
		found := false
		for _, m := range metadataKeys {
			if m.key != key {
				continue
			}
			found = true
			if !compatible(m.t, c.Type) {
				return connectors.Errorf("Invalid data type of metadata column '%s' in table '%s'. The metadata key '%s' requires type %s, but was %s.",
					c.Name, t.Name, key, m.t.String(), c.Type.String())
			}
		}
		if !found {
			var keys []string
			for _, m := range metadataKeys {
				if !sink || m.writable {
					keys = append(keys, m.key)
				}
			}
			verb := "reading"
			if sink {
				verb = "writing"
			}
			return connectors.Errorf("Invalid metadata key '%s' in column '%s' of table '%s'. The DynamicTableSource class '%s' supports the following metadata keys for %s:\n%s",
				key, c.Name, t.Name, class, verb, strings.Join(keys, "\n"))
		}
	}
	return nil
}

func lookupMeta(key string) (metaKind, bool) {
	for _, m := range metadataKeys {
		if m.key == key {
			return m.kind, true
		}
	}
	return 0, false
}

func writableMeta(key string) bool {
	for _, m := range metadataKeys {
		if m.key == key {
			return m.writable
		}
	}
	return false
}

// appendMeta appends the metadata of r to v.
func appendMeta(v *types.Vector, kind metaKind, r *kgo.Record) {
	switch kind {
	case metaTopic:
		v.AppendString(r.Topic)
	case metaPartition:
		v.AppendInt(int64(r.Partition))
	case metaOffset:
		v.AppendInt(r.Offset)
	case metaLeaderEpoch:
		if r.LeaderEpoch < 0 {
			v.AppendNull()
		} else {
			v.AppendInt(int64(r.LeaderEpoch))
		}
	case metaTimestamp:
		v.AppendInt(r.Timestamp.UnixMilli() * 1000)
	case metaTimestampType:
		switch {
		case r.Attrs.TimestampType() == 0:
			v.AppendString("CreateTime")
		case r.Attrs.TimestampType() == 1:
			v.AppendString("LogAppendTime")
		default:
			v.AppendString("NoTimestampType")
		}
	case metaHeaders:
		keys, vals := v.Children[0], v.Children[1]
		for _, h := range r.Headers {
			keys.AppendString(h.Key)
			if h.Value == nil {
				vals.AppendNull()
			} else {
				vals.AppendBytes(h.Value)
			}
		}
		v.CloseNested()
	}
}
