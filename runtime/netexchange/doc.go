// Package netexchange moves a task's output to tasks in another process
// over TCP: the data plane of hash, rebalance and broadcast edges between
// processes, as Flink's Netty shuffle is. Control messages (deployment,
// checkpoint coordination) go elsewhere (gRPC); only runtime.Messages travel
// here.
//
// # Model
//
// A Receiver listens on one TCP address per process. A Sender is one TCP
// connection from a producing process to a receiving process; it carries
// every logical channel between them in that direction (a process pair
// exchanging both ways uses two connections). A channel is identified by a
// ChannelID (job, edge, producer subtask, consumer subtask) agreed at
// setup: the producer opens it on its Sender (OutChannel), the consumer
// takes it from its Receiver (InChannel); either may come first.
//
// # Flow control
//
// Credit-based, as in Flink: the receiver gives each channel a bounded
// queue of Credits messages and announces them to the sender as credits;
// every message (batch, watermark, barrier, end of input) costs one. A
// sender writes a frame for a channel only while it holds credit for it,
// otherwise OutChannel.Send blocks (that is backpressure; the time is
// counted in OutChannel.Blocked and reported to its BlockMeter). The
// receiver returns credits as the consumer takes messages (in bunches of
// half the queue, so the sender always keeps half its window). Unlike
// Flink, where events need no credit, watermarks and barriers cost one
// too: the receiver's queue is then strictly bounded. Because the
// receiving connection never waits for a consumer (every frame it reads
// has a free slot, or the sender broke the protocol and the connection
// fails), a slow consumer stops only its own channel, never the others of
// the connection.
//
// # Ordering
//
// Messages of one channel are delivered exactly once, in the order they
// were sent: batches, watermarks (with the idle flag), barriers and end of
// input all travel in band, so a barrier never overtakes the records sent
// before it. Nothing is aligned here (AT_LEAST_ONCE and EXACTLY_ONCE both
// just deliver in order; alignment is the task's input side). End of
// input is the last message of a channel; Send after it is an error.
//
// # Call order and concurrency
//
//	r, _ := Listen(addr, ReceiverOptions{})     // consumer process
//	in := r.Channel(id)                          // any time; any goroutine
//	s, _ := Dial(ctx, r.Addr(), SenderOptions{}) // producer process
//	out, _ := s.Open(id, meter)
//	out.Send(ctx, msg) ... out.Send(ctx, end of input)
//	msg, _ := in.Next(ctx) ...                   // until end of input, then io.EOF
//	s.Close(); r.Close()
//
// Send on one OutChannel must not be called concurrently; different
// OutChannels of one Sender may be used from different goroutines (frames
// are written whole, one at a time). Next/TryNext on one InChannel are
// for one consumer goroutine. Close methods may be called from any
// goroutine, more than once; they stop every goroutine the package started
// and wait for them.
//
// # Ownership
//
// A batch passed to Send belongs to the exchange until Send returns: it is
// encoded into the channel's frame buffer before Send returns, after which
// the caller may reuse or drop it (the receiver gets its own copy). A
// message returned by Next belongs to the caller; its batch is freshly
// decoded and referenced by nothing in this package.
//
// # Errors
//
// A broken connection (read/write error, EOF before every channel ended,
// protocol violation such as a frame without credit or a malformed frame)
// fails every channel of it that has not ended, on both sides, with an
// error naming the peer address and the channel. Nothing is dropped
// silently: a channel either delivers all messages up to its end of input
// or reports an error.
//
// # Wiring
//
// This package imports runtime (for runtime.Message), so runtime cannot
// import it: a later increment wires it through interfaces the runtime
// declares (an Output target with Send(ctx, Message) and an input source
// with TryNext/SetNotify), filled in by the process that deploys tasks.
//
// # Data path
//
// No per-row allocation, no reflection, no interfaces per value: a batch
// is encoded column by column into a buffer reused per channel and
// decoded into fresh column slices (one allocation per column) from a
// buffer reused per connection. See wire.go and codec.go for the format.
package netexchange
