package kafka

import "github.com/twmb/franz-go/pkg/kgo"

// upsert-kafka: the sink writes +I and +U rows as records keyed by the
// primary key (encoded with key.format), -D rows as tombstones (a record
// with a nil value) and drops -U rows (the +U that follows carries the
// new value). The default partitioner hashes the key, so all changes of a
// key go to one partition in order and a compacted topic keeps the latest.
// With sink.buffer-flush.max-rows and sink.buffer-flush.interval the
// writer keeps only the latest record per key until the buffer is full,
// the interval has passed (checked on each batch and watermark) or a
// checkpoint or the end of input comes.
//
// The source reads such a topic as an upsert changelog: a record with a
// value is +I (Flink's raw row kind; normalizing it into -U/+U is the
// planner's work), a tombstone is -D with the key fields set and the
// other fields NULL.

// bufferRecord keeps rec as the latest record of its key.
func (w *writer) bufferRecord(rec *kgo.Record) {
	if len(w.buffer) == 0 {
		w.bufferDue = w.clock.NowMillis() + w.sink.bufferEvery.Milliseconds()
	}
	if old, ok := w.buffer[string(rec.Key)]; ok {
		w.release(old)
		w.buffer[string(rec.Key)] = rec
		return
	}
	w.buffer[string(rec.Key)] = rec
}

func (w *writer) flushBuffer() error {
	for k, rec := range w.buffer {
		delete(w.buffer, k)
		if err := w.produce(rec); err != nil {
			return err
		}
	}
	return nil
}
