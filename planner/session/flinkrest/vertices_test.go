package flinkrest_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/flinkgo/engine/checkpoint"
	"github.com/flinkgo/engine/planner/session"
)

type vertexIO struct {
	ID      string `json:"id"`
	Metrics struct {
		ReadRecords      int64   `json:"read-records"`
		ReadRecordsDone  bool    `json:"read-records-complete"`
		WriteRecords     int64   `json:"write-records"`
		WriteRecordsDone bool    `json:"write-records-complete"`
		ReadBytes        int64   `json:"read-bytes"`
		WriteBytes       int64   `json:"write-bytes"`
		WriteBytesDone   bool    `json:"write-bytes-complete"`
		Busy             float64 `json:"accumulated-busy-time"`
		BackPressured    int64   `json:"accumulated-backpressured-time"`
		Idle             int64   `json:"accumulated-idle-time"`
	} `json:"metrics"`
}

// TestVertexMetricsOfFinishedJob: /jobs/:jobid sums the runtime's task
// metrics per vertex; once the job ended the figures are complete, the
// records the source vertex sent are the ones the aggregate received, and
// bytes crossed the network edge.
func TestVertexMetricsOfFinishedJob(t *testing.T) {
	f := newFixture(t, defaultConfig())
	id := f.exec(`
SET 'parallelism.default' = '2';
CREATE TABLE src (id BIGINT, name STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '1000', 'fields.name.length' = '1');
CREATE TABLE sink (name STRING, n BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT name, COUNT(*) FROM src GROUP BY name;
`)
	if err := f.job(id).Wait(); err != nil {
		t.Fatal(err)
	}
	var d struct {
		State    string     `json:"state"`
		Vertices []vertexIO `json:"vertices"`
	}
	f.get("/jobs/"+id, 200, &d)
	if d.State != "FINISHED" || len(d.Vertices) != 2 {
		t.Fatalf("%s with %d vertices", d.State, len(d.Vertices))
	}
	src, agg := d.Vertices[0].Metrics, d.Vertices[1].Metrics
	if src.ReadRecords != 1000 || src.WriteRecords != 1000 || agg.ReadRecords != 1000 {
		t.Errorf("records: source in %d out %d, aggregate in %d; want 1000", src.ReadRecords, src.WriteRecords, agg.ReadRecords)
	}
	if src.WriteBytes <= 0 || agg.ReadBytes != src.WriteBytes {
		t.Errorf("bytes: source out %d, aggregate in %d", src.WriteBytes, agg.ReadBytes)
	}
	if !src.ReadRecordsDone || !src.WriteRecordsDone || !agg.WriteBytesDone {
		t.Errorf("a finished job's metrics are not complete: %+v %+v", src, agg)
	}
	if src.Busy+float64(src.Idle+src.BackPressured) <= 0 {
		t.Errorf("no accumulated time: %+v", src)
	}
	// Per subtask, the vertex details add up to the vertex's figures.
	var vd struct {
		Subtasks []struct {
			Subtask int    `json:"subtask"`
			Status  string `json:"status"`
			IO      struct {
				ReadRecords int64 `json:"read-records"`
			} `json:"metrics"`
		} `json:"subtasks"`
	}
	f.get("/jobs/"+id+"/vertices/"+d.Vertices[1].ID, 200, &vd)
	var sum int64
	for i, s := range vd.Subtasks {
		if s.Subtask != i || s.Status != "FINISHED" {
			t.Errorf("subtask %d: %+v", i, s)
		}
		sum += s.IO.ReadRecords
	}
	if len(vd.Subtasks) != 2 || sum != 1000 {
		t.Errorf("subtasks %+v read %d records", vd.Subtasks, sum)
	}
}

// TestVertexBackPressureAndMetrics: on a running job the back-pressure
// ratios are shares of the time since the previous call, the levels
// follow Flink's thresholds, and the metrics endpoint answers what it was
// asked for. (No SQL sink is slow on purpose; the runtime's tests check
// that a blocked send counts as back pressure.)
func TestVertexBackPressureAndMetrics(t *testing.T) {
	f := newFixture(t, defaultConfig())
	id := f.exec(unboundedJob)
	f.waitFor("the job to run", func() bool { return f.state(id) == "RUNNING" })
	v := f.job(id).Graph().Vertices[0]
	base := "/jobs/" + id + "/vertices/" + v.Source.ID
	f.waitFor("records read", func() bool {
		var m []struct{ ID, Value string }
		f.get(base+"/metrics?get=numRecordsIn", 200, &m)
		if len(m) != 1 {
			return false
		}
		n, _ := strconv.ParseInt(m[0].Value, 10, 64)
		return n > 0
	})
	for range 3 {
		var bp struct {
			Status   string `json:"status"`
			Level    string `json:"backpressure-level"`
			End      int64  `json:"end-timestamp"`
			Subtasks []struct {
				Subtask int     `json:"subtask"`
				Level   string  `json:"backpressure-level"`
				Ratio   float64 `json:"ratio"`
				Idle    float64 `json:"idleRatio"`
				Busy    float64 `json:"busyRatio"`
			} `json:"subtasks"`
		}
		f.get(base+"/backpressure", 200, &bp)
		if bp.Status != "ok" || bp.End <= 0 || len(bp.Subtasks) != v.Parallelism {
			t.Fatalf("backpressure %+v", bp)
		}
		for _, s := range bp.Subtasks {
			total := s.Ratio + s.Idle + s.Busy
			if s.Ratio < 0 || s.Idle < 0 || s.Busy < 0 || (total != 0 && (total < 0.999 || total > 1.001)) {
				t.Errorf("ratios %+v add up to %v", s, total)
			}
			want := "high"
			if s.Ratio <= 0.1 {
				want = "ok"
			} else if s.Ratio <= 0.5 {
				want = "low"
			}
			if s.Level != want {
				t.Errorf("level %s for ratio %v", s.Level, s.Ratio)
			}
		}
	}
	var m []struct{ ID, Value string }
	f.get(base+"/metrics?get=0.busyTimeMsPerSecond,0.idleTimeMsPerSecond,0.currentInputWatermark,unknown", 200, &m)
	if len(m) != 3 || m[0].ID != "0.busyTimeMsPerSecond" || !strings.Contains(m[0].Value, ".") ||
		m[2].Value != strconv.FormatInt(-1<<63, 10) {
		t.Errorf("metrics %+v", m)
	}
	if code, _ := f.call("GET", "/jobs/"+id+"/vertices/nope/backpressure", ""); code != 400 {
		t.Errorf("malformed vertex id: %d", code)
	}
}

// TestFailedCheckpointInHistory: a checkpoint whose _metadata cannot be
// written shows as FAILED with its message in the history and as the
// latest failed one; later checkpoints complete and are counted.
func TestFailedCheckpointInHistory(t *testing.T) {
	fs := checkpoint.NewFaultStorage(checkpoint.NewLocalStorage())
	fs.FailWritesMatching("/chk-2/_metadata", errors.New("injected: no space left on device"))
	f := newFixtureWith(t, defaultConfig(), session.Options{Storage: fs})
	id := f.exec("SET 'execution.checkpointing.tolerable-failed-checkpoints' = '10';\nSET 'web.checkpoints.history' = '3';\n" + unboundedJob)
	j := f.job(id)
	f.waitFor("a checkpoint after the failed one", func() bool { return j.History().Completed >= 3 })
	type stats struct {
		ID      int64  `json:"id"`
		Status  string `json:"status"`
		Class   string `json:"className"`
		Message string `json:"failure_message"`
		FailAt  int64  `json:"failure_timestamp"`
		Path    string `json:"external_path"`
	}
	var cs struct {
		Counts struct {
			Completed, Failed, Total int64
			InProgress               int `json:"in_progress"`
		} `json:"counts"`
		Latest struct {
			Completed *stats `json:"completed"`
			Failed    *stats `json:"failed"`
		} `json:"latest"`
		History []stats `json:"history"`
	}
	f.get("/jobs/"+id+"/checkpoints", 200, &cs)
	if cs.Counts.Failed != 1 || cs.Counts.Completed < 3 || cs.Counts.Total != cs.Counts.Completed+cs.Counts.Failed+int64(cs.Counts.InProgress) {
		t.Fatalf("counts %+v", cs.Counts)
	}
	fl := cs.Latest.Failed
	if fl == nil || fl.ID != 2 || fl.Status != "FAILED" || fl.Class != "failed" || fl.FailAt <= 0 ||
		!strings.Contains(fl.Message, "no space left on device") {
		t.Fatalf("latest failed %+v", fl)
	}
	if c := cs.Latest.Completed; c == nil || c.ID < 3 || !strings.HasSuffix(c.Path, "/chk-"+strconv.FormatInt(c.ID, 10)) {
		t.Fatalf("latest completed %+v", c)
	}
	if len(cs.History) > 3 || len(cs.History) == 0 {
		t.Fatalf("history of %d (web.checkpoints.history 3)", len(cs.History))
	}
	for i := 1; i < len(cs.History); i++ {
		if cs.History[i].ID >= cs.History[i-1].ID {
			t.Fatalf("history not newest first: %+v", cs.History)
		}
	}
}
