package session

import (
	"github.com/flinkgo/engine/planner"
)

// warnUncommittedFiles warns, once per INSERT, about a filesystem sink fed
// by an unbounded source while checkpointing is off: its files become
// visible only when a checkpoint completes (or when a bounded input ends),
// so such a job never commits anything — Flink behaves the same and says
// nothing, which bites users.
func (s *Session) warnUncommittedFiles(sinks []*planner.Sink, interval bool) {
	if interval {
		return
	}
	for _, sk := range sinks {
		if sk.Table.Options["connector"] != "filesystem" || !unbounded(sk.Input) {
			continue
		}
		s.logf("[WARN] The filesystem sink of table %s commits its files when a checkpoint completes, and checkpointing is off: "+
			"with an unbounded input its files stay in progress (hidden) forever. Set execution.checkpointing.interval, e.g. SET 'execution.checkpointing.interval' = '10s';",
			sk.Table.Name)
	}
}

// unbounded reports whether any scan under n never ends by itself.
func unbounded(n planner.Node) bool {
	if sc, ok := n.(*planner.Scan); ok {
		return sc.Source != nil && !sc.Source.Bounded()
	}
	for _, in := range n.Inputs() {
		if unbounded(in) {
			return true
		}
	}
	return false
}
