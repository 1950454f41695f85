package state

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// TestHeapSlabCopyOnWrite drives few keys through many updates of varying
// length (in-place overwrites, appends, compactions of the slab) while
// snapshots are pending and being written concurrently: every snapshot
// restores to the state of its synchronous phase, and the live state stays
// right. Run with -race: the writer reads the slab the task appends to.
func TestHeapSlabCopyOnWrite(t *testing.T) {
	b := newTestBackend(t, backendKind{"heap", BackendHeap, false}, 0, 1, nil)
	st := registerTestStates(t, b)
	m := newModel()
	r := rand.New(rand.NewPCG(1, 2))
	store := NewMemoryStore()
	val := func() []byte { return bytes.Repeat([]byte{byte('a' + r.IntN(26))}, r.IntN(60)) }
	type result struct {
		want *model
		h    []byte
	}
	var (
		mu      sync.Mutex
		results []result
		wg      sync.WaitGroup
		starts  []chan struct{}
	)
	for op := 0; op < 40000; op++ {
		key := fmt.Sprint("k", r.IntN(16))
		setKey(b, key)
		switch x := r.IntN(100); {
		case x < 45:
			v := val()
			if x < 10 {
				old, _, err := st.v.Value()
				must(t, err)
				v = append(v[:0:0], old...) // the same length: in place
				if len(v) > 0 {
					v[0]++
				}
			}
			must(t, st.v.Update(v))
			m.v[key] = string(v)
		case x < 47:
			must(t, st.v.Clear())
			delete(m.v, key)
		case x < 85:
			mk, v := fmt.Sprint("m", r.IntN(8)), val()
			must(t, st.m.Put([]byte(mk), v))
			if m.m[key] == nil {
				m.m[key] = map[string]string{}
			}
			m.m[key][mk] = string(v)
		case x < 92:
			mk := fmt.Sprint("m", r.IntN(8))
			must(t, st.m.Remove([]byte(mk)))
			if m.m[key] != nil {
				delete(m.m[key], mk)
				if len(m.m[key]) == 0 {
					delete(m.m, key)
				}
			}
		case x < 93:
			must(t, st.m.RemoveRange([]byte("m2"), []byte("m5")))
			for mk := range m.m[key] {
				if mk >= "m2" && mk < "m5" {
					delete(m.m[key], mk)
				}
			}
			if m.m[key] != nil && len(m.m[key]) == 0 {
				delete(m.m, key)
			}
		case x < 98:
			v := val()
			must(t, st.l.Add(v))
			m.l[key] = append(m.l[key], string(v))
		case x < 99:
			vs := [][]byte{val(), val()}
			must(t, st.l.Update(vs))
			m.l[key] = []string{string(vs[0]), string(vs[1])}
		default:
			must(t, st.l.Clear())
			delete(m.l, key)
		}
		if op%1000 == 999 {
			p, err := b.Snapshot(int64(op))
			must(t, err)
			want := m.clone()
			start := make(chan struct{})
			starts = append(starts, start)
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				h, err := p.Write(store)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				results = append(results, result{want, MarshalHandle(h)})
				mu.Unlock()
			}()
		}
		// Start each write a while after its snapshot: up to three pending.
		if op%1000 == 500 && len(starts) > 0 && len(starts)%4 != 0 {
			close(starts[0])
			starts = starts[1:]
		} else if len(starts) > 3 {
			close(starts[0])
			starts = starts[1:]
		}
	}
	for _, s := range starts {
		close(s)
	}
	wg.Wait()
	if d := diffModels(m, dump(t, b, st)); d != "" {
		t.Fatalf("live state: %s", d)
	}
	if len(results) != 40 {
		t.Fatalf("%d snapshots written", len(results))
	}
	for i, res := range results {
		b2 := newTestBackend(t, backendKind{"heap", BackendHeap, false}, 0, 1, nil)
		must(t, b2.Restore([][]byte{res.h}, store))
		st2 := registerTestStates(t, b2)
		if d := diffModels(res.want, dump(t, b2, st2)); d != "" {
			t.Fatalf("snapshot %d: %s", i, d)
		}
	}
	// Everything cleared: nothing is left accounted.
	for i := 0; i < 16; i++ {
		setKey(b, fmt.Sprint("k", i))
		must(t, st.v.Clear())
		must(t, st.l.Clear())
		must(t, st.m.Clear())
	}
	if s := b.SizeBytes(); s != 0 {
		t.Fatalf("SizeBytes %d with no state", s)
	}
}

// TestSlabTableCompaction: a table compacts its slab once more than half
// of it is dead, keeping every live record.
func TestSlabTableCompaction(t *testing.T) {
	var tb slabTable
	v := make([]byte, 100)
	keys := 50
	for round := 0; round < 200; round++ {
		for i := 0; i < keys; i++ {
			k := []byte(fmt.Sprint("key", i))
			v[0] = byte(round)
			// maxLive = generation: no record is mutable, every put appends.
			tb.put(uint64(round+2), uint64(round+1), keyHash(k), k, int64(round), v[:50+round%50])
		}
		if tb.dead > max(compactMin, len(tb.slab)/2)+200 {
			t.Fatalf("round %d: %d of %d slab bytes dead", round, tb.dead, len(tb.slab))
		}
	}
	if tb.n != keys {
		t.Fatalf("%d keys, want %d", tb.n, keys)
	}
	for i := 0; i < keys; i++ {
		k := []byte(fmt.Sprint("key", i))
		_, off, ok := tb.find(keyHash(k), k)
		if !ok {
			t.Fatalf("key %d lost", i)
		}
		if ts, got := tb.value(off); ts != 199 || len(got) != 50+199%50 || got[0] != 199 {
			t.Fatalf("key %d: ts %d, value of %d bytes starting %d", i, ts, len(got), got[0])
		}
	}
	for i := 0; i < keys; i++ {
		k := []byte(fmt.Sprint("key", i))
		slot, _, _ := tb.find(keyHash(k), k)
		tb.delete(slot)
		for j := i + 1; j < keys; j++ {
			k := []byte(fmt.Sprint("key", j))
			if _, _, ok := tb.find(keyHash(k), k); !ok {
				t.Fatalf("key %d lost after deleting %d", j, i)
			}
		}
	}
	if tb.n != 0 || tb.footprint() != 0 {
		t.Fatalf("%d keys, footprint %d after deleting all", tb.n, tb.footprint())
	}
}
