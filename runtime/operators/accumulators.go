package operators

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/apd/v3"

	"github.com/flinkgo/engine/runtime/types"
)

// AggKind is the aggregate function of an AggCall.
type AggKind uint8

const (
	AggCount      AggKind = iota // COUNT(x): non-NULL values
	AggCountStar                 // COUNT(*)
	AggSum                       // SUM(x): NULL when no non-NULL value
	AggSum0                      // $SUM0(x): 0 when no non-NULL value
	AggMin                       // MIN(x)
	AggMax                       // MAX(x)
	AggAvg                       // AVG(x), computed in the result type
	AggFirstValue                // FIRST_VALUE(x)
	AggLastValue                 // LAST_VALUE(x)
	AggVarPop                    // VAR_POP(x)
	AggVarSamp                   // VAR_SAMP(x), VARIANCE(x)
	AggStddevPop                 // STDDEV_POP(x)
	AggStddevSamp                // STDDEV_SAMP(x), STDDEV(x)
	AggListAgg                   // LISTAGG(x, sep), insert-only input
	// AggAvgMerge is the global phase of AVG in two-phase aggregation: Arg
	// is a partial sum (NULL: no value), CountArg its BIGINT count, both
	// written by a LocalGroupAggregate; the result is AVG's over all the
	// values the partials cover, in the call's result type.
	AggAvgMerge
)

var aggNames = [...]string{"COUNT", "COUNT(*)", "SUM", "$SUM0", "MIN", "MAX", "AVG", "FIRST_VALUE", "LAST_VALUE",
	"VAR_POP", "VAR_SAMP", "STDDEV_POP", "STDDEV_SAMP", "LISTAGG", "AVG_MERGE"}

func (k AggKind) String() string {
	if int(k) < len(aggNames) {
		return aggNames[k]
	}
	return fmt.Sprintf("AggKind(%d)", k)
}

// AggCall is one aggregate call of a GroupAggregate.
type AggCall struct {
	Kind AggKind
	// Arg is the input column; -1 for COUNT(*).
	Arg int
	// Distinct aggregates each distinct non-NULL value of Arg once.
	Distinct bool
	// Type is the result type (SUM/AVG type rules are the planner's).
	Type *types.Type
	// Separator of LISTAGG.
	Separator string
	// CountArg is the BIGINT count column of AggAvgMerge.
	CountArg int
}

var errRetractInsertOnly = errors.New("operators: retraction received by an aggregate declared insert-only (AggOptions.InsertOnlyInput)")

// accumulator is the state of one aggregate call for the group being
// folded: the GroupAggregate sets a key on the state backend, decodes every
// call's part of the key's "acc" value, folds the key's rows of a batch one
// at a time, reads the result and encodes the accumulator back. Retracting
// MIN/MAX and FIRST_VALUE/LAST_VALUE keep the values themselves in map
// states (valueCounts, orderStore, valueset.go), which the GroupAggregate
// updates for each row before the calls see it; the accumulator caches the
// current result and rescans the map only when that value is retracted.
// None of the methods is called concurrently.
type accumulator interface {
	// reset sets the empty state (a new group).
	reset()
	decode(r *stateReader)
	encode(buf []byte) []byte
	// add folds row i of arg (nil for COUNT(*)) with sign s: +1 accumulates,
	// -1 retracts, 0 skips.
	add(arg *types.Vector, i int, s int8) error
	// result appends the current value to out (typed with the call's
	// result type). It may read the group's map states.
	result(out *types.Vector) error
}

// resize returns a slice of length n reusing s's array when it is large
// enough (contents unspecified).
func resize[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n, n+n/4)
}

// newAccumulator builds the accumulator of a call; argType is nil for
// COUNT(*). vals is the argument's value-count map (retracting MIN/MAX),
// order its accumulation-order store (retracting FIRST_VALUE/LAST_VALUE,
// LISTAGG);
// both are nil for insert-only input.
func newAccumulator(c AggCall, argType *types.Type, vals *valueCounts, order *orderStore) (accumulator, error) {
	switch c.Kind {
	case AggCountStar:
		return &countAcc{star: true}, nil
	case AggCount:
		return &countAcc{}, nil
	case AggSum, AggSum0, AggAvg:
		return newNumAcc(c, argType)
	case AggAvgMerge:
		c.Kind = AggAvg
		n, err := newNumAcc(c, argType)
		if err != nil {
			return nil, err
		}
		return &avgMergeAcc{numAcc: n}, nil
	case AggMin, AggMax:
		return &minMaxAcc{max: c.Kind == AggMax, vals: vals, width: orderedWidth(argType)}, nil
	case AggFirstValue, AggLastValue:
		return &firstLastAcc{last: c.Kind == AggLastValue, order: order, width: orderedWidth(argType)}, nil
	case AggVarPop, AggVarSamp, AggStddevPop, AggStddevSamp:
		return newVarAcc(c, argType)
	case AggListAgg:
		if order != nil {
			return &listAggRetractAcc{sep: []byte(c.Separator), order: order}, nil
		}
		return &listAggAcc{sep: []byte(c.Separator)}, nil
	}
	return nil, fmt.Errorf("operators: unknown aggregate kind %d", c.Kind)
}

// countAcc: n is the number of (non-NULL, for COUNT(x)) accumulated rows.
type countAcc struct {
	star bool
	n    int64
}

func (a *countAcc) reset()                   { a.n = 0 }
func (a *countAcc) decode(r *stateReader)    { a.n = r.int64() }
func (a *countAcc) encode(buf []byte) []byte { return appendInt64(buf, a.n) }

func (a *countAcc) add(arg *types.Vector, i int, s int8) error {
	if a.star || !nullAt(arg.Nulls, i) {
		a.n += int64(s)
	}
	return nil
}

func (a *countAcc) result(out *types.Vector) error {
	out.AppendInt(a.n)
	return nil
}

type numMode uint8

const (
	modeSum numMode = iota
	modeSum0
	modeAvg
)

type numDomain uint8

const (
	domInt numDomain = iota
	domFloat
	domDec
)

// numAcc implements SUM, $SUM0 and AVG. Sums are kept in one domain chosen
// from the argument and result types (decimal if either is DECIMAL, else
// double if either is approximate, else int64 with wrap-around like Java):
// isum/fsum/dsum the sum, cnt the number of non-NULL values.
type numAcc struct {
	mode    numMode
	dom     numDomain
	in      types.Physical
	out     *types.Type
	isum    int64
	fsum    float64
	dsum    apd.Decimal
	cnt     int64
	tmp     apd.Decimal
	tmp2    apd.Decimal
	divisor apd.Decimal
}

func newNumAcc(c AggCall, argType *types.Type) (*numAcc, error) {
	a := &numAcc{out: c.Type}
	switch c.Kind {
	case AggSum0:
		a.mode = modeSum0
	case AggAvg:
		a.mode = modeAvg
	}
	a.in = argType.Kind.Physical()
	op := c.Type.Kind.Physical()
	switch {
	case a.in != types.PhysInt64 && a.in != types.PhysFloat64 && a.in != types.PhysDecimal:
		return nil, fmt.Errorf("operators: %s over %s is not supported", c.Kind, argType)
	case op != types.PhysInt64 && op != types.PhysFloat64 && op != types.PhysDecimal:
		return nil, fmt.Errorf("operators: %s cannot return %s", c.Kind, c.Type)
	case a.in == types.PhysDecimal || op == types.PhysDecimal:
		a.dom = domDec
		if a.in == types.PhysFloat64 {
			return nil, fmt.Errorf("operators: %s over %s returning %s is not supported", c.Kind, argType, c.Type)
		}
	case a.in == types.PhysFloat64 || op == types.PhysFloat64:
		a.dom = domFloat
	default:
		a.dom = domInt
	}
	return a, nil
}

func (a *numAcc) reset() {
	a.cnt, a.isum, a.fsum = 0, 0, 0
	a.dsum.SetInt64(0)
}

func (a *numAcc) add(arg *types.Vector, i int, s int8) error {
	if s == 0 || nullAt(arg.Nulls, i) {
		return nil
	}
	switch a.dom {
	case domInt:
		a.isum += arg.Ints[i] * int64(s)
	case domFloat:
		if a.in == types.PhysInt64 {
			a.fsum += float64(arg.Ints[i]) * float64(s)
		} else {
			a.fsum += arg.Floats[i] * float64(s)
		}
	case domDec:
		x := &a.tmp
		if a.in == types.PhysInt64 {
			x.SetInt64(arg.Ints[i])
		} else {
			x = &arg.Decs[i]
		}
		var err error
		if s > 0 {
			_, err = apd.BaseContext.Add(&a.dsum, &a.dsum, x)
		} else {
			_, err = apd.BaseContext.Sub(&a.dsum, &a.dsum, x)
		}
		if err != nil {
			return fmt.Errorf("operators: decimal aggregate: %w", err)
		}
	}
	a.cnt += int64(s)
	return nil
}

func (a *numAcc) result(out *types.Vector) error {
	c := a.cnt
	if c <= 0 && a.mode != modeSum0 {
		out.AppendNull()
		return nil
	}
	avg := a.mode == modeAvg
	switch out.Type.Kind.Physical() {
	case types.PhysInt64:
		var v int64
		switch a.dom {
		case domInt:
			v = a.isum
			if avg {
				v /= c
			}
		case domFloat:
			f := a.fsum
			if avg {
				f /= float64(c)
			}
			v = int64(f)
		case domDec:
			if !a.decValue(avg, 0) {
				out.AppendNull()
				return nil
			}
			v, _ = a.tmp2.Int64()
		}
		out.AppendInt(wrapInt(v, out.Type.Kind))
	case types.PhysFloat64:
		var f float64
		switch a.dom {
		case domInt:
			f = float64(a.isum)
		case domFloat:
			f = a.fsum
		case domDec:
			f, _ = a.dsum.Float64()
		}
		if avg {
			f /= float64(c)
		}
		out.AppendFloat(f)
	case types.PhysDecimal:
		if !a.decValue(avg, out.Type.Scale) || (out.Type.Precision > 0 && a.tmp2.NumDigits() > int64(out.Type.Precision)) {
			out.AppendNull() // overflow of the result precision: NULL, as Flink
			return nil
		}
		out.AppendDecimal(&a.tmp2)
	default:
		out.AppendNull()
	}
	return nil
}

// decValue computes the decimal sum (or average) rounded HALF_UP to scale
// into a.tmp2.
func (a *numAcc) decValue(avg bool, scale int) bool {
	src := &a.tmp
	if a.dom == domDec {
		src.Set(&a.dsum)
	} else {
		src.SetInt64(a.isum)
	}
	if avg {
		a.divisor.SetInt64(a.cnt)
		if _, err := decCtx.Quo(src, src, &a.divisor); err != nil {
			return false
		}
	}
	_, err := decCtx.Quantize(&a.tmp2, src, int32(-scale))
	return err == nil
}

// wrapInt truncates v to the width of an integer kind (Java narrowing).
func wrapInt(v int64, k types.Kind) int64 {
	switch k {
	case types.KindTinyInt:
		return int64(int8(v))
	case types.KindSmallInt:
		return int64(int16(v))
	case types.KindInt:
		return int64(int32(v))
	}
	return v
}

// encode: varint count, then the sum: varint (int), 8 bytes (double) or
// appendDecimal.
func (a *numAcc) encode(buf []byte) []byte {
	buf = appendInt64(buf, a.cnt)
	switch a.dom {
	case domInt:
		buf = appendInt64(buf, a.isum)
	case domFloat:
		buf = appendFloat(buf, a.fsum)
	case domDec:
		buf = appendDecimal(buf, &a.dsum)
	}
	return buf
}

func (a *numAcc) decode(r *stateReader) {
	a.cnt = r.int64()
	switch a.dom {
	case domInt:
		a.isum = r.int64()
	case domFloat:
		a.fsum = r.float()
	case domDec:
		r.decimal(&a.dsum)
	}
}

// avgMergeAcc merges AVG partials (sum, count) into the accumulator AVG
// keeps for the same values, so the result is the one-phase AVG's: the sum
// in the same domain, the count of the values. counts is the count column
// of the batch being folded (set by the GroupAggregate).
type avgMergeAcc struct {
	*numAcc
	counts *types.Vector
}

func (a *avgMergeAcc) add(arg *types.Vector, i int, s int8) error {
	if s == 0 || nullAt(arg.Nulls, i) {
		return nil // a NULL partial sum covers no value
	}
	if err := a.numAcc.add(arg, i, s); err != nil {
		return err
	}
	a.cnt += int64(s) * (a.counts.Ints[i] - 1) // add counted one value
	return nil
}

// States of a cached extreme (MIN/MAX) or first/last value.
const (
	extEmpty uint8 = iota // no value present
	extValid              // the cached value is the result
	// extDirty: the cached value was retracted; the result must be found
	// in the map state. For MIN/MAX the cached value still bounds every
	// present value (nothing present is better), so a new value at least
	// as good is the result again without a rescan.
	extDirty
)

// minMaxAcc implements MIN and MAX over ordered encodings (appendOrdered);
// ext is the extreme in state st. Insert-only input (vals nil): ext is the
// extreme so far. Retracting input: vals is the multiset of the argument's
// values (a map state shared with the other MIN/MAX and DISTINCT calls over
// the same column); retracting the extreme marks it dirty and the next
// result rescans the map, as Flink's MinWithRetractAggFunction does.
type minMaxAcc struct {
	max   bool
	vals  *valueCounts
	width int // orderedWidth of the argument
	st    uint8
	ext   []byte
	buf   []byte
	tmp   apd.Decimal
}

func (a *minMaxAcc) reset() { a.st, a.ext = extEmpty, a.ext[:0] }

// better reports whether enc beats cur.
func (a *minMaxAcc) better(enc, cur []byte) bool {
	c := bytes.Compare(enc, cur)
	if a.max {
		return c > 0
	}
	return c < 0
}

func (a *minMaxAcc) set(enc []byte) { a.ext, a.st = append(a.ext[:0], enc...), extValid }

func (a *minMaxAcc) add(arg *types.Vector, i int, s int8) error {
	if a.vals == nil {
		if s == 0 || nullAt(arg.Nulls, i) {
			return nil
		}
		if s < 0 {
			return errRetractInsertOnly
		}
		enc, err := appendOrdered(a.buf[:0], arg, i, &a.tmp)
		if err != nil {
			return err
		}
		a.buf = enc
		if a.st != extValid || a.better(enc, a.ext) {
			a.set(enc)
		}
		return nil
	}
	v := a.vals
	if !v.changed {
		return nil
	}
	switch {
	case v.before <= 0 && v.after > 0: // value became present
		switch a.st {
		case extEmpty:
			a.set(v.enc)
		case extValid:
			if a.better(v.enc, a.ext) {
				a.set(v.enc)
			}
		case extDirty:
			if !a.better(a.ext, v.enc) {
				a.set(v.enc)
			}
		}
	case v.before > 0 && v.after <= 0: // value gone
		if a.st == extValid && bytes.Equal(v.enc, a.ext) {
			a.st = extDirty
		}
	}
	return nil
}

// rescan finds the extreme among the present values of the map. Pebble
// iterates map keys in byte order, so MIN stops at the first present value.
func (a *minMaxAcc) rescan() error {
	a.st, a.ext = extEmpty, a.ext[:0]
	stopAtFirst := a.vals.ordered && !a.max
	bad := false
	err := a.vals.m.Iterate(func(k, v []byte) bool {
		if bad = !validWidth(k, a.width); bad {
			return false
		}
		if c, n := binary.Varint(v); n <= 0 || c <= 0 {
			return true
		}
		if a.st != extValid || a.better(k, a.ext) {
			a.set(k)
		}
		return !stopAtFirst
	})
	if err == nil && bad {
		err = fmt.Errorf("%w: value in %s", errCorruptState, a.vals.name)
	}
	if err != nil {
		a.st = extDirty
	}
	return err
}

func (a *minMaxAcc) result(out *types.Vector) error {
	if a.st == extDirty {
		if err := a.rescan(); err != nil {
			return err
		}
	}
	if a.st != extValid {
		out.AppendNull()
		return nil
	}
	appendDecoded(out, a.ext)
	return nil
}

// encode: state byte, ext bytes.
func (a *minMaxAcc) encode(buf []byte) []byte {
	return appendBytes(append(buf, a.st), a.ext)
}

func (a *minMaxAcc) decode(r *stateReader) {
	a.st = r.byte()
	a.ext = append(a.ext[:0], r.bytes()...)
	if a.st > extDirty || (a.st == extDirty && a.vals == nil) || (a.st == extValid && !validWidth(a.ext, a.width)) {
		r.fail("MIN/MAX state")
	}
}

// firstLastAcc implements FIRST_VALUE and LAST_VALUE (NULLs ignored); cur
// is the result in state st. Insert-only input (order nil): cur is the
// first (or latest) value. Retracting input: order holds the present values
// in accumulation order (shared with the other FIRST_VALUE/LAST_VALUE calls
// over the same column); seq is cur's position there. A retraction removes
// the earliest occurrence of the value, as Flink's
// FirstValueWithRetractAggFunction does; when that is cur the result is
// looked up again in the order map.
type firstLastAcc struct {
	last  bool
	order *orderStore
	width int // orderedWidth of the argument
	st    uint8
	seq   uint64
	cur   []byte
	buf   []byte
	tmp   apd.Decimal
}

func (a *firstLastAcc) reset() { a.st, a.seq, a.cur = extEmpty, 0, a.cur[:0] }

func (a *firstLastAcc) add(arg *types.Vector, i int, s int8) error {
	if a.order == nil {
		if s == 0 || nullAt(arg.Nulls, i) {
			return nil
		}
		if s < 0 {
			return errRetractInsertOnly
		}
		if a.st == extValid && !a.last {
			return nil
		}
		enc, err := appendOrdered(a.buf[:0], arg, i, &a.tmp)
		if err != nil {
			return err
		}
		a.buf = enc
		a.cur, a.st = append(a.cur[:0], enc...), extValid
		return nil
	}
	o := a.order
	switch o.op {
	case opAdded:
		// The new entry is the latest; it is the first when it is alone.
		if a.last || a.st == extEmpty || (a.st == extDirty && o.n == 1) {
			a.cur, a.seq, a.st = append(a.cur[:0], o.enc...), o.seq, extValid
		}
	case opRemoved:
		switch {
		case o.n == 0:
			a.reset()
		case a.st == extValid && a.seq == o.seq:
			a.st = extDirty
		}
	}
	return nil
}

// rescan finds the first (or last) entry of the order map. Pebble iterates
// in key (sequence) order, so FIRST_VALUE stops at the first entry.
func (a *firstLastAcc) rescan() error {
	a.st, a.cur = extEmpty, a.cur[:0]
	stopAtFirst := a.order.ordered && !a.last
	bad := false
	err := a.order.order.Iterate(func(k, v []byte) bool {
		if bad = len(k) != 8 || len(v) < 8 || !validWidth(v[:len(v)-8], a.width); bad {
			return false
		}
		seq := binary.BigEndian.Uint64(k)
		if a.st != extValid || (a.last && seq > a.seq) || (!a.last && seq < a.seq) {
			a.cur, a.seq, a.st = append(a.cur[:0], v[:len(v)-8]...), seq, extValid
		}
		return !stopAtFirst
	})
	if err == nil && bad {
		err = fmt.Errorf("%w: entry in %s", errCorruptState, a.order.name)
	}
	if err != nil {
		a.st = extDirty
	}
	return err
}

func (a *firstLastAcc) result(out *types.Vector) error {
	if a.st == extDirty {
		if err := a.rescan(); err != nil {
			return err
		}
	}
	if a.st != extValid {
		out.AppendNull()
		return nil
	}
	appendDecoded(out, a.cur)
	return nil
}

// encode: state byte, uvarint seq, cur bytes.
func (a *firstLastAcc) encode(buf []byte) []byte {
	buf = appendUvarint(append(buf, a.st), a.seq)
	return appendBytes(buf, a.cur)
}

func (a *firstLastAcc) decode(r *stateReader) {
	a.st = r.byte()
	a.seq = r.uvarint()
	a.cur = append(a.cur[:0], r.bytes()...)
	if a.st > extDirty || (a.st == extDirty && a.order == nil) || (a.st == extValid && !validWidth(a.cur, a.width)) {
		r.fail("FIRST_VALUE/LAST_VALUE state")
	}
}

// validWidth reports whether enc can be an ordered encoding of width
// (orderedWidth; 0: any length).
func validWidth(enc []byte, width int) bool {
	return width == 0 || len(enc) == width
}
