//go:build unix

package main

import (
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// fullScreenSupported: TABLE and CHANGELOG results show in full-screen
// views on a terminal.
const fullScreenSupported = true

// Escape sequences of the terminal capabilities Flink's CliView uses.
const (
	enterFullScreen = "\x1b[?1049h\x1b[?25l" // enter_ca_mode, cursor_invisible
	leaveFullScreen = "\x1b[?25h\x1b[?1049l" // cursor_visible, exit_ca_mode
)

// Sizes Flink assumes for a terminal whose size is unknown (a "plain"
// terminal).
const plainWidth, plainHeight = 80, 30

// terminalSize is the size of the terminal out, or Flink's plain size
// when it is unknown; plain reports the latter.
func terminalSize(out *os.File) (w, h int, plain bool) {
	w, h, err := term.GetSize(int(out.Fd()))
	if err != nil || w <= 0 || h <= 0 {
		return plainWidth, plainHeight, true
	}
	return w, h, false
}

// runResultView shows st full-screen on the terminal (in, out) until the
// user leaves it (nil), the query fails (its error) or the client gets
// SIGINT. The terminal is in raw mode on the alternate screen meanwhile,
// and restored on every way out. Only this function reads in while it
// runs: the REPL's line editor reads nothing between two statements.
func (c *client) runResultView(in, out *os.File, st *resultState, feed *resultFeed) (err error) {
	fd := int(in.Fd())
	saved, err := term.MakeRaw(fd)
	if err != nil {
		return err
	}
	out.WriteString(enterFullScreen)
	defer func() {
		out.WriteString(leaveFullScreen)
		term.Restore(fd, saved)
	}()
	keys := make(chan key)
	stop := make(chan struct{})
	reading := make(chan struct{})
	go func() {
		defer close(reading)
		readKeys(fd, keys, stop)
	}()
	// Stop reading before the terminal is restored (deferred earlier,
	// run later), so that no key of the next prompt is lost.
	defer func() {
		close(stop)
		<-reading
	}()
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	defer signal.Stop(winch)
	// SIGTERM and SIGHUP end the client, but not before the terminal is
	// restored.
	fatal := make(chan os.Signal, 1)
	signal.Notify(fatal, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(fatal)

	w, h, _ := terminalSize(out)
	var shown time.Time
	display := func() {
		out.WriteString(screenText(st.screen(w), w, h))
		shown = time.Now()
	}
	refresh := func() error {
		u, err := feed.take()
		if err != nil {
			return err
		}
		st.refresh(u, time.Now(), h)
		return nil
	}
	display()
	next := time.Now().Add(st.refreshEvery())
	for {
		var tick <-chan time.Time
		if st.retrieving && st.sub == nil && st.refreshEvery() >= 0 {
			// Fastest refreshes all the time; this client every 25 ms.
			tick = time.After(max(time.Until(next), 25*time.Millisecond))
		}
		select {
		case k, ok := <-keys:
			if !ok {
				return nil // the terminal is gone
			}
			before := st.interval
			switch st.handle(k, w, h) {
			case effectQuit:
				return nil
			case effectRefresh:
				if err := refresh(); err != nil {
					return err
				}
			}
			if st.interval != before {
				next = time.Now().Add(st.refreshEvery())
			}
			display()
		case <-tick:
			if err := refresh(); err != nil {
				return err
			}
			next = time.Now().Add(st.refreshEvery())
			// Even the fastest refresh shows at most every 100 ms, and
			// the end of retrieval at once.
			if !st.retrieving || time.Since(shown) > 100*time.Millisecond {
				display()
			}
		case <-winch:
			w, h, _ = terminalSize(out)
			display()
		case <-c.signals:
			return errForcedInterrupt
		case sig := <-fatal:
			return &fatalSignal{sig}
		}
	}
}

// fatalSignal is a signal that ends the client, received while a view
// ran; raise raises it again once the terminal is restored.
type fatalSignal struct{ sig os.Signal }

func (f *fatalSignal) Error() string { return "received " + f.sig.String() }

// raise ends the process by the signal's default action.
func (f *fatalSignal) raise() {
	signal.Reset(f.sig)
	if s, ok := f.sig.(syscall.Signal); ok {
		syscall.Kill(os.Getpid(), s)
	}
	select {} // the signal ends the process
}

// readKeys sends the keys typed on the terminal fd until stop is closed,
// closing keys if the terminal fails. It polls rather than blocks in
// read, so that it can stop without consuming a byte meant for the REPL.
func readKeys(fd int, keys chan<- key, stop <-chan struct{}) {
	var pending []byte
	buf := make([]byte, 256)
	send := func(ks []key) bool {
		for _, k := range ks {
			select {
			case keys <- k:
			case <-stop:
				return false
			}
		}
		return true
	}
	for {
		select {
		case <-stop:
			return
		default:
		}
		timeout := 100
		if len(pending) > 0 {
			timeout = 200 // an ESC alone is the Escape key after 200 ms, as JLine's
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, timeout)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			close(keys)
			return
		}
		if n == 0 {
			if len(pending) > 0 {
				ks, _ := decodeKeys(pending, true)
				pending = nil
				if !send(ks) {
					return
				}
			}
			continue
		}
		m, err := unix.Read(fd, buf)
		if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
			continue
		}
		if err != nil || m <= 0 {
			close(keys)
			return
		}
		ks, rest := decodeKeys(append(pending, buf[:m]...), false)
		pending = append([]byte(nil), rest...)
		if !send(ks) {
			return
		}
	}
}
