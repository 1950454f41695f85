//go:build !unix

package main

import (
	"errors"
	"os"
)

// fullScreenSupported: the full-screen result views need a Unix terminal;
// elsewhere TABLE and CHANGELOG results print as on piped input.
const fullScreenSupported = false

func terminalSize(*os.File) (w, h int, plain bool) { return plainWidth, plainHeight, true }

// Sizes Flink assumes for a terminal whose size is unknown.
const plainWidth, plainHeight = 80, 30

func (c *client) runResultView(in, out *os.File, st *resultState, feed *resultFeed) error {
	return errors.New("full-screen result views need a Unix terminal")
}

// fatalSignal is a signal that ends the client (never on these systems).
type fatalSignal struct{}

func (f *fatalSignal) Error() string { return "" }
func (f *fatalSignal) raise()        {}
