package flinkrest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/flinkgo/engine/checkpoint"
	"github.com/flinkgo/engine/planner/session"
)

// notAddressable is Flink's external path of a checkpoint kept where no
// client can reach it (here: no execution.checkpointing.dir, so a private
// directory removed with the job).
const notAddressable = "<checkpoint-not-externally-addressable>"

// checkpointConfig serves GET /jobs/:jobid/checkpoints/config.
func (s *Server) checkpointConfig(w http.ResponseWriter, r *http.Request, j *session.Job) {
	c := j.Settings().Checkpointing
	if c.Interval <= 0 {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Checkpointing is not enabled for this job (%s).", j.ID))
		return
	}
	mode := "at_least_once"
	if c.ExactlyOnce {
		mode = "exactly_once"
	}
	backend := "HashMapStateBackend"
	if c.Backend == "rocksdb" {
		backend = "EmbeddedRocksDBStateBackend"
	}
	storage := "JobManagerCheckpointStorage"
	if c.Dir != "" {
		storage = "FileSystemCheckpointStorage"
	}
	writeJSON(w, http.StatusOK, checkpointConfigInfo{
		Mode:          mode,
		Interval:      c.Interval.Milliseconds(),
		Timeout:       c.Timeout.Milliseconds(),
		MinPause:      c.MinPause.Milliseconds(),
		MaxConcurrent: int64(c.MaxConcurrent),
		Externalization: externalizedCheckpoint{Enabled: c.Retention != checkpoint.NoExternalizedCheckpoints,
			DeleteOnCancellation: c.Retention == checkpoint.DeleteOnCancellation},
		StateBackend:                 backend,
		CheckpointStorage:            storage,
		TolerableFailedCheckpoints:   c.TolerableFailures,
		CheckpointsAfterTasksFinish:  c.FinalCheckpoints,
		ChangelogMaterializationIntv: 600_000, // Flink's default; the changelog backend does not exist here
		ChangelogStorage:             "memory",
	})
}

// checkpointStatistics serves GET /jobs/:jobid/checkpoints from what the
// job knows: its newest completed checkpoint (Execution.LastCheckpoint),
// the savepoints taken through this server, and what it was restored
// from. The Execution keeps no history of checkpoints and no count of
// failed ones yet, so "completed" is the newest completed checkpoint's id
// (exact while no checkpoint failed and no savepoint was taken: ids count
// every trigger), "failed" and "in_progress" are 0, and the history holds
// the newest checkpoint and these savepoints. Trigger and acknowledgement
// times of checkpoints are unknown (0).
func (s *Server) checkpointStatistics(w http.ResponseWriter, r *http.Request, j *session.Job) {
	tasks := 0
	for _, v := range j.Graph().Vertices {
		tasks += v.Parallelism
	}
	out := checkpointingStatistics{History: []checkpointStats{}}
	if last := j.LastCheckpoint(); last.ID > 0 {
		path := notAddressable
		if dir := j.Settings().Checkpointing.Dir; dir != "" {
			path = externalPath(strings.TrimSuffix(dir, "/") + "/" + j.ID + "/" + checkpoint.CheckpointPrefix + strconv.FormatInt(last.ID, 10))
		}
		c := completedStats(last.ID, false, "CHECKPOINT", tasks, path)
		c.CheckpointedSize, c.StateSize, c.EndToEndDuration = last.Size, last.Size, last.Duration.Milliseconds()
		out.Latest.Completed = c
		out.History = append(out.History, *c)
		out.Counts.Completed = last.ID
	}
	for _, op := range s.ops.savepoints(j.ID) { // newest first
		kind := "SAVEPOINT"
		if op.stop {
			kind = "SYNC_SAVEPOINT"
		}
		c := completedStats(0, true, kind, tasks, op.location)
		c.TriggerTimestamp, c.LatestAckTimestamp = op.started.UnixMilli(), op.finished.UnixMilli()
		c.EndToEndDuration = op.finished.Sub(op.started).Milliseconds()
		if out.Latest.Savepoint == nil {
			out.Latest.Savepoint = c
		}
		out.History = append(out.History, *c)
	}
	if from, ok := j.RestoredFrom(); ok {
		out.Counts.Restored = 1
		out.Latest.Restored = &restoredCheckpoint{ID: from.CheckpointID, RestoreTimestamp: from.At.UnixMilli(),
			IsSavepoint: from.Savepoint, ExternalPath: externalPath(from.Path)}
	}
	out.Counts.Total = out.Counts.Completed + out.Counts.Failed + int64(out.Counts.InProgress)
	var sizes, durations []int64
	for _, h := range out.History {
		sizes = append(sizes, h.StateSize)
		durations = append(durations, h.EndToEndDuration)
	}
	out.Summary = checkpointSummary{CheckpointedSize: summarize(sizes), StateSize: summarize(sizes),
		EndToEndDuration: summarize(durations)}
	writeJSON(w, http.StatusOK, out)
}

// completedStats is a CompletedCheckpointStatistics without sizes and times.
func completedStats(id int64, savepoint bool, kind string, tasks int, path string) *checkpointStats {
	discarded := false
	return &checkpointStats{ClassName: "completed", ID: id, Status: "COMPLETED", IsSavepoint: savepoint,
		NumSubtasks: tasks, NumAcknowledgedSubtasks: tasks, CheckpointType: kind, Tasks: map[string]any{},
		ExternalPath: &path, Discarded: &discarded}
}

// externalPath writes a local path as Flink does (file:/...); other
// schemes and Flink's placeholders stay as they are.
func externalPath(p string) string {
	if strings.HasPrefix(p, "/") {
		return "file:" + p
	}
	return p
}

// summarize is a StatsSummaryDto over the samples (all 0 without any);
// percentiles by nearest rank.
func summarize(xs []int64) statsSummary {
	if len(xs) == 0 {
		return statsSummary{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	var sum int64
	for _, x := range s {
		sum += x
	}
	q := func(p float64) float64 {
		i := int(p*float64(len(s))+0.999999) - 1
		return float64(s[min(max(i, 0), len(s)-1)])
	}
	return statsSummary{Min: s[0], Max: s[len(s)-1], Avg: sum / int64(len(s)),
		P50: q(0.5), P90: q(0.9), P95: q(0.95), P99: q(0.99), P999: q(0.999)}
}
