package operators

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/cockroachdb/apd/v3"

	"github.com/flinkgo/engine/runtime/types"
)

// errCorruptKey is returned when a group key does not decode as its types.
var errCorruptKey = errors.New("operators: malformed group key encoding")

// decodeKeyValue appends the value encoded (keyEncoder format) at the start
// of b to out and returns the rest of b. It is the inverse of
// keyEncoder.appendKey, except that -0.0 comes back as 0 and every NaN as
// one NaN (the encoding folds them).
func decodeKeyValue(out *types.Vector, b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, errCorruptKey
	}
	tag := b[0]
	b = b[1:]
	if tag == 0 {
		out.AppendNull()
		return b, nil
	}
	switch out.Type.Kind.Physical() {
	case types.PhysBool:
		if tag != 1 || len(b) < 1 {
			return nil, errCorruptKey
		}
		out.AppendBool(b[0] != 0)
		return b[1:], nil
	case types.PhysInt64:
		if tag != 1 || len(b) < 8 {
			return nil, errCorruptKey
		}
		if types.HasNanos(out.Type) {
			if len(b) < 10 {
				return nil, errCorruptKey
			}
			out.AppendTimestamp(int64(binary.LittleEndian.Uint64(b)), int64(binary.LittleEndian.Uint16(b[8:])))
			return b[10:], nil
		}
		out.AppendInt(int64(binary.LittleEndian.Uint64(b)))
		return b[8:], nil
	case types.PhysFloat64:
		if tag != 1 || len(b) < 8 {
			return nil, errCorruptKey
		}
		out.AppendFloat(math.Float64frombits(binary.LittleEndian.Uint64(b)))
		return b[8:], nil
	case types.PhysDecimal:
		if tag == 2 {
			s, rest, err := uvarintBytes(b)
			if err != nil {
				return nil, err
			}
			var d apd.Decimal
			if _, _, err := d.SetString(string(s)); err != nil {
				return nil, errCorruptKey
			}
			out.AppendDecimal(&d)
			return rest, nil
		}
		if tag != 1 || len(b) < 16 {
			return nil, errCorruptKey
		}
		out.Decs = append(out.Decs, apd.Decimal{})
		i128ToDec(&out.Decs[len(out.Decs)-1], binary.LittleEndian.Uint64(b[8:]), binary.LittleEndian.Uint64(b), out.Type.Scale)
		out.Len++
		return b[16:], nil
	case types.PhysBytes:
		s, rest, err := uvarintBytes(b)
		if err != nil || tag != 1 {
			return nil, errCorruptKey
		}
		out.AppendBytes(s)
		return rest, nil
	case types.PhysArray, types.PhysMap:
		n, k := binary.Uvarint(b)
		if k <= 0 || tag != 1 || n > uint64(len(b)) {
			return nil, errCorruptKey
		}
		b = b[k:]
		var err error
		for j := uint64(0); j < n; j++ {
			for _, c := range out.Children {
				if b, err = decodeKeyValue(c, b); err != nil {
					return nil, err
				}
			}
		}
		out.CloseNested()
		return b, nil
	case types.PhysRow:
		if tag != 1 {
			return nil, errCorruptKey
		}
		var err error
		for _, c := range out.Children {
			if b, err = decodeKeyValue(c, b); err != nil {
				return nil, err
			}
		}
		out.CloseRow()
		return b, nil
	}
	return nil, errCorruptKey
}

// uvarintBytes splits a uvarint-length-prefixed byte string off b.
func uvarintBytes(b []byte) (s, rest []byte, err error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, nil, errCorruptKey
	}
	return b[k : k+int(n)], b[k+int(n):], nil
}
