package netexchange

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// ReceiverOptions tunes a Receiver; the zero value is usable.
type ReceiverOptions struct {
	// Credits is each channel's queue capacity in messages, all announced
	// to the sender when the channel opens (default 8).
	Credits int
	// HandshakeTimeout bounds a new connection's handshake (default 10s).
	HandshakeTimeout time.Duration
}

// Receiver accepts connections from Senders and delivers their channels'
// messages to InChannels. See the package documentation.
type Receiver struct {
	ln   net.Listener
	opts ReceiverOptions

	mu     sync.Mutex
	chans  map[ChannelID]*InChannel
	conns  map[*inConn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// ErrClosed is returned by InChannels of a closed Receiver.
var ErrClosed = errors.New("netexchange: receiver closed")

// Listen starts a Receiver on addr ("127.0.0.1:0" for any free port).
func Listen(addr string, opts ReceiverOptions) (*Receiver, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("netexchange: listen %s: %w", addr, err)
	}
	return Serve(ln, opts), nil
}

// Serve starts a Receiver on an existing listener, which it then owns.
func Serve(ln net.Listener, opts ReceiverOptions) *Receiver {
	if opts.Credits <= 0 {
		opts.Credits = 8
	}
	if opts.HandshakeTimeout <= 0 {
		opts.HandshakeTimeout = 10 * time.Second
	}
	r := &Receiver{ln: ln, opts: opts, chans: map[ChannelID]*InChannel{}, conns: map[*inConn]struct{}{}}
	r.wg.Add(1)
	go r.acceptLoop()
	return r
}

// Addr is the address senders dial.
func (r *Receiver) Addr() string { return r.ln.Addr().String() }

func (r *Receiver) acceptLoop() {
	defer r.wg.Done()
	for {
		conn, err := r.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // closed
		}
		c := &inConn{r: r, conn: conn, peer: conn.RemoteAddr().String(), byNum: map[uint32]*InChannel{}}
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			conn.Close()
			return
		}
		r.conns[c] = struct{}{}
		r.wg.Add(1)
		r.mu.Unlock()
		go c.serve()
	}
}

// Channel returns the receiving end of id, creating it if the sender has
// not opened it yet. Every call for one id returns the same InChannel
// until it is released.
func (r *Receiver) Channel(id ChannelID) *InChannel {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.channelLocked(id)
}

func (r *Receiver) channelLocked(id ChannelID) *InChannel {
	c := r.chans[id]
	if c == nil {
		c = &InChannel{r: r, id: id, q: make([]runtime.Message, r.opts.Credits), wake: make(chan struct{}, 1)}
		if r.closed {
			c.err = ErrClosed
		}
		r.chans[id] = c
	}
	return c
}

// Release forgets channel id (after its end of input or failure), so its
// id may be used again.
func (r *Receiver) Release(id ChannelID) {
	r.mu.Lock()
	delete(r.chans, id)
	r.mu.Unlock()
}

// Close stops accepting, closes every connection (failing channels that
// did not end) and waits for the package's goroutines.
func (r *Receiver) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		r.wg.Wait()
		return nil
	}
	r.closed = true
	conns := make([]*inConn, 0, len(r.conns))
	for c := range r.conns {
		conns = append(conns, c)
	}
	chans := make([]*InChannel, 0, len(r.chans))
	for _, c := range r.chans {
		chans = append(chans, c)
	}
	r.mu.Unlock()
	err := r.ln.Close()
	for _, c := range conns {
		c.conn.Close()
	}
	r.wg.Wait()
	for _, c := range chans {
		c.fail(ErrClosed)
	}
	return err
}

// inConn is one accepted connection; its goroutine reads frames and
// delivers them. Credit frames are written by consumers (under wmu).
type inConn struct {
	r     *Receiver
	conn  net.Conn
	peer  string
	wmu   sync.Mutex
	byNum map[uint32]*InChannel // owned by the reading goroutine
	// scratch for credit frames, under wmu
	cbuf [headerSize + 4]byte
}

func (c *inConn) serve() {
	defer c.r.wg.Done()
	err := c.run()
	c.conn.Close()
	c.r.mu.Lock()
	delete(c.r.conns, c)
	closing := c.r.closed
	c.r.mu.Unlock()
	if err == nil {
		err = io.EOF
	}
	if closing {
		err = fmt.Errorf("%w (%v)", ErrClosed, err)
	}
	for _, ch := range c.byNum {
		ch.fail(fmt.Errorf("netexchange: connection from %s broken: channel %s: %w", c.peer, ch.id, err))
	}
}

func (c *inConn) run() error {
	_ = c.conn.SetDeadline(time.Now().Add(c.r.opts.HandshakeTimeout))
	if err := readHandshake(c.conn); err != nil {
		return err
	}
	if err := writeHandshake(c.conn); err != nil {
		return err
	}
	_ = c.conn.SetDeadline(deadlineNever)
	if tc, ok := c.conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
		_ = tc.SetKeepAlive(true)
		_ = tc.SetKeepAlivePeriod(15 * time.Second)
	}
	fr := frameReader{r: c.conn}
	for {
		typ, num, p, err := fr.next()
		if err != nil {
			if errors.Is(err, io.EOF) && len(c.byNum) == 0 {
				return nil // clean close: every channel ended
			}
			return err
		}
		if typ == frameOpen {
			if err := c.open(num, p); err != nil {
				return err
			}
			continue
		}
		ch := c.byNum[num]
		if ch == nil {
			return fmt.Errorf("frame type %d for channel number %d, which is not open", typ, num)
		}
		if err := c.frame(ch, typ, p); err != nil {
			return fmt.Errorf("protocol error on channel %s: %w", ch.id, err)
		}
	}
}

func (c *inConn) open(num uint32, p []byte) error {
	id, err := decodeChannelID(p)
	if err != nil {
		return err
	}
	if c.byNum[num] != nil {
		return fmt.Errorf("channel number %d opened twice", num)
	}
	c.r.mu.Lock()
	ch := c.r.channelLocked(id)
	c.r.mu.Unlock()
	ch.mu.Lock()
	if ch.opened {
		ch.mu.Unlock()
		return fmt.Errorf("channel %s opened twice", id)
	}
	ch.opened = true
	ch.conn = c
	ch.num = num
	ch.granted = int64(len(ch.q))
	ch.mu.Unlock()
	c.byNum[num] = ch
	return c.writeCredit(num, uint32(len(ch.q)))
}

func (c *inConn) writeCredit(num uint32, n uint32) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b := c.cbuf[:0]
	b = appendHeader(b, frameCredit, num, 4)
	b = binary.LittleEndian.AppendUint32(b, n)
	_, err := c.conn.Write(b)
	return err
}

// frame handles one data frame of ch.
func (c *inConn) frame(ch *InChannel, typ byte, p []byte) error {
	var m runtime.Message
	switch typ {
	case frameSchema:
		ts, err := decodeSchema(p)
		if err != nil {
			return err
		}
		ch.schema = ts
		return nil
	case frameBatch:
		if ch.schema == nil {
			return errors.New("batch before any schema")
		}
		b, err := decodeBatch(p, ch.schema)
		if err != nil {
			return err
		}
		m = runtime.Message{Kind: runtime.MsgBatch, Batch: b}
	case frameWatermark:
		wm, idle, err := decodeWatermark(p)
		if err != nil {
			return err
		}
		m = runtime.Message{Kind: runtime.MsgWatermark, Watermark: wm, Idle: idle}
	case frameBarrier:
		if len(p) != 17 || p[16] > 3 {
			return fmt.Errorf("barrier: %w", errCorrupt)
		}
		m = runtime.Message{Kind: runtime.MsgBarrier, Barrier: runtime.Barrier{
			CheckpointID: int64(binary.LittleEndian.Uint64(p)),
			Timestamp:    int64(binary.LittleEndian.Uint64(p[8:])),
			Savepoint:    p[16]&1 != 0,
			Drain:        p[16]&2 != 0,
		}}
	case frameEnd:
		if len(p) != 0 {
			return fmt.Errorf("end of input: %w", errCorrupt)
		}
		m = runtime.Message{Kind: runtime.MsgEndOfInput}
	default:
		return fmt.Errorf("unknown frame type %d", typ)
	}
	if err := ch.push(m); err != nil {
		return err
	}
	if m.Kind == runtime.MsgEndOfInput {
		delete(c.byNum, ch.num)
	}
	return nil
}

// InChannel is the receiving end of one channel: a bounded queue the
// connection fills and one consumer goroutine drains.
type InChannel struct {
	r  *Receiver
	id ChannelID

	mu       sync.Mutex
	q        []runtime.Message // ring of capacity Credits
	head, n  int
	wake     chan struct{}
	notify   func()
	err      error
	opened   bool
	conn     *inConn
	num      uint32
	granted  int64 // credits announced
	received int64 // credit-costing frames received
	pending  int   // taken, not yet returned as credit
	endRecv  bool  // end of input received
	endTaken bool  // end of input delivered

	schema []*types.Type // owned by the connection goroutine
}

// ID is the channel's identity.
func (c *InChannel) ID() ChannelID { return c.id }

// SetNotify installs f, called (from the connection's goroutine, so it
// must not block) whenever a message is queued or the channel fails: a
// task multiplexing many channels can wake on it and then TryNext.
func (c *InChannel) SetNotify(f func()) {
	c.mu.Lock()
	c.notify = f
	c.mu.Unlock()
}

func (c *InChannel) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
	if c.notify != nil {
		c.notify()
	}
}

// push queues m; a message without credit is a protocol error.
func (c *InChannel) push(m runtime.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.endRecv {
		return errors.New("message after end of input")
	}
	if c.received >= c.granted || c.n == len(c.q) {
		return fmt.Errorf("frame without credit (granted %d, received %d)", c.granted, c.received)
	}
	c.received++
	c.q[(c.head+c.n)%len(c.q)] = m
	c.n++
	if m.Kind == runtime.MsgEndOfInput {
		c.endRecv = true
	}
	c.signal()
	return nil
}

func (c *InChannel) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil && !c.endRecv {
		c.err = err
		c.signal()
	}
}

// TryNext returns the next message if one is queued. ok is false when
// none is; err is io.EOF after end of input was delivered, or the error
// that failed the channel (messages queued before a failure are still
// delivered first).
func (c *InChannel) TryNext() (m runtime.Message, ok bool, err error) {
	c.mu.Lock()
	if c.n == 0 {
		err := c.err
		if c.endTaken {
			err = io.EOF
		}
		c.mu.Unlock()
		return runtime.Message{}, false, err
	}
	m = c.q[c.head]
	c.q[c.head] = runtime.Message{}
	c.head = (c.head + 1) % len(c.q)
	c.n--
	if m.Kind == runtime.MsgEndOfInput {
		c.endTaken = true
		c.mu.Unlock()
		return m, true, nil
	}
	c.pending++
	var credit int
	// Return credits in bunches of half the queue: the sender then always
	// keeps at least half its window, so it never stalls on a lazy return.
	if c.pending >= (len(c.q)+1)/2 && c.conn != nil && c.err == nil {
		credit = c.pending
		c.pending = 0
		c.granted += int64(credit)
	}
	conn, num := c.conn, c.num
	c.mu.Unlock()
	if credit > 0 {
		if err := conn.writeCredit(num, uint32(credit)); err != nil {
			// The connection is broken; its reader fails the channel.
			conn.conn.Close()
		}
	}
	return m, true, nil
}

// Next waits for the next message (see TryNext for the errors).
func (c *InChannel) Next(ctx context.Context) (runtime.Message, error) {
	for {
		m, ok, err := c.TryNext()
		if ok {
			return m, nil
		}
		if err != nil {
			return runtime.Message{}, err
		}
		select {
		case <-c.wake:
		case <-ctx.Done():
			return runtime.Message{}, fmt.Errorf("netexchange: channel %s: %w", c.id, ctx.Err())
		}
	}
}
