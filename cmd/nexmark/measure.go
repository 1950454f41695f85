package main

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time (getrusage RUSAGE_SELF).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssBytes is the process's resident set size from /proc/self/statm
// (0 where there is none).
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// rssSampler records the peak RSS while one query runs: the process-wide
// maxrss cannot be reset between queries, so the harness samples. It also
// samples the job's state size (stateFn; ok false while there is no job).
type rssSampler struct {
	stop      chan struct{}
	wg        sync.WaitGroup
	peak      int64
	stateFn   func() (int64, bool)
	peakState int64 // -1 until stateFn reported a size
}

const sampleEvery = 20 * time.Millisecond

func startRSS(stateFn func() (int64, bool)) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), peak: rssBytes(), stateFn: stateFn, peakState: -1}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(sampleEvery)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.peak = max(s.peak, rssBytes())
				s.sampleState()
			}
		}
	}()
	return s
}

func (s *rssSampler) sampleState() {
	if s.stateFn == nil {
		return
	}
	if b, ok := s.stateFn(); ok {
		s.peakState = max(s.peakState, b)
	}
}

// done stops sampling and returns the peak RSS and the peak state size in
// bytes (-1 when no state size was seen).
func (s *rssSampler) done() (rss, state int64) {
	close(s.stop)
	s.wg.Wait()
	s.sampleState()
	return max(s.peak, rssBytes()), s.peakState
}
