package kafka

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/flinkgo/engine/runtime"
)

// Source state layout (encoding/binary varints), format 1:
//
//	byte     0x01                   format version
//	uvarint  n                      partitions this subtask owned
//	n × {
//	  string   topic                uvarint length and bytes
//	  uvarint  partition
//	  varint   next                 next offset to read
//	  varint   stop                 bounded scan: offset to stop before; -1 unbounded
//	}
//
// On restore every subtask decodes the states of all old subtasks and keeps
// the partitions it owns at the new parallelism (see owner), so the union
// of the old states is redistributed.
const sourceStateV1 = 1

func (r *reader) SnapshotState(checkpointID int64) ([]byte, error) {
	b := make([]byte, 0, 16+len(r.order)*24)
	b = append(b, sourceStateV1)
	b = binary.AppendUvarint(b, uint64(len(r.order)))
	for _, s := range r.order {
		b = binary.AppendUvarint(b, uint64(len(s.topic)))
		b = append(b, s.topic...)
		b = binary.AppendUvarint(b, uint64(s.partition))
		b = binary.AppendVarint(b, s.next)
		b = binary.AppendVarint(b, s.stop)
	}
	if r.src.commitTo != "" && len(r.order) > 0 {
		offs := make([]split, len(r.order))
		for i, s := range r.order {
			offs[i] = *s
		}
		r.pendingCommits = append(r.pendingCommits, pendingCommit{checkpoint: checkpointID, offsets: offs})
		if len(r.pendingCommits) > 16 { // checkpoints that never complete
			r.pendingCommits = r.pendingCommits[len(r.pendingCommits)-16:]
		}
	}
	return b, nil
}

var errCorrupt = errors.New("corrupt state")

func decodeSourceState(st []byte) ([]split, error) {
	if len(st) == 0 {
		return nil, nil
	}
	if st[0] != sourceStateV1 {
		return nil, fmt.Errorf("unknown state format %d", st[0])
	}
	d := st[1:]
	uv := func() (uint64, bool) {
		v, k := binary.Uvarint(d)
		if k <= 0 {
			return 0, false
		}
		d = d[k:]
		return v, true
	}
	sv := func() (int64, bool) {
		v, k := binary.Varint(d)
		if k <= 0 {
			return 0, false
		}
		d = d[k:]
		return v, true
	}
	n, ok := uv()
	if !ok || n > uint64(len(d)) {
		return nil, errCorrupt
	}
	out := make([]split, 0, n)
	for i := uint64(0); i < n; i++ {
		l, ok := uv()
		if !ok || l > uint64(len(d)) {
			return nil, errCorrupt
		}
		topic := string(d[:l])
		d = d[l:]
		p, ok1 := uv()
		next, ok2 := sv()
		stop, ok3 := sv()
		if !ok1 || !ok2 || !ok3 || p > 1<<31-1 || next < 0 || stop < -1 {
			return nil, errCorrupt
		}
		out = append(out, split{tp: tp{topic, int32(p)}, next: next, stop: stop})
	}
	if len(d) != 0 {
		return nil, errCorrupt
	}
	return out, nil
}

// NotifyCheckpointComplete commits the offsets of checkpoint id to the
// consumer group (properties.group.id), for monitoring only: a restore
// reads the offsets from the checkpoint. The commit runs in the
// background; a failed one is retried by the next checkpoint.
func (r *reader) NotifyCheckpointComplete(id int64) error {
	n := 0
	var offs []split
	for n < len(r.pendingCommits) && r.pendingCommits[n].checkpoint <= id {
		offs = r.pendingCommits[n].offsets
		n++
	}
	if n == 0 {
		return nil
	}
	r.pendingCommits = append(r.pendingCommits[:0], r.pendingCommits[n:]...)
	if !r.committing.CompareAndSwap(false, true) {
		return nil // one commit at a time; a later checkpoint commits newer offsets
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer r.committing.Store(false)
		ctx, cancel := context.WithTimeout(r.ctx, 30*time.Second)
		defer cancel()
		_ = commitOffsets(ctx, r.admin, r.src.commitTo, offs)
	}()
	return nil
}

func (r *reader) Close() error {
	if r.cancel != nil {
		r.cancel()
	}
	r.wg.Wait()
	if r.cons != nil {
		r.cons.Close()
		r.cons = nil
	}
	if r.admin != nil {
		r.admin.Close()
		r.admin = nil
	}
	return nil
}

var _ runtime.SourceReader = (*reader)(nil)
