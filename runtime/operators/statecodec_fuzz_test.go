package operators

import (
	"bytes"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/flinkgo/engine/runtime/types"
)

// fuzzKeyTypes are the group-key schemas FuzzDecodeKeyValue decodes with:
// scalars, decimals of both encodings, and nested ARRAY, MAP and ROW.
var fuzzKeyTypes = [][]*types.Type{
	{types.BigInt, types.String},
	{types.Boolean, types.Double, types.Decimal(10, 2), types.Decimal(38, 18)},
	{types.Timestamp3, types.Int, types.Bytes},
	{types.ArrayOf(types.Int), types.MapOf(types.String, types.BigInt)},
	{types.RowOf(types.Field{Name: "x", Type: types.Int}, types.Field{Name: "y", Type: types.ArrayOf(types.RowOf(types.Field{Name: "d", Type: types.Decimal(20, 4)}))})},
	{types.MapOf(types.BigInt, types.ArrayOf(types.String))},
}

// FuzzDecodeKeyValue decodes arbitrary bytes as a group key (the encoding
// window, session, join and sink-materializer state keys hold) with each
// schema of fuzzKeyTypes: an error, or values that the key encoder encodes
// to a key that decodes and encodes to the same key again.
func FuzzDecodeKeyValue(f *testing.F) {
	// Seeds: keys the encoder writes for a few rows.
	for _, ts := range fuzzKeyTypes {
		b := types.NewBatch(ts, 2)
		for _, v := range b.Cols {
			appendSample(v, 2)
			v.AppendNull()
		}
		b.Len = 2
		e := keyEncoder{cols: make([]int, len(ts))}
		for i := range e.cols {
			e.cols[i] = i
		}
		f.Add(bytes.Clone(e.encode(b, 0)))
		f.Add(bytes.Clone(e.encode(b, 1)))
	}
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{2, 3, '1', 'E', '9'})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, ts := range fuzzKeyTypes {
			b := types.NewBatch(ts, 1)
			rest := data
			var err error
			for _, v := range b.Cols {
				if rest, err = decodeKeyValue(v, rest); err != nil {
					break
				}
			}
			if err != nil {
				continue
			}
			for i, v := range b.Cols {
				if v.Len != 1 {
					t.Fatalf("column %d of %v holds %d values after one decode", i, ts, v.Len)
				}
			}
			b.Len = 1
			// Decoding and re-encoding normalizes a key (a decimal in text
			// form comes back in the 128-bit form when it fits); from there
			// on it must be a fixed point.
			key := bytes.Clone(encodeKey(b))
			again := types.NewBatch(ts, 1)
			rest = key
			for _, v := range again.Cols {
				if rest, err = decodeKeyValue(v, rest); err != nil {
					t.Fatalf("re-encoded key %x of %s does not decode: %v", key, types.AppendRowPrint(nil, b, 0), err)
				}
			}
			again.Len = 1
			if len(rest) != 0 {
				t.Fatalf("re-encoded key %x has %d bytes left", key, len(rest))
			}
			if key2 := encodeKey(again); !bytes.Equal(key, key2) {
				t.Fatalf("re-encoding is not stable: %s encodes to %x, which decodes to %s and encodes to %x",
					types.AppendRowPrint(nil, b, 0), key, types.AppendRowPrint(nil, again, 0), key2)
			}
		}
	})
}

// encodeKey is the group key of row 0 of all columns of b.
func encodeKey(b *types.Batch) []byte {
	e := keyEncoder{cols: make([]int, len(b.Cols))}
	for i := range e.cols {
		e.cols[i] = i
	}
	return e.encode(b, 0)
}

// appendSample appends n non-NULL values to v (nested vectors included).
func appendSample(v *types.Vector, n int) {
	for i := 0; i < n; i++ {
		switch v.Type.Kind.Physical() {
		case types.PhysBool:
			v.AppendBool(i%2 == 0)
		case types.PhysInt64:
			v.AppendInt(int64(i*1000 - 7))
		case types.PhysFloat64:
			v.AppendFloat(float64(i) / 3)
		case types.PhysDecimal:
			var d apd.Decimal
			d.SetString("12345.6789")
			if i == 1 {
				d.SetString("1E+40") // beyond 128 bits at scale 18: the text form
			}
			v.AppendDecimal(&d)
		case types.PhysBytes:
			v.AppendBytes([]byte("k\x00é"[:i+1]))
		case types.PhysArray, types.PhysMap:
			for _, c := range v.Children {
				appendSample(c, 2)
			}
			v.CloseNested()
		case types.PhysRow:
			for _, c := range v.Children {
				appendSample(c, 1)
			}
			v.CloseRow()
		default:
			v.AppendNull()
		}
	}
}

// fuzzAggCalls are the insert-only aggregate calls FuzzAccumulatorDecode
// decodes accumulators of, with their argument types.
var fuzzAggCalls = []struct {
	call AggCall
	arg  *types.Type
}{
	{AggCall{Kind: AggCountStar, Arg: -1, Type: types.BigInt}, nil},
	{AggCall{Kind: AggCount, Type: types.BigInt}, types.String},
	{AggCall{Kind: AggSum, Type: types.BigInt}, types.Int},
	{AggCall{Kind: AggSum0, Type: types.Double}, types.Double},
	{AggCall{Kind: AggSum, Type: types.Decimal(38, 2)}, types.Decimal(10, 2)},
	{AggCall{Kind: AggAvg, Type: types.Decimal(38, 6)}, types.Decimal(10, 2)},
	{AggCall{Kind: AggAvg, Type: types.Int}, types.Int},
	{AggCall{Kind: AggAvgMerge, Type: types.Double, CountArg: 1}, types.Double},
	{AggCall{Kind: AggMin, Type: types.BigInt}, types.BigInt},
	{AggCall{Kind: AggMax, Type: types.String}, types.String},
	{AggCall{Kind: AggMax, Type: types.Decimal(10, 2)}, types.Decimal(10, 2)},
	{AggCall{Kind: AggFirstValue, Type: types.Double}, types.Double},
	{AggCall{Kind: AggLastValue, Type: types.String}, types.String},
	{AggCall{Kind: AggVarSamp, Type: types.Double}, types.Double},
	{AggCall{Kind: AggStddevPop, Type: types.Decimal(38, 6)}, types.Decimal(10, 2)},
	{AggCall{Kind: AggListAgg, Type: types.String, Separator: ","}, types.String},
}

// FuzzAccumulatorDecode decodes arbitrary bytes as the keyed "acc" state
// value of a group aggregate, one accumulator of each kind after the
// other, as the group aggregate does on restore: an error, or
// accumulators whose results can be read and which re-encode to bytes
// that decode to the same results.
func FuzzAccumulatorDecode(f *testing.F) {
	accs := make([]accumulator, len(fuzzAggCalls))
	for i, c := range fuzzAggCalls {
		a, err := newAccumulator(c.call, c.arg, nil, nil)
		if err != nil {
			f.Fatalf("%s: %v", c.call.Kind, err)
		}
		accs[i] = a
	}
	encodeAll := func() []byte {
		var buf []byte
		for _, a := range accs {
			buf = a.encode(buf)
		}
		return buf
	}
	for _, a := range accs {
		a.reset()
	}
	f.Add(encodeAll())
	// Fold a few rows into every accumulator for a richer seed.
	for i, c := range fuzzAggCalls {
		if c.arg == nil {
			_ = accs[i].add(nil, 0, 1)
			continue
		}
		if c.call.Kind == AggAvgMerge {
			continue // its add reads the partial count column
		}
		v := types.NewVector(c.arg, 3)
		appendSample(v, 3)
		for r := 0; r < 3; r++ {
			_ = accs[i].add(v, r, 1)
		}
	}
	f.Add(encodeAll())
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	results := func() (string, error) {
		b := types.NewBatch(resultTypes(), 1)
		for i, a := range accs {
			if err := a.result(b.Cols[i]); err != nil {
				return "", err
			}
		}
		b.Len = 1
		return string(types.AppendRowPrint(nil, b, 0)), nil
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := stateReader{b: data}
		for _, a := range accs {
			a.reset()
			a.decode(&r)
		}
		if r.err != nil {
			return
		}
		got, err := results()
		if err != nil {
			return
		}
		enc := encodeAll()
		r = stateReader{b: enc}
		for _, a := range accs {
			a.reset()
			a.decode(&r)
		}
		if r.err != nil || len(r.b) != 0 {
			t.Fatalf("re-encoded accumulators do not decode: %v (%d bytes left)", r.err, len(r.b))
		}
		again, err := results()
		if err != nil || again != got {
			t.Fatalf("re-encoding changed the results: %s became %s (%v)", got, again, err)
		}
	})
}

func resultTypes() []*types.Type {
	out := make([]*types.Type, len(fuzzAggCalls))
	for i, c := range fuzzAggCalls {
		out[i] = c.call.Type
	}
	return out
}
