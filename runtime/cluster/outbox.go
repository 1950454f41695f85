package cluster

import (
	"context"
	"errors"
	"sync"

	pb "github.com/flinkgo/engine/runtime/cluster/clusterpb"
)

// ErrUnknownTaskManager is a command for a registration the Registry no
// longer holds (the TaskManager was lost, replaced or disconnected).
var ErrUnknownTaskManager = errors.New("cluster: no such TaskManager registration")

// errOutboxClosed ends a Commands stream whose registration ended.
var errOutboxClosed = errors.New("cluster: the registration ended")

// outbox queues the commands of one registration until its TaskManager's
// Commands stream takes them: pushing never blocks (the JobManager's
// checkpoint trigger calls it), and commands keep their order.
type outbox struct {
	mu     sync.Mutex
	q      []*pb.Command
	wake   chan struct{} // signalled (capacity 1) when q grows or closes
	closed bool
}

func newOutbox() *outbox { return &outbox{wake: make(chan struct{}, 1)} }

func (o *outbox) push(c *pb.Command) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return false
	}
	o.q = append(o.q, c)
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return true
}

// requeue puts back a command a broken stream could not send.
func (o *outbox) requeue(c *pb.Command) {
	o.mu.Lock()
	o.q = append([]*pb.Command{c}, o.q...)
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

func (o *outbox) close() {
	o.mu.Lock()
	o.closed = true
	o.q = nil
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// next waits for the next command.
func (o *outbox) next(ctx context.Context) (*pb.Command, error) {
	for {
		o.mu.Lock()
		if o.closed {
			o.mu.Unlock()
			return nil, errOutboxClosed
		}
		if len(o.q) > 0 {
			c := o.q[0]
			o.q[0] = nil
			o.q = o.q[1:]
			o.mu.Unlock()
			return c, nil
		}
		o.mu.Unlock()
		select {
		case <-o.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
