package types

import "testing"

// The millisecond path must not pay for nanosecond timestamps: TIMESTAMP(3)
// vectors carry no Nanos column, TIMESTAMP(9) ones one uint16 per value.
func benchmarkAppendFrom(b *testing.B, t *Type) {
	src := NewVector(t, DefaultBatchSize)
	for i := 0; i < DefaultBatchSize; i++ {
		src.AppendTimestamp(int64(i)*1000, int64(i%1000))
	}
	dst := NewVector(t, DefaultBatchSize)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		dst.Reset()
		for i := 0; i < DefaultBatchSize; i++ {
			dst.AppendFrom(src, i)
		}
	}
}

func BenchmarkAppendFromTimestamp3(b *testing.B) { benchmarkAppendFrom(b, Timestamp(3)) }
func BenchmarkAppendFromTimestamp9(b *testing.B) { benchmarkAppendFrom(b, Timestamp(9)) }

func BenchmarkFormatTimestamp(b *testing.B) {
	v := NewVector(Timestamp(9), 1)
	v.AppendTimestamp(1577836800123456, 789)
	var buf []byte
	b.ReportAllocs()
	for n := 0; n < b.N; n++ {
		buf = AppendValue(buf[:0], v, 0, StyleSQL)
	}
}
