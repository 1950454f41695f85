package formats

import (
	option "github.com/flinkgo/engine/connectors/internal/opts"

	"bufio"
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime/types"
)

func init() { Register(rawFormat{}) }

// rawFormat reads and writes a single column as the record bytes: strings
// as text in raw.charset, BYTES as is, numbers in binary.
type rawFormat struct{}

type rawCodec struct {
	t     *types.Type
	order interface {
		binary.ByteOrder
		binary.AppendByteOrder
	}
	latin1 bool
}

func (rawFormat) Identifier() string { return "raw" }

func (rawFormat) OptionKeys() []string { return []string{"raw.charset", "raw.endianness"} }

func (rawFormat) Split(map[string]string) bufio.SplitFunc { return SplitLines }

func newRawCodec(fields []types.Field, opts map[string]string) (*rawCodec, error) {
	if len(fields) != 1 {
		var b strings.Builder
		for i, f := range fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("`" + f.Name + "` " + f.Type.String())
		}
		return nil, connectors.Errorf("The 'raw' format only supports single physical column. "+
			"However the defined schema contains multiple physical columns: [%s]", b.String())
	}
	c := &rawCodec{t: fields[0].Type, order: binary.BigEndian}
	end, err := option.OneOf(opts, "raw.endianness", "big-endian", "big-endian", "little-endian")
	if err != nil {
		return nil, err
	}
	if end == "little-endian" {
		c.order = binary.LittleEndian
	}
	if cs, ok := opts["raw.charset"]; ok {
		switch strings.ToUpper(strings.TrimSpace(cs)) {
		case "UTF-8", "UTF8", "US-ASCII", "ASCII":
		case "ISO-8859-1", "LATIN1":
			c.latin1 = true
		default:
			return nil, connectors.Errorf("Unsupported raw.charset '%s'. Supported charsets are [UTF-8, US-ASCII, ISO-8859-1].", cs)
		}
	}
	switch c.t.Kind {
	case types.KindChar, types.KindVarChar, types.KindBinary, types.KindVarBinary, types.KindBoolean,
		types.KindTinyInt, types.KindSmallInt, types.KindInt, types.KindBigInt, types.KindFloat, types.KindDouble:
	default:
		return nil, connectors.Errorf("The 'raw' format doesn't supports '%s' as column type.", c.t.String())
	}
	return c, nil
}

func (rawFormat) NewDecoder(fields []types.Field, opts map[string]string) (Decoder, error) {
	c, err := newRawCodec(fields, opts)
	if err != nil {
		return nil, err
	}
	return &rawDecoder{c: c, name: fields[0].Name}, nil
}

func (rawFormat) NewEncoder(fields []types.Field, opts map[string]string) (Encoder, error) {
	c, err := newRawCodec(fields, opts)
	if err != nil {
		return nil, err
	}
	return &rawEncoder{c: c}, nil
}

type rawDecoder struct {
	c    *rawCodec
	name string
}

func (d *rawDecoder) IgnoreParseErrors() bool { return false }

func (d *rawDecoder) Decode(data []byte, out []*types.Vector) error {
	v := out[0]
	if v == nil {
		return nil
	}
	c := d.c
	switch c.t.Kind {
	case types.KindChar, types.KindVarChar:
		if c.latin1 {
			for _, b := range data {
				v.Data = utf8.AppendRune(v.Data, rune(b))
			}
			v.Offsets = append(v.Offsets, int32(len(v.Data)))
			v.Len++
			return nil
		}
		v.AppendBytes(data)
		return nil
	case types.KindBinary, types.KindVarBinary:
		v.AppendBytes(data)
		return nil
	}
	want := rawSize(c.t.Kind)
	if len(data) != want {
		return &ParseError{Format: "raw", Field: d.name,
			Reason: "expected " + itoa(want) + " bytes for " + c.t.String() + " but got " + itoa(len(data))}
	}
	switch c.t.Kind {
	case types.KindBoolean:
		v.AppendBool(data[0] != 0)
	case types.KindTinyInt:
		v.AppendInt(int64(int8(data[0])))
	case types.KindSmallInt:
		v.AppendInt(int64(int16(c.order.Uint16(data))))
	case types.KindInt:
		v.AppendInt(int64(int32(c.order.Uint32(data))))
	case types.KindBigInt:
		v.AppendInt(int64(c.order.Uint64(data)))
	case types.KindFloat:
		v.AppendFloat(float64(math.Float32frombits(c.order.Uint32(data))))
	case types.KindDouble:
		v.AppendFloat(math.Float64frombits(c.order.Uint64(data)))
	}
	return nil
}

func rawSize(k types.Kind) int {
	switch k {
	case types.KindBoolean, types.KindTinyInt:
		return 1
	case types.KindSmallInt:
		return 2
	case types.KindInt, types.KindFloat:
		return 4
	}
	return 8
}

func itoa(n int) string { return strconv.Itoa(n) }

type rawEncoder struct{ c *rawCodec }

func (e *rawEncoder) Encode(dst []byte, cols []*types.Vector, row int) ([]byte, error) {
	v := cols[0]
	if v.IsNull(row) {
		return dst, nil
	}
	c := e.c
	switch c.t.Kind {
	case types.KindChar, types.KindVarChar:
		if c.latin1 {
			for _, r := range string(v.Bytes(row)) {
				if r > 0xff {
					r = '?'
				}
				dst = append(dst, byte(r))
			}
			return dst, nil
		}
		return append(dst, v.Bytes(row)...), nil
	case types.KindBinary, types.KindVarBinary:
		return append(dst, v.Bytes(row)...), nil
	case types.KindBoolean:
		if v.Bools[row] {
			return append(dst, 1), nil
		}
		return append(dst, 0), nil
	case types.KindTinyInt:
		return append(dst, byte(v.Ints[row])), nil
	case types.KindSmallInt:
		return c.order.AppendUint16(dst, uint16(v.Ints[row])), nil
	case types.KindInt:
		return c.order.AppendUint32(dst, uint32(v.Ints[row])), nil
	case types.KindBigInt:
		return c.order.AppendUint64(dst, uint64(v.Ints[row])), nil
	case types.KindFloat:
		return c.order.AppendUint32(dst, math.Float32bits(float32(v.Floats[row]))), nil
	case types.KindDouble:
		return c.order.AppendUint64(dst, math.Float64bits(v.Floats[row])), nil
	}
	return dst, nil
}
