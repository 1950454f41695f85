package formats

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/cockroachdb/apd/v3"
	"github.com/flinkgo/engine/runtime/types"
)

// textCodec converts scalar values between text and vectors, with the
// conventions shared by the json and csv formats.
type textCodec struct {
	tsSep    byte // ' ' for SQL timestamps, 'T' for ISO-8601
	decPlain bool // render DECIMAL without exponent
	dec      apd.Decimal
}

// isScalarText reports kinds textCodec handles.
func isScalarText(k types.Kind) bool {
	switch k {
	case types.KindArray, types.KindMap, types.KindRow, types.KindNull:
		return false
	}
	return true
}

// convError is a value that does not convert to the field's type (as
// opposed to a malformed record).
type convError struct{ reason string }

func (e *convError) Error() string { return e.reason }

func badValue(t *types.Type, s []byte) error {
	return &convError{reason: fmt.Sprintf("Invalid %s value '%s'", t.String(), s)}
}

// appendText parses s as a value of v's type and appends it. A DECIMAL
// that does not fit its precision becomes NULL, as in Flink.
func (c *textCodec) appendText(v *types.Vector, s []byte) error {
	t := v.Type
	switch t.Kind {
	case types.KindChar, types.KindVarChar:
		v.AppendBytes(s)
		return nil
	case types.KindBinary, types.KindVarBinary:
		return appendBase64(v, s)
	}
	s = trimBlank(s)
	switch t.Kind {
	case types.KindBoolean:
		v.AppendBool(len(s) == 4 && (s[0]|0x20) == 't' && (s[1]|0x20) == 'r' && (s[2]|0x20) == 'u' && (s[3]|0x20) == 'e')
	case types.KindTinyInt, types.KindSmallInt, types.KindInt, types.KindBigInt,
		types.KindIntervalYearMonth, types.KindIntervalDayTime:
		x, ok := parseIntBytes(s, t.Kind)
		if !ok {
			return badValue(t, s)
		}
		v.AppendInt(x)
	case types.KindFloat, types.KindDouble:
		bits := 64
		if t.Kind == types.KindFloat {
			bits = 32
		}
		f, err := strconv.ParseFloat(string(s), bits)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return badValue(t, s)
		}
		v.AppendFloat(f)
	case types.KindDecimal:
		err := types.ParseDecimalInto(&c.dec, s, t.Precision, t.Scale)
		if err != nil {
			var pe *types.ParseError
			if errors.As(err, &pe) && pe.Why != "" {
				v.AppendNull()
				return nil
			}
			return badValue(t, s)
		}
		v.AppendDecimal(&c.dec)
	case types.KindDate:
		d, err := types.ParseDateBytes(s)
		if err != nil {
			return badValue(t, s)
		}
		v.AppendInt(d)
	case types.KindTime:
		ms, err := types.ParseTimeBytes(s)
		if err != nil {
			return badValue(t, s)
		}
		v.AppendInt(ms)
	case types.KindTimestamp, types.KindTimestampLTZ:
		us, ns, ok := types.ParseTimestampSepNanos(s, c.tsSep, t.Kind == types.KindTimestampLTZ, t.Precision)
		if !ok {
			return badValue(t, s)
		}
		v.AppendTimestamp(us, ns)
	default:
		return &convError{reason: "unsupported type " + t.String()}
	}
	return nil
}

// appendScalarText renders row i of v (not NULL) as text for json strings
// and csv fields.
func (c *textCodec) appendScalarText(dst []byte, v *types.Vector, i int) []byte {
	switch v.Type.Kind {
	case types.KindBoolean:
		return strconv.AppendBool(dst, v.Bools[i])
	case types.KindDecimal:
		if c.decPlain {
			return v.Decs[i].Append(dst, 'f')
		}
		return v.Decs[i].Append(dst, 'G') // BigDecimal.toString
	case types.KindBinary, types.KindVarBinary:
		b := v.Bytes(i)
		n := len(dst)
		dst = append(dst, make([]byte, base64.StdEncoding.EncodedLen(len(b)))...)
		base64.StdEncoding.Encode(dst[n:], b)
		return dst
	case types.KindTime:
		return types.AppendTimeTrimmed(dst, v.Ints[i])
	case types.KindTimestamp:
		return types.AppendTimestampTrimmedNanos(dst, v.Ints[i], v.NanoAt(i), c.tsSep)
	case types.KindTimestampLTZ:
		return append(types.AppendTimestampTrimmedNanos(dst, v.Ints[i], v.NanoAt(i), c.tsSep), 'Z')
	case types.KindIntervalYearMonth, types.KindIntervalDayTime:
		return strconv.AppendInt(dst, v.Ints[i], 10)
	}
	return types.AppendValue(dst, v, i, types.StylePrint)
}

func appendBase64(v *types.Vector, s []byte) error {
	n := len(v.Data)
	need := base64.StdEncoding.DecodedLen(len(s))
	v.Data = slices.Grow(v.Data, need)
	m, err := base64.StdEncoding.Decode(v.Data[n:n+need], s)
	if err != nil {
		v.Data = v.Data[:n]
		return badValue(v.Type, s)
	}
	v.Data = v.Data[:n+m]
	v.Offsets = append(v.Offsets, int32(len(v.Data)))
	v.Len++
	return nil
}

// parseIntBytes parses a decimal integer in the range of kind.
func parseIntBytes(s []byte, kind types.Kind) (int64, bool) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	if i == len(s) {
		return 0, false
	}
	var u uint64
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if u > (1<<63)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
		if u > 1<<63 {
			return 0, false
		}
	}
	if !neg && u > 1<<63-1 {
		return 0, false
	}
	x := int64(u)
	if neg {
		x = -x
	}
	lo, hi := intRange(kind)
	if x < lo || x > hi {
		return 0, false
	}
	return x, true
}

func intRange(kind types.Kind) (int64, int64) {
	switch kind {
	case types.KindTinyInt:
		return -128, 127
	case types.KindSmallInt:
		return -32768, 32767
	case types.KindInt, types.KindIntervalYearMonth:
		return -1 << 31, 1<<31 - 1
	}
	return -1 << 63, 1<<63 - 1
}

func trimBlank(s []byte) []byte {
	i, j := 0, len(s)
	for i < j && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
		i++
	}
	for j > i && (s[j-1] == ' ' || s[j-1] == '\t' || s[j-1] == '\r' || s[j-1] == '\n') {
		j--
	}
	return s[i:j]
}
