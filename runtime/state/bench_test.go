package state

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Benchmarks, per backend:
//
//	go test -run '^$' -bench . -benchtime 2s ./runtime/state/
//
// Snapshot and restore use 1M keys (STATE_BENCH_KEYS overrides, e.g.
// 10000000) with 32-byte values, written to files in a temporary
// directory.

// dirStore is a SnapshotWriter/Reader over a local directory.
type dirStore struct {
	dir     string
	mu      sync.Mutex
	seq     int
	written atomic.Int64 // bytes written
}

func (d *dirStore) write(rel string, r io.Reader) (string, int64, error) {
	p := filepath.Join(d.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", 0, err
	}
	f, err := os.Create(p)
	if err != nil {
		return "", 0, err
	}
	n, err := io.Copy(f, r)
	d.written.Add(n)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return rel, n, err
}

func (d *dirStore) WriteExclusive(r io.Reader) (string, int64, error) {
	d.mu.Lock()
	d.seq++
	rel := fmt.Sprintf("chk/%d", d.seq)
	d.mu.Unlock()
	return d.write(rel, r)
}

func (d *dirStore) WriteShared(name string, r io.Reader) (string, int64, error) {
	return d.write("shared/"+name, r)
}

func (d *dirStore) SharedExists(name string) bool {
	_, err := os.Stat(filepath.Join(d.dir, "shared", name))
	return err == nil
}

func (d *dirStore) Open(ref string) (io.ReadCloser, error) {
	return os.Open(filepath.Join(d.dir, ref))
}

func benchKeys() int {
	if v, err := strconv.Atoi(os.Getenv("STATE_BENCH_KEYS")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

// benchKey encodes key i and its key group.
func benchKey(buf []byte, i int) ([]byte, int) {
	buf = binary.BigEndian.AppendUint64(buf[:0], uint64(i)*0x9E3779B97F4A7C15)
	return buf, int(uint64(i) % testMaxParallelism)
}

func fill(b testing.TB, be KeyedBackend, v ValueState, n int) {
	val := make([]byte, 32)
	var kb []byte
	for i := 0; i < n; i++ {
		var kg int
		kb, kg = benchKey(kb, i)
		binary.LittleEndian.PutUint64(val, uint64(i))
		be.SetCurrentKey(kg, kb)
		if err := v.Update(val); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdate(b *testing.B) {
	for _, k := range backendKinds {
		b.Run(k.name, func(b *testing.B) {
			be := newTestBackend(b, k, 0, 1, nil)
			v, _ := be.RegisterValue(Descriptor{Name: "v"})
			const keys = 100_000
			fill(b, be, v, keys)
			val := make([]byte, 32)
			var kb []byte
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var kg int
				kb, kg = benchKey(kb, i%keys)
				be.SetCurrentKey(kg, kb)
				if err := v.Update(val); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

func BenchmarkValue(b *testing.B) {
	for _, k := range backendKinds {
		b.Run(k.name, func(b *testing.B) {
			be := newTestBackend(b, k, 0, 1, nil)
			v, _ := be.RegisterValue(Descriptor{Name: "v"})
			const keys = 100_000
			fill(b, be, v, keys)
			var kb []byte
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var kg int
				kb, kg = benchKey(kb, i%keys)
				be.SetCurrentKey(kg, kb)
				if _, ok, err := v.Value(); !ok || err != nil {
					b.Fatal("missing", err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

// BenchmarkSnapshot measures one full snapshot of benchKeys() keys:
// sync-ms is the synchronous phase (the task is blocked), async-ms the
// upload, MB the bytes written. For Pebble, incr-MB and incr-ms are a
// second snapshot after updating 1% of the keys.
func BenchmarkSnapshot(b *testing.B) {
	n := benchKeys()
	for _, k := range backendKinds {
		b.Run(fmt.Sprintf("%s/keys=%d", k.name, n), func(b *testing.B) {
			be := newTestBackend(b, k, 0, 1, nil)
			v, _ := be.RegisterValue(Descriptor{Name: "v"})
			fill(b, be, v, n)
			b.ResetTimer()
			var syncD, asyncD, incrD time.Duration
			var size, incrSize int64
			for i := 0; i < b.N; i++ {
				store := &dirStore{dir: b.TempDir()}
				t0 := time.Now()
				p, err := be.Snapshot(int64(2 * i))
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				h, err := p.Write(store)
				if err != nil {
					b.Fatal(err)
				}
				syncD += t1.Sub(t0)
				asyncD += time.Since(t1)
				size += handleBytes(h)
				h0 := h
				if k.typ == BackendPebble {
					be.NotifyCheckpointComplete(int64(2 * i))
					fill(b, be, v, n/100)
					t2 := time.Now()
					p, err := be.Snapshot(int64(2*i + 1))
					if err != nil {
						b.Fatal(err)
					}
					h, err := p.Write(store)
					if err != nil {
						b.Fatal(err)
					}
					incrD += time.Since(t2)
					incrSize += store.written.Load() - handleBytes(h0)
					_ = h
				}
			}
			b.ReportMetric(float64(syncD.Microseconds())/1e3/float64(b.N), "sync-ms")
			b.ReportMetric(float64(asyncD.Microseconds())/1e3/float64(b.N), "async-ms")
			b.ReportMetric(float64(size)/float64(b.N)/1e6, "MB")
			if k.typ == BackendPebble {
				b.ReportMetric(float64(incrD.Microseconds())/1e3/float64(b.N), "incr-ms")
				b.ReportMetric(float64(incrSize)/float64(b.N)/1e6, "incr-MB")
			}
		})
	}
}

func handleBytes(h Handle) int64 {
	var n int64
	for _, f := range h.Files {
		n += f.Size
	}
	return n
}

// BenchmarkRestore measures restoring a benchKeys()-key snapshot at the
// same parallelism and, as rescale, into the first of two subtasks.
func BenchmarkRestore(b *testing.B) {
	n := benchKeys()
	for _, k := range backendKinds {
		for _, newP := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/keys=%d/to-p%d", k.name, n, newP), func(b *testing.B) {
				be := newTestBackend(b, k, 0, 1, nil)
				v, _ := be.RegisterValue(Descriptor{Name: "v"})
				fill(b, be, v, n)
				store := &dirStore{dir: b.TempDir()}
				p, err := be.Snapshot(1)
				if err != nil {
					b.Fatal(err)
				}
				h, err := p.Write(store)
				if err != nil {
					b.Fatal(err)
				}
				be.Close()
				raw := MarshalHandle(h)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					nb := newTestBackend(b, k, 0, newP, nil)
					b.StartTimer()
					if err := nb.Restore([][]byte{raw}, store); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					nb.Close()
					b.StartTimer()
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/restore")
			})
		}
	}
}

// BenchmarkValueReadModifyWrite is an aggregation's access pattern: per
// operation a key is selected, its value read and written back (one window
// or group accumulator per batch). Keys are drawn from keys=n, 90 % of the
// accesses (14 of 16) going to a hot tenth of them; the state is filled first. With
// Pebble, 100K keys fit the value cache and 2M keys do not (it is written
// back and emptied as it overflows).
func BenchmarkValueReadModifyWrite(b *testing.B) {
	for _, k := range backendKinds[:2] {
		for _, n := range []int{100_000, 2_000_000} {
			b.Run(fmt.Sprintf("%s/keys=%d", k.name, n), func(b *testing.B) {
				be := newTestBackend(b, k, 0, 1, nil)
				v, _ := be.RegisterValue(Descriptor{Name: "v"})
				fill(b, be, v, n)
				var kb, val []byte
				x := uint64(88172645463325252)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					x ^= x << 13 // xorshift: a cheap, fixed sequence
					x ^= x >> 7
					x ^= x << 17
					key := int(x % uint64(n))
					if x>>60 < 14 { // 14 of 16: hot
						key %= n / 10
					}
					var kg int
					kb, kg = benchKey(kb, key)
					be.SetCurrentKey(kg, kb)
					got, ok, err := v.Value()
					if !ok || err != nil {
						b.Fatal("missing", err)
					}
					val = append(val[:0], got...)
					val[0]++
					if err := v.Update(val); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			})
		}
	}
}
