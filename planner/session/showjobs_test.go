package session

import (
	"os"
	"path/filepath"
	"testing"
)

// TestShowJobsRecordCounts: "records in" counts every record the source
// read, the malformed one it skipped included, so a pass-through job
// shows in = out + skipped; a filter drops rows between in and out.
func TestShowJobsRecordCounts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "in")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "x.json"), []byte("{\"id\": 1, \"s\": \"a\"}\n{\"id\": 2, \"s\n{\"id\": 3, \"s\": \"c\"}\n{\"id\": 4}\n"), 0o644)
	s := New(Options{})
	defer s.Close()
	res := execAll(t, s, `
SET 'table.dml-sync' = 'true';
CREATE TABLE src (id INT, s STRING) WITH ('connector' = 'filesystem', 'path' = '`+dir+`', 'format' = 'json', 'json.ignore-parse-errors' = 'true');
CREATE TABLE sink (id INT, s STRING) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT id, s FROM src;
INSERT INTO sink SELECT id, s FROM src WHERE id > 1;
SHOW JOBS;`)
	jobs := res[len(res)-1]
	col := map[string]int{}
	for i, c := range jobs.Columns {
		col[c] = i
	}
	want := []struct{ in, out, skipped string }{
		{"4", "3", "1"}, // pass-through: 4 = 3 + 1
		{"4", "2", "1"}, // the filter drops id 1
	}
	if len(jobs.Rows) != len(want) {
		t.Fatalf("SHOW JOBS: %v", jobs.Rows)
	}
	for i, w := range want {
		row := jobs.Rows[i]
		got := []string{row[col["records in (read by sources)"]], row[col["records out (to sinks)"]], row[col["skipped (malformed + late)"]]}
		if got[0] != w.in || got[1] != w.out || got[2] != w.skipped || row[col["status"]] != "FINISHED" {
			t.Errorf("job %d: status %s, in/out/skipped %v, want %v\n%v", i, row[col["status"]], got, w, jobs.Columns)
		}
	}
}
