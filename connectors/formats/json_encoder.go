package formats

import (
	"math"
	"strconv"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime/types"
)

// Map null-key modes (json.map-null-key.mode).
const (
	nullKeyFail    = "FAIL"
	nullKeyDrop    = "DROP"
	nullKeyLiteral = "LITERAL"
)

type jsonEncoder struct {
	names       [][]byte // pre-rendered `"name":` per field
	nullKeyMode string
	nullLiteral string
	ignoreNull  bool
	codec       textCodec
	scratch     []byte
}

func newJSONEncoder(fields []types.Field, o jsonOptions) *jsonEncoder {
	e := &jsonEncoder{nullKeyMode: o.nullKeyMode, nullLiteral: o.nullKeyLiteral,
		ignoreNull: o.ignoreNullFields, codec: textCodec{tsSep: o.tsSep, decPlain: o.decimalPlain}}
	for _, f := range fields {
		e.names = append(e.names, append(appendJSONString(nil, []byte(f.Name)), ':'))
	}
	return e
}

func (e *jsonEncoder) Encode(dst []byte, cols []*types.Vector, row int) ([]byte, error) {
	dst = append(dst, '{')
	first := true
	for i, v := range cols {
		if e.ignoreNull && v.IsNull(row) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, e.names[i]...)
		var err error
		if dst, err = e.value(dst, v, row); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func (e *jsonEncoder) value(dst []byte, v *types.Vector, i int) ([]byte, error) {
	if v.IsNull(i) || v.Type.Kind == types.KindNull {
		return append(dst, "null"...), nil
	}
	switch v.Type.Kind {
	case types.KindBoolean:
		return strconv.AppendBool(dst, v.Bools[i]), nil
	case types.KindTinyInt, types.KindSmallInt, types.KindInt, types.KindBigInt,
		types.KindIntervalYearMonth, types.KindIntervalDayTime:
		return strconv.AppendInt(dst, v.Ints[i], 10), nil
	case types.KindFloat, types.KindDouble:
		f := v.Floats[i]
		bits := 64
		if v.Type.Kind == types.KindFloat {
			bits = 32
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			dst = append(dst, '"')
			return append(types.AppendJavaFloat(dst, f, bits), '"'), nil
		}
		return types.AppendJavaFloat(dst, f, bits), nil
	case types.KindDecimal:
		return e.codec.appendScalarText(dst, v, i), nil
	case types.KindChar, types.KindVarChar:
		return appendJSONString(dst, v.Bytes(i)), nil
	case types.KindArray:
		dst = append(dst, '[')
		for j := v.Offsets[i]; j < v.Offsets[i+1]; j++ {
			if j > v.Offsets[i] {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = e.value(dst, v.Children[0], int(j)); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case types.KindMap:
		dst = append(dst, '{')
		first := true
		for j := v.Offsets[i]; j < v.Offsets[i+1]; j++ {
			k := v.Children[0]
			var key []byte
			if k.IsNull(int(j)) {
				switch e.nullKeyMode {
				case nullKeyDrop:
					continue
				case nullKeyLiteral:
					key = append(e.scratch[:0], e.nullLiteral...)
				default:
					return dst, connectors.Errorf("JSON format doesn't support to serialize map data with null keys. " +
						"You can drop null key entries or encode null in literals by specifying map-null-key.mode option.")
				}
			} else if k.Type.IsString() {
				key = k.Bytes(int(j))
			} else {
				key = e.codec.appendScalarText(e.scratch[:0], k, int(j))
			}
			e.scratch = key[:0]
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendJSONString(dst, key)
			dst = append(dst, ':')
			var err error
			if dst, err = e.value(dst, v.Children[1], int(j)); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case types.KindRow:
		dst = append(dst, '{')
		for k, c := range v.Children {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, []byte(v.Type.Fields[k].Name))
			dst = append(dst, ':')
			var err error
			if dst, err = e.value(dst, c, i); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	}
	// Rendered scalars (dates, base64, ...) never need escaping.
	dst = append(dst, '"')
	dst = e.codec.appendScalarText(dst, v, i)
	return append(dst, '"'), nil
}

// appendJSONString appends s as a JSON string, escaping as Jackson does.
func appendJSONString(dst []byte, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigit[c>>4], hexDigit[c&15])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const hexDigit = "0123456789ABCDEF"
