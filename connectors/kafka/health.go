package kafka

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// health tracks whether a client reaches its brokers. franz-go retries
// failed connections and requests by itself, forever for fetches; health
// lets the connector give up after a bound so the job fails and the
// runtime's restart strategy takes over. It is a franz-go hook, called
// from the client's goroutines, hence atomics.
type health struct {
	failingSince atomic.Int64 // unix ms of the first failure since the last success, 0 if healthy
	lastErr      atomic.Pointer[string]
	// giveUp, when set by watch, runs once when the failure outlasts
	// bound: a writer cancels its context so calls blocked in franz-go
	// (Produce on a full buffer, Flush) return.
	bound  time.Duration
	giveUp func()
	gaveUp sync.Once
}

// watch makes the hook call giveUp once the brokers have been failing for
// longer than bound. Call before the client is created.
func (h *health) watch(bound time.Duration, giveUp func()) {
	h.bound, h.giveUp = bound, giveUp
}

func newHealth() *health { return &health{} }

var (
	_ kgo.HookBrokerConnect = (*health)(nil)
	_ kgo.HookBrokerE2E     = (*health)(nil)
)

func (h *health) OnBrokerConnect(meta kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	h.observe(meta, err)
}

func (h *health) OnBrokerE2E(meta kgo.BrokerMetadata, _ int16, e kgo.BrokerE2E) {
	h.observe(meta, e.Err())
}

func (h *health) observe(meta kgo.BrokerMetadata, err error) {
	if err == nil {
		h.failingSince.Store(0)
		return
	}
	h.failingSince.CompareAndSwap(0, time.Now().UnixMilli())
	s := fmt.Sprintf("broker %s:%d: %v", meta.Host, meta.Port, err)
	h.lastErr.Store(&s)
	if h.giveUp != nil && h.bound > 0 && time.Since(time.UnixMilli(h.failingSince.Load())) > h.bound {
		h.gaveUp.Do(h.giveUp)
	}
}

// check returns an error when the brokers have been failing for longer
// than bound (0: never); option is the property that sets the bound.
func (h *health) check(bound time.Duration, option string) error {
	since := h.failingSince.Load()
	if since == 0 || bound <= 0 {
		return nil
	}
	if d := time.Since(time.UnixMilli(since)); d > bound {
		last := ""
		if p := h.lastErr.Load(); p != nil {
			last = *p
		}
		return fmt.Errorf("the brokers were unreachable for %s (last error: %s); failing so that the restart strategy retries. Raise '%s' to wait longer",
			d.Round(time.Second), last, option)
	}
	return nil
}

// explain adds the last connection error (a refused connection, a failed
// authentication) to err, when there was one.
func (h *health) explain(err error) error {
	if p := h.lastErr.Load(); p != nil && h.failingSince.Load() != 0 {
		return fmt.Errorf("%w (last broker error: %s)", err, *p)
	}
	return err
}
