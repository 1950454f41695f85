package netexchange

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

// fuzzSchema is the schema batches are decoded against in FuzzDecodeFrame.
var fuzzSchema = []*types.Type{types.BigInt, types.String, types.Decimal(38, 4),
	types.ArrayOf(types.MapOf(types.Int, types.Boolean)), types.RowOf(types.Field{Name: "r", Type: types.Double}), types.Null}

// FuzzDecodeFrame feeds arbitrary bytes to every decoder of the receiving
// side: the frame reader (headers, lengths), channel ids, schemas, batches
// (against a fixed schema and against the schema the input itself
// declares), watermarks. Malformed input must give an error, never a
// panic, and allocation stays bounded by the input (the frame reader grows
// its buffer only as bytes arrive; counts are checked against the bytes
// left before anything is allocated).
func FuzzDecodeFrame(f *testing.F) {
	var frames []byte
	frames = appendHeader(frames, frameWatermark, 1, 9)
	frames = appendWatermark(frames, 42, true)
	f.Add(frames)
	f.Add(appendBatch(nil, makeBatch(fuzzSchema, 5, true)))
	f.Add(appendBatch(nil, makeBatch(fuzzSchema, 70, false)))
	f.Add(appendSchema(nil, allTypes))
	f.Add(appendChannelID(nil, ChannelID{Job: "j", Edge: 1, Producer: 2, Consumer: 3}))
	s := appendSchema(nil, allTypes[:12])
	both := binary.AppendUvarint(nil, uint64(len(s)))
	both = append(both, s...)
	both = append(both, appendBatch(nil, makeBatch(allTypes[:12], 9, true))...)
	f.Add(both)
	f.Add([]byte{frameBatch, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x03})
	f.Fuzz(fuzzBody)
}

func fuzzBody(t *testing.T, p []byte) {
	{
		if b, err := decodeBatch(p, fuzzSchema); err == nil {
			checkDecoded(t, b)
		}
		_, _ = decodeSchema(p)
		_, _ = decodeChannelID(p)
		_, _, _ = decodeWatermark(p)
		// A schema (length-prefixed) followed by a batch of it.
		d := reader{b: p}
		n := d.count(len(p))
		if sp := d.bytes(n); d.err == nil {
			if ts, err := decodeSchema(sp); err == nil {
				if b, err := decodeBatch(d.b, ts); err == nil {
					checkDecoded(t, b)
				}
			}
		}
		fr := frameReader{r: bytes.NewReader(p)}
		for {
			_, _, payload, err := fr.next()
			if err != nil {
				break
			}
			if cap(fr.buf) > 2*len(p)+64<<10 {
				t.Fatalf("frame buffer of %d bytes for %d bytes of input", cap(fr.buf), len(p))
			}
			_, _ = decodeBatch(payload, fuzzSchema)
		}
	}
}

// checkDecoded walks a decoded batch the way operators do: every access
// must be in bounds.
func checkDecoded(t *testing.T, b *types.Batch) {
	for i := 0; i < min(b.Len, checkRows); i++ {
		_ = b.Kind(i)
	}
	for _, v := range b.Cols {
		if v.Len != b.Len {
			t.Fatalf("vector of %d rows in a batch of %d", v.Len, b.Len)
		}
		checkVector(t, v)
	}
	// Copying rows exercises every value path.
	c := types.NewBatch(typesOf(b), min(b.Len, 64))
	for i := 0; i < b.Len && i < 64; i++ {
		c.AppendRow(b, i)
	}
}

func typesOf(b *types.Batch) []*types.Type {
	ts := make([]*types.Type, len(b.Cols))
	for i, c := range b.Cols {
		ts[i] = c.Type
	}
	return ts
}

// checkRows bounds the rows walked per vector: a batch of a million rows
// of NULL-typed columns is valid and costs no bytes, but walking all of it
// per fuzz input would only slow the fuzzer down.
const checkRows = 4096

func checkVector(t *testing.T, v *types.Vector) {
	n := min(v.Len, checkRows)
	for i := 0; i < n; i++ {
		_ = v.IsNull(i)
	}
	switch v.Type.Kind.Physical() {
	case types.PhysBool:
		_ = v.Bools[:v.Len]
	case types.PhysInt64:
		_ = v.Ints[:v.Len]
	case types.PhysFloat64:
		_ = v.Floats[:v.Len]
	case types.PhysDecimal:
		for i := range v.Decs[:n] {
			_ = v.Decs[i].String()
		}
		_ = v.Decs[:v.Len]
	case types.PhysBytes:
		_ = v.Offsets[v.Len]
		for i := 0; i < n; i++ {
			_ = v.Bytes(i)
		}
	case types.PhysArray, types.PhysMap:
		for _, c := range v.Children {
			if c.Len != int(v.Offsets[v.Len]) {
				t.Fatalf("child of %d rows, offsets end at %d", c.Len, v.Offsets[v.Len])
			}
			checkVector(t, c)
		}
	case types.PhysRow:
		for _, c := range v.Children {
			if c.Len != v.Len {
				t.Fatalf("row field of %d rows, vector %d", c.Len, v.Len)
			}
			checkVector(t, c)
		}
	}
}
