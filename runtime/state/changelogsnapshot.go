package state

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"sync"
	"sync/atomic"
)

// Snapshots, completion and restore of the changelog backend (changelog.go
// describes the scheme and the segment format).

const (
	changelogMagic   = "FGCL"
	changelogVersion = 1
)

// SavepointSnapshotter is implemented by backends whose savepoints differ
// from their checkpoints (the changelog backend): the runtime calls
// SnapshotSavepoint instead of Snapshot for a savepoint's barrier.
type SavepointSnapshotter interface {
	SnapshotSavepoint(checkpointID int64) (Pending, error)
}

type clPendingKind uint8

const (
	clLog         clPendingKind = iota + 1 // segments on the confirmed lineage
	clMaterialize                          // a new base
)

// clPending is a Pending of the changelog backend.
type clPending struct {
	b      *ChangelogBackend
	id     int64
	kind   clPendingKind
	inner  Pending  // clMaterialize
	base   lineage  // clLog: the lineage the new segment extends
	view   [][]byte // clLog: the log bytes [base.logEnd, logEnd)
	logEnd int64
	now    int64    // clock at the synchronous phase
	result *lineage // set (under b.mu) by a successful Write
	once   sync.Once
}

var segmentSeq atomic.Uint64

// changelogMaterializeFactor: a checkpoint materializes once the log since
// the base is this many times the base. A replay then reads at most about
// that much log; a state that keeps growing is materialized in total about
// (1+f)/f times its final size over its life, besides its log.
const changelogMaterializeFactor = 3

// Snapshot implements KeyedBackend; see changelog.go for when it
// materializes.
func (b *ChangelogBackend) Snapshot(checkpointID int64) (Pending, error) {
	return b.snapshot(checkpointID, false)
}

// SnapshotSavepoint implements SavepointSnapshotter: a savepoint is the
// wrapped backend's own snapshot (self-contained, native or canonical).
func (b *ChangelogBackend) SnapshotSavepoint(checkpointID int64) (Pending, error) {
	return b.snapshot(checkpointID, true)
}

func (b *ChangelogBackend) snapshot(id int64, savepoint bool) (Pending, error) {
	if b.replay != nil {
		b.replayLog()
	}
	if b.replayErr != nil {
		return nil, b.replayErr
	}
	for name := range b.deferred {
		return nil, fmt.Errorf("state: operator %s: the state %q restored from a changelog checkpoint was never registered (a reducing or aggregating state needs its function to be restored); a snapshot now would lose it", b.cfg.OperatorID, name)
	}
	if !b.logging || savepoint {
		return b.inner.Snapshot(id)
	}
	b.touched = true
	end := b.log.end
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.confirmed
	logSince := c.segBytes + (end - c.logEnd)
	now := b.now()
	if end-c.logEnd > b.opts.MaxLogBytes {
		// Checkpoints have not completed for a long while (storage down?):
		// stop holding the log for the old lineage; every checkpoint
		// materializes until one completes.
		b.needMaterialize = true
	}
	materialize := b.needMaterialize || b.materializing != 0 ||
		c.logEnd < b.log.first || // the log it would extend was dropped
		logSince > 0 && now-b.lastMaterialize >= b.opts.MaterializeInterval.Milliseconds() ||
		logSince >= max(b.opts.MinMaterializeBytes, changelogMaterializeFactor*c.baseSize)
	if !materialize {
		p := &clPending{b: b, id: id, kind: clLog, base: c.clone(), view: b.log.view(c.logEnd, end), logEnd: end, now: now}
		b.pendings[id] = p
		return p, nil
	}
	ip, err := b.inner.Snapshot(id)
	if err != nil {
		return nil, err
	}
	b.materializing = id
	b.lastMaterialize = now
	if b.needMaterialize {
		// No log-only checkpoint extends an older lineage until a
		// materialization completes: the log before this one is not needed.
		b.log.trim(end)
		b.logBytes.Store(b.log.held)
	}
	// A lineage based on this snapshot replays the log from here: state
	// declarations, key and time are logged again before the next change.
	b.epoch++
	b.keyLogged = false
	b.lastTime = 0
	p := &clPending{b: b, id: id, kind: clMaterialize, inner: ip, logEnd: end}
	b.pendings[id] = p
	return p, nil
}

func (l lineage) clone() lineage {
	l.base = append([]FileRef(nil), l.base...)
	l.segs = append([]FileRef(nil), l.segs...)
	return l
}

// Release implements Pending.
func (p *clPending) Release() {
	p.once.Do(func() {
		if p.inner != nil {
			p.inner.Release()
		}
		p.view = nil
		b := p.b
		b.mu.Lock()
		if p.result == nil && b.materializing == p.id {
			b.materializing = 0 // abandoned: it will never complete
		}
		b.mu.Unlock()
	})
}

// Write implements Pending.
func (p *clPending) Write(w SnapshotWriter) (Handle, error) {
	defer p.Release()
	if wantsCanonical(w) {
		// A canonical savepoint taken with Snapshot (the runtime uses
		// SnapshotSavepoint): only a materialization can write it.
		if p.kind != clMaterialize || p.inner == nil {
			return Handle{}, fmt.Errorf("state: operator %s: checkpoint %d: a canonical savepoint of the changelog backend must be taken with SnapshotSavepoint", p.b.cfg.OperatorID, p.id)
		}
		return p.inner.Write(w)
	}
	var lin lineage
	var err error
	if p.kind == clMaterialize {
		lin, err = p.writeBase(w)
	} else {
		lin, err = p.writeSegment(w)
	}
	if err != nil {
		return Handle{}, err
	}
	b := p.b
	b.mu.Lock()
	p.result = &lin
	b.mu.Unlock()
	start, end := b.inner.KeyGroupRange()
	files := make([]FileRef, 0, len(lin.base)+len(lin.segs))
	files = append(files, lin.base...)
	files = append(files, lin.segs...)
	return Handle{Backend: b.inner.Type(), CheckpointID: p.id, KeyGroupStart: start, KeyGroupEnd: end,
		Files: files, Changelog: true}, nil
}

// writeBase writes the wrapped backend's snapshot as the new base, every
// file in shared/ so later checkpoints may reference it.
func (p *clPending) writeBase(w SnapshotWriter) (lineage, error) {
	if p.inner == nil {
		return lineage{}, fmt.Errorf("state: snapshot %d was released before it was written", p.id)
	}
	h, err := p.inner.Write(&baseWriter{SnapshotWriter: w, prefix: fmt.Sprintf("%s-base-%d-", p.b.instance, p.id)})
	if err != nil {
		return lineage{}, err
	}
	lin := lineage{baseID: p.id, logEnd: p.logEnd}
	for _, f := range h.Files {
		if !f.Shared {
			f.Shared, f.BaseExclusive = true, true
		}
		lin.base = append(lin.base, f)
		lin.baseSize += f.Size
	}
	return lin, nil
}

// baseWriter stores a materialization: the files the wrapped backend
// writes as exclusive go to shared/ under unique names.
type baseWriter struct {
	SnapshotWriter
	prefix string
	n      atomic.Int64
}

func (w *baseWriter) WriteExclusive(data io.Reader) (string, int64, error) {
	return w.SnapshotWriter.WriteShared(fmt.Sprintf("%s%d", w.prefix, w.n.Add(1)), data)
}

// writeSegment uploads the log since the lineage's end as one segment,
// without the changes later ones in it make redundant (changelogcompact.go),
// and returns the lineage extended by it.
func (p *clPending) writeSegment(w SnapshotWriter) (lineage, error) {
	lin := p.base
	for _, f := range append(lin.base[:len(lin.base):len(lin.base)], lin.segs...) {
		if !w.SharedExists(sharedName(f.Ref)) {
			p.b.mu.Lock()
			p.b.needMaterialize = true
			p.b.mu.Unlock()
			return lineage{}, fmt.Errorf("state: operator %s: the changelog file %s of an earlier checkpoint is gone; checkpoint %d cannot reference it (the next checkpoint materializes the state anew)",
				p.b.cfg.OperatorID, f.Ref, p.id)
		}
	}
	if p.view == nil && p.logEnd > lin.logEnd {
		return lineage{}, fmt.Errorf("state: snapshot %d was released before it was written", p.id)
	}
	if p.logEnd > lin.logEnd {
		recs := p.view
		if compacted, dropped := compactView(p.view); dropped {
			recs = [][]byte{compacted}
		}
		rs := make([]io.Reader, 0, len(recs)+1)
		hdr := append([]byte(changelogMagic), changelogVersion)
		hdr = binary.AppendUvarint(hdr, uint64(max(p.now, 0)))
		rs = append(rs, bytes.NewReader(hdr))
		for _, v := range recs {
			rs = append(rs, bytes.NewReader(v))
		}
		cr := newChecksumReader(io.MultiReader(rs...))
		name := fmt.Sprintf("%s-log-%d-%d", p.b.instance, p.id, segmentSeq.Add(1))
		ref, size, err := w.WriteShared(name, cr)
		if err != nil {
			return lineage{}, fmt.Errorf("state: writing changelog segment of checkpoint %d: %w", p.id, err)
		}
		if size != cr.size {
			return lineage{}, fmt.Errorf("state: writing changelog segment of checkpoint %d: writer stored %d bytes of %d", p.id, size, cr.size)
		}
		lin.segs = append(lin.segs, FileRef{Ref: ref, Name: name, Size: size, CRC: cr.sum(), Shared: true, Segment: true})
		lin.segBytes += size
	}
	lin.logEnd = p.logEnd
	return lin, nil
}

func sharedName(ref string) string {
	if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		return ref[i+1:]
	}
	return ref
}

// NotifyCheckpointComplete implements KeyedBackend: the lineage of the
// completed checkpoint becomes the one later checkpoints extend, and the
// log before it is dropped.
func (b *ChangelogBackend) NotifyCheckpointComplete(checkpointID int64) {
	if !b.logging {
		b.inner.NotifyCheckpointComplete(checkpointID)
		return
	}
	b.mu.Lock()
	var forward int64
	trim := int64(-1)
	if p := b.pendings[checkpointID]; p != nil && p.result != nil {
		b.confirmed = *p.result
		trim = b.confirmed.logEnd
		forward = b.confirmed.baseID
		if p.kind == clMaterialize {
			b.needMaterialize = false
		}
	}
	for id := range b.pendings {
		if id <= checkpointID {
			delete(b.pendings, id)
		}
	}
	if b.materializing != 0 && b.materializing <= checkpointID {
		b.materializing = 0
	}
	b.mu.Unlock()
	if trim >= 0 {
		b.log.trim(trim)
		b.logBytes.Store(b.log.held)
	}
	if forward > 0 {
		b.inner.NotifyCheckpointComplete(forward)
	}
}

// restoredSegment is a downloaded changelog segment to replay.
type restoredSegment struct {
	ref    string
	time   int64  // clock when the checkpoint was taken
	data   []byte // the records (after magic and version)
	handle int    // which old subtask's handle it belongs to
}

// Restore implements KeyedBackend: bases go to the wrapped backend, the
// segments overlapping this backend's key groups are downloaded and checked
// now and replayed at the first state access.
func (b *ChangelogBackend) Restore(handles [][]byte, r SnapshotReader) error {
	if b.restored || b.touched {
		return fmt.Errorf("state: operator %s: Restore must be called once, before any state is registered or used", b.cfg.OperatorID)
	}
	b.restored = true
	start, end := b.inner.KeyGroupRange()
	bases := make([][]byte, 0, len(handles))
	type segJob struct {
		f      FileRef
		handle int
	}
	var jobs []segJob
	restoredAny := false
	for i, raw := range handles {
		if len(raw) == 0 {
			continue
		}
		restoredAny = true
		h, err := UnmarshalHandle(raw)
		if err != nil {
			return fmt.Errorf("state: operator %s: state of old subtask %d: %w", b.cfg.OperatorID, i, err)
		}
		if !h.Changelog {
			bases = append(bases, raw)
			continue
		}
		if h.Backend != b.inner.Type() {
			return errBackendSwitch(b.cfg.OperatorID, h.Backend, b.inner.Type(), r)
		}
		if !h.overlaps(start, end) {
			continue
		}
		base := Handle{Backend: h.Backend, CheckpointID: h.CheckpointID, KeyGroupStart: h.KeyGroupStart, KeyGroupEnd: h.KeyGroupEnd}
		for _, f := range h.Files {
			if f.Segment {
				jobs = append(jobs, segJob{f, i})
				continue
			}
			if f.BaseExclusive {
				f.Shared, f.BaseExclusive = false, false
			}
			base.Files = append(base.Files, f)
		}
		if len(base.Files) > 0 {
			bases = append(bases, MarshalHandle(base))
		}
	}
	if restoredAny {
		b.needMaterialize = true
	}
	if err := b.inner.Restore(bases, r); err != nil {
		return err
	}
	segs := make([]restoredSegment, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			data, at, err := readSegment(j.f, r)
			segs[i], errs[i] = restoredSegment{ref: j.f.Ref, data: data, time: at, handle: j.handle}, err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("state: operator %s: %w", b.cfg.OperatorID, err)
		}
	}
	for _, s := range segs {
		if err := checkSegment(s); err != nil {
			return fmt.Errorf("state: operator %s: %w", b.cfg.OperatorID, err)
		}
	}
	if len(segs) > 0 {
		b.replay = segs
	}
	for _, s := range segs {
		// The replay writes with the logged times; what had expired when
		// the checkpoint was taken must stay expired even on a machine
		// whose clock is behind.
		b.clockFloor = max(b.clockFloor, s.time)
	}
	return nil
}

// readSegment downloads a segment and checks its size, CRC and header; it
// returns the records and the time the checkpoint was taken.
func readSegment(f FileRef, r SnapshotReader) ([]byte, int64, error) {
	rc, err := r.Open(f.Ref)
	if err != nil {
		return nil, 0, fmt.Errorf("state: opening changelog segment %q: %w", f.Ref, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, f.Size+1))
	if err != nil {
		return nil, 0, fmt.Errorf("state: reading changelog segment %q: %w", f.Ref, err)
	}
	if int64(len(data)) != f.Size {
		return nil, 0, corruptf(f.Ref, "%d bytes, the checkpoint says %d", len(data), f.Size)
	}
	if c := crc32.Checksum(data, castagnoli); c != f.CRC {
		return nil, 0, corruptf(f.Ref, "CRC-32C %08x, the checkpoint says %08x", c, f.CRC)
	}
	if len(data) < 5 || string(data[:4]) != changelogMagic {
		return nil, 0, corruptf(f.Ref, "not a changelog segment")
	}
	if data[4] != changelogVersion {
		return nil, 0, corruptf(f.Ref, "changelog segment version %d not supported (this build reads %d)", data[4], changelogVersion)
	}
	at, n := binary.Uvarint(data[5:])
	if n <= 0 {
		return nil, 0, corruptf(f.Ref, "truncated changelog segment header")
	}
	return data[5+n:], int64(at), nil
}

// checkSegment parses every record of a segment without applying it, so a
// malformed one fails the restore (naming the file) instead of the first
// state access.
func checkSegment(s restoredSegment) error {
	return walkSegment(s.data, func(op byte, d *decoder) error {
		skipOperands(op, d)
		return nil
	}, s.ref)
}

// walkSegment calls fn for every record with the decoder positioned after
// the op byte; fn must consume the operands.
func walkSegment(data []byte, fn func(op byte, d *decoder) error, ref string) error {
	d := decoder{b: data}
	for len(d.b) > 0 && d.err == nil {
		op := d.byte()
		off := len(data) - len(d.b) - 1
		switch op {
		case 'S', 'K', 'T', 'u', 'c', 'a', 'l', 'L', 'p', 'r', 'R', 'm':
		default:
			return corruptf(ref, "unknown changelog record %q at record offset %d", op, off)
		}
		if err := fn(op, &d); err != nil {
			return err
		}
		if d.err != nil {
			return corruptf(ref, "truncated changelog record %q at record offset %d", op, off)
		}
	}
	if d.err != nil {
		return corruptf(ref, "%v", d.err)
	}
	return nil
}

func skipOperands(op byte, d *decoder) {
	switch op {
	case 'S':
		d.uvarint()
		d.byte()
		d.bytes()
	case 'K':
		d.uvarint()
		d.bytes()
	case 'T':
		d.uvarint()
	case 'c':
		d.uvarint()
	case 'u', 'a', 'r', 'm':
		d.uvarint()
		d.bytes()
	case 'p':
		d.uvarint()
		d.bytes()
		d.bytes()
	case 'l', 'L':
		d.uvarint()
		n := d.uvarint()
		for i := uint64(0); i < n && d.err == nil; i++ {
			d.bytes()
		}
	case 'R':
		d.uvarint()
		if d.byte() == 1 {
			d.bytes()
		}
		d.bytes()
	}
}

// replayLog applies the restored segments to the wrapped backend (with the
// registered handles, or states registered now for kinds that need no
// function). Nothing is logged: the first checkpoint materializes.
func (b *ChangelogBackend) replayLog() {
	segs := b.replay
	b.replay = nil
	b.replaying = true
	b.replayTime = b.now()
	defer func() { b.replaying = false }()
	start, end := b.inner.KeyGroupRange()
	var ids map[uint64]*clState
	handle := -1
	var inRange bool
	var vals [][]byte
	for _, seg := range segs {
		if seg.handle != handle {
			handle, ids, inRange = seg.handle, map[uint64]*clState{}, false
		}
		err := walkSegment(seg.data, func(op byte, d *decoder) error {
			switch op {
			case 'S':
				id, kind, name := d.uvarint(), Kind(d.byte()), string(d.bytes())
				if d.err != nil {
					return nil
				}
				s, err := b.replayState(name, kind)
				if err != nil {
					return err
				}
				ids[id] = s
				return nil
			case 'K':
				kg, key := int(d.uvarint()), d.bytes()
				inRange = d.err == nil && kg >= start && kg <= end
				if inRange {
					b.inner.SetCurrentKey(kg, key)
					b.replayKG, b.replayKey = kg, key
				}
				return nil
			case 'T':
				b.replayTime = int64(d.uvarint())
				return nil
			}
			id := d.uvarint()
			s := ids[id]
			if d.err == nil && s == nil {
				return corruptf(seg.ref, "change of undeclared state %d", id)
			}
			if !inRange || d.err != nil {
				skipRest(op, d)
				return nil
			}
			if s.id < 0 {
				b.deferChange(s, op, d)
				return nil
			}
			return b.apply(s, op, d, &vals)
		}, seg.ref)
		if err != nil {
			b.replayErr = fmt.Errorf("state: operator %s: replaying the changelog: %w", b.cfg.OperatorID, err)
			return
		}
	}
	if b.kg >= 0 {
		b.inner.SetCurrentKey(b.kg, b.key)
	}
}

// skipRest consumes the operands after the state id.
func skipRest(op byte, d *decoder) {
	switch op {
	case 'u', 'a', 'r', 'm':
		d.bytes()
	case 'p':
		d.bytes()
		d.bytes()
	case 'l', 'L':
		n := d.uvarint()
		for i := uint64(0); i < n && d.err == nil; i++ {
			d.bytes()
		}
	case 'R':
		if d.byte() == 1 {
			d.bytes()
		}
		d.bytes()
	}
}

// replayState finds the state a segment declares, registering value, list
// and map states the operator did not register (yet) so they are kept.
// Reducing and aggregating states need their functions: their changes wait
// (deferredChange) until the operator registers them.
func (b *ChangelogBackend) replayState(name string, kind Kind) (*clState, error) {
	s := b.states[name]
	if s != nil {
		if s.kind != kind {
			return nil, kindMismatch(b.cfg.OperatorID, name, s.kind, kind)
		}
		return s, nil
	}
	d := Descriptor{Name: name}
	var err error
	switch kind {
	case KindValue:
		_, err = b.RegisterValue(d)
	case KindList:
		_, err = b.RegisterList(d)
	case KindMap:
		_, err = b.RegisterMap(d)
	case KindReducing, KindAggregating:
		return &clState{id: -1, name: name, kind: kind}, nil
	default:
		return nil, fmt.Errorf("unknown state kind %d of state %q", kind, name)
	}
	if err != nil {
		return nil, err
	}
	return b.states[name], nil
}

// deferredChange is a replayed change of a reducing or aggregating state
// that was not registered yet.
type deferredChange struct {
	kg      int
	key     []byte
	time    int64
	op      byte
	operand []byte
}

// defer keeps a change of an unregistered reducing or aggregating state.
func (b *ChangelogBackend) deferChange(s *clState, op byte, d *decoder) {
	var v []byte
	if op != 'c' {
		v = append([]byte(nil), d.bytes()...)
	}
	if d.err != nil {
		return
	}
	if b.deferred == nil {
		b.deferred = map[string][]deferredChange{}
	}
	b.deferred[s.name] = append(b.deferred[s.name], deferredChange{kg: b.replayKG, key: append([]byte(nil), b.replayKey...), time: b.replayTime, op: op, operand: v})
}

// applyDeferred replays the waiting changes of s, just registered.
func (b *ChangelogBackend) applyDeferred(s *clState) error {
	cs := b.deferred[s.name]
	if cs == nil {
		return nil
	}
	delete(b.deferred, s.name)
	b.replaying = true
	defer func() { b.replaying = false }()
	for _, c := range cs {
		b.replayTime = c.time
		b.inner.SetCurrentKey(c.kg, c.key)
		var err error
		switch {
		case c.op == 'c' && s.kind == KindReducing:
			err = s.red.Clear()
		case c.op == 'c':
			err = s.agg.Clear()
		case c.op == 'a' && s.kind == KindReducing:
			err = s.red.Add(c.operand)
		case c.op == 'a':
			err = s.agg.Add(c.operand)
		case c.op == 'm' && s.kind == KindAggregating:
			err = s.agg.MergeAccumulator(c.operand)
		default:
			err = fmt.Errorf("change %q does not apply to the %s state %q", c.op, s.kind, s.name)
		}
		if err != nil {
			return fmt.Errorf("state: operator %s: replaying the changelog: %w", b.cfg.OperatorID, err)
		}
	}
	if b.kg >= 0 {
		b.inner.SetCurrentKey(b.kg, b.key)
	}
	return nil
}

// apply replays one change on the wrapped backend's state.
func (b *ChangelogBackend) apply(s *clState, op byte, d *decoder, vals *[][]byte) error {
	bad := func() error { return fmt.Errorf("change %q does not apply to the %s state %q", op, s.kind, s.name) }
	switch op {
	case 'c':
		switch s.kind {
		case KindValue:
			return s.value.Clear()
		case KindList:
			return s.list.Clear()
		case KindMap:
			return s.mp.Clear()
		case KindReducing:
			return s.red.Clear()
		case KindAggregating:
			return s.agg.Clear()
		}
	case 'u':
		v := d.bytes()
		if d.err != nil {
			return nil
		}
		if s.kind != KindValue {
			return bad()
		}
		return s.value.Update(v)
	case 'a':
		v := d.bytes()
		if d.err != nil {
			return nil
		}
		switch s.kind {
		case KindList:
			return s.list.Add(v)
		case KindReducing:
			return s.red.Add(v)
		case KindAggregating:
			return s.agg.Add(v)
		}
		return bad()
	case 'm':
		v := d.bytes()
		if d.err != nil {
			return nil
		}
		if s.kind != KindAggregating {
			return bad()
		}
		return s.agg.MergeAccumulator(v)
	case 'l', 'L':
		n := d.uvarint()
		vs := (*vals)[:0]
		for i := uint64(0); i < n && d.err == nil; i++ {
			vs = append(vs, d.bytes())
		}
		*vals = vs
		if s.kind != KindList {
			return bad()
		}
		if d.err != nil {
			return nil
		}
		if op == 'l' {
			return s.list.Update(vs)
		}
		return s.list.AddAll(vs)
	case 'p':
		k, v := d.bytes(), d.bytes()
		if d.err != nil {
			return nil
		}
		if s.kind != KindMap {
			return bad()
		}
		return s.mp.Put(k, v)
	case 'r':
		k := d.bytes()
		if d.err != nil {
			return nil
		}
		if s.kind != KindMap {
			return bad()
		}
		return s.mp.Remove(k)
	case 'R':
		var from []byte
		if d.byte() == 1 {
			from = d.bytes()
		}
		to := d.bytes()
		if d.err != nil {
			return nil
		}
		if s.kind != KindMap {
			return bad()
		}
		return s.mp.RemoveRange(from, to)
	}
	return bad()
}

// HasChangelogHandle reports whether any of the marshalled handles is a
// changelog backend's (a job without the changelog must still wrap its
// backend to restore it).
func HasChangelogHandle(handles [][]byte) bool {
	for _, raw := range handles {
		if len(raw) >= 3 && raw[0] == handleVersionFormat && raw[2] == formatChangelog {
			return true
		}
	}
	return false
}
