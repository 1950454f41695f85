// Package types holds the engine's logical data types and their columnar
// in-memory representation (Vector, Batch).
//
// Contracts:
//   - A Type is an immutable value; share *Type freely between goroutines.
//   - A Vector holds the values of one column of one Batch. Its physical
//     storage depends on the Kind (see Vector). A Vector is owned by exactly
//     one goroutine at a time; it travels with its Batch.
//   - A Batch is handed from producer to consumer: once sent downstream the
//     producer must not touch it again (ownership moves with the message).
package types

import (
	"strconv"
	"strings"
)

// Kind is the logical kind of a SQL type.
type Kind uint8

const (
	KindNull Kind = iota
	KindBoolean
	KindTinyInt
	KindSmallInt
	KindInt
	KindBigInt
	KindFloat
	KindDouble
	KindDecimal
	KindChar
	KindVarChar
	KindBinary
	KindVarBinary
	KindDate
	KindTime
	KindTimestamp
	KindTimestampLTZ
	KindIntervalYearMonth
	KindIntervalDayTime
	KindArray
	KindMap
	KindRow
)

// MaxLength is the length of STRING / BYTES (VARCHAR(2147483647)).
const MaxLength = 2147483647

// TimeAttr marks a column as a time attribute.
type TimeAttr uint8

const (
	NoTimeAttr TimeAttr = iota
	RowTime
	ProcTime
)

// Field is one named field of a ROW type.
type Field struct {
	Name string
	Type *Type
}

// Type is a logical SQL type. Precision is used by DECIMAL (digits),
// TIME/TIMESTAMP/TIMESTAMP_LTZ (fractional second digits); Scale by DECIMAL;
// Length by CHAR/VARCHAR/BINARY/VARBINARY.
type Type struct {
	Kind      Kind
	NotNull   bool
	Precision int
	Scale     int
	Length    int
	Elem      *Type   // ARRAY element, MAP value
	Key       *Type   // MAP key
	Fields    []Field // ROW fields
	TimeAttr  TimeAttr
}

var (
	Null          = &Type{Kind: KindNull}
	Boolean       = &Type{Kind: KindBoolean}
	TinyInt       = &Type{Kind: KindTinyInt}
	SmallInt      = &Type{Kind: KindSmallInt}
	Int           = &Type{Kind: KindInt}
	BigInt        = &Type{Kind: KindBigInt}
	Float         = &Type{Kind: KindFloat}
	Double        = &Type{Kind: KindDouble}
	String        = &Type{Kind: KindVarChar, Length: MaxLength}
	Bytes         = &Type{Kind: KindVarBinary, Length: MaxLength}
	Date          = &Type{Kind: KindDate}
	Time          = &Type{Kind: KindTime}
	Timestamp3    = &Type{Kind: KindTimestamp, Precision: 3}
	TimestampLTZ3 = &Type{Kind: KindTimestampLTZ, Precision: 3}
)

// Decimal returns DECIMAL(p, s).
func Decimal(p, s int) *Type { return &Type{Kind: KindDecimal, Precision: p, Scale: s} }

// VarChar returns VARCHAR(n).
func VarChar(n int) *Type { return &Type{Kind: KindVarChar, Length: n} }

// Char returns CHAR(n).
func Char(n int) *Type { return &Type{Kind: KindChar, Length: n} }

// Timestamp returns TIMESTAMP(p).
func Timestamp(p int) *Type { return &Type{Kind: KindTimestamp, Precision: p} }

// TimestampLTZ returns TIMESTAMP_LTZ(p).
func TimestampLTZ(p int) *Type { return &Type{Kind: KindTimestampLTZ, Precision: p} }

// ArrayOf returns ARRAY<elem>.
func ArrayOf(elem *Type) *Type { return &Type{Kind: KindArray, Elem: elem} }

// MapOf returns MAP<k, v>.
func MapOf(k, v *Type) *Type { return &Type{Kind: KindMap, Key: k, Elem: v} }

// RowOf returns ROW<fields>.
func RowOf(fields ...Field) *Type { return &Type{Kind: KindRow, Fields: fields} }

// WithNullable returns a copy of t with the given nullability.
func (t *Type) WithNullable(nullable bool) *Type {
	if t.NotNull == !nullable {
		return t
	}
	c := *t
	c.NotNull = !nullable
	return &c
}

// WithTimeAttr returns a copy of t marked as a time attribute.
func (t *Type) WithTimeAttr(a TimeAttr) *Type {
	if t.TimeAttr == a {
		return t
	}
	c := *t
	c.TimeAttr = a
	return &c
}

// Nullable reports whether the type admits NULL.
func (t *Type) Nullable() bool { return !t.NotNull }

// IsInteger reports TINYINT..BIGINT.
func (t *Type) IsInteger() bool { return t.Kind >= KindTinyInt && t.Kind <= KindBigInt }

// IsNumeric reports integer, approximate and exact numeric types.
func (t *Type) IsNumeric() bool { return t.Kind >= KindTinyInt && t.Kind <= KindDecimal }

// IsString reports CHAR/VARCHAR.
func (t *Type) IsString() bool { return t.Kind == KindChar || t.Kind == KindVarChar }

// IsBinary reports BINARY/VARBINARY.
func (t *Type) IsBinary() bool { return t.Kind == KindBinary || t.Kind == KindVarBinary }

// IsTimestamp reports TIMESTAMP and TIMESTAMP_LTZ.
func (t *Type) IsTimestamp() bool { return t.Kind == KindTimestamp || t.Kind == KindTimestampLTZ }

// Physical is the storage class of a Kind inside a Vector.
type Physical uint8

const (
	PhysNone    Physical = iota // NULL type: only the null bitmap
	PhysBool                    // Vector.Bools
	PhysInt64                   // Vector.Ints: integers, DATE (days), TIME (ms of day), TIMESTAMP* (µs since epoch), intervals (months or ms)
	PhysFloat64                 // Vector.Floats
	PhysDecimal                 // Vector.Decs
	PhysBytes                   // Vector.Data/Offsets: strings and binaries
	PhysArray                   // Vector.Offsets + Children[0]
	PhysMap                     // Vector.Offsets + Children[0] keys, Children[1] values
	PhysRow                     // Vector.Children, one per field
)

// Physical returns the storage class for the kind.
func (k Kind) Physical() Physical {
	switch k {
	case KindNull:
		return PhysNone
	case KindBoolean:
		return PhysBool
	case KindTinyInt, KindSmallInt, KindInt, KindBigInt, KindDate, KindTime, KindTimestamp,
		KindTimestampLTZ, KindIntervalYearMonth, KindIntervalDayTime:
		return PhysInt64
	case KindFloat, KindDouble:
		return PhysFloat64
	case KindDecimal:
		return PhysDecimal
	case KindChar, KindVarChar, KindBinary, KindVarBinary:
		return PhysBytes
	case KindArray:
		return PhysArray
	case KindMap:
		return PhysMap
	case KindRow:
		return PhysRow
	}
	return PhysNone
}

// Equal reports structural equality, ignoring nullability and time attributes
// when loose is true.
func (t *Type) Equal(o *Type, loose bool) bool {
	if t.Kind != o.Kind || t.Precision != o.Precision || t.Scale != o.Scale || t.Length != o.Length {
		return false
	}
	if !loose && (t.NotNull != o.NotNull || t.TimeAttr != o.TimeAttr) {
		return false
	}
	if (t.Elem == nil) != (o.Elem == nil) || (t.Key == nil) != (o.Key == nil) || len(t.Fields) != len(o.Fields) {
		return false
	}
	if t.Elem != nil && !t.Elem.Equal(o.Elem, loose) {
		return false
	}
	if t.Key != nil && !t.Key.Equal(o.Key, loose) {
		return false
	}
	for i := range t.Fields {
		if t.Fields[i].Name != o.Fields[i].Name || !t.Fields[i].Type.Equal(o.Fields[i].Type, loose) {
			return false
		}
	}
	return true
}

// String renders the type as Flink prints it (DESCRIBE, SHOW CREATE TABLE):
// "STRING", "VARCHAR(32)", "INT NOT NULL", "TIMESTAMP(3)", "ROW<`a` INT>".
func (t *Type) String() string {
	var b strings.Builder
	t.write(&b, true)
	return b.String()
}

// SummaryString renders the type with time-attribute markers as DESCRIBE
// shows them: "TIMESTAMP(3) *ROWTIME*".
func (t *Type) SummaryString() string {
	s := t.String()
	switch t.TimeAttr {
	case RowTime:
		s += " *ROWTIME*"
	case ProcTime:
		s += " *PROCTIME*"
	}
	return s
}

func (t *Type) write(b *strings.Builder, withNull bool) {
	switch t.Kind {
	case KindNull:
		b.WriteString("NULL")
	case KindBoolean:
		b.WriteString("BOOLEAN")
	case KindTinyInt:
		b.WriteString("TINYINT")
	case KindSmallInt:
		b.WriteString("SMALLINT")
	case KindInt:
		b.WriteString("INT")
	case KindBigInt:
		b.WriteString("BIGINT")
	case KindFloat:
		b.WriteString("FLOAT")
	case KindDouble:
		b.WriteString("DOUBLE")
	case KindDecimal:
		b.WriteString("DECIMAL(" + strconv.Itoa(t.Precision) + ", " + strconv.Itoa(t.Scale) + ")")
	case KindChar:
		b.WriteString("CHAR(" + strconv.Itoa(t.Length) + ")")
	case KindVarChar:
		if t.Length == MaxLength {
			b.WriteString("STRING")
		} else {
			b.WriteString("VARCHAR(" + strconv.Itoa(t.Length) + ")")
		}
	case KindBinary:
		b.WriteString("BINARY(" + strconv.Itoa(t.Length) + ")")
	case KindVarBinary:
		if t.Length == MaxLength {
			b.WriteString("BYTES")
		} else {
			b.WriteString("VARBINARY(" + strconv.Itoa(t.Length) + ")")
		}
	case KindDate:
		b.WriteString("DATE")
	case KindTime:
		b.WriteString("TIME(" + strconv.Itoa(t.Precision) + ")")
	case KindTimestamp:
		b.WriteString("TIMESTAMP(" + strconv.Itoa(t.Precision) + ")")
	case KindTimestampLTZ:
		b.WriteString("TIMESTAMP_LTZ(" + strconv.Itoa(t.Precision) + ")")
	case KindIntervalYearMonth:
		b.WriteString("INTERVAL YEAR TO MONTH")
	case KindIntervalDayTime:
		b.WriteString("INTERVAL DAY TO SECOND(3)")
	case KindArray:
		b.WriteString("ARRAY<")
		t.Elem.write(b, true)
		b.WriteString(">")
	case KindMap:
		b.WriteString("MAP<")
		t.Key.write(b, true)
		b.WriteString(", ")
		t.Elem.write(b, true)
		b.WriteString(">")
	case KindRow:
		b.WriteString("ROW<")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("`" + strings.ReplaceAll(f.Name, "`", "``") + "` ")
			f.Type.write(b, true)
		}
		b.WriteString(">")
	}
	if withNull && t.NotNull {
		b.WriteString(" NOT NULL")
	}
}
