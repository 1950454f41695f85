package state

import (
	"fmt"
	"testing"
)

// TestKeyFilter: a key added is always "maybe" (no false negatives, also
// across the layers the filter grows), few keys never added are, and a
// forgotten filter answers "maybe" for everything.
func TestKeyFilter(t *testing.T) {
	f := newKeyFilter()
	const n = 200_000 // several layers: 16 Ki, 32 Ki, 64 Ki, 128 Ki
	for i := range n {
		f.add(fmt.Appendf(nil, "key-%d", i))
	}
	if len(f.layers) < 3 {
		t.Fatalf("%d layers after %d keys, want the filter to have grown", len(f.layers), n)
	}
	for i := range n {
		if !f.mayContain(fmt.Appendf(nil, "key-%d", i)) {
			t.Fatalf("key-%d was added but the filter says never", i)
		}
	}
	fp := 0
	for i := range n {
		if f.mayContain(fmt.Appendf(nil, "other-%d", i)) {
			fp++
		}
	}
	// About 1 % per layer; a handful of layers stays well under 10 %.
	if rate := float64(fp) / n; rate > 0.10 {
		t.Errorf("false positive rate %.3f", rate)
	}
	f.forget()
	if !f.mayContain([]byte("other-1")) {
		t.Fatal("a forgotten filter must answer maybe")
	}
	f.add([]byte("x")) // ignored
	if len(f.layers) != 0 {
		t.Fatal("a forgotten filter must not grow again")
	}
}
