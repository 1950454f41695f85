package kafka

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/flinkgo/engine/runtime"
)

// Exactly-once delivery (two-phase commit over Kafka transactions), as
// Flink's KafkaSink does it:
//
//   - Each subtask writes into transactions with the transactional ids
//     "<prefix>-<subtask>-<n>", n counting up (it is in the state): the
//     first record after a barrier opens a transaction with the next id on
//     a new franz-go client.
//   - SnapshotState (the barrier) pre-commits: flush, so every record of
//     the transaction is acknowledged, and record the committable
//     (transactional id, producer id, epoch, checkpoint) in the state. The
//     transaction stays open.
//   - NotifyCheckpointComplete(id) commits the transactions of every
//     checkpoint up to id with the client that holds them.
//   - On restore, the committables of the restored checkpoint are
//     committed from their producer id and epoch alone (an EndTxn request:
//     franz-go has no API to resume a transaction, the raw request does;
//     committing one already committed succeeds). Then the lingering
//     transactions are fenced: InitProducerID aborts an id's open
//     transaction, and the first id it reports as never used (epoch 0)
//     ends the probe of one subtask index. New subtask j answers for the
//     indexes j, j+p, j+2p, ... (p the new parallelism): those the state
//     knows from their recorded number, and further indexes (used by a run
//     of larger parallelism after the checkpoint) from 0, until an index
//     whose first id was never used. Every writer initializes its next id
//     in Open, so the indexes of a run that got going have no gaps. The
//     indexes a writer answers for stay in its state, so a later restore
//     at a smaller parallelism still fences them.
//
// A transaction the brokers abort because it outlived
// transaction.timeout.ms cannot be committed; the restore then fails
// naming it (CreateSink checks that the timeout exceeds the checkpoint
// interval plus timeout).
type txnState struct {
	prefix  string
	counter int64            // next transaction number of this subtask
	known   map[int]txnIndex // other subtask indexes this writer answers for
	cur     *openTxn
	pending []committable // pre-committed, ascending checkpoint
	admin   *kgo.Client   // EndTxn/InitProducerID requests
	final   bool          // a checkpoint follows Finish (FLIP-147)
}

// txnIndex is what the state records of one transactional-id subtask
// index: the next number to probe (or, for the writer's own index, to
// use) and whether the index ever held a transaction. Indexes probed and
// found unused are kept too (used false), with the number after the one
// the probe initialized, so later probes neither start over nor take them
// for used ones and scan ever further.
type txnIndex struct {
	next int64
	used bool
}

// openTxn is a transaction and the client writing it.
type openTxn struct {
	id string
	cl *kgo.Client
}

// committable is a pre-committed transaction.
type committable struct {
	checkpoint int64
	txnID      string
	producerID int64
	epoch      int16
	cl         *kgo.Client // nil after a restore
}

func txnID(prefix string, subtask int, n int64) string {
	return prefix + "-" + strconv.Itoa(subtask) + "-" + strconv.FormatInt(n, 10)
}

func (w *writer) openTxn(ctx *runtime.OperatorContext) error {
	admin, err := w.sink.client.newClient(kgo.WithHooks(w.health))
	if err != nil {
		return fmt.Errorf("kafka sink of table %s: %w", w.sink.name, err)
	}
	w.txn = &txnState{prefix: w.sink.txnPrefix, admin: admin, final: ctx.FinalCheckpoint, known: map[int]txnIndex{}}
	states := ctx.RestoredStates
	if len(states) == 0 && ctx.StateRestore != nil {
		states = [][]byte{ctx.StateRestore}
	}
	// Every subtask index the restored writers knew.
	known := map[int]txnIndex{}
	maxUsed := -1
	for i, st := range states {
		if len(st) == 0 {
			continue
		}
		s, err := decodeSinkState(st)
		if err != nil {
			return fmt.Errorf("kafka sink of table %s: cannot restore the state of subtask %d: %w", w.sink.name, i, err)
		}
		if s.prefix == w.txn.prefix { // another prefix's ids never clash with ours
			for sub, c := range s.known {
				k := known[sub]
				known[sub] = txnIndex{next: max(k.next, c.next), used: k.used || c.used}
				if c.used {
					maxUsed = max(maxUsed, sub)
				}
			}
		}
		if i%w.par != w.subtask {
			continue
		}
		for _, c := range s.pending {
			if err := w.recommit(c); err != nil {
				return err
			}
		}
	}
	for sub := w.subtask; ; sub += w.par {
		k := known[sub]
		end, err := w.fence(w.txn.prefix, sub, k.next)
		if err != nil {
			return err
		}
		used := k.used || end > k.next
		if sub == w.subtask {
			w.txn.counter = end // the probe initialized it; our first transaction uses it
			continue
		}
		w.txn.known[sub] = txnIndex{next: end + 1, used: used}
		if !used && sub > maxUsed {
			break // an index never used, and none above it
		}
	}
	return nil
}

// recommit commits a restored committable.
func (w *writer) recommit(c committable) error {
	ctx, cancel := context.WithTimeout(w.ctx, 2*time.Minute)
	defer cancel()
	req := kmsg.NewPtrEndTxnRequest()
	req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Commit = c.txnID, c.producerID, c.epoch, true
	resp, err := req.RequestWith(ctx, w.txn.admin)
	if err == nil {
		err = kerr.ErrorForCode(resp.ErrorCode)
	}
	if err != nil {
		return fmt.Errorf("kafka sink of table %s: cannot commit transaction %s (producer id %d, epoch %d) of checkpoint %d while restoring: %w. If the brokers aborted it (transaction.timeout.ms exceeded), its records are lost: raise 'properties.transaction.timeout.ms'",
			w.sink.name, c.txnID, c.producerID, c.epoch, c.checkpoint, err)
	}
	return nil
}

// fence aborts the open transactions of ids prefix-subtask-n for n from
// start on, up to the first id never used, and returns that n.
func (w *writer) fence(prefix string, subtask int, start int64) (int64, error) {
	for n := start; ; n++ {
		if n-start > maxFence {
			return 0, fmt.Errorf("kafka sink of table %s: more than %d lingering transactions of %s; choose a new 'sink.transactional-id-prefix'",
				w.sink.name, maxFence, txnID(prefix, subtask, start))
		}
		id := txnID(prefix, subtask, n)
		ctx, cancel := context.WithTimeout(w.ctx, 2*time.Minute)
		req := kmsg.NewPtrInitProducerIDRequest()
		req.TransactionalID = kmsg.StringPtr(id)
		req.TransactionTimeoutMillis = int32(w.sink.txnTimeout.Milliseconds())
		req.ProducerID, req.ProducerEpoch = -1, -1
		resp, err := req.RequestWith(ctx, w.txn.admin)
		cancel()
		if err == nil {
			err = kerr.ErrorForCode(resp.ErrorCode)
		}
		if err != nil {
			return 0, fmt.Errorf("kafka sink of table %s: cannot abort lingering transaction %s: %w%s", w.sink.name, id, err, timeoutHint(err))
		}
		if resp.ProducerEpoch == 0 {
			return n, nil
		}
	}
}

// maxFence bounds the ids one fence probes.
const maxFence = 100000

func timeoutHint(err error) string {
	if errors.Is(err, kerr.InvalidTransactionTimeout) {
		return "; 'properties.transaction.timeout.ms' exceeds the brokers' 'transaction.max.timeout.ms': lower it or raise the broker setting"
	}
	return ""
}

// txnClient returns the client of the open transaction, opening one.
func (w *writer) txnClient() (*kgo.Client, error) {
	t := w.txn
	if t.cur != nil {
		return t.cur.cl, nil
	}
	id := txnID(t.prefix, w.subtask, t.counter)
	cl, err := w.sink.client.newClient(w.producerOpts(kgo.TransactionalID(id), kgo.TransactionTimeout(w.sink.txnTimeout))...)
	if err != nil {
		return nil, fmt.Errorf("kafka sink of table %s: %w", w.sink.name, err)
	}
	if err := cl.BeginTransaction(); err != nil {
		cl.Close()
		return nil, fmt.Errorf("kafka sink of table %s: cannot begin transaction %s: %w", w.sink.name, id, err)
	}
	t.counter++
	t.cur = &openTxn{id: id, cl: cl}
	return cl, nil
}

// preCommit flushes the open transaction and records it for checkpointID.
func (w *writer) preCommit(checkpointID int64) ([]byte, error) {
	t := w.txn
	if t.cur != nil {
		cur := t.cur
		if err := w.flush(cur.cl); err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(w.ctx, time.Minute)
		pid, epoch, err := cur.cl.ProducerID(ctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("kafka sink of table %s: transaction %s: %w%s", w.sink.name, cur.id, err, timeoutHint(err))
		}
		t.pending = append(t.pending, committable{checkpoint: checkpointID, txnID: cur.id, producerID: pid, epoch: epoch, cl: cur.cl})
		t.cur = nil
	}
	known := make(map[int]txnIndex, len(t.known)+1)
	for k, v := range t.known {
		known[k] = v
	}
	known[w.subtask] = txnIndex{next: t.counter, used: true}
	return encodeSinkState(&sinkState{prefix: t.prefix, subtask: w.subtask, known: known, pending: t.pending}), nil
}

// commitUpTo commits the transactions of every checkpoint up to id.
func (w *writer) commitUpTo(id int64) error {
	t := w.txn
	n := 0
	for n < len(t.pending) && t.pending[n].checkpoint <= id {
		if err := w.commit(&t.pending[n]); err != nil {
			return err
		}
		n++
	}
	t.pending = append(t.pending[:0], t.pending[n:]...)
	return nil
}

func (w *writer) commit(c *committable) error {
	if c.cl == nil {
		return w.recommit(*c)
	}
	ctx, cancel := context.WithTimeout(w.ctx, 2*time.Minute)
	defer cancel()
	err := c.cl.EndTransaction(ctx, kgo.TryCommit)
	c.cl.Close()
	c.cl = nil
	if err != nil {
		return fmt.Errorf("kafka sink of table %s: cannot commit transaction %s of checkpoint %d: %w", w.sink.name, c.txnID, c.checkpoint, err)
	}
	return nil
}

// finishTxn runs at the end of input: with a final checkpoint to come it
// does nothing (that checkpoint pre-commits and commits); otherwise it
// commits everything now.
func (w *writer) finishTxn() error {
	t := w.txn
	if t.final {
		return nil
	}
	if t.cur != nil {
		if _, err := w.preCommit(-1 << 62); err != nil {
			return err
		}
	}
	for i := range t.pending {
		if err := w.commit(&t.pending[i]); err != nil {
			return err
		}
	}
	t.pending = nil
	return nil
}

// closeTxn aborts the open transaction (never pre-committed ones: a
// completed checkpoint may still need them; a restore commits or fences
// them) and closes the clients.
func (w *writer) closeTxn() {
	t := w.txn
	if t.cur != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = t.cur.cl.AbortBufferedRecords(ctx)
		_ = t.cur.cl.EndTransaction(ctx, kgo.TryAbort)
		cancel()
		t.cur.cl.Close()
		t.cur = nil
	}
	for i := range t.pending {
		if t.pending[i].cl != nil {
			t.pending[i].cl.Close()
			t.pending[i].cl = nil
		}
	}
	if t.admin != nil {
		t.admin.Close()
		t.admin = nil
	}
}
