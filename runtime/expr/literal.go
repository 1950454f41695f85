package expr

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
	"github.com/flinkgo/engine/runtime/types"
)

// NewLiteral wraps a one-row vector as a literal of type t printed as text.
func NewLiteral(v *types.Vector, t *types.Type, text string) *Literal {
	return &Literal{Value: v, T: t, Text: text}
}

// LiteralInt returns a NOT NULL literal of an int64-stored type t
// (TINYINT..BIGINT, DATE days, TIME ms, TIMESTAMP µs, intervals).
func LiteralInt(i int64, t *types.Type) *Literal {
	t = t.WithNullable(false)
	v := types.NewVector(t, 1)
	v.AppendInt(i)
	text := strconv.FormatInt(i, 10)
	switch t.Kind {
	case types.KindDate, types.KindTime, types.KindTimestamp, types.KindTimestampLTZ,
		types.KindIntervalYearMonth, types.KindIntervalDayTime:
		text = literalText(v, t)
	}
	return &Literal{Value: v, T: t, Text: text}
}

// LiteralString returns a string literal typed as Flink types it:
// CHAR(n) NOT NULL, n being the number of characters.
func LiteralString(s string) *Literal {
	t := types.Char(utf8.RuneCountInString(s)).WithNullable(false)
	v := types.NewVector(t, 1)
	v.AppendString(s)
	return &Literal{Value: v, T: t, Text: quoteString(s)}
}

// LiteralNull returns a NULL of type t (nil: the untyped NULL type).
func LiteralNull(t *types.Type) *Literal {
	if t == nil {
		t = types.Null
	}
	t = t.WithNullable(true)
	v := types.NewVector(t, 1)
	v.AppendNull()
	return &Literal{Value: v, T: t, Text: "NULL"}
}

// LiteralBool returns TRUE or FALSE (BOOLEAN NOT NULL).
func LiteralBool(b bool) *Literal {
	t := types.Boolean.WithNullable(false)
	v := types.NewVector(t, 1)
	v.AppendBool(b)
	text := "FALSE"
	if b {
		text = "TRUE"
	}
	return &Literal{Value: v, T: t, Text: text}
}

// LiteralFloat returns a DOUBLE NOT NULL literal.
func LiteralFloat(f float64) *Literal {
	t := types.Double.WithNullable(false)
	v := types.NewVector(t, 1)
	v.AppendFloat(f)
	return &Literal{Value: v, T: t, Text: string(types.AppendJavaFloat(nil, f, 64))}
}

// LiteralDecimal parses an exact numeric literal ("1.25", "-0.5", "1e3")
// as DECIMAL(p, s) NOT NULL with p and s taken from the digits written.
func LiteralDecimal(text string) (*Literal, error) {
	d, _, err := apd.NewFromString(strings.TrimSpace(text))
	if err != nil || d.Form != apd.Finite {
		return nil, fmt.Errorf("Invalid decimal literal '%s'", text)
	}
	s := 0
	if d.Exponent < 0 {
		s = int(-d.Exponent)
	} else if d.Exponent > 0 {
		d.Coeff.Mul(&d.Coeff, pow10Big(int(d.Exponent)))
		d.Exponent = 0
	}
	p := max(int(apd.NumDigits(&d.Coeff)), s, 1)
	if p > MaxDecimalPrecision {
		return nil, fmt.Errorf("Decimal literal '%s' exceeds the maximum precision of %d", text, MaxDecimalPrecision)
	}
	t := types.Decimal(p, s).WithNullable(false)
	v := types.NewVector(t, 1)
	v.AppendDecimal(d)
	return &Literal{Value: v, T: t, Text: d.Text('f')}, nil
}

// LiteralFromString returns the literal written as `<type> 'text'`
// (TIMESTAMP '2020-01-01 00:00:00', DATE '2020-01-01', TIME '12:00:00',
// or any type CAST('text' AS t) accepts). It fails like CAST when the text
// does not parse.
func LiteralFromString(text string, t *types.Type) (*Literal, error) {
	t = t.WithNullable(false)
	src := types.NewVector(types.String, 1)
	src.AppendString(text)
	k, err := bindCast(types.String, t, false)
	if err != nil {
		return nil, err
	}
	v := types.NewVector(t, 1)
	if err := k([]*types.Vector{src}, 1, v); err != nil {
		return nil, err
	}
	if v.IsNull(0) {
		return nil, fmt.Errorf("Invalid %s literal '%s'", t, text)
	}
	return &Literal{Value: v, T: t, Text: literalText(v, t)}, nil
}

// literalText renders a one-row literal as SQL source text.
func literalText(v *types.Vector, t *types.Type) string {
	if v.IsNull(0) {
		return "NULL"
	}
	val := string(types.AppendValue(nil, v, 0, types.StyleSQL))
	switch t.Kind {
	case types.KindChar, types.KindVarChar:
		return quoteString(val)
	case types.KindDate:
		return "DATE '" + val + "'"
	case types.KindTime:
		return "TIME '" + val + "'"
	case types.KindTimestamp:
		return "TIMESTAMP '" + val + "'"
	case types.KindTimestampLTZ:
		return "TIMESTAMP_LTZ '" + val + "'"
	case types.KindIntervalYearMonth:
		return "INTERVAL '" + val + "' YEAR TO MONTH"
	case types.KindIntervalDayTime:
		return "INTERVAL '" + val + "' DAY TO SECOND"
	}
	return val
}

func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// LiteralStringValue returns the value of a non-NULL CHAR/VARCHAR literal
// (for planners validating unit or format arguments).
func LiteralStringValue(e Expr) (string, bool) {
	l, ok := e.(*Literal)
	if !ok || !l.T.IsString() || l.Value.IsNull(0) {
		return "", false
	}
	return l.Value.Str(0), true
}

// literalIntValue returns the value of a non-NULL integer literal.
func literalIntValue(e Expr) (int64, bool) {
	l, ok := e.(*Literal)
	if !ok || !l.T.IsInteger() || l.Value.IsNull(0) {
		return 0, false
	}
	return l.Value.Ints[0], true
}
