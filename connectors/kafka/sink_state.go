package kafka

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// Sink state layout (encoding/binary varints), exactly-once only, format 1:
//
//	byte     0x01                   format version
//	string   prefix                 sink.transactional-id-prefix of the run
//	uvarint  subtask                the writer's subtask index
//	uvarint  k                      transactional-id subtask indexes this
//	k × {                           writer answers for (its own and those of
//	  uvarint  subtask              earlier, larger parallelisms it fenced),
//	  varint   counter              ascending: the next number to probe or use
//	  byte     used                 1 if the index ever held a transaction
//	}
//	uvarint  n                      pre-committed transactions, ascending
//	n × {
//	  varint   checkpoint
//	  string   transactional id
//	  varint   producer id
//	  varint   producer epoch
//	}
//
// A string is a uvarint length and the bytes. Without exactly-once the
// sink has no state.
const sinkStateV1 = 1

type sinkState struct {
	prefix  string
	subtask int
	known   map[int]txnIndex // subtask index → its transaction numbers
	pending []committable
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func encodeSinkState(s *sinkState) []byte {
	b := make([]byte, 0, 32+len(s.pending)*48)
	b = append(b, sinkStateV1)
	b = appendString(b, s.prefix)
	b = binary.AppendUvarint(b, uint64(s.subtask))
	subs := make([]int, 0, len(s.known))
	for k := range s.known {
		subs = append(subs, k)
	}
	sort.Ints(subs)
	b = binary.AppendUvarint(b, uint64(len(subs)))
	for _, k := range subs {
		b = binary.AppendUvarint(b, uint64(k))
		b = binary.AppendVarint(b, s.known[k].next)
		used := byte(0)
		if s.known[k].used {
			used = 1
		}
		b = append(b, used)
	}
	b = binary.AppendUvarint(b, uint64(len(s.pending)))
	for _, c := range s.pending {
		b = binary.AppendVarint(b, c.checkpoint)
		b = appendString(b, c.txnID)
		b = binary.AppendVarint(b, c.producerID)
		b = binary.AppendVarint(b, int64(c.epoch))
	}
	return b
}

// stateDecoder reads varints and strings, remembering the first error.
type stateDecoder struct {
	b   []byte
	err error
}

func (d *stateDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[k:]
	return v
}

func (d *stateDecoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, k := binary.Varint(d.b)
	if k <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[k:]
	return v
}

func (d *stateDecoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.err = errCorrupt
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *stateDecoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.err = errCorrupt
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func decodeSinkState(st []byte) (*sinkState, error) {
	if st[0] != sinkStateV1 {
		return nil, fmt.Errorf("unknown state format %d", st[0])
	}
	d := &stateDecoder{b: st[1:]}
	s := &sinkState{prefix: d.string(), subtask: int(d.uvarint()), known: map[int]txnIndex{}}
	k := d.uvarint()
	if k > uint64(len(d.b)) {
		d.err = errCorrupt
	}
	for i := uint64(0); i < k && d.err == nil; i++ {
		sub, c, used := d.uvarint(), d.varint(), d.byte()
		if sub > 1<<15 || c < 0 || used > 1 {
			d.err = errCorrupt
		}
		s.known[int(sub)] = txnIndex{next: c, used: used == 1}
	}
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = errCorrupt
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		c := committable{checkpoint: d.varint(), txnID: d.string(), producerID: d.varint()}
		e := d.varint()
		if e < -1 || e > 1<<15-1 {
			d.err = errCorrupt
		}
		c.epoch = int16(e)
		s.pending = append(s.pending, c)
	}
	if d.err == nil && (len(d.b) != 0 || s.subtask < 0) {
		d.err = errCorrupt
	}
	if d.err != nil {
		return nil, d.err
	}
	return s, nil
}
