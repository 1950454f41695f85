package state

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"testing"
)

// TestChangelogCompactedSegments: with few keys changed many times between
// checkpoints, the segments leave out the changes later ones replace, and
// every checkpoint of the chain (log-only ones after a materialization)
// still restores exactly, at parallelism 1 and 2. Seeded: list, map, value
// and clear changes interleave, so superseded and surviving changes mix
// under the same key records.
func TestChangelogCompactedSegments(t *testing.T) {
	for _, inner := range []BackendType{BackendHeap, BackendPebble} {
		for seed := int64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/seed=%d", inner, seed), func(t *testing.T) {
				rng := rand.New(rand.NewSource(seed))
				k := backendKind{inner.String() + "+changelog", inner, true}
				b := newTestBackend(t, k, 0, 1, nil).(*ChangelogBackend)
				st := registerTestStates(t, b)
				m := newModel()
				store := NewMemoryStore()
				var raw, written int64
				for id := int64(1); id <= 8; id++ {
					start := b.log.end
					for i := 0; i < 2000; i++ {
						key := fmt.Sprintf("key-%d", rng.Intn(20))
						setKey(b, key)
						switch r := rng.Intn(10); {
						case r < 6:
							v := fmt.Sprintf("v%d-%d", id, i)
							must(t, st.v.Update([]byte(v)))
							m.v[key] = v
						case r == 6:
							must(t, st.v.Clear())
							delete(m.v, key)
						case r == 7:
							e := fmt.Sprintf("e%d", i)
							must(t, st.l.Add([]byte(e)))
							m.l[key] = append(m.l[key], e)
						case r == 8:
							if rng.Intn(4) == 0 {
								must(t, st.l.Clear())
								delete(m.l, key)
							} else {
								vs := [][]byte{[]byte(fmt.Sprintf("u%d", i))}
								must(t, st.l.Update(vs))
								m.l[key] = []string{string(vs[0])}
							}
						default:
							mk, v := fmt.Sprintf("mk%d", rng.Intn(3)), fmt.Sprintf("mv%d", i)
							must(t, st.m.Put([]byte(mk), []byte(v)))
							if m.m[key] == nil {
								m.m[key] = map[string]string{}
							}
							m.m[key][mk] = v
						}
					}
					p, err := b.Snapshot(id)
					must(t, err)
					w := &countingWriter{MemoryStore: store}
					hd, err := p.Write(w)
					must(t, err)
					if id > 1 { // the first one materializes
						raw += b.log.end - start
						written += w.bytes.Load()
					}
					checkRestores(t, k, id, MarshalHandle(hd), store, m.clone())
					b.NotifyCheckpointComplete(id)
				}
				t.Logf("log-only checkpoints uploaded %d bytes of %d logged", written, raw)
				if written*4 > raw {
					t.Fatalf("segments of 20 keys changed 2000 times each checkpoint: %d bytes uploaded of %d logged; want under a quarter", written, raw)
				}
			})
		}
	}
}

// TestCompactViewRules checks the rules on hand-made records: superseded
// changes go, the context stays, changes before the first key are kept.
func TestCompactViewRules(t *testing.T) {
	rec := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	K := func(kg uint64, key string) []byte {
		return appendBytes(binary.AppendUvarint([]byte{'K'}, kg), []byte(key))
	}
	u := func(id uint64, v string) []byte { return appendBytes(binary.AppendUvarint([]byte{'u'}, id), []byte(v)) }
	c := func(id uint64) []byte { return binary.AppendUvarint([]byte{'c'}, id) }
	a := func(id uint64, v string) []byte { return appendBytes(binary.AppendUvarint([]byte{'a'}, id), []byte(v)) }
	T := func(ms uint64) []byte { return binary.AppendUvarint([]byte{'T'}, ms) }
	put := func(id uint64, k, v string) []byte {
		return appendBytes(appendBytes(binary.AppendUvarint([]byte{'p'}, id), []byte(k)), []byte(v))
	}
	rm := func(id uint64, k string) []byte { return appendBytes(binary.AppendUvarint([]byte{'r'}, id), []byte(k)) }
	cases := []struct {
		name      string
		in, want  []byte
		unchanged bool
	}{
		{"value updates", rec(K(1, "a"), u(0, "1"), u(0, "2"), K(1, "b"), u(0, "x"), K(1, "a"), u(0, "3")),
			rec(K(1, "b"), u(0, "x"), K(1, "a"), u(0, "3")), false},
		{"clear supersedes", rec(K(1, "a"), a(2, "e1"), a(2, "e2"), T(5), c(2)), rec(T(5), K(1, "a"), c(2)), false},
		{"other state or key group kept", rec(K(1, "a"), u(0, "1"), u(1, "1"), K(2, "a"), u(0, "2")), rec(K(1, "a"), u(0, "1"), u(1, "1"), K(2, "a"), u(0, "2")), true},
		{"before the first key", rec(u(0, "1"), K(1, "a"), u(0, "2")), rec(u(0, "1"), K(1, "a"), u(0, "2")), true},
		{"map entries", rec(K(1, "a"), put(3, "k1", "v1"), put(3, "k2", "x"), put(3, "k1", "v2"), K(1, "b"), put(3, "k1", "y")),
			rec(K(1, "a"), put(3, "k2", "x"), put(3, "k1", "v2"), K(1, "b"), put(3, "k1", "y")), false},
		{"map remove and clear", rec(K(1, "a"), put(3, "k1", "v1"), rm(3, "k1"), put(3, "k2", "x"), c(3), put(3, "k3", "z")),
			rec(K(1, "a"), c(3), put(3, "k3", "z")), false},
		{"map key is not the value", rec(K(1, "a"), put(3, "k1", "k2"), put(3, "k2", "k1")), rec(K(1, "a"), put(3, "k1", "k2"), put(3, "k2", "k1")), true},
		{"last key stays", rec(K(1, "a"), u(0, "1"), K(1, "b"), u(0, "x"), K(1, "a"), u(0, "2"), K(1, "b")),
			rec(K(1, "b"), u(0, "x"), K(1, "a"), u(0, "2"), K(1, "b")), false},
	}
	for _, tc := range cases {
		half := len(tc.in) / 2
		// Split between two chunks at a record boundary when possible, to
		// check keys in one chunk and changes in another.
		views := [][][]byte{{tc.in}}
		for i := 1; i < len(tc.in); i++ {
			if tc.in[i] == 'K' && i >= half {
				views = append(views, [][]byte{tc.in[:i], tc.in[i:]})
				break
			}
		}
		for _, v := range views {
			got, dropped := compactView(v)
			if dropped == tc.unchanged {
				t.Errorf("%s: dropped = %v", tc.name, dropped)
			}
			if dropped && string(got) != string(tc.want) {
				t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
			}
		}
	}
}
