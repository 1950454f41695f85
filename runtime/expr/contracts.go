// Package expr holds typed scalar expressions and their vectorized
// evaluation.
//
// The planner builds an immutable Expr tree with every node typed (function
// overloads resolved through Lookup). Compile turns a tree into an
// Evaluator, which evaluates the expression over a whole Batch at a time
// into a Vector. Kernels loop over plain slices: no per-row allocation, no
// interface call per value.
//
// Concurrency and ownership: Expr trees are immutable and shared. An
// Evaluator owns scratch vectors and is used by one goroutine (one operator
// instance); the Vector it returns is valid until the next Eval call and may
// alias an input column (ColumnRef) — callers that keep it must copy.
package expr

import (
	"fmt"
	"strings"
	"time"

	"github.com/flinkgo/engine/runtime/types"
)

// Expr is a node of a typed expression tree.
type Expr interface {
	Type() *types.Type
	String() string
}

// ColumnRef reads input column Index.
type ColumnRef struct {
	Index int
	Name  string
	T     *types.Type
}

// Literal is a constant. Value is a vector of length 1 (row 0 may be NULL).
type Literal struct {
	Value *types.Vector
	T     *types.Type
	Text  string // how it prints in plans
}

// Call applies a resolved function to arguments.
type Call struct {
	Fn   *Function
	Args []Expr
	T    *types.Type
	// Zone is the session time zone (table.local-time-zone) for functions
	// whose result depends on it (Function.BindZoned, LocalArgs); nil is
	// UTC. The planner sets it on every call it binds.
	Zone *time.Location
}

// FieldAccess reads field Index of a ROW-typed argument.
type FieldAccess struct {
	Arg   Expr
	Index int
	T     *types.Type
}

func (c *ColumnRef) Type() *types.Type   { return c.T }
func (c *ColumnRef) String() string      { return fmt.Sprintf("%s", c.Name) }
func (l *Literal) Type() *types.Type     { return l.T }
func (l *Literal) String() string        { return l.Text }
func (c *Call) Type() *types.Type        { return c.T }
func (f *FieldAccess) Type() *types.Type { return f.T }
func (f *FieldAccess) String() string {
	return f.Arg.String() + "." + f.Arg.Type().Fields[f.Index].Name
}

func (c *Call) String() string {
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = a.String()
	}
	if c.Fn.Infix != "" && len(args) == 2 {
		return "(" + args[0] + " " + c.Fn.Infix + " " + args[1] + ")"
	}
	if c.Fn.Name == "CAST" || c.Fn.Name == "TRY_CAST" {
		return c.Fn.Name + "(" + args[0] + " AS " + c.T.String() + ")"
	}
	return c.Fn.Name + "(" + strings.Join(args, ", ") + ")"
}

// Kernel computes a function over n rows. args[i] has n rows (literals are
// expanded); the kernel appends exactly n rows to out, which arrives empty
// and typed with the call's result type.
type Kernel func(args []*types.Vector, n int, out *types.Vector) error

// Function is an entry of the function registry.
type Function struct {
	// Name as users write it, upper case ("SUBSTRING", "=").
	Name string
	// Infix is the operator symbol for printing ("+", "=", "AND"), if any.
	Infix string
	// MinArgs/MaxArgs bound arity (MaxArgs -1 = variadic).
	MinArgs, MaxArgs int
	// Infer checks argument types and returns the result type. Errors are
	// shown to users: say which argument is wrong and what is accepted.
	Infer func(args []*types.Type) (*types.Type, error)
	// InferArgs, when set, is used by NewCall instead of Infer, for the few
	// functions whose result type depends on literal argument values
	// (ROUND(DECIMAL, 2) → DECIMAL(p, 2)). It sees the argument nodes.
	InferArgs func(args []Expr) (*types.Type, error)
	// Bind returns the kernel for concrete argument and result types.
	Bind func(args []*types.Type, ret *types.Type) (Kernel, error)
	// BindZoned, when set, is used instead of Bind and also receives the
	// call's session time zone (nil: UTC): CAST to and from TIMESTAMP_LTZ,
	// LOCALTIMESTAMP, CURRENT_DATE, FROM_UNIXTIME, ...
	BindZoned func(args []*types.Type, ret *types.Type, zone *time.Location) (Kernel, error)
	// LocalArgs marks functions that see a TIMESTAMP_LTZ argument as the
	// wall clock of the session time zone (Flink's HOUR, EXTRACT,
	// DATE_FORMAT on TIMESTAMP_LTZ): Compile converts such arguments to
	// TIMESTAMP(p) in the call's zone before the kernel sees them.
	LocalArgs bool
	// Guard, when set, marks a conditional form (CASE, IF, COALESCE, AND,
	// OR): argument j matters only for the rows i where Guard(j, prev, i)
	// is true, prev holding the values of arguments 0..j-1. Arguments are
	// evaluated over the whole batch; only when that fails does the
	// evaluator retry argument j over just the rows that need it (lazy.go),
	// so CASE WHEN b <> 0 THEN a / b END does not fail on b = 0.
	Guard func(j int, prev []*types.Vector, i int) bool
	// Deterministic is false for NOW(), RAND(), PROCTIME(): never folded.
	NonDeterministic bool
}

// Lookup finds a function by name (case-insensitive). ok is false when the
// name is unknown.
func Lookup(name string) (fn *Function, ok bool) {
	fn, ok = registry[strings.ToUpper(name)]
	return fn, ok
}

// Register adds a function to the registry; it panics on a duplicate name.
// Called from init functions of this package.
func Register(fn *Function) {
	if _, dup := registry[fn.Name]; dup {
		panic("expr: duplicate function " + fn.Name)
	}
	registry[fn.Name] = fn
}

var registry = map[string]*Function{}

// Names returns every registered function name (for SHOW FUNCTIONS, errors).
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	return out
}

// NewCall resolves fn over typed arguments: checks arity, infers the result
// type and returns the Call node.
func NewCall(fn *Function, args ...Expr) (*Call, error) {
	if len(args) < fn.MinArgs || (fn.MaxArgs >= 0 && len(args) > fn.MaxArgs) {
		return nil, fmt.Errorf("Invalid number of arguments to function '%s'. Was expecting %s arguments", fn.Name, arityText(fn))
	}
	ts := make([]*types.Type, len(args))
	for i, a := range args {
		ts[i] = a.Type()
	}
	var rt *types.Type
	var err error
	if fn.InferArgs != nil {
		rt, err = fn.InferArgs(args)
	} else {
		rt, err = fn.Infer(ts)
	}
	if err != nil {
		return nil, err
	}
	return &Call{Fn: fn, Args: args, T: rt}, nil
}

func arityText(fn *Function) string {
	switch {
	case fn.MaxArgs < 0:
		return fmt.Sprintf("at least %d", fn.MinArgs)
	case fn.MinArgs == fn.MaxArgs:
		return fmt.Sprintf("%d", fn.MinArgs)
	default:
		return fmt.Sprintf("%d to %d", fn.MinArgs, fn.MaxArgs)
	}
}
