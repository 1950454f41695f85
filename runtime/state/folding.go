package state

import "fmt"

// Reducing and aggregating state are a value state plus a folding
// function; both backends build them here from their ValueState.

// foldingReducing implements ReducingState over a ValueState.
type foldingReducing struct {
	ValueState
	reduce ReduceFunc
}

// Add folds v into the current value with the ReduceFunc.
func (r *foldingReducing) Add(v []byte) error {
	acc, ok, err := r.Value()
	if err != nil {
		return err
	}
	if ok {
		v = r.reduce(acc, v)
	}
	return r.Update(v)
}

// Get returns the current value.
func (r *foldingReducing) Get() ([]byte, bool, error) { return r.Value() }

// foldingAggregating implements AggregatingState over a ValueState that
// holds the accumulator.
type foldingAggregating struct {
	ValueState
	agg              AggregateFuncs
	operatorID, name string
}

// Add folds v into the accumulator.
func (a *foldingAggregating) Add(v []byte) error {
	acc, _, err := a.Value()
	if err != nil {
		return err
	}
	return a.Update(a.agg.Add(acc, v))
}

// MergeAccumulator merges another accumulator into the current one.
func (a *foldingAggregating) MergeAccumulator(other []byte) error {
	acc, ok, err := a.Value()
	if err != nil {
		return err
	}
	if ok {
		if a.agg.Merge == nil {
			return errNoMerge(a.operatorID, a.name)
		}
		other = a.agg.Merge(acc, other)
	}
	return a.Update(other)
}

// Get returns Result(accumulator).
func (a *foldingAggregating) Get() ([]byte, bool, error) {
	acc, ok, err := a.Value()
	if !ok || err != nil {
		return nil, false, err
	}
	return a.agg.Result(acc), true, nil
}

// checkReduce and checkAggregate validate the functions of a registration.
func checkReduce(operatorID, name string, reduce ReduceFunc) error {
	if reduce == nil {
		return fmt.Errorf("state: operator %s: reducing state %q needs a ReduceFunc", operatorID, name)
	}
	return nil
}

func checkAggregate(operatorID, name string, agg AggregateFuncs) error {
	if agg.Add == nil || agg.Result == nil {
		return fmt.Errorf("state: operator %s: aggregating state %q needs Add and Result functions", operatorID, name)
	}
	return nil
}

var (
	_ ReducingState    = (*foldingReducing)(nil)
	_ AggregatingState = (*foldingAggregating)(nil)
)
