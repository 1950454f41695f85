package sql

import "testing"

func TestConfiguresSession(t *testing.T) {
	for _, c := range []struct {
		stmt string
		want bool
	}{
		{"SET 'a' = 'b'", true},
		{"RESET 'a'", true},
		{"CREATE TABLE t (a INT) WITH ('connector' = 'datagen')", true},
		{"CREATE TABLE t WITH ('connector' = 'print') AS SELECT 1 AS a", false},
		{"ALTER TABLE t ADD b INT", true},
		{"ALTER VIEW v RENAME TO w", true},
		{"CREATE VIEW v AS SELECT 1", true},
		{"DROP TABLE t", true},
		{"USE CATALOG c", true},
		{"CREATE DATABASE d", true},
		{"INSERT INTO t SELECT 1", false},
		{"SELECT 1", false},
	} {
		segs := SplitScript(c.stmt + ";")
		st, err := Parse(segs[0])
		if err != nil {
			t.Fatalf("%s: %v", c.stmt, err)
		}
		if got := ConfiguresSession(st); got != c.want {
			t.Errorf("ConfiguresSession(%s) = %v, want %v", c.stmt, got, c.want)
		}
	}
}
