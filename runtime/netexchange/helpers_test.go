package netexchange

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	rt "github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// checkNoLeaks fails the test if goroutines of this package (the sender's
// reader, the receiver's accept loop and connections) or more goroutines
// than at the start are still alive once the test's cleanups ran. Call it
// first so its cleanup runs last.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			ours := 0
			for _, g := range strings.Split(string(buf), "\n\n") {
				if strings.Contains(g, "netexchange.(*Sender)") || strings.Contains(g, "netexchange.(*inConn)") ||
					strings.Contains(g, "netexchange.(*Receiver)") || strings.Contains(g, "netexchange.(*proxy)") {
					ours++
				}
			}
			n := runtime.NumGoroutine()
			if ours == 0 && n <= before {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("goroutine leak: %d of ours, %d now vs %d before:\n%s", ours, n, before, buf)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// testCtx is a context ending with the test (or after 60s).
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// ---- a TCP proxy that parses the frames it forwards ----

// proxy forwards one connection to target, parsing frames in both
// directions: it checks on the wire that no data frame is ever sent
// without credit, and can cut the connection mid-stream.
type proxy struct {
	ln     net.Listener
	target string

	mu       sync.Mutex
	conns    []net.Conn
	outLocal string // local address of the proxy's connection to the target
	credit   map[uint32]int64
	frames   map[uint32]int64
	err      error // first violation seen
	wg       sync.WaitGroup
	accepted chan struct{}
	dataSeen atomic.Int64
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, credit: map[uint32]int64{}, frames: map[uint32]int64{}, accepted: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	in, err := p.ln.Accept()
	if err != nil {
		return
	}
	out, err := net.Dial("tcp", p.target)
	if err != nil {
		in.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, in, out)
	p.outLocal = out.LocalAddr().String()
	p.mu.Unlock()
	close(p.accepted)
	p.wg.Add(2)
	go p.pump(in, out, true)
	go p.pump(out, in, false)
}

func (p *proxy) violation(err error) {
	p.mu.Lock()
	if p.err == nil {
		p.err = err
	}
	p.mu.Unlock()
}

// pump copies frames from src to dst. toReceiver is the data direction.
func (p *proxy) pump(src, dst net.Conn, toReceiver bool) {
	defer p.wg.Done()
	defer func() {
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}()
	var hs [8]byte
	if _, err := io.ReadFull(src, hs[:]); err != nil {
		return
	}
	if _, err := dst.Write(hs[:]); err != nil {
		return
	}
	fr := frameReader{r: src}
	var out []byte
	for {
		typ, ch, payload, err := fr.next()
		if err != nil {
			return
		}
		p.mu.Lock()
		switch {
		case !toReceiver && typ == frameCredit:
			// Count the credit before forwarding it: the sender can use it
			// only after it passed here.
			p.credit[ch] += int64(binary.LittleEndian.Uint32(payload))
		case toReceiver && typ >= frameBatch && typ <= frameEnd:
			p.frames[ch]++
			if p.frames[ch] > p.credit[ch] {
				if p.err == nil {
					p.err = fmt.Errorf("channel number %d: data frame %d sent with only %d credits", ch, p.frames[ch], p.credit[ch])
				}
			}
			p.dataSeen.Add(1)
		}
		p.mu.Unlock()
		out = appendHeader(out[:0], typ, ch, len(payload))
		out = append(out, payload...)
		if _, err := dst.Write(out); err != nil {
			return
		}
	}
}

// cut closes both sockets (mid-stream).
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // reset, as a crashed peer or a broken link
		}
		c.Close()
	}
}

func (p *proxy) close() error {
	p.ln.Close()
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	return p.err
}

// ---- batches ----

var allTypes = []*types.Type{
	types.Null,
	types.Boolean,
	types.TinyInt,
	types.SmallInt,
	types.Int.WithNullable(false),
	types.BigInt,
	types.Float,
	types.Double,
	types.Decimal(10, 2),
	types.Decimal(38, 10),
	types.Char(5),
	types.String,
	types.VarChar(7),
	{Kind: types.KindBinary, Length: 3},
	types.Bytes,
	types.Date,
	types.Time,
	types.Timestamp(3).WithTimeAttr(types.RowTime),
	types.TimestampLTZ(6),
	{Kind: types.KindIntervalYearMonth, Precision: 2},
	{Kind: types.KindIntervalDayTime, Precision: 2, Scale: 3},
	types.ArrayOf(types.Int),
	types.MapOf(types.String, types.Double),
	types.RowOf(types.Field{Name: "a", Type: types.Int}, types.Field{Name: "b", Type: types.String}),
	types.ArrayOf(types.RowOf(types.Field{Name: "x", Type: types.ArrayOf(types.Decimal(5, 1))})),
}

// fillValue appends a deterministic value for row i to v (NULL when null).
func fillValue(v *types.Vector, i int, null bool) {
	if null {
		v.AppendNull()
		return
	}
	t := v.Type
	switch t.Kind.Physical() {
	case types.PhysNone:
		v.AppendNull()
	case types.PhysBool:
		v.AppendBool(i%2 == 0)
	case types.PhysInt64:
		v.AppendInt(int64(i*7919) - 1<<40 + int64(t.Kind))
	case types.PhysFloat64:
		v.AppendFloat(float64(i) * -1.25)
	case types.PhysDecimal:
		var d apd.Decimal
		if t.Precision > 20 {
			d.SetString(fmt.Sprintf("-%d12345678901234567890.0123456789", i))
		} else {
			d.SetFinite(int64(i*101-50), -int32(t.Scale))
		}
		v.AppendDecimal(&d)
	case types.PhysBytes:
		v.AppendString(strings.Repeat(string(rune('a'+i%26)), i%9))
	case types.PhysArray:
		for k := 0; k < i%4; k++ {
			fillValue(v.Children[0], i+k, (i+k)%5 == 0)
		}
		v.CloseNested()
	case types.PhysMap:
		for k := 0; k < i%3; k++ {
			fillValue(v.Children[0], i+k, false)
			fillValue(v.Children[1], i+k, k == 1)
		}
		v.CloseNested()
	case types.PhysRow:
		for k, c := range v.Children {
			fillValue(c, i+k, (i+k)%4 == 0)
		}
		v.CloseRow()
	}
}

// makeBatch builds n rows of ts with NULLs and (when kinds) row kinds.
func makeBatch(ts []*types.Type, n int, kinds bool) *types.Batch {
	b := types.NewBatch(ts, n)
	for i := 0; i < n; i++ {
		if kinds {
			b.AppendKind(types.RowKind(i % 4))
		}
		for c, v := range b.Cols {
			fillValue(v, i, !ts[c].NotNull && (i+c)%3 == 0)
		}
		b.Len++
	}
	return b
}

// vecEqual compares row i of a with row j of b by value.
func vecEqual(a *types.Vector, i int, b *types.Vector, j int) error {
	if a.IsNull(i) != b.IsNull(j) {
		return fmt.Errorf("null %v vs %v", a.IsNull(i), b.IsNull(j))
	}
	if a.IsNull(i) {
		return nil
	}
	switch a.Type.Kind.Physical() {
	case types.PhysBool:
		if a.Bools[i] != b.Bools[j] {
			return fmt.Errorf("bool %v vs %v", a.Bools[i], b.Bools[j])
		}
	case types.PhysInt64:
		if a.Ints[i] != b.Ints[j] {
			return fmt.Errorf("int %d vs %d", a.Ints[i], b.Ints[j])
		}
	case types.PhysFloat64:
		if a.Floats[i] != b.Floats[j] {
			return fmt.Errorf("float %v vs %v", a.Floats[i], b.Floats[j])
		}
	case types.PhysDecimal:
		x, y := &a.Decs[i], &b.Decs[j]
		if x.Form != y.Form || x.Negative != y.Negative || x.Exponent != y.Exponent || x.Coeff.Cmp(&y.Coeff) != 0 {
			return fmt.Errorf("decimal %s vs %s", x, y)
		}
	case types.PhysBytes:
		if !bytes.Equal(a.Bytes(i), b.Bytes(j)) {
			return fmt.Errorf("bytes %q vs %q", a.Bytes(i), b.Bytes(j))
		}
	case types.PhysArray, types.PhysMap:
		if a.ArrayLen(i) != b.ArrayLen(j) {
			return fmt.Errorf("len %d vs %d", a.ArrayLen(i), b.ArrayLen(j))
		}
		for k := 0; k < a.ArrayLen(i); k++ {
			for c := range a.Children {
				if err := vecEqual(a.Children[c], int(a.Offsets[i])+k, b.Children[c], int(b.Offsets[j])+k); err != nil {
					return fmt.Errorf("element %d: %w", k, err)
				}
			}
		}
	case types.PhysRow:
		for c := range a.Children {
			if err := vecEqual(a.Children[c], i, b.Children[c], j); err != nil {
				return fmt.Errorf("field %d: %w", c, err)
			}
		}
	}
	return nil
}

func batchEqual(a, b *types.Batch) error {
	if a.Len != b.Len || len(a.Cols) != len(b.Cols) {
		return fmt.Errorf("shape %dx%d vs %dx%d", a.Len, len(a.Cols), b.Len, len(b.Cols))
	}
	for c := range a.Cols {
		if !a.Cols[c].Type.Equal(b.Cols[c].Type, false) {
			return fmt.Errorf("column %d: type %s vs %s", c, a.Cols[c].Type, b.Cols[c].Type)
		}
		if b.Cols[c].Len != b.Len {
			return fmt.Errorf("column %d: len %d, batch %d", c, b.Cols[c].Len, b.Len)
		}
	}
	for i := 0; i < a.Len; i++ {
		if a.Kind(i) != b.Kind(i) {
			return fmt.Errorf("row %d: kind %s vs %s", i, a.Kind(i), b.Kind(i))
		}
		for c := range a.Cols {
			if err := vecEqual(a.Cols[c], i, b.Cols[c], i); err != nil {
				return fmt.Errorf("row %d column %d (%s): %w", i, c, a.Cols[c].Type, err)
			}
		}
	}
	return nil
}

// pair starts a receiver and a sender connected to it (through a proxy
// when withProxy) and closes them at the end of the test.
func pair(t *testing.T, ropts ReceiverOptions, withProxy bool) (*Receiver, *Sender, *proxy) {
	t.Helper()
	r, err := Listen("127.0.0.1:0", ropts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	addr := r.Addr()
	var p *proxy
	if withProxy {
		p = newProxy(t, addr)
		t.Cleanup(func() {
			if err := p.close(); err != nil {
				t.Errorf("wire check: %v", err)
			}
		})
		addr = p.addr()
	}
	s, err := Dial(context.Background(), addr, SenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return r, s, p
}

var _ = rt.MsgBatch
