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

// source is a planned scan of a kafka or upsert-kafka table.
type source struct {
	*table
	groupID  string // properties.group.id or "KafkaSource-<table>"
	commitTo string // group committed to on checkpoints (groupID)
	// outage is how long the brokers may stay unreachable before Poll
	// fails (properties.default.api.timeout.ms, default 60 s).
	outage time.Duration
}

func (s *source) Bounded() bool    { return s.bounded != modeUnbounded }
func (s *source) Parallelism() int { return s.scanPar }

func (s *source) ChangelogMode() connectors.ChangelogMode {
	switch {
	case s.upsert:
		return connectors.Upsert
	case formats.IsChangelog(s.valueFormat):
		return connectors.AllKinds
	}
	return connectors.InsertOnly
}

func (s *source) NewReader(subtask, parallelism int, projection []int) (runtime.SourceReader, error) {
	if parallelism < 1 || subtask < 0 || subtask >= parallelism {
		return nil, fmt.Errorf("kafka source of table %s: invalid subtask %d of %d", s.name, subtask, parallelism)
	}
	r := &reader{src: s, subtask: subtask, par: parallelism, splits: map[tp]*split{}}
	r.pending.Store(-1)
	pos := make([]int, len(s.columns)) // batch column of each table column, -1 if not read
	for i := range pos {
		pos[i] = -1
	}
	for p, ci := range projection {
		c := s.columns[ci]
		r.colTypes = append(r.colTypes, c.Type)
		pos[ci] = p
		if c.Metadata {
			kind, _ := lookupMeta(metaKey(c))
			r.meta = append(r.meta, metaCol{pos: p, kind: kind})
		}
	}
	var err error
	if r.valDec, err = s.valueFormat.NewDecoder(s.valueFieldTypes(), s.valueOpts); err != nil {
		return nil, err
	}
	r.changelog, _ = r.valDec.(formats.ChangelogDecoder)
	r.valPos = make([]int, len(s.valueFields))
	r.valOut = make([]*types.Vector, len(s.valueFields))
	inValue := map[int]bool{}
	for i, pi := range s.valueFields {
		r.valPos[i] = pos[s.physical[pi]]
		inValue[pi] = true
	}
	if s.keyFormat != nil {
		if r.keyDec, err = s.keyFormat.NewDecoder(s.keyFieldTypes(), s.keyOpts); err != nil {
			return nil, err
		}
		r.keyPos = make([]int, len(s.keyFields))
		r.keyOut = make([]*types.Vector, len(s.keyFields))
		r.keyOnly = make([]bool, len(s.keyFields))
		for i, pi := range s.keyFields {
			r.keyPos[i] = pos[s.physical[pi]]
			r.keyOnly[i] = !inValue[pi]
		}
	}
	return r, nil
}

// reader reads the partitions one subtask owns.
//
// Fetching: franz-go fetches in its own goroutines and buffers what it
// fetched; Poll drains that buffer without blocking (PollRecords with a
// nil context returns at once) and decodes at most one batch. Partition
// discovery and offset commits talk to the brokers and run in background
// goroutines started by Open and stopped by Close; discovery hands new
// partitions to Poll over a channel.
type reader struct {
	src          *source
	subtask, par int

	colTypes []*types.Type
	meta     []metaCol
	valDec   formats.Decoder
	// changelog is valDec when the value format carries row kinds.
	changelog formats.ChangelogDecoder
	valPos    []int // batch column per value field, -1 if not read
	valOut    []*types.Vector
	keyDec    formats.Decoder
	keyPos    []int
	keyOut    []*types.Vector
	keyOnly   []bool // key field not also read from the value
	kinds     []types.RowKind

	metrics *runtime.OperatorMetrics
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	admin   *kgo.Client // metadata, offsets, commits
	cons    *kgo.Client // fetching; nil until a partition is assigned
	health  *health

	splits  map[tp]*split
	order   []*split // splits in assignment order, for snapshots
	open    int      // splits not done
	known   map[tp]bool
	newSplt chan []split // from discovery

	pendingCommits []pendingCommit
	committing     atomic.Bool

	// queue holds fetched partitions not yet emitted: Poll emits one
	// partition's records per batch, so watermarks can be per partition.
	queue     []fetchedPartition
	lastSplit int64
	owned     []int64
	// pending is Flink's pendingRecords (PendingRecords), -1 until a fetch
	// told a high watermark; written by Poll, read by metrics readers.
	pending atomic.Int64
}

// fetchedPartition is one partition's records of a fetch.
type fetchedPartition struct {
	topic string
	p     *kgo.FetchPartition
}

var _ runtime.SplitAware = (*reader)(nil)

// Splits lists the partitions this reader owns and has not finished.
func (r *reader) Splits() []int64 {
	r.owned = r.owned[:0]
	for _, sp := range r.order {
		if !sp.done {
			r.owned = append(r.owned, sp.id)
		}
	}
	return r.owned
}

// LastSplit is the partition of the batch the last Poll returned.
func (r *reader) LastSplit() int64 { return r.lastSplit }

type pendingCommit struct {
	checkpoint int64
	offsets    []split
}

// Open restores or resolves the partitions this subtask owns and starts
// fetching them. With RestoredStates (every old subtask's state) it keeps
// the restored partitions it owns now, at any parallelism; the group's
// committed offsets are then not consulted.
func (r *reader) Open(ctx *runtime.OperatorContext) error {
	r.metrics = ctx.Metrics
	if r.metrics == nil {
		r.metrics = &runtime.OperatorMetrics{}
	}
	parent := ctx.Ctx
	if parent == nil {
		parent = context.Background()
	}
	r.ctx, r.cancel = context.WithCancel(parent)
	r.health = newHealth()
	var err error
	if r.admin, err = r.src.client.newClient(kgo.WithHooks(r.health), nameVersions()); err != nil {
		return fmt.Errorf("kafka source of table %s: %w", r.src.name, err)
	}
	states := ctx.RestoredStates
	if len(states) == 0 && ctx.StateRestore != nil {
		states = [][]byte{ctx.StateRestore}
	}
	restored := map[tp]split{}
	isRestore := len(states) > 0
	for i, st := range states {
		ss, err := decodeSourceState(st)
		if err != nil {
			return fmt.Errorf("kafka source of table %s: cannot restore the state of subtask %d: %w", r.src.name, i, err)
		}
		for _, s := range ss {
			restored[s.tp] = s
		}
	}
	// The brokers must answer within the outage bound.
	octx, cancel := context.WithTimeout(r.ctx, max(r.src.outage, time.Second))
	defer cancel()
	parts, err := listPartitions(octx, r.admin, r.src.table, false)
	if err != nil {
		return r.health.explain(err)
	}
	r.known = map[tp]bool{}
	var fresh []tp
	var add []split
	for _, p := range parts {
		r.known[p] = true
		if owner(p.topic, p.partition, r.par) != r.subtask {
			continue
		}
		if s, ok := restored[p]; ok {
			add = append(add, s)
			continue
		}
		fresh = append(fresh, p)
	}
	// A restore also keeps restored partitions the metadata did not list
	// (a topic briefly unavailable): they are read from where they were.
	for p, s := range restored {
		if !r.known[p] && owner(p.topic, p.partition, r.par) == r.subtask && r.src.subscribed(p.topic) {
			r.known[p] = true
			add = append(add, s)
		}
	}
	more, err := r.resolve(octx, fresh, !isRestore)
	if err != nil {
		return r.health.explain(err)
	}
	r.assign(append(add, more...))
	if r.src.discovery > 0 && !r.src.Bounded() {
		r.newSplt = make(chan []split, 1)
		r.wg.Add(1)
		go r.discover()
	}
	return nil
}

// subscribed reports whether topic belongs to the table.
func (s *source) subscribed(topic string) bool {
	if s.pattern != nil {
		return s.pattern.MatchString(topic)
	}
	for _, t := range s.topics {
		if t == topic {
			return true
		}
	}
	return false
}

// resolve returns new splits for parts: start offsets by the startup mode
// (initial) or from the earliest offset, stop offsets by the bounded mode.
func (r *reader) resolve(ctx context.Context, parts []tp, initial bool) ([]split, error) {
	if len(parts) == 0 {
		return nil, nil
	}
	starts, err := r.src.resolveStarts(ctx, r.admin, r.src.groupID, parts, initial)
	if err != nil {
		return nil, err
	}
	stops, err := r.src.resolveStops(ctx, r.admin, r.src.groupID, parts)
	if err != nil {
		return nil, err
	}
	out := make([]split, 0, len(parts))
	for _, p := range parts {
		start, ok := starts[p]
		if !ok {
			return nil, fmt.Errorf("kafka source of table %s: no start offset for topic %s partition %d", r.src.name, p.topic, p.partition)
		}
		stop := int64(-1)
		if s, ok := stops[p]; ok {
			stop = s
		}
		out = append(out, split{tp: p, next: start, stop: stop})
	}
	return out, nil
}

// assign starts reading splits.
func (r *reader) assign(ss []split) {
	offsets := map[string]map[int32]kgo.Offset{}
	for _, s := range ss {
		if _, dup := r.splits[s.tp]; dup {
			continue
		}
		sp := &split{tp: s.tp, next: s.next, stop: s.stop, id: int64(len(r.order)), hw: -1}
		sp.done = sp.stop >= 0 && sp.next >= sp.stop
		r.splits[s.tp] = sp
		r.order = append(r.order, sp)
		if sp.done {
			continue
		}
		r.open++
		if offsets[s.topic] == nil {
			offsets[s.topic] = map[int32]kgo.Offset{}
		}
		offsets[s.topic][s.partition] = kgo.NewOffset().At(s.next)
	}
	if len(offsets) == 0 {
		return
	}
	if r.cons != nil {
		r.cons.AddConsumePartitions(offsets)
		return
	}
	o := []kgo.Opt{kgo.ConsumePartitions(offsets), kgo.FetchIsolationLevel(r.src.client.isolation()),
		kgo.KeepControlRecords(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.WithHooks(r.health)}
	o = append(o, r.src.client.consumer...)
	cl, err := r.src.client.newClient(o...)
	if err != nil { // only for invalid options, which CreateSource checked
		panic(fmt.Sprintf("kafka source of table %s: %v", r.src.name, err))
	}
	r.cons = cl
}

// discover lists the partitions every discovery interval and hands the
// new ones this subtask owns to Poll.
func (r *reader) discover() {
	defer r.wg.Done()
	t := time.NewTicker(r.src.discovery)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
		}
		parts, err := listPartitions(r.ctx, r.admin, r.src.table, true)
		if err != nil {
			continue // the next round retries; outages are caught by health
		}
		var fresh []tp
		for _, p := range parts {
			if r.known[p] {
				continue
			}
			r.known[p] = true
			if owner(p.topic, p.partition, r.par) == r.subtask {
				fresh = append(fresh, p)
			}
		}
		ss, err := r.resolve(r.ctx, fresh, false)
		if err != nil {
			for _, p := range fresh {
				delete(r.known, p)
			}
			continue
		}
		if len(ss) == 0 {
			continue
		}
		select {
		case r.newSplt <- ss:
		case <-r.ctx.Done():
			return
		}
	}
}

func (r *reader) Poll() (*types.Batch, runtime.SourceStatus, error) {
	if r.newSplt != nil {
		select {
		case ss := <-r.newSplt:
			r.assign(ss)
		default:
		}
	}
	if err := r.health.check(r.src.outage, "properties.default.api.timeout.ms"); err != nil {
		return nil, 0, fmt.Errorf("kafka source of table %s (topics %s): %w", r.src.name, r.src.topicDesc(), err)
	}
	if r.cons == nil || r.allDone() {
		if r.src.Bounded() && r.allDone() {
			return nil, runtime.SourceEnd, nil
		}
		return nil, runtime.SourceIdle, nil
	}
	if len(r.queue) == 0 {
		fetches := r.cons.PollRecords(nil, types.DefaultBatchSize)
		if len(fetches) == 0 {
			return nil, runtime.SourceIdle, nil
		}
		for fi := range fetches {
			for ti := range fetches[fi].Topics {
				t := &fetches[fi].Topics[ti]
				for pi := range t.Partitions {
					p := &t.Partitions[pi]
					if p.Err != nil {
						if err := r.fetchErr(t.Topic, p); err != nil {
							return nil, 0, err
						}
						continue
					}
					r.queue = append(r.queue, fetchedPartition{topic: t.Topic, p: p})
				}
			}
		}
		if len(r.queue) == 0 {
			return nil, runtime.SourceMore, nil
		}
	}
	// One partition's records per batch.
	fp := r.queue[0]
	r.queue[0] = fetchedPartition{}
	r.queue = r.queue[1:]
	sp := r.splits[tp{fp.topic, fp.p.Partition}]
	if sp == nil || sp.done {
		return nil, runtime.SourceMore, nil
	}
	var b *types.Batch
	for _, rec := range fp.p.Records {
		if rec.Offset < sp.next {
			continue
		}
		if sp.stop >= 0 && rec.Offset >= sp.stop {
			break
		}
		sp.next = rec.Offset + 1
		if rec.Attrs.IsControl() {
			continue
		}
		if b == nil {
			b = types.NewBatch(r.colTypes, len(fp.p.Records))
		}
		if err := r.decode(b, rec); err != nil {
			return nil, 0, err
		}
	}
	if sp.stop >= 0 && sp.next >= sp.stop {
		sp.done = true
		r.open--
		r.cons.RemoveConsumePartitions(map[string][]int32{sp.topic: {sp.partition}})
	}
	if fp.p.HighWatermark >= 0 {
		sp.hw = fp.p.HighWatermark
		r.updatePending()
	}
	if b == nil || b.Len == 0 {
		return nil, runtime.SourceMore, nil
	}
	r.lastSplit = sp.id
	r.metrics.RecordsOut.Add(int64(b.Len))
	return b, runtime.SourceMore, nil
}

// updatePending sums, over the splits not done whose high watermark is
// known (done ones add 0), the records between the next offset and the high watermark (or
// the stopping offset of a bounded split, if lower).
func (r *reader) updatePending() {
	var n int64
	known := false
	for _, sp := range r.order {
		if sp.hw < 0 {
			continue
		}
		known = true
		if sp.done {
			continue
		}
		end := sp.hw
		if sp.stop >= 0 && sp.stop < end {
			end = sp.stop
		}
		if end > sp.next {
			n += end - sp.next
		}
	}
	if known {
		r.pending.Store(n)
	}
}

// PendingRecords implements runtime.PendingRecordsAware.
func (r *reader) PendingRecords() int64 { return r.pending.Load() }

// fetchErr turns a fetch error into the job's failure; informational
// ones (data loss reported by the client) are ignored.
func (r *reader) fetchErr(topic string, p *kgo.FetchPartition) error {
	var dl *kgo.ErrDataLoss
	if errors.As(p.Err, &dl) {
		return nil
	}
	if topic == "" || p.Partition < 0 {
		return fmt.Errorf("kafka source of table %s: fetch failed: %w", r.src.name, p.Err)
	}
	next := int64(-1)
	if sp := r.splits[tp{topic, p.Partition}]; sp != nil {
		next = sp.next
	}
	return fmt.Errorf("kafka source of table %s: cannot read topic %s partition %d at offset %d: %w; check the topic and the client's permissions",
		r.src.name, topic, p.Partition, next, p.Err)
}

func (r *reader) allDone() bool { return r.open == 0 }

// decode appends the rows of rec to b. A malformed record fails the job
// naming where it is, unless the format ignores parse errors (then it is
// skipped and counted).
func (r *reader) decode(b *types.Batch, rec *kgo.Record) error {
	err := r.decodeRows(b, rec)
	if err == nil {
		return nil
	}
	for _, v := range b.Cols {
		formats.TruncateVector(v, b.Len)
	}
	if b.Kinds != nil {
		b.Kinds = b.Kinds[:b.Len]
	}
	if err == formats.ErrNoRow {
		return nil
	}
	var pe *formats.ParseError
	if errors.As(err, &pe) {
		hint := ""
		if r.valDec.IgnoreParseErrors() || (r.keyDec != nil && r.keyDec.IgnoreParseErrors()) {
			r.metrics.ParseErrors.Add(1)
			return nil
		}
		if k := r.ignoreKey(); k != "" {
			hint = "; set '" + k + "' = 'true' to skip malformed records"
		}
		return fmt.Errorf("kafka source of table %s: malformed record in topic %s partition %d at offset %d: %w%s",
			r.src.name, rec.Topic, rec.Partition, rec.Offset, err, hint)
	}
	return fmt.Errorf("kafka source of table %s: cannot decode the record in topic %s partition %d at offset %d: %w",
		r.src.name, rec.Topic, rec.Partition, rec.Offset, err)
}

// ignoreKey is the table option that makes the value format skip
// malformed records, "" if it has none.
func (r *reader) ignoreKey() string {
	want := r.src.valueFormat.Identifier() + ".ignore-parse-errors"
	for _, k := range r.src.valueFormat.OptionKeys() {
		if k == want {
			return r.src.valuePrefix + want
		}
	}
	return ""
}

// decodeRows decodes the key and the value of rec into rows of b.
func (r *reader) decodeRows(b *types.Batch, rec *kgo.Record) error {
	if rec.Value == nil {
		if !r.src.upsert {
			return formats.ErrNoRow // a tombstone holds no row (as Flink's formats)
		}
		// Upsert tombstone: a delete of the key.
		r.bindKey(b, true)
		if err := r.decodeKey(rec.Key); err != nil {
			return err
		}
		for _, p := range r.valPos {
			if p >= 0 && b.Cols[p].Len == b.Len {
				b.Cols[p].AppendNull()
			}
		}
		r.finishRow(b, rec, types.Delete)
		return nil
	}
	r.bindValue(b)
	if r.changelog != nil {
		var err error
		r.kinds, err = r.changelog.DecodeChangelog(rec.Value, r.valOut, r.kinds[:0])
		if err != nil {
			return err
		}
		for _, k := range r.kinds {
			if err := r.decodeKey(rec.Key); err != nil {
				return err
			}
			r.finishRow(b, rec, k)
		}
		return nil
	}
	if err := r.valDec.Decode(rec.Value, r.valOut); err != nil {
		return err
	}
	if err := r.decodeKey(rec.Key); err != nil {
		return err
	}
	r.finishRow(b, rec, types.Insert)
	return nil
}

// bindValue points the value decoder at the batch columns.
func (r *reader) bindValue(b *types.Batch) {
	for i, p := range r.valPos {
		r.valOut[i] = nil
		if p >= 0 {
			r.valOut[i] = b.Cols[p]
		}
	}
	r.bindKey(b, false)
}

// bindKey points the key decoder at the key columns it fills: those not
// read from the value, or all of them for a tombstone.
func (r *reader) bindKey(b *types.Batch, all bool) {
	for i, p := range r.keyPos {
		r.keyOut[i] = nil
		if p >= 0 && (all || r.keyOnly[i]) {
			r.keyOut[i] = b.Cols[p]
		}
	}
}

// decodeKey decodes key into the bound key columns (see bindKey).
func (r *reader) decodeKey(key []byte) error {
	if r.keyDec == nil {
		return nil
	}
	need := false
	for _, v := range r.keyOut {
		need = need || v != nil
	}
	if !need {
		return nil
	}
	if key == nil {
		for _, v := range r.keyOut {
			if v != nil {
				v.AppendNull()
			}
		}
		return nil
	}
	return r.keyDec.Decode(key, r.keyOut)
}

// finishRow appends the metadata and the row kind of one decoded row.
func (r *reader) finishRow(b *types.Batch, rec *kgo.Record, kind types.RowKind) {
	for _, m := range r.meta {
		appendMeta(b.Cols[m.pos], m.kind, rec)
	}
	b.AppendKind(kind)
	b.Len++
}
