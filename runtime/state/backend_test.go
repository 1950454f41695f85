package state

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// Behavioural tests, run against every backend.

func TestValueState(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		b := newTestBackend(t, k, 0, 1, nil)
		v, err := b.RegisterValue(Descriptor{Name: "v"})
		must(t, err)
		steps := []struct {
			key, op, arg string
			want         string
			wantOK       bool
		}{
			{"a", "get", "", "", false},
			{"a", "update", "1", "1", true},
			{"b", "get", "", "", false},
			{"b", "update", "", "", true}, // empty value exists
			{"a", "update", "22", "22", true},
			{"a", "clear", "", "", false},
			{"b", "get", "", "", true},
			{"b", "clear", "", "", false},
			{"a", "clear", "", "", false}, // clearing nothing
		}
		for i, s := range steps {
			setKey(b, s.key)
			switch s.op {
			case "update":
				must(t, v.Update([]byte(s.arg)))
			case "clear":
				must(t, v.Clear())
			}
			got, ok, err := v.Value()
			must(t, err)
			if ok != s.wantOK || string(got) != s.want {
				t.Fatalf("step %d (%s %s %q): Value = %q, %v; want %q, %v", i, s.key, s.op, s.arg, got, ok, s.want, s.wantOK)
			}
		}
	})
}

func TestValueStateCopiesInput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		b := newTestBackend(t, k, 0, 1, nil)
		v, err := b.RegisterValue(Descriptor{Name: "v"})
		must(t, err)
		buf := []byte("abc")
		key := []byte("k")
		b.SetCurrentKey(keyGroupOf(key, testMaxParallelism), key)
		must(t, v.Update(buf))
		buf[0] = 'X'
		key[0] = 'Z'
		setKey(b, "k")
		got, _, err := v.Value()
		must(t, err)
		if string(got) != "abc" {
			t.Fatalf("Value = %q after caller reused its buffer", got)
		}
	})
}

func listOf(t *testing.T, l ListState) []string {
	t.Helper()
	var out []string
	must(t, l.Get(func(v []byte) bool {
		out = append(out, string(v))
		return true
	}))
	return out
}

func TestListState(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		b := newTestBackend(t, k, 0, 1, nil)
		l, err := b.RegisterList(Descriptor{Name: "l"})
		must(t, err)
		bs := func(s ...string) [][]byte {
			var out [][]byte
			for _, x := range s {
				out = append(out, []byte(x))
			}
			return out
		}
		steps := []struct {
			key  string
			op   func() error
			want []string
		}{
			{"a", func() error { return nil }, nil},
			{"a", func() error { return l.Add([]byte("x")) }, []string{"x"}},
			{"a", func() error { return l.Add([]byte("y")) }, []string{"x", "y"}},
			{"b", func() error { return l.AddAll(bs("p", "q")) }, []string{"p", "q"}},
			{"a", func() error { return l.AddAll(bs("z", "")) }, []string{"x", "y", "z", ""}},
			{"a", func() error { return l.AddAll(nil) }, []string{"x", "y", "z", ""}},
			{"a", func() error { return l.Update(bs("u")) }, []string{"u"}},
			{"a", func() error { return l.Add([]byte("v")) }, []string{"u", "v"}},
			{"b", func() error { return l.Update(nil) }, nil},
			{"a", func() error { return l.Clear() }, nil},
			{"a", func() error { return l.Add([]byte("again")) }, []string{"again"}},
		}
		for i, s := range steps {
			setKey(b, s.key)
			must(t, s.op())
			if got := listOf(t, l); fmt.Sprint(got) != fmt.Sprint(s.want) {
				t.Fatalf("step %d: list %s = %q, want %q", i, s.key, got, s.want)
			}
		}
		// Early stop.
		setKey(b, "a")
		must(t, l.AddAll(bs("2", "3")))
		n := 0
		must(t, l.Get(func([]byte) bool { n++; return false }))
		if n != 1 {
			t.Fatalf("Get visited %d elements after returning false", n)
		}
	})
}

func mapOf(t *testing.T, m MapState) map[string]string {
	t.Helper()
	out := map[string]string{}
	must(t, m.Iterate(func(k, v []byte) bool {
		out[string(k)] = string(v)
		return true
	}))
	return out
}

func TestMapState(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		b := newTestBackend(t, k, 0, 1, nil)
		m, err := b.RegisterMap(Descriptor{Name: "m"})
		must(t, err)
		check := func(step string, want map[string]string) {
			t.Helper()
			if got := mapOf(t, m); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s: map = %v, want %v", step, got, want)
			}
			empty, err := m.IsEmpty()
			must(t, err)
			if empty != (len(want) == 0) {
				t.Fatalf("%s: IsEmpty = %v with %v", step, empty, want)
			}
			for k, v := range want {
				got, ok, err := m.Get([]byte(k))
				must(t, err)
				if !ok || string(got) != v {
					t.Fatalf("%s: Get(%q) = %q, %v", step, k, got, ok)
				}
				c, err := m.Contains([]byte(k))
				must(t, err)
				if !c {
					t.Fatalf("%s: Contains(%q) = false", step, k)
				}
			}
		}
		setKey(b, "a")
		check("empty", map[string]string{})
		must(t, m.Put([]byte("x"), []byte("1")))
		must(t, m.Put([]byte("y"), []byte("2")))
		must(t, m.Put([]byte(""), []byte("empty key")))
		check("put", map[string]string{"x": "1", "y": "2", "": "empty key"})
		// Keys that are prefixes of one another stay apart.
		setKey(b, "ab")
		must(t, m.Put([]byte("x"), []byte("other")))
		setKey(b, "a")
		must(t, m.Put([]byte("x"), []byte("3")))
		must(t, m.Remove([]byte("y")))
		must(t, m.Remove([]byte("missing")))
		check("overwrite/remove", map[string]string{"x": "3", "": "empty key"})
		if ok, _ := m.Contains([]byte("y")); ok {
			t.Fatal("Contains(y) after Remove")
		}
		setKey(b, "ab")
		check("other key", map[string]string{"x": "other"})
		must(t, m.Clear())
		check("clear", map[string]string{})
		setKey(b, "a")
		check("after clearing other key", map[string]string{"x": "3", "": "empty key"})
		must(t, m.Remove([]byte("x")))
		must(t, m.Remove([]byte("")))
		check("removed all", map[string]string{})
	})
}

func le64(v int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }
func rd64(b []byte) int64 { return int64(binary.LittleEndian.Uint64(b)) }

func TestReducingAndAggregatingState(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		b := newTestBackend(t, k, 0, 1, nil)
		sum, err := b.RegisterReducing(Descriptor{Name: "sum"}, func(acc, v []byte) []byte { return le64(rd64(acc) + rd64(v)) })
		must(t, err)
		// avg: accumulator (sum, count), result sum/count.
		avg, err := b.RegisterAggregating(Descriptor{Name: "avg"}, AggregateFuncs{
			Add: func(acc, v []byte) []byte {
				if acc == nil {
					acc = make([]byte, 16)
				}
				return append(le64(rd64(acc[:8])+rd64(v)), le64(rd64(acc[8:])+1)...)
			},
			Merge: func(a, c []byte) []byte {
				return append(le64(rd64(a[:8])+rd64(c[:8])), le64(rd64(a[8:])+rd64(c[8:]))...)
			},
			Result: func(acc []byte) []byte { return le64(rd64(acc[:8]) / rd64(acc[8:])) },
		})
		must(t, err)
		for _, key := range []string{"a", "b"} {
			setKey(b, key)
			if _, ok, _ := sum.Get(); ok {
				t.Fatal("sum before Add")
			}
			if _, ok, _ := avg.Get(); ok {
				t.Fatal("avg before Add")
			}
		}
		setKey(b, "a")
		for _, v := range []int64{1, 2, 3, 10} {
			must(t, sum.Add(le64(v)))
			must(t, avg.Add(le64(v)))
		}
		setKey(b, "b")
		must(t, sum.Add(le64(100)))
		setKey(b, "a")
		got, ok, err := sum.Get()
		must(t, err)
		if !ok || rd64(got) != 16 {
			t.Fatalf("sum(a) = %d, %v", rd64(got), ok)
		}
		got, ok, err = avg.Get()
		must(t, err)
		if !ok || rd64(got) != 4 {
			t.Fatalf("avg(a) = %d, %v", rd64(got), ok)
		}
		must(t, avg.MergeAccumulator(append(le64(24), le64(2)...))) // (16+24)/(4+2)
		got, _, _ = avg.Get()
		if rd64(got) != 6 {
			t.Fatalf("avg after merge = %d", rd64(got))
		}
		must(t, sum.Clear())
		must(t, avg.Clear())
		if _, ok, _ := sum.Get(); ok {
			t.Fatal("sum after Clear")
		}
		if _, ok, _ := avg.Get(); ok {
			t.Fatal("avg after Clear")
		}
		setKey(b, "b")
		got, _, _ = sum.Get()
		if rd64(got) != 100 {
			t.Fatalf("sum(b) = %d", rd64(got))
		}
	})
}

func TestKeysIteration(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		b := newTestBackend(t, k, 0, 1, nil)
		st := registerTestStates(t, b)
		want := map[string]bool{}
		for i := 0; i < 300; i++ {
			key := fmt.Sprintf("k%d", i)
			setKey(b, key)
			must(t, st.v.Update([]byte("x")))
			if i%3 == 0 {
				must(t, st.m.Put([]byte("a"), nil))
				must(t, st.m.Put([]byte("b"), nil))
			}
			want[key] = true
		}
		var got []string
		lastKG := -1
		must(t, b.Keys("v", func(kg int, key []byte) bool {
			if kg < lastKG {
				t.Fatalf("key groups not ascending: %d after %d", kg, lastKG)
			}
			lastKG = kg
			got = append(got, string(key))
			return true
		}))
		if len(got) != len(want) {
			t.Fatalf("Keys(v) gave %d keys, want %d", len(got), len(want))
		}
		for _, k := range got {
			if !want[k] {
				t.Fatalf("Keys(v) gave unknown %q", k)
			}
		}
		// Map state: each key once even with several entries.
		n := 0
		must(t, b.Keys("m", func(int, []byte) bool { n++; return true }))
		if n != 100 {
			t.Fatalf("Keys(m) = %d keys, want 100", n)
		}
		// Early stop.
		n = 0
		must(t, b.Keys("v", func(int, []byte) bool { n++; return n < 5 }))
		if n != 5 {
			t.Fatalf("Keys stopped after %d, want 5", n)
		}
		// Clearing every key from inside the callback (timer cleanup).
		must(t, b.Keys("v", func(kg int, key []byte) bool {
			b.SetCurrentKey(kg, key)
			must(t, st.v.Clear())
			return true
		}))
		n = 0
		must(t, b.Keys("v", func(int, []byte) bool { n++; return true }))
		if n != 0 {
			t.Fatalf("%d keys left after clearing all", n)
		}
		if err := b.Keys("nope", func(int, []byte) bool { return true }); err == nil {
			t.Fatal("Keys of an unknown state succeeded")
		}
	})
}

func TestRegistrationErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		b := newTestBackend(t, k, 0, 1, nil)
		v1, err := b.RegisterValue(Descriptor{Name: "s"})
		must(t, err)
		if _, err := b.RegisterList(Descriptor{Name: "s"}); err == nil || !strings.Contains(err.Error(), "VALUE") {
			t.Fatalf("re-registering as list: %v", err)
		}
		v2, err := b.RegisterValue(Descriptor{Name: "s"})
		must(t, err)
		setKey(b, "x")
		must(t, v1.Update([]byte("1")))
		if got, _, _ := v2.Value(); string(got) != "1" {
			t.Fatal("second registration does not see the same state")
		}
		if _, err := b.RegisterValue(Descriptor{}); err == nil {
			t.Fatal("empty name accepted")
		}
		if _, err := b.RegisterReducing(Descriptor{Name: "r"}, nil); err == nil {
			t.Fatal("nil reduce accepted")
		}
		if _, err := b.RegisterAggregating(Descriptor{Name: "a"}, AggregateFuncs{}); err == nil {
			t.Fatal("empty AggregateFuncs accepted")
		}
		if err := b.Restore(nil, NewMemoryStore()); err == nil {
			t.Fatal("Restore after registration accepted")
		}
	})
}

func TestKeyGroupOutOfRange(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		b := newTestBackend(t, k, 1, 2, nil) // key groups 64..127
		v, err := b.RegisterValue(Descriptor{Name: "v"})
		must(t, err)
		if _, _, err := v.Value(); err == nil {
			t.Fatal("Value without a key succeeded")
		}
		b.SetCurrentKey(3, []byte("x"))
		err = v.Update([]byte("1"))
		if err == nil || !strings.Contains(err.Error(), "key group 3") {
			t.Fatalf("Update in foreign key group: %v", err)
		}
		b.SetCurrentKey(64, []byte("x"))
		must(t, v.Update([]byte("1")))
	})
}

func TestTTL(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		clock := &fakeClock{t: 1_000_000}
		b := newTestBackend(t, k, 0, 1, func(c *Config) {
			c.TTL = time.Minute
			c.Clock = clock.now
		})
		st := registerTestStates(t, b)
		forever, err := b.RegisterValue(Descriptor{Name: "forever", TTL: -1})
		must(t, err)
		short, err := b.RegisterValue(Descriptor{Name: "short", TTL: time.Second})
		must(t, err)
		red, err := b.RegisterReducing(Descriptor{Name: "r"}, func(acc, v []byte) []byte { return append(append([]byte{}, acc...), v...) })
		must(t, err)

		setKey(b, "a")
		must(t, st.v.Update([]byte("old")))
		must(t, st.l.Add([]byte("e1")))
		must(t, st.m.Put([]byte("m1"), []byte("x")))
		must(t, forever.Update([]byte("f")))
		must(t, short.Update([]byte("s")))
		must(t, red.Add([]byte("r1")))
		setKey(b, "b")
		must(t, st.v.Update([]byte("b-old")))

		clock.advance(2 * time.Second)
		setKey(b, "a")
		if _, ok, _ := short.Value(); ok {
			t.Fatal("1s-TTL value visible after 2s")
		}
		if v, ok, _ := st.v.Value(); !ok || string(v) != "old" {
			t.Fatal("1min-TTL value gone after 2s")
		}

		clock.advance(30 * time.Second) // t0+32s
		must(t, st.l.Add([]byte("e2")))
		must(t, st.m.Put([]byte("m2"), []byte("y")))
		must(t, red.Add([]byte("r2"))) // rewrites the accumulator: new write time
		setKey(b, "b")
		must(t, st.v.Update([]byte("b-new"))) // refreshes b

		clock.advance(40 * time.Second) // t0+72s: first writes expired
		setKey(b, "a")
		if _, ok, _ := st.v.Value(); ok {
			t.Fatal("expired value returned")
		}
		if got := listOf(t, st.l); fmt.Sprint(got) != "[e2]" {
			t.Fatalf("list = %q, want [e2]", got)
		}
		if got := mapOf(t, st.m); fmt.Sprint(got) != "map[m2:y]" {
			t.Fatalf("map = %v", got)
		}
		if _, ok, _ := st.m.Get([]byte("m1")); ok {
			t.Fatal("expired map entry returned")
		}
		if got, ok, _ := red.Get(); !ok || string(got) != "r1r2" {
			t.Fatalf("reducing = %q, %v", got, ok)
		}
		if v, ok, _ := forever.Value(); !ok || string(v) != "f" {
			t.Fatal("TTL-disabled state expired")
		}
		var keys []string
		must(t, b.Keys("v", func(_ int, key []byte) bool { keys = append(keys, string(key)); return true }))
		if fmt.Sprint(keys) != "[b]" {
			t.Fatalf("Keys(v) = %q, want [b]", keys)
		}

		// A snapshot drops expired entries; the restored state has none of
		// them, even once the clock is turned back.
		store := NewMemoryStore()
		p, err := b.Snapshot(1)
		must(t, err)
		hd, err := p.Write(store)
		must(t, err)
		clock.advance(-60 * time.Second)
		b2 := newTestBackend(t, k, 0, 1, func(c *Config) { c.TTL = time.Minute; c.Clock = clock.now })
		must(t, b2.Restore([][]byte{MarshalHandle(hd)}, store))
		st2 := registerTestStates(t, b2)
		setKey(b2, "a")
		if v, ok, _ := st2.v.Value(); ok {
			t.Fatalf("expired value %q came back from the snapshot", v)
		}
		if got := listOf(t, st2.l); fmt.Sprint(got) != "[e2]" {
			t.Fatalf("restored list = %q, want [e2]", got)
		}
		if got := mapOf(t, st2.m); fmt.Sprint(got) != "map[m2:y]" {
			t.Fatalf("restored map = %v", got)
		}
		setKey(b2, "b")
		if v, _, _ := st2.v.Value(); string(v) != "b-new" {
			t.Fatalf("restored b = %q", v)
		}

		// Everything expires eventually.
		clock.advance(10 * time.Minute)
		setKey(b2, "a")
		if n := len(listOf(t, st2.l)); n != 0 {
			t.Fatalf("%d list elements after expiry", n)
		}
		if empty, _ := st2.m.IsEmpty(); !empty {
			t.Fatal("map not empty after expiry")
		}
	})
}

func TestTTLSweepShrinksState(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		clock := &fakeClock{t: 1_000_000}
		b := newTestBackend(t, k, 0, 1, func(c *Config) { c.TTL = time.Minute; c.Clock = clock.now })
		st := registerTestStates(t, b)
		for i := 0; i < 2000; i++ {
			setKey(b, fmt.Sprint(i))
			must(t, st.v.Update(bytes.Repeat([]byte("x"), 100)))
		}
		clock.advance(2 * time.Minute)
		store := NewMemoryStore()
		p, err := b.Snapshot(1)
		must(t, err)
		_, err = p.Write(store)
		must(t, err)
		if k.typ == BackendHeap && !k.changelog { // the changelog holds its log until a checkpoint completes
			if s := b.SizeBytes(); s != 0 {
				t.Fatalf("heap size %d after sweeping everything", s)
			}
		}
		// Physically gone: iterating the raw key space finds nothing.
		n := 0
		must(t, b.Keys("v", func(int, []byte) bool { n++; return true }))
		if n != 0 {
			t.Fatalf("%d keys visible", n)
		}
		if pb, ok := b.(*PebbleBackend); ok {
			it, err := pb.db.NewIter(nil)
			must(t, err)
			raw := 0
			for ok := it.First(); ok; ok = it.Next() {
				if it.Key()[0] != 0xFF {
					raw++
				}
			}
			it.Close()
			if raw != 0 {
				t.Fatalf("%d expired entries still stored", raw)
			}
		}
	})
}

func TestSizeBytes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		b := newTestBackend(t, k, 0, 1, nil)
		st := registerTestStates(t, b)
		for i := 0; i < 5000; i++ {
			setKey(b, fmt.Sprint(i))
			must(t, st.v.Update(bytes.Repeat([]byte("x"), 200)))
		}
		if _, err := b.Snapshot(1); err != nil { // flushes Pebble's memtable
			t.Fatal(err)
		}
		if s := b.SizeBytes(); s < 5000*100 {
			t.Fatalf("SizeBytes = %d for ~1MB of state", s)
		}
	})
}

// sortedStrings is a helper for stable comparisons.
func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// TestMapStateRangeOps: IterateFrom skips the entries below its bound and
// RemoveRange removes exactly its range, for the current key only; the result
// survives a snapshot and a restore at another parallelism.
func TestMapStateRangeOps(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		b := newTestBackend(t, k, 0, 1, nil)
		m, err := b.RegisterMap(Descriptor{Name: "m"})
		must(t, err)
		keys := []string{"a", "ab", "b", "ba", "c"}
		for _, key := range []string{"k1", "k2"} {
			setKey(b, key)
			for _, mk := range keys {
				must(t, m.Put([]byte(mk), []byte(key+mk)))
			}
		}
		from := func(lo string) map[string]string {
			out := map[string]string{}
			must(t, m.IterateFrom([]byte(lo), func(k, v []byte) bool {
				out[string(k)] = string(v)
				return true
			}))
			return out
		}
		setKey(b, "k1")
		if got := fmt.Sprint(from("b")); got != "map[b:k1b ba:k1ba c:k1c]" {
			t.Fatalf("IterateFrom(b) = %s", got)
		}
		if got := fmt.Sprint(from("")); got != fmt.Sprint(mapOf(t, m)) {
			t.Fatalf("IterateFrom(\"\") = %s", got)
		}
		must(t, m.RemoveRange(nil, []byte("b")))
		if got := fmt.Sprint(mapOf(t, m)); got != "map[b:k1b ba:k1ba c:k1c]" {
			t.Fatalf("after RemoveRange(nil, b): %s", got)
		}
		must(t, m.Put([]byte("a"), []byte("again")))
		must(t, m.RemoveRange([]byte("b"), []byte("c")))
		if got := fmt.Sprint(mapOf(t, m)); got != "map[a:again c:k1c]" {
			t.Fatalf("after RemoveRange(b, c): %s", got)
		}
		must(t, m.RemoveRange([]byte("a"), []byte("b")))
		setKey(b, "k2")
		if got := len(mapOf(t, m)); got != len(keys) {
			t.Fatalf("the other key lost entries: %d left", got)
		}
		store := NewMemoryStore()
		h := snapshotTo(t, b, 1, store)
		for sub := range 2 {
			r := newTestBackend(t, k, sub, 2, nil)
			must(t, r.Restore([][]byte{h}, store))
			rm, err := r.RegisterMap(Descriptor{Name: "m"})
			must(t, err)
			want := map[string]string{"k1": "map[c:k1c]", "k2": "map[a:k2a ab:k2ab b:k2b ba:k2ba c:k2c]"}
			for key, w := range want {
				if !owns(r, key) {
					continue
				}
				setKey(r, key)
				if got := fmt.Sprint(mapOf(t, rm)); got != w {
					t.Fatalf("restored at parallelism 2, %s: %s, want %s", key, got, w)
				}
			}
		}
	})
}
