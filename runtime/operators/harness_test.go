package operators

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
)

// fakeClock is a settable runtime.Clock.
type fakeClock struct{ ms int64 }

func (c *fakeClock) NowMillis() int64 { return c.ms }
func (c *fakeClock) NowMicros() int64 { return c.ms * 1000 }

// collector is a runtime.Output keeping what it receives.
type collector struct {
	batches []*types.Batch
	wms     []int64
}

func (c *collector) Emit(b *types.Batch) error {
	if b != nil && b.Len > 0 {
		c.batches = append(c.batches, b)
	}
	return nil
}

func (c *collector) EmitWatermark(wm int64) error {
	c.wms = append(c.wms, wm)
	return nil
}

// rows renders every collected row as "+I[a, 1]" and resets the collector.
func (c *collector) take() []string {
	var out []string
	for _, b := range c.batches {
		out = append(out, renderBatch(b)...)
	}
	c.batches = nil
	return out
}

type harness struct {
	op    runtime.Operator
	out   *collector
	ctx   *runtime.OperatorContext
	clock *fakeClock
}

func openOp(t testing.TB, f func(int, int) (runtime.Operator, error), restore []byte) *harness {
	t.Helper()
	op, err := f(0, 1)
	if err != nil {
		t.Fatalf("factory: %v", err)
	}
	h := &harness{op: op, out: &collector{}, clock: &fakeClock{ms: 1000}}
	h.ctx = &runtime.OperatorContext{
		Ctx: context.Background(), Metrics: &runtime.OperatorMetrics{}, Clock: h.clock,
		Parallelism: 1, MaxParallel: 128, RestoredStates: restoredStates(restore),
	}
	if err := op.Open(h.ctx, h.out); err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { op.Close() })
	return h
}

// feed processes b and returns the rendered output rows.
func (h *harness) feed(t testing.TB, b *types.Batch) []string {
	t.Helper()
	if err := h.op.ProcessBatch(0, b); err != nil {
		t.Fatalf("process: %v", err)
	}
	return h.out.take()
}

// row is a test row: kind and values (nil = NULL, int, int64, float64,
// string, bool, "d:1.50" decimals as *apd.Decimal, []any arrays, rowVal).
type row struct {
	k types.RowKind
	v []any
}

type rowVal []any

type mapVal [][2]any

func ins(v ...any) row { return row{types.Insert, v} }
func ub(v ...any) row  { return row{types.UpdateBefore, v} }
func ua(v ...any) row  { return row{types.UpdateAfter, v} }
func del(v ...any) row { return row{types.Delete, v} }

func dec(s string) *apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return d
}

func mkBatch(ts []*types.Type, rows ...row) *types.Batch {
	b := types.NewBatch(ts, len(rows))
	for _, r := range rows {
		b.AppendKind(r.k)
		for c, v := range r.v {
			appendTestValue(b.Cols[c], v)
		}
		b.Len++
	}
	return b
}

func appendTestValue(vec *types.Vector, v any) {
	if v == nil {
		vec.AppendNull()
		return
	}
	switch x := v.(type) {
	case bool:
		vec.AppendBool(x)
	case int:
		vec.AppendInt(int64(x))
	case int64:
		vec.AppendInt(x)
	case float64:
		vec.AppendFloat(x)
	case string:
		vec.AppendString(x)
	case *apd.Decimal:
		var q apd.Decimal
		if _, err := decCtx.Quantize(&q, x, int32(-vec.Type.Scale)); err != nil {
			panic(err)
		}
		vec.AppendDecimal(&q)
	case []any:
		for _, e := range x {
			appendTestValue(vec.Children[0], e)
		}
		vec.CloseNested()
	case mapVal:
		for _, kv := range x {
			appendTestValue(vec.Children[0], kv[0])
			appendTestValue(vec.Children[1], kv[1])
		}
		vec.CloseNested()
	case rowVal:
		for i, f := range x {
			appendTestValue(vec.Children[i], f)
		}
		vec.CloseRow()
	default:
		panic(fmt.Sprintf("unsupported test value %T", v))
	}
}

func renderBatch(b *types.Batch) []string {
	out := make([]string, b.Len)
	for i := 0; i < b.Len; i++ {
		parts := make([]string, len(b.Cols))
		for c, v := range b.Cols {
			parts[c] = renderValue(v, i)
		}
		out[i] = b.Kind(i).String() + "[" + strings.Join(parts, ", ") + "]"
	}
	return out
}

func renderValue(v *types.Vector, i int) string {
	if v.IsNull(i) {
		return "NULL"
	}
	switch v.Type.Kind.Physical() {
	case types.PhysNone:
		return "NULL"
	case types.PhysBool:
		return strconv.FormatBool(v.Bools[i])
	case types.PhysInt64:
		return strconv.FormatInt(v.Ints[i], 10)
	case types.PhysFloat64:
		return strconv.FormatFloat(v.Floats[i], 'g', -1, 64)
	case types.PhysDecimal:
		return v.Decs[i].Text('f')
	case types.PhysBytes:
		return v.Str(i)
	case types.PhysArray:
		var parts []string
		for j := v.Offsets[i]; j < v.Offsets[i+1]; j++ {
			parts = append(parts, renderValue(v.Children[0], int(j)))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case types.PhysMap:
		var parts []string
		for j := v.Offsets[i]; j < v.Offsets[i+1]; j++ {
			parts = append(parts, renderValue(v.Children[0], int(j))+"="+renderValue(v.Children[1], int(j)))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case types.PhysRow:
		parts := make([]string, len(v.Children))
		for c, ch := range v.Children {
			parts[c] = renderValue(ch, i)
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	return "?"
}

func eqRows(t testing.TB, what string, got []string, want ...string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got: %v\nwant: %v", what, got, want)
	}
}

// Test-local functions, so Calc tests do not depend on the function
// library: BIGINT arithmetic and comparisons with NULL propagation.

func binaryIntFn(name string, ret *types.Type, f func(a, b int64, out *types.Vector) error) *expr.Function {
	return &expr.Function{
		Name: name, Infix: name, MinArgs: 2, MaxArgs: 2,
		Infer: func([]*types.Type) (*types.Type, error) { return ret, nil },
		Bind: func([]*types.Type, *types.Type) (expr.Kernel, error) {
			return func(args []*types.Vector, n int, out *types.Vector) error {
				for i := 0; i < n; i++ {
					if args[0].IsNull(i) || args[1].IsNull(i) {
						out.AppendNull()
						continue
					}
					if err := f(args[0].Ints[i], args[1].Ints[i], out); err != nil {
						return err
					}
				}
				return nil
			}, nil
		},
	}
}

var (
	fnGt = binaryIntFn(">", types.Boolean, func(a, b int64, o *types.Vector) error { o.AppendBool(a > b); return nil })
	fnNe = binaryIntFn("<>", types.Boolean, func(a, b int64, o *types.Vector) error { o.AppendBool(a != b); return nil })
	fnAd = binaryIntFn("+", types.BigInt, func(a, b int64, o *types.Vector) error { o.AppendInt(a + b); return nil })
	fnMu = binaryIntFn("*", types.BigInt, func(a, b int64, o *types.Vector) error { o.AppendInt(a * b); return nil })
	fnDi = binaryIntFn("/", types.BigInt, func(a, b int64, o *types.Vector) error {
		if b == 0 {
			return errors.New("division by zero")
		}
		o.AppendInt(a / b)
		return nil
	})
)

func col(i int, t *types.Type) *expr.ColumnRef {
	return &expr.ColumnRef{Index: i, Name: "$" + strconv.Itoa(i), T: t}
}

func call(fn *expr.Function, args ...expr.Expr) *expr.Call {
	c, err := expr.NewCall(fn, args...)
	if err != nil {
		panic(err)
	}
	return c
}

func litInt(x int64) *expr.Literal {
	v := types.NewVector(types.BigInt, 1)
	v.AppendInt(x)
	return &expr.Literal{Value: v, T: types.BigInt, Text: strconv.FormatInt(x, 10)}
}

// restoredStates wraps one snapshot as the runtime hands it over on restore.
func restoredStates(st []byte) [][]byte {
	if st == nil {
		return nil
	}
	return [][]byte{st}
}
