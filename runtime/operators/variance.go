package operators

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/cockroachdb/apd/v3"

	"github.com/flinkgo/engine/runtime/types"
)

// varAcc implements VAR_POP, VAR_SAMP, STDDEV_POP and STDDEV_SAMP as Flink
// reduces them: from the count, the sum and the sum of squares of the
// non-NULL values (kept as doubles, so retractions subtract), computed in
// double and converted to the result type (the argument's type, as in
// Flink: integers truncate). No value (or one, for the samples) gives NULL.
type varAcc struct {
	kind     AggKind
	in       types.Physical
	cnt      int64
	sum, sq  float64
	tmp, res apd.Decimal
}

func newVarAcc(c AggCall, argType *types.Type) (*varAcc, error) {
	in := argType.Kind.Physical()
	if in != types.PhysInt64 && in != types.PhysFloat64 && in != types.PhysDecimal {
		return nil, fmt.Errorf("operators: %s over %s is not supported", c.Kind, argType)
	}
	switch c.Type.Kind.Physical() {
	case types.PhysInt64, types.PhysFloat64, types.PhysDecimal:
	default:
		return nil, fmt.Errorf("operators: %s cannot return %s", c.Kind, c.Type)
	}
	return &varAcc{kind: c.Kind, in: in}, nil
}

func (a *varAcc) reset() { a.cnt, a.sum, a.sq = 0, 0, 0 }

func (a *varAcc) decode(r *stateReader) {
	a.cnt, a.sum, a.sq = r.int64(), r.float(), r.float()
}

func (a *varAcc) encode(buf []byte) []byte {
	return appendFloat(appendFloat(appendInt64(buf, a.cnt), a.sum), a.sq)
}

func (a *varAcc) add(arg *types.Vector, i int, s int8) error {
	if s == 0 || nullAt(arg.Nulls, i) {
		return nil
	}
	var x float64
	switch a.in {
	case types.PhysInt64:
		x = float64(arg.Ints[i])
	case types.PhysFloat64:
		x = arg.Floats[i]
	case types.PhysDecimal:
		f, err := arg.Decs[i].Float64()
		if err != nil {
			return fmt.Errorf("operators: %s: %w", a.kind, err)
		}
		x = f
	}
	a.cnt += int64(s)
	a.sum += float64(s) * x
	a.sq += float64(s) * x * x
	return nil
}

func (a *varAcc) result(out *types.Vector) error {
	n := float64(a.cnt)
	samp := a.kind == AggVarSamp || a.kind == AggStddevSamp
	if a.cnt <= 0 || (samp && a.cnt <= 1) {
		out.AppendNull()
		return nil
	}
	v := (a.sq - a.sum*a.sum/n)
	if samp {
		v /= n - 1
	} else {
		v /= n
	}
	if v < 0 {
		v = 0 // rounding after retractions
	}
	if a.kind == AggStddevPop || a.kind == AggStddevSamp {
		v = math.Sqrt(v)
	}
	switch out.Type.Kind.Physical() {
	case types.PhysInt64:
		out.AppendInt(wrapInt(int64(v), out.Type.Kind))
	case types.PhysFloat64:
		out.AppendFloat(v)
	case types.PhysDecimal:
		if _, err := a.tmp.SetFloat64(v); err != nil {
			return err
		}
		if _, err := decCtx.Quantize(&a.res, &a.tmp, int32(-out.Type.Scale)); err != nil {
			out.AppendNull()
			return nil
		}
		out.AppendDecimal(&a.res)
	}
	return nil
}

// listAggAcc implements LISTAGG(x, sep) over insert-only input: the
// non-NULL values joined by sep in arrival order (NULL when there are
// none). A retraction is an error: over a changelog the GroupAggregate
// uses listAggRetractAcc.
type listAggAcc struct {
	sep []byte
	has bool
	buf []byte
}

func (a *listAggAcc) reset() { a.has, a.buf = false, a.buf[:0] }

func (a *listAggAcc) decode(r *stateReader) {
	a.has = r.byte() != 0
	a.buf = append(a.buf[:0], r.bytes()...)
}

func (a *listAggAcc) encode(buf []byte) []byte {
	h := byte(0)
	if a.has {
		h = 1
	}
	return appendBytes(append(buf, h), a.buf)
}

func (a *listAggAcc) add(arg *types.Vector, i int, s int8) error {
	if s < 0 {
		return errRetractInsertOnly
	}
	if s == 0 || nullAt(arg.Nulls, i) {
		return nil
	}
	if a.has {
		a.buf = append(a.buf, a.sep...)
	}
	a.buf = append(a.buf, arg.Bytes(i)...)
	a.has = true
	return nil
}

func (a *listAggAcc) result(out *types.Vector) error {
	if !a.has {
		out.AppendNull()
		return nil
	}
	out.AppendBytes(a.buf)
	return nil
}

// listAggRetractAcc implements LISTAGG(x, sep) over a changelog, as Flink's
// ListAggWithRetractAggFunction: order (shared with FIRST_VALUE/LAST_VALUE
// calls over the same column) holds the present non-NULL values in
// accumulation order; a retraction removes the value's earliest occurrence.
// cur caches the joined result while it is valid: an accumulation appends
// to it, a retraction marks it dirty and the next result rebuilds it from
// the order map.
type listAggRetractAcc struct {
	sep   []byte
	order *orderStore
	st    uint8
	cur   []byte
	ents  []listAggEntry
	arena []byte
}

type listAggEntry struct {
	seq      uint64
	from, to int // value bytes in arena
}

func (a *listAggRetractAcc) reset() { a.st, a.cur = extEmpty, a.cur[:0] }

func (a *listAggRetractAcc) add(*types.Vector, int, int8) error {
	o := a.order
	switch o.op {
	case opAdded: // the newest entry: it goes last
		switch a.st {
		case extEmpty:
			a.cur, a.st = append(a.cur[:0], o.enc...), extValid
		case extValid:
			a.cur = append(append(a.cur, a.sep...), o.enc...)
		}
	case opRemoved:
		if o.n == 0 {
			a.reset()
		} else {
			a.st = extDirty
		}
	}
	return nil
}

// rebuild joins the order map's values in sequence order.
func (a *listAggRetractAcc) rebuild() error {
	a.ents, a.arena = a.ents[:0], a.arena[:0]
	bad := false
	err := a.order.order.Iterate(func(k, v []byte) bool {
		if bad = len(k) != 8 || len(v) < 8; bad {
			return false
		}
		from := len(a.arena)
		a.arena = append(a.arena, v[:len(v)-8]...)
		a.ents = append(a.ents, listAggEntry{binary.BigEndian.Uint64(k), from, len(a.arena)})
		return true
	})
	if err == nil && bad {
		err = fmt.Errorf("%w: entry in %s", errCorruptState, a.order.name)
	}
	if err != nil {
		return err
	}
	if !a.order.ordered {
		slices.SortFunc(a.ents, func(x, y listAggEntry) int { return cmp.Compare(x.seq, y.seq) })
	}
	a.cur, a.st = a.cur[:0], extEmpty
	for i, e := range a.ents {
		if i > 0 {
			a.cur = append(a.cur, a.sep...)
		}
		a.cur = append(a.cur, a.arena[e.from:e.to]...)
		a.st = extValid
	}
	return nil
}

func (a *listAggRetractAcc) result(out *types.Vector) error {
	if a.st == extDirty {
		if err := a.rebuild(); err != nil {
			return err
		}
	}
	if a.st != extValid {
		out.AppendNull()
		return nil
	}
	out.AppendBytes(a.cur)
	return nil
}

// encode: state byte, cur bytes.
func (a *listAggRetractAcc) encode(buf []byte) []byte {
	return appendBytes(append(buf, a.st), a.cur)
}

func (a *listAggRetractAcc) decode(r *stateReader) {
	a.st = r.byte()
	a.cur = append(a.cur[:0], r.bytes()...)
	if a.st > extDirty {
		r.fail("LISTAGG state")
	}
}
