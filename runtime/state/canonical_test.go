package state

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// canonicalStore is a MemoryStore that asks for canonical snapshots, as
// the checkpoint layer does for a CANONICAL savepoint.
type canonicalStore struct{ *MemoryStore }

func (canonicalStore) CanonicalSnapshot() bool { return true }

// locatedStore names its location, as the checkpoint layer's reader does.
type locatedStore struct{ *MemoryStore }

func (locatedStore) Location() string { return "file:/tmp/savepoints/chk-7" }

// allStates are the test states of every kind: "v", "l", "m" (see
// model), reducing "r" (concatenation), aggregating "a" (decimal sum) and
// value "t" with a TTL of one hour.
type allStates struct {
	testStates
	r ReducingState
	a AggregatingState
	t ValueState
}

func registerAll(t testing.TB, b KeyedBackend) allStates {
	t.Helper()
	st := allStates{testStates: registerTestStates(t, b)}
	var err error
	st.r, err = b.RegisterReducing(Descriptor{Name: "r"}, func(acc, v []byte) []byte {
		return append(append(append([]byte(nil), acc...), '+'), v...)
	})
	must(t, err)
	sum := func(a, b []byte) []byte {
		x, _ := strconv.Atoi(string(a))
		y, _ := strconv.Atoi(string(b))
		return []byte(strconv.Itoa(x + y))
	}
	st.a, err = b.RegisterAggregating(Descriptor{Name: "a"}, AggregateFuncs{Add: sum, Merge: sum, Result: func(acc []byte) []byte { return acc }})
	must(t, err)
	st.t, err = b.RegisterValue(Descriptor{Name: "t", TTL: time.Hour})
	must(t, err)
	return st
}

// fullModel adds the reducing, aggregating and TTL states to model.
type fullModel struct {
	*model
	r, a, t map[string]string
	tAt     map[string]int64 // write time of t's entries
}

func newFullModel() *fullModel {
	return &fullModel{model: newModel(), r: map[string]string{}, a: map[string]string{}, t: map[string]string{}, tAt: map[string]int64{}}
}

// at is the model as seen at time now: t's entries older than an hour are
// gone.
func (m *fullModel) at(now int64) *fullModel {
	c := *m
	c.t = map[string]string{}
	for k, v := range m.t {
		if now-m.tAt[k] < time.Hour.Milliseconds() {
			c.t[k] = v
		}
	}
	return &c
}

// fillAll writes operations [from, to) over the subtasks of bs (each key to the
// subtask owning it); the TTL state "t" gets keys written at the clock's
// current time.
func fillAll(t testing.TB, bs []KeyedBackend, sts []allStates, m *fullModel, from, to int, now int64) {
	for i := from; i < to; i++ {
		key := fmt.Sprintf("key-%d", (i*7919)%500)
		for j, b := range bs {
			if !owns(b, key) {
				continue
			}
			apply(t, b, sts[j].testStates, m.model, i)
			setKey(b, key)
			switch i % 5 {
			case 0:
				must(t, sts[j].r.Add([]byte(strconv.Itoa(i))))
				if old, ok := m.r[key]; ok {
					m.r[key] = old + "+" + strconv.Itoa(i)
				} else {
					m.r[key] = strconv.Itoa(i)
				}
			case 1:
				must(t, sts[j].a.Add([]byte(strconv.Itoa(i))))
				x, _ := strconv.Atoi(m.a[key])
				m.a[key] = strconv.Itoa(x + i)
			case 2:
				if i >= 1500 && i%10 != 2 {
					break // odd keys keep their first write time
				}
				v := "t" + strconv.Itoa(i)
				must(t, sts[j].t.Update([]byte(v)))
				m.t[key] = v
				m.tAt[key] = now
			}
		}
	}
}

// check compares the content of the restored subtasks with want.
func check(t *testing.T, bs []KeyedBackend, sts []allStates, want *fullModel) {
	t.Helper()
	got := newFullModel()
	for j, b := range bs {
		d := dump(t, b, sts[j].testStates)
		for k, v := range d.v {
			got.v[k] = v
		}
		for k, v := range d.l {
			got.l[k] = v
		}
		for k, v := range d.m {
			got.m[k] = v
		}
		for name, out := range map[string]map[string]string{"r": got.r, "a": got.a, "t": got.t} {
			var keys []string
			must(t, b.Keys(name, func(_ int, key []byte) bool { keys = append(keys, string(key)); return true }))
			for _, k := range keys {
				setKey(b, k)
				var v []byte
				var ok bool
				var err error
				switch name {
				case "r":
					v, ok, err = sts[j].r.Get()
				case "a":
					v, ok, err = sts[j].a.Get()
				default:
					v, ok, err = sts[j].t.Value()
				}
				must(t, err)
				if ok {
					out[k] = string(v)
				}
			}
		}
	}
	if d := diffModels(want.model, got.model); d != "" {
		t.Fatal(d)
	}
	for name, pair := range map[string][2]map[string]string{"r": {want.r, got.r}, "a": {want.a, got.a}, "t": {want.t, got.t}} {
		if fmt.Sprint(pair[0]) != fmt.Sprint(pair[1]) {
			t.Fatalf("state %s:\n got %v\nwant %v", name, pair[1], pair[0])
		}
	}
}

// TestCanonicalAcrossBackends takes canonical snapshots on one backend and
// restores them on the other (and the same) at another parallelism, with
// every state kind, and checks the content, including TTL write times.
// savepointSnapshot takes the synchronous phase of a savepoint, as the
// runtime does (SnapshotSavepoint where a backend has it).
func savepointSnapshot(b KeyedBackend, id int64) (Pending, error) {
	if sp, ok := b.(SavepointSnapshotter); ok {
		return sp.SnapshotSavepoint(id)
	}
	return b.Snapshot(id)
}

func TestCanonicalAcrossBackends(t *testing.T) {
	for _, from := range backendKinds {
		for _, to := range backendKinds {
			for _, par := range [][2]int{{1, 3}, {3, 2}} {
				t.Run(fmt.Sprintf("%s%d-%s%d", from.name, par[0], to.name, par[1]), func(t *testing.T) {
					clock := &fakeClock{t: 1_000_000}
					withClock := func(c *Config) { c.Clock = clock.now }
					var src []KeyedBackend
					var sst []allStates
					for i := 0; i < par[0]; i++ {
						b := newTestBackend(t, from, i, par[0], withClock)
						src = append(src, b)
						sst = append(sst, registerAll(t, b))
					}
					want := newFullModel()
					fillAll(t, src, sst, want, 0, 1500, clock.now())
					clock.advance(30 * time.Minute)
					fillAll(t, src, sst, want, 1500, 3000, clock.now())
					store := NewMemoryStore()
					var handles [][]byte
					for _, b := range src {
						p, err := savepointSnapshot(b, 5)
						must(t, err)
						h, err := p.Write(canonicalStore{store})
						must(t, err)
						if !h.Canonical || len(h.Files) != 1 || h.Files[0].Name != canonicalName {
							t.Fatalf("handle %+v is not canonical", h)
						}
						handles = append(handles, MarshalHandle(h))
					}
					restore := func() ([]KeyedBackend, []allStates) {
						var dst []KeyedBackend
						var dst2 []allStates
						for i := 0; i < par[1]; i++ {
							b := newTestBackend(t, to, i, par[1], withClock)
							must(t, b.Restore(handles, store))
							dst = append(dst, b)
							dst2 = append(dst2, registerAll(t, b))
						}
						return dst, dst2
					}
					dst, dsts := restore()
					check(t, dst, dsts, want.at(clock.now()))
					// The write times travelled: 45 minutes later the
					// entries written at the start are expired, those
					// written 30 minutes later are not; 50 more minutes
					// and all are gone.
					clock.advance(45 * time.Minute)
					dst, dsts = restore()
					if w := want.at(clock.now()); len(w.t) == 0 || len(w.t) == len(want.t) {
						t.Fatalf("the test expects some of %d TTL entries to expire, %d live", len(want.t), len(w.t))
					}
					check(t, dst, dsts, want.at(clock.now()))
					clock.advance(50 * time.Minute)
					dst, dsts = restore()
					check(t, dst, dsts, want.at(clock.now()))
					// A canonical snapshot of the restored state is
					// canonical again and restores the same.
					store2 := NewMemoryStore()
					handles = handles[:0]
					for _, b := range dst {
						p, err := savepointSnapshot(b, 6)
						must(t, err)
						h, err := p.Write(canonicalStore{store2})
						must(t, err)
						handles = append(handles, MarshalHandle(h))
					}
					store = store2
					back := newTestBackend(t, from, 0, 1, withClock)
					must(t, back.Restore(handles, store))
					check(t, []KeyedBackend{back}, []allStates{registerAll(t, back)}, want.at(clock.now()))
				})
			}
		}
	}
}

// TestCanonicalTTLExpiry: entries expired at snapshot time are not written,
// on either backend.
func TestCanonicalTTLExpiry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		clock := &fakeClock{t: 1_000_000}
		b := newTestBackend(t, k, 0, 1, func(c *Config) { c.Clock = clock.now })
		st := registerAll(t, b)
		for i := 0; i < 100; i++ {
			setKey(b, "k"+strconv.Itoa(i))
			must(t, st.t.Update([]byte("x")))
			must(t, st.v.Update([]byte("y")))
		}
		clock.advance(2 * time.Hour)
		store := NewMemoryStore()
		p, err := savepointSnapshot(b, 1)
		must(t, err)
		h, err := p.Write(canonicalStore{store})
		must(t, err)
		for _, to := range backendKinds {
			r := newTestBackend(t, to, 0, 1, func(c *Config) { c.Clock = func() int64 { return 0 } })
			must(t, r.Restore([][]byte{MarshalHandle(h)}, store))
			rs := registerAll(t, r)
			n := 0
			must(t, r.Keys("t", func(int, []byte) bool { n++; return true }))
			if n != 0 {
				t.Fatalf("%s: %d expired entries were written", to.name, n)
			}
			must(t, r.Keys("v", func(int, []byte) bool { n++; return true }))
			if n != 100 {
				t.Fatalf("%s: %d values, want 100", to.name, n)
			}
			_ = rs
		}
	})
}

// TestNativeAcrossBackendsFails: a native snapshot restored by the other
// backend fails with an error naming both backends, the location and the
// way out.
func TestNativeAcrossBackendsFails(t *testing.T) {
	for i, from := range backendKinds {
		to := backendKinds[i^1] // the other backend, same changelog setting
		t.Run(from.name+"-"+to.name, func(t *testing.T) {
			b := newTestBackend(t, from, 0, 1, nil)
			st := registerTestStates(t, b)
			m := newModel()
			for i := 0; i < 50; i++ {
				apply(t, b, st, m, i)
			}
			store := NewMemoryStore()
			h := snapshotTo(t, b, 7, store)
			r := newTestBackend(t, to, 0, 2, nil)
			err := r.Restore([][]byte{h}, locatedStore{store})
			var me *BackendMismatchError
			if !errors.As(err, &me) || me.Had != from.typ || me.Want != to.typ {
				t.Fatalf("err = %v, want a BackendMismatchError", err)
			}
			for _, s := range []string{"NATIVE " + from.typ.String() + " state, which the " + to.typ.String() + " state backend cannot read", "file:/tmp/savepoints/chk-7", "CANONICAL savepoint", "WITH SAVEPOINT"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
}

// TestCanonicalHandleRoundTrip: the format survives marshalling, and a
// native handle is still written as version 1.
func TestCanonicalHandleRoundTrip(t *testing.T) {
	h := Handle{Backend: BackendPebble, CheckpointID: 3, KeyGroupStart: 1, KeyGroupEnd: 9, Canonical: true,
		Files: []FileRef{{Ref: "chk/1", Name: canonicalName, Size: 10, CRC: 5}}}
	b := MarshalHandle(h)
	if b[0] != handleVersionFormat {
		t.Fatalf("canonical handle version %d", b[0])
	}
	got, err := UnmarshalHandle(b)
	must(t, err)
	if !got.Canonical || got.Backend != BackendPebble || len(got.Files) != 1 {
		t.Fatalf("got %+v", got)
	}
	h.Canonical = false
	if b := MarshalHandle(h); b[0] != handleVersion {
		t.Fatalf("native handle version %d", b[0])
	}
}
