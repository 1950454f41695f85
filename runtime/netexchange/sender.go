package netexchange

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// SenderOptions tunes a Sender; the zero value is usable.
type SenderOptions struct {
	// CloseTimeout bounds how long Close waits for the receiver to read
	// what was sent and close its side (default 5s).
	CloseTimeout time.Duration
	// DialTimeout bounds connecting and the handshake (default 10s; the
	// context passed to Dial may end it earlier).
	DialTimeout time.Duration
}

// BlockMeter is told when a Send starts and stops waiting for credit (the
// task's back-pressured time). Both calls come from the sending goroutine.
type BlockMeter interface {
	BeginBlocked()
	EndBlocked()
}

// Sender is one connection to a receiving process, carrying any number of
// channels. See the package documentation for the contracts.
type Sender struct {
	conn net.Conn
	peer string
	opts SenderOptions

	wmu sync.Mutex // serializes frame writes

	mu     sync.Mutex
	chans  []*OutChannel // by channel number
	err    error         // set once, when the connection failed or closed
	closed bool

	done       chan struct{} // closed when err is set
	readerDone chan struct{}
	closeOnce  sync.Once

	// creditViolations counts frames written without credit (a bug; tests
	// assert it stays 0).
	creditViolations atomic.Int64
}

// Dial connects to the Receiver at addr.
func Dial(ctx context.Context, addr string, opts SenderOptions) (*Sender, error) {
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 10 * time.Second
	}
	if opts.CloseTimeout <= 0 {
		opts.CloseTimeout = 5 * time.Second
	}
	dctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer cancel()
	var nd net.Dialer
	conn, err := nd.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("netexchange: dial %s: %w", addr, err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
		_ = tc.SetKeepAlive(true)
		_ = tc.SetKeepAlivePeriod(15 * time.Second)
	}
	if dl, ok := dctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(dctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	err = writeHandshake(conn)
	if err == nil {
		err = readHandshake(conn)
	}
	stopped := stop()
	if err == nil && !stopped {
		err = dctx.Err()
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("netexchange: connect to %s: %w", addr, err)
	}
	_ = conn.SetDeadline(deadlineNever)
	s := &Sender{
		conn:       conn,
		peer:       conn.RemoteAddr().String(),
		opts:       opts,
		done:       make(chan struct{}),
		readerDone: make(chan struct{}),
	}
	go s.readLoop()
	return s, nil
}

// Peer is the receiver's address.
func (s *Sender) Peer() string { return s.peer }

// fail records the first error, closes the connection and wakes every
// blocked Send.
func (s *Sender) fail(err error) {
	s.mu.Lock()
	first := s.err == nil
	if first {
		s.err = err
	}
	s.mu.Unlock()
	if first {
		close(s.done)
		s.conn.Close()
	}
}

// Err returns the error that ended the connection, nil while it is healthy.
func (s *Sender) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

var errSenderClosed = errors.New("sender closed")

// readLoop reads credit frames until the connection ends.
func (s *Sender) readLoop() {
	defer close(s.readerDone)
	fr := frameReader{r: s.conn}
	for {
		typ, ch, p, err := fr.next()
		if err != nil {
			s.mu.Lock()
			closing := s.closed
			s.mu.Unlock()
			if closing && errors.Is(err, io.EOF) {
				err = errSenderClosed // the receiver acknowledged our close
			}
			s.fail(err)
			return
		}
		if typ != frameCredit || len(p) != 4 {
			s.fail(fmt.Errorf("unexpected frame type %d (%d bytes) from the receiver", typ, len(p)))
			return
		}
		n := binary.LittleEndian.Uint32(p)
		s.mu.Lock()
		var c *OutChannel
		if int(ch) < len(s.chans) {
			c = s.chans[ch]
		}
		s.mu.Unlock()
		if c == nil || n == 0 || n > 1<<20 {
			s.fail(fmt.Errorf("invalid credit %d for channel number %d", n, ch))
			return
		}
		c.addCredit(int64(n))
	}
}

// Open starts channel id on this connection. meter (may be nil) is told
// when Send waits for credit.
func (s *Sender) Open(id ChannelID, meter BlockMeter) (*OutChannel, error) {
	if len(id.Job) > maxJobLen {
		return nil, fmt.Errorf("netexchange: channel %s: job name longer than %d bytes", id, maxJobLen)
	}
	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return nil, s.chanErr(id, err)
	}
	num := uint32(len(s.chans))
	c := &OutChannel{s: s, id: id, num: num, meter: meter, wake: make(chan struct{}, 1)}
	s.chans = append(s.chans, c)
	s.mu.Unlock()
	buf := appendChannelID(make([]byte, headerSize, 64), id)
	putHeader(buf, frameOpen, num)
	if err := s.write(buf); err != nil {
		return nil, s.chanErr(id, err)
	}
	return c, nil
}

func (s *Sender) chanErr(id ChannelID, err error) error {
	if errors.Is(err, errSenderClosed) {
		return fmt.Errorf("netexchange: channel %s to %s: %w", id, s.peer, err)
	}
	return fmt.Errorf("netexchange: connection to %s broken: channel %s: %w", s.peer, id, err)
}

// write sends whole frames.
func (s *Sender) write(frames []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	select {
	case <-s.done:
		return s.Err()
	default:
	}
	if _, err := s.conn.Write(frames); err != nil {
		s.fail(err)
		return s.Err()
	}
	return nil
}

// Close ends the connection: it half-closes the socket, waits (up to
// CloseTimeout) for the receiver to read everything and close its side,
// then releases the socket and the reader goroutine. Sends blocked on
// other goroutines return an error. Channels that did not send end of
// input fail on the receiver's side.
func (s *Sender) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		// A write stuck on a dead peer gives up at the deadline, so the
		// lock below is bounded too.
		_ = s.conn.SetWriteDeadline(time.Now().Add(s.opts.CloseTimeout))
		s.wmu.Lock()
		if tc, ok := s.conn.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		s.wmu.Unlock()
		t := time.NewTimer(s.opts.CloseTimeout)
		select {
		case <-s.readerDone:
		case <-t.C:
		}
		t.Stop()
		s.fail(errSenderClosed)
		<-s.readerDone
	})
	err := s.Err()
	if errors.Is(err, errSenderClosed) {
		return nil
	}
	return err
}

// OutChannel is the sending end of one channel. Send is for one goroutine
// at a time; Blocked and Credit may be read from any goroutine.
type OutChannel struct {
	s     *Sender
	id    ChannelID
	num   uint32
	meter BlockMeter

	credit       atomic.Int64
	wake         chan struct{} // signalled when credit arrives
	blocked      atomic.Int64  // ns spent in finished waits for credit
	blockedSince atomic.Int64  // start of the wait under way (ns since monoBase), 0 if none

	// owned by the sending goroutine
	buf    []byte
	schema []*types.Type
	ended  bool
	sent   int64
}

// ID is the channel's identity.
func (c *OutChannel) ID() ChannelID { return c.id }

// monoBase anchors monotonic timestamps.
var monoBase = time.Now()

func monoNow() int64 { return int64(time.Since(monoBase)) + 1 }

// Blocked is the total time Send waited for credit, including a wait
// under way (so a producer stuck behind a stalled consumer shows up at
// once).
func (c *OutChannel) Blocked() time.Duration {
	total := c.blocked.Load()
	if since := c.blockedSince.Load(); since != 0 {
		total += max(0, monoNow()-since)
	}
	return time.Duration(total)
}

// Credit is the number of messages the channel may send now.
func (c *OutChannel) Credit() int64 { return c.credit.Load() }

func (c *OutChannel) addCredit(n int64) {
	c.credit.Add(n)
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// acquire takes one credit, waiting while there is none.
func (c *OutChannel) acquire(ctx context.Context) error {
	if c.credit.Load() > 0 {
		c.credit.Add(-1)
		return nil
	}
	start := monoNow()
	c.blockedSince.Store(start)
	if c.meter != nil {
		c.meter.BeginBlocked()
	}
	defer func() {
		// Add before clearing: a reader may briefly count the wait twice,
		// never lose it.
		c.blocked.Add(monoNow() - start)
		c.blockedSince.Store(0)
		if c.meter != nil {
			c.meter.EndBlocked()
		}
	}()
	for {
		// Only this goroutine takes credit, so a positive value stays positive.
		if c.credit.Load() > 0 {
			c.credit.Add(-1)
			return nil
		}
		select {
		case <-c.wake:
		case <-c.s.done:
			return c.s.chanErr(c.id, c.s.Err())
		case <-ctx.Done():
			return fmt.Errorf("netexchange: channel %s to %s: %w", c.id, c.s.peer, ctx.Err())
		}
	}
}

// Send writes m to the channel once it has credit for it, blocking until
// then (backpressure). A batch is encoded before Send returns; see the
// package documentation for ownership. Empty batches are skipped. After
// end of input Send fails.
func (c *OutChannel) Send(ctx context.Context, m runtime.Message) error {
	if c.ended {
		return fmt.Errorf("netexchange: channel %s to %s: send after end of input", c.id, c.s.peer)
	}
	if m.Kind == runtime.MsgBatch && (m.Batch == nil || m.Batch.Len == 0) {
		return nil
	}
	if m.Kind == runtime.MsgBatch && m.Batch.Len > MaxRows {
		return fmt.Errorf("netexchange: channel %s to %s: batch of %d rows, more than %d", c.id, c.s.peer, m.Batch.Len, MaxRows)
	}
	if err := c.acquire(ctx); err != nil {
		return err
	}
	buf := c.buf[:0]
	switch m.Kind {
	case runtime.MsgBatch:
		if !sameSchema(c.schema, m.Batch) {
			c.schema = c.schema[:0]
			for _, col := range m.Batch.Cols {
				c.schema = append(c.schema, col.Type)
			}
			buf = appendSchema(append(buf, make([]byte, headerSize)...), c.schema)
			putHeader(buf, frameSchema, c.num)
		}
		start := len(buf)
		buf = appendBatch(append(buf, make([]byte, headerSize)...), m.Batch)
		if len(buf)-start-headerSize > MaxFrame {
			c.buf = buf[:0]
			c.credit.Add(1)
			return fmt.Errorf("netexchange: channel %s to %s: batch of %d rows encodes to %d bytes, more than a frame's %d",
				c.id, c.s.peer, m.Batch.Len, len(buf)-start-headerSize, MaxFrame)
		}
		putHeader(buf[start:], frameBatch, c.num)
	case runtime.MsgWatermark:
		buf = appendWatermark(appendHeader(buf, frameWatermark, c.num, 9), m.Watermark, m.Idle)
	case runtime.MsgBarrier:
		buf = appendHeader(buf, frameBarrier, c.num, 17)
		buf = binary.LittleEndian.AppendUint64(buf, uint64(m.Barrier.CheckpointID))
		buf = binary.LittleEndian.AppendUint64(buf, uint64(m.Barrier.Timestamp))
		var flags byte
		if m.Barrier.Savepoint {
			flags |= 1
		}
		if m.Barrier.Drain {
			flags |= 2
		}
		buf = append(buf, flags)
	case runtime.MsgEndOfInput:
		buf = appendHeader(buf, frameEnd, c.num, 0)
		c.ended = true
	default:
		c.credit.Add(1)
		return fmt.Errorf("netexchange: channel %s: message of unknown kind %d", c.id, m.Kind)
	}
	c.buf = buf
	if c.credit.Load() < 0 {
		c.s.creditViolations.Add(1)
	}
	if err := c.s.write(buf); err != nil {
		return c.s.chanErr(c.id, err)
	}
	c.sent++
	return nil
}
