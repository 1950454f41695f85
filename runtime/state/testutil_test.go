package state

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"os"
	"sort"
	"sync"
	"testing"
	"time"
)

// resetCounters forgets what was recorded (not the files).
func (m *MemoryStore) resetCounters() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.exclusive, m.shared, m.bytes = nil, nil, 0
}

// fakeClock is an injectable ms clock.
type fakeClock struct {
	mu sync.Mutex
	t  int64
}

func (c *fakeClock) now() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t += d.Milliseconds()
	c.mu.Unlock()
}

// keyGroupRange is runtime.KeyGroupRange (duplicated: runtime may import
// this package).
func keyGroupRange(subtask, maxParallelism, parallelism int) (int, int) {
	start := (subtask*maxParallelism + parallelism - 1) / parallelism
	end := ((subtask+1)*maxParallelism+parallelism-1)/parallelism - 1
	return start, end
}

func keyGroupOf(key []byte, maxParallelism int) int {
	h := fnv.New64a()
	h.Write(key)
	return int(h.Sum64() % uint64(maxParallelism))
}

// backendKind is a backend under test.
type backendKind struct {
	name string
	typ  BackendType
	// changelog wraps the backend in a ChangelogBackend that materializes
	// once its log passes materializeBytes.
	changelog bool
}

// changelogTestMaterialize is small enough that the behavioural tests see
// log-only checkpoints and materializations.
const changelogTestMaterialize = 64 << 10

var backendKinds = []backendKind{{"heap", BackendHeap, false}, {"pebble", BackendPebble, false},
	{"heap+changelog", BackendHeap, true}, {"pebble+changelog", BackendPebble, true}}

// forEachBackend runs a subtest per backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, k backendKind)) {
	for _, k := range backendKinds {
		t.Run(k.name, func(t *testing.T) { fn(t, k) })
	}
}

const testMaxParallelism = 128

// newTestBackend creates a backend of subtask/parallelism.
func newTestBackend(t testing.TB, k backendKind, subtask, parallelism int, mod func(*Config)) KeyedBackend {
	t.Helper()
	start, end := keyGroupRange(subtask, testMaxParallelism, parallelism)
	cfg := Config{
		OperatorID: "0123456789abcdef0123456789abcdef", Subtask: subtask, Parallelism: parallelism,
		MaxParallelism: testMaxParallelism, KeyGroupStart: start, KeyGroupEnd: end,
		Dir: t.TempDir(), Incremental: true,
	}
	if mod != nil {
		mod(&cfg)
	}
	var b KeyedBackend
	var err error
	if k.changelog {
		b, err = NewChangelogOver(k.typ, cfg, ChangelogOptions{MinMaterializeBytes: changelogTestMaterialize})
	} else {
		b, err = NewBackend(k.typ, cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// setKey selects key on b with its key group.
func setKey(b KeyedBackend, key string) {
	b.SetCurrentKey(keyGroupOf([]byte(key), testMaxParallelism), []byte(key))
}

// owns reports whether b's range holds key.
func owns(b KeyedBackend, key string) bool {
	s, e := b.KeyGroupRange()
	kg := keyGroupOf([]byte(key), testMaxParallelism)
	return kg >= s && kg <= e
}

// model is the expected content of the test states "v" (value), "l"
// (list) and "m" (map), by key.
type model struct {
	v map[string]string
	l map[string][]string
	m map[string]map[string]string
}

func newModel() *model {
	return &model{v: map[string]string{}, l: map[string][]string{}, m: map[string]map[string]string{}}
}

func (m *model) clone() *model {
	c := newModel()
	for k, v := range m.v {
		c.v[k] = v
	}
	for k, v := range m.l {
		c.l[k] = append([]string(nil), v...)
	}
	for k, v := range m.m {
		c.m[k] = map[string]string{}
		for kk, vv := range v {
			c.m[k][kk] = vv
		}
	}
	return c
}

// testStates registers "v", "l", "m" on b.
type testStates struct {
	v ValueState
	l ListState
	m MapState
}

func registerTestStates(t testing.TB, b KeyedBackend) testStates {
	t.Helper()
	v, err := b.RegisterValue(Descriptor{Name: "v"})
	must(t, err)
	l, err := b.RegisterList(Descriptor{Name: "l"})
	must(t, err)
	m, err := b.RegisterMap(Descriptor{Name: "m"})
	must(t, err)
	return testStates{v, l, m}
}

// dump reads the content of the test states of b through Keys.
func dump(t testing.TB, b KeyedBackend, st testStates) *model {
	t.Helper()
	out := newModel()
	var keys []string
	collect := func(name string) {
		keys = keys[:0]
		must(t, b.Keys(name, func(kg int, key []byte) bool {
			if kg != keyGroupOf(key, testMaxParallelism) {
				t.Errorf("Keys(%s): key %q reported in key group %d", name, key, kg)
			}
			keys = append(keys, string(key))
			return true
		}))
		sort.Strings(keys)
	}
	collect("v")
	for _, k := range keys {
		setKey(b, k)
		v, ok, err := st.v.Value()
		must(t, err)
		if !ok {
			t.Errorf("Keys(v) reported %q but Value has none", k)
		}
		out.v[k] = string(v)
	}
	collect("l")
	for _, k := range keys {
		setKey(b, k)
		must(t, st.l.Get(func(v []byte) bool {
			out.l[k] = append(out.l[k], string(v))
			return true
		}))
	}
	collect("m")
	for _, k := range keys {
		setKey(b, k)
		out.m[k] = map[string]string{}
		must(t, st.m.Iterate(func(mk, v []byte) bool {
			out.m[k][string(mk)] = string(v)
			return true
		}))
	}
	return out
}

// diffModels describes the first differences between want and got.
func diffModels(want, got *model) string {
	var out []string
	add := func(format string, args ...any) {
		if len(out) < 10 {
			out = append(out, fmt.Sprintf(format, args...))
		}
	}
	for k, v := range want.v {
		if g, ok := got.v[k]; !ok || g != v {
			add("v[%q] = %q (present %v), want %q", k, g, ok, v)
		}
	}
	for k := range got.v {
		if _, ok := want.v[k]; !ok {
			add("v[%q] unexpected", k)
		}
	}
	for k, v := range want.l {
		if fmt.Sprint(got.l[k]) != fmt.Sprint(v) {
			add("l[%q] = %q, want %q", k, got.l[k], v)
		}
	}
	for k := range got.l {
		if _, ok := want.l[k]; !ok {
			add("l[%q] unexpected", k)
		}
	}
	for k, v := range want.m {
		if fmt.Sprint(got.m[k]) != fmt.Sprint(v) {
			add("m[%q] = %v, want %v", k, got.m[k], v)
		}
	}
	for k := range got.m {
		if _, ok := want.m[k]; !ok {
			add("m[%q] unexpected", k)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return fmt.Sprintf("%d+ differences:\n  %s", len(out), joinLines(out))
}

func joinLines(s []string) string {
	var b bytes.Buffer
	for i, l := range s {
		if i > 0 {
			b.WriteString("\n  ")
		}
		b.WriteString(l)
	}
	return b.String()
}

// apply performs one random-ish operation i on b and the model.
func apply(t testing.TB, b KeyedBackend, st testStates, m *model, i int) {
	t.Helper()
	key := fmt.Sprintf("key-%d", (i*7919)%500)
	setKey(b, key)
	switch i % 7 {
	case 0, 1:
		v := fmt.Sprintf("val-%d", i)
		must(t, st.v.Update([]byte(v)))
		m.v[key] = v
	case 2:
		must(t, st.v.Clear())
		delete(m.v, key)
	case 3:
		e := fmt.Sprintf("e%d", i)
		must(t, st.l.Add([]byte(e)))
		m.l[key] = append(m.l[key], e)
	case 4:
		if i%3 == 0 {
			must(t, st.l.Clear())
			delete(m.l, key)
		} else {
			mk, v := fmt.Sprintf("mk%d", i%13), fmt.Sprintf("mv%d", i)
			must(t, st.m.Put([]byte(mk), []byte(v)))
			if m.m[key] == nil {
				m.m[key] = map[string]string{}
			}
			m.m[key][mk] = v
		}
	case 5:
		mk := fmt.Sprintf("mk%d", i%13)
		must(t, st.m.Remove([]byte(mk)))
		if m.m[key] != nil {
			delete(m.m[key], mk)
			if len(m.m[key]) == 0 {
				delete(m.m, key)
			}
		}
	case 6:
		if i%5 == 0 {
			must(t, st.m.Clear())
			delete(m.m, key)
		} else {
			vs := [][]byte{[]byte(fmt.Sprintf("u%d", i)), []byte(fmt.Sprintf("w%d", i))}
			must(t, st.l.Update(vs))
			m.l[key] = []string{string(vs[0]), string(vs[1])}
		}
	}
}

func readDirNames(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out, nil
}
