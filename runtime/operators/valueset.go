package operators

// valueSet is a multiset of ordered-encoded values (see appendOrdered):
// value → count. It backs MIN/MAX under retraction, FIRST_VALUE/LAST_VALUE
// under retraction and the DISTINCT filters of aggregate calls.
//
// Layout: idx maps an encoding to a slot; keys and counts are indexed by
// slot and freed slots are reused. Looking up or counting an existing value
// does not allocate; only a value new to the set allocates its string.
// Counts may go negative when retractions arrive for values never added;
// such entries are kept (so a later add cancels them) but are not values of
// the set (min/max skip them).
type valueSet struct {
	idx    map[string]int32
	keys   []string
	counts []int64
	free   []int32
	// total is the owner's running estimate of state bytes.
	total *int64
}

// entryOverhead approximates the bytes of one entry besides its string
// (map slot, string header, count, slot index).
const entryOverhead = 56

func newValueSet(total *int64) *valueSet {
	return &valueSet{idx: make(map[string]int32), total: total}
}

// add changes the count of enc by delta and returns the slot and the counts
// before and after. When the count reaches 0 the entry is removed (its slot
// is then no longer valid).
func (s *valueSet) add(enc []byte, delta int64) (slot int32, before, after int64) {
	slot, ok := s.idx[string(enc)]
	if !ok {
		slot = s.insert(string(enc))
	}
	return s.bump(slot, delta)
}

// addString is add for an encoding held as a string (restore path).
func (s *valueSet) addString(enc string, delta int64) (slot int32, before, after int64) {
	slot, ok := s.idx[enc]
	if !ok {
		slot = s.insert(enc)
	}
	return s.bump(slot, delta)
}

func (s *valueSet) insert(k string) int32 {
	var slot int32
	if n := len(s.free); n > 0 {
		slot = s.free[n-1]
		s.free = s.free[:n-1]
		s.keys[slot] = k
		s.counts[slot] = 0
	} else {
		slot = int32(len(s.keys))
		s.keys = append(s.keys, k)
		s.counts = append(s.counts, 0)
	}
	s.idx[k] = slot
	if s.total != nil {
		*s.total += int64(len(k)) + entryOverhead
	}
	return slot
}

func (s *valueSet) bump(slot int32, delta int64) (int32, int64, int64) {
	before := s.counts[slot]
	after := before + delta
	s.counts[slot] = after
	if after == 0 {
		k := s.keys[slot]
		delete(s.idx, k)
		if s.total != nil {
			*s.total -= int64(len(k)) + entryOverhead
		}
		s.keys[slot] = ""
		s.free = append(s.free, slot)
	}
	return slot, before, after
}

// count returns the count of enc.
func (s *valueSet) count(enc []byte) int64 {
	if slot, ok := s.idx[string(enc)]; ok {
		return s.counts[slot]
	}
	return 0
}

// extreme returns the smallest (max=false) or largest present value.
func (s *valueSet) extreme(max bool) (string, bool) {
	var best string
	found := false
	for slot, c := range s.counts {
		if c <= 0 {
			continue
		}
		k := s.keys[slot]
		if !found || (max && k > best) || (!max && k < best) {
			best, found = k, true
		}
	}
	return best, found
}

// release drops every entry (the owning group is removed).
func (s *valueSet) release() {
	if s.total != nil {
		for k := range s.idx {
			*s.total -= int64(len(k)) + entryOverhead
		}
	}
	s.idx, s.keys, s.counts, s.free = nil, nil, nil, nil
}

// encode writes: uvarint n, then n × (string encoding, varint count).
func (s *valueSet) encode(buf []byte) []byte {
	buf = appendUvarint(buf, uint64(len(s.idx)))
	for slot, c := range s.counts {
		if c == 0 {
			continue
		}
		buf = appendString(buf, s.keys[slot])
		buf = appendVarint(buf, c)
	}
	return buf
}

// decode adds the entries written by encode.
func (s *valueSet) decode(r *stateReader) {
	n := r.count()
	for i := 0; i < n && r.err == nil; i++ {
		k := r.string()
		c := r.varint()
		if r.err == nil && c != 0 {
			s.addString(k, c)
		}
	}
}
