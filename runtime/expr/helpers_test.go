package expr

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

// Test helpers: build expressions with panicking constructors, evaluate
// them and render results in Flink's SQL style ("NULL" for NULL).

// C builds a call of a registered function; it panics on plan errors.
func C(name string, args ...Expr) Expr {
	fn, ok := Lookup(name)
	if !ok {
		panic("unknown function " + name)
	}
	c, err := NewCall(fn, args...)
	if err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	return c
}

// planErr returns the plan-time error of a call ("" when none).
func planErr(name string, args ...Expr) string {
	fn, ok := Lookup(name)
	if !ok {
		return "unknown function " + name
	}
	_, err := NewCall(fn, args...)
	if err != nil {
		return err.Error()
	}
	return ""
}

// L makes a literal from a Go value: int → INT, int64 → BIGINT, float64 →
// DOUBLE, string → CHAR(n), bool → BOOLEAN, nil → untyped NULL.
func L(v any) Expr {
	switch x := v.(type) {
	case nil:
		return LiteralNull(nil)
	case int:
		return LiteralInt(int64(x), types.Int)
	case int64:
		return LiteralInt(x, types.BigInt)
	case float64:
		return LiteralFloat(x)
	case string:
		return LiteralString(x)
	case bool:
		return LiteralBool(x)
	case Expr:
		return x
	}
	panic(fmt.Sprintf("L(%T)", v))
}

// D is a decimal literal.
func D(s string) Expr {
	l, err := LiteralDecimal(s)
	if err != nil {
		panic(err)
	}
	return l
}

// TL is a typed literal from text (TIMESTAMP '...', DATE '...').
func TL(text string, t *types.Type) Expr {
	l, err := LiteralFromString(text, t)
	if err != nil {
		panic(err)
	}
	return l
}

func TS(text string) Expr            { return TL(text, types.Timestamp3) }
func DT(text string) Expr            { return TL(text, types.Date) }
func TY(v int64, t *types.Type) Expr { return LiteralInt(v, t) }

// CastE builds CAST / TRY_CAST, panicking on plan errors.
func CastE(e Expr, t *types.Type) Expr {
	c, err := NewCast(e, t, false)
	if err != nil {
		panic(err)
	}
	return c
}

func TryCastE(e Expr, t *types.Type) Expr {
	c, err := NewCast(e, t, true)
	if err != nil {
		panic(err)
	}
	return c
}

// render renders row i of v.
func render(v *types.Vector, i int) string {
	return string(types.AppendValue(nil, v, i, types.StyleSQL))
}

// eval1 evaluates a constant expression.
func eval1(e Expr) (string, error) {
	v, err := EvalConstant(e)
	if err != nil {
		return "", err
	}
	return render(v, 0), nil
}

// vec builds a vector of type t from Go values (nil = NULL); strings are
// parsed for non-string types.
func vec(t *types.Type, vals ...any) *types.Vector {
	v := types.NewVector(t, len(vals))
	for _, x := range vals {
		if x == nil {
			v.AppendNull()
			continue
		}
		switch y := x.(type) {
		case int:
			v.AppendInt(int64(y))
		case int64:
			v.AppendInt(y)
		case float64:
			v.AppendFloat(y)
		case bool:
			v.AppendBool(y)
		case string:
			if t.IsString() || t.IsBinary() {
				v.AppendString(y)
				continue
			}
			l, err := LiteralFromString(y, t)
			if err != nil {
				panic(err)
			}
			v.AppendFrom(l.Value, 0)
		default:
			panic(fmt.Sprintf("vec(%T)", x))
		}
	}
	return v
}

// batchOf builds a batch from columns of equal length.
func batchOf(cols ...*types.Vector) *types.Batch {
	b := &types.Batch{Cols: cols}
	if len(cols) > 0 {
		b.Len = cols[0].Len
	}
	return b
}

// colRef refers to column i of type t.
func colRef(i int, t *types.Type) Expr {
	return &ColumnRef{Index: i, Name: fmt.Sprintf("c%d", i), T: t}
}

// evalRows evaluates e over b and renders every row joined by "|".
func evalRows(t *testing.T, e Expr, b *types.Batch) string {
	t.Helper()
	ev, err := Compile(e)
	if err != nil {
		t.Fatalf("compile %s: %v", e, err)
	}
	v, err := ev.Eval(b)
	if err != nil {
		t.Fatalf("eval %s: %v", e, err)
	}
	if v.Len != b.Len {
		t.Fatalf("%s: %d rows for %d", e, v.Len, b.Len)
	}
	parts := make([]string, v.Len)
	for i := range parts {
		parts[i] = render(v, i)
	}
	return strings.Join(parts, "|")
}

type evalCase struct {
	e    Expr
	want string
}

func runCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, c := range cases {
		got, err := eval1(c.e)
		if err != nil {
			t.Errorf("%s: error %v, want %q", c.e, err, c.want)
			continue
		}
		if got != c.want {
			t.Errorf("%s = %q, want %q", c.e, got, c.want)
		}
	}
}

type typeCase struct {
	e    Expr
	want string
}

func runTypeCases(t *testing.T, cases []typeCase) {
	t.Helper()
	for _, c := range cases {
		if got := c.e.Type().String(); got != c.want {
			t.Errorf("type of %s = %s, want %s", c.e, got, c.want)
		}
	}
}
