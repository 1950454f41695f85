package state

import (
	"encoding/binary"
	"runtime"
	"testing"
)

// Heap backend memory and speed with Nexmark-sized entries:
//
//	go test -run '^$' -bench HeapValueState -benchtime 3x ./runtime/state/
//
// 1M keys (STATE_BENCH_KEYS overrides) of 8 bytes with 16-byte values over
// 128 key groups. bytes/key is the live heap after a GC divided by the key
// count (the raw key and value bytes are 24 per key); raw-x is that over
// the raw bytes.

// heapMemKey encodes key i (8 bytes) and its key group.
func heapMemKey(buf []byte, i int) ([]byte, int) {
	buf = binary.BigEndian.AppendUint64(buf[:0], uint64(i)*0x9E3779B97F4A7C15)
	return buf, int(uint64(i) % testMaxParallelism)
}

// liveHeap is the live heap after a full collection.
func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// heapFillBench measures filling a fresh heap backend, once per iteration:
// setup registers the state (not timed) and returns the fill (timed), which
// adds items entries. It reports the live heap bytes per entry, that over
// the raw bytes per entry, the heap objects left and ns per entry.
func heapFillBench(b *testing.B, items int, unit, op string, raw float64, setup func(be KeyedBackend) func()) {
	var per float64
	var objs uint64
	for it := 0; it < b.N; it++ {
		b.StopTimer()
		before := liveHeap()
		be := newTestBackend(b, backendKind{"heap", BackendHeap, false}, 0, 1, nil)
		fill := setup(be)
		b.StartTimer()
		fill()
		b.StopTimer()
		per = float64(liveHeap()-before) / float64(items)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		objs = ms.HeapObjects
		runtime.KeepAlive(be)
		runtime.KeepAlive(fill) // holds the state handle
		must(b, be.Close())
		b.StartTimer()
	}
	b.ReportMetric(per, "bytes/"+unit)
	b.ReportMetric(per/raw, "raw-x")
	b.ReportMetric(float64(objs), "heap-objects")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*items), "ns/"+op)
}

// BenchmarkHeapValueStateMemory fills a value state with n keys and reports
// the heap bytes per key (raw: 8 + 16).
func BenchmarkHeapValueStateMemory(b *testing.B) {
	n := benchKeys()
	heapFillBench(b, n, "key", "put", 24, func(be KeyedBackend) func() {
		v, err := be.RegisterValue(Descriptor{Name: "v"})
		must(b, err)
		return func() {
			val := make([]byte, 16)
			var kb []byte
			for i := 0; i < n; i++ {
				var kg int
				kb, kg = heapMemKey(kb, i)
				binary.LittleEndian.PutUint64(val, uint64(i))
				be.SetCurrentKey(kg, kb)
				if err := v.Update(val); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkHeapValueStateGetPut measures Value and Update on a filled state
// of n keys (ns per operation), keys visited in a scattered order.
func BenchmarkHeapValueStateGetPut(b *testing.B) {
	n := benchKeys()
	be := newTestBackend(b, backendKind{"heap", BackendHeap, false}, 0, 1, nil)
	v, err := be.RegisterValue(Descriptor{Name: "v"})
	if err != nil {
		b.Fatal(err)
	}
	val := make([]byte, 16)
	var kb []byte
	for i := 0; i < n; i++ {
		var kg int
		kb, kg = heapMemKey(kb, i)
		be.SetCurrentKey(kg, kb)
		must(b, v.Update(val))
	}
	b.Run("get", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			var kg int
			kb, kg = heapMemKey(kb, (i*7919)%n)
			be.SetCurrentKey(kg, kb)
			if _, ok, err := v.Value(); !ok || err != nil {
				b.Fatal("missing", err)
			}
		}
	})
	b.Run("put", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			var kg int
			kb, kg = heapMemKey(kb, (i*7919)%n)
			binary.LittleEndian.PutUint64(val, uint64(i))
			be.SetCurrentKey(kg, kb)
			if err := v.Update(val); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get-update", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			var kg int
			kb, kg = heapMemKey(kb, (i*7919)%n)
			be.SetCurrentKey(kg, kb)
			old, _, err := v.Value()
			if err != nil {
				b.Fatal(err)
			}
			copy(val, old)
			val[0]++
			if err := v.Update(val); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkHeapMapStateMemory fills a map state with n/10 keys of 10
// entries each (16-byte map keys, 24-byte values, as a join's rows) and
// reports the heap bytes per entry (raw: 40, plus the 8-byte key per 10
// entries).
func BenchmarkHeapMapStateMemory(b *testing.B) {
	keys := benchKeys() / 10
	heapFillBench(b, keys*10, "entry", "put", 40.8, func(be KeyedBackend) func() {
		m, err := be.RegisterMap(Descriptor{Name: "m"})
		must(b, err)
		return func() {
			mk, val := make([]byte, 16), make([]byte, 24)
			var kb []byte
			for i := 0; i < keys; i++ {
				var kg int
				kb, kg = heapMemKey(kb, i)
				be.SetCurrentKey(kg, kb)
				for j := 0; j < 10; j++ {
					binary.LittleEndian.PutUint64(mk, uint64(i))
					binary.LittleEndian.PutUint64(mk[8:], uint64(j))
					if err := m.Put(mk, val); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	})
}

// BenchmarkHeapListStateMemory fills a list state with n/10 keys of 10
// elements of 24 bytes each and reports the heap bytes per element (raw:
// 24, plus the 8-byte key per 10 elements).
func BenchmarkHeapListStateMemory(b *testing.B) {
	keys := benchKeys() / 10
	heapFillBench(b, keys*10, "elem", "add", 24.8, func(be KeyedBackend) func() {
		l, err := be.RegisterList(Descriptor{Name: "l"})
		must(b, err)
		return func() {
			val := make([]byte, 24)
			var kb []byte
			for i := 0; i < keys; i++ {
				var kg int
				kb, kg = heapMemKey(kb, i)
				be.SetCurrentKey(kg, kb)
				for j := 0; j < 10; j++ {
					binary.LittleEndian.PutUint64(val, uint64(i*10+j))
					if err := l.Add(val); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	})
}
