package s3test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Proxy is a fault-injecting HTTP proxy in front of the server: requests
// whose path contains a given string can be answered with an error status
// (as a throttling or failing S3 would), or have their connection reset
// mid-request. Safe for concurrent use.
type Proxy struct {
	URL string // http://127.0.0.1:port, the endpoint to give the client

	mu     sync.Mutex
	faults []*fault
	seen   int // requests that hit a fault
}

type fault struct {
	method, match string
	status        int // 0: reset the connection
	left          int // requests still to fail; <0 forever
}

// NewProxy starts a proxy to s, stopped when t ends.
func (s Server) NewProxy(t testing.TB) *Proxy {
	t.Helper()
	target, err := url.Parse(s.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{}
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f := p.take(r); f != nil {
			if f.status == 0 {
				if hj, ok := w.(http.Hijacker); ok {
					if c, _, err := hj.Hijack(); err == nil {
						if tc, ok := c.(*net.TCPConn); ok {
							tc.SetLinger(0) // RST, not FIN
						}
						c.Close()
						return
					}
				}
			}
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(f.status)
			code := "InternalError"
			if f.status == http.StatusServiceUnavailable {
				code = "SlowDown"
			}
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>injected by s3test.Proxy</Message></Error>`))
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Fail makes the next n requests (n < 0: all) with method whose path
// contains match fail with status; status 0 resets their connections.
func (p *Proxy) Fail(method, match string, status, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append(p.faults, &fault{method: method, match: match, status: status, left: n})
}

// Clear removes every fault.
func (p *Proxy) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = nil
}

// Hits returns how many requests met a fault.
func (p *Proxy) Hits() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen
}

func (p *Proxy) take(r *http.Request) *fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.faults {
		if f.left == 0 || (f.method != "" && f.method != r.Method) || !strings.Contains(r.URL.Path, f.match) {
			continue
		}
		if f.left > 0 {
			f.left--
		}
		p.seen++
		return f
	}
	return nil
}
