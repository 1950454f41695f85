// Package kafka is the 'kafka' and 'upsert-kafka' connectors on
// github.com/twmb/franz-go: a source reading topics (one split per
// partition, offsets in checkpoints) and a sink writing one topic with
// none, at-least-once or exactly-once (transactional) delivery.
//
// Call order: the planner calls ValidateOptions, then CreateSource or
// CreateSink (options, formats, metadata columns and the transaction
// timeout are checked there). At run time NewReader/NewWriter run once per
// subtask; the reader follows runtime.SourceReader (Open, Poll*,
// SnapshotState, NotifyCheckpointComplete, Close), the writer
// runtime.Operator.
//
// Concurrency: a reader or writer is used by its task goroutine only.
// franz-go clients run their own goroutines (fetching, producing, retries);
// the reader adds a partition-discovery goroutine and background offset
// commits, the writer none. Poll never blocks: it drains what franz-go has
// already fetched (source.go).
//
// Ownership: batches returned by Poll are new and belong to the runtime.
// Batches given to the writer are borrowed; records handed to franz-go
// copy what they need (sink.go).
package kafka

import (
	"time"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/internal/opts"
)

func init() {
	connectors.Register(Factory{})
	connectors.Register(UpsertFactory{})
}

// Factory is the 'kafka' connector.
type Factory struct{}

// UpsertFactory is the 'upsert-kafka' connector.
type UpsertFactory struct{}

var commonOptions = []string{
	"topic", "properties.*", "value.format", "key.format", "key.fields-prefix",
	"value.fields-include", "scan.parallelism", "sink.parallelism", "sink.delivery-guarantee",
	"sink.transactional-id-prefix",
}

func (Factory) Identifier() string        { return "kafka" }
func (Factory) RequiredOptions() []string { return []string{"properties.bootstrap.servers"} }
func (Factory) OptionalOptions() []string {
	return append([]string{
		"topic-pattern", "format", "key.fields", "properties.group.id",
		"scan.startup.mode", "scan.startup.specific-offsets", "scan.startup.timestamp-millis",
		"scan.bounded.mode", "scan.bounded.specific-offsets", "scan.bounded.timestamp-millis",
		"scan.topic-partition-discovery.interval", "sink.partitioner", "sink.semantic",
	}, commonOptions...)
}

func (UpsertFactory) Identifier() string { return "upsert-kafka" }
func (UpsertFactory) RequiredOptions() []string {
	return []string{"topic", "properties.bootstrap.servers", "key.format", "value.format"}
}
func (UpsertFactory) OptionalOptions() []string {
	return append([]string{"sink.buffer-flush.max-rows", "sink.buffer-flush.interval"}, commonOptions...)
}

// ValidateOptions checks the table's options against the connector's and
// its formats' keys.
func ValidateOptions(f connectors.Factory, t *connectors.Table) error {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return connectors.ValidateOptions(f, t.Options, names, formatOptionKeys(t.Options))
}

func (Factory) CreateSource(t *connectors.Table) (connectors.Source, error) {
	return createSource(Factory{}, t, false)
}

func (UpsertFactory) CreateSource(t *connectors.Table) (connectors.Source, error) {
	return createSource(UpsertFactory{}, t, true)
}

func (Factory) CreateSink(t *connectors.Table) (connectors.Sink, error) {
	return createSink(Factory{}, t, false)
}

func (UpsertFactory) CreateSink(t *connectors.Table) (connectors.Sink, error) {
	return createSink(UpsertFactory{}, t, true)
}

func createSource(f connectors.Factory, t *connectors.Table, upsert bool) (connectors.Source, error) {
	if err := ValidateOptions(f, t); err != nil {
		return nil, err
	}
	tb, err := newTable(t, upsert)
	if err != nil {
		return nil, err
	}
	if err := checkMetadata(t, false); err != nil {
		return nil, err
	}
	s := &source{table: tb, groupID: tb.client.groupID, outage: time.Minute}
	if s.groupID == "" {
		s.groupID = "KafkaSource-" + t.Name
	}
	s.commitTo = s.groupID
	if v, ok := t.Options["properties.default.api.timeout.ms"]; ok {
		n, err := propInt("default.api.timeout.ms", v)
		if err != nil {
			return nil, err
		}
		s.outage = time.Duration(n) * time.Millisecond
	}
	return s, nil
}

// checkpointTimes returns the session's checkpoint interval (0 when
// checkpointing is off) and timeout.
func checkpointTimes(config map[string]string) (interval, timeout time.Duration, err error) {
	get := func(key string, def time.Duration) (time.Duration, error) {
		d, _, err := opts.Duration(config, key, def)
		return d, err
	}
	if interval, err = get("execution.checkpointing.interval", 0); err != nil {
		return 0, 0, err
	}
	if timeout, err = get("execution.checkpointing.timeout", 10*time.Minute); err != nil {
		return 0, 0, err
	}
	return interval, timeout, nil
}
