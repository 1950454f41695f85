package session

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/flinkgo/engine/sql"
)

// TestJarsListed: SHOW JARS lists each added JAR once, as an absolute
// path, in the order added; REMOVE JAR takes it out (by any spelling of
// its path).
func TestJarsListed(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.jar", "b.JAR"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := New(Options{})
	defer s.Close()
	exec := func(stmt string) [][]string {
		t.Helper()
		stmts, err := sql.ParseScript(stmt)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Execute(stmts[0])
		if err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		return r.Rows
	}
	quote := func(p string) string { return "'" + strings.ReplaceAll(p, "'", "''") + "'" }
	a, b := filepath.Join(dir, "a.jar"), filepath.Join(dir, "b.JAR")
	exec("ADD JAR " + quote(b))
	exec("ADD JAR " + quote("file://"+a))
	exec("ADD JAR " + quote(a))
	want := [][]string{{b}, {a}}
	if got := exec("SHOW JARS"); !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("SHOW JARS = %v, want %v", got, want)
	}
	exec("REMOVE JAR " + quote(filepath.Join(dir, ".", "b.JAR")))
	if got := exec("SHOW JARS"); !slices.EqualFunc(got, [][]string{{a}}, slices.Equal) {
		t.Fatalf("after REMOVE JAR: SHOW JARS = %v, want [[%s]]", got, a)
	}
}
