package datagen

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// State layout (encoding/binary varints), format 1:
//
//	byte     0x01                   format version (odd, see below)
//	uvarint  nseq                   number of sequence fields of the table
//	uvarint  nseg                   number of remaining segments
//	nseg × {
//	  varint   id                   row id of the segment's first row
//	  varint   n                    rows left in the segment, -1 unbounded
//	  nseq × uvarint pos            sequence position (0-based, relative to
//	                                fields.#.start) of the first row, per
//	                                sequence field in table order
//	}
//
// A finished subtask writes nseg = 0. Random values are not stored: they
// are a function of (datagen.seed, field index, row id), see generator.
//
// Legacy state (before format 1) was a single zig-zag varint holding the
// rows the subtask had emitted out of its initial share; its first byte is
// always even, so it is told apart from the odd format byte and still
// restored (relative to the initial share of that old subtask).
const stateFormat = 1

func encodeState(segs []segment, nseq int) []byte {
	b := make([]byte, 0, 4+len(segs)*(4+2*nseq))
	b = append(b, stateFormat)
	b = binary.AppendUvarint(b, uint64(nseq))
	b = binary.AppendUvarint(b, uint64(len(segs)))
	for _, s := range segs {
		b = binary.AppendVarint(b, s.id)
		b = binary.AppendVarint(b, s.n)
		for _, p := range s.pos {
			b = binary.AppendUvarint(b, uint64(p))
		}
	}
	return b
}

func (s *source) stateErr(what string) error {
	return fmt.Errorf("datagen source of table %s: cannot restore checkpoint state: %s", s.name, what)
}

// decodeState reads the state oldSub wrote at parallelism oldPar and
// returns its non-empty segments.
func (s *source) decodeState(st []byte, oldSub, oldPar int) ([]segment, error) {
	if len(st) == 0 {
		return nil, nil
	}
	if st[0]&1 == 0 { // legacy: rows emitted out of the initial share
		emitted, k := binary.Varint(st)
		if k != len(st) || emitted < 0 {
			return nil, s.stateErr("corrupt legacy state")
		}
		seg := s.initialSegment(oldSub, oldPar)
		if seg.n >= 0 && emitted > seg.n {
			return nil, s.stateErr("legacy state beyond the subtask's share")
		}
		seg.advance(emitted)
		if seg.n == 0 {
			return nil, nil
		}
		return []segment{seg}, nil
	}
	if st[0] != stateFormat {
		return nil, s.stateErr(fmt.Sprintf("unknown state format %d", st[0]))
	}
	d := st[1:]
	next := func(signed bool) (int64, bool) {
		var v int64
		var k int
		if signed {
			v, k = binary.Varint(d)
		} else {
			var u uint64
			u, k = binary.Uvarint(d)
			v = int64(u)
			if u > 1<<63-1 {
				k = -1
			}
		}
		if k <= 0 {
			return 0, false
		}
		d = d[k:]
		return v, true
	}
	nseq, ok1 := next(false)
	nseg, ok2 := next(false)
	if !ok1 || !ok2 {
		return nil, s.stateErr("corrupt state")
	}
	if nseq != int64(len(s.seqFields)) {
		return nil, s.stateErr(fmt.Sprintf("it has %d sequence fields, the table %d", nseq, len(s.seqFields)))
	}
	if nseg > int64(len(d)) {
		return nil, s.stateErr("corrupt state")
	}
	segs := make([]segment, 0, nseg)
	for i := int64(0); i < nseg; i++ {
		id, ok1 := next(true)
		n, ok2 := next(true)
		if !ok1 || !ok2 || n < -1 {
			return nil, s.stateErr("corrupt state")
		}
		seg := segment{id: id, n: n, pos: make([]int64, nseq)}
		for k := range seg.pos {
			p, ok := next(false)
			if !ok {
				return nil, s.stateErr("corrupt state")
			}
			seg.pos[k] = p
		}
		if err := s.checkSegment(&seg); err != nil {
			return nil, err
		}
		if seg.n != 0 {
			segs = append(segs, seg)
		}
	}
	if len(d) != 0 {
		return nil, s.stateErr("corrupt state")
	}
	return segs, nil
}

// checkSegment verifies that a restored segment fits the table's options.
func (s *source) checkSegment(seg *segment) error {
	if (seg.n < 0) == s.Bounded() {
		return s.stateErr("bounded and unbounded generation do not match")
	}
	if seg.n < 0 {
		return nil
	}
	for k, fi := range s.seqFields {
		if seg.pos[k] < 0 || seg.pos[k] > s.fields[fi].count()-seg.n {
			return s.stateErr(fmt.Sprintf("the sequence of field '%s' is shorter than recorded", s.fields[fi].name))
		}
	}
	if s.numberOfRows >= 0 && (seg.id < 0 || seg.id > s.numberOfRows-seg.n) {
		return s.stateErr("'number-of-rows' is smaller than recorded")
	}
	return nil
}

// restore takes subtask sub's share (out of par) of the union of the
// remaining segments of every old subtask.
func (r *reader) restore(states [][]byte, sub, par int) error {
	s := r.src
	var all []segment
	r.segs = nil
	for k, st := range states {
		segs, err := s.decodeState(st, k, len(states))
		if err != nil {
			return err
		}
		if !s.Bounded() && k == sub && len(segs) > 0 {
			// Nothing to split: continue the old stream of the same index.
			r.segs = segs[:1]
		}
		all = append(all, segs...)
	}
	if !s.Bounded() {
		if r.segs == nil { // no old stream of this index: a new one
			r.segs = []segment{s.initialSegment(r.subtask, r.par)}
		}
		return nil
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].id < all[j].id })
	total := int64(0)
	for _, g := range all {
		total += g.n
	}
	off, size := share(total, sub, par)
	for _, g := range all {
		if size == 0 {
			break
		}
		if off >= g.n {
			off -= g.n
			continue
		}
		g.advance(off)
		off = 0
		if g.n > size {
			g.n = size
		}
		size -= g.n
		r.segs = append(r.segs, g)
	}
	return nil
}

// restoreOwn continues this subtask's own state (same parallelism).
func (r *reader) restoreOwn(st []byte) error {
	segs, err := r.src.decodeState(st, r.subtask, r.par)
	if err != nil {
		return err
	}
	r.segs = segs
	if len(segs) == 0 && !r.src.Bounded() {
		r.segs = []segment{r.src.initialSegment(r.subtask, r.par)}
	}
	return nil
}
