package session

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/flinkgo/engine/sql"
)

// A filesystem sink fed by an unbounded source without checkpointing gets
// a warning; with checkpointing, or a bounded source, it does not.
func TestWarnUncommittedFiles(t *testing.T) {
	for _, c := range []struct {
		name, set, rows string
		warn            bool
	}{
		{"unbounded without checkpoints", "", "'rows-per-second' = '10'", true},
		{"unbounded with checkpoints", "SET 'execution.checkpointing.interval' = '1s';", "'rows-per-second' = '10'", false},
		{"bounded", "", "'number-of-rows' = '3'", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var log syncLog
			s := New(Options{Log: &log})
			defer s.Close()
			execAll(t, s, c.set+`
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', `+c.rows+`);
CREATE TABLE out_files (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '`+filepath.Join(t.TempDir(), "out")+`', 'format' = 'csv');`)
			st, _ := sql.ParseScript("INSERT INTO out_files SELECT id FROM src;")
			if _, err := s.Execute(st[0]); err != nil {
				t.Fatal(err)
			}
			s.CancelJobs()
			if got := strings.Contains(log.String(), "stay in progress (hidden) forever"); got != c.warn {
				t.Fatalf("warning %v, want %v; log:\n%s", got, c.warn, log.String())
			}
		})
	}
}
