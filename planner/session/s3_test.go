package session

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/checkpoint/s3test"
)

// Scenario 5 on S3: num-retained checkpoints are kept (older ones
// subsumed and deleted), retained on cancellation, listed with their
// s3:// paths, and the oldest one restores on purpose.
func TestRetainedCheckpointsOnS3(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	const n = 4000
	root := "s3://" + bucket + "/flink/checkpoints"
	ddl := `
` + srv.SetStatements() + `SET 'execution.checkpointing.interval' = '100ms';
SET 'state.checkpoints.dir' = '` + root + `';
SET 'state.checkpoints.num-retained' = '3';
SET 'execution.checkpointing.externalized-checkpoint-retention' = 'RETAIN_ON_CANCELLATION';
SET 'state.backend.type' = 'rocksdb';
SET 'execution.checkpointing.incremental' = 'true';
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '` + strconv.Itoa(n) + `');
CREATE TABLE counts (k BIGINT, c BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'blackhole');
`
	s := New(Options{})
	execAll(t, s, ddl+"INSERT INTO counts SELECT MOD(id, 10), COUNT(*) FROM src GROUP BY MOD(id, 10);")
	deadline := time.Now().Add(60 * time.Second)
	for s.Jobs()[0].CompletedCheckpoints() < 6 {
		if time.Now().After(deadline) {
			t.Fatal("fewer than 6 checkpoints within 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.CancelJobs()
	s.Close()
	s2 := New(Options{})
	defer s2.Close()
	rs := execAll(t, s2, ddl+"SHOW CHECKPOINTS FROM '"+root+"';")
	rows := rs[len(rs)-1].Rows
	if len(rows) != 3 {
		t.Fatalf("SHOW CHECKPOINTS: %d checkpoints retained, want 3: %v", len(rows), rows)
	}
	oldest, oldestID := "", int64(1<<62)
	for _, r := range rows {
		id, _ := strconv.ParseInt(r[2], 10, 64)
		if r[7] != "TRUE" || !strings.HasPrefix(r[len(r)-1], root+"/") {
			t.Fatalf("row %v: want a complete checkpoint under %s", r, root)
		}
		if id < oldestID {
			oldest, oldestID = r[len(r)-1], id
		}
	}
	execAll(t, s2, "SET 'execution.savepoint.path' = '"+oldest+"';\nSET 'table.dml-sync' = 'true';\n"+
		"INSERT INTO counts SELECT MOD(id, 10), COUNT(*) FROM src GROUP BY MOD(id, 10);")
	if err := s2.WaitJobs(); err != nil {
		t.Fatalf("restore from the oldest retained checkpoint %s: %v", oldest, err)
	}
}
