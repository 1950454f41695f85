package checkpoint

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flinkgo/engine/runtime/state"
)

// BenchmarkS3Checkpoint measures keyed state checkpointed to the S3 test
// server, per backend and state size: a full checkpoint (seconds, MB
// uploaded), an incremental one after 1 % of the keys changed (MB, and % of
// the full one) right after the load and again once the LSM settled
// (settled-incr-%), and a restore of the last checkpoint into a new backend
// (seconds). Keys are 8 bytes, values 100; one subtask owns every
// key group. Each backend runs plain and wrapped in the changelog backend
// (its first checkpoint materializes, the later ones upload the log). Sizes default to 1 M keys; S3_BENCH_KEYS=1000000,10000000
// sets them.
//
//	go test ./checkpoint -run '^$' -bench S3Checkpoint -benchtime 1x
func BenchmarkS3Checkpoint(b *testing.B) {
	sizes := []int{1_000_000}
	if v := os.Getenv("S3_BENCH_KEYS"); v != "" {
		sizes = nil
		for _, f := range filepath.SplitList(v) {
			for _, s := range splitComma(f) {
				n, err := strconv.Atoi(s)
				if err != nil {
					b.Fatalf("S3_BENCH_KEYS: %v", err)
				}
				sizes = append(sizes, n)
			}
		}
	}
	for _, changelog := range []bool{false, true} {
		for _, typ := range []state.BackendType{state.BackendHeap, state.BackendPebble} {
			name := typ.String()
			if changelog {
				name += "+changelog"
			}
			for _, n := range sizes {
				b.Run(fmt.Sprintf("%s/keys=%d", name, n), func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						benchS3Checkpoint(b, typ, changelog, n)
					}
				})
			}
		}
	}
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

func benchS3Checkpoint(b *testing.B, typ state.BackendType, changelog bool, n int) {
	s3st, root := s3Store(b)
	jobDir := JobDir(root, testJobID)
	sharedDir := filepath.Join(jobDir, SharedDir)
	cfg := func() state.Config {
		return state.Config{OperatorID: "0123456789abcdef0123456789abcdef", Parallelism: 1, MaxParallelism: 128,
			KeyGroupStart: 0, KeyGroupEnd: 127, Dir: b.TempDir(), Incremental: true}
	}
	newBackend := func() (state.KeyedBackend, error) {
		if changelog {
			return state.NewChangelogOver(typ, cfg(), state.ChangelogOptions{})
		}
		return state.NewBackend(typ, cfg())
	}
	be, err := newBackend()
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	v, err := be.RegisterValue(state.Descriptor{Name: "v"})
	if err != nil {
		b.Fatal(err)
	}
	key := make([]byte, 8)
	val := make([]byte, 100)
	put := func(i, gen int) {
		binary.BigEndian.PutUint64(key, uint64(i))
		be.SetCurrentKey(int(binary.BigEndian.Uint64(key)*0x9e3779b97f4a7c15>>57), key)
		binary.BigEndian.PutUint64(val, uint64(gen))
		if err := v.Update(val); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < n; i++ {
		put(i, 0)
	}
	checkpoint := func(id int64) (state.Handle, int64, time.Duration) {
		start := time.Now()
		p, err := be.Snapshot(id)
		if err != nil {
			b.Fatal(err)
		}
		cs := &countingStore{Storage: s3st}
		w := newKeyedWriter(cs, CheckpointDir(root, testJobID, id), sharedDir)
		h, err := p.Write(w)
		if err != nil {
			b.Fatal(err)
		}
		be.NotifyCheckpointComplete(id)
		return h, cs.n.Load(), time.Since(start)
	}
	_, full, fullTime := checkpoint(1)
	for i := 0; i < n; i += 100 {
		put(i, 1)
	}
	h, incr, _ := checkpoint(2)
	// A long-running job's LSM has settled: checkpoint 3 picks up what
	// compactions rewrote meanwhile, checkpoint 4 another 1 % of changes.
	time.Sleep(2 * time.Second)
	checkpoint(3)
	for i := 50; i < n; i += 100 {
		put(i, 2)
	}
	h, settled, _ := checkpoint(4)

	start := time.Now()
	re, err := newBackend()
	if err != nil {
		b.Fatal(err)
	}
	defer re.Close()
	reader := &keyedReader{st: s3st, dir: CheckpointDir(root, testJobID, 4)}
	if err := re.Restore([][]byte{state.MarshalHandle(h)}, reader); err != nil {
		b.Fatal(err)
	}
	re.SetCurrentKey(0, key) // a changelog restore replays its log at the first access
	restore := time.Since(start)
	b.ReportMetric(fullTime.Seconds(), "full-s")
	b.ReportMetric(float64(full)/1e6, "full-MB")
	b.ReportMetric(float64(incr)/1e6, "incr-MB")
	b.ReportMetric(100*float64(incr)/float64(full), "incr-%")
	b.ReportMetric(100*float64(settled)/float64(full), "settled-incr-%")
	b.ReportMetric(restore.Seconds(), "restore-s")
}

// countingStore counts the bytes written through it.
type countingStore struct {
	Storage
	n atomic.Int64
}

func (c *countingStore) WriteAtomicFrom(p string, r io.Reader) (int64, error) {
	n, err := c.Storage.WriteAtomicFrom(p, r)
	c.n.Add(n)
	return n, err
}
