package types

import "testing"

func TestBatchSizeBytes(t *testing.T) {
	b := NewBatch([]*Type{BigInt, String}, 4)
	b.Cols[0].AppendInt(1)
	b.Cols[1].AppendString("abc")
	b.Cols[0].AppendNull()
	b.Cols[1].AppendString("de")
	b.Len = 2
	// ints 2*8, null bitmap 1 word, offsets 3*4, arena 5 bytes
	if got, want := b.SizeBytes(), int64(16+8+12+5); got != want {
		t.Fatalf("SizeBytes = %d, want %d", got, want)
	}
	b.Kinds = []RowKind{Insert, Delete}
	if got, want := b.SizeBytes(), int64(16+8+12+5+2); got != want {
		t.Fatalf("SizeBytes with row kinds = %d, want %d", got, want)
	}
	if n := testing.AllocsPerRun(100, func() { b.SizeBytes() }); n != 0 {
		t.Fatalf("SizeBytes allocates %v times", n)
	}
}
