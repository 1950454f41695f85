package kafka

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// tp names one partition of one topic.
type tp struct {
	topic     string
	partition int32
}

// split is one partition a reader owns: the next offset to emit and, for a
// bounded scan, the offset to stop before (-1: unbounded).
type split struct {
	tp
	next int64
	stop int64
	done bool  // bounded and next >= stop
	id   int64 // the reader's number for it (runtime.SplitAware)
	// hw is the partition's high watermark at its last fetch, -1 before
	// one (pendingRecords).
	hw int64
}

// javaHash is Java's String.hashCode, so partitions are spread over the
// subtasks exactly as Flink's KafkaSourceEnumerator does.
func javaHash(s string) int32 {
	var h int32
	for _, r := range s { // UTF-16 code units for the BMP, as Java
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}

// owner returns the subtask (out of par) that reads partition p of topic:
// a topic's partitions go round-robin from a start derived from its name.
func owner(topic string, p int32, par int) int {
	start := int((javaHash(topic)*31)&0x7FFFFFFF) % par
	return (start + int(p)) % par
}

// requestTimeout bounds one metadata/offset request of the source.
const requestTimeout = 30 * time.Second

// listPartitions returns every partition of the table's topics, sorted.
// A named topic that does not exist is an error unless lenient.
func listPartitions(ctx context.Context, cl *kgo.Client, tb *table, lenient bool) ([]tp, error) {
	req := kmsg.NewPtrMetadataRequest()
	if tb.pattern == nil {
		for _, t := range tb.topics {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(t)
			req.Topics = append(req.Topics, rt)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("kafka table %s: cannot read the metadata of topics %s from %s: %w; check 'properties.bootstrap.servers' and that the brokers are up",
			tb.name, tb.topicDesc(), strings.Join(tb.client.bootstrap, ","), err)
	}
	var out []tp
	for _, t := range resp.Topics {
		name := ""
		if t.Topic != nil {
			name = *t.Topic
		}
		if tb.pattern != nil && (t.IsInternal || !tb.pattern.MatchString(name)) {
			continue
		}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			if lenient {
				continue
			}
			return nil, fmt.Errorf("kafka table %s: topic %s is not available: %w; create the topic or fix option 'topic'", tb.name, name, err)
		}
		for _, p := range t.Partitions {
			out = append(out, tp{name, p.Partition})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].topic != out[j].topic {
			return out[i].topic < out[j].topic
		}
		return out[i].partition < out[j].partition
	})
	return out, nil
}

func (tb *table) topicDesc() string {
	if tb.pattern != nil {
		return "matching '" + strings.TrimSuffix(strings.TrimPrefix(tb.pattern.String(), "^(?:"), ")$") + "'"
	}
	return strings.Join(tb.topics, ";")
}

// Special ListOffsets timestamps.
const (
	tsLatest   = -1
	tsEarliest = -2
)

// listOffsets resolves, for every partition, the offset of the first
// record with a timestamp at or after ts (tsLatest/tsEarliest for the
// ends). A timestamp after the last record resolves to the end offset.
func listOffsets(ctx context.Context, cl *kgo.Client, tb *table, parts []tp, ts int64) (map[tp]int64, error) {
	out := make(map[tp]int64, len(parts))
	if len(parts) == 0 {
		return out, nil
	}
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	if tb.client.readCommitted {
		req.IsolationLevel = 1
	}
	byTopic := map[string]int{}
	for _, p := range parts {
		i, ok := byTopic[p.topic]
		if !ok {
			i = len(req.Topics)
			byTopic[p.topic] = i
			rt := kmsg.NewListOffsetsRequestTopic()
			rt.Topic = p.topic
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition, rp.Timestamp, rp.CurrentLeaderEpoch = p.partition, ts, -1
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("kafka table %s: cannot list the offsets of topics %s: %w; check that the brokers are up", tb.name, tb.topicDesc(), err)
	}
	var missing []tp
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return nil, fmt.Errorf("kafka table %s: cannot list the offsets of topic %s partition %d: %w", tb.name, t.Topic, p.Partition, err)
			}
			if p.Offset < 0 { // no record at or after ts
				missing = append(missing, tp{t.Topic, p.Partition})
				continue
			}
			out[tp{t.Topic, p.Partition}] = p.Offset
		}
	}
	if len(missing) > 0 && ts != tsLatest {
		end, err := listOffsets(ctx, cl, tb, missing, tsLatest)
		if err != nil {
			return nil, err
		}
		for k, v := range end {
			out[k] = v
		}
	}
	return out, nil
}

// committedOffsets returns the offsets the consumer group committed for
// parts (partitions without a committed offset are absent).
func committedOffsets(ctx context.Context, cl *kgo.Client, tb *table, group string, parts []tp) (map[tp]int64, error) {
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = group
	byTopic := map[string]int{}
	for _, p := range parts {
		i, ok := byTopic[p.topic]
		if !ok {
			i = len(req.Topics)
			byTopic[p.topic] = i
			rt := kmsg.NewOffsetFetchRequestTopic()
			rt.Topic = p.topic
			req.Topics = append(req.Topics, rt)
		}
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, p.partition)
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err == nil {
		err = kerr.ErrorForCode(resp.ErrorCode)
	}
	if errors.Is(err, kerr.GroupIDNotFound) { // a group that never committed
		return map[tp]int64{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kafka table %s: cannot fetch the committed offsets of group %s: %w", tb.name, group, err)
	}
	out := map[tp]int64{}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return nil, fmt.Errorf("kafka table %s: cannot fetch the committed offset of group %s for topic %s partition %d: %w", tb.name, group, t.Topic, p.Partition, err)
			}
			if p.Offset >= 0 {
				out[tp{t.Topic, p.Partition}] = p.Offset
			}
		}
	}
	return out, nil
}

// commitOffsets commits offsets (next offset per partition) to group as a
// standalone consumer (generation -1, no member id), as Flink's source does
// for monitoring.
func commitOffsets(ctx context.Context, cl *kgo.Client, group string, offsets []split) error {
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group, req.Generation, req.MemberID = group, -1, ""
	byTopic := map[string]int{}
	for _, s := range offsets {
		i, ok := byTopic[s.topic]
		if !ok {
			i = len(req.Topics)
			byTopic[s.topic] = i
			rt := kmsg.NewOffsetCommitRequestTopic()
			rt.Topic = s.topic
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset, rp.LeaderEpoch = s.partition, s.next, -1
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
	}
	if len(req.Topics) == 0 {
		return nil
	}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return err
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return fmt.Errorf("topic %s partition %d: %w", t.Topic, p.Partition, err)
			}
		}
	}
	return nil
}

// resolveStarts returns the start offset of each new partition: by the
// startup mode on the first assignment (initial), from the earliest offset
// for partitions that appear later (discovery, or after a restore).
func (tb *table) resolveStarts(ctx context.Context, cl *kgo.Client, group string, parts []tp, initial bool) (map[tp]int64, error) {
	if !initial {
		return listOffsets(ctx, cl, tb, parts, tsEarliest)
	}
	switch tb.startup {
	case modeEarliest:
		return listOffsets(ctx, cl, tb, parts, tsEarliest)
	case modeLatest:
		return listOffsets(ctx, cl, tb, parts, tsLatest)
	case modeTimestamp:
		return listOffsets(ctx, cl, tb, parts, tb.startupTs)
	}
	committed, err := committedOffsets(ctx, cl, tb, group, parts)
	if err != nil {
		return nil, err
	}
	out := map[tp]int64{}
	var rest []tp
	for _, p := range parts {
		if tb.startup == modeSpecific {
			if off, ok := tb.startupOffsets[p.partition]; ok && p.topic == tb.topics[0] {
				out[p] = off
				continue
			}
		}
		if off, ok := committed[p]; ok {
			out[p] = off
			continue
		}
		rest = append(rest, p)
	}
	if len(rest) == 0 {
		return out, nil
	}
	reset := tb.client.autoReset
	if tb.startup == modeSpecific && reset == "none" {
		reset = "earliest" // Flink's default for partitions not specified
	}
	var ts int64
	switch reset {
	case "earliest":
		ts = tsEarliest
	case "latest":
		ts = tsLatest
	default:
		return nil, fmt.Errorf("kafka table %s: consumer group %s has no committed offset for topic %s partition %d ('scan.startup.mode' = 'group-offsets'); set 'properties.auto.offset.reset' to 'earliest' or 'latest', or choose another 'scan.startup.mode'",
			tb.name, group, rest[0].topic, rest[0].partition)
	}
	ends, err := listOffsets(ctx, cl, tb, rest, ts)
	if err != nil {
		return nil, err
	}
	for k, v := range ends {
		out[k] = v
	}
	return out, nil
}

// resolveStops returns the stop offset of each partition of a bounded scan.
func (tb *table) resolveStops(ctx context.Context, cl *kgo.Client, group string, parts []tp) (map[tp]int64, error) {
	out := map[tp]int64{}
	switch tb.bounded {
	case modeUnbounded:
		for _, p := range parts {
			out[p] = -1
		}
		return out, nil
	case modeTimestamp:
		return listOffsets(ctx, cl, tb, parts, tb.boundedTs)
	case modeLatest:
		return listOffsets(ctx, cl, tb, parts, tsLatest)
	}
	latest, err := listOffsets(ctx, cl, tb, parts, tsLatest)
	if err != nil {
		return nil, err
	}
	var committed map[tp]int64
	if tb.bounded == modeGroup {
		if committed, err = committedOffsets(ctx, cl, tb, group, parts); err != nil {
			return nil, err
		}
	}
	for _, p := range parts {
		out[p] = latest[p]
		if off, ok := committed[p]; ok {
			out[p] = off
		}
		if tb.bounded == modeSpecific {
			if off, ok := tb.boundedOffsets[p.partition]; ok && p.topic == tb.topics[0] {
				out[p] = off
			}
		}
	}
	return out, nil
}
