package state

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

func TestOperatorStateRoundTrip(t *testing.T) {
	s := NewOperatorState()
	s.Lists["offsets"] = [][]byte{[]byte("p0:10"), []byte("p1:20"), {}}
	s.Unions["splits"] = [][]byte{[]byte("s1")}
	s.Broadcast["rules"] = map[string][]byte{"r1": []byte("x"), "r2": nil}
	blob := s.Encode()
	got, err := DecodeOperatorState(blob)
	must(t, err)
	if fmt.Sprint(got) != fmt.Sprint(s) {
		t.Fatalf("round trip: %v, want %v", got, s)
	}
	if string(s.Encode()) != string(blob) {
		t.Fatal("encoding not deterministic")
	}
	empty, err := DecodeOperatorState(nil)
	must(t, err)
	if len(empty.Lists)+len(empty.Unions)+len(empty.Broadcast) != 0 {
		t.Fatal("nil blob not empty")
	}
	bad := append([]byte(nil), blob...)
	bad[len(bad)/2] ^= 1
	if _, err := DecodeOperatorState(bad); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("corrupt blob: %v", err)
	}
}

func TestRedistributeOperatorState(t *testing.T) {
	// Old subtasks hold list elements "o<i>-<j>", union "u<i>", the same
	// broadcast state.
	old := func(p, per int) [][]byte {
		var blobs [][]byte
		for i := 0; i < p; i++ {
			s := NewOperatorState()
			for j := 0; j < per; j++ {
				s.Lists["l"] = append(s.Lists["l"], []byte(fmt.Sprintf("o%d-%d", i, j)))
			}
			s.Unions["u"] = [][]byte{[]byte(fmt.Sprintf("u%d", i))}
			s.Broadcast["b"] = map[string][]byte{"k": []byte("v")}
			blobs = append(blobs, s.Encode())
		}
		return blobs
	}
	for _, c := range []struct{ from, per, to int }{{2, 3, 2}, {1, 5, 3}, {3, 2, 2}, {4, 1, 8}, {2, 0, 3}} {
		t.Run(fmt.Sprintf("%dto%d", c.from, c.to), func(t *testing.T) {
			blobs := old(c.from, c.per)
			var all []string
			sizes := map[int]int{}
			for sub := 0; sub < c.to; sub++ {
				s, err := RedistributeOperatorState(blobs, sub, c.to)
				must(t, err)
				for _, e := range s.Lists["l"] {
					all = append(all, string(e))
				}
				sizes[sub] = len(s.Lists["l"])
				if len(s.Unions["u"]) != c.from {
					t.Fatalf("subtask %d: union has %d elements, want %d", sub, len(s.Unions["u"]), c.from)
				}
				if string(s.Broadcast["b"]["k"]) != "v" {
					t.Fatalf("subtask %d: broadcast state missing", sub)
				}
				if c.from == c.to {
					for _, e := range s.Lists["l"] {
						if !strings.HasPrefix(string(e), fmt.Sprintf("o%d-", sub)) {
							t.Fatalf("same parallelism: subtask %d got %s", sub, e)
						}
					}
				}
			}
			if len(all) != c.from*c.per {
				t.Fatalf("%d list elements after redistribution, want %d", len(all), c.from*c.per)
			}
			sort.Strings(all)
			for i := 1; i < len(all); i++ {
				if all[i] == all[i-1] {
					t.Fatalf("element %s duplicated", all[i])
				}
			}
			if c.from != c.to {
				for sub, n := range sizes {
					if d := n - c.from*c.per/c.to; d < 0 || d > 1 {
						t.Fatalf("subtask %d got %d of %d elements: not round-robin", sub, n, c.from*c.per)
					}
				}
			}
		})
	}
	if _, err := RedistributeOperatorState(nil, 3, 3); err == nil {
		t.Fatal("subtask out of range accepted")
	}
	if _, err := RedistributeOperatorState([][]byte{[]byte("junk-data")}, 0, 1); err == nil || !strings.Contains(err.Error(), "old subtask 0") {
		t.Fatalf("junk blob: %v", err)
	}
}
