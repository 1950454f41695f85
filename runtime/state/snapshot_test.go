package state

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

// snapshotTo runs both phases of a snapshot into store.
func snapshotTo(t testing.TB, b KeyedBackend, id int64, store *MemoryStore) []byte {
	t.Helper()
	p, err := b.Snapshot(id)
	must(t, err)
	h, err := p.Write(store)
	must(t, err)
	p.Release() // no-op after Write
	return MarshalHandle(h)
}

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		for _, incremental := range []bool{true, false} {
			t.Run(fmt.Sprintf("incremental=%v", incremental), func(t *testing.T) {
				b := newTestBackend(t, k, 0, 1, func(c *Config) { c.Incremental = incremental })
				st := registerTestStates(t, b)
				m := newModel()
				for i := 0; i < 3000; i++ {
					apply(t, b, st, m, i)
				}
				store := NewMemoryStore()
				h := snapshotTo(t, b, 1, store)
				b2 := newTestBackend(t, k, 0, 1, nil)
				must(t, b2.Restore([][]byte{h}, store))
				st2 := registerTestStates(t, b2)
				if d := diffModels(m, dump(t, b2, st2)); d != "" {
					t.Fatal(d)
				}
				// The restored backend keeps working and snapshots again.
				for i := 3000; i < 4000; i++ {
					apply(t, b2, st2, m, i)
				}
				h2 := snapshotTo(t, b2, 2, store)
				b3 := newTestBackend(t, k, 0, 1, nil)
				must(t, b3.Restore([][]byte{h2}, store))
				st3 := registerTestStates(t, b3)
				if d := diffModels(m, dump(t, b3, st3)); d != "" {
					t.Fatal(d)
				}
			})
		}
	})
}

// TestSnapshotWhileWriting: the snapshot holds exactly the state of the
// synchronous phase while the task goes on writing, also with the
// asynchronous phase running concurrently and several snapshots pending.
func TestSnapshotWhileWriting(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		b := newTestBackend(t, k, 0, 1, nil)
		st := registerTestStates(t, b)
		m := newModel()
		for i := 0; i < 2000; i++ {
			apply(t, b, st, m, i)
		}
		store := NewMemoryStore()
		type result struct {
			want *model
			h    []byte
		}
		var (
			mu      sync.Mutex
			results []result
			wg      sync.WaitGroup
		)
		op := 2000
		for id := int64(1); id <= 3; id++ {
			p, err := b.Snapshot(id)
			must(t, err)
			want := m.clone()
			start := make(chan struct{})
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
			// Write some before, while and after the upload runs.
			for i := 0; i < 700; i++ {
				if i == 100 {
					close(start)
				}
				apply(t, b, st, m, op)
				op++
			}
		}
		wg.Wait()
		if len(results) != 3 {
			t.Fatalf("%d snapshots written", len(results))
		}
		// The live state is the model, too.
		if d := diffModels(m, dump(t, b, st)); d != "" {
			t.Fatalf("live state: %s", d)
		}
		for i, r := range results {
			b2 := newTestBackend(t, k, 0, 1, nil)
			must(t, b2.Restore([][]byte{r.h}, store))
			st2 := registerTestStates(t, b2)
			if d := diffModels(r.want, dump(t, b2, st2)); d != "" {
				t.Fatalf("snapshot %d: %s", i, d)
			}
		}
	})
}

// TestReleasedSnapshot: a snapshot that is released is not written, and
// the backend goes on (heap: maps become writable in place again).
func TestReleasedSnapshot(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		b := newTestBackend(t, k, 0, 1, nil)
		st := registerTestStates(t, b)
		m := newModel()
		for i := 0; i < 500; i++ {
			apply(t, b, st, m, i)
		}
		p, err := b.Snapshot(1)
		must(t, err)
		p.Release()
		p.Release()
		if _, err := p.Write(NewMemoryStore()); err == nil {
			t.Fatal("Write after Release succeeded")
		}
		if hb, ok := b.(*HeapBackend); ok && hb.maxLive.Load() != 0 {
			t.Fatal("heap backend still pins a released snapshot")
		}
		for i := 500; i < 1000; i++ {
			apply(t, b, st, m, i)
		}
		if d := diffModels(m, dump(t, b, st)); d != "" {
			t.Fatal(d)
		}
	})
}

// rescale writes keys into oldP subtasks, snapshots them and restores the
// handles of all of them into newP subtasks.
func rescale(t *testing.T, k backendKind, oldP, newP int, seekable bool) {
	const nKeys = 3000
	store := NewMemoryStore()
	store.seekable = seekable
	var handles [][]byte
	want := newModel()
	for sub := 0; sub < oldP; sub++ {
		b := newTestBackend(t, k, sub, oldP, nil)
		st := registerTestStates(t, b)
		for i := 0; i < nKeys; i++ {
			key := fmt.Sprintf("key-%d", i)
			if !owns(b, key) {
				continue
			}
			setKey(b, key)
			must(t, st.v.Update([]byte("v"+key)))
			want.v[key] = "v" + key
			if i%2 == 0 {
				must(t, st.l.AddAll([][]byte{[]byte("a"), []byte(key)}))
				want.l[key] = []string{"a", key}
			}
			if i%3 == 0 {
				must(t, st.m.Put([]byte("x"), []byte(key)))
				want.m[key] = map[string]string{"x": key}
			}
		}
		handles = append(handles, snapshotTo(t, b, 7, store))
	}
	if len(want.v) != nKeys {
		t.Fatalf("wrote %d keys", len(want.v))
	}
	got := newModel()
	for sub := 0; sub < newP; sub++ {
		b := newTestBackend(t, k, sub, newP, nil)
		must(t, b.Restore(append([][]byte{nil}, handles...), store)) // nil entries are skipped
		st := registerTestStates(t, b)
		part := dump(t, b, st)
		for key, v := range part.v {
			if !owns(b, key) {
				t.Errorf("subtask %d/%d holds %q of another subtask", sub, newP, key)
			}
			if _, dup := got.v[key]; dup {
				t.Errorf("key %q restored twice", key)
			}
			got.v[key] = v
		}
		for key, v := range part.l {
			got.l[key] = v
		}
		for key, v := range part.m {
			got.m[key] = v
		}
		// Restored state keeps working: write and snapshot.
		setKey(b, "new")
		if owns(b, "new") {
			must(t, st.v.Update([]byte("n")))
		}
		snapshotTo(t, b, 8, store)
	}
	if d := diffModels(want, got); d != "" {
		t.Fatal(d)
	}
}

func TestRescale(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		for _, c := range []struct{ from, to int }{{1, 3}, {3, 2}, {2, 2}, {4, 1}} {
			for _, seekable := range []bool{false, true} {
				t.Run(fmt.Sprintf("%dto%d/seekable=%v", c.from, c.to, seekable), func(t *testing.T) {
					rescale(t, k, c.from, c.to, seekable)
				})
			}
		}
	})
}

func TestRestoreErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, k backendKind) {
		b := newTestBackend(t, k, 0, 1, nil)
		st := registerTestStates(t, b)
		m := newModel()
		for i := 0; i < 1000; i++ {
			apply(t, b, st, m, i)
		}
		store := NewMemoryStore()
		raw := snapshotTo(t, b, 1, store)
		h, err := UnmarshalHandle(raw)
		must(t, err)
		restore := func(s *MemoryStore, handles ...[]byte) error {
			return newTestBackend(t, k, 0, 1, nil).Restore(handles, s)
		}
		copyStore := func() *MemoryStore {
			c := NewMemoryStore()
			for n, d := range store.files {
				c.files[n] = append([]byte(nil), d...)
			}
			return c
		}
		for _, f := range h.Files {
			t.Run("corrupt "+f.Name, func(t *testing.T) {
				s := copyStore()
				d := s.files[f.Ref]
				d[len(d)/2] ^= 0x40
				err := restore(s, raw)
				if err == nil || !strings.Contains(err.Error(), f.Ref) || !errors.Is(err, errCorrupt) {
					t.Fatalf("corrupt %s: %v", f.Ref, err)
				}
			})
			t.Run("truncated "+f.Name, func(t *testing.T) {
				s := copyStore()
				s.files[f.Ref] = s.files[f.Ref][:len(s.files[f.Ref])-7]
				err := restore(s, raw)
				if err == nil || !strings.Contains(err.Error(), f.Ref) {
					t.Fatalf("truncated %s: %v", f.Ref, err)
				}
			})
			t.Run("missing "+f.Name, func(t *testing.T) {
				s := copyStore()
				delete(s.files, f.Ref)
				err := restore(s, raw)
				if err == nil || !strings.Contains(err.Error(), f.Ref) || !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("missing %s: %v", f.Ref, err)
				}
			})
		}
		if err := restore(store, raw[:len(raw)-3]); err == nil || !strings.Contains(err.Error(), "corrupt state handle") {
			t.Fatalf("truncated handle: %v", err)
		}
		other := BackendPebble
		if k.typ == BackendPebble {
			other = BackendHeap
		}
		h2 := h
		h2.Backend = other
		var mismatch *BackendMismatchError
		if err := restore(store, MarshalHandle(h2)); !errors.As(err, &mismatch) || !strings.Contains(err.Error(), "CANONICAL savepoint") {
			t.Fatalf("other backend's handle: %v", err)
		}
		must(t, restore(store, raw)) // the store itself is fine
	})
}

func TestHandleRoundTrip(t *testing.T) {
	cases := []Handle{
		{Backend: BackendHeap, CheckpointID: 1, KeyGroupStart: 0, KeyGroupEnd: 127},
		{Backend: BackendPebble, CheckpointID: -5, KeyGroupStart: 40, KeyGroupEnd: 80, Files: []FileRef{
			{Ref: "shared/a-000001.sst", Name: "a-000001.sst", Size: 1 << 40, CRC: 0xdeadbeef, Shared: true},
			{Ref: "chk-3/uuid", Name: "bundle", Size: 0, CRC: 1},
		}},
	}
	for _, h := range cases {
		raw := MarshalHandle(h)
		got, err := UnmarshalHandle(raw)
		must(t, err)
		if fmt.Sprint(got) != fmt.Sprint(h) {
			t.Fatalf("round trip: %+v, want %+v", got, h)
		}
		shared, err := SharedFiles(raw)
		must(t, err)
		var want []string
		for _, f := range h.Files {
			if f.Shared {
				want = append(want, f.Ref)
			}
		}
		if fmt.Sprint(shared) != fmt.Sprint(want) {
			t.Fatalf("SharedFiles = %v, want %v", shared, want)
		}
		for i := 0; i < len(raw); i++ {
			if _, err := UnmarshalHandle(raw[:i]); err == nil {
				t.Fatalf("truncated handle of %d/%d bytes accepted", i, len(raw))
			}
		}
	}
	if _, err := UnmarshalHandle([]byte{9, 1}); err == nil || !strings.Contains(err.Error(), "version 9") {
		t.Fatalf("future version: %v", err)
	}
	if files, err := SharedFiles(nil); err != nil || files != nil {
		t.Fatalf("SharedFiles(nil) = %v, %v", files, err)
	}
}

func TestParseBackendType(t *testing.T) {
	for _, c := range []struct {
		in   string
		want BackendType
		err  bool
	}{
		{"", BackendHeap, false}, {"hashmap", BackendHeap, false}, {"HashMap", BackendHeap, false},
		{"jobmanager", BackendHeap, false}, {"filesystem", BackendHeap, false},
		{"rocksdb", BackendPebble, false}, {" RocksDB ", BackendPebble, false},
		{"forst", 0, true}, {"com.example.Factory", 0, true},
	} {
		got, err := ParseBackendType(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("ParseBackendType(%q) = %v, %v", c.in, got, err)
		}
	}
}
