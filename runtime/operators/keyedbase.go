package operators

import (
	"fmt"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/state"
)

// keyedBase is what every operator with keyed state holds alike: its
// context, its keyed state backend (the runtime's, or a private heap
// backend it owns without a runtime) and the key-group count. Operators
// embed it and call openKeyed in Open and closeBackend in Close.
type keyedBase struct {
	ctx     *runtime.OperatorContext
	backend state.KeyedBackend
	own     bool // backend created by Open (no runtime), closed by Close
	maxPar  int
}

// openKeyed obtains the keyed state backend (openKeyedBackend). An operator
// whose state is all keyed names itself in keyedOnly: a checkpoint holding
// operator state for it is then refused.
func (k *keyedBase) openKeyed(ctx *runtime.OperatorContext, keyedOnly string) error {
	k.ctx = ctx
	if keyedOnly != "" {
		for _, st := range ctx.RestoredStates {
			if len(st) > 0 {
				return fmt.Errorf("operators: %s %s: unexpected operator state in the checkpoint", keyedOnly, ctx.OperatorID)
			}
		}
	}
	var err error
	k.backend, k.own, k.maxPar, err = openKeyedBackend(ctx)
	return err
}

// recordStateSize publishes the backend's size (SHOW JOBS, status line).
func (k *keyedBase) recordStateSize() {
	if k.ctx != nil && k.ctx.Metrics != nil && k.backend != nil {
		k.ctx.Metrics.StateSizeBytes.Store(k.backend.SizeBytes())
	}
}

// closeBackend closes the backend when Open created it.
func (k *keyedBase) closeBackend() error {
	b, own := k.backend, k.own
	k.backend, k.own = nil, false
	if own && b != nil {
		return b.Close()
	}
	return nil
}
