package flinkrest_test

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

// TestCheckpointDetails: /checkpoints/details/:id answers a completed
// checkpoint of the history with its history entry, and the latest
// savepoint still after the history (web.checkpoints.history, 10) dropped
// it; ids never seen are Flink's 404.
func TestCheckpointDetails(t *testing.T) {
	f := newFixture(t, defaultConfig())
	id := f.exec(unboundedJob)
	f.waitFor("the job to run", func() bool { return f.state(id) == "RUNNING" })
	st := f.awaitSavepoint(id, f.trigger("/jobs/"+id+"/savepoints", `{"target-directory": "`+filepath.Join(f.dir, "sp")+`"}`))
	if st.Operation.FailureCause != nil {
		t.Fatalf("savepoint: %+v", st.Operation.FailureCause)
	}
	type stats struct {
		Latest struct {
			Savepoint map[string]any `json:"savepoint"`
		} `json:"latest"`
		History []map[string]any `json:"history"`
	}
	var s stats
	f.get("/jobs/"+id+"/checkpoints", 200, &s)
	if s.Latest.Savepoint == nil {
		t.Fatal("no latest savepoint")
	}
	sp := int64(s.Latest.Savepoint["id"].(float64))
	details := "/jobs/" + id + "/checkpoints/details/"

	// A completed checkpoint of the history: its entry as is.
	for _, h := range s.History {
		if h["status"] != "COMPLETED" {
			continue
		}
		var got map[string]any
		f.get(details+strconv.FormatInt(int64(h["id"].(float64)), 10), 200, &got)
		if !reflect.DeepEqual(got, h) {
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(h)
			t.Errorf("details %s, history entry %s", a, b)
		}
		break
	}

	// The savepoint once the history no longer holds it.
	f.waitFor("the savepoint to leave the history", func() bool {
		f.get("/jobs/"+id+"/checkpoints", 200, &s)
		for _, h := range s.History {
			if int64(h["id"].(float64)) <= sp {
				return false
			}
		}
		return true
	})
	var got struct {
		ClassName   string `json:"className"`
		ID          int64  `json:"id"`
		IsSavepoint bool   `json:"is_savepoint"`
		Type        string `json:"checkpoint_type"`
	}
	f.get(details+strconv.FormatInt(sp, 10), 200, &got)
	if got.ClassName != "completed" || got.ID != sp || !got.IsSavepoint || got.Type != "SAVEPOINT" {
		t.Fatalf("savepoint %d out of the history: %+v", sp, got)
	}
	if code, body := f.call("GET", details+"0", ""); code != 404 || string(body) != `{"errors":["Could not find checkpoint statistics for checkpoint 0."]}` {
		t.Fatalf("checkpoint 0: %d %s", code, body)
	}
}
