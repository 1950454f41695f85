package state

import (
	"fmt"
	"testing"
	"time"
)

// canonicalDirStore asks for canonical snapshots.
type canonicalDirStore struct{ *dirStore }

func (canonicalDirStore) CanonicalSnapshot() bool { return true }

// BenchmarkSavepointFormat compares a savepoint of benchKeys() keys (1 M
// by default, 32-byte values) in the NATIVE and CANONICAL formats on both
// backends: ms is the snapshot (synchronous and asynchronous phases) into
// a fresh directory (a savepoint uploads everything), MB its size, and
// restore-ms restoring it at the same parallelism into the backend named
// last in the sub-benchmark (a native one only into its own backend).
//
//	go test -run '^$' -bench SavepointFormat -benchtime 1x ./runtime/state/
func BenchmarkSavepointFormat(b *testing.B) {
	n := benchKeys()
	for _, k := range backendKinds {
		for _, canonical := range []bool{false, true} {
			format := "native"
			targets := []backendKind{k}
			if canonical {
				format = "canonical"
				targets = backendKinds
			}
			for _, to := range targets {
				b.Run(fmt.Sprintf("%s/%s/keys=%d/into-%s", k.name, format, n, to.name), func(b *testing.B) {
					be := newTestBackend(b, k, 0, 1, nil)
					v, _ := be.RegisterValue(Descriptor{Name: "v"})
					fill(b, be, v, n)
					b.ResetTimer()
					var snapD, restD time.Duration
					var size int64
					for i := 0; i < b.N; i++ {
						ds := &dirStore{dir: b.TempDir()}
						var w SnapshotWriter = ds
						if canonical {
							w = canonicalDirStore{ds}
						}
						t0 := time.Now()
						p, err := be.Snapshot(int64(i + 1))
						if err != nil {
							b.Fatal(err)
						}
						h, err := p.Write(w)
						if err != nil {
							b.Fatal(err)
						}
						snapD += time.Since(t0)
						size += handleBytes(h)
						b.StopTimer()
						nb := newTestBackend(b, to, 0, 1, nil)
						b.StartTimer()
						t1 := time.Now()
						if err := nb.Restore([][]byte{MarshalHandle(h)}, ds); err != nil {
							b.Fatal(err)
						}
						restD += time.Since(t1)
						b.StopTimer()
						nb.Close()
						b.StartTimer()
					}
					b.ReportMetric(float64(snapD.Microseconds())/1e3/float64(b.N), "ms")
					b.ReportMetric(float64(size)/float64(b.N)/1e6, "MB")
					b.ReportMetric(float64(restD.Microseconds())/1e3/float64(b.N), "restore-ms")
				})
			}
		}
	}
}
