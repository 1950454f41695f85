package jdbc

import (
	"fmt"
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

func TestRowBuffer(t *testing.T) {
	ct := []*types.Type{intType, types.String, types.String}
	tests := []struct {
		name string
		pk   []int
		in   []row
		want []string // kind|values of the rows to write, in order
	}{
		{"last change per key, first-seen order", []int{0}, []row{ins(1, "a", "x"), ins(2, "b", "x"), upd(1, "c", "x"), del(2, "b", "x"), ins(3, "d", "x")},
			[]string{"+U|1|c|x", "-D|2|b|x", "+I|3|d|x"}},
		{"composite key", []int{0, 1}, []row{ins(1, "a", "1"), ins(1, "b", "2"), upd(1, "a", "3"), ins(1, "", "4"), upd(1, "", "5")},
			[]string{"+U|1|a|3", "+I|1|b|2", "+U|1||5"}},
		{"string key with separators", []int{1}, []row{ins(1, "a\x00b", "1"), ins(2, "a", "2"), ins(3, "a\x00b", "3")},
			[]string{"+I|3|a\x00b|3", "+I|2|a|2"}},
		{"no key keeps all", nil, []row{ins(1, "a", "x"), ins(1, "a", "x")},
			[]string{"+I|1|a|x", "+I|1|a|x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newRowBuffer(ct, tc.pk)
			for round := 0; round < 2; round++ { // the second round reuses the buffers
				in := batchOf(t, ct, tc.in...)
				for i := 0; i < in.Len; i++ {
					b.add(in, i, in.Kind(i))
				}
				rs := batchStrings(b.store)
				var got []string
				for _, r := range b.rows(nil) {
					got = append(got, b.kinds[r].String()+"|"+rs[r])
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Fatalf("round %d: got %q, want %q", round, got, tc.want)
				}
				if b.added != len(tc.in) {
					t.Fatalf("added = %d", b.added)
				}
				b.reset()
			}
		})
	}
}

// TestRowBufferAllocs: once grown, adding rows allocates nothing.
func TestRowBufferAllocs(t *testing.T) {
	ct := []*types.Type{intType, types.String}
	in := types.NewBatch(ct, 512)
	for i := 0; i < 512; i++ {
		in.Cols[0].AppendInt(int64(i % 300))
		in.Cols[1].AppendString("value")
		in.Len++
	}
	b := newRowBuffer(ct, []int{0})
	fill := func() {
		for i := 0; i < in.Len; i++ {
			b.add(in, i, types.Insert)
		}
		b.reset()
	}
	fill()
	fill()
	if a := testing.AllocsPerRun(5, fill); a != 0 {
		t.Fatalf("%v allocations per 512 rows", a)
	}
}
