package operators

import (
	"bytes"
	"cmp"
	"slices"
)

// windowTimers indexes the pending window (or session) ends of a windowed
// operator: for each end, the keys (key group and encoded key) that have
// state for it. It lives in memory only; operators rebuild it from their
// keyed state in Open. Used by one task goroutine.
type windowTimers struct {
	pending []int64 // distinct ends (µs), ascending; few are open at a time
	byEnd   map[int64]*windowKeys
	free    []*windowKeys
	// keyOrder fires an end's keys in the order of the Pebble backend's
	// data keys (key group, key length, key), so that the reads of their
	// state walk the database's blocks in order (block cache hits, no
	// random I/O) instead of jumping across it in arrival order.
	keyOrder bool
	order    []int32
	starts   []int32
}

// windowKeys are the keys of one pending end.
type windowKeys struct {
	kgs   []int32
	ends  []int32 // end of each key in arena
	arena []byte
}

// schedule records that the state of (kg, key) is due at end.
func (t *windowTimers) schedule(end int64, kg int, key []byte) {
	if t.byEnd == nil {
		t.byEnd = map[int64]*windowKeys{}
	}
	wk := t.byEnd[end]
	if wk == nil {
		if n := len(t.free); n > 0 {
			wk, t.free = t.free[n-1], t.free[:n-1]
		} else {
			wk = &windowKeys{}
		}
		t.byEnd[end] = wk
		i, _ := slices.BinarySearch(t.pending, end)
		t.pending = slices.Insert(t.pending, i, end)
	}
	wk.kgs = append(wk.kgs, int32(kg))
	wk.arena = append(wk.arena, key...)
	wk.ends = append(wk.ends, int32(len(wk.arena)))
}

// fireDue calls fire for the keys of every end that has fired at watermark
// wm (ms), earliest end first, removing them from the index.
func (t *windowTimers) fireDue(wm int64, fire func(kg int, key []byte) error) error {
	for len(t.pending) > 0 && fired(t.pending[0], wm) {
		end := t.pending[0]
		t.pending = t.pending[1:]
		wk := t.byEnd[end]
		delete(t.byEnd, end)
		if t.keyOrder && len(wk.kgs) > 1 {
			if err := t.fireSorted(wk, fire); err != nil {
				return err
			}
		} else {
			start := int32(0)
			for i, kg := range wk.kgs {
				if err := fire(int(kg), wk.arena[start:wk.ends[i]]); err != nil {
					return err
				}
				start = wk.ends[i]
			}
		}
		wk.kgs, wk.ends, wk.arena = wk.kgs[:0], wk.ends[:0], wk.arena[:0]
		t.free = append(t.free, wk)
	}
	return nil
}

// fireSorted fires the keys of wk in data key order (keyOrder).
func (t *windowTimers) fireSorted(wk *windowKeys, fire func(kg int, key []byte) error) error {
	t.order, t.starts = t.order[:0], t.starts[:0]
	start := int32(0)
	for i := range wk.kgs {
		t.order = append(t.order, int32(i))
		t.starts = append(t.starts, start)
		start = wk.ends[i]
	}
	key := func(i int32) []byte { return wk.arena[t.starts[i]:wk.ends[i]] }
	slices.SortFunc(t.order, func(a, b int32) int {
		if c := cmp.Compare(wk.kgs[a], wk.kgs[b]); c != 0 {
			return c
		}
		ka, kb := key(a), key(b)
		if c := cmp.Compare(len(ka), len(kb)); c != 0 {
			return c
		}
		return bytes.Compare(ka, kb)
	})
	for _, i := range t.order {
		if err := fire(int(wk.kgs[i]), key(i)); err != nil {
			return err
		}
	}
	return nil
}
