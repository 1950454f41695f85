package runtime

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/flinkgo/engine/runtime/types"
)

// recordOp logs, in order, every value, snapshot and Finish it sees.
type recordOp struct {
	log []string
}

func (o *recordOp) Open(*OperatorContext, Output) error { return nil }
func (o *recordOp) ProcessBatch(_ int, b *types.Batch) error {
	for i := 0; i < b.Len; i++ {
		o.log = append(o.log, fmt.Sprintf("v%d", b.Cols[0].Ints[i]))
	}
	return nil
}
func (o *recordOp) ProcessWatermark(int64) error { return nil }
func (o *recordOp) SnapshotState(id int64) ([]byte, error) {
	if id == 0 {
		return nil, nil // the final state a finished task records
	}
	o.log = append(o.log, fmt.Sprintf("snap%d", id))
	return nil, nil
}
func (o *recordOp) NotifyCheckpointComplete(int64) error { return nil }
func (o *recordOp) Finish() error {
	o.log = append(o.log, "finish")
	return nil
}
func (o *recordOp) Close() error { return nil }

// recordTask is a task with n input channels (alternating between the two
// inputs of its head) feeding a recordOp.
func recordTask(n int, exactly bool) (*task, *recordOp) {
	tk, _ := unitTask(n, exactly)
	op := &recordOp{}
	tk.chain = []Operator{op}
	for i, c := range tk.channels {
		c.input = i % 2
	}
	return tk, op
}

func barrierMsg(id int64) Message {
	return Message{Kind: MsgBarrier, Barrier: Barrier{CheckpointID: id}}
}
func dataMsg(v int64) Message { return Message{Kind: MsgBatch, Batch: batchOf(v)} }

var endMsg = Message{Kind: MsgEndOfInput}

// TestAlignmentOrders drives two- and three-input tasks through the
// orders that once finished a chain twice or deadlocked it, and checks
// what the operator saw.
func TestAlignmentOrders(t *testing.T) {
	type step struct {
		ch  int
		msg Message
	}
	cases := []struct {
		name     string
		channels int
		exactly  bool
		steps    []step
		want     string
	}{{
		// The hang of issue 12: channel 0's end of input is held behind
		// barrier 1; channel 1's upstream finished without a barrier.
		name: "barrier then end on 0, end on 1", channels: 2, exactly: true,
		steps: []step{{0, barrierMsg(1)}, {0, endMsg}, {1, endMsg}},
		want:  "[snap1 finish]",
	}, {
		name: "end on 1 first", channels: 2, exactly: true,
		steps: []step{{1, endMsg}, {0, barrierMsg(1)}, {0, endMsg}},
		want:  "[snap1 finish]",
	}, {
		name: "data held behind the barrier", channels: 2, exactly: true,
		steps: []step{{0, dataMsg(1)}, {0, barrierMsg(1)}, {0, dataMsg(2)}, {0, endMsg}, {1, dataMsg(3)}, {1, barrierMsg(1)}, {1, dataMsg(4)}, {1, endMsg}},
		want:  "[v1 v3 snap1 v2 v4 finish]",
	}, {
		name: "second barrier queued behind the first", channels: 2, exactly: true,
		steps: []step{{0, barrierMsg(1)}, {0, dataMsg(1)}, {0, barrierMsg(2)}, {0, dataMsg(2)}, {0, endMsg}, {1, barrierMsg(1)}, {1, dataMsg(3)}, {1, endMsg}},
		want:  "[snap1 v1 v3 snap2 v2 finish]",
	}, {
		name: "newer barrier overtakes an aligning one", channels: 2, exactly: true,
		steps: []step{{0, barrierMsg(1)}, {0, dataMsg(1)}, {1, dataMsg(2)}, {1, barrierMsg(2)}, {0, barrierMsg(2)}, {0, endMsg}, {1, endMsg}},
		want:  "[v2 v1 snap2 finish]",
	}, {
		name: "stale barrier after the newer one completed", channels: 2, exactly: false,
		steps: []step{{0, barrierMsg(1)}, {0, barrierMsg(2)}, {1, barrierMsg(1)}, {1, barrierMsg(2)}, {0, endMsg}, {1, endMsg}},
		want:  "[snap2 finish]",
	}, {
		name: "three inputs, two ended", channels: 3, exactly: true,
		steps: []step{{2, endMsg}, {0, barrierMsg(1)}, {0, dataMsg(1)}, {0, endMsg}, {1, dataMsg(2)}, {1, endMsg}},
		want:  "[v2 snap1 v1 finish]",
	}, {
		name: "at-least-once does not block", channels: 2, exactly: false,
		steps: []step{{0, barrierMsg(1)}, {0, dataMsg(1)}, {0, endMsg}, {1, dataMsg(2)}, {1, endMsg}},
		want:  "[v1 v2 snap1 finish]",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tk, op := recordTask(tc.channels, tc.exactly)
			dones := 0
			for i, s := range tc.steps {
				done, err := tk.handle(s.ch, s.msg)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if done {
					dones++
					if i != len(tc.steps)-1 {
						t.Fatalf("done at step %d of %d", i, len(tc.steps))
					}
				}
			}
			if dones != 1 {
				t.Fatalf("done reported %d times", dones)
			}
			if got := fmt.Sprint(op.log); got != tc.want {
				t.Fatalf("operator saw %s, want %s", got, tc.want)
			}
		})
	}
}

// TestAlignmentInterleavings delivers seeded random interleavings of
// channels that each send data, a prefix of the barriers 1..3 (a channel
// whose upstream finished early sends fewer) and end of input, and checks
// the invariants of inputs.go: the chain finishes once, after everything;
// every value is processed once, in its channel's order; each checkpoint
// is snapshotted at most once, in order, the newest always; with
// exactly-once every value lies on the right side of every snapshot.
func TestAlignmentInterleavings(t *testing.T) {
	const rounds = 3000
	for seed := int64(0); seed < rounds; seed++ {
		rng := rand.New(rand.NewSource(seed))
		n := 2 + rng.Intn(3)
		exactly := rng.Intn(3) > 0
		type sent struct {
			msg   Message
			epoch int64 // barriers this channel sent before the message
		}
		perCh := make([][]sent, n)
		maxBarrier := int64(0)
		for c := 0; c < n; c++ {
			barriers := int64(rng.Intn(4))
			maxBarrier = max(maxBarrier, barriers)
			v := int64(c * 1000)
			for b := int64(0); b <= barriers; b++ {
				for k := rng.Intn(3); k > 0; k-- {
					v++
					perCh[c] = append(perCh[c], sent{dataMsg(v), b})
				}
				if b < barriers {
					perCh[c] = append(perCh[c], sent{barrierMsg(b + 1), b})
				}
			}
			perCh[c] = append(perCh[c], sent{endMsg, barriers})
		}
		epochOf := map[string]int64{}
		for _, msgs := range perCh {
			for _, s := range msgs {
				if s.msg.Kind == MsgBatch {
					epochOf[fmt.Sprintf("v%d", s.msg.Batch.Cols[0].Ints[0])] = s.epoch
				}
			}
		}
		tk, op := recordTask(n, exactly)
		next := make([]int, n)
		total := 0
		for _, m := range perCh {
			total += len(m)
		}
		dones := 0
		for delivered := 0; delivered < total; delivered++ {
			c := rng.Intn(n)
			for next[c] == len(perCh[c]) {
				c = (c + 1) % n
			}
			s := perCh[c][next[c]]
			next[c]++
			done, err := tk.handle(c, s.msg)
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if done {
				dones++
				if delivered != total-1 {
					t.Fatalf("seed %d: done before the last message", seed)
				}
			}
		}
		if dones != 1 {
			t.Fatalf("seed %d: done reported %d times", seed, dones)
		}
		log := op.log
		if len(log) == 0 || log[len(log)-1] != "finish" {
			t.Fatalf("seed %d: log %v does not end with finish", seed, log)
		}
		seen := map[string]bool{}
		lastSnap := int64(0)
		lastPerCh := map[int64]int64{}
		for _, e := range log[:len(log)-1] {
			var id int64
			if _, err := fmt.Sscanf(e, "snap%d", &id); err == nil {
				if id <= lastSnap {
					t.Fatalf("seed %d: snapshot %d after %d: %v", seed, id, lastSnap, log)
				}
				lastSnap = id
				continue
			}
			if e == "finish" || seen[e] {
				t.Fatalf("seed %d: %s twice: %v", seed, e, log)
			}
			seen[e] = true
			var v int64
			fmt.Sscanf(e, "v%d", &v)
			if v <= lastPerCh[v/1000] {
				t.Fatalf("seed %d: %s out of its channel's order: %v", seed, e, log)
			}
			lastPerCh[v/1000] = v
			if exactly && epochOf[e] != lastSnap {
				// Between snapshots k and k+1 only values sent between
				// barriers k and k+1 of their channel may be processed.
				t.Fatalf("seed %d (exactly-once, %d channels): %s of epoch %d processed after snapshot %d: %v", seed, n, e, epochOf[e], lastSnap, log)
			}
		}
		if len(seen) != len(epochOf) {
			t.Fatalf("seed %d: %d values processed, %d sent: %v", seed, len(seen), len(epochOf), log)
		}
		if lastSnap != maxBarrier {
			t.Fatalf("seed %d: newest snapshot %d, newest barrier %d: %v", seed, lastSnap, maxBarrier, log)
		}
	}
}
