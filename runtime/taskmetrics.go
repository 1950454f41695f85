package runtime

// Flink's task metrics, measured: a reader samples cumulative counters
// (Job.TaskMetrics) and turns two samples into per-second rates
// (TaskMetrics.RatesSince), so the runtime needs no ticker and readers
// choose their window. Flink reports busyTimeMsPerSecond and its siblings
// as the mean over the last 60 s: keep the sample of about a minute ago and
// compare the current one with it; against the zero TaskMetrics the rates
// are the mean over the task's life.
//
// Concurrency: both are safe from any goroutine, while the job runs and
// after it ended; before Start completed the job has no tasks to report.
// Cost: a sample reads a few atomics and the monotonic clock per task and
// allocates the result; the task goroutines never wait for a reader. How
// tasks measure is described in taskio.go.

// TaskMetrics is one sample of one task (a subtask of a vertex): counters
// since the task started.
type TaskMetrics struct {
	Vertex      int    // Vertex.Index
	VertexName  string // Vertex.Name
	Subtask     int    // 0-based
	Parallelism int
	// At is when the sample was taken, in monotonic nanoseconds since the
	// job started.
	At int64
	// Running reports that the task started and has not yet finished its
	// input (or failed); the time counters stop when it does not run.
	Running bool
	// RecordsIn counts the records the task's source read or it received
	// over network edges; RecordsOut those the end of its chain emitted
	// downstream (a sink emits none).
	RecordsIn, RecordsOut int64
	// BytesIn and BytesOut are the in-memory size of the batches received
	// and sent over network edges (types.Batch.SizeBytes); a source's
	// reads are not counted.
	BytesIn, BytesOut int64
	// InputWatermark is the combined watermark last handed to the head of
	// the chain, OutputWatermark the last one the chain emitted
	// downstream; MinWatermark until there is one.
	InputWatermark, OutputWatermark int64
	// AlignmentNs is Flink's checkpointAlignmentTime: how long the newest
	// checkpoint the task aligned (AlignedCheckpoint; 0 if none) waited
	// from its first barrier to its last. A task with one input channel,
	// or a source, aligns in no time.
	AlignmentNs, AlignedCheckpoint int64
	// The task's running time so far, split as Flink splits it: idle is
	// waiting for input (an empty inbox, a source poll that found
	// nothing), backpressured is blocked sending to a full downstream
	// inbox, busy is the rest. Nanoseconds; waits in progress included.
	BusyNs, BackPressuredNs, IdleNs int64
	// PendingRecords is a source's backlog (PendingRecordsAware); -1 when
	// the task has no source or its source does not know.
	PendingRecords int64
}

// TaskMetrics samples every task, in vertex order and by subtask within a
// vertex.
func (j *Job) TaskMetrics() []TaskMetrics {
	j.mu.Lock()
	started := j.status != JobCreated
	j.mu.Unlock()
	if !started {
		return nil // tasks are being built
	}
	out := make([]TaskMetrics, len(j.tasks))
	for i, t := range j.tasks {
		now := monoNow()
		m := TaskMetrics{Vertex: t.vertex.Index, VertexName: t.vertex.Name, Subtask: t.subtask,
			Parallelism: t.vertex.Parallelism, At: now - j.epoch,
			RecordsIn: t.metrics.RecordsIn.Load(), RecordsOut: t.metrics.RecordsOut.Load(),
			BytesIn: t.io.bytesIn.Load(), BytesOut: t.io.bytesOut.Load(),
			InputWatermark: t.io.inputWatermark.Load(), OutputWatermark: t.io.outputWatermark.Load(),
			AlignmentNs: t.io.alignment.Load(), AlignedCheckpoint: t.io.alignedCheckpoint.Load()}
		m.BusyNs, m.BackPressuredNs, m.IdleNs, m.Running = t.io.times(now)
		m.PendingRecords = -1
		if pr, ok := t.source.(PendingRecordsAware); ok {
			m.PendingRecords = pr.PendingRecords()
		}
		out[i] = m
	}
	return out
}

// TaskRates are Flink's per-second task metrics between two samples.
type TaskRates struct {
	// The share of the task's running time between the samples, in ms per
	// second (they add up to 1000); all 0 when it did not run in between.
	BusyTimeMsPerSecond          float64
	BackPressuredTimeMsPerSecond float64
	IdleTimeMsPerSecond          float64
	// Throughput per second of the time between the samples.
	RecordsInPerSecond  float64
	RecordsOutPerSecond float64
	BytesInPerSecond    float64
	BytesOutPerSecond   float64
}

// RatesSince computes the rates from an earlier sample prev of the same
// task to m (the zero TaskMetrics: since the task started).
func (m TaskMetrics) RatesSince(prev TaskMetrics) TaskRates {
	var r TaskRates
	// Samples of a running task are taken a little apart from each other's
	// counters; a difference of a few ns below zero is none.
	busy := max(0, m.BusyNs-prev.BusyNs)
	bp := max(0, m.BackPressuredNs-prev.BackPressuredNs)
	idle := max(0, m.IdleNs-prev.IdleNs)
	if ran := busy + bp + idle; ran > 0 {
		r.BusyTimeMsPerSecond = 1000 * float64(busy) / float64(ran)
		r.BackPressuredTimeMsPerSecond = 1000 * float64(bp) / float64(ran)
		r.IdleTimeMsPerSecond = 1000 * float64(idle) / float64(ran)
	}
	if d := m.At - prev.At; d > 0 {
		perSecond := func(n int64) float64 { return float64(n) * 1e9 / float64(d) }
		r.RecordsInPerSecond = perSecond(m.RecordsIn - prev.RecordsIn)
		r.RecordsOutPerSecond = perSecond(m.RecordsOut - prev.RecordsOut)
		r.BytesInPerSecond = perSecond(m.BytesIn - prev.BytesIn)
		r.BytesOutPerSecond = perSecond(m.BytesOut - prev.BytesOut)
	}
	return r
}
