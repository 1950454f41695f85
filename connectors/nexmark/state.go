package nexmark

import (
	"encoding/binary"
	"fmt"
)

// State layout (encoding/binary varints), format 1:
//
//	byte     0x01            format version
//	uvarint  nseg            remaining segments
//	nseg × { uvarint next; uvarint stride; uvarint end }
//
// A finished reader writes nseg = 0. Event content is not stored: it is a
// function of the id and the table's options (see the package doc), so the
// options must be unchanged across a restore.
const stateFormat = 1

func encodeState(segs []segment) []byte {
	b := make([]byte, 0, 2+len(segs)*3*binary.MaxVarintLen64)
	b = append(b, stateFormat)
	b = binary.AppendUvarint(b, uint64(len(segs)))
	for _, s := range segs {
		b = binary.AppendUvarint(b, uint64(s.next))
		b = binary.AppendUvarint(b, uint64(s.stride))
		b = binary.AppendUvarint(b, uint64(s.end))
	}
	return b
}

func (s *source) stateErr(what string) error {
	return fmt.Errorf("nexmark source of table %s: cannot restore checkpoint state: %s", s.name, what)
}

// decodeState reads one reader's state.
func (s *source) decodeState(st []byte) ([]segment, error) {
	if len(st) == 0 || st[0] != stateFormat {
		return nil, s.stateErr("unknown state format")
	}
	d := st[1:]
	next := func() (int64, bool) {
		u, k := binary.Uvarint(d)
		if k <= 0 || u > 1<<63-1 {
			return 0, false
		}
		d = d[k:]
		return int64(u), true
	}
	n, ok := next()
	if !ok || n > int64(len(d)) {
		return nil, s.stateErr("corrupt state")
	}
	segs := make([]segment, 0, n)
	for i := int64(0); i < n; i++ {
		a, ok1 := next()
		b, ok2 := next()
		c, ok3 := next()
		if !ok1 || !ok2 || !ok3 || b < 1 {
			return nil, s.stateErr("corrupt state")
		}
		if c > s.limit {
			return nil, s.stateErr(fmt.Sprintf("it ends at event %d, beyond this table's %d events", c, s.limit))
		}
		if a < c {
			segs = append(segs, segment{next: a, stride: b, end: c})
		}
	}
	if len(d) != 0 {
		return nil, s.stateErr("corrupt state")
	}
	return segs, nil
}

// restore returns subtask sub's share (out of par) of the remaining ids of
// every old subtask: each old segment split into par interleaved segments,
// of which sub takes the sub-th.
func (s *source) restore(states [][]byte, sub, par int) ([]segment, error) {
	var out []segment
	for _, st := range states {
		if st == nil {
			continue
		}
		segs, err := s.decodeState(st)
		if err != nil {
			return nil, err
		}
		for _, g := range segs {
			stride := g.stride * int64(par)
			if stride/int64(par) != g.stride {
				return nil, s.stateErr("the segment stride overflows")
			}
			first := g.next + int64(sub)*g.stride
			if first >= g.end || first < g.next {
				continue
			}
			out = append(out, segment{next: first, stride: stride, end: g.end})
		}
	}
	return out, nil
}
