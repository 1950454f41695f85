package state

import (
	"fmt"
	"math/rand"
	"sort"
	"testing"
)

func TestSharedRegistry(t *testing.T) {
	type step struct {
		op    string // register, release, discard, seed
		id    int64
		files []string
		want  []string // deletable (release, discard)
	}
	cases := []struct {
		name  string
		steps []step
		live  []string // Files() at the end
	}{
		{"release last reference deletes", []step{
			{op: "register", id: 1, files: []string{"a", "b"}},
			{op: "register", id: 2, files: []string{"b", "c"}},
			{op: "release", id: 1, want: []string{"a"}},
			{op: "release", id: 2, want: []string{"b", "c"}},
		}, nil},
		{"out of order release", []step{
			{op: "register", id: 1, files: []string{"a", "b"}},
			{op: "register", id: 2, files: []string{"a", "b", "c"}},
			{op: "register", id: 3, files: []string{"c", "d"}},
			{op: "release", id: 2, want: nil},
			{op: "release", id: 3, want: []string{"c", "d"}},
			{op: "release", id: 1, want: []string{"a", "b"}},
		}, nil},
		{"unknown and double release", []step{
			{op: "register", id: 1, files: []string{"a"}},
			{op: "release", id: 9, want: nil},
			{op: "release", id: 1, want: []string{"a"}},
			{op: "release", id: 1, want: nil},
		}, nil},
		{"duplicates within a checkpoint count once", []step{
			{op: "register", id: 1, files: []string{"a", "a", "b"}},
			{op: "register", id: 1, files: []string{"a", "c"}}, // again: adds c
			{op: "register", id: 2, files: []string{"a"}},
			{op: "release", id: 1, want: []string{"b", "c"}},
		}, []string{"a"}},
		{"empty checkpoint", []step{
			{op: "register", id: 1, files: nil},
			{op: "release", id: 1, want: nil},
		}, nil},
		{"discard aborted uploads", []step{
			{op: "register", id: 1, files: []string{"a", "b"}},
			{op: "discard", files: []string{"b", "x", "y", "x"}, want: []string{"x", "y"}},
		}, []string{"a", "b"}},
		{"seed from retained checkpoints", []step{
			{op: "seed", files: []string{"5:a", "5:b", "6:b", "6:c"}},
			{op: "register", id: 7, files: []string{"c", "d"}},
			{op: "release", id: 5, want: []string{"a"}},
			{op: "release", id: 6, want: []string{"b"}},
		}, []string{"c", "d"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewSharedRegistry()
			for i, s := range c.steps {
				var got []string
				switch s.op {
				case "register":
					r.Register(s.id, s.files)
					continue
				case "seed":
					m := map[int64][]string{}
					for _, f := range s.files {
						var id int64
						var name string
						fmt.Sscanf(f, "%d:%s", &id, &name)
						m[id] = append(m[id], name)
					}
					r.Seed(m)
					continue
				case "release":
					got = r.Release(s.id)
				case "discard":
					got = r.Discard(s.files)
				}
				if fmt.Sprint(got) != fmt.Sprint(s.want) {
					t.Fatalf("step %d %s %d: deletable %v, want %v", i, s.op, s.id, got, s.want)
				}
			}
			if got := r.Files(); fmt.Sprint(got) != fmt.Sprint(c.live) && !(len(got) == 0 && len(c.live) == 0) {
				t.Fatalf("Files() = %v, want %v", got, c.live)
			}
		})
	}
}

// TestSharedRegistryRandom checks the invariants over random histories: a
// file is returned as deletable exactly once, exactly when the last
// checkpoint referencing it is released, and never while referenced.
func TestSharedRegistryRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 200; round++ {
		r := NewSharedRegistry()
		retained := map[int64]map[string]bool{}
		deleted := map[string]bool{}
		next := int64(1)
		for op := 0; op < 60; op++ {
			if rng.Intn(3) > 0 || len(retained) == 0 {
				// Complete a checkpoint referencing a few old and new files
				// (never files already deleted: the backend only reuses
				// files of retained checkpoints).
				var files []string
				for id := range retained {
					for f := range retained[id] {
						if rng.Intn(2) == 0 {
							files = append(files, f)
						}
					}
				}
				for i := rng.Intn(3); i > 0; i-- {
					files = append(files, fmt.Sprintf("f%d-%d", next, i))
				}
				r.Register(next, files)
				retained[next] = map[string]bool{}
				for _, f := range files {
					retained[next][f] = true
				}
				next++
				continue
			}
			ids := make([]int64, 0, len(retained))
			for id := range retained {
				ids = append(ids, id)
			}
			sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
			id := ids[rng.Intn(len(ids))]
			files := retained[id]
			delete(retained, id)
			got := r.Release(id)
			for _, f := range got {
				if deleted[f] {
					t.Fatalf("round %d: %s deletable twice", round, f)
				}
				deleted[f] = true
				for other, fs := range retained {
					if fs[f] {
						t.Fatalf("round %d: %s deletable while checkpoint %d references it", round, f, other)
					}
				}
			}
			for f := range files {
				stillUsed := false
				for _, fs := range retained {
					stillUsed = stillUsed || fs[f]
				}
				if !stillUsed && !deleted[f] {
					t.Fatalf("round %d: %s unreferenced but not deletable", round, f)
				}
				if r.Referenced(f) != stillUsed {
					t.Fatalf("round %d: Referenced(%s) = %v", round, f, !stillUsed)
				}
			}
		}
		// Releasing everything leaves nothing behind.
		for id := range retained {
			r.Release(id)
		}
		if files := r.Files(); len(files) != 0 {
			t.Fatalf("round %d: %v left after releasing all", round, files)
		}
		if ids := r.Checkpoints(); len(ids) != 0 {
			t.Fatalf("round %d: checkpoints %v left", round, ids)
		}
	}
}
