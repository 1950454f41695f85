package jdbc

import (
	"testing"
	"time"

	"github.com/flinkgo/engine/runtime/types"
)

func TestPartialCache(t *testing.T) {
	rows := types.NewBatch([]*types.Type{intType}, 1)
	type op struct {
		at   int64  // ms
		put  string // key to put ("" = get)
		miss bool   // put a key without rows
		get  string
		hit  bool // expected result of get
	}
	tests := []struct {
		name string
		cfg  config
		ops  []op
	}{
		{"max rows evicts least recently used", config{cacheMaxRows: 2, cacheMissing: true}, []op{
			{put: "a"}, {put: "b"}, {get: "a", hit: true}, {put: "c"}, // b is the LRU
			{get: "b"}, {get: "a", hit: true}, {get: "c", hit: true}}},
		{"expire after write", config{cacheMaxRows: -1, cacheWrite: time.Second, cacheMissing: true}, []op{
			{at: 0, put: "a"}, {at: 500, get: "a", hit: true}, {at: 999, get: "a", hit: true}, {at: 1000, get: "a"}}},
		{"expire after access", config{cacheMaxRows: -1, cacheAccess: time.Second, cacheMissing: true}, []op{
			{at: 0, put: "a"}, {at: 900, get: "a", hit: true}, {at: 1800, get: "a", hit: true}, {at: 2800, get: "a"}}},
		{"missing keys cached", config{cacheMaxRows: 10, cacheMissing: true}, []op{
			{put: "a", miss: true}, {get: "a", hit: true}}},
		{"missing keys not cached", config{cacheMaxRows: 10, cacheMissing: false}, []op{
			{put: "a", miss: true}, {get: "a"}, {put: "b"}, {get: "b", hit: true}}},
		{"max rows 0 caches nothing", config{cacheMaxRows: 0, cacheMissing: true}, []op{
			{put: "a"}, {get: "a"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newPartialCache(&tc.cfg)
			for i, o := range tc.ops {
				if o.put != "" {
					e := &lookupEntry{key: o.put, rows: rows}
					if o.miss {
						e.rows = nil
					}
					c.put(e, o.at)
					continue
				}
				if got := c.get([]byte(o.get), o.at) != nil; got != o.hit {
					t.Fatalf("op %d: get(%s) at %d hit = %v, want %v", i, o.get, o.at, got, o.hit)
				}
			}
		})
	}
}
