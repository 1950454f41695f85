package netexchange

import (
	"context"
	"fmt"
	"testing"

	rt "github.com/flinkgo/engine/runtime"
	"github.com/flinkgo/engine/runtime/types"
)

// BenchmarkExchangeLoopback moves batches of 1024 rows (BIGINT, VARCHAR,
// BIGINT, VARCHAR) over one loopback connection, producer and consumer on
// their own goroutines, and reports records/s and MB/s (of encoded frames).
//
//	go test -run XXX -bench ExchangeLoopback ./runtime/netexchange/
func BenchmarkExchangeLoopback(b *testing.B) {
	for _, channels := range []int{1, 4} {
		b.Run(fmt.Sprintf("channels=%d", channels), func(b *testing.B) { benchLoopback(b, channels) })
	}
}

func benchLoopback(b *testing.B, channels int) {
	ts := []*types.Type{types.BigInt, types.String, types.BigInt, types.String}
	batch := types.NewBatch(ts, types.DefaultBatchSize)
	for i := 0; i < types.DefaultBatchSize; i++ {
		batch.Cols[0].AppendInt(int64(i) * 1000003)
		batch.Cols[1].AppendString(fmt.Sprintf("user-%08d", i*7))
		batch.Cols[2].AppendInt(int64(i))
		batch.Cols[3].AppendString(fmt.Sprintf("https://example.org/item/%d", i))
	}
	batch.SetRowCount(types.DefaultBatchSize)
	frameBytes := len(appendBatch(nil, batch)) + headerSize

	r, err := Listen("127.0.0.1:0", ReceiverOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	s, err := Dial(context.Background(), r.Addr(), SenderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	outs := make([]*OutChannel, channels)
	ins := make([]*InChannel, channels)
	for c := range outs {
		id := ChannelID{Job: "bench", Producer: int32(c)}
		if outs[c], err = s.Open(id, nil); err != nil {
			b.Fatal(err)
		}
		ins[c] = r.Channel(id)
	}
	per := make([]int, channels)
	for i := 0; i < b.N; i++ {
		per[i%channels]++
	}
	b.SetBytes(int64(frameBytes))
	b.ReportAllocs()
	b.ResetTimer()
	errs := make(chan error, 2*channels)
	for c := 0; c < channels; c++ {
		go func(c int) {
			for i := 0; i < per[c]; i++ {
				if err := outs[c].Send(ctx, rt.Message{Kind: rt.MsgBatch, Batch: batch}); err != nil {
					errs <- err
					return
				}
			}
			errs <- outs[c].Send(ctx, rt.Message{Kind: rt.MsgEndOfInput})
		}(c)
		go func(c int) {
			rows := 0
			for {
				m, err := ins[c].Next(ctx)
				if err != nil {
					errs <- err
					return
				}
				if m.Kind == rt.MsgEndOfInput {
					break
				}
				rows += m.Batch.Len
			}
			if rows != per[c]*types.DefaultBatchSize {
				errs <- fmt.Errorf("channel %d: %d rows, want %d", c, rows, per[c]*types.DefaultBatchSize)
				return
			}
			errs <- nil
		}(c)
	}
	for i := 0; i < 2*channels; i++ {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)*types.DefaultBatchSize/sec, "records/s")
}
