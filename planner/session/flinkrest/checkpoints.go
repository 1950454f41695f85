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
		StateChangelogEnabled:        c.Changelog,
		ChangelogMaterializationIntv: c.MaterializeInterval.Milliseconds(),
		ChangelogStorage:             changelogStorage(c.Changelog),
	})
}

// changelogStorage names where the changelog goes as Flink's REST API
// does: with the checkpoint files (Flink's "filesystem" storage).
func changelogStorage(enabled bool) string {
	if enabled {
		return "filesystem"
	}
	return "memory"
}

// checkpointStatistics serves GET /jobs/:jobid/checkpoints from the
// Execution's checkpoint history (checkpoint.CheckpointHistory): counts
// over the job's life, the newest completed / failed checkpoint and
// savepoint, the newest restore, and the last web.checkpoints.history
// checkpoints and savepoints, newest first. The summary covers the
// completed ones in the history. Per-subtask acknowledgements are not
// tracked: a completed checkpoint counts every subtask acknowledged, one
// in progress or failed none.
func (s *Server) checkpointStatistics(w http.ResponseWriter, r *http.Request, j *session.Job) {
	tasks := numTasks(j)
	h := j.History()
	out := checkpointingStatistics{History: []checkpointStats{}}
	out.Counts.Completed, out.Counts.Failed, out.Counts.InProgress = h.Completed, h.Failed, h.InProgress
	out.Counts.Restored = h.Restored
	out.Counts.Total = h.Completed + h.Failed + int64(h.InProgress)
	var sizes, written, durations []int64
	for _, c := range h.Records {
		st := s.checkpointStatsOf(c, tasks)
		out.History = append(out.History, st)
		if c.Status == checkpoint.CheckpointCompleted {
			sizes = append(sizes, st.StateSize)
			written = append(written, st.CheckpointedSize)
			durations = append(durations, st.EndToEndDuration)
		}
	}
	latest := func(c *checkpoint.CheckpointRecord) *checkpointStats {
		if c == nil {
			return nil
		}
		st := s.checkpointStatsOf(*c, tasks)
		return &st
	}
	out.Latest.Completed, out.Latest.Failed, out.Latest.Savepoint = latest(h.LatestCompleted), latest(h.LatestFailed), latest(h.LatestSavepoint)
	if rs := h.LatestRestore; rs != nil {
		path := notAddressable
		if rs.Path != "" {
			path = externalPath(rs.Path)
		}
		out.Latest.Restored = &restoredCheckpoint{ID: rs.ID, RestoreTimestamp: rs.At.UnixMilli(),
			IsSavepoint: rs.Savepoint, ExternalPath: path}
	}
	out.Summary = checkpointSummary{CheckpointedSize: summarize(written), StateSize: summarize(sizes),
		EndToEndDuration: summarize(durations)}
	writeJSON(w, http.StatusOK, out)
}

// checkpointStatsOf is the CheckpointStatistics of one history record:
// className "completed", "failed" or "in_progress" with their fields.
func (s *Server) checkpointStatsOf(c checkpoint.CheckpointRecord, tasks int) checkpointStats {
	kind := "CHECKPOINT"
	switch {
	case c.Stop:
		kind = "SYNC_SAVEPOINT"
	case c.Savepoint:
		kind = "SAVEPOINT"
	}
	st := checkpointStats{ID: c.ID, Status: string(c.Status), IsSavepoint: c.Savepoint, NumSubtasks: tasks,
		CheckpointType: kind, Tasks: map[string]any{}, TriggerTimestamp: c.Trigger.UnixMilli(),
		LatestAckTimestamp: -1, EndToEndDuration: -1}
	if c.Savepoint {
		format := "CANONICAL"
		st.SavepointFormat = &format
	}
	if c.Status != checkpoint.CheckpointInProgress {
		st.LatestAckTimestamp, st.EndToEndDuration = c.End.UnixMilli(), c.Duration.Milliseconds()
	}
	switch c.Status {
	case checkpoint.CheckpointCompleted:
		st.ClassName, st.NumAcknowledgedSubtasks = "completed", tasks
		st.CheckpointedSize, st.StateSize = c.Checkpointed, c.Size
		path, discarded := notAddressable, false
		if c.Path != "" {
			path = externalPath(c.Path)
		}
		st.ExternalPath, st.Discarded = &path, &discarded
	case checkpoint.CheckpointFailed:
		st.ClassName = "failed"
		at, msg := c.End.UnixMilli(), s.mask(c.Failure)
		st.FailureTimestamp, st.FailureMessage = &at, &msg
	default:
		st.ClassName = "in_progress"
	}
	return st
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

// checkpointDetails serves GET /jobs/:jobid/checkpoints/details/:checkpointid:
// the CheckpointStatistics of one checkpoint or savepoint, from the history
// or, once the history dropped it, the newest completed / failed
// checkpoint or savepoint the Execution still keeps. Per-task statistics
// are not tracked ("tasks" is empty, as in the history).
func (s *Server) checkpointDetails(w http.ResponseWriter, r *http.Request, j *session.Job) {
	raw := r.PathValue("checkpointid")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Bad request, could not parse parameters: Cannot resolve path parameter (checkpointid) from value \"%s\".", raw))
		return
	}
	h := j.History()
	var found *checkpoint.CheckpointRecord
	for i := range h.Records {
		if h.Records[i].ID == id {
			found = &h.Records[i]
			break
		}
	}
	for _, c := range []*checkpoint.CheckpointRecord{h.LatestCompleted, h.LatestFailed, h.LatestSavepoint} {
		if found == nil && c != nil && c.ID == id {
			found = c
		}
	}
	if found == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Could not find checkpoint statistics for checkpoint %d.", id))
		return
	}
	writeJSON(w, http.StatusOK, s.checkpointStatsOf(*found, numTasks(j)))
}

// numTasks is the number of subtasks of a job's vertices.
func numTasks(j *session.Job) int {
	n := 0
	for _, v := range j.Graph().Vertices {
		n += v.Parallelism
	}
	return n
}
