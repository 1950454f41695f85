package netexchange

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	rt "github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

func TestRoundTripAllTypes(t *testing.T) {
	checkNoLeaks(t)
	ctx := testCtx(t)
	r, s, _ := pair(t, ReceiverOptions{Credits: 2}, true)
	id := ChannelID{Job: "job-1", Edge: 3, Producer: 1, Consumer: 2}
	in := r.Channel(id)
	out, err := s.Open(id, nil)
	if err != nil {
		t.Fatal(err)
	}
	other := []*types.Type{types.BigInt, types.String}
	sent := []rt.Message{
		{Kind: rt.MsgBatch, Batch: makeBatch(allTypes, 200, true)},
		{Kind: rt.MsgWatermark, Watermark: -5},
		{Kind: rt.MsgBatch, Batch: makeBatch(allTypes, 1, false)},
		{Kind: rt.MsgBarrier, Barrier: rt.Barrier{CheckpointID: 7, Timestamp: 1700000000123, Savepoint: true, Drain: true}},
		{Kind: rt.MsgBatch, Batch: makeBatch(other, 65, false)}, // schema change
		{Kind: rt.MsgWatermark, Idle: true},
		{Kind: rt.MsgBatch, Batch: makeBatch(allTypes, 64, true)}, // and back
		{Kind: rt.MsgBarrier, Barrier: rt.Barrier{CheckpointID: 8}},
		{Kind: rt.MsgWatermark, Watermark: rt.MaxWatermark},
		{Kind: rt.MsgEndOfInput},
	}
	// Expected copies: Send does not keep the batch, so reuse the same
	// pointers to compare after.
	go func() {
		for _, m := range sent {
			if err := out.Send(ctx, m); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for k, want := range sent {
		got, err := in.Next(ctx)
		if err != nil {
			t.Fatalf("message %d: %v", k, err)
		}
		if got.Kind != want.Kind || got.Watermark != want.Watermark || got.Idle != want.Idle || got.Barrier != want.Barrier {
			t.Fatalf("message %d: got %+v, want %+v", k, got, want)
		}
		if want.Kind == rt.MsgBatch {
			if err := batchEqual(want.Batch, got.Batch); err != nil {
				t.Fatalf("message %d: %v", k, err)
			}
		}
	}
	if _, err := in.Next(ctx); err != io.EOF {
		t.Fatalf("after end of input: %v, want io.EOF", err)
	}
	if err := out.Send(ctx, rt.Message{Kind: rt.MsgWatermark}); err == nil {
		t.Fatal("send after end of input succeeded")
	}
}

// TestVectorRange covers encoding a vector range that does not start at
// row 0 (unaligned null bitmaps, nested offsets).
func TestVectorRange(t *testing.T) {
	b := makeBatch(allTypes, 150, false)
	for c, v := range b.Cols {
		for _, r := range [][2]int{{3, 70}, {64, 150}, {0, 0}, {149, 150}} {
			buf := appendVector(nil, v, r[0], r[1])
			d := reader{b: buf}
			got := decodeVector(&d, v.Type, r[1]-r[0])
			if d.err != nil || len(d.b) != 0 {
				t.Fatalf("column %d range %v: %v (%d left)", c, r, d.err, len(d.b))
			}
			for i := r[0]; i < r[1]; i++ {
				if err := vecEqual(v, i, got, i-r[0]); err != nil {
					t.Fatalf("column %d (%s) row %d: %v", c, v.Type, i, err)
				}
			}
		}
	}
}

// TestEncodeAllocs checks the data path allocates nothing per row:
// encoding into a reused buffer allocates nothing, decoding a slice per
// vector.
func TestEncodeAllocs(t *testing.T) {
	ts := []*types.Type{types.BigInt, types.String, types.BigInt, types.String, types.Decimal(10, 2)}
	b := makeBatch(ts, 1024, true)
	buf := appendBatch(nil, b)
	if n := testing.AllocsPerRun(20, func() { buf = appendBatch(buf[:0], b) }); n != 0 {
		t.Errorf("encoding allocates %v times per batch", n)
	}
	if n := testing.AllocsPerRun(20, func() {
		if _, err := decodeBatch(buf, ts); err != nil {
			t.Fatal(err)
		}
	}); n > 20 {
		t.Errorf("decoding allocates %v times per batch of 1024 rows", n)
	}
}

// event is what a channel's property test sends and must receive.
type event struct {
	kind  rt.MessageKind
	first int64 // batch: sequence number of its first row
	rows  int
	value int64 // watermark or checkpoint id
	idle  bool
}

func (e event) String() string {
	return fmt.Sprintf("%d/%d/%d/%d/%v", e.kind, e.first, e.rows, e.value, e.idle)
}

func eventOf(m rt.Message) (event, error) {
	e := event{kind: m.Kind}
	switch m.Kind {
	case rt.MsgBatch:
		e.rows = m.Batch.Len
		e.first = m.Batch.Cols[0].Ints[0]
		for i := 0; i < m.Batch.Len; i++ {
			if m.Batch.Cols[0].Ints[i] != e.first+int64(i) {
				return e, fmt.Errorf("row %d has sequence %d, want %d", i, m.Batch.Cols[0].Ints[i], e.first+int64(i))
			}
			if got, want := m.Batch.Cols[1].Str(i), fmt.Sprint(e.first+int64(i)); got != want {
				return e, fmt.Errorf("row %d: %q, want %q", i, got, want)
			}
		}
	case rt.MsgWatermark:
		e.value, e.idle = m.Watermark, m.Idle
	case rt.MsgBarrier:
		e.value = m.Barrier.CheckpointID
	}
	return e, nil
}

// script is a channel's random message sequence, ending with end of input.
func script(rng *rand.Rand, n int) []event {
	var evs []event
	seq, wm, cp := int64(0), int64(0), int64(0)
	for i := 0; i < n; i++ {
		switch x := rng.Intn(10); {
		case x < 6:
			rows := 1 + rng.Intn(300)
			evs = append(evs, event{kind: rt.MsgBatch, first: seq, rows: rows})
			seq += int64(rows)
		case x < 8:
			wm += int64(rng.Intn(100))
			evs = append(evs, event{kind: rt.MsgWatermark, value: wm, idle: rng.Intn(5) == 0})
		default:
			cp++
			evs = append(evs, event{kind: rt.MsgBarrier, value: cp})
		}
	}
	return append(evs, event{kind: rt.MsgEndOfInput})
}

func messageOf(e event) rt.Message {
	switch e.kind {
	case rt.MsgBatch:
		b := types.NewBatch([]*types.Type{types.BigInt, types.String}, e.rows)
		for i := 0; i < e.rows; i++ {
			b.Cols[0].AppendInt(e.first + int64(i))
			b.Cols[1].AppendString(fmt.Sprint(e.first + int64(i)))
		}
		b.SetRowCount(e.rows)
		return rt.Message{Kind: rt.MsgBatch, Batch: b}
	case rt.MsgWatermark:
		return rt.Message{Kind: rt.MsgWatermark, Watermark: e.value, Idle: e.idle}
	case rt.MsgBarrier:
		return rt.Message{Kind: rt.MsgBarrier, Barrier: rt.Barrier{CheckpointID: e.value, Timestamp: e.value * 10}}
	}
	return rt.Message{Kind: e.kind}
}

// TestPropertyManyChannels runs seeded random schedules: many channels on
// one connection (through a proxy checking credit on the wire), random
// consumer speeds (some stall for a while). Every channel must receive its
// messages exactly once and in order (so a barrier never overtakes the
// records before it), end of input last, and no frame may travel without
// credit.
func TestPropertyManyChannels(t *testing.T) {
	seeds := []int64{1, 2, 3, 4, 5}
	if testing.Short() {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { runProperty(t, seed) })
	}
}

func runProperty(t *testing.T, seed int64) {
	checkNoLeaks(t)
	ctx := testCtx(t)
	rng := rand.New(rand.NewSource(seed))
	credits := 1 + rng.Intn(4)
	r, s, p := pair(t, ReceiverOptions{Credits: credits}, true)
	nch := 8 + rng.Intn(17)
	scripts := make([][]event, nch)
	delays := make([]time.Duration, nch) // per-channel consumer pace
	for i := range scripts {
		scripts[i] = script(rng, 20+rng.Intn(60))
		switch rng.Intn(3) {
		case 0:
			delays[i] = 0
		case 1:
			delays[i] = time.Duration(rng.Intn(300)) * time.Microsecond
		case 2:
			delays[i] = time.Duration(rng.Intn(2000)) * time.Microsecond
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*nch)
	for i := 0; i < nch; i++ {
		id := ChannelID{Job: fmt.Sprint("job-", seed), Edge: int32(i % 3), Producer: int32(i), Consumer: int32(nch - i)}
		// Half the consumers register before the producer opens, half after.
		var in *InChannel
		if i%2 == 0 {
			in = r.Channel(id)
		}
		out, err := s.Open(id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if in == nil {
			in = r.Channel(id)
		}
		prng := rand.New(rand.NewSource(seed*1000 + int64(i)))
		crng := rand.New(rand.NewSource(seed*2000 + int64(i)))
		wg.Add(2)
		go func(evs []event) {
			defer wg.Done()
			for _, e := range evs {
				if prng.Intn(8) == 0 {
					time.Sleep(time.Duration(prng.Intn(200)) * time.Microsecond)
				}
				if err := out.Send(ctx, messageOf(e)); err != nil {
					errs <- err
					return
				}
			}
		}(scripts[i])
		go func(evs []event, delay time.Duration) {
			defer wg.Done()
			for k, want := range evs {
				if delay > 0 {
					time.Sleep(time.Duration(crng.Int63n(int64(delay) + 1)))
				}
				if crng.Intn(40) == 0 {
					time.Sleep(5 * time.Millisecond) // a stall
				}
				m, err := in.Next(ctx)
				if err != nil {
					errs <- fmt.Errorf("channel %s message %d: %w", id, k, err)
					return
				}
				got, err := eventOf(m)
				if err != nil {
					errs <- fmt.Errorf("channel %s message %d: %w", id, k, err)
					return
				}
				if got != want {
					errs <- fmt.Errorf("channel %s message %d: got %s, want %s", id, k, got, want)
					return
				}
			}
			if _, err := in.Next(ctx); err != io.EOF {
				errs <- fmt.Errorf("channel %s: after end of input: %v, want io.EOF", id, err)
			}
		}(scripts[i], delays[i])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if v := s.creditViolations.Load(); v != 0 {
		t.Errorf("sender wrote %d frames without credit", v)
	}
	if p.dataSeen.Load() == 0 {
		t.Error("the proxy saw no data frames")
	}
	if err := s.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

type meter struct{ begins, ends atomic.Int64 }

func (m *meter) BeginBlocked() { m.begins.Add(1) }
func (m *meter) EndBlocked()   { m.ends.Add(1) }

// TestBackpressureIsPerChannel: a consumer that stops taking messages
// blocks only its own producer; another channel of the same connection
// keeps flowing; the blocked time is reported.
func TestBackpressureIsPerChannel(t *testing.T) {
	checkNoLeaks(t)
	ctx := testCtx(t)
	const credits = 4
	r, s, _ := pair(t, ReceiverOptions{Credits: credits}, true)
	slowID := ChannelID{Job: "j", Edge: 1, Producer: 0, Consumer: 0}
	fastID := ChannelID{Job: "j", Edge: 1, Producer: 0, Consumer: 1}
	var m meter
	slowOut, err := s.Open(slowID, &m)
	if err != nil {
		t.Fatal(err)
	}
	fastOut, err := s.Open(fastID, nil)
	if err != nil {
		t.Fatal(err)
	}
	slowIn, fastIn := r.Channel(slowID), r.Channel(fastID)

	const slowN = 20
	var slowSent atomic.Int64
	slowDone := make(chan error, 1)
	go func() {
		for i := 0; i < slowN; i++ {
			if err := slowOut.Send(ctx, messageOf(event{kind: rt.MsgBatch, first: int64(i), rows: 10})); err != nil {
				slowDone <- err
				return
			}
			slowSent.Add(1)
		}
		slowDone <- slowOut.Send(ctx, rt.Message{Kind: rt.MsgEndOfInput})
	}()
	// The slow producer stops after exactly its credits.
	waitFor(t, func() bool { return slowSent.Load() == credits && slowOut.Credit() == 0 })

	// Meanwhile the other channel moves 2,000 messages.
	const fastN = 2000
	go func() {
		for i := 0; i < fastN; i++ {
			if err := fastOut.Send(ctx, rt.Message{Kind: rt.MsgWatermark, Watermark: int64(i)}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i := 0; i < fastN; i++ {
		msg, err := fastIn.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if msg.Watermark != int64(i) {
			t.Fatalf("fast channel: watermark %d, want %d", msg.Watermark, i)
		}
	}
	if got := slowSent.Load(); got != credits {
		t.Fatalf("slow producer sent %d messages without its consumer taking any, credits %d", got, credits)
	}
	// The blocked time grows while the Send waits (read live, as the
	// task metrics will), and the meter says the producer is blocked.
	b1 := slowOut.Blocked()
	time.Sleep(20 * time.Millisecond)
	if b2 := slowOut.Blocked(); b2-b1 < 20*time.Millisecond {
		t.Fatalf("blocked time grew by %v while the producer waited 20ms", b2-b1)
	}
	if m.begins.Load() != m.ends.Load()+1 {
		t.Fatalf("meter: %d begins, %d ends; want one wait under way", m.begins.Load(), m.ends.Load())
	}
	// Now the consumer takes everything; the producer finishes.
	for i := 0; i <= slowN; i++ {
		if _, err := slowIn.Next(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-slowDone; err != nil {
		t.Fatal(err)
	}
	if b := slowOut.Blocked(); b < 20*time.Millisecond {
		t.Errorf("blocked time %v, want at least the 20ms the consumer stalled", b)
	}
	if m.begins.Load() != m.ends.Load() || m.begins.Load() == 0 {
		t.Errorf("meter: %d begins, %d ends", m.begins.Load(), m.ends.Load())
	}
	if fastOut.Blocked() > time.Second {
		t.Errorf("fast channel blocked %v", fastOut.Blocked())
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestBrokenConnection cuts the socket mid-stream: every open channel
// fails on both sides with an error naming the peer and the channel, and
// Close leaks nothing.
func TestBrokenConnection(t *testing.T) {
	checkNoLeaks(t)
	ctx := testCtx(t)
	r, s, p := pair(t, ReceiverOptions{Credits: 2}, true)
	<-p.accepted
	const n = 3
	ids := make([]ChannelID, n)
	outs := make([]*OutChannel, n)
	ins := make([]*InChannel, n)
	for i := range ids {
		ids[i] = ChannelID{Job: "broken", Edge: 9, Producer: int32(i), Consumer: 0}
		var err error
		if outs[i], err = s.Open(ids[i], nil); err != nil {
			t.Fatal(err)
		}
		ins[i] = r.Channel(ids[i])
	}
	// Channel 2 completes before the cut: it must not fail.
	if err := outs[2].Send(ctx, messageOf(event{kind: rt.MsgBatch, rows: 3})); err != nil {
		t.Fatal(err)
	}
	if err := outs[2].Send(ctx, rt.Message{Kind: rt.MsgEndOfInput}); err != nil {
		t.Fatal(err)
	}
	sendErrs := make(chan error, 2)
	for i := 0; i < 2; i++ {
		go func(i int) {
			for k := 0; ; k++ {
				if err := outs[i].Send(ctx, messageOf(event{kind: rt.MsgBatch, first: int64(k), rows: 50})); err != nil {
					sendErrs <- err
					return
				}
			}
		}(i)
	}
	// Let some frames through, then cut.
	for i := 0; i < 2; i++ {
		if _, err := ins[i].Next(ctx); err != nil {
			t.Fatal(err)
		}
	}
	p.cut()
	for i := 0; i < 2; i++ {
		err := <-sendErrs
		if !strings.Contains(err.Error(), p.addr()) || !strings.Contains(err.Error(), "broken") ||
			!(strings.Contains(err.Error(), ids[0].String()) || strings.Contains(err.Error(), ids[1].String())) {
			t.Errorf("sender error does not name the peer %s and the channel: %v", p.addr(), err)
		}
	}
	p.mu.Lock()
	peer := p.outLocal
	p.mu.Unlock()
	for i := 0; i < 2; i++ {
		var err error
		for err == nil {
			_, err = ins[i].Next(ctx)
		}
		if err == io.EOF || !strings.Contains(err.Error(), peer) || !strings.Contains(err.Error(), ids[i].String()) {
			t.Errorf("receiver error does not name the peer %s and channel %s: %v", peer, ids[i], err)
		}
	}
	// The completed channel delivers everything and its end.
	for k := 0; k < 2; k++ {
		if _, err := ins[2].Next(ctx); err != nil {
			t.Fatalf("completed channel: %v", err)
		}
	}
	if _, err := ins[2].Next(ctx); err != io.EOF {
		t.Fatalf("completed channel: %v, want io.EOF", err)
	}
	if err := s.Close(); err == nil {
		t.Error("Close of a broken sender returned no error")
	}
	if _, err := s.Open(ChannelID{Job: "late"}, nil); err == nil || !strings.Contains(err.Error(), p.addr()) {
		t.Errorf("Open on a broken sender: %v", err)
	}
}

// TestSenderClosedEarly: a sender closed before a channel's end of input
// fails that channel at the receiver; ended channels are fine.
func TestSenderClosedEarly(t *testing.T) {
	checkNoLeaks(t)
	ctx := testCtx(t)
	r, s, _ := pair(t, ReceiverOptions{}, false)
	done, open := ChannelID{Job: "c", Producer: 1}, ChannelID{Job: "c", Producer: 2}
	od, _ := s.Open(done, nil)
	oo, _ := s.Open(open, nil)
	if err := od.Send(ctx, rt.Message{Kind: rt.MsgEndOfInput}); err != nil {
		t.Fatal(err)
	}
	if err := oo.Send(ctx, rt.Message{Kind: rt.MsgWatermark, Watermark: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := oo.Send(ctx, rt.Message{Kind: rt.MsgWatermark, Watermark: 2}); err == nil {
		t.Fatal("send after Close succeeded")
	}
	in := r.Channel(open)
	if m, err := in.Next(ctx); err != nil || m.Watermark != 1 {
		t.Fatalf("got %+v, %v", m, err)
	}
	_, err := in.Next(ctx)
	if err == nil || err == io.EOF || !strings.Contains(err.Error(), open.String()) {
		t.Fatalf("channel without end of input: %v", err)
	}
	if m, err := r.Channel(done).Next(ctx); err != nil || m.Kind != rt.MsgEndOfInput {
		t.Fatalf("ended channel: %+v, %v", m, err)
	}
}

// rawSender speaks the protocol by hand, to break it.
func rawSender(t *testing.T, addr string) net.Conn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := writeHandshake(c); err != nil {
		t.Fatal(err)
	}
	if err := readHandshake(c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFrameWithoutCredit: a sender exceeding its credit breaks the
// protocol; the channel fails naming the reason.
func TestFrameWithoutCredit(t *testing.T) {
	checkNoLeaks(t)
	ctx := testCtx(t)
	r, err := Listen("127.0.0.1:0", ReceiverOptions{Credits: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := rawSender(t, r.Addr())
	id := ChannelID{Job: "rogue"}
	buf := appendChannelID(make([]byte, headerSize), id)
	putHeader(buf, frameOpen, 0)
	for i := 0; i < 3; i++ {
		start := len(buf)
		buf = appendWatermark(appendHeader(buf, frameWatermark, 0, 9), int64(i), false)
		_ = start
	}
	if _, err := c.Write(buf); err != nil {
		t.Fatal(err)
	}
	in := r.Channel(id)
	// Take nothing before the receiver has seen the third frame: taking
	// returns credit, which would make it legal.
	waitFor(t, func() bool {
		in.mu.Lock()
		defer in.mu.Unlock()
		return in.err != nil
	})
	for {
		_, err := in.Next(ctx)
		if err != nil {
			if !strings.Contains(err.Error(), "without credit") || !strings.Contains(err.Error(), id.String()) {
				t.Fatalf("error: %v", err)
			}
			break
		}
	}
}

// TestReceiverClose fails waiting consumers and rejects bad handshakes.
func TestReceiverClose(t *testing.T) {
	checkNoLeaks(t)
	ctx := testCtx(t)
	r, err := Listen("127.0.0.1:0", ReceiverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	in := r.Channel(ChannelID{Job: "never"})
	errc := make(chan error, 1)
	go func() { _, err := in.Next(ctx); errc <- err }()
	if _, err := Dial(ctx, "127.0.0.1:1", SenderOptions{DialTimeout: time.Second}); err == nil {
		t.Error("dial to a closed port succeeded")
	}
	r.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Fatalf("Next on a closed receiver: %v", err)
	}
	r.Close()
}

func TestContextCancelUnblocksSend(t *testing.T) {
	checkNoLeaks(t)
	_, s, _ := pair(t, ReceiverOptions{Credits: 1}, false)
	out, err := s.Open(ChannelID{Job: "ctx"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	waitFor(t, func() bool { return out.Credit() == 1 })
	if err := out.Send(ctx, rt.Message{Kind: rt.MsgWatermark}); err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	if err := out.Send(ctx, rt.Message{Kind: rt.MsgWatermark}); !errors.Is(err, context.Canceled) {
		t.Fatalf("blocked send after cancel: %v", err)
	}
}
