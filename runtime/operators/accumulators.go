package operators

import (
	"errors"
	"fmt"
	"slices"

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
)

var aggNames = [...]string{"COUNT", "COUNT(*)", "SUM", "$SUM0", "MIN", "MAX", "AVG", "FIRST_VALUE", "LAST_VALUE"}

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
}

var errRetractInsertOnly = errors.New("operators: retraction received by an aggregate declared insert-only (AggOptions.InsertOnlyInput)")

// accumulator is the state of one aggregate call for every group of a
// GroupAggregate, stored column-wise: slices indexed by group id. Methods
// work on whole batches (update) or one group (result, encode, decode);
// none is called concurrently.
type accumulator interface {
	// grow makes room for group ids below n.
	grow(n int)
	// init sets the state of group g to empty (new group or reused id).
	init(g int32)
	// release drops the state of a removed group.
	release(g int32)
	// update folds the rows of a batch: row i with signs[i] = +1 accumulates
	// into group gids[i], -1 retracts, 0 skips (gids[i] may then be -1).
	update(arg *types.Vector, gids []int32, signs []int8) error
	// result appends the current value of group g to out (typed with the
	// call's result type).
	result(g int32, out *types.Vector)
	encode(buf []byte, g int32) []byte
	decode(r *stateReader, g int32)
	// stateBytes estimates the heap bytes of the accumulator.
	stateBytes() int64
}

// growTo extends s with zero values to length at least n.
func growTo[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	return append(s, make([]T, n-len(s))...)
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
// COUNT(*).
func newAccumulator(c AggCall, argType *types.Type, insertOnly bool) (accumulator, error) {
	switch c.Kind {
	case AggCountStar:
		return &countAcc{star: true}, nil
	case AggCount:
		return &countAcc{}, nil
	case AggSum, AggSum0, AggAvg:
		return newNumAcc(c, argType)
	case AggMin, AggMax:
		if !orderedSupported(argType) {
			return nil, fmt.Errorf("operators: %s over %s is not supported", c.Kind, argType)
		}
		return &minMaxAcc{max: c.Kind == AggMax, retract: !insertOnly}, nil
	case AggFirstValue, AggLastValue:
		if !orderedSupported(argType) {
			return nil, fmt.Errorf("operators: %s over %s is not supported", c.Kind, argType)
		}
		return &firstLastAcc{last: c.Kind == AggLastValue, retract: !insertOnly}, nil
	}
	return nil, fmt.Errorf("operators: unknown aggregate kind %d", c.Kind)
}

// countAcc: n[g] is the number of (non-NULL, for COUNT(x)) accumulated rows.
type countAcc struct {
	star bool
	n    []int64
}

func (a *countAcc) grow(n int)      { a.n = growTo(a.n, n) }
func (a *countAcc) init(g int32)    { a.n[g] = 0 }
func (a *countAcc) release(g int32) { a.n[g] = 0 }

func (a *countAcc) update(arg *types.Vector, gids []int32, signs []int8) error {
	n := a.n
	if a.star || arg == nil || !arg.HasNulls() {
		for i, s := range signs {
			if s != 0 {
				n[gids[i]] += int64(s)
			}
		}
		return nil
	}
	nulls := arg.Nulls
	for i, s := range signs {
		if s != 0 && !nullAt(nulls, i) {
			n[gids[i]] += int64(s)
		}
	}
	return nil
}

func (a *countAcc) result(g int32, out *types.Vector) { out.AppendInt(a.n[g]) }

func (a *countAcc) encode(buf []byte, g int32) []byte { return appendVarint(buf, a.n[g]) }

func (a *countAcc) decode(r *stateReader, g int32) { a.n[g] = r.varint() }

func (a *countAcc) stateBytes() int64 { return int64(len(a.n)) * 8 }

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
// isum/fsum/dsum[g] the sum, cnt[g] the number of non-NULL values.
type numAcc struct {
	mode    numMode
	dom     numDomain
	in      types.Physical
	out     *types.Type
	isum    []int64
	fsum    []float64
	dsum    []apd.Decimal
	cnt     []int64
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

func (a *numAcc) grow(n int) {
	a.cnt = growTo(a.cnt, n)
	switch a.dom {
	case domInt:
		a.isum = growTo(a.isum, n)
	case domFloat:
		a.fsum = growTo(a.fsum, n)
	case domDec:
		a.dsum = growTo(a.dsum, n)
	}
}

func (a *numAcc) init(g int32) {
	a.cnt[g] = 0
	switch a.dom {
	case domInt:
		a.isum[g] = 0
	case domFloat:
		a.fsum[g] = 0
	case domDec:
		a.dsum[g] = apd.Decimal{}
	}
}

func (a *numAcc) release(g int32) { a.init(g) }

func (a *numAcc) update(arg *types.Vector, gids []int32, signs []int8) error {
	nulls := arg.Nulls
	hasNulls := arg.HasNulls()
	cnt := a.cnt
	switch a.dom {
	case domInt:
		sum, xs := a.isum, arg.Ints
		for i, s := range signs {
			if s == 0 || (hasNulls && nullAt(nulls, i)) {
				continue
			}
			g := gids[i]
			sum[g] += xs[i] * int64(s)
			cnt[g] += int64(s)
		}
	case domFloat:
		sum := a.fsum
		if a.in == types.PhysInt64 {
			xs := arg.Ints
			for i, s := range signs {
				if s == 0 || (hasNulls && nullAt(nulls, i)) {
					continue
				}
				g := gids[i]
				sum[g] += float64(xs[i]) * float64(s)
				cnt[g] += int64(s)
			}
			return nil
		}
		xs := arg.Floats
		for i, s := range signs {
			if s == 0 || (hasNulls && nullAt(nulls, i)) {
				continue
			}
			g := gids[i]
			sum[g] += xs[i] * float64(s)
			cnt[g] += int64(s)
		}
	case domDec:
		sum := a.dsum
		for i, s := range signs {
			if s == 0 || (hasNulls && nullAt(nulls, i)) {
				continue
			}
			g := gids[i]
			x := &a.tmp
			if a.in == types.PhysInt64 {
				x.SetInt64(arg.Ints[i])
			} else {
				x = &arg.Decs[i]
			}
			var err error
			if s > 0 {
				_, err = apd.BaseContext.Add(&sum[g], &sum[g], x)
			} else {
				_, err = apd.BaseContext.Sub(&sum[g], &sum[g], x)
			}
			if err != nil {
				return fmt.Errorf("operators: decimal aggregate: %w", err)
			}
			cnt[g] += int64(s)
		}
	}
	return nil
}

func (a *numAcc) result(g int32, out *types.Vector) {
	c := a.cnt[g]
	if c <= 0 && a.mode != modeSum0 {
		out.AppendNull()
		return
	}
	avg := a.mode == modeAvg
	switch out.Type.Kind.Physical() {
	case types.PhysInt64:
		var v int64
		switch a.dom {
		case domInt:
			v = a.isum[g]
			if avg {
				v /= c
			}
		case domFloat:
			f := a.fsum[g]
			if avg {
				f /= float64(c)
			}
			v = int64(f)
		case domDec:
			if !a.decValue(g, avg, 0) {
				out.AppendNull()
				return
			}
			v, _ = a.tmp2.Int64()
		}
		out.AppendInt(wrapInt(v, out.Type.Kind))
	case types.PhysFloat64:
		var f float64
		switch a.dom {
		case domInt:
			f = float64(a.isum[g])
		case domFloat:
			f = a.fsum[g]
		case domDec:
			f, _ = a.dsum[g].Float64()
		}
		if avg {
			f /= float64(c)
		}
		out.AppendFloat(f)
	case types.PhysDecimal:
		if !a.decValue(g, avg, out.Type.Scale) || (out.Type.Precision > 0 && a.tmp2.NumDigits() > int64(out.Type.Precision)) {
			out.AppendNull() // overflow of the result precision: NULL, as Flink
			return
		}
		out.AppendDecimal(&a.tmp2)
	default:
		out.AppendNull()
	}
}

// decValue computes the decimal sum (or average) of g rounded HALF_UP to
// scale into a.tmp2.
func (a *numAcc) decValue(g int32, avg bool, scale int) bool {
	src := &a.tmp
	if a.dom == domDec {
		src.Set(&a.dsum[g])
	} else {
		src.SetInt64(a.isum[g])
	}
	if avg {
		a.divisor.SetInt64(a.cnt[g])
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

func (a *numAcc) encode(buf []byte, g int32) []byte {
	buf = appendVarint(buf, a.cnt[g])
	switch a.dom {
	case domInt:
		buf = appendVarint(buf, a.isum[g])
	case domFloat:
		buf = appendFloat(buf, a.fsum[g])
	case domDec:
		buf = appendDecimal(buf, &a.dsum[g])
	}
	return buf
}

func (a *numAcc) decode(r *stateReader, g int32) {
	a.cnt[g] = r.varint()
	switch a.dom {
	case domInt:
		a.isum[g] = r.varint()
	case domFloat:
		a.fsum[g] = r.float()
	case domDec:
		r.decimal(&a.dsum[g])
	}
}

func (a *numAcc) stateBytes() int64 {
	per := int64(16)
	if a.dom == domDec {
		per = 8 + 48
	}
	return int64(len(a.cnt)) * per
}

// Extreme states of minMaxAcc under retraction.
const (
	extEmpty uint8 = iota // no value present
	extValid              // ext[g] is the extreme
	extDirty              // the extreme was retracted: recompute from the set
)

// minMaxAcc implements MIN and MAX over ordered encodings (appendOrdered).
// Insert-only input: val[g] is the extreme so far (has[g] false while
// none). Retracting input: sets[g] is the multiset of values and ext[g] the
// cached extreme (state[g] says whether it is valid); retracting the
// extreme marks it dirty and the next result rescans the set, as Flink's
// MinWithRetractAggFunction does.
type minMaxAcc struct {
	max, retract bool
	buf          []byte
	tmp          apd.Decimal
	val          [][]byte
	has          []bool
	sets         []*valueSet
	ext          []string
	state        []uint8
	bytes        int64
}

func (a *minMaxAcc) grow(n int) {
	if a.retract {
		a.sets = growTo(a.sets, n)
		a.ext = growTo(a.ext, n)
		a.state = growTo(a.state, n)
	} else {
		a.val = growTo(a.val, n)
		a.has = growTo(a.has, n)
	}
}

func (a *minMaxAcc) init(g int32) {
	if a.retract {
		a.sets[g], a.ext[g], a.state[g] = nil, "", extEmpty
	} else {
		a.bytes -= int64(len(a.val[g]))
		a.val[g], a.has[g] = a.val[g][:0], false
	}
}

func (a *minMaxAcc) release(g int32) {
	if a.retract && a.sets[g] != nil {
		a.sets[g].release()
	}
	a.init(g)
}

func (a *minMaxAcc) better(enc []byte, cur string) bool {
	if a.max {
		return string(enc) > cur
	}
	return string(enc) < cur
}

func (a *minMaxAcc) update(arg *types.Vector, gids []int32, signs []int8) error {
	nulls := arg.Nulls
	hasNulls := arg.HasNulls()
	for i, s := range signs {
		if s == 0 || (hasNulls && nullAt(nulls, i)) {
			continue
		}
		enc, err := appendOrdered(a.buf[:0], arg, i, &a.tmp)
		if err != nil {
			return err
		}
		a.buf = enc
		g := gids[i]
		if !a.retract {
			if s < 0 {
				return errRetractInsertOnly
			}
			if !a.has[g] || a.better(enc, string(a.val[g])) {
				a.bytes += int64(len(enc) - len(a.val[g]))
				a.val[g] = append(a.val[g][:0], enc...)
				a.has[g] = true
			}
			continue
		}
		set := a.sets[g]
		if set == nil {
			set = newValueSet(&a.bytes)
			a.sets[g] = set
		}
		slot, before, after := set.add(enc, int64(s))
		switch {
		case before <= 0 && after > 0: // value became present
			switch a.state[g] {
			case extEmpty:
				a.ext[g], a.state[g] = set.keys[slot], extValid
			case extValid:
				if a.better(enc, a.ext[g]) {
					a.ext[g] = set.keys[slot]
				}
			}
		case before > 0 && after <= 0: // value gone
			if a.state[g] == extValid && string(enc) == a.ext[g] {
				a.state[g] = extDirty
			}
		}
	}
	return nil
}

func (a *minMaxAcc) result(g int32, out *types.Vector) {
	if !a.retract {
		if !a.has[g] {
			out.AppendNull()
			return
		}
		appendDecoded(out, string(a.val[g]))
		return
	}
	if a.state[g] == extDirty {
		a.ext[g], a.state[g] = "", extEmpty
		if set := a.sets[g]; set != nil {
			if e, ok := set.extreme(a.max); ok {
				a.ext[g], a.state[g] = e, extValid
			}
		}
	}
	if a.state[g] != extValid {
		out.AppendNull()
		return
	}
	appendDecoded(out, a.ext[g])
}

// encode: insert-only: bool has, bytes val; retracting: the value set.
func (a *minMaxAcc) encode(buf []byte, g int32) []byte {
	if !a.retract {
		buf = appendBool(buf, a.has[g])
		return appendBytes(buf, a.val[g])
	}
	if a.sets[g] == nil {
		return appendUvarint(buf, 0)
	}
	return a.sets[g].encode(buf)
}

func (a *minMaxAcc) decode(r *stateReader, g int32) {
	if !a.retract {
		a.has[g] = r.bool()
		v := r.bytes()
		a.val[g] = append(a.val[g][:0], v...)
		a.bytes += int64(len(v))
		return
	}
	set := newValueSet(&a.bytes)
	set.decode(r)
	a.sets[g], a.state[g] = set, extDirty
}

func (a *minMaxAcc) stateBytes() int64 {
	if a.retract {
		return a.bytes + int64(len(a.sets))*(8+16+1)
	}
	return a.bytes + int64(len(a.val))*(24+1)
}

// firstLastAcc implements FIRST_VALUE and LAST_VALUE (NULLs ignored).
// Insert-only input: val[g] is the first (or latest) value, has[g] whether
// one was seen. Retracting input: entries[g] lists the present values in
// accumulation order (strings interned through sets[g], the multiset of the
// same values); a retraction removes the earliest occurrence of the value,
// as Flink's FirstValueWithRetractAggFunction does with its order map, and
// the result is the first (or last) entry.
type firstLastAcc struct {
	last, retract bool
	buf           []byte
	tmp           apd.Decimal
	val           [][]byte
	has           []bool
	sets          []*valueSet
	entries       [][]string
	bytes         int64
}

func (a *firstLastAcc) grow(n int) {
	if a.retract {
		a.sets = growTo(a.sets, n)
		a.entries = growTo(a.entries, n)
	} else {
		a.val = growTo(a.val, n)
		a.has = growTo(a.has, n)
	}
}

func (a *firstLastAcc) init(g int32) {
	if a.retract {
		a.bytes -= int64(len(a.entries[g])) * 16
		a.sets[g], a.entries[g] = nil, nil
	} else {
		a.bytes -= int64(len(a.val[g]))
		a.val[g], a.has[g] = a.val[g][:0], false
	}
}

func (a *firstLastAcc) release(g int32) {
	if a.retract && a.sets[g] != nil {
		a.sets[g].release()
	}
	a.init(g)
}

func (a *firstLastAcc) update(arg *types.Vector, gids []int32, signs []int8) error {
	nulls := arg.Nulls
	hasNulls := arg.HasNulls()
	for i, s := range signs {
		if s == 0 || (hasNulls && nullAt(nulls, i)) {
			continue
		}
		g := gids[i]
		if !a.retract {
			if s < 0 {
				return errRetractInsertOnly
			}
			if a.has[g] && !a.last {
				continue
			}
		}
		enc, err := appendOrdered(a.buf[:0], arg, i, &a.tmp)
		if err != nil {
			return err
		}
		a.buf = enc
		if !a.retract {
			a.bytes += int64(len(enc) - len(a.val[g]))
			a.val[g] = append(a.val[g][:0], enc...)
			a.has[g] = true
			continue
		}
		set := a.sets[g]
		if set == nil {
			set = newValueSet(&a.bytes)
			a.sets[g] = set
		}
		if s > 0 {
			slot, _, _ := set.add(enc, 1)
			a.entries[g] = append(a.entries[g], set.keys[slot])
			a.bytes += 16
			continue
		}
		if set.count(enc) <= 0 {
			continue // retraction of a value never accumulated
		}
		es := a.entries[g]
		for k, e := range es {
			if e == string(enc) {
				a.entries[g] = slices.Delete(es, k, k+1)
				a.bytes -= 16
				break
			}
		}
		set.add(enc, -1)
	}
	return nil
}

func (a *firstLastAcc) result(g int32, out *types.Vector) {
	if !a.retract {
		if !a.has[g] {
			out.AppendNull()
			return
		}
		appendDecoded(out, string(a.val[g]))
		return
	}
	es := a.entries[g]
	switch {
	case len(es) == 0:
		out.AppendNull()
	case a.last:
		appendDecoded(out, es[len(es)-1])
	default:
		appendDecoded(out, es[0])
	}
}

// encode: insert-only: bool has, bytes val; retracting: uvarint n and the
// n entries in order.
func (a *firstLastAcc) encode(buf []byte, g int32) []byte {
	if !a.retract {
		buf = appendBool(buf, a.has[g])
		return appendBytes(buf, a.val[g])
	}
	es := a.entries[g]
	buf = appendUvarint(buf, uint64(len(es)))
	for _, e := range es {
		buf = appendString(buf, e)
	}
	return buf
}

func (a *firstLastAcc) decode(r *stateReader, g int32) {
	if !a.retract {
		a.has[g] = r.bool()
		v := r.bytes()
		a.val[g] = append(a.val[g][:0], v...)
		a.bytes += int64(len(v))
		return
	}
	n := r.count()
	if n == 0 {
		return
	}
	set := newValueSet(&a.bytes)
	es := make([]string, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		e := r.bytes()
		slot, _, _ := set.add(e, 1)
		es = append(es, set.keys[slot])
	}
	a.bytes += int64(len(es)) * 16
	a.sets[g], a.entries[g] = set, es
}

func (a *firstLastAcc) stateBytes() int64 {
	if a.retract {
		return a.bytes + int64(len(a.sets))*(8+24)
	}
	return a.bytes + int64(len(a.val))*(24+1)
}

// distinctFilter turns the signs of a batch into the signs of a DISTINCT
// call: a row counts (+1) only when its value becomes present in the group
// and retracts (-1) only when the value's last occurrence goes; NULLs never
// count. sets[g] is the multiset of the group's values of column arg; it is
// shared by every DISTINCT call over the same column, as in Flink.
type distinctFilter struct {
	arg   int
	sets  []*valueSet
	signs []int8
	buf   []byte
	tmp   apd.Decimal
	bytes int64
}

func (d *distinctFilter) grow(n int)   { d.sets = growTo(d.sets, n) }
func (d *distinctFilter) init(g int32) { d.sets[g] = nil }

func (d *distinctFilter) release(g int32) {
	if d.sets[g] != nil {
		d.sets[g].release()
		d.sets[g] = nil
	}
}

func (d *distinctFilter) apply(arg *types.Vector, gids []int32, signs []int8) ([]int8, error) {
	out := resize(d.signs, len(signs))
	d.signs = out
	nulls := arg.Nulls
	hasNulls := arg.HasNulls()
	for i, s := range signs {
		out[i] = 0
		if s == 0 || (hasNulls && nullAt(nulls, i)) {
			continue
		}
		enc, err := appendOrdered(d.buf[:0], arg, i, &d.tmp)
		if err != nil {
			return nil, err
		}
		d.buf = enc
		g := gids[i]
		set := d.sets[g]
		if set == nil {
			set = newValueSet(&d.bytes)
			d.sets[g] = set
		}
		_, before, after := set.add(enc, int64(s))
		switch {
		case before <= 0 && after > 0:
			out[i] = 1
		case before > 0 && after <= 0:
			out[i] = -1
		}
	}
	return out, nil
}

func (d *distinctFilter) encode(buf []byte, g int32) []byte {
	if d.sets[g] == nil {
		return appendUvarint(buf, 0)
	}
	return d.sets[g].encode(buf)
}

func (d *distinctFilter) decode(r *stateReader, g int32) {
	set := newValueSet(&d.bytes)
	set.decode(r)
	d.sets[g] = set
}

func (d *distinctFilter) stateBytes() int64 { return d.bytes + int64(len(d.sets))*8 }
