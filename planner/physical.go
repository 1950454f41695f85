package planner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/operators"
	"github.com/flinkgo/engine/runtime/types"
)

// PhysicalOptions control translation into a stream graph.
type PhysicalOptions struct {
	Parallelism         int   // parallelism.default
	MaxParallelism      int   // pipeline.max-parallelism (key groups)
	Chaining            bool  // pipeline.operator-chaining.enabled
	WatermarkIntervalMs int64 // pipeline.auto-watermark-interval
	IdleTimeoutMs       int64 // table.exec.source.idle-timeout
	// MiniBatch is table.exec.mini-batch.enabled: group aggregations
	// buffer MiniBatchSize rows (table.exec.mini-batch.size) or
	// MiniBatchLatency (table.exec.mini-batch.allow-latency) and fold each
	// bundle into one change per group instead of emitting a change per
	// row; local aggregations (twophase.go) emit a partial per key and bundle.
	MiniBatch        bool
	MiniBatchSize    int
	MiniBatchLatency time.Duration
	// Batch is execution.runtime-mode = batch: group aggregations fold
	// their input in bundles emitted at end of input (batch.go).
	Batch bool
	// Collect receives the rows of a SELECT (Sink.Collect).
	Collect chan<- *types.Batch
	// NotNullDrop is table.exec.sink.not-null-enforcer = DROP: rows with
	// a NULL in a sink's NOT NULL column are dropped (ERROR, the default,
	// fails the job).
	NotNullDrop bool
}

// PhysicalOptionsFrom reads the options from a session configuration.
func PhysicalOptionsFrom(c *Config) (PhysicalOptions, error) {
	o := PhysicalOptions{}
	var err error
	if o.Parallelism, err = c.Int("parallelism.default", 1); err != nil {
		return o, err
	}
	if o.Parallelism < 1 {
		return o, fmt.Errorf("parallelism.default must be at least 1, got %d", o.Parallelism)
	}
	if o.MaxParallelism, err = c.Int("pipeline.max-parallelism", -1); err != nil {
		return o, err
	}
	if o.MaxParallelism <= 0 {
		o.MaxParallelism = 128
	}
	if o.MaxParallelism < o.Parallelism {
		return o, fmt.Errorf("The maximum parallelism (%d) must be at least the parallelism (%d).", o.MaxParallelism, o.Parallelism)
	}
	if o.Chaining, err = c.Bool("pipeline.operator-chaining.enabled", true); err != nil {
		return o, err
	}
	wi, err := c.Duration("pipeline.auto-watermark-interval", 200_000_000)
	if err != nil {
		return o, err
	}
	o.WatermarkIntervalMs = wi.Milliseconds()
	it, err := c.Duration("table.exec.source.idle-timeout", 0)
	if err != nil {
		return o, err
	}
	o.IdleTimeoutMs = it.Milliseconds()
	if o.Batch, err = IsBatch(c); err != nil {
		return o, err
	}
	if v, ok := c.Lookup("table.exec.sink.not-null-enforcer"); ok {
		switch strings.ToUpper(strings.TrimSpace(v)) {
		case "ERROR":
		case "DROP":
			o.NotNullDrop = true
		default:
			return o, fmt.Errorf("Could not parse value '%s' for key 'table.exec.sink.not-null-enforcer'. Possible values: [ERROR, DROP]", v)
		}
	}
	if o.MiniBatch, err = c.Bool("table.exec.mini-batch.enabled", false); err != nil {
		return o, err
	}
	if o.MiniBatch {
		lat, err := c.Duration("table.exec.mini-batch.allow-latency", 0)
		if err != nil {
			return o, err
		}
		if lat <= 0 {
			return o, fmt.Errorf("MiniBatch Latency must be greater than 0 ms: set 'table.exec.mini-batch.allow-latency' (e.g. '2 s') when 'table.exec.mini-batch.enabled' is true")
		}
		size, err := c.Int("table.exec.mini-batch.size", -1)
		if err != nil {
			return o, err
		}
		if size <= 0 {
			return o, fmt.Errorf("MiniBatch Size must be greater than 0: set 'table.exec.mini-batch.size' (e.g. '5000') when 'table.exec.mini-batch.enabled' is true")
		}
		o.MiniBatchSize, o.MiniBatchLatency = size, lat
	}
	return o, nil
}

// buildBoth builds the two inputs of a join.
func (b *graphBuilder) buildBoth(l, r Node) (left, right *runtime.Vertex, err error) {
	if left, err = b.build(l); err != nil {
		return nil, nil, err
	}
	right, err = b.build(r)
	return left, right, err
}

type graphBuilder struct {
	g    *runtime.JobGraph
	opts PhysicalOptions
	seq  int
	keys map[*runtime.Edge][]string
}

// BuildGraph translates optimized sink plans into one job graph. Operator
// ids are deterministic: the hash of the operator's position in the plan
// (pre-order over the sinks in order) and its description, so the same
// statements always give the same ids.
func BuildGraph(name string, sinks []*Sink, opts PhysicalOptions) (*runtime.JobGraph, map[*runtime.Edge][]string, error) {
	b := &graphBuilder{g: &runtime.JobGraph{Name: name, MaxParallelism: opts.MaxParallelism, SourceIdleTimeoutMs: opts.IdleTimeoutMs},
		opts: opts, keys: map[*runtime.Edge][]string{}}
	for _, s := range sinks {
		if _, err := b.build(s); err != nil {
			return nil, nil, err
		}
	}
	if err := b.g.Validate(); err != nil {
		return nil, nil, err
	}
	return b.g, b.keys, nil
}

// notNullColumns are the input columns of a sink that fill NOT NULL
// columns of its table, and their names: Flink checks them before every
// sink (a ConstraintEnforcer with a NotNullEnforcer), whatever the query's
// types say.
func notNullColumns(x *Sink) ([]int, []string) {
	var cols []int
	var names []string
	for i, c := range x.Input.Schema() {
		for _, tc := range x.Table.Columns {
			if tc.Name == c.Name && tc.Kind != ComputedColumn && !tc.Type.Nullable() {
				cols = append(cols, i)
				names = append(names, c.Name)
				break
			}
		}
	}
	return cols, names
}

// enforcerID is the operator id of the enforcer before the sink with id
// sinkID. It derives from the sink's id without taking a position of its
// own, so that the ids of every other operator (which savepoints map state
// by) stay those of plans without it.
func enforcerID(sinkID string) string {
	h := sha256.Sum256([]byte("ConstraintEnforcer|" + sinkID))
	return hex.EncodeToString(h[:16])
}

func (b *graphBuilder) id(n Node) string {
	b.seq++
	h := sha256.Sum256([]byte(fmt.Sprintf("%d|%s", b.seq, n.Describe())))
	return hex.EncodeToString(h[:16])
}

func (b *graphBuilder) newVertex(name string, par int) *runtime.Vertex {
	v := &runtime.Vertex{Index: len(b.g.Vertices), Name: name, Parallelism: par}
	b.g.Vertices = append(b.g.Vertices, v)
	return v
}

func (b *graphBuilder) connect(from, to *runtime.Vertex, p runtime.Partitioning, keys []int, input int) *runtime.Edge {
	e := &runtime.Edge{From: from.Index, To: to.Index, Partitioning: p, KeyColumns: keys, Input: input}
	b.g.Edges = append(b.g.Edges, e)
	return e
}

// forward appends an operator to the input's chain, or starts a new vertex
// behind a forward edge when chaining is off.
func (b *graphBuilder) forward(in *runtime.Vertex, spec runtime.OperatorSpec) *runtime.Vertex {
	if b.opts.Chaining {
		in.Chain = append(in.Chain, spec)
		in.Name += " -> " + spec.Name
		return in
	}
	v := b.newVertex(spec.Name, in.Parallelism)
	v.Chain = []runtime.OperatorSpec{spec}
	b.connect(in, v, runtime.Forward, nil, 0)
	return v
}

// keyedVertex starts a vertex running spec behind a hash exchange of in on
// the key columns keys of input (a global exchange into parallelism 1 when
// there are none), on input index idx.
func (b *graphBuilder) keyedVertex(in *runtime.Vertex, input Node, keys []int, spec runtime.OperatorSpec) *runtime.Vertex {
	par, part := b.opts.Parallelism, runtime.Hash
	if len(keys) == 0 {
		par, part = 1, runtime.Global
	}
	v := b.newVertex(spec.Name, par)
	v.Chain = []runtime.OperatorSpec{spec}
	b.hashInto(in, v, input, keys, part, 0)
	return v
}

// hashInto connects in to v on input idx, partitioned by the key columns
// keys of input (named in EXPLAIN).
func (b *graphBuilder) hashInto(in, v *runtime.Vertex, input Node, keys []int, part runtime.Partitioning, idx int) {
	e := b.connect(in, v, part, keys, idx)
	for _, k := range keys {
		b.keys[e] = append(b.keys[e], input.Schema()[k].Name)
	}
}

func shortName(n Node) string {
	d := n.Describe()
	if i := strings.IndexByte(d, '('); i > 0 {
		return d[:i]
	}
	return d
}

func (b *graphBuilder) build(n Node) (*runtime.Vertex, error) {
	id := b.id(n)
	switch x := n.(type) {
	case *Scan:
		par := x.Source.Parallelism()
		if par <= 0 {
			par = b.opts.Parallelism
		}
		short := x.Table.Name[strings.LastIndexByte(x.Table.Name, '.')+1:]
		v := b.newVertex("Source: "+short, par)
		src, cols := x.Source, x.Columns
		v.Source = &runtime.SourceSpec{ID: id, Name: "Source: " + short, New: func(subtask, p int) (runtime.SourceReader, error) {
			return src.NewReader(subtask, p, cols)
		}}
		return v, nil
	case *Values:
		v := b.newVertex("Values", 1)
		v.Source = &runtime.SourceSpec{ID: id, Name: "Values", New: operators.NewValuesSource(x.Rows)}
		return v, nil
	case *Calc:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		return b.forward(in, runtime.OperatorSpec{ID: id, Name: "Calc", New: operators.NewCalc(x.Exprs, x.Condition)}), nil
	case *WatermarkAssigner:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		return b.forward(in, runtime.OperatorSpec{ID: id, Name: "WatermarkAssigner",
			New: operators.NewWatermarkAssigner(x.Rowtime, x.Strategy, b.opts.WatermarkIntervalMs, b.opts.IdleTimeoutMs)}), nil
	case *Unnest:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		return b.forward(in, runtime.OperatorSpec{ID: id, Name: "Correlate", New: operators.NewUnnest(x.Array, x.Outer)}), nil
	case *Aggregate:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		calls, err := aggSpecs(x.Calls)
		if err != nil {
			return nil, err
		}
		opts := operators.AggOptions{InsertOnlyInput: x.Input.Changelog() == AppendOnly, StateTTL: x.StateTTL, PerRow: !b.opts.MiniBatch,
			MiniBatchSize: b.opts.MiniBatchSize, MiniBatchLatency: b.opts.MiniBatchLatency}
		if b.opts.Batch {
			// One bundle for the whole input (up to batchBundleRows rows
			// buffered), folded at end of input: one final row per key.
			opts.PerRow, opts.MiniBatchSize, opts.MiniBatchLatency = false, batchBundleRows, 0
			opts.EmptyInputRow = len(x.Keys) == 0
		}
		return b.keyedVertex(in, x.Input, x.Keys, runtime.OperatorSpec{ID: id, Name: "GroupAggregate",
			New: operators.NewGroupAggregate(x.Keys, calls, columnTypes(x.Input.Schema()), columnTypes(x.Schema()), opts)}), nil
	case *BatchFinal:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		return b.keyedVertex(in, x.Input, nil, runtime.OperatorSpec{ID: id, Name: shortName(x),
			New: operators.NewBatchFinal(batchColumnTypes(x), x.OrderBy, x.Offset, x.Limit)}), nil
	case *LocalAggregate:
		return b.buildLocalAggregate(x, id)
	case *GlobalAggregate:
		return b.buildGlobalAggregate(x, id)
	case *WindowTableFunction:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		w := x.Window
		return b.forward(in, runtime.OperatorSpec{ID: id, Name: "WindowTableFunction",
			New: operators.NewWindowTableFunction(x.TimeCol, w.Kind, w.Size, w.Slide, w.Step, w.Offset)}), nil
	case *WindowAggregate:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		calls, err := aggSpecs(x.Calls)
		if err != nil {
			return nil, err
		}
		return b.keyedVertex(in, x.Input, x.Keys, runtime.OperatorSpec{ID: id, Name: "WindowAggregate",
			New: operators.NewWindowAggregate(x.Keys, x.EndKey, calls, columnTypes(x.Input.Schema()), columnTypes(x.Schema()), x.ProcTime)}), nil
	case *Join:
		left, right, err := b.buildBoth(x.Left, x.Right)
		if err != nil {
			return nil, err
		}
		v := b.newVertex(shortName(x), b.opts.Parallelism)
		v.Chain = []runtime.OperatorSpec{{ID: id, Name: shortName(x),
			New: operators.NewJoin(x.Type, x.LeftKeys, x.RightKeys, columnTypes(x.Left.Schema()), columnTypes(x.Right.Schema()), x.Residual, x.Interval, x.StateTTL[:]...)}}
		b.hashInto(left, v, x.Left, x.LeftKeys, runtime.Hash, 0)
		b.hashInto(right, v, x.Right, x.RightKeys, runtime.Hash, 1)
		return v, nil
	case *WindowJoin:
		return b.buildWindowJoin(x, id)
	case *Rank:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		newRank := operators.NewRank(x.PartitionBy, x.OrderBy, x.Limit, x.ReplaceOnTie, columnTypes(x.Input.Schema()), x.WindowEnd, !x.NoRowNumber)
		if x.Input.Changelog() != AppendOnly {
			if x.WindowEnd >= 0 || x.ReplaceOnTie {
				return nil, validationf(x.pos, "Window Top-N and deduplication over an updating input are not supported")
			}
			newRank = operators.NewRetractableRank(x.PartitionBy, x.OrderBy, x.Limit, columnTypes(x.Input.Schema()), !x.NoRowNumber)
		}
		return b.keyedVertex(in, x.Input, x.PartitionBy, runtime.OperatorSpec{ID: id, Name: shortName(x), New: newRank}), nil
	case *OverAggregate:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		if x.Input.Changelog() != AppendOnly {
			return nil, &ValidationError{Msg: "OVER aggregation over an updating input (a changelog with retractions) is not supported"}
		}
		calls, err := aggSpecs(x.Calls)
		if err != nil {
			return nil, err
		}
		return b.keyedVertex(in, x.Input, x.PartitionBy, runtime.OperatorSpec{ID: id, Name: "OverAggregate",
			New: operators.NewOverAggregate(x.PartitionBy, x.TimeCol, x.Frame, x.ProcTime, calls, columnTypes(x.Input.Schema()))}), nil
	case *TemporalSort:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		return b.keyedVertex(in, x.Input, nil, runtime.OperatorSpec{ID: id, Name: "TemporalSort",
			New: operators.NewTemporalSort(x.OrderBy[0].Col, x.ProcTime(), x.OrderBy[1:], columnTypes(x.Input.Schema()))}), nil
	case *SessionWindowAggregate:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		calls, err := aggSpecs(x.Calls)
		if err != nil {
			return nil, err
		}
		return b.keyedVertex(in, x.Input, x.Keys, runtime.OperatorSpec{ID: id, Name: "WindowAggregate",
			New: operators.NewSessionWindowAggregate(x.Keys, x.TimeCol, x.Window.Size, calls, columnTypes(x.Input.Schema()), columnTypes(x.Schema()), x.ProcTime)}), nil
	case *TemporalJoin:
		return b.temporalJoin(x, id)
	case *LookupJoin:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		return b.forward(in, runtime.OperatorSpec{ID: id, Name: "LookupJoin", New: lookupOperator(x)}), nil
	case *SinkMaterializer:
		return b.buildSinkMaterializer(x, id)
	case *Union:
		v := b.newVertex("Union", b.opts.Parallelism)
		v.Chain = []runtime.OperatorSpec{{ID: id, Name: "Union", New: operators.NewPassThrough()}}
		for _, c := range x.Ins {
			in, err := b.build(c)
			if err != nil {
				return nil, err
			}
			p := runtime.Rebalance
			if in.Parallelism == v.Parallelism {
				p = runtime.Forward
			}
			b.connect(in, v, p, nil, 0)
		}
		return v, nil
	case *Sink:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		if x.Collect {
			spec := runtime.OperatorSpec{ID: id, Name: "Sink: collect", New: operators.NewCollectSink(b.opts.Collect)}
			if in.Parallelism == 1 {
				return b.forward(in, spec), nil
			}
			v := b.newVertex(spec.Name, 1)
			v.Chain = []runtime.OperatorSpec{spec}
			b.connect(in, v, runtime.Global, nil, 0)
			return v, nil
		}
		short := x.Table.Name[strings.LastIndexByte(x.Table.Name, '.')+1:]
		if cols, names := notNullColumns(x); len(cols) > 0 {
			in = b.forward(in, runtime.OperatorSpec{ID: enforcerID(id), Name: "ConstraintEnforcer",
				Description: "ConstraintEnforcer[NotNullEnforcer(fields=[" + strings.Join(names, ", ") + "])]",
				New:         operators.NewNotNullEnforcer(cols, names, b.opts.NotNullDrop)})
		}
		sink := x.Sink
		spec := runtime.OperatorSpec{ID: id, Name: "Sink: " + short, New: func(subtask, p int) (runtime.Operator, error) {
			return sink.NewWriter(subtask, p)
		}}
		par := sink.Parallelism()
		if par <= 0 || par == in.Parallelism {
			return b.forward(in, spec), nil
		}
		v := b.newVertex(spec.Name, par)
		v.Chain = []runtime.OperatorSpec{spec}
		// An updating stream into a keyed sink goes by primary key, so the
		// changes of one key stay in order in one sink subtask.
		var pk []int
		if x.Input.Changelog() == Updating {
			for _, name := range x.Table.PrimaryKey {
				for i, c := range x.Input.Schema() {
					if c.Name == name {
						pk = append(pk, i)
					}
				}
			}
			if len(pk) != len(x.Table.PrimaryKey) {
				pk = nil
			}
		}
		if len(pk) > 0 {
			b.hashInto(in, v, x.Input, pk, runtime.Hash, 0)
		} else {
			b.connect(in, v, runtime.Rebalance, nil, 0)
		}
		return v, nil
	}
	return nil, fmt.Errorf("planner: no physical translation for %T", n)
}

func columnTypes(cols []Column) []*types.Type {
	out := make([]*types.Type, len(cols))
	for i, c := range cols {
		out[i] = c.Type
	}
	return out
}

func aggSpecs(calls []AggCall) ([]operators.AggCall, error) {
	out := make([]operators.AggCall, len(calls))
	for i, c := range calls {
		var k operators.AggKind
		switch c.Func {
		case "COUNT":
			k = operators.AggCount
			if c.Arg < 0 {
				k = operators.AggCountStar
			}
		case "SUM":
			k = operators.AggSum
		case "SUM0":
			k = operators.AggSum0
		case "MIN":
			k = operators.AggMin
		case "MAX":
			k = operators.AggMax
		case "AVG":
			k = operators.AggAvg
		case "FIRST_VALUE":
			k = operators.AggFirstValue
		case "LAST_VALUE":
			k = operators.AggLastValue
		case "VAR_POP":
			k = operators.AggVarPop
		case "VAR_SAMP":
			k = operators.AggVarSamp
		case "STDDEV_POP":
			k = operators.AggStddevPop
		case "STDDEV_SAMP":
			k = operators.AggStddevSamp
		case "LISTAGG":
			k = operators.AggListAgg
		default:
			return nil, fmt.Errorf("planner: aggregate %s has no runtime implementation", c.Func)
		}
		out[i] = operators.AggCall{Kind: k, Arg: c.Arg, Distinct: c.Distinct, Type: c.Type, Separator: c.Separator}
	}
	return out, nil
}
