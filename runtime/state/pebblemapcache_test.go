package state

import (
	"bytes"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

var mapCacheSeed = flag.Uint64("mapcache.seed", 0, "seed of TestPebbleMapCache (0: a few fixed seeds)")

// TestPebbleMapCache drives a scanned map state through random point,
// range and scan operations, snapshots and restores, with the whole-map
// cache small enough to evict and to refuse large keys, and compares every
// read with a model: values, presence and Pebble's map-key order.
func TestPebbleMapCache(t *testing.T) {
	defer func(n int64) { mapCacheBytes = n }(mapCacheBytes)
	seeds := []uint64{1, 2, 3}
	if *mapCacheSeed != 0 {
		seeds = []uint64{*mapCacheSeed}
	}
	for _, limit := range []int64{512, 16 << 10, 1 << 20} {
		for _, seed := range seeds {
			t.Run(fmt.Sprintf("limit=%d/seed=%d", limit, seed), func(t *testing.T) {
				mapCacheBytes = limit
				runMapCacheModel(t, limit, seed)
			})
		}
	}
}

func runMapCacheModel(t *testing.T, limit int64, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x6d6170))
	k := backendKind{"pebble", BackendPebble, false}
	b := newTestBackend(t, k, 0, 1, nil)
	ms, err := b.RegisterMap(Descriptor{Name: "m"})
	must(t, err)
	want := map[string]map[string]string{}
	store := NewMemoryStore()
	type snap struct {
		h    []byte
		want map[string]map[string]string
	}
	var snaps []snap
	const keys = 40
	// Keys below 4 get up to 400 map keys (large), the others up to 12.
	mapKey := func(key int) string {
		n := 12
		if key < 4 {
			n = 400
		}
		return fmt.Sprintf("%04d", rng.IntN(n))
	}
	checkScan := func(b KeyedBackend, ms MapState, want map[string]map[string]string, key string, from string) {
		t.Helper()
		var got []string
		fn := func(mk, v []byte) bool {
			if w := want[key][string(mk)]; w != string(v) {
				t.Fatalf("seed %d: %s/%s = %q, want %q", seed, key, mk, v, w)
			}
			got = append(got, string(mk))
			return true
		}
		if from == "" {
			must(t, ms.Iterate(fn))
		} else {
			must(t, ms.IterateFrom([]byte(from), fn))
		}
		var exp []string
		for mk := range want[key] {
			if mk >= from {
				exp = append(exp, mk)
			}
		}
		slices.Sort(exp)
		if !slices.Equal(got, exp) {
			t.Fatalf("seed %d: scan of %s from %q: %v, want %v (in order)", seed, key, from, got, exp)
		}
	}
	for i := range 6000 {
		ki := rng.IntN(keys)
		key := fmt.Sprint("k", ki)
		setKey(b, key)
		if want[key] == nil {
			want[key] = map[string]string{}
		}
		switch op := rng.IntN(100); {
		case op < 40:
			mk, v := mapKey(ki), fmt.Sprint("v", i, bytes.Repeat([]byte{'x'}, rng.IntN(20)))
			must(t, ms.Put([]byte(mk), []byte(v)))
			want[key][mk] = v
		case op < 55:
			mk := mapKey(ki)
			must(t, ms.Remove([]byte(mk)))
			delete(want[key], mk)
		case op < 70:
			mk := mapKey(ki)
			v, ok, err := ms.Get([]byte(mk))
			must(t, err)
			if w, wok := want[key][mk]; ok != wok || string(v) != w {
				t.Fatalf("seed %d op %d: Get %s/%s = %q %v, want %q %v", seed, i, key, mk, v, ok, w, wok)
			}
		case op < 80:
			from := ""
			if rng.IntN(2) == 0 {
				from = mapKey(ki)
			}
			checkScan(b, ms, want, key, from)
		case op < 88:
			from, to := mapKey(ki), mapKey(ki)
			if to < from {
				from, to = to, from
			}
			must(t, ms.RemoveRange([]byte(from), []byte(to)))
			for mk := range want[key] {
				if mk >= from && mk < to {
					delete(want[key], mk)
				}
			}
		case op < 91:
			must(t, ms.Clear())
			clear(want[key])
		case op < 95:
			empty, err := ms.IsEmpty()
			must(t, err)
			if empty != (len(want[key]) == 0) {
				t.Fatalf("seed %d op %d: IsEmpty(%s) = %v with %d entries", seed, i, key, empty, len(want[key]))
			}
		case op < 97:
			n := 0
			must(t, b.Keys("m", func(int, []byte) bool { n++; return true }))
			live := 0
			for _, m := range want {
				if len(m) > 0 {
					live++
				}
			}
			if n != live {
				t.Fatalf("seed %d op %d: Keys found %d keys, want %d", seed, i, n, live)
			}
		default:
			w := map[string]map[string]string{}
			for k, m := range want {
				w[k] = maps.Clone(m)
			}
			id := int64(len(snaps) + 1)
			snaps = append(snaps, snap{snapshotTo(t, b, id, store), w})
			b.NotifyCheckpointComplete(id)
		}
	}
	if limit < 1<<20 && len(b.(*PebbleBackend).mcache.big) == 0 && !b.(*PebbleBackend).states["m"].direct {
		t.Errorf("limit %d: no key was too large for the cache; the direct path went untested", limit)
	}
	snaps = append(snaps, snap{snapshotTo(t, b, int64(len(snaps)+1), store), want})
	for si, s := range snaps {
		if si%4 != 0 && si != len(snaps)-1 {
			continue
		}
		b2 := newTestBackend(t, k, 0, 1, nil)
		must(t, b2.Restore([][]byte{s.h}, store))
		ms2, err := b2.RegisterMap(Descriptor{Name: "m"})
		must(t, err)
		for ki := range keys {
			key := fmt.Sprint("k", ki)
			setKey(b2, key)
			checkScan(b2, ms2, s.want, key, "")
		}
		must(t, b2.Close())
	}
}
