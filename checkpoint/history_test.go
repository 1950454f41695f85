package checkpoint

import (
	"testing"
	"time"
)

// TestHistoryRing: the ring keeps the newest size records, newest first,
// never dropping one in progress; counters and the latest of each kind
// outlive the ring; a checkpoint failed by a restart that completes after
// all counts as completed.
func TestHistoryRing(t *testing.T) {
	h := history{size: 3}
	t0 := time.Unix(1000, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	h.recordTrigger(1, at(0), savepointSpec{}, false)
	h.recordTrigger(2, at(1), savepointSpec{}, false) // stays in progress
	h.recordCompleted(1, at(2), 10, 10, "/c/chk-1")
	h.recordTrigger(3, at(3), savepointSpec{}, false)
	h.recordFailed(3, at(4), "boom")
	h.recordTrigger(4, at(5), savepointSpec{stop: true}, true)
	h.recordCompleted(4, at(7), 20, 20, "/sp/savepoint-x")
	h.recordTrigger(5, at(8), savepointSpec{}, false)
	h.recordFailed(1, at(9), "late") // completed: no change
	got := h.copy()
	var ids []int64
	for _, r := range got.Records {
		ids = append(ids, r.ID)
	}
	if len(ids) != 3 || ids[0] != 5 || ids[1] != 4 || ids[2] != 2 {
		t.Fatalf("ring %v, want [5 4 2] (1 and 3 dropped, 2 in progress kept)", ids)
	}
	if got.Completed != 2 || got.Failed != 1 || got.InProgress != 2 {
		t.Fatalf("counts %d completed, %d failed, %d in progress", got.Completed, got.Failed, got.InProgress)
	}
	if c := got.LatestCompleted; c == nil || c.ID != 1 || c.Size != 10 || c.Duration != 2*time.Second || c.Path != "/c/chk-1" {
		t.Fatalf("latest completed %+v", c)
	}
	if f := got.LatestFailed; f == nil || f.ID != 3 || f.Failure != "boom" || f.Status != CheckpointFailed {
		t.Fatalf("latest failed %+v", f)
	}
	if s := got.LatestSavepoint; s == nil || s.ID != 4 || !s.Stop || !s.Savepoint {
		t.Fatalf("latest savepoint %+v", s)
	}
	got.Records[0].Status = "changed"
	if h.copy().Records[0].Status != CheckpointInProgress {
		t.Fatal("the copy shares records with the history")
	}
	// A restart fails what is in flight; 2 then completes after all.
	h.failInProgress(at(10), failedByRestart)
	h.recordCompleted(2, at(11), 30, 30, "/c/chk-2")
	h.recordCompleted(5, at(11), 30, 30, "/c/chk-5") // failed by the restart too
	got = h.copy()
	if got.Completed != 4 || got.Failed != 1 || got.InProgress != 0 || got.LatestFailed.ID != 3 {
		t.Fatalf("after the restart: %d completed, %d failed, %d in progress, latest failed %+v",
			got.Completed, got.Failed, got.InProgress, got.LatestFailed)
	}
	if h.restore == nil || h.restore.ID != 5 {
		t.Fatalf("restore %+v", h.restore)
	}
	h.failInProgress(at(12), failedByEnd)
	h.recordRestore(RestoreRecord{ID: 5, At: at(13)})
	if got = h.copy(); got.Restored != 1 || got.LatestRestore.ID != 5 {
		t.Fatalf("restored %d %+v", got.Restored, got.LatestRestore)
	}
}
