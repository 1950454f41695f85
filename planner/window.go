package planner

import (
	"strconv"
	"strings"

	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/operators"
	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// WindowSpec is the window of a window table function (TUMBLE, HOP,
// CUMULATE). Durations are in milliseconds.
type WindowSpec struct {
	Kind   operators.WindowKind
	Size   int64
	Slide  int64 // HOP
	Step   int64 // CUMULATE
	Offset int64
}

// String renders the window as Flink's plans do:
// "TUMBLE(time_col=[ts], size=[10 s])".
func (w WindowSpec) describe(timeCol string) string {
	var b strings.Builder
	b.WriteString(w.Kind.String())
	b.WriteString("(time_col=[" + timeCol + "], ")
	switch w.Kind {
	case operators.WindowHop:
		b.WriteString("size=[" + formatMillis(w.Size) + "], slide=[" + formatMillis(w.Slide) + "]")
	case operators.WindowCumulate:
		b.WriteString("max_size=[" + formatMillis(w.Size) + "], step=[" + formatMillis(w.Step) + "]")
	case operators.WindowSession:
		b.WriteString("gap=[" + formatMillis(w.Size) + "]")
	default:
		b.WriteString("size=[" + formatMillis(w.Size) + "]")
	}
	if w.Offset != 0 {
		b.WriteString(", offset=[" + formatMillis(w.Offset) + "]")
	}
	b.WriteString(")")
	return b.String()
}

// describeAttached renders a window that earlier operators attached to the
// rows (Flink's WindowAttachedWindowingStrategy): its bounds are columns,
// "TUMBLE(win_start=[window_start], win_end=[window_end], size=[10 s])".
func (w WindowSpec) describeAttached(start, end string) string {
	return strings.Replace(w.describe(""), "time_col=[]", "win_start=["+start+"], win_end=["+end+"]", 1)
}

// formatMillis prints a duration in the largest whole unit: "10 s", "5 min".
func formatMillis(ms int64) string {
	units := []struct {
		n    int64
		name string
	}{{86_400_000, "d"}, {3_600_000, "h"}, {60_000, "min"}, {1000, "s"}}
	for _, u := range units {
		if ms != 0 && ms%u.n == 0 {
			return strconv.FormatInt(ms/u.n, 10) + " " + u.name
		}
	}
	return strconv.FormatInt(ms, 10) + " ms"
}

// WindowTableFunction assigns every row to its windows (one output row per
// window: HOP and CUMULATE rows belong to several) and appends
// window_start, window_end and window_time. The time column keeps its
// values but is no longer a time attribute; window_time is.
type WindowTableFunction struct {
	Input   Node
	TimeCol int
	Window  WindowSpec
	schema  []Column
}

// NewWindowTableFunction builds the node over in.
func NewWindowTableFunction(in Node, timeCol int, w WindowSpec) *WindowTableFunction {
	n := &WindowTableFunction{Input: in, TimeCol: timeCol, Window: w}
	for i, c := range in.Schema() {
		if i == timeCol {
			c.Type = c.Type.WithTimeAttr(types.NoTimeAttr)
		}
		n.schema = append(n.schema, c)
	}
	ts := types.Timestamp(3).WithNullable(false)
	wt := ts
	if tc := in.Schema()[timeCol].Type; tc.TimeAttr != types.NoTimeAttr {
		wt = ts.WithTimeAttr(tc.TimeAttr)
	}
	n.schema = append(n.schema, Column{Name: "window_start", Type: ts}, Column{Name: "window_end", Type: ts}, Column{Name: "window_time", Type: wt})
	return n
}

func (w *WindowTableFunction) Schema() []Column     { return w.schema }
func (w *WindowTableFunction) Inputs() []Node       { return []Node{w.Input} }
func (w *WindowTableFunction) Changelog() Changelog { return w.Input.Changelog() }
func (w *WindowTableFunction) Describe() string {
	return "WindowTableFunction(window=[" + w.Window.describe(w.Input.Schema()[w.TimeCol].Name) + "])"
}
func (w *WindowTableFunction) WithInputs(in []Node) Node {
	return NewWindowTableFunction(in[0], w.TimeCol, w.Window)
}

// WindowAggregate is a group aggregation whose keys include the window_start
// and window_end of a window table function: it emits one final row per
// group and window when the watermark passes the window's end (append-only
// output) and frees the window's state.
type WindowAggregate struct {
	Aggregate
	StartKey, EndKey int // positions in Keys
	Window           WindowSpec
	TimeColName      string
	ProcTime         bool // the window is over processing time
	// Attached: the window comes from a window join or a window Top-N
	// below, not straight from a window table function (or through window
	// aggregations); EXPLAIN names its bounds as Flink does.
	Attached bool
}

func (a *WindowAggregate) Changelog() Changelog { return AppendOnly }
func (a *WindowAggregate) Describe() string {
	d := a.Aggregate.Describe()
	d = strings.TrimPrefix(d, "GroupAggregate(")
	w := a.Window.describe(a.TimeColName)
	if a.Attached {
		in := a.Input.Schema()
		w = a.Window.describeAttached(in[a.Keys[a.StartKey]].Name, in[a.Keys[a.EndKey]].Name)
	}
	return "WindowAggregate(window=[" + w + "], " + d
}
func (a *WindowAggregate) WithInputs(in []Node) Node {
	n := *a
	n.Input = in[0]
	return &n
}

// windowColumn follows column col of n down to the window table function
// whose window_start (which 0), window_end (1) or window_time (2) it is, as
// Flink's window properties do: through projections, window aggregations
// (their window keys), window Top-Ns and the sides of window joins that are
// never padded with NULLs (both of an inner join, the left of a left, semi
// or anti join, the right of a right join, neither of a full join). ok is
// false when col is none of them. A window join's output has one window:
// columns of either side report the window table function of its left
// input, so that L.window_start and R.window_end of an inner window join
// are bounds of the same window.
func windowColumn(n Node, col int) (wtf *WindowTableFunction, which int, ok bool) {
	wtf, which, _, ok = windowColumnVia(n, col)
	return wtf, which, ok
}

// windowColumnVia is windowColumn that also reports whether the path
// passed a window join or a window Top-N: a window attached to the rows
// by an earlier window operator rather than computed from a time column.
func windowColumnVia(n Node, col int) (wtf *WindowTableFunction, which int, attached, ok bool) {
	for {
		switch x := n.(type) {
		case *Calc:
			ref, isRef := x.Exprs[col].(*expr.ColumnRef)
			if !isRef {
				return nil, 0, false, false
			}
			n, col = x.Input, ref.Index
		case *WindowAggregate:
			if col >= len(x.Keys) {
				return nil, 0, false, false
			}
			n, col = x.Input, x.Keys[col]
		case *Unnest:
			// A correlate keeps its input's columns first: window
			// properties flow through CROSS JOIN UNNEST, as in Flink.
			if col >= len(x.Input.Schema()) {
				return nil, 0, false, false
			}
			n = x.Input
		case *Rank:
			if x.WindowEnd < 0 || col >= len(x.Input.Schema()) {
				return nil, 0, false, false
			}
			n, attached = x.Input, true
		case *WindowJoin:
			side, c, ok := x.preservedSide(col)
			if !ok {
				return nil, 0, false, false
			}
			w, which, _, ok := windowColumnVia(side, c)
			if !ok {
				return nil, 0, false, false
			}
			if lw, _, _, lok := windowColumnVia(x.Left, x.Start[0]); lok {
				w = lw
			}
			return w, which, true, true
		case *WindowTableFunction:
			base := len(x.Input.Schema())
			if col < base {
				return nil, 0, false, false
			}
			return x, col - base, attached, true
		default:
			return nil, 0, false, false
		}
	}
}

// windowBounds finds, among columns cols of n, the window_start and
// window_end of one window table function: their positions in cols, or a
// nil wtf when both are not there.
func windowBounds(n Node, cols []int) (wtf *WindowTableFunction, start, end int) {
	start, end = -1, -1
	for i, c := range cols {
		w, which, ok := windowColumn(n, c)
		if !ok || (wtf != nil && w != wtf) {
			continue
		}
		switch which {
		case 0:
			start, wtf = i, w
		case 1:
			end, wtf = i, w
		}
	}
	if start < 0 || end < 0 {
		return nil, -1, -1
	}
	return wtf, start, end
}

// asWindowAggregate turns agg into a WindowAggregate when its keys hold the
// window_start and window_end of one window table function over an
// append-only input, as Flink's window aggregation requires.
func asWindowAggregate(agg *Aggregate) Node {
	if agg.Input.Changelog() != AppendOnly {
		return agg
	}
	wtf, start, end := windowBounds(agg.Input, agg.Keys)
	if wtf == nil {
		return agg
	}
	if wtf.Window.Kind == operators.WindowSession {
		if n, ok := sessionAggregate(agg, wtf, start, end); ok {
			return n
		}
		return agg
	}
	tc := wtf.Input.Schema()[wtf.TimeCol]
	_, _, attached, _ := windowColumnVia(agg.Input, agg.Keys[start])
	return &WindowAggregate{Aggregate: *agg, StartKey: start, EndKey: end, Window: wtf.Window,
		TimeColName: tc.Name, ProcTime: tc.Type.TimeAttr == types.ProcTime, Attached: attached}
}

// windowTVF binds TABLE(TUMBLE|HOP|CUMULATE(TABLE t, DESCRIPTOR(c), ...)),
// with positional or named arguments.
func (qb *queryBinder) windowTVF(tf *sql.TableFunc, alias string) (Node, *scope, error) {
	name := strings.ToUpper(tf.Name.Name())
	var kind operators.WindowKind
	var params []string // interval parameters in positional order
	switch name {
	case "TUMBLE":
		kind, params = operators.WindowTumble, []string{"SIZE", "OFFSET"}
	case "HOP":
		kind, params = operators.WindowHop, []string{"SLIDE", "SIZE", "OFFSET"}
	case "CUMULATE":
		kind, params = operators.WindowCumulate, []string{"STEP", "SIZE", "OFFSET"}
	case "SESSION":
		kind, params = operators.WindowSession, []string{"GAP"}
	default:
		if tf.Lateral {
			return nil, nil, validationf(tf.Pos, "LATERAL TABLE(%s(...)): user-defined table functions are not supported yet", tf.Name.Name())
		}
		return nil, nil, validationf(tf.Pos, "No match found for function signature %s(...): table functions other than TUMBLE, HOP and CUMULATE are not supported yet", tf.Name.Name())
	}
	usage := name + "(TABLE table_name, DESCRIPTOR(timecol), datetime interval[, datetime interval])"
	if kind == operators.WindowSession {
		usage = "SESSION(TABLE table_name [PARTITION BY (keycols, ...)], DESCRIPTOR(timecol), datetime interval)"
	} else if kind != operators.WindowTumble {
		usage = name + "(TABLE table_name, DESCRIPTOR(timecol), datetime interval, datetime interval[, datetime interval])"
	}
	var table *sql.TableFuncArg
	var desc *sql.TableFuncArg
	vals := map[string]*sql.TableFuncArg{}
	pos := 0
	for i := range tf.Args {
		a := &tf.Args[i]
		key := strings.ToUpper(a.Name)
		if key == "" {
			switch {
			case pos == 0:
				key = "DATA"
			case pos == 1:
				key = "TIMECOL"
			case pos-2 < len(params):
				key = params[pos-2]
			default:
				return nil, nil, validationf(a.Pos, "Too many arguments to %s; expected %s", name, usage)
			}
			pos++
		}
		switch key {
		case "DATA":
			if a.Table == nil {
				return nil, nil, validationf(a.Pos, "The first argument of %s must be TABLE table_name; expected %s", name, usage)
			}
			if len(a.PartitionBy) > 0 && kind != operators.WindowSession {
				return nil, nil, validationf(a.Pos, "PARTITION BY is only allowed for SESSION windows")
			}
			table = a
		case "TIMECOL":
			if len(a.Descriptor) != 1 {
				return nil, nil, validationf(a.Pos, "The time column of %s must be DESCRIPTOR(timecol); expected %s", name, usage)
			}
			desc = a
		default:
			if !containsString(params, key) {
				return nil, nil, validationf(a.Pos, "%s has no parameter %s; expected %s", name, key, usage)
			}
			if a.Expr == nil {
				return nil, nil, validationf(a.Pos, "%s of %s must be an interval", key, name)
			}
			vals[key] = a
		}
	}
	if table == nil || desc == nil {
		return nil, nil, validationf(tf.Pos, "Invalid number of arguments to %s; expected %s", name, usage)
	}
	in, sc, err := qb.namedTable(*table.Table, nil, table.Table.Name())
	if err != nil {
		return nil, nil, err
	}
	timeCol := -1
	for i, c := range sc.cols {
		if strings.EqualFold(c.name, desc.Descriptor[0]) {
			timeCol = i
		}
	}
	if timeCol < 0 {
		return nil, nil, validationf(desc.Pos, "Unknown identifier '%s' in DESCRIPTOR of %s", desc.Descriptor[0], name)
	}
	if tt := sc.cols[timeCol].typ; tt.TimeAttr == types.NoTimeAttr {
		return nil, nil, validationf(desc.Pos, "The window function %s requires the timecol to be a time attribute type, but is %s.", usage, tt)
	}
	ms := map[string]int64{}
	for k, a := range vals {
		v, err := qb.intervalMillis(a, name, k)
		if err != nil {
			return nil, nil, err
		}
		ms[k] = v
	}
	spec := WindowSpec{Kind: kind, Size: ms["SIZE"], Slide: ms["SLIDE"], Step: ms["STEP"], Offset: ms["OFFSET"]}
	if kind == operators.WindowSession {
		spec.Size = ms["GAP"]
	}
	for _, p := range params {
		if _, ok := vals[p]; !ok && p != "OFFSET" {
			return nil, nil, validationf(tf.Pos, "Missing %s of %s; expected %s", p, name, usage)
		}
	}
	if err := operators.ValidateWindow(kind, spec.Size, spec.Slide, spec.Step); err != nil {
		return nil, nil, validationf(tf.Pos, "%s", err.Error())
	}
	node := NewWindowTableFunction(in, timeCol, spec)
	if alias == "" {
		alias = table.Table.Name()
	}
	return node, scopeOf(alias, node.Schema()), nil
}

// intervalMillis binds a constant DAY-TIME interval argument.
func (qb *queryBinder) intervalMillis(a *sql.TableFuncArg, fn, param string) (int64, error) {
	eb := &exprBinder{scope: &scope{}, rw: a.Expr.Rewrites, loc: a.Expr}
	e, err := eb.bind(a.Expr.Node)
	if err != nil {
		return 0, err
	}
	lit, ok := fold(e).(*expr.Literal)
	if !ok || lit.T.Kind != types.KindIntervalDayTime || lit.Value.IsNull(0) {
		return 0, validationf(a.Pos, "%s of %s must be a constant DAY-TIME interval such as INTERVAL '10' SECOND", param, fn)
	}
	return lit.Value.Ints[0], nil
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
