package state

import "encoding/binary"

// A list state's elements for one key live in one byte slice, the
// container's list: records [uvarint write time][uvarint length][value]
// (the snapshot file's encoding of a list element) from head on, n of them,
// in write order. Elements are only ever appended, dropped at the front
// (head moves) or the list is replaced: a copy-on-write clone shares the
// array and appends beyond the length the snapshot saw (heap.go).

// listRec decodes the element at p of list: its write time, value and the
// offset of the next element.
func listRec(list []byte, p int) (ts int64, v []byte, next int) {
	t, n := binary.Uvarint(list[p:])
	p += n
	vl, n := uvarintAt(list, p)
	p += n
	return int64(t), list[p : p+vl : p+vl], p + vl
}

// appendElem appends an element written at ts. When the array is full it
// moves the live elements (from head on) into a new one, with a quarter to
// spare; the old array is left as it was (a snapshot may read it).
func (c *container) appendElem(ts int64, v []byte) {
	need := uvarintLen(uint64(ts)) + bytesLen(len(v))
	if len(c.list)+need > cap(c.list) {
		live := len(c.list) - c.head + need
		list := make([]byte, len(c.list)-c.head, live+live/4+16)
		copy(list, c.list[c.head:])
		c.list, c.head = list, 0
	}
	c.list = binary.AppendUvarint(c.list, uint64(ts))
	c.list = appendBytes(c.list, v)
	c.n++
}

// dropExpired drops the expired elements at the front of the list (they
// are in write order) and reports how many it dropped.
func (c *container) dropExpired(ttl, now int64) int {
	if ttl == 0 {
		return 0
	}
	dropped := 0
	for c.n > 0 {
		ts, _, next := listRec(c.list, c.head)
		if !expired(ts, ttl, now) {
			break
		}
		c.head = next
		c.n--
		dropped++
	}
	if c.n == 0 {
		c.list, c.head = nil, 0
	}
	return dropped
}

// listExpired reports whether any element of the list has (want true) or
// has not (want false) expired.
func (c *container) listExpired(ttl, now int64, want bool) bool {
	for p := c.head; p < len(c.list); {
		ts, _, next := listRec(c.list, p)
		if expired(ts, ttl, now) == want {
			return true
		}
		p = next
	}
	return false
}

// liveList counts the list's elements that have not expired.
func (c *container) liveList(ttl, now int64) int {
	if ttl == 0 {
		return c.n
	}
	n := 0
	for p := c.head; p < len(c.list); {
		ts, _, next := listRec(c.list, p)
		if !expired(ts, ttl, now) {
			n++
		}
		p = next
	}
	return n
}
