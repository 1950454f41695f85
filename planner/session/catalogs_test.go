package session

import "testing"

// TestCatalogJobNames: a job keeps Flink's name insert-into_<catalog>.<db>.<table>
// for sinks in any catalog and database, however the name was written.
func TestCatalogJobNames(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	execAll(t, s, `
SET 'table.dml-sync' = 'true';
CREATE CATALOG c1 WITH ('type' = 'generic_in_memory');
CREATE DATABASE c1.shop;
CREATE TABLE src (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '3');
CREATE TABLE c1.shop.sink (id INT) WITH ('connector' = 'blackhole');
CREATE TABLE c1.`+"`default`"+`.other (id INT) WITH ('connector' = 'blackhole');
INSERT INTO c1.shop.sink SELECT id FROM src;
USE c1.shop;
INSERT INTO sink SELECT id FROM default_catalog.default_database.src;
EXECUTE STATEMENT SET BEGIN
INSERT INTO sink SELECT id FROM default_catalog.default_database.src;
INSERT INTO `+"`default`"+`.other SELECT id FROM default_catalog.default_database.src;
END;`)
	want := []string{
		"insert-into_c1.shop.sink",
		"insert-into_c1.shop.sink",
		"insert-into_c1.shop.sink,c1.default.other",
	}
	jobs := s.Jobs()
	if len(jobs) != len(want) {
		t.Fatalf("%d jobs, want %d", len(jobs), len(want))
	}
	for i, j := range jobs {
		if j.Name != want[i] {
			t.Errorf("job %d: name %q, want %q", i, j.Name, want[i])
		}
	}
}
