package state

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// TestHeapBlockSize: the header of a heap snapshot is built from the
// blocks' sizes (blockSize) and the blocks are encoded once, while the file
// is written; both must agree with the encoding for every kind, with
// expired entries, list elements and map entries left out.
func TestHeapBlockSize(t *testing.T) {
	clk := &fakeClock{t: 1_000_000}
	b := newTestBackend(t, backendKind{"heap", BackendHeap, false}, 0, 1, func(c *Config) {
		c.TTL = time.Second
		c.Clock = clk.now
	}).(*HeapBackend)
	st := registerTestStates(t, b)
	never, err := b.RegisterValue(Descriptor{Name: "never", TTL: -1})
	must(t, err)
	m := newModel()
	for i := 0; i < 3000; i++ {
		if i == 1500 {
			clk.advance(700 * time.Millisecond) // the first half expires below
		}
		if i > 1500 && i%2 == 0 {
			clk.advance(time.Millisecond) // the second half's times spread over 750 ms
		}
		apply(t, b, st, m, i)
		setKey(b, fmt.Sprint("n", i%300))
		must(t, never.Update(bytes.Repeat([]byte{'x'}, i%200)))
	}
	clk.advance(400 * time.Millisecond)
	p, err := b.Snapshot(1)
	must(t, err)
	defer p.Release()
	snap := p.(*heapSnapshot)
	var enc blockEncoder
	now := snap.now
	// Later snapshot times expire more of what the snapshot holds.
	for _, later := range []int64{0, 300, 600, 2000} {
		snap.now = now + later
		for i := 0; i <= snap.end-snap.start; i++ {
			if got, want := snap.blockSize(i), len(snap.encodeBlock(&enc, i)); got != want {
				t.Fatalf("+%d ms, key group %d: blockSize %d, encoded %d bytes", later, i, got, want)
			}
		}
	}
	snap.now = now
	want, err := canonicalHeader(snap.start, snap.end, snap.canonStates(), func(i int) ([]byte, error) { return snap.encodeBlock(&enc, i), nil })
	must(t, err)
	if got := canonicalHeaderSized(snap.start, snap.end, snap.canonStates(), snap.blockSize); !bytes.Equal(got, want) {
		t.Fatal("canonicalHeaderSized differs from canonicalHeader")
	}
}
