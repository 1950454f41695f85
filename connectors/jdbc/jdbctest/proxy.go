package jdbctest

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// MySQL protocol commands a test may count with Proxy.Commands.
const (
	ComStmtPrepare = 0x16
	ComStmtExecute = 0x17
)

// Proxy forwards TCP connections to a database server and can cut them,
// standing in for a server outage or restart in tests. It counts the
// commands clients send (Commands), so tests can tell how often a
// statement was tried.
type Proxy struct {
	l        net.Listener
	target   string
	mu       sync.Mutex
	conns    []net.Conn
	down     bool
	commands [256]atomic.Int64
}

// NewProxy listens on a free local port and forwards to target
// ("host:port"); it is closed when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{l: l, target: target}
	go p.serve()
	t.Cleanup(func() { l.Close(); p.Cut(false) })
	return p
}

// Addr is the proxy's "127.0.0.1:port".
func (p *Proxy) Addr() string { return p.l.Addr().String() }

func (p *Proxy) serve() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() { io.Copy(s, &commandCounter{r: c, p: p}); s.Close() }()
		go func() { io.Copy(c, s); c.Close() }()
	}
}

// Cut closes every open connection; with down, new connections are
// refused (accepted and closed at once) until Up.
func (p *Proxy) Cut(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns, p.down = nil, down
}

// Up accepts connections again.
func (p *Proxy) Up() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// Commands returns how many command packets with command byte cmd (e.g.
// ComStmtExecute) clients sent through the proxy so far. Connections must
// not use TLS or compression.
func (p *Proxy) Commands(cmd byte) int64 { return p.commands[cmd].Load() }

// commandCounter reads a client's side of the MySQL protocol and counts
// its commands: the first payload byte of each packet with sequence id 0.
// A packet is a 3-byte little-endian payload length, a sequence id and
// the payload.
type commandCounter struct {
	r    io.Reader
	p    *Proxy
	hdr  [4]byte
	nhdr int  // header bytes read of the next packet
	left int  // payload bytes left of the current packet
	cmd  bool // the next payload byte is a command
}

func (c *commandCounter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	for rest := b[:n]; len(rest) > 0; {
		if c.left == 0 {
			k := copy(c.hdr[c.nhdr:], rest)
			c.nhdr += k
			rest = rest[k:]
			if c.nhdr == len(c.hdr) {
				c.left = int(c.hdr[0]) | int(c.hdr[1])<<8 | int(c.hdr[2])<<16
				c.cmd, c.nhdr = c.hdr[3] == 0, 0
			}
			continue
		}
		if c.cmd {
			c.p.commands[rest[0]].Add(1)
			c.cmd = false
		}
		k := min(c.left, len(rest))
		c.left -= k
		rest = rest[k:]
	}
	return n, err
}
