// Package operators holds the streaming operators of the runtime: Calc
// (filter + projection), the source-side watermark assigner, the changelog
// group aggregate, window aggregates, joins (regular, interval, window,
// lookup, event-time temporal), Top-N, OVER aggregates, UNNEST, the sink
// upsert materializer in front of sinks
// with a primary key, the collect sink behind client SELECTs, the VALUES
// source and the pass-through head of union vertices.
//
// Every operator follows the lifecycle and ownership rules of
// runtime.Operator (see runtime/contracts.go): a batch given to ProcessBatch
// is borrowed; batches handed to Output.Emit belong to the receiver. The
// constructors return factories with the shape of runtime.OperatorSpec.New
// (or runtime.SourceSpec.New), so the planner builds specs with them
// directly:
//
//	spec := runtime.OperatorSpec{ID: id, Name: "Calc", New: operators.NewCalc(projs, cond)}
//
// Operators keep no per-row allocations on their hot paths: batches are
// processed column at a time with loops over the typed slices of
// types.Vector, and state lookups reuse scratch buffers.
package operators
