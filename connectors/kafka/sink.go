package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/formats"
	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// sink is a planned write into one topic.
type sink struct {
	*table
	topic      string
	txnTimeout time.Duration
	// deliveryTimeout bounds how long a record may wait for the brokers
	// (properties.delivery.timeout.ms, default 2 minutes).
	deliveryTimeout time.Duration
}

func (s *sink) Parallelism() int { return s.sinkPar }

func (s *sink) ChangelogMode() connectors.ChangelogMode {
	switch {
	case s.upsert:
		return connectors.Upsert
	case formats.IsChangelog(s.valueFormat):
		return connectors.AllKinds
	}
	return connectors.InsertOnly
}

func createSink(f connectors.Factory, t *connectors.Table, upsert bool) (connectors.Sink, error) {
	if err := ValidateOptions(f, t); err != nil {
		return nil, err
	}
	tb, err := newTable(t, upsert)
	if err != nil {
		return nil, err
	}
	if tb.pattern != nil || len(tb.topics) != 1 {
		return nil, connectors.Errorf("The Kafka sink of table '%s' writes a single topic: set option 'topic' to one topic name (a list or 'topic-pattern' is for sources only).", t.Name)
	}
	if err := checkMetadata(t, true); err != nil {
		return nil, err
	}
	s := &sink{table: tb, topic: tb.topics[0], txnTimeout: tb.client.txnTimeout, deliveryTimeout: 2 * time.Minute}
	if v, ok := t.Options["properties.delivery.timeout.ms"]; ok {
		n, err := propInt("delivery.timeout.ms", v)
		if err != nil {
			return nil, err
		}
		s.deliveryTimeout = time.Duration(n) * time.Millisecond
	}
	if _, err := tb.valueFormat.NewEncoder(tb.valueFieldTypes(), tb.valueOpts); err != nil {
		return nil, err
	}
	if tb.keyFormat != nil {
		if _, err := tb.keyFormat.NewEncoder(tb.keyFieldTypes(), tb.keyOpts); err != nil {
			return nil, err
		}
	}
	if tb.delivery == deliveryExactlyOnce {
		if tb.txnPrefix == "" {
			return nil, connectors.Errorf("Table '%s': 'sink.transactional-id-prefix' must be specified when using 'sink.delivery-guarantee' = 'exactly-once'.", t.Name)
		}
		interval, timeout, err := checkpointTimes(t.Config)
		if err != nil {
			return nil, err
		}
		if interval > 0 && s.txnTimeout <= interval+timeout {
			return nil, connectors.Errorf("Table '%s': the Kafka transaction timeout (%d ms, 'properties.transaction.timeout.ms') must exceed the checkpoint interval plus the checkpoint timeout (%d ms + %d ms), or the brokers abort transactions a completed checkpoint still has to commit. Set 'properties.transaction.timeout.ms' to at least %d (and at most the brokers' 'transaction.max.timeout.ms'), or lower 'execution.checkpointing.timeout'.",
				t.Name, s.txnTimeout.Milliseconds(), interval.Milliseconds(), timeout.Milliseconds(), (interval + timeout + time.Minute).Milliseconds())
		}
	}
	return s, nil
}

func (s *sink) NewWriter(subtask, parallelism int) (runtime.Operator, error) {
	if parallelism < 1 || subtask < 0 || subtask >= parallelism {
		return nil, fmt.Errorf("kafka sink of table %s: invalid subtask %d of %d", s.name, subtask, parallelism)
	}
	w := &writer{sink: s, subtask: subtask, par: parallelism}
	var err error
	if w.valEnc, err = s.valueFormat.NewEncoder(s.valueFieldTypes(), s.valueOpts); err != nil {
		return nil, err
	}
	w.changelog, _ = w.valEnc.(formats.ChangelogEncoder)
	if s.keyFormat != nil {
		if w.keyEnc, err = s.keyFormat.NewEncoder(s.keyFieldTypes(), s.keyOpts); err != nil {
			return nil, err
		}
	}
	w.valCols = make([]*types.Vector, len(s.valueFields))
	w.keyCols = make([]*types.Vector, len(s.keyFields))
	w.tsCol, w.hdrCol = -1, -1
	for i, c := range s.columns {
		if c.Metadata && !writableMeta(metaKey(c)) {
			continue
		}
		w.written = append(w.written, i)
	}
	w.promise = w.onDelivered
	if s.upsert && s.bufferRows > 0 {
		w.buffer = map[string]*kgo.Record{}
	}
	return w, nil
}

// writer writes one subtask's rows. Records come from a pool and go back
// to it when franz-go reports their delivery, so the steady state does not
// allocate per row.
//
// Delivery: 'none' hands records to franz-go and never waits;
// 'at-least-once' flushes (waits for every acknowledgement) in
// SnapshotState, so a completed checkpoint implies the records before its
// barrier are durable; 'exactly-once' writes into Kafka transactions
// (sink_txn.go).
type writer struct {
	sink         *sink
	subtask, par int

	valEnc    formats.Encoder
	changelog formats.ChangelogEncoder
	keyEnc    formats.Encoder
	valCols   []*types.Vector
	keyCols   []*types.Vector
	written   []int // table columns a batch holds when it holds every written column
	tsCol     int   // batch column of the timestamp metadata, -1
	hdrCol    int
	cur       *types.Batch // the batch being written

	out     runtime.Output
	metrics *runtime.OperatorMetrics
	clock   runtime.Clock
	ctx     context.Context
	cancel  context.CancelFunc
	health  *health

	cl         *kgo.Client // none/at-least-once; nil for exactly-once
	partitions int32       // 'fixed' partitioner: partitions of the topic
	pool       recordPool
	promise    func(*kgo.Record, error)
	firstErr   atomic.Pointer[error]

	// upsert-kafka buffering (sink.buffer-flush.*): latest record per key.
	buffer    map[string]*kgo.Record
	bufferDue int64

	txn *txnState // exactly-once
}

func (w *writer) Open(ctx *runtime.OperatorContext, out runtime.Output) error {
	w.out, w.metrics, w.clock = out, ctx.Metrics, ctx.Clock
	if w.metrics == nil {
		w.metrics = &runtime.OperatorMetrics{}
	}
	if w.clock == nil {
		w.clock = runtime.SystemClock{}
	}
	parent := ctx.Ctx
	if parent == nil {
		parent = context.Background()
	}
	w.ctx, w.cancel = context.WithCancel(parent)
	w.health = newHealth()
	w.health.watch(w.sink.deliveryTimeout, w.cancel)
	if w.sink.partitioner == "fixed" {
		if err := w.loadPartitions(); err != nil {
			return err
		}
	}
	if w.sink.delivery == deliveryExactlyOnce {
		return w.openTxn(ctx)
	}
	cl, err := w.sink.client.newClient(w.producerOpts()...)
	if err != nil {
		return fmt.Errorf("kafka sink of table %s: %w", w.sink.name, err)
	}
	w.cl = cl
	return nil
}

// producerOpts are the franz-go options of every producer of the writer.
func (w *writer) producerOpts(extra ...kgo.Opt) []kgo.Opt {
	// No kgo.RecordDeliveryTimeout: franz-go measures it from the record's
	// timestamp, which the 'timestamp' metadata column may set to any time.
	// Outages are bounded by health (ProcessBatch) and flush instead.
	o := []kgo.Opt{kgo.DefaultProduceTopic(w.sink.topic), kgo.WithHooks(w.health),
		kgo.ProducerLinger(5 * time.Millisecond)}
	switch w.sink.partitioner {
	case "fixed":
		o = append(o, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	case "round-robin":
		o = append(o, kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	}
	o = append(o, w.sink.client.producer...)
	return append(o, extra...)
}

func (w *writer) loadPartitions() error {
	tb := *w.sink.table
	tb.topics, tb.pattern = []string{w.sink.topic}, nil
	cl, err := w.sink.client.newClient()
	if err != nil {
		return err
	}
	defer cl.Close()
	parts, err := listPartitions(w.ctx, cl, &tb, false)
	if err != nil {
		return err
	}
	w.partitions = int32(len(parts))
	return nil
}

// onDelivered is every record's promise: it keeps the first error and
// returns the record to the pool.
func (w *writer) onDelivered(r *kgo.Record, err error) {
	if err != nil && w.firstErr.Load() == nil {
		e := fmt.Errorf("kafka sink of table %s: cannot write to topic %s partition %d: %w", w.sink.name, r.Topic, r.Partition, err)
		w.firstErr.CompareAndSwap(nil, &e)
	}
	w.release(r)
}

func (w *writer) release(r *kgo.Record) {
	key, val, hdr := r.Key[:0], r.Value[:0], r.Headers[:0]
	*r = kgo.Record{Key: key, Value: val, Headers: hdr}
	w.pool.put(r)
}

func (w *writer) err() error {
	if p := w.firstErr.Load(); p != nil {
		return *p
	}
	return nil
}

// bind points the encoders at the columns of b. Batches hold every written
// column (physical and writable metadata) or every table column.
func (w *writer) bind(b *types.Batch) error {
	var colOf func(ci int) int
	switch len(b.Cols) {
	case len(w.written):
		colOf = func(ci int) int {
			for p, x := range w.written {
				if x == ci {
					return p
				}
			}
			return -1
		}
	case len(w.sink.columns):
		colOf = func(ci int) int { return ci }
	default:
		return fmt.Errorf("kafka sink of table %s: got a batch of %d columns, want %d", w.sink.name, len(b.Cols), len(w.written))
	}
	w.cur = b
	for i, pi := range w.sink.valueFields {
		w.valCols[i] = b.Cols[colOf(w.sink.physical[pi])]
	}
	for i, pi := range w.sink.keyFields {
		w.keyCols[i] = b.Cols[colOf(w.sink.physical[pi])]
	}
	w.tsCol, w.hdrCol = -1, -1
	for ci, c := range w.sink.columns {
		if !c.Metadata {
			continue
		}
		switch metaKey(c) {
		case "timestamp":
			w.tsCol = colOf(ci)
		case "headers":
			w.hdrCol = colOf(ci)
		}
	}
	return nil
}

func (w *writer) ProcessBatch(_ int, b *types.Batch) error {
	if err := w.outage(); err != nil {
		return err
	}
	if err := w.err(); err != nil {
		return err
	}
	if b.Len == 0 {
		return nil
	}
	if err := w.bind(b); err != nil {
		return err
	}
	for i := 0; i < b.Len; i++ {
		kind := b.Kind(i)
		if kind == types.UpdateBefore && w.sink.upsert {
			continue // upsert-kafka: the +U that follows carries the row
		}
		if kind != types.Insert && !w.sink.upsert && w.changelog == nil {
			return fmt.Errorf("kafka sink of table %s only accepts insertions with format '%s', got %s; use 'upsert-kafka' or a changelog format such as 'debezium-json'",
				w.sink.name, w.sink.valueFormat.Identifier(), kind)
		}
		rec := w.pool.get()
		if err := w.fill(rec, i, kind); err != nil {
			w.release(rec)
			return err
		}
		if w.buffer != nil {
			w.bufferRecord(rec)
			continue
		}
		if err := w.produce(rec); err != nil {
			return err
		}
	}
	w.metrics.RecordsOut.Add(int64(b.Len))
	if w.buffer != nil && (int64(len(w.buffer)) >= w.sink.bufferRows || w.clock.NowMillis() >= w.bufferDue) {
		if err := w.flushBuffer(); err != nil {
			return err
		}
	}
	if err := w.outage(); err != nil {
		return err
	}
	return w.err()
}

// outage returns the error of brokers unreachable for longer than
// properties.delivery.timeout.ms.
func (w *writer) outage() error {
	if err := w.health.check(w.sink.deliveryTimeout, "properties.delivery.timeout.ms"); err != nil {
		return fmt.Errorf("kafka sink of table %s (topic %s): %w", w.sink.name, w.sink.topic, err)
	}
	return nil
}

// fill encodes row i of the bound columns into rec.
func (w *writer) fill(rec *kgo.Record, i int, kind types.RowKind) error {
	var err error
	if w.keyEnc != nil {
		if rec.Key, err = w.keyEnc.Encode(rec.Key[:0], w.keyCols, i); err != nil {
			return fmt.Errorf("kafka sink of table %s: cannot encode the key: %w", w.sink.name, err)
		}
	} else {
		rec.Key = nil
	}
	switch {
	case w.sink.upsert && kind == types.Delete:
		rec.Value = nil // tombstone
	case w.changelog != nil:
		rec.Value, err = w.changelog.EncodeChangelog(rec.Value[:0], w.valCols, i, kind)
	default:
		rec.Value, err = w.valEnc.Encode(rec.Value[:0], w.valCols, i)
	}
	if err != nil {
		return fmt.Errorf("kafka sink of table %s: cannot encode the value: %w", w.sink.name, err)
	}
	if rec.Value == nil && !(w.sink.upsert && kind == types.Delete) {
		rec.Value = []byte{} // an empty value, not a tombstone
	}
	rec.Topic = w.sink.topic
	if w.sink.partitioner == "fixed" && w.partitions > 0 {
		rec.Partition = int32(w.subtask) % w.partitions
	}
	rec.Timestamp = time.Time{}
	if w.tsCol >= 0 {
		if v := w.colAt(w.tsCol); v != nil && !v.IsNull(i) {
			rec.Timestamp = time.UnixMicro(v.Ints[i])
		}
	}
	rec.Headers = rec.Headers[:0]
	if w.hdrCol >= 0 {
		if v := w.colAt(w.hdrCol); v != nil && !v.IsNull(i) {
			keys, vals := v.Children[0], v.Children[1]
			for j := int(v.Offsets[i]); j < int(v.Offsets[i+1]); j++ {
				h := kgo.RecordHeader{Key: keys.Str(j)}
				if !vals.IsNull(j) {
					h.Value = append([]byte(nil), vals.Bytes(j)...)
				}
				rec.Headers = append(rec.Headers, h)
			}
		}
	}
	return nil
}

// colAt returns the vector of the current batch at column p; set by bind.
func (w *writer) colAt(p int) *types.Vector { return w.cur.Cols[p] }

func (w *writer) produce(rec *kgo.Record) error {
	cl := w.cl
	if w.txn != nil {
		var err error
		if cl, err = w.txnClient(); err != nil {
			w.release(rec)
			return err
		}
	}
	cl.Produce(w.ctx, rec, w.promise)
	return nil
}

func (w *writer) ProcessWatermark(wm int64) error {
	if w.buffer != nil && len(w.buffer) > 0 && w.clock.NowMillis() >= w.bufferDue {
		if err := w.flushBuffer(); err != nil {
			return err
		}
	}
	if w.out != nil {
		return w.out.EmitWatermark(wm)
	}
	return nil
}

// flush waits until franz-go delivered every record handed to it.
func (w *writer) flush(cl *kgo.Client) error {
	ctx, cancel := context.WithTimeout(w.ctx, w.sink.deliveryTimeout+30*time.Second)
	defer cancel()
	if err := cl.Flush(ctx); err != nil {
		if oerr := w.outage(); oerr != nil {
			return oerr
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("kafka sink of table %s: records to topic %s were not acknowledged within %s; check that the brokers are up",
				w.sink.name, w.sink.topic, w.sink.deliveryTimeout+30*time.Second)
		}
		return fmt.Errorf("kafka sink of table %s: flushing topic %s: %w", w.sink.name, w.sink.topic, err)
	}
	if err := w.outage(); err != nil {
		return err
	}
	return w.err()
}

func (w *writer) SnapshotState(checkpointID int64) ([]byte, error) {
	if w.buffer != nil {
		if err := w.flushBuffer(); err != nil {
			return nil, err
		}
	}
	if w.txn != nil {
		return w.preCommit(checkpointID)
	}
	if w.sink.delivery == deliveryAtLeastOnce {
		if err := w.flush(w.cl); err != nil {
			return nil, err
		}
	}
	return nil, w.err()
}

func (w *writer) NotifyCheckpointComplete(id int64) error {
	if w.txn != nil {
		return w.commitUpTo(id)
	}
	return nil
}

// Finish flushes what is buffered. In exactly-once mode the final
// checkpoint commits it (or, when the runtime takes none, Finish does).
func (w *writer) Finish() error {
	if w.buffer != nil {
		if err := w.flushBuffer(); err != nil {
			return err
		}
	}
	if w.txn != nil {
		return w.finishTxn()
	}
	return w.flush(w.cl)
}

func (w *writer) Close() error {
	if w.txn != nil {
		w.closeTxn()
	}
	if w.cl != nil {
		w.cl.Close()
		w.cl = nil
	}
	if w.cancel != nil {
		w.cancel()
	}
	return nil
}

// recordPool recycles records between the task goroutine (get) and
// franz-go's promise goroutine (put).
type recordPool struct {
	mu   sync.Mutex
	free []*kgo.Record
}

func (p *recordPool) get() *kgo.Record {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		r := p.free[n-1]
		p.free = p.free[:n-1]
		return r
	}
	return new(kgo.Record)
}

func (p *recordPool) put(r *kgo.Record) {
	p.mu.Lock()
	if len(p.free) < 1<<16 {
		p.free = append(p.free, r)
	}
	p.mu.Unlock()
}
