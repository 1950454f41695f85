package state

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
)

// TestPebbleIncremental: a second snapshot after changing a few keys
// uploads only the new SSTs; its upload size tracks the change, not the
// total; every shared file is referenced by name; full mode uploads
// everything as exclusive files.
func TestPebbleIncremental(t *testing.T) {
	// Background compactions would replace SSTs between the snapshots at
	// unpredictable moments; TestPebbleIncrementalWithCompactions covers them.
	testPebbleOptions = func(o *pebble.Options) { o.DisableAutomaticCompactions = true }
	defer func() { testPebbleOptions = nil }()
	b := newTestBackend(t, backendKinds[1], 0, 1, nil).(*PebbleBackend)
	st := registerTestStates(t, b)
	rng := rand.New(rand.NewSource(1))
	val := make([]byte, 100) // incompressible
	orig97 := bytes.Repeat([]byte("v"), 100)
	for i := 0; i < 50_000; i++ {
		setKey(b, fmt.Sprintf("key-%d", i))
		rng.Read(val)
		if i == 97 {
			must(t, st.v.Update(orig97))
			continue
		}
		must(t, st.v.Update(val))
	}
	store := NewMemoryStore()
	raw1 := snapshotTo(t, b, 1, store)
	full := store.bytes
	if len(store.shared) == 0 {
		t.Fatal("first snapshot uploaded no shared SST")
	}
	if full < 50_000*100 {
		t.Fatalf("first snapshot uploaded only %d bytes", full)
	}
	b.NotifyCheckpointComplete(1)
	shared1, err := SharedFiles(raw1)
	must(t, err)

	// Change 100 keys.
	for i := 0; i < 100; i++ {
		setKey(b, fmt.Sprintf("key-%d", i*97))
		must(t, st.v.Update([]byte("changed")))
	}
	store.resetCounters()
	raw2 := snapshotTo(t, b, 2, store)
	changeFiles := localNames(store.shared)
	if len(changeFiles) == 0 {
		t.Fatal("second snapshot uploaded no SST")
	}
	if store.bytes > full/20 {
		t.Fatalf("second snapshot uploaded %d bytes, first %d: not incremental", store.bytes, full)
	}
	shared2, err := SharedFiles(raw2)
	must(t, err)
	reused := 0
	in2 := map[string]bool{}
	for _, f := range shared2 {
		in2[f] = true
	}
	for _, f := range shared1 {
		if in2[f] {
			reused++
		}
	}
	if reused != len(shared1) || len(shared2) != len(shared1)+len(changeFiles) {
		t.Fatalf("second snapshot reuses %d of the first one's %d SSTs and references %d", reused, len(shared1), len(shared2))
	}
	for _, f := range shared2 {
		if _, ok := store.files[f]; !ok {
			t.Fatalf("handle references %s, not in the store", f)
		}
		if !strings.HasPrefix(f, "shared/"+b.instance+"-") || !strings.HasSuffix(f, ".sst") {
			t.Fatalf("shared file %s not named after the instance %s", f, b.instance)
		}
	}

	// Without NotifyCheckpointComplete(2), snapshot 3 may reuse only
	// checkpoint 1's files: the change file is uploaded again, under
	// another name.
	store.resetCounters()
	raw3 := snapshotTo(t, b, 3, store)
	if got := localNames(store.shared); fmt.Sprint(got) != fmt.Sprint(changeFiles) {
		t.Fatalf("snapshot 3 uploaded %v, want the unconfirmed change files %v only", got, changeFiles)
	}
	// A file that vanished from shared/ is uploaded again.
	b.NotifyCheckpointComplete(3)
	victim := store.shared[0]
	delete(store.files, "shared/"+victim)
	store.resetCounters()
	raw4 := snapshotTo(t, b, 4, store)
	if fmt.Sprint(localNames(store.shared)) != fmt.Sprint(localNames([]string{victim})) {
		t.Fatalf("snapshot 4 uploaded %v, want %s again", store.shared, victim)
	}

	// Each snapshot restores to the right content (raw3 lost a file above).
	_ = raw3
	for i, raw := range [][]byte{raw1, raw2, raw4} {
		b2 := newTestBackend(t, backendKinds[1], 0, 1, nil)
		must(t, b2.Restore([][]byte{raw}, store))
		st2 := registerTestStates(t, b2)
		setKey(b2, "key-97")
		v, ok, err := st2.v.Value()
		must(t, err)
		want := "changed"
		if i == 0 {
			want = string(orig97)
		}
		if !ok || string(v) != want {
			t.Fatalf("snapshot %d: key-97 = %q", i+1, v)
		}
	}

	// After a restore at the same parallelism the restored SSTs are not
	// uploaded again.
	b3 := newTestBackend(t, backendKinds[1], 0, 1, nil).(*PebbleBackend)
	must(t, b3.Restore([][]byte{raw4}, store))
	st3 := registerTestStates(t, b3)
	setKey(b3, "fresh")
	must(t, st3.v.Update([]byte("x")))
	store.resetCounters()
	raw5 := snapshotTo(t, b3, 5, store)
	if len(store.shared) == 0 || store.bytes > full/20 {
		t.Fatalf("first snapshot after restore uploaded %v (%d bytes)", store.shared, store.bytes)
	}
	shared4, _ := SharedFiles(raw4)
	shared5, _ := SharedFiles(raw5)
	if len(shared5) != len(shared4)+len(store.shared) {
		t.Fatalf("snapshot after restore references %d shared files, want %d", len(shared5), len(shared4)+len(store.shared))
	}

	// NO_CLAIM: the first snapshot after the restore uploads every SST.
	b4 := newTestBackend(t, backendKinds[1], 0, 1, func(c *Config) { c.NoClaim = true })
	must(t, b4.Restore([][]byte{raw4}, store))
	registerTestStates(t, b4)
	store.resetCounters()
	raw6 := snapshotTo(t, b4, 6, store)
	shared6, _ := SharedFiles(raw6)
	if len(store.shared) != len(shared4) || len(shared6) != len(shared4) {
		t.Fatalf("NO_CLAIM snapshot uploaded %d SSTs and references %d, want all %d", len(store.shared), len(shared6), len(shared4))
	}
	for _, f := range shared6 {
		for _, old := range shared4 {
			if f == old {
				t.Fatalf("NO_CLAIM snapshot references the restored checkpoint's %s", f)
			}
		}
	}

	// Full mode: everything exclusive, nothing shared.
	bf := newTestBackend(t, backendKinds[1], 0, 1, func(c *Config) { c.Incremental = false })
	stf := registerTestStates(t, bf)
	setKey(bf, "k")
	must(t, stf.v.Update([]byte("x")))
	store.resetCounters()
	rawF := snapshotTo(t, bf, 1, store)
	if len(store.shared) != 0 || len(store.exclusive) < 2 {
		t.Fatalf("full snapshot: shared %v, exclusive %v", store.shared, store.exclusive)
	}
	if files, _ := SharedFiles(rawF); len(files) != 0 {
		t.Fatalf("full snapshot handle lists shared files %v", files)
	}
}

// localNames maps shared names to sorted local SST names.
func localNames(shared []string) []string {
	var out []string
	for _, s := range shared {
		out = append(out, localName(FileRef{Name: s, Shared: true}))
	}
	sort.Strings(out)
	return out
}

// TestPebbleSnapshotDirsCleaned: local checkpoint directories go away after
// Write and Release.
func TestPebbleSnapshotDirsCleaned(t *testing.T) {
	b := newTestBackend(t, backendKinds[1], 0, 1, nil).(*PebbleBackend)
	st := registerTestStates(t, b)
	setKey(b, "a")
	must(t, st.v.Update([]byte("1")))
	p1, err := b.Snapshot(1)
	must(t, err)
	p2, err := b.Snapshot(2)
	must(t, err)
	_, err = p1.Write(NewMemoryStore())
	must(t, err)
	p2.Release()
	ents, err := readDirNames(b.cfg.Dir)
	must(t, err)
	if fmt.Sprint(ents) != "[db]" {
		t.Fatalf("scratch dir holds %v after the snapshots finished", ents)
	}
}

// TestPebbleIncrementalWithCompactions: with compactions running, every
// snapshot uploads exactly the SSTs that the last confirmed snapshot did
// not reference, references the others, and restores correctly.
func TestPebbleIncrementalWithCompactions(t *testing.T) {
	b := newTestBackend(t, backendKinds[1], 0, 1, nil).(*PebbleBackend)
	st := registerTestStates(t, b)
	m := newModel()
	store := NewMemoryStore()
	confirmed := map[string]string{} // local name -> ref
	op := 0
	for id := int64(1); id <= 8; id++ {
		for i := 0; i < 20_000; i++ {
			apply(t, b, st, m, op)
			op++
		}
		store.resetCounters()
		raw := snapshotTo(t, b, id, store)
		h, err := UnmarshalHandle(raw)
		must(t, err)
		uploaded := map[string]bool{}
		for _, s := range store.shared {
			uploaded["shared/"+s] = true
		}
		next := map[string]string{}
		for _, f := range h.Files {
			if !f.Shared {
				continue
			}
			local := localName(f)
			next[local] = f.Ref
			if ref, ok := confirmed[local]; ok {
				if f.Ref != ref || uploaded[f.Ref] {
					t.Fatalf("checkpoint %d: %s uploaded again (%s, was %s)", id, local, f.Ref, ref)
				}
			} else if !uploaded[f.Ref] {
				t.Fatalf("checkpoint %d: new SST %s references %s, not uploaded now", id, local, f.Ref)
			}
		}
		if len(uploaded) != len(store.shared) || len(store.shared) > len(next) {
			t.Fatalf("checkpoint %d: uploaded %v beyond the referenced files", id, store.shared)
		}
		if id%3 != 0 { // checkpoints 3 and 6 never complete
			b.NotifyCheckpointComplete(id)
			confirmed = next
		}
		b2 := newTestBackend(t, backendKinds[1], 0, 1, nil)
		must(t, b2.Restore([][]byte{raw}, store))
		if d := diffModels(m, dump(t, b2, registerTestStates(t, b2))); d != "" {
			t.Fatalf("checkpoint %d: %s", id, d)
		}
		b2.Close()
	}
}

// TestPebbleValueCache runs the model operations with a value cache that
// holds only a few entries, so reads, writes and clears cross write-backs
// on overflow, Keys and snapshots; every snapshot must hold exactly the
// model at its synchronous phase, also restored at another parallelism,
// and TTL must expire cached values as stored ones.
func TestPebbleValueCache(t *testing.T) {
	defer func(n int64) { valueCacheBytes = n }(valueCacheBytes)
	for _, limit := range []int64{1 << 10, 64 << 10} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			valueCacheBytes = limit
			k := backendKind{"pebble", BackendPebble, false}
			b := newTestBackend(t, k, 0, 1, nil)
			st := registerTestStates(t, b)
			m := newModel()
			store := NewMemoryStore()
			var h []byte
			var want *model
			for i := 0; i < 4000; i++ {
				apply(t, b, st, m, i)
				if i%997 == 996 {
					h, want = snapshotTo(t, b, int64(i), store), m.clone()
					b.NotifyCheckpointComplete(int64(i))
					if d := diffModels(m, dump(t, b, st)); d != "" {
						t.Fatalf("live state after %d ops: %s", i+1, d)
					}
				}
			}
			// Operations after the snapshot must not reach it.
			for i := 4000; i < 4500; i++ {
				apply(t, b, st, m, i)
			}
			for sub := range 2 {
				b2 := newTestBackend(t, k, sub, 2, nil)
				must(t, b2.Restore([][]byte{h}, store))
				st2 := registerTestStates(t, b2)
				part := newModel()
				for key, v := range want.v {
					if owns(b2, key) {
						part.v[key] = v
					}
				}
				for key, v := range want.l {
					if owns(b2, key) {
						part.l[key] = v
					}
				}
				for key, v := range want.m {
					if owns(b2, key) {
						part.m[key] = v
					}
				}
				if d := diffModels(part, dump(t, b2, st2)); d != "" {
					t.Fatalf("subtask %d of 2: %s", sub, d)
				}
			}
			if d := diffModels(m, dump(t, b, st)); d != "" {
				t.Fatalf("live state: %s", d)
			}
		})
	}
	// Map state read and written by map key only is cached until its first
	// scan, which switches it to direct access.
	t.Run("map", func(t *testing.T) {
		valueCacheBytes = 1 << 10
		k := backendKind{"pebble", BackendPebble, false}
		b := newTestBackend(t, k, 0, 1, nil)
		ms, err := b.RegisterMap(Descriptor{Name: "m"})
		must(t, err)
		want := map[string]map[string]string{}
		check := func(b KeyedBackend, ms MapState, want map[string]map[string]string, scan bool) {
			t.Helper()
			for i := range 50 {
				key := fmt.Sprint("k", i)
				setKey(b, key)
				for j := range 8 {
					mk := fmt.Sprint("m", j)
					v, ok, err := ms.Get([]byte(mk))
					must(t, err)
					if w, wok := want[key][mk]; ok != wok || string(v) != w {
						t.Fatalf("%s/%s: %q %v, want %q %v", key, mk, v, ok, w, wok)
					}
				}
				if scan {
					n := 0
					must(t, ms.Iterate(func(mk, v []byte) bool {
						n++
						if want[key][string(mk)] != string(v) {
							t.Fatalf("Iterate %s/%s: %q, want %q", key, mk, v, want[key][string(mk)])
						}
						return true
					}))
					if n != len(want[key]) {
						t.Fatalf("Iterate %s: %d entries, want %d", key, n, len(want[key]))
					}
				}
			}
		}
		store := NewMemoryStore()
		var h []byte
		var snapWant map[string]map[string]string
		for i := 0; i < 3000; i++ {
			key, mk := fmt.Sprint("k", (i*31)%50), fmt.Sprint("m", (i*7)%8)
			setKey(b, key)
			if want[key] == nil {
				want[key] = map[string]string{}
			}
			if i%3 == 0 {
				must(t, ms.Remove([]byte(mk)))
				delete(want[key], mk)
			} else {
				v := fmt.Sprint("v", i)
				must(t, ms.Put([]byte(mk), []byte(v)))
				want[key][mk] = v
			}
			switch i {
			case 1000:
				h = snapshotTo(t, b, 1, store)
				snapWant = map[string]map[string]string{}
				for k, m := range want {
					snapWant[k] = maps.Clone(m)
				}
				check(b, ms, want, false)
			case 2000:
				check(b, ms, want, true) // now direct
			}
		}
		check(b, ms, want, true)
		b2 := newTestBackend(t, k, 0, 1, nil)
		must(t, b2.Restore([][]byte{h}, store))
		ms2, err := b2.RegisterMap(Descriptor{Name: "m"})
		must(t, err)
		check(b2, ms2, snapWant, true)
	})
	t.Run("ttl", func(t *testing.T) {
		valueCacheBytes = 1 << 10
		clk := &fakeClock{t: 1000}
		b := newTestBackend(t, backendKind{"pebble", BackendPebble, false}, 0, 1, func(c *Config) {
			c.TTL = time.Second
			c.Clock = clk.now
		})
		v, err := b.RegisterValue(Descriptor{Name: "v"})
		must(t, err)
		for i := range 100 {
			setKey(b, fmt.Sprint("k", i))
			must(t, v.Update([]byte("x")))
		}
		clk.advance(600 * time.Millisecond)
		for i := 0; i < 100; i += 2 { // rewritten: live 1 s from now
			setKey(b, fmt.Sprint("k", i))
			must(t, v.Update([]byte("y")))
		}
		clk.advance(600 * time.Millisecond)
		for i := range 100 {
			setKey(b, fmt.Sprint("k", i))
			got, ok, err := v.Value()
			must(t, err)
			if want := i%2 == 0; ok != want || (ok && string(got) != "y") {
				t.Fatalf("k%d: %q %v, want present=%v", i, got, ok, want)
			}
		}
		n := 0
		must(t, b.Keys("v", func(int, []byte) bool { n++; return true }))
		if n != 50 {
			t.Fatalf("Keys: %d live keys, want 50", n)
		}
	})
}
