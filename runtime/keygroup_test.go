package runtime

import (
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/flinkgo/engine/runtime/types"
)

func TestHashKeyDecimal(t *testing.T) {
	v := types.NewVector(types.Decimal(10, 2), 4)
	for _, s := range []string{"12.50", "12.50", "-12.50", "0.00"} {
		d, _, err := apd.NewFromString(s)
		if err != nil {
			t.Fatal(err)
		}
		v.AppendDecimal(d)
	}
	cols := []*types.Vector{v}
	h := func(i int) uint64 { return HashKey(cols, []int{0}, i) }
	if h(0) != h(1) || h(0) == h(2) || h(0) == h(3) {
		t.Fatalf("hashes %x %x %x %x", h(0), h(1), h(2), h(3))
	}
	if n := testing.AllocsPerRun(100, func() { h(0) }); n != 0 {
		t.Fatalf("%v allocations per decimal key hash", n)
	}
}

func TestKeyGroupRangesCoverAllGroups(t *testing.T) {
	for _, par := range []int{1, 2, 3, 7, 128} {
		next := 0
		for sub := 0; sub < par; sub++ {
			lo, hi := KeyGroupRange(sub, 128, par)
			if lo != next {
				t.Fatalf("p=%d subtask %d starts at %d, want %d", par, sub, lo, next)
			}
			for kg := lo; kg <= hi; kg++ {
				if got := SubtaskOfKeyGroup(kg, 128, par); got != sub {
					t.Fatalf("p=%d key group %d maps to %d, range says %d", par, kg, got, sub)
				}
			}
			next = hi + 1
		}
		if next != 128 {
			t.Fatalf("p=%d covers %d key groups", par, next)
		}
	}
}
