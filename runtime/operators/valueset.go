package operators

import (
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/apd/v3"

	"github.com/flinkgo/engine/runtime/state"
	"github.com/flinkgo/engine/runtime/types"
)

// valueCounts is the multiset of one input column's values in the current
// group, kept in a keyed map state: ordered encoding (appendOrdered) →
// count (varint). One exists per column used by a DISTINCT call or by a
// MIN/MAX call over retracting input; all those calls share it (the
// multiset of all non-NULL values, whatever the calls' DISTINCT flags: a
// value is present while its count is positive, which is all MIN, MAX and
// the DISTINCT filter need). Counts may go negative when retractions arrive
// for values never added; such entries are kept (so a later add cancels
// them) but are not values of the set.
//
// apply records the effect of the current row (enc, before, after) for the
// calls that read it next.
type valueCounts struct {
	arg     int
	name    string
	m       state.MapState
	ordered bool // the backend iterates map keys in byte order (Pebble)

	changed       bool // the current row changed a count
	enc           []byte
	before, after int64
	cbuf          []byte
	tmp           apd.Decimal
}

// apply adds s × row i of arg.
func (vc *valueCounts) apply(arg *types.Vector, i int, s int8) error {
	vc.changed = false
	if s == 0 || nullAt(arg.Nulls, i) {
		return nil
	}
	enc, err := appendOrdered(vc.enc[:0], arg, i, &vc.tmp)
	if err != nil {
		return err
	}
	vc.enc = enc
	v, ok, err := vc.m.Get(enc)
	if err != nil {
		return err
	}
	var before int64
	if ok {
		var n int
		if before, n = binary.Varint(v); n <= 0 {
			return fmt.Errorf("%w: count in %s", errCorruptState, vc.name)
		}
	}
	after := before + int64(s)
	if after == 0 {
		err = vc.m.Remove(enc)
	} else {
		vc.cbuf = binary.AppendVarint(vc.cbuf[:0], after)
		err = vc.m.Put(enc, vc.cbuf)
	}
	vc.changed, vc.before, vc.after = true, before, after
	return err
}

// sign is the DISTINCT view of the current row: +1 when its value became
// present, -1 when its last occurrence went, else 0.
func (vc *valueCounts) sign() int8 {
	switch {
	case !vc.changed:
		return 0
	case vc.before <= 0 && vc.after > 0:
		return 1
	case vc.before > 0 && vc.after <= 0:
		return -1
	}
	return 0
}

// Operations orderStore.apply records for the current row.
const (
	opNone uint8 = iota
	opAdded
	opRemoved
)

// orderStore keeps the present values of one column in accumulation order
// for FIRST_VALUE/LAST_VALUE over retracting input, in two keyed map
// states:
//
//	order: seq (8 bytes big endian) → value encoding | next (8 bytes BE)
//	index: value encoding → head seq | tail seq (8 bytes BE each)
//
// Every accumulated value gets the next sequence number (next, kept in the
// group's "acc" value with the live entry count n). The entries of one
// value form a list from head to tail through next, so a retraction removes
// the value's earliest occurrence (as Flink does) and an accumulation
// appends, each in a constant number of state operations. Calls over the
// same column (and DISTINCT flag) share the store.
type orderStore struct {
	arg      int
	distinct int // index of the valueCounts gating the rows (DISTINCT), or -1
	name     string
	order    state.MapState
	index    state.MapState
	ordered  bool // the backend iterates map keys in byte order (Pebble)

	next uint64 // next sequence number (from 1)
	n    int64  // live entries

	op   uint8 // what the current row did (opNone, opAdded, opRemoved)
	seq  uint64
	enc  []byte
	vbuf []byte
	ibuf [16]byte
	kbuf [8]byte
	tmp  apd.Decimal
}

func (o *orderStore) reset() { o.next, o.n = 1, 0 }

// encode writes the store's part of "acc": uvarint next, uvarint n.
func (o *orderStore) encode(buf []byte) []byte {
	return appendUvarint(appendUvarint(buf, o.next), uint64(o.n))
}

func (o *orderStore) decode(r *stateReader) {
	o.next = r.uvarint()
	o.n = int64(r.uvarint())
}

func (o *orderStore) seqKey(seq uint64) []byte {
	binary.BigEndian.PutUint64(o.kbuf[:], seq)
	return o.kbuf[:]
}

func (o *orderStore) corrupt(what string) error {
	return fmt.Errorf("%w: %s in %s", errCorruptState, what, o.name)
}

// apply adds (s > 0) or retracts (s < 0) row i of arg.
func (o *orderStore) apply(arg *types.Vector, i int, s int8) error {
	o.op = opNone
	if s == 0 || nullAt(arg.Nulls, i) {
		return nil
	}
	enc, err := appendOrdered(o.enc[:0], arg, i, &o.tmp)
	if err != nil {
		return err
	}
	o.enc = enc
	if s > 0 {
		return o.add(enc)
	}
	return o.remove(enc)
}

func (o *orderStore) add(enc []byte) error {
	seq := o.next
	idx, ok, err := o.index.Get(enc)
	if err != nil {
		return err
	}
	head := seq
	if ok {
		if len(idx) != 16 {
			return o.corrupt("index entry")
		}
		head = binary.BigEndian.Uint64(idx)
		tail := binary.BigEndian.Uint64(idx[8:])
		// Link the old tail to the new entry. A missing tail expired
		// (state TTL): the value's list starts afresh.
		v, ok, err := o.order.Get(o.seqKey(tail))
		switch {
		case err != nil:
			return err
		case !ok:
			head = seq
		case len(v) < 8:
			return o.corrupt("order entry")
		default:
			o.vbuf = append(o.vbuf[:0], v...)
			binary.BigEndian.PutUint64(o.vbuf[len(o.vbuf)-8:], seq)
			if err := o.order.Put(o.seqKey(tail), o.vbuf); err != nil {
				return err
			}
		}
	}
	o.vbuf = binary.BigEndian.AppendUint64(append(o.vbuf[:0], enc...), 0)
	if err := o.order.Put(o.seqKey(seq), o.vbuf); err != nil {
		return err
	}
	binary.BigEndian.PutUint64(o.ibuf[:], head)
	binary.BigEndian.PutUint64(o.ibuf[8:], seq)
	if err := o.index.Put(enc, o.ibuf[:]); err != nil {
		return err
	}
	o.next++
	o.n++
	o.op, o.seq = opAdded, seq
	return nil
}

func (o *orderStore) remove(enc []byte) error {
	idx, ok, err := o.index.Get(enc)
	if err != nil || !ok {
		return err // !ok: retraction of a value never accumulated, ignored
	}
	if len(idx) != 16 {
		return o.corrupt("index entry")
	}
	head := binary.BigEndian.Uint64(idx)
	tail := binary.BigEndian.Uint64(idx[8:])
	if head == tail {
		err = o.index.Remove(enc)
	} else {
		var v []byte
		v, ok, err = o.order.Get(o.seqKey(head))
		switch {
		case err != nil:
			return err
		case !ok: // expired (state TTL): the value's list is lost
			return o.index.Remove(enc)
		case len(v) < 8:
			return o.corrupt("order entry")
		}
		binary.BigEndian.PutUint64(o.ibuf[:], binary.BigEndian.Uint64(v[len(v)-8:]))
		binary.BigEndian.PutUint64(o.ibuf[8:], tail)
		err = o.index.Put(enc, o.ibuf[:])
	}
	if err != nil {
		return err
	}
	if err := o.order.Remove(o.seqKey(head)); err != nil {
		return err
	}
	o.n--
	o.op, o.seq = opRemoved, head
	return nil
}
