package expr

import (
	"strings"

	"github.com/flinkgo/engine/runtime/types"
)

// A compact signature notation for ordinary functions. Each byte of params
// is one argument family; a lower-case letter is optional (from there on,
// all are optional) and a trailing '*' repeats the last family:
//
//	S string   I integer   N numeric   B boolean   T date/time/timestamp
//	D date/time/timestamp or interval
//	X string or binary     A any
//
// An untyped NULL argument matches every family; Infer sees it as the
// family's default type and Bind converts it, so kernels never see the NULL
// type.

type family byte

func famMatch(f byte, t *types.Type) bool {
	if isNullType(t) {
		return true
	}
	switch f | 0x20 { // lower case
	case 's':
		return t.IsString()
	case 'i':
		return t.IsInteger()
	case 'n':
		return t.IsNumeric()
	case 'b':
		return t.Kind == types.KindBoolean
	case 't':
		return isTemporal(t)
	case 'd':
		return isTemporal(t) || isInterval(t)
	case 'x':
		return t.IsString() || t.IsBinary()
	case 'a':
		return true
	}
	return false
}

func famDefault(f byte) *types.Type {
	switch f | 0x20 {
	case 's', 'x':
		return types.String
	case 'i':
		return types.Int
	case 'n':
		return types.Double
	case 'b':
		return types.Boolean
	case 't', 'd':
		return types.Timestamp3
	}
	return types.String
}

func famName(f byte) string {
	switch f | 0x20 {
	case 's':
		return "<CHARACTER>"
	case 'i':
		return "<INTEGER>"
	case 'n':
		return "<NUMERIC>"
	case 'b':
		return "<BOOLEAN>"
	case 't':
		return "<DATETIME>"
	case 'd':
		return "<DATETIME_INTERVAL>"
	case 'x':
		return "<STRING>"
	}
	return "<ANY>"
}

// sigFamily returns the family of argument i, or 0 when there is none.
func sigFamily(params string, i int) byte {
	rep := strings.HasSuffix(params, "*")
	p := strings.TrimSuffix(params, "*")
	if i < len(p) {
		return p[i]
	}
	if rep && len(p) > 0 {
		return p[len(p)-1]
	}
	return 0
}

func sigArity(params string) (minArgs, maxArgs int) {
	p := strings.TrimSuffix(params, "*")
	minArgs = len(p)
	for i := 0; i < len(p); i++ {
		if p[i] >= 'a' && p[i] <= 'z' {
			minArgs = i
			break
		}
	}
	maxArgs = len(p)
	if strings.HasSuffix(params, "*") {
		maxArgs = -1
	}
	return
}

func sigForm(name, params string) string {
	p := strings.TrimSuffix(params, "*")
	var b strings.Builder
	b.WriteString(name + "(")
	opened := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= 'a' && c <= 'z' {
			b.WriteString("[")
			opened++
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(famName(c))
	}
	if strings.HasSuffix(params, "*") {
		b.WriteString(", ...")
	}
	b.WriteString(strings.Repeat("]", opened))
	b.WriteString(")")
	return b.String()
}

// fnSpec describes a function with a family signature.
type fnSpec struct {
	name   string
	params string
	// ret derives the result type from argument types where untyped NULLs
	// were replaced by their family default.
	ret func(args []*types.Type) *types.Type
	// check optionally validates further (returns a user error).
	check func(args []*types.Type) error
	bind  func(args []*types.Type, ret *types.Type) (Kernel, error)
	// nondet marks NOW(), RAND(), ...
	nondet bool
}

// register adds the function under its name and aliases.
func (s fnSpec) register(aliases ...string) {
	for _, name := range append([]string{s.name}, aliases...) {
		Register(s.function(name))
	}
}

func (s fnSpec) function(name string) *Function {
	minA, maxA := sigArity(s.params)
	params := s.params
	form := sigForm(name, params)
	retF, check, bind := s.ret, s.check, s.bind
	return &Function{
		Name: name, MinArgs: minA, MaxArgs: maxA, NonDeterministic: s.nondet,
		Infer: func(args []*types.Type) (*types.Type, error) {
			sub := make([]*types.Type, len(args))
			for i, a := range args {
				f := sigFamily(params, i)
				if f == 0 || !famMatch(f, a) {
					return nil, applyError(name, false, args, form)
				}
				sub[i] = a
				if isNullType(a) {
					sub[i] = famDefault(f)
				}
			}
			if check != nil {
				if err := check(sub); err != nil {
					return nil, err
				}
			}
			return retF(sub), nil
		},
		Bind: func(args []*types.Type, ret *types.Type) (Kernel, error) {
			sub := make([]*types.Type, len(args))
			to := make([]*types.Type, len(args))
			for i, a := range args {
				sub[i] = a
				if isNullType(a) {
					sub[i] = famDefault(sigFamily(params, i))
					to[i] = sub[i]
				}
			}
			k, err := bind(sub, ret)
			if err != nil {
				return nil, err
			}
			return coerceArgs(k, args, to)
		},
	}
}

// Common result-type derivations.

func retString(args []*types.Type) *types.Type { return nullableIf(types.String, args) }
func retInt(args []*types.Type) *types.Type    { return nullableIf(types.Int, args) }
func retBigInt(args []*types.Type) *types.Type { return nullableIf(types.BigInt, args) }
func retBool(args []*types.Type) *types.Type   { return nullableIf(types.Boolean, args) }
func retDouble(args []*types.Type) *types.Type { return nullableIf(types.Double, args) }
func retArg0(args []*types.Type) *types.Type   { return args[0].WithTimeAttr(types.NoTimeAttr) }
func retNullable(t *types.Type) func([]*types.Type) *types.Type {
	return func([]*types.Type) *types.Type { return t.WithNullable(true) }
}
func retFixed(t *types.Type) func([]*types.Type) *types.Type {
	return func(args []*types.Type) *types.Type { return nullableIf(t, args) }
}

// rowHasNull reports whether any argument is NULL at row i.
func rowHasNull(args []*types.Vector, i int) bool {
	for _, a := range args {
		if nullAt(a.Nulls, i) {
			return true
		}
	}
	return false
}

// strKernel builds a kernel producing a string per row: rows with a NULL
// argument are NULL; otherwise f appends the value to dst and reports
// whether the result is non-NULL.
func strKernel(f func(args []*types.Vector, i int, dst []byte) ([]byte, bool)) Kernel {
	return func(args []*types.Vector, n int, out *types.Vector) error {
		for i := 0; i < n; i++ {
			if rowHasNull(args, i) {
				appendNullBytes(out)
				continue
			}
			start := len(out.Data)
			d, ok := f(args, i, out.Data)
			if !ok {
				out.Data = d[:start]
				appendNullBytes(out)
				continue
			}
			out.Data = d
			endBytes(out)
		}
		return nil
	}
}

// intKernel builds a kernel producing an int64-stored value per row.
func intKernel(f func(args []*types.Vector, i int) (int64, bool)) Kernel {
	return func(args []*types.Vector, n int, out *types.Vector) error {
		r := sizeInts(out, n)
		out.Nulls = out.Nulls[:0]
		for i := range r {
			if rowHasNull(args, i) {
				r[i] = 0
				out.SetNull(i)
				continue
			}
			v, ok := f(args, i)
			if !ok {
				v = 0
				out.SetNull(i)
			}
			r[i] = v
		}
		finish(out, n)
		return nil
	}
}

// boolKernel builds a kernel producing a BOOLEAN per row.
func boolKernel(f func(args []*types.Vector, i int) (bool, bool)) Kernel {
	return func(args []*types.Vector, n int, out *types.Vector) error {
		r := sizeBools(out, n)
		out.Nulls = out.Nulls[:0]
		for i := range r {
			if rowHasNull(args, i) {
				r[i] = false
				out.SetNull(i)
				continue
			}
			v, ok := f(args, i)
			if !ok {
				v = false
				out.SetNull(i)
			}
			r[i] = v
		}
		finish(out, n)
		return nil
	}
}

// floatKernel builds a kernel producing a DOUBLE per row.
func floatKernel(f func(args []*types.Vector, i int) (float64, bool)) Kernel {
	return func(args []*types.Vector, n int, out *types.Vector) error {
		r := sizeFloats(out, n)
		out.Nulls = out.Nulls[:0]
		for i := range r {
			if rowHasNull(args, i) {
				r[i] = 0
				out.SetNull(i)
				continue
			}
			v, ok := f(args, i)
			if !ok {
				v = 0
				out.SetNull(i)
			}
			r[i] = v
		}
		finish(out, n)
		return nil
	}
}

// fixed wraps a kernel-returning constructor as a bind function.
func fixed(k func() Kernel) func([]*types.Type, *types.Type) (Kernel, error) {
	return func([]*types.Type, *types.Type) (Kernel, error) { return k(), nil }
}
