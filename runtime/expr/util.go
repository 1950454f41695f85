package expr

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/flinkgo/engine/runtime/types"
)

// This file holds the helpers every kernel family shares: null bitmaps,
// output sizing, argument coercion, row selection and Flink-style type
// error messages.

// ---------------------------------------------------------------------------
// Null bitmaps

// nullAt reports whether bit i of a null bitmap is set.
func nullAt(nulls []uint64, i int) bool {
	w := i >> 6
	return w < len(nulls) && nulls[w]&(1<<(uint(i)&63)) != 0
}

func nullWord(nulls []uint64, w int) uint64 {
	if w < len(nulls) {
		return nulls[w]
	}
	return 0
}

func anyNull(nulls []uint64) bool {
	for _, w := range nulls {
		if w != 0 {
			return true
		}
	}
	return false
}

func wordsFor(n int) int { return (n + 63) >> 6 }

// lastMask is the mask of valid bits in the last bitmap word for n rows.
func lastMask(n int) uint64 {
	if n&63 == 0 {
		return ^uint64(0)
	}
	return (1 << (uint(n) & 63)) - 1
}

// setNullWords sizes out.Nulls to cover n rows, all clear.
func setNullWords(out *types.Vector, n int) []uint64 {
	w := wordsFor(n)
	if cap(out.Nulls) >= w {
		out.Nulls = out.Nulls[:w]
		clear(out.Nulls)
	} else {
		out.Nulls = make([]uint64, w)
	}
	return out.Nulls
}

// unionNulls sets out's bitmap for n rows to the OR of the args' bitmaps.
// out.Nulls stays empty when no argument has NULLs.
func unionNulls(out *types.Vector, n int, args ...*types.Vector) {
	out.Nulls = out.Nulls[:0]
	any := false
	for _, a := range args {
		if anyNull(a.Nulls) {
			any = true
			break
		}
	}
	if !any {
		return
	}
	dst := setNullWords(out, n)
	for _, a := range args {
		src := a.Nulls
		for w := range dst {
			if w >= len(src) {
				break
			}
			dst[w] |= src[w]
		}
	}
	dst[len(dst)-1] &= lastMask(n)
}

// copyNulls sets out's bitmap to a's for n rows.
func copyNulls(out *types.Vector, a *types.Vector, n int) { unionNulls(out, n, a) }

// ---------------------------------------------------------------------------
// Output sizing. Kernels size the value slice to n, fill every slot and then
// call finish, which sets Len and zeroes the slots of NULL rows.

func sizeInts(out *types.Vector, n int) []int64 {
	if cap(out.Ints) >= n {
		out.Ints = out.Ints[:n]
	} else {
		out.Ints = make([]int64, n, max(n, types.DefaultBatchSize))
	}
	return out.Ints
}

func sizeFloats(out *types.Vector, n int) []float64 {
	if cap(out.Floats) >= n {
		out.Floats = out.Floats[:n]
	} else {
		out.Floats = make([]float64, n, max(n, types.DefaultBatchSize))
	}
	return out.Floats
}

func sizeBools(out *types.Vector, n int) []bool {
	if cap(out.Bools) >= n {
		out.Bools = out.Bools[:n]
	} else {
		out.Bools = make([]bool, n, max(n, types.DefaultBatchSize))
	}
	return out.Bools
}

func sizeDecs(out *types.Vector, n int) []apd.Decimal {
	if cap(out.Decs) >= n {
		out.Decs = out.Decs[:n]
	} else {
		d := make([]apd.Decimal, n, max(n, types.DefaultBatchSize))
		copy(d, out.Decs)
		out.Decs = d
	}
	return out.Decs
}

// finish sets out.Len = n and zeroes value slots of NULL rows so NULL slots
// hold zero values as the Vector contract requires.
func finish(out *types.Vector, n int) {
	out.Len = n
	if !anyNull(out.Nulls) {
		out.Nulls = out.Nulls[:0]
		return
	}
	phys := out.Type.Kind.Physical()
	for w, word := range out.Nulls {
		for word != 0 {
			i := w<<6 + bits.TrailingZeros64(word)
			word &= word - 1
			if i >= n {
				break
			}
			switch phys {
			case types.PhysInt64:
				out.Ints[i] = 0
			case types.PhysFloat64:
				out.Floats[i] = 0
			case types.PhysBool:
				out.Bools[i] = false
			case types.PhysDecimal:
				out.Decs[i].SetFinite(0, 0)
			}
		}
	}
}

// appendNullBytes appends a NULL row to a bytes vector.
func appendNullBytes(out *types.Vector) {
	out.Offsets = append(out.Offsets, int32(len(out.Data)))
	out.SetNull(out.Len)
	out.Len++
}

// endBytes closes a bytes row whose content was appended to out.Data.
func endBytes(out *types.Vector) {
	out.Offsets = append(out.Offsets, int32(len(out.Data)))
	out.Len++
}

// appendNulls appends n NULL rows of any type.
func appendNulls(out *types.Vector, n int) {
	for i := 0; i < n; i++ {
		out.AppendNull()
	}
}

// bytesAt returns value i of a bytes vector without copying.
func bytesAt(v *types.Vector, i int) []byte { return v.Data[v.Offsets[i]:v.Offsets[i+1]] }

// ---------------------------------------------------------------------------
// Argument coercion: run cast kernels on selected arguments before the
// inner kernel, into scratch vectors owned by the closure.

// coerceArgs wraps inner so that argument i is first converted from
// from[i] to to[i]; a nil to[i] (or an equal type) leaves it as is.
func coerceArgs(inner Kernel, from, to []*types.Type) (Kernel, error) {
	return coerceArgsIn(inner, from, to, nil)
}

// coerceArgsIn is coerceArgs converting in the session time zone (between
// TIMESTAMP and TIMESTAMP_LTZ; nil: UTC).
func coerceArgsIn(inner Kernel, from, to []*types.Type, zone *time.Location) (Kernel, error) {
	casts := make([]Kernel, len(from))
	scratch := make([]*types.Vector, len(from))
	need := false
	for i := range from {
		if i >= len(to) || to[i] == nil || !needsConversion(from[i], to[i]) {
			continue
		}
		k, err := bindCastIn(from[i], to[i], false, zone)
		if err != nil {
			return nil, err
		}
		casts[i] = k
		scratch[i] = types.NewVector(to[i], types.DefaultBatchSize)
		need = true
	}
	if !need {
		return inner, nil
	}
	conv := make([]*types.Vector, len(from))
	one := make([]*types.Vector, 1)
	return func(args []*types.Vector, n int, out *types.Vector) error {
		for i, a := range args {
			if casts[i] == nil {
				conv[i] = a
				continue
			}
			s := scratch[i]
			s.Reset()
			one[0] = a
			if err := casts[i](one, n, s); err != nil {
				return err
			}
			conv[i] = s
		}
		return inner(conv, n, out)
	}, nil
}

// needsConversion reports whether values of type from must be converted to
// be read as type to (same storage and meaning otherwise).
func needsConversion(from, to *types.Type) bool {
	if from.Kind != to.Kind {
		if from.IsInteger() && to.IsInteger() && from.Kind < to.Kind {
			return false
		}
		if from.Kind == types.KindFloat && to.Kind == types.KindDouble {
			return false
		}
		if from.IsString() && to.IsString() || from.IsBinary() && to.IsBinary() {
			return false
		}
		return true
	}
	switch from.Kind {
	case types.KindDecimal:
		return from.Scale != to.Scale || to.Precision-to.Scale < from.Precision-from.Scale
	case types.KindTimestamp, types.KindTimestampLTZ, types.KindTime:
		return from.Precision > to.Precision
	case types.KindArray:
		return needsConversion(from.Elem, to.Elem)
	case types.KindMap:
		return needsConversion(from.Key, to.Key) || needsConversion(from.Elem, to.Elem)
	case types.KindRow:
		if len(from.Fields) != len(to.Fields) {
			return true
		}
		for i := range from.Fields {
			if needsConversion(from.Fields[i].Type, to.Fields[i].Type) {
				return true
			}
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// Row selection: out row i = srcs[choice[i]] row i, or NULL when choice[i]
// is negative. All sources have out's physical type.

func selectRows(out *types.Vector, srcs []*types.Vector, choice []int32, n int) {
	switch out.Type.Kind.Physical() {
	case types.PhysBool:
		r := sizeBools(out, n)
		out.Nulls = out.Nulls[:0]
		for i := 0; i < n; i++ {
			c := choice[i]
			if c < 0 || nullAt(srcs[c].Nulls, i) {
				r[i] = false
				out.SetNull(i)
				continue
			}
			r[i] = srcs[c].Bools[i]
		}
		out.Len = n
	case types.PhysInt64:
		r := sizeInts(out, n)
		out.Nulls = out.Nulls[:0]
		for i := 0; i < n; i++ {
			c := choice[i]
			if c < 0 || nullAt(srcs[c].Nulls, i) {
				r[i] = 0
				out.SetNull(i)
				continue
			}
			r[i] = srcs[c].Ints[i]
		}
		if types.HasNanos(out.Type) {
			for i := 0; i < n; i++ {
				if c := choice[i]; c >= 0 && len(srcs[c].Nanos) > 0 {
					out.SetNano(i, srcs[c].NanoAt(i))
				}
			}
		}
		out.Len = n
	case types.PhysFloat64:
		r := sizeFloats(out, n)
		out.Nulls = out.Nulls[:0]
		for i := 0; i < n; i++ {
			c := choice[i]
			if c < 0 || nullAt(srcs[c].Nulls, i) {
				r[i] = 0
				out.SetNull(i)
				continue
			}
			r[i] = srcs[c].Floats[i]
		}
		out.Len = n
	case types.PhysBytes:
		for i := 0; i < n; i++ {
			c := choice[i]
			if c < 0 || nullAt(srcs[c].Nulls, i) {
				appendNullBytes(out)
				continue
			}
			out.Data = append(out.Data, bytesAt(srcs[c], i)...)
			endBytes(out)
		}
	default:
		for i := 0; i < n; i++ {
			c := choice[i]
			if c < 0 {
				out.AppendNull()
				continue
			}
			out.AppendFrom(srcs[c], i)
		}
	}
}

// ---------------------------------------------------------------------------
// Type names and Flink/Calcite style errors.

// sqlTypeName renders t as Calcite does in validation messages
// ("INTEGER", "VARCHAR(2147483647)", "TIMESTAMP_WITH_LOCAL_TIME_ZONE(3)").
func sqlTypeName(t *types.Type) string {
	switch t.Kind {
	case types.KindNull:
		return "NULL"
	case types.KindInt:
		return "INTEGER"
	case types.KindVarChar:
		return "VARCHAR(" + strconv.Itoa(t.Length) + ")"
	case types.KindVarBinary:
		return "VARBINARY(" + strconv.Itoa(t.Length) + ")"
	case types.KindTimestampLTZ:
		return "TIMESTAMP_WITH_LOCAL_TIME_ZONE(" + strconv.Itoa(t.Precision) + ")"
	case types.KindIntervalYearMonth:
		return "INTERVAL YEAR TO MONTH"
	case types.KindIntervalDayTime:
		return "INTERVAL DAY TO SECOND"
	case types.KindArray:
		return sqlTypeName(t.Elem) + " ARRAY"
	case types.KindMap:
		return "(" + sqlTypeName(t.Key) + ", " + sqlTypeName(t.Elem) + ") MAP"
	case types.KindRow:
		var b strings.Builder
		b.WriteString("RecordType(")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(sqlTypeName(f.Type) + " " + f.Name)
		}
		b.WriteString(")")
		return b.String()
	}
	return t.WithNullable(true).String()
}

// applyError is Calcite's "Cannot apply" message. Infix operators render
// as '<A> op <B>', functions as 'F(<A>, <B>)'.
func applyError(name string, infix bool, args []*types.Type, forms ...string) error {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = "<" + sqlTypeName(a) + ">"
	}
	var call string
	switch {
	case infix && len(args) == 2:
		call = parts[0] + " " + name + " " + parts[1]
	case infix && len(args) == 1:
		call = name + " " + parts[0]
	default:
		call = name + "(" + strings.Join(parts, ", ") + ")"
	}
	msg := fmt.Sprintf("Cannot apply '%s' to arguments of type '%s'.", name, call)
	if len(forms) > 0 {
		msg += " Supported form(s): '" + strings.Join(forms, "'\n'") + "'"
	}
	return fmt.Errorf("%s", msg)
}

// anyNullable reports whether some type admits NULL.
func anyNullable(ts []*types.Type) bool {
	for _, t := range ts {
		if t.Nullable() {
			return true
		}
	}
	return false
}

// nullableIf returns t with nullability set when any argument is nullable.
func nullableIf(t *types.Type, args []*types.Type) *types.Type {
	return t.WithNullable(anyNullable(args))
}

// isNullType reports the type of an untyped NULL literal.
func isNullType(t *types.Type) bool { return t.Kind == types.KindNull }

func isStringOrNull(t *types.Type) bool  { return t.IsString() || isNullType(t) }
func isIntegerOrNull(t *types.Type) bool { return t.IsInteger() || isNullType(t) }
func isNumericOrNull(t *types.Type) bool { return t.IsNumeric() || isNullType(t) }
func isBoolOrNull(t *types.Type) bool    { return t.Kind == types.KindBoolean || isNullType(t) }
func isTemporal(t *types.Type) bool {
	return t.Kind == types.KindDate || t.Kind == types.KindTime || t.IsTimestamp()
}

// plain returns t without nullability or time attribute.
func plain(t *types.Type) *types.Type {
	if t.NotNull || t.TimeAttr != types.NoTimeAttr {
		c := *t
		c.NotNull = false
		c.TimeAttr = types.NoTimeAttr
		return &c
	}
	return t
}

// ---------------------------------------------------------------------------
// Small numeric helpers.

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// strCache remembers the last string argument a kernel compiled (a LIKE
// pattern, a regex, a format) so literal arguments compile once.
type strCache struct {
	key   []byte
	valid bool
}

// hit reports whether b equals the cached key; on a miss it stores b.
func (c *strCache) hit(b []byte) bool {
	if c.valid && string(c.key) == string(b) {
		return true
	}
	c.key = append(c.key[:0], b...)
	c.valid = true
	return false
}
