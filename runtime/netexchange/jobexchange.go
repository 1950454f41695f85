package netexchange

import (
	"fmt"

	"github.com/flinkgo/engine/runtime"
)

// JobExchange connects the local subtasks of one Job (run with a
// runtime.Placement) to the subtasks other processes run: it is the
// runtime.RemoteExchange over this package. Channels are named by Job
// (the job id with its attempt, so a restarted job never meets its
// predecessor's channels), edge index, producer and consumer subtask.
//
// The Receiver and the Senders belong to the caller, who closes them once
// the Job ended (after its last channel delivered end of input). Start of
// the Job calls OpenOutput and OpenInput from one goroutine.
type JobExchange struct {
	Job      string
	Receiver *Receiver
	// Peer returns the Sender to the process that runs consumer subtask
	// of the edge's downstream vertex.
	Peer func(edge, consumer int) (*Sender, error)
}

var _ runtime.RemoteExchange = (*JobExchange)(nil)

func (x *JobExchange) id(edge, producer, consumer int) ChannelID {
	return ChannelID{Job: x.Job, Edge: int32(edge), Producer: int32(producer), Consumer: int32(consumer)}
}

// OpenOutput implements runtime.RemoteExchange.
func (x *JobExchange) OpenOutput(edge, producer, consumer int, meter runtime.BlockMeter) (runtime.RemoteOutput, error) {
	s, err := x.Peer(edge, consumer)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, fmt.Errorf("netexchange: no connection to the process of consumer subtask %d of edge %d", consumer, edge)
	}
	return s.Open(x.id(edge, producer, consumer), meter)
}

// OpenInput implements runtime.RemoteExchange.
func (x *JobExchange) OpenInput(edge, producer, consumer int) (runtime.RemoteInput, error) {
	return x.Receiver.Channel(x.id(edge, producer, consumer)), nil
}
