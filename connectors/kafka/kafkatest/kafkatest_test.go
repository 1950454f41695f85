package kafkatest

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestBrokerCapabilities checks what the exactly-once sink relies on: a
// transaction left open by one client is committed by another client from
// its producer id and epoch alone (EndTxn), a repeated commit succeeds, a
// read_committed consumer sees nothing before the commit, and
// InitProducerID on a transactional id aborts its open transaction and
// returns epoch 0 only for an id never used.
func TestBrokerCapabilities(t *testing.T) {
	b := Start(t, 0)
	topic := Topic("caps")
	b.CreateTopic(t, topic, 2, nil)
	ctx := context.Background()

	produceOpen := func(txid string, n int) (int64, int16) {
		cl := b.Client(t, kgo.TransactionalID(txid), kgo.DefaultProduceTopic(topic))
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			cl.Produce(ctx, &kgo.Record{Value: []byte(txid)}, nil)
		}
		if err := cl.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		id, ep, err := cl.ProducerID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return id, ep // the client is abandoned with the transaction open
	}
	endTxn := func(txid string, id int64, ep int16, commit bool) error {
		req := kmsg.NewPtrEndTxnRequest()
		req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Commit = txid, id, ep, commit
		resp, err := req.RequestWith(ctx, b.Client(t))
		if err != nil {
			return err
		}
		return kerr.ErrorForCode(resp.ErrorCode)
	}
	initPID := func(txid string) int16 {
		req := kmsg.NewPtrInitProducerIDRequest()
		req.TransactionalID = kmsg.StringPtr(txid)
		req.TransactionTimeoutMillis = 60000
		resp, err := req.RequestWith(ctx, b.Client(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
			t.Fatal(err)
		}
		return resp.ProducerEpoch
	}

	id, ep := produceOpen("caps-a", 3)
	if got := b.ReadCommitted(t, topic, 300*time.Millisecond); len(got) != 0 {
		t.Fatalf("read_committed saw %d records of an open transaction", len(got))
	}
	if got := b.ReadUncommitted(t, topic, 300*time.Millisecond); len(got) != 3 {
		t.Fatalf("read_uncommitted saw %d records, want 3", len(got))
	}
	if err := endTxn("caps-a", id, ep, true); err != nil {
		t.Fatalf("commit from another client: %v", err)
	}
	if err := endTxn("caps-a", id, ep, true); err != nil {
		t.Fatalf("repeated commit: %v", err)
	}
	if got := b.ReadCommitted(t, topic, 300*time.Millisecond); len(got) != 3 {
		t.Fatalf("read_committed saw %d records after the commit, want 3", len(got))
	}

	produceOpen("caps-b", 2)
	if e := initPID("caps-b"); e == 0 {
		t.Fatalf("InitProducerID of a used id returned epoch 0")
	}
	if e := initPID("caps-never-used"); e != 0 {
		t.Fatalf("InitProducerID of a new id returned epoch %d", e)
	}
	produceOpen("caps-c", 1)
	if err := endTxn("caps-c-x", 1, 0, true); err == nil {
		t.Log("note: commit of an unknown transactional id succeeded")
	}
	// caps-b was aborted by the InitProducerID; caps-c is still open and
	// blocks read_committed past its first offset.
	got := b.ReadCommitted(t, topic, 300*time.Millisecond)
	for _, r := range got {
		if string(r.Value) == "caps-b" {
			t.Fatalf("aborted record visible")
		}
	}
}
