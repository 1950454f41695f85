package state

import (
	"hash/maphash"
	"math/bits"
)

// keyFilter is an in-memory Bloom filter of the keys that were ever
// written to a Pebble database, so that a read of a key never written
// skips Pebble (a point read visits the memtables and every level to find
// nothing; most keys an aggregation or a join sees for the first time are
// new). The backend keeps two: one of data keys (value state, list state,
// map entries) and one of map key prefixes (kg | sid |
// len | key), for the map cache's loads of whole maps — a join loads two
// empty maps per new key. It only ever answers "certainly never written"
// or "maybe"; deletions leave a key in. It grows as a scalable Bloom
// filter: a new layer of four times the capacity when the last one is
// full, each a blocked Bloom filter (a key's probes in one 64-byte block:
// one cache miss per layer) at keyFilterBitsPerKey bits per key (1–2 %
// false positives per layer). It knows nothing of a restored database
// (complete is false).
type keyFilter struct {
	seed     maphash.Seed
	layers   []filterLayer
	complete bool // every prefix in the database was added
}

type filterLayer struct {
	bits  []uint64
	n     int // prefixes added
	limit int // capacity
}

const (
	keyFilterBitsPerKey = 12
	keyFilterProbes     = 7
	keyFilterFirst      = 1 << 14
	keyFilterGrowth     = 4
)

func newKeyFilter() keyFilter {
	return keyFilter{seed: maphash.MakeSeed(), complete: true}
}

// add records that key p was written.
func (f *keyFilter) add(p []byte) {
	if f.complete {
		f.addHash(maphash.Bytes(f.seed, p))
	}
}

// addString is add of a key held as a string.
func (f *keyFilter) addString(p string) {
	if f.complete {
		f.addHash(maphash.String(f.seed, p))
	}
}

func (f *keyFilter) addHash(h uint64) {
	if f.mayContainHash(h) {
		return // counted already (or a false positive: no matter)
	}
	if len(f.layers) == 0 || f.layers[len(f.layers)-1].n >= f.layers[len(f.layers)-1].limit {
		limit := keyFilterFirst
		if len(f.layers) > 0 {
			limit = f.layers[len(f.layers)-1].limit * keyFilterGrowth
		}
		blocks := (limit*keyFilterBitsPerKey + 511) / 512
		f.layers = append(f.layers, filterLayer{bits: make([]uint64, blocks*8), limit: limit})
	}
	l := &f.layers[len(f.layers)-1]
	l.n++
	blk := l.block(h)
	for i := range keyFilterProbes {
		x := uint32(h>>32) + uint32(i)*(uint32(h)|1)
		blk[x>>6&7] |= 1 << (x & 63)
	}
}

// block is the 512-bit block (one cache line) of h's bits in l.
func (l *filterLayer) block(h uint64) []uint64 {
	nb := uint64(len(l.bits) / 8)
	b, _ := bits.Mul64(h, nb) // h·nb / 2^64: uniform in [0, nb)
	return l.bits[b*8 : b*8+8 : b*8+8]
}

// mayContain reports whether key p may have been written (always true
// when the filter is not complete).
func (f *keyFilter) mayContain(p []byte) bool {
	return !f.complete || f.mayContainHash(maphash.Bytes(f.seed, p))
}

func (f *keyFilter) mayContainHash(h uint64) bool {
	for li := range f.layers {
		blk := f.layers[li].block(h)
		hit := true
		for i := range keyFilterProbes {
			x := uint32(h>>32) + uint32(i)*(uint32(h)|1)
			if blk[x>>6&7]&(1<<(x&63)) == 0 {
				hit = false
				break
			}
		}
		if hit {
			return true
		}
	}
	return false
}

// forget makes the filter answer "maybe" from now on (the database holds
// keys it never saw: a restore).
func (f *keyFilter) forget() {
	f.complete = false
	f.layers = nil
}
