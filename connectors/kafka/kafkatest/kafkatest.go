// Package kafkatest starts a Kafka-protocol broker for tests: franz-go's
// in-process kfake cluster, or the external broker named by the environment
// variable KAFKA_BOOTSTRAP (host:port[,host:port]) so the same tests run
// against a real Kafka.
//
// Concurrency: a Broker is safe for concurrent use; every helper creates its
// own short-lived client. Ownership: the Broker is closed by t.Cleanup.
package kafkatest

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// EnvBootstrap names the external broker to test against instead of kfake.
const EnvBootstrap = "KAFKA_BOOTSTRAP"

// Broker is a running cluster.
type Broker struct {
	Bootstrap string         // comma-separated host:port list
	Cluster   *kfake.Cluster // nil for an external broker
}

var topicSeq atomic.Int64

// Start returns the external broker from KAFKA_BOOTSTRAP, or starts a kfake
// cluster on a free localhost port (port 0 picks one).
func Start(t testing.TB, port int) *Broker {
	t.Helper()
	if bs := os.Getenv(EnvBootstrap); bs != "" {
		return &Broker{Bootstrap: bs}
	}
	if port == 0 {
		port = FreePort(t)
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port),
		kfake.BrokerConfigs(map[string]string{"transaction.max.timeout.ms": "900000"}))
	if err != nil {
		t.Fatalf("kafkatest: cannot start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return &Broker{Bootstrap: strings.Join(c.ListenAddrs(), ","), Cluster: c}
}

// StartKfake starts an in-process kfake cluster on port with extra
// options (kfake.DataDir for a cluster that restarts with its data), even
// when KAFKA_BOOTSTRAP is set; the caller closes it.
func StartKfake(t testing.TB, port int, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.Ports(port)}, opts...)...)
	if err != nil {
		t.Fatalf("kafkatest: cannot start kfake: %v", err)
	}
	return c
}

// FreePort returns a localhost TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Topic returns a topic name unique in this process (an external broker
// may hold topics of earlier runs).
func Topic(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano(), topicSeq.Add(1))
}

// Client returns a client for b with extra options; closed by t.Cleanup.
func (b *Broker) Client(t testing.TB, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	v := kversion.Stable()
	v.SetMaxKeyVersion(8, 9) // OffsetCommit/OffsetFetch by topic name
	v.SetMaxKeyVersion(9, 9)
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(strings.Split(b.Bootstrap, ",")...), kgo.MaxVersions(v)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// CreateTopic creates topic with partitions and topic configs
// ("cleanup.policy": "compact").
func (b *Broker) CreateTopic(t testing.TB, topic string, partitions int32, configs map[string]string) {
	t.Helper()
	cl := b.Client(t)
	req := kmsg.NewPtrCreateTopicsRequest()
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = topic, partitions, 1
	for k, v := range configs {
		c := kmsg.NewCreateTopicsRequestTopicConfig()
		c.Name, c.Value = k, kmsg.StringPtr(v)
		rt.Configs = append(rt.Configs, c)
	}
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = 10000
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("kafkatest: create topic %s: %v", topic, err)
	}
	for _, rt := range resp.Topics {
		if err := kerr.ErrorForCode(rt.ErrorCode); err != nil && err != kerr.TopicAlreadyExists {
			t.Fatalf("kafkatest: create topic %s: %v", topic, err)
		}
	}
}

// AddPartitions grows topic to total partitions.
func (b *Broker) AddPartitions(t testing.TB, topic string, total int32) {
	t.Helper()
	cl := b.Client(t)
	req := kmsg.NewPtrCreatePartitionsRequest()
	rt := kmsg.NewCreatePartitionsRequestTopic()
	rt.Topic, rt.Count = topic, total
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = 10000
	resp, err := req.RequestWith(context.Background(), cl)
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range resp.Topics {
		if err := kerr.ErrorForCode(rt.ErrorCode); err != nil {
			t.Fatalf("kafkatest: create partitions of %s: %v", topic, err)
		}
	}
}

// Record is a record to produce or a record consumed.
type Record struct {
	Key, Value []byte // nil Value: a tombstone
	Partition  int32
	Offset     int64
	Timestamp  time.Time
	Headers    []kgo.RecordHeader
}

// Produce writes recs synchronously, each to its Partition.
func (b *Broker) Produce(t testing.TB, topic string, recs ...Record) {
	t.Helper()
	cl := b.Client(t, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	krs := make([]*kgo.Record, len(recs))
	for i, r := range recs {
		krs[i] = &kgo.Record{Topic: topic, Key: r.Key, Value: r.Value, Partition: r.Partition,
			Timestamp: r.Timestamp, Headers: r.Headers}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, krs...).FirstErr(); err != nil {
		t.Fatalf("kafkatest: produce to %s: %v", topic, err)
	}
}

// ReadCommitted reads every committed record of topic (read_committed),
// stopping after quiet without new records or at timeout.
func (b *Broker) ReadCommitted(t testing.TB, topic string, quiet time.Duration) []Record {
	return b.read(t, topic, quiet, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
}

// ReadUncommitted reads every record of topic (read_uncommitted).
func (b *Broker) ReadUncommitted(t testing.TB, topic string, quiet time.Duration) []Record {
	return b.read(t, topic, quiet, kgo.FetchIsolationLevel(kgo.ReadUncommitted()))
}

func (b *Broker) read(t testing.TB, topic string, quiet time.Duration, iso kgo.Opt) []Record {
	t.Helper()
	opts := []kgo.Opt{kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}
	if iso != nil {
		opts = append(opts, iso)
	}
	cl := b.Client(t, opts...)
	var out []Record
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), quiet)
		fs := cl.PollFetches(ctx)
		cancel()
		n := 0
		fs.EachRecord(func(r *kgo.Record) {
			n++
			out = append(out, Record{Key: r.Key, Value: r.Value, Partition: r.Partition, Offset: r.Offset,
				Timestamp: r.Timestamp, Headers: r.Headers})
		})
		for _, e := range fs.Errors() {
			if e.Err != context.DeadlineExceeded && e.Err != context.Canceled {
				t.Fatalf("kafkatest: read %s: %v", topic, e.Err)
			}
		}
		if n == 0 {
			return out
		}
	}
	return out
}

// CommittedOffsets returns the offsets group committed for topic
// (partition → next offset).
func (b *Broker) CommittedOffsets(t testing.TB, group, topic string) map[int32]int64 {
	t.Helper()
	cl := b.Client(t)
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = group
	resp, err := req.RequestWith(context.Background(), cl)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	for _, rt := range resp.Topics {
		if rt.Topic != topic {
			continue
		}
		for _, p := range rt.Partitions {
			if p.Offset >= 0 {
				out[p.Partition] = p.Offset
			}
		}
	}
	return out
}

// CommitOffsets commits offsets (partition → next offset) for group as a
// standalone consumer.
func (b *Broker) CommitOffsets(t testing.TB, group, topic string, offsets map[int32]int64) {
	t.Helper()
	cl := b.Client(t)
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group, req.Generation = group, -1
	rt := kmsg.NewOffsetCommitRequestTopic()
	rt.Topic = topic
	for p, o := range offsets {
		rp := kmsg.NewOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset, rp.LeaderEpoch = p, o, -1
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(context.Background(), cl)
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range resp.Topics {
		for _, p := range rt.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				t.Fatalf("kafkatest: commit %s/%d for %s: %v", topic, p.Partition, group, err)
			}
		}
	}
}
