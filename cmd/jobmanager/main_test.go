package main

import (
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flinkgo/engine/planner"
)

func config(kv ...string) *planner.Config {
	c := planner.NewConfig()
	for i := 0; i+1 < len(kv); i += 2 {
		c.Set(kv[i], kv[i+1])
	}
	return c
}

func TestListenRPC(t *testing.T) {
	ln, addr, timeout, err := listenRPC(config("jobmanager.rpc.address", "127.0.0.1", "jobmanager.rpc.port", "0", "heartbeat.timeout", "5 s"), 6123)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	if port == 0 || addr != net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) || timeout != 5*time.Second {
		t.Fatalf("listenRPC = %s %s %s", ln.Addr(), addr, timeout)
	}
	// The port is taken now: a clear error naming the keys.
	_, _, _, err = listenRPC(config("jobmanager.rpc.address", "127.0.0.1", "jobmanager.rpc.port", strconv.Itoa(port)), 6123)
	if err == nil || !strings.Contains(err.Error(), "jobmanager.rpc.port") {
		t.Fatalf("port in use: %v", err)
	}
	// bind-host wins over the advertised address.
	ln2, addr2, _, err := listenRPC(config("jobmanager.rpc.address", "jm.example", "jobmanager.bind-host", "127.0.0.1", "jobmanager.rpc.port", "0"), 6123)
	if err != nil {
		t.Fatal(err)
	}
	ln2.Close()
	if !strings.HasPrefix(addr2, "jm.example:") || !strings.HasPrefix(ln2.Addr().String(), "127.0.0.1:") {
		t.Fatalf("bind-host: listening on %s, advertised %s", ln2.Addr(), addr2)
	}
	for _, bad := range [][]string{{"jobmanager.rpc.port", "70000"}, {"jobmanager.rpc.port", "x"}, {"heartbeat.timeout", "soon"}, {"heartbeat.timeout", "0"}} {
		if _, _, _, err := listenRPC(config(append(bad, "jobmanager.rpc.address", "127.0.0.1")...), 6123); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestThrowawayClustersDoNotCollide: with rest.port=0 and no
// jobmanager.rpc.port, each cluster takes a free RPC port, so two run side
// by side (as tests start them).
func TestThrowawayClustersDoNotCollide(t *testing.T) {
	t.Setenv("FLINK_CONF_DIR", "")
	rpcLine := regexp.MustCompile(`RPC endpoint for TaskManagers at localhost:(\d+) `)
	var ports []string
	var stops []chan struct{}
	var dones []chan int
	var outs []*syncBuffer
	for i := 0; i < 2; i++ {
		out, errOut, stop, done := &syncBuffer{}, &syncBuffer{}, make(chan struct{}), make(chan int, 1)
		go func() { done <- run([]string{"-D", "rest.port=0"}, out, errOut, stop) }()
		deadline := time.Now().Add(60 * time.Second)
		for rpcLine.FindStringSubmatch(out.String()) == nil {
			select {
			case code := <-done:
				t.Fatalf("jobmanager %d exited %d:\n%s%s", i, code, out, errOut)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("jobmanager %d printed no RPC endpoint:\n%s%s", i, out, errOut)
			}
			time.Sleep(10 * time.Millisecond)
		}
		ports = append(ports, rpcLine.FindStringSubmatch(out.String())[1])
		stops, dones, outs = append(stops, stop), append(dones, done), append(outs, out)
	}
	if ports[0] == ports[1] || ports[0] == "6123" {
		t.Fatalf("RPC ports %v", ports)
	}
	for i := range stops {
		close(stops[i])
		select {
		case code := <-dones[i]:
			if code != 0 || !strings.Contains(outs[i].String(), "JobManager stopped.") {
				t.Fatalf("jobmanager %d: exit %d\n%s", i, code, outs[i])
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("jobmanager %d did not stop", i)
		}
	}
}
