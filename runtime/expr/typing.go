package expr

import (
	"fmt"

	"github.com/flinkgo/engine/runtime/types"
)

// MaxDecimalPrecision is the largest DECIMAL precision (Flink: 38).
const MaxDecimalPrecision = 38

// minAdjustedScale is the scale Flink keeps at least when a derived
// DECIMAL type exceeds the maximum precision.
const minAdjustedScale = 6

// adjustDecimal caps a derived DECIMAL(p, s) at 38 digits the way Flink's
// LogicalTypeMerging.adjustPrecisionScale does: integer digits are kept and
// the scale shrinks, but not below min(s, 6).
func adjustDecimal(p, s int) *types.Type {
	if p <= MaxDecimalPrecision {
		return types.Decimal(max(p, 1), s)
	}
	intDigits := p - s
	minScale := min(s, minAdjustedScale)
	s = max(MaxDecimalPrecision-intDigits, minScale)
	return types.Decimal(MaxDecimalPrecision, s)
}

// integerDigits is the DECIMAL precision that holds every value of an
// integer kind.
func integerDigits(k types.Kind) int {
	switch k {
	case types.KindTinyInt:
		return 3
	case types.KindSmallInt:
		return 5
	case types.KindInt:
		return 10
	}
	return 19
}

// asDecimal returns the DECIMAL type that exactly holds values of an exact
// numeric type (DECIMAL itself, or an integer as DECIMAL(n, 0)).
func asDecimal(t *types.Type) *types.Type {
	if t.Kind == types.KindDecimal {
		return t
	}
	if t.Kind == types.KindBoolean {
		return types.Decimal(1, 0)
	}
	return types.Decimal(integerDigits(t.Kind), 0)
}

// CommonType returns the least restrictive type of ts (for CASE, COALESCE,
// IN lists, UNION, ARRAY elements): integers widen to the largest integer,
// integers and DECIMALs to a DECIMAL holding both, anything with FLOAT or
// DOUBLE to DOUBLE (FLOAT when only FLOAT and integers), strings to VARCHAR
// of the largest length (CHAR when all are CHAR(n) of one length), DATE and
// TIMESTAMP to TIMESTAMP, TIMESTAMP and TIMESTAMP_LTZ to TIMESTAMP_LTZ,
// collections element-wise. Untyped NULLs are ignored (all NULL → NULL
// type). The result is nullable when any input is. Types with no common
// type (INT and STRING) are an error.
func CommonType(ts ...*types.Type) (*types.Type, error) {
	var res *types.Type
	nullable := false
	for _, t := range ts {
		if t.Nullable() {
			nullable = true
		}
		if isNullType(t) {
			continue
		}
		if res == nil {
			res = plain(t)
			continue
		}
		c, ok := common2(res, t)
		if !ok {
			return nil, fmt.Errorf("Could not find a common type for %s and %s", res.WithNullable(true), plain(t))
		}
		res = c
	}
	if res == nil {
		return types.Null, nil
	}
	return res.WithNullable(nullable), nil
}

func common2(a, b *types.Type) (*types.Type, bool) {
	if a.Equal(b, true) {
		return plain(a), true
	}
	switch {
	case a.IsNumeric() && b.IsNumeric():
		return commonNumeric(a, b), true
	case a.IsString() && b.IsString():
		if a.Kind == types.KindChar && b.Kind == types.KindChar && a.Length == b.Length {
			return types.Char(a.Length), true
		}
		return types.VarChar(max(a.Length, b.Length)), true
	case a.IsBinary() && b.IsBinary():
		if a.Kind == types.KindBinary && b.Kind == types.KindBinary && a.Length == b.Length {
			return &types.Type{Kind: types.KindBinary, Length: a.Length}, true
		}
		return &types.Type{Kind: types.KindVarBinary, Length: max(a.Length, b.Length)}, true
	case (a.IsTimestamp() || a.Kind == types.KindDate) && (b.IsTimestamp() || b.Kind == types.KindDate):
		p := 0
		if a.IsTimestamp() {
			p = a.Precision
		}
		if b.IsTimestamp() {
			p = max(p, b.Precision)
		}
		if a.Kind == types.KindTimestampLTZ || b.Kind == types.KindTimestampLTZ {
			return types.TimestampLTZ(p), true
		}
		return types.Timestamp(p), true
	case isInterval(a) && a.Kind == b.Kind:
		return plain(a), true
	case a.Kind == types.KindTime && b.Kind == types.KindTime:
		return &types.Type{Kind: types.KindTime, Precision: max(a.Precision, b.Precision)}, true
	case a.Kind == types.KindArray && b.Kind == types.KindArray:
		e, err := CommonType(a.Elem, b.Elem)
		if err != nil {
			return nil, false
		}
		return types.ArrayOf(e), true
	case a.Kind == types.KindMap && b.Kind == types.KindMap:
		k, err := CommonType(a.Key, b.Key)
		if err != nil {
			return nil, false
		}
		v, err := CommonType(a.Elem, b.Elem)
		if err != nil {
			return nil, false
		}
		return types.MapOf(k, v), true
	case a.Kind == types.KindRow && b.Kind == types.KindRow && len(a.Fields) == len(b.Fields):
		fs := make([]types.Field, len(a.Fields))
		for i := range fs {
			t, err := CommonType(a.Fields[i].Type, b.Fields[i].Type)
			if err != nil {
				return nil, false
			}
			fs[i] = types.Field{Name: a.Fields[i].Name, Type: t}
		}
		return types.RowOf(fs...), true
	}
	return nil, false
}

func commonNumeric(a, b *types.Type) *types.Type {
	if a.Kind == types.KindDouble || b.Kind == types.KindDouble {
		return types.Double
	}
	if a.Kind == types.KindFloat || b.Kind == types.KindFloat {
		if a.Kind == types.KindDecimal || b.Kind == types.KindDecimal {
			return types.Double
		}
		return types.Float
	}
	if a.Kind == types.KindDecimal || b.Kind == types.KindDecimal {
		da, db := asDecimal(a), asDecimal(b)
		s := max(da.Scale, db.Scale)
		intd := max(da.Precision-da.Scale, db.Precision-db.Scale)
		if intd+s > MaxDecimalPrecision {
			s = max(0, MaxDecimalPrecision-intd)
			return types.Decimal(MaxDecimalPrecision, s)
		}
		return types.Decimal(intd+s, s)
	}
	if a.Kind >= b.Kind {
		return plain(a)
	}
	return plain(b)
}

// ImplicitCast converts e to type to when Flink would do so implicitly
// (INT into a BIGINT sink column, DATE into TIMESTAMP, VARCHAR(10) into
// STRING, …). It returns e itself when the types are equal ignoring
// nullability, and an error when the conversion is not implicit. The
// result keeps e's nullability.
func ImplicitCast(e Expr, to *types.Type) (Expr, error) {
	from := e.Type()
	if from.Equal(to, true) {
		return e, nil
	}
	if !SupportsImplicitCast(from, to) {
		return nil, fmt.Errorf("Cannot implicitly cast value of type %s to type %s", from, to)
	}
	c, err := NewCast(e, to.WithNullable(from.Nullable()), false)
	if err != nil {
		return nil, err
	}
	if cc, ok := c.(*Call); ok {
		cc.T = to.WithNullable(from.Nullable())
	}
	return c, nil
}

// SupportsImplicitCast reports whether from converts to to implicitly:
// numeric widening (integers to larger integers, DECIMAL, FLOAT, DOUBLE;
// DECIMAL to DECIMAL/DOUBLE; FLOAT to DOUBLE), within string and within
// binary types, DATE to TIMESTAMP(_LTZ), between timestamp kinds and
// precisions, NULL to anything, collections element-wise.
func SupportsImplicitCast(from, to *types.Type) bool {
	if isNullType(from) || from.Equal(to, true) {
		return true
	}
	switch {
	case from.IsNumeric() && to.IsNumeric():
		switch {
		case from.IsInteger() && to.IsInteger():
			return from.Kind <= to.Kind
		case to.Kind == types.KindDouble:
			return true
		case to.Kind == types.KindFloat:
			return from.Kind != types.KindDouble
		case to.Kind == types.KindDecimal:
			return from.IsInteger() || from.Kind == types.KindDecimal
		}
		return false
	case from.IsString() && to.IsString(), from.IsBinary() && to.IsBinary():
		return true
	case from.Kind == types.KindDate && to.IsTimestamp():
		return true
	case from.IsTimestamp() && to.IsTimestamp():
		return true
	case from.Kind == types.KindTime && to.Kind == types.KindTime:
		return true
	case from.Kind == types.KindArray && to.Kind == types.KindArray:
		return SupportsImplicitCast(from.Elem, to.Elem)
	case from.Kind == types.KindMap && to.Kind == types.KindMap:
		return SupportsImplicitCast(from.Key, to.Key) && SupportsImplicitCast(from.Elem, to.Elem)
	case from.Kind == types.KindRow && to.Kind == types.KindRow:
		if len(from.Fields) != len(to.Fields) {
			return false
		}
		for i := range from.Fields {
			if !SupportsImplicitCast(from.Fields[i].Type, to.Fields[i].Type) {
				return false
			}
		}
		return true
	}
	return false
}

// comparisonType returns the type both sides of a comparison are converted
// to, or false when they cannot be compared. Besides CommonType it lets a
// string be compared with a date/time value (the string is cast).
func comparisonType(a, b *types.Type) (*types.Type, bool) {
	switch {
	case isNullType(a) && isNullType(b):
		return types.Boolean, true
	case isNullType(a):
		return plain(b), true
	case isNullType(b):
		return plain(a), true
	case a.IsString() && isTemporal(b):
		return plain(b), true
	case b.IsString() && isTemporal(a):
		return plain(a), true
	case a.Kind == types.KindTime || b.Kind == types.KindTime:
		if a.Kind != b.Kind {
			return nil, false
		}
	case a.Kind == types.KindMap || b.Kind == types.KindMap:
		// Flink compares MAPs only for (in)equality; accepted here too.
	}
	c, ok := common2(plain(a), plain(b))
	return c, ok
}
