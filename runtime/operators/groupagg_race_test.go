//go:build race

package operators

// raceEnabled: the race detector makes sync.Pool drop objects, so
// allocation counts are meaningless.
const raceEnabled = true
