package operators

import "slices"

// windowTimers indexes the pending window (or session) ends of a windowed
// operator: for each end, the keys (key group and encoded key) that have
// state for it. It lives in memory only; operators rebuild it from their
// keyed state in Open. Used by one task goroutine.
type windowTimers struct {
	pending []int64 // distinct ends (µs), ascending; few are open at a time
	byEnd   map[int64]*windowKeys
	free    []*windowKeys
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
		start := int32(0)
		for i, kg := range wk.kgs {
			if err := fire(int(kg), wk.arena[start:wk.ends[i]]); err != nil {
				return err
			}
			start = wk.ends[i]
		}
		wk.kgs, wk.ends, wk.arena = wk.kgs[:0], wk.ends[:0], wk.arena[:0]
		t.free = append(t.free, wk)
	}
	return nil
}
