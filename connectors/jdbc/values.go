package jdbc

import (
	"fmt"
	"strconv"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/flinkgo/engine/runtime/types"
)

// Type mapping between engine vectors and driver values (bound parameters
// on write, text columns on read):
//
//	BOOLEAN                     bool                      ← "0"/"1"
//	TINYINT..BIGINT             int64                     ← decimal digits
//	FLOAT, DOUBLE               float64                   ← text float
//	DECIMAL(p,s)                plain decimal text        ← decimal text, rounded to s
//	CHAR/VARCHAR/STRING         []byte (the bytes)        ← bytes
//	BINARY/VARBINARY/BYTES      []byte                    ← bytes
//	DATE                        "yyyy-MM-dd"              ← same ("0000-00-00" → NULL)
//	TIME(p)                     "HH:mm:ss.fff"            ← "HH:mm:ss[.f]"
//	TIMESTAMP(p)                "yyyy-MM-dd HH:mm:ss.ffffff" (no zone) ← same
//	TIMESTAMP_LTZ(p)            the instant rendered in the URL's serverTimezone (default UTC) ← read back in it
//	NULL                        nil
//
// Text values are appended to a scratch arena (argArena) owned by the
// caller and reset per statement, so binding allocates nothing but the
// interface boxes database/sql requires.

// emptyBytes is a non-nil empty value: a nil []byte is sent as NULL.
var emptyBytes = []byte{}

// argArena holds the bytes of formatted parameters of one statement.
type argArena struct{ buf []byte }

func (a *argArena) reset() { a.buf = a.buf[:0] }

// appendArg appends row i of v as a driver value to args.
func appendArg(args []any, v *types.Vector, i int, loc *time.Location, a *argArena) []any {
	if v.IsNull(i) {
		return append(args, nil)
	}
	t := v.Type
	switch t.Kind {
	case types.KindBoolean:
		return append(args, v.Bools[i])
	case types.KindTinyInt, types.KindSmallInt, types.KindInt, types.KindBigInt:
		return append(args, v.Ints[i])
	case types.KindFloat, types.KindDouble:
		return append(args, v.Floats[i])
	case types.KindChar, types.KindVarChar, types.KindBinary, types.KindVarBinary:
		b := v.Bytes(i)
		if len(b) == 0 {
			b = emptyBytes
		}
		return append(args, b)
	}
	start := len(a.buf)
	switch t.Kind {
	case types.KindDecimal:
		a.buf = v.Decs[i].Append(a.buf, 'f')
	case types.KindDate:
		a.buf = types.AppendDate(a.buf, v.Ints[i])
	case types.KindTime:
		a.buf = types.AppendTime(a.buf, v.Ints[i], min(t.Precision, 3))
	case types.KindTimestamp:
		a.buf = types.AppendTimestamp(a.buf, v.Ints[i], min(t.Precision, 6))
	case types.KindTimestampLTZ:
		us := v.Ints[i]
		if loc != time.UTC {
			_, off := time.UnixMicro(us).In(loc).Zone()
			us += int64(off) * 1e6
		}
		a.buf = types.AppendTimestamp(a.buf, us, min(t.Precision, 6))
	default:
		return append(args, nil)
	}
	// The slice stays valid when a.buf grows later: it keeps the old array.
	return append(args, a.buf[start:len(a.buf):len(a.buf)])
}

// appendText appends a column value read as text (nil = NULL) to v.
func appendText(v *types.Vector, b []byte, loc *time.Location) error {
	if b == nil {
		v.AppendNull()
		return nil
	}
	t := v.Type
	switch t.Kind {
	case types.KindBoolean:
		switch string(b) {
		case "1", "true", "TRUE":
			v.AppendBool(true)
		case "0", "false", "FALSE":
			v.AppendBool(false)
		default:
			n, err := parseInt(b)
			if err != nil {
				return badValue(t, b)
			}
			v.AppendBool(n != 0)
		}
	case types.KindTinyInt, types.KindSmallInt, types.KindInt, types.KindBigInt:
		n, err := parseInt(b)
		if err != nil {
			return badValue(t, b)
		}
		v.AppendInt(n)
	case types.KindFloat, types.KindDouble:
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return badValue(t, b)
		}
		v.AppendFloat(f)
	case types.KindDecimal:
		v.Decs = append(v.Decs, apd.Decimal{})
		if err := types.ParseDecimalInto(&v.Decs[len(v.Decs)-1], b, t.Precision, t.Scale); err != nil {
			v.Decs = v.Decs[:len(v.Decs)-1]
			return badValue(t, b)
		}
		v.Len++
	case types.KindChar, types.KindVarChar, types.KindBinary, types.KindVarBinary:
		v.AppendBytes(b)
	case types.KindDate:
		if isZeroDate(b) {
			v.AppendNull()
			return nil
		}
		d, err := types.ParseDateBytes(b)
		if err != nil {
			return badValue(t, b)
		}
		v.AppendInt(d)
	case types.KindTime:
		ms, err := types.ParseTimeBytes(b)
		if err != nil {
			return badValue(t, b)
		}
		v.AppendInt(ms)
	case types.KindTimestamp, types.KindTimestampLTZ:
		if isZeroDate(b) {
			v.AppendNull()
			return nil
		}
		us, err := types.ParseTimestampBytes(b, t.Precision)
		if err != nil {
			return badValue(t, b)
		}
		if t.Kind == types.KindTimestampLTZ && loc != time.UTC {
			_, off := time.UnixMicro(us).In(loc).Zone()
			us -= int64(off) * 1e6
		}
		v.AppendInt(us)
	default:
		return fmt.Errorf("unsupported type %s", t)
	}
	return nil
}

// isZeroDate reports MySQL's zero date "0000-00-00[ 00:00:00]", read as NULL
// (Connector/J's zeroDateTimeBehavior=convertToNull).
func isZeroDate(b []byte) bool {
	return len(b) >= 10 && string(b[:10]) == "0000-00-00"
}

func parseInt(b []byte) (int64, error) {
	if len(b) == 0 || len(b) > 20 {
		return 0, strconv.ErrSyntax
	}
	neg := b[0] == '-'
	i := 0
	if neg || b[0] == '+' {
		i = 1
	}
	if i == len(b) {
		return 0, strconv.ErrSyntax
	}
	var n uint64
	for ; i < len(b); i++ {
		c := b[i] - '0'
		if c > 9 {
			// MySQL returns BIT and some expressions differently; fall back.
			return strconv.ParseInt(string(b), 10, 64)
		}
		n = n*10 + uint64(c)
	}
	if neg {
		if n > 1<<63 {
			return 0, strconv.ErrRange
		}
		return -int64(n), nil
	}
	if n > 1<<63-1 {
		return 0, strconv.ErrRange
	}
	return int64(n), nil
}

func badValue(t *types.Type, b []byte) error {
	s := string(b)
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return fmt.Errorf("cannot read value %q as %s", s, t)
}
