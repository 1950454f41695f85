package types

import (
	"unsafe"

	"github.com/cockroachdb/apd/v3"
)

// decimalSize is the in-memory size of one DECIMAL slot.
const decimalSize = int64(unsafe.Sizeof(apd.Decimal{}))

// SizeBytes is the in-memory size of the batch's rows: the used part of
// every column's value slices, offsets, string arena and null bitmap, and
// the row kinds. It approximates what the batch would take on the wire
// (Flink's numBytesIn/Out); it walks the columns once, allocates nothing
// and never reads values.
func (b *Batch) SizeBytes() int64 {
	n := int64(len(b.Kinds))
	for _, c := range b.Cols {
		n += c.SizeBytes()
	}
	return n
}

// SizeBytes is the in-memory size of the vector's used slices, children
// included (see Batch.SizeBytes).
func (v *Vector) SizeBytes() int64 {
	n := 8*int64(len(v.Nulls)) + int64(len(v.Bools)) + 8*int64(len(v.Ints)) + 2*int64(len(v.Nanos)) + 8*int64(len(v.Floats)) +
		decimalSize*int64(len(v.Decs)) + int64(len(v.Data)) + 4*int64(len(v.Offsets))
	for _, c := range v.Children {
		n += c.SizeBytes()
	}
	return n
}
