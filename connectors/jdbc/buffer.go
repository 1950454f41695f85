package jdbc

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math"

	"github.com/flinkgo/engine/runtime/types"
)

// rowBuffer holds the rows a writer has not flushed yet, copied out of the
// borrowed input batches into its own columnar store.
//
// In upsert mode (keyed) it is reduced by primary key as Flink's
// TableBufferReducedStatementExecutor does: the last change of a key wins;
// keys keep the order in which they were first seen. Without a key every
// row is kept, in order.
type rowBuffer struct {
	store *types.Batch
	kinds []types.RowKind // kind of each stored row
	added int             // rows added since the last reset (the max-rows counter)

	// Keyed: distinct keys are entries; index maps a key's hash to its
	// first entry, chain links entries with the same hash; the encoded
	// keys live in one arena. Nothing is allocated per row once the
	// buffers have grown.
	keyed  bool
	pk     []int            // key columns
	seed   maphash.Seed     //
	index  map[uint64]int32 // key hash -> first entry
	chain  []int32          // per entry: next entry with the same hash, -1
	keys   []byte           // encoded keys of the entries
	keyEnd []int32          // per entry: end of its key in keys
	latest []int32          // per entry: row in store of its last change
	keyBuf []byte
}

func newRowBuffer(colTypes []*types.Type, pk []int) *rowBuffer {
	b := &rowBuffer{store: types.NewBatch(colTypes, 128), pk: pk, keyed: len(pk) > 0}
	if b.keyed {
		b.index = map[uint64]int32{}
		b.seed = maphash.MakeSeed()
	}
	return b
}

// add copies row i of src with kind k.
func (b *rowBuffer) add(src *types.Batch, i int, k types.RowKind) {
	row := int32(b.store.Len)
	for c, v := range b.store.Cols {
		v.AppendFrom(src.Cols[c], i)
	}
	b.store.Len++
	b.kinds = append(b.kinds, k)
	b.added++
	if !b.keyed {
		return
	}
	b.keyBuf = encodeKey(b.keyBuf[:0], b.store.Cols, b.pk, int(row))
	h := maphash.Bytes(b.seed, b.keyBuf)
	first, ok := b.index[h]
	if ok {
		for e := first; e >= 0; e = b.chain[e] {
			start := int32(0)
			if e > 0 {
				start = b.keyEnd[e-1]
			}
			if bytes.Equal(b.keys[start:b.keyEnd[e]], b.keyBuf) {
				b.latest[e] = row
				return
			}
		}
	} else {
		first = -1
	}
	e := int32(len(b.latest))
	b.index[h] = e
	b.chain = append(b.chain, first)
	b.keys = append(b.keys, b.keyBuf...)
	b.keyEnd = append(b.keyEnd, int32(len(b.keys)))
	b.latest = append(b.latest, row)
}

// rows returns the rows to write, in order: for a keyed buffer the last
// change of each key, else every row.
func (b *rowBuffer) rows(dst []int32) []int32 {
	dst = dst[:0]
	if b.keyed {
		return append(dst, b.latest...)
	}
	for i := 0; i < b.store.Len; i++ {
		dst = append(dst, int32(i))
	}
	return dst
}

func (b *rowBuffer) empty() bool { return b.store.Len == 0 }

func (b *rowBuffer) reset() {
	b.store.Reset()
	b.kinds = b.kinds[:0]
	b.added = 0
	if b.keyed {
		clear(b.index)
		b.chain, b.keys, b.keyEnd, b.latest = b.chain[:0], b.keys[:0], b.keyEnd[:0], b.latest[:0]
	}
}

// encodeKey appends a byte encoding of the key columns of row i: equal keys
// (as the engine compares them) give equal bytes.
func encodeKey(dst []byte, cols []*types.Vector, key []int, i int) []byte {
	for _, k := range key {
		v := cols[k]
		if v.IsNull(i) {
			dst = append(dst, 0)
			continue
		}
		dst = append(dst, 1)
		switch v.Type.Kind.Physical() {
		case types.PhysBool:
			if v.Bools[i] {
				dst = append(dst, 1)
			} else {
				dst = append(dst, 0)
			}
		case types.PhysInt64:
			dst = binary.LittleEndian.AppendUint64(dst, uint64(v.Ints[i]))
		case types.PhysFloat64:
			f := v.Floats[i]
			if f == 0 {
				f = 0 // -0 == 0
			}
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
		case types.PhysDecimal:
			d := &v.Decs[i]
			dst = d.Append(dst, 'f')
			dst = append(dst, 0)
		case types.PhysBytes:
			b := v.Bytes(i)
			dst = binary.AppendUvarint(dst, uint64(len(b)))
			dst = append(dst, b...)
		}
	}
	return dst
}
