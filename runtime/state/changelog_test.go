package state

import (
	"fmt"
	"io"
	"math/rand"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// countingWriter counts the bytes one checkpoint uploads.
type countingWriter struct {
	*MemoryStore
	bytes    atomic.Int64
	mu       sync.Mutex
	uploaded []string // shared refs
}

func (w *countingWriter) WriteExclusive(r io.Reader) (string, int64, error) {
	ref, n, err := w.MemoryStore.WriteExclusive(r)
	w.bytes.Add(n)
	return ref, n, err
}

func (w *countingWriter) WriteShared(name string, r io.Reader) (string, int64, error) {
	ref, n, err := w.MemoryStore.WriteShared(name, r)
	w.bytes.Add(n)
	w.mu.Lock()
	w.uploaded = append(w.uploaded, ref)
	w.mu.Unlock()
	return ref, n, err
}

// TestChangelogLineage drives a changelog backend through a seeded run of
// checkpoints as the checkpoint layer would: some complete (their shared
// files registered, older checkpoints beyond retention released and their
// files deleted), some fail after upload (their unreferenced uploads
// deleted), some are abandoned before upload, completions arrive late or
// not at all. Every completed checkpoint must restore exactly the state of
// its synchronous phase, also rescaled to two subtasks; log-only
// checkpoints upload only about what changed.
func TestChangelogLineage(t *testing.T) {
	for _, inner := range []BackendType{BackendHeap, BackendPebble} {
		for seed := int64(1); seed <= seedsFor(inner); seed++ {
			t.Run(fmt.Sprintf("%s/seed=%d", inner, seed), func(t *testing.T) { changelogLineage(t, inner, seed) })
		}
	}
}

func changelogLineage(t *testing.T, inner BackendType, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	k := backendKind{inner.String() + "+changelog", inner, true}
	b := newTestBackend(t, k, 0, 1, nil).(*ChangelogBackend)
	st := registerTestStates(t, b)
	m := newModel()
	store := NewMemoryStore()
	reg := NewSharedRegistry()
	var retained []int64
	type done struct {
		id   int64
		h    []byte
		want *model
	}
	var completed []done
	var lateNotify []int64
	op := 0
	logOnly, materialized, small := 0, 0, 0
	prevNotified := false // the previous checkpoint completed and its notification arrived
	for id := int64(1); id <= 30; id++ {
		wasNotified := prevNotified
		prevNotified = false
		n := 200 + rng.Intn(400)
		if id%10 == 0 {
			n = 5 // few changes: a small log-only checkpoint
		}
		for i := 0; i < n; i++ {
			apply(t, b, st, m, op)
			op++
		}
		// A late notification of an earlier checkpoint arrives now.
		if len(lateNotify) > 0 && rng.Intn(2) == 0 {
			b.NotifyCheckpointComplete(lateNotify[0])
			lateNotify = lateNotify[1:]
		}
		p, err := b.Snapshot(id)
		must(t, err)
		want := m.clone()
		if rng.Intn(8) == 0 {
			p.Release() // declined before upload
			continue
		}
		w := &countingWriter{MemoryStore: store}
		hd, err := p.Write(w)
		if err != nil {
			if strings.Contains(err.Error(), "is gone") {
				continue // a file it would extend was deleted: the next one materializes
			}
			t.Fatalf("checkpoint %d: %v", id, err)
		}
		if !hd.Changelog {
			t.Fatalf("checkpoint %d: not a changelog handle", id)
		}
		segOnly := true
		for _, f := range hd.Files {
			if !f.Shared {
				t.Fatalf("checkpoint %d: file %s not in shared/", id, f.Ref)
			}
			if !f.Segment && hd.CheckpointID == id && strings.Contains(f.Ref, fmt.Sprintf("-base-%d-", id)) {
				segOnly = false
			}
		}
		if segOnly {
			logOnly++
			if id%10 == 0 && wasNotified {
				small++
				if w.bytes.Load() > 2<<10 {
					t.Fatalf("checkpoint %d after 5 changes uploaded %d bytes", id, w.bytes.Load())
				}
			}
		} else {
			materialized++
		}
		h := MarshalHandle(hd)
		files, err := SharedFiles(h)
		must(t, err)
		if rng.Intn(6) == 0 {
			// Failed elsewhere: its uploads nobody references are deleted.
			for _, f := range reg.Discard(w.uploaded) {
				store.Delete(f)
			}
			continue
		}
		reg.Register(id, files)
		retained = append(retained, id)
		for len(retained) > 2 {
			for _, f := range reg.Release(retained[0]) {
				store.Delete(f)
			}
			retained = retained[1:]
		}
		completed = append(completed, done{id, h, want})
		checkRestores(t, k, id, h, store, want)
		switch rng.Intn(4) {
		case 0:
			lateNotify = append(lateNotify, id)
		case 1: // the notification is lost: a later one covers it
		default:
			b.NotifyCheckpointComplete(id)
			prevNotified = true
		}
	}
	t.Logf("%d log-only (%d small checked), %d materializing checkpoints", logOnly, small, materialized)
	if logOnly == 0 || materialized == 0 {
		t.Fatalf("%d log-only and %d materializing checkpoints: the test should see both", logOnly, materialized)
	}
	// Every retained checkpoint restores exactly, at parallelism 1 and 2,
	// after all the deletions of the run.
	for _, c := range completed {
		if contains(retained, c.id) {
			checkRestores(t, k, c.id, c.h, store, c.want)
		}
	}
}

// checkRestores restores h at parallelism 1 and 2 and compares with want.
func checkRestores(t *testing.T, k backendKind, id int64, h []byte, store *MemoryStore, want *model) {
	t.Helper()
	b2 := newTestBackend(t, k, 0, 1, nil)
	must(t, b2.Restore([][]byte{h}, store))
	st2 := registerTestStates(t, b2)
	if d := diffModels(want, dump(t, b2, st2)); d != "" {
		t.Fatalf("checkpoint %d restored: %s", id, d)
	}
	got := newModel()
	for sub := 0; sub < 2; sub++ {
		b3 := newTestBackend(t, k, sub, 2, nil)
		must(t, b3.Restore([][]byte{h}, store))
		st3 := registerTestStates(t, b3)
		part := dump(t, b3, st3)
		for kk, v := range part.v {
			got.v[kk] = v
		}
		for kk, v := range part.l {
			got.l[kk] = v
		}
		for kk, v := range part.m {
			got.m[kk] = v
		}
	}
	if d := diffModels(want, got); d != "" {
		t.Fatalf("checkpoint %d restored at parallelism 2: %s", id, d)
	}
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// TestChangelogSavepointIsSelfContained: a savepoint of a changelog backend
// is the wrapped backend's own snapshot, native or canonical, which the
// plain backend restores.
func TestChangelogSavepointIsSelfContained(t *testing.T) {
	for _, inner := range []BackendType{BackendHeap, BackendPebble} {
		t.Run(inner.String(), func(t *testing.T) {
			k := backendKind{inner.String() + "+changelog", inner, true}
			b := newTestBackend(t, k, 0, 1, nil)
			st := registerTestStates(t, b)
			m := newModel()
			for i := 0; i < 500; i++ {
				apply(t, b, st, m, i)
			}
			store := NewMemoryStore()
			snapshotTo(t, b, 1, store)
			b.NotifyCheckpointComplete(1)
			for i := 500; i < 900; i++ {
				apply(t, b, st, m, i)
			}
			p, err := b.(SavepointSnapshotter).SnapshotSavepoint(2)
			must(t, err)
			sp := NewMemoryStore()
			hd, err := p.Write(sp)
			must(t, err)
			if hd.Changelog {
				t.Fatal("savepoint handle is a changelog handle")
			}
			plain := newTestBackend(t, backendKind{inner.String(), inner, false}, 0, 1, nil)
			must(t, plain.Restore([][]byte{MarshalHandle(hd)}, sp))
			if d := diffModels(m, dump(t, plain, registerTestStates(t, plain))); d != "" {
				t.Fatal(d)
			}
		})
	}
}

// TestChangelogRestoreWithoutChangelog: a job that turned the changelog
// off restores a changelog checkpoint (the runtime wraps with Disabled) and
// then takes native snapshots.
func TestChangelogRestoreWithoutChangelog(t *testing.T) {
	k := backendKind{"heap+changelog", BackendHeap, true}
	b := newTestBackend(t, k, 0, 1, nil)
	st := registerTestStates(t, b)
	m := newModel()
	for i := 0; i < 700; i++ {
		apply(t, b, st, m, i)
	}
	store := NewMemoryStore()
	h := snapshotTo(t, b, 1, store)
	if !HasChangelogHandle([][]byte{nil, h}) {
		t.Fatal("HasChangelogHandle = false")
	}
	cfg := Config{OperatorID: "op", MaxParallelism: testMaxParallelism, KeyGroupEnd: testMaxParallelism - 1, Parallelism: 1}
	off, err := NewChangelogOver(BackendHeap, cfg, ChangelogOptions{Disabled: true})
	must(t, err)
	defer off.Close()
	must(t, off.Restore([][]byte{h}, store))
	st2 := registerTestStates(t, off)
	if d := diffModels(m, dump(t, off, st2)); d != "" {
		t.Fatal(d)
	}
	apply(t, off, st2, m, 701)
	h2 := snapshotTo(t, off, 2, store)
	if HasChangelogHandle([][]byte{h2}) {
		t.Fatal("a job without the changelog wrote a changelog handle")
	}
}

// TestChangelogCorruptSegment: a damaged segment fails the restore naming
// the file.
func TestChangelogCorruptSegment(t *testing.T) {
	k := backendKind{"heap+changelog", BackendHeap, true}
	b := newTestBackend(t, k, 0, 1, nil)
	st := registerTestStates(t, b)
	m := newModel()
	for i := 0; i < 100; i++ {
		apply(t, b, st, m, i)
	}
	store := NewMemoryStore()
	h := snapshotTo(t, b, 1, store)
	hd, err := UnmarshalHandle(h)
	must(t, err)
	seg := hd.Files[len(hd.Files)-1]
	if !seg.Segment {
		t.Fatalf("last file %+v is not a segment", seg)
	}
	data := store.Files()[seg.Ref]
	bad := append([]byte(nil), data...)
	bad[len(bad)/2] ^= 0xff
	store.SetFile(seg.Ref, bad)
	b2 := newTestBackend(t, k, 0, 1, nil)
	err = b2.Restore([][]byte{h}, store)
	if err == nil || !strings.Contains(err.Error(), seg.Ref) || !strings.Contains(err.Error(), "CRC") {
		t.Fatalf("err = %v, want a CRC error naming %s", err, seg.Ref)
	}
	store.Delete(seg.Ref)
	b3 := newTestBackend(t, k, 0, 1, nil)
	if err := b3.Restore([][]byte{h}, store); err == nil || !strings.Contains(err.Error(), seg.Ref) {
		t.Fatalf("err = %v, want an error naming the missing %s", err, seg.Ref)
	}
}

// seedsFor keeps the Pebble runs (slower, and under -race in CI) fewer.
func seedsFor(t BackendType) int64 {
	if t == BackendPebble {
		return 2
	}
	return 4
}

// TestChangelogBoundsLog: while no checkpoint completes (storage down), the
// log held in memory stays bounded; once one completes, checkpoints are
// exact again.
func TestChangelogBoundsLog(t *testing.T) {
	const maxLog = 32 << 10
	start, end := keyGroupRange(0, testMaxParallelism, 1)
	cfg := Config{OperatorID: "op", MaxParallelism: testMaxParallelism, KeyGroupStart: start, KeyGroupEnd: end, Parallelism: 1}
	b, err := NewChangelogOver(BackendHeap, cfg, ChangelogOptions{MinMaterializeBytes: 1 << 30, MaxLogBytes: maxLog, chunk: 4 << 10})
	must(t, err)
	defer b.Close()
	st := registerTestStates(t, b)
	m := newModel()
	store := NewMemoryStore()
	op := 0
	for id := int64(1); id <= 20; id++ {
		for i := 0; i < 300; i++ {
			apply(t, b, st, m, op)
			op++
		}
		p, err := b.Snapshot(id)
		must(t, err)
		if _, err := p.Write(store); err != nil {
			t.Fatal(err)
		}
		// Never completes. Past the bound every checkpoint materializes and
		// drops the log before it: what stays is one interval's log (~10
		// KiB here) in 4 KiB chunks.
		if held := b.logBytes.Load(); held > maxLog+2*(4<<10) {
			t.Fatalf("checkpoint %d: %d bytes of log held", id, held)
		}
	}
	var last []byte
	for id := int64(21); id <= 24; id++ {
		for i := 0; i < 300; i++ {
			apply(t, b, st, m, op)
			op++
		}
		last = snapshotTo(t, b, id, store)
		b.NotifyCheckpointComplete(id)
	}
	k := backendKind{"heap+changelog", BackendHeap, true}
	checkRestores(t, k, 24, last, store, m)
}

// TestChangelogBoundsLogWithoutCheckpoints: with no checkpoint at all the
// log is dropped whenever it outgrows its bound, and the first checkpoint
// then materializes the whole state.
func TestChangelogBoundsLogWithoutCheckpoints(t *testing.T) {
	const maxLog = 16 << 10
	start, end := keyGroupRange(0, testMaxParallelism, 1)
	cfg := Config{OperatorID: "op", MaxParallelism: testMaxParallelism, KeyGroupStart: start, KeyGroupEnd: end, Parallelism: 1}
	b, err := NewChangelogOver(BackendHeap, cfg, ChangelogOptions{MaxLogBytes: maxLog, chunk: 1 << 10})
	must(t, err)
	defer b.Close()
	st := registerTestStates(t, b)
	m := newModel()
	for i := 0; i < 20000; i++ {
		apply(t, b, st, m, i)
		if held := b.logBytes.Load(); held > maxLog+2<<10 {
			t.Fatalf("after %d changes %d bytes of log held", i, held)
		}
	}
	store := NewMemoryStore()
	h := snapshotTo(t, b, 1, store)
	b.NotifyCheckpointComplete(1)
	checkRestores(t, backendKind{"heap+changelog", BackendHeap, true}, 1, h, store, m)
}
