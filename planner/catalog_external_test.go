package planner

import (
	"errors"
	"strings"
	"testing"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// fakeExternal is an external catalog in memory: database → table →
// description; a table named "broken" fails to load.
type fakeExternal struct {
	dbs    map[string]map[string]*connectors.CatalogTable
	closed bool
}

func (f *fakeExternal) ListDatabases() ([]string, error) {
	var out []string
	for d := range f.dbs {
		out = append(out, d)
	}
	return out, nil
}
func (f *fakeExternal) DatabaseExists(name string) (bool, error) { return f.dbs[name] != nil, nil }
func (f *fakeExternal) ListTables(db string) ([]string, error) {
	var out []string
	for t := range f.dbs[db] {
		out = append(out, t)
	}
	return out, nil
}
func (f *fakeExternal) GetTable(db, table string) (*connectors.CatalogTable, error) {
	if table == "broken" {
		return nil, errors.New("server gone")
	}
	return f.dbs[db][table], nil
}
func (f *fakeExternal) Close() error { f.closed = true; return nil }

type fakeExternalFactory struct{}

var lastFake *fakeExternal

func (fakeExternalFactory) Identifier() string        { return "test_external" }
func (fakeExternalFactory) RequiredOptions() []string { return []string{"default-database", "secret"} }
func (fakeExternalFactory) OptionalOptions() []string { return []string{"extra"} }
func (fakeExternalFactory) Open(name string, o map[string]string) (connectors.ExternalCatalog, error) {
	if o["secret"] == "wrong" {
		return nil, &ValidationError{Msg: "Failed connecting to fake via JDBC."}
	}
	lastFake = &fakeExternal{dbs: map[string]map[string]*connectors.CatalogTable{
		"db1": {"t": {
			Columns:        []connectors.Column{{Name: "id", Type: types.Int}, {Name: "v", Type: types.VarChar(10)}},
			PrimaryKey:     []string{"id"},
			PrimaryKeyName: "PRIMARY",
			Options:        map[string]string{"connector": "blackhole"},
		}},
		"db2": {},
	}}
	return lastFake, nil
}

func init() { connectors.RegisterCatalog(fakeExternalFactory{}) }

func openFake(t *testing.T) *Catalog {
	t.Helper()
	c := NewCatalog()
	opts := []sql.Option{{Key: "type", Value: "test_external"}, {Key: "default-database", Value: "db1"}, {Key: "secret", Value: "s"}}
	if err := c.CreateCatalog("ext", "", opts, false); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestExternalCatalogOptions(t *testing.T) {
	c := NewCatalog()
	for _, tc := range []struct {
		opts []sql.Option
		want string
	}{
		{[]sql.Option{{Key: "type", Value: "test_external"}},
			"One or more required options are missing.\n\nMissing required options are:\n\ndefault-database\nsecret"},
		{[]sql.Option{{Key: "type", Value: "test_external"}, {Key: "default-database", Value: "db1"}, {Key: "secret", Value: "s"}, {Key: "x", Value: "y"}},
			"Unsupported options found for 'test_external'.\n\nUnsupported options:\n\nx\n\nSupported options:\n\ndefault-database\nextra\nproperty-version\nsecret\ntype"},
		{[]sql.Option{{Key: "type", Value: "test_external"}, {Key: "default-database", Value: "db1"}, {Key: "secret", Value: "wrong"}},
			"Failed connecting to fake via JDBC."},
	} {
		err := c.CreateCatalog("ext", "", tc.opts, false)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v: got %v, want %q", tc.opts, err, tc.want)
		}
	}
	if _, ok := c.CatalogInfo("ext"); ok {
		t.Error("a failed CREATE CATALOG registered the catalog")
	}
	err := c.CreateCatalog("x", "", []sql.Option{{Key: "type", Value: "nope"}}, false)
	if err == nil || !strings.Contains(err.Error(), "generic_in_memory\n") || !strings.Contains(err.Error(), "test_external") {
		t.Errorf("unknown type: %v", err)
	}
}

func TestExternalCatalogTables(t *testing.T) {
	c := openFake(t)
	if err := c.UseCatalog("ext"); err != nil {
		t.Fatal(err)
	}
	if cat, db := c.Current(); cat != "ext" || db != "db1" {
		t.Fatalf("current %s.%s", cat, db)
	}
	if got, _ := c.ListDatabases("ext"); strings.Join(got, ",") != "db1,db2" {
		t.Errorf("databases %v", got)
	}
	tb, ok := c.Table("ext.db1.t")
	if !ok {
		t.Fatal("ext.db1.t not found")
	}
	if tb.Name != "ext.db1.t" || len(tb.Columns) != 2 || tb.Columns[0].Type.Nullable() || !tb.Columns[1].Type.Nullable() ||
		strings.Join(tb.PrimaryKey, ",") != "id" || tb.PrimaryKeyName != "PRIMARY" || tb.Options["connector"] != "blackhole" {
		t.Errorf("table %+v", tb)
	}
	if _, ok := c.Table("ext.db1.nope"); ok {
		t.Error("ext.db1.nope found")
	}
	if err := c.NotFound(name("nope"), sql.Pos{}); err == nil || err.Error() != "Object 'nope' not found" {
		t.Errorf("NotFound: %v", err)
	}
	if err := c.NotFound(name("db3", "nope"), sql.Pos{}); err == nil || err.Error() != "Object 'db3' not found within 'ext'" {
		t.Errorf("NotFound: %v", err)
	}
	// A table that cannot be read: the reason, not "not found".
	if _, ok := c.Table("ext.db1.broken"); ok {
		t.Error("broken found")
	}
	if err := c.NotFound(name("broken"), sql.Pos{}); err == nil || err.Error() != "server gone" {
		t.Errorf("NotFound broken: %v", err)
	}
	// Temporary objects live under the path and shadow.
	c.AddTable(&Table{Name: "ext.db1.tmp", Temporary: true})
	c.AddView(&View{Name: "ext.db1.t", Temporary: true})
	if got, _ := c.ObjectNames("ext", "db1", true, true); strings.Join(got, ",") != "t,tmp" {
		t.Errorf("names %v", got)
	}
	if _, ok := c.View("ext.db1.t"); !ok {
		t.Error("the temporary view does not shadow the external table")
	}
	if !c.DatabaseExists("ext", "db2") || c.DatabaseExists("ext", "db3") {
		t.Error("DatabaseExists")
	}
	if err := c.UseDatabase("ext", "db3"); err == nil {
		t.Error("USE db3 succeeded")
	}
}

func TestExternalCatalogReadOnly(t *testing.T) {
	c := openFake(t)
	p := Path{"ext", "db1", "t"}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{c.DropObject(p, false, false, false), "Could not execute DropTable in path `ext`.`db1`.`t`"},
		{c.DropObject(Path{"ext", "db1", "nope"}, false, false, false), "Table with identifier 'ext.db1.nope' does not exist."},
		{c.DropObject(p, true, false, false), "View with identifier 'ext.db1.t' does not exist."},
		{c.CreateDatabase("ext", "n", "", []sql.Option{{Key: "password", Value: "pw"}}, true),
			"Could not execute CREATE DATABASE: (catalogDatabase: [{password=******}], catalogName: [ext], databaseName: [n], ignoreIfExists: [true])"},
		{c.AlterDatabase("ext", "db1", []sql.Option{{Key: "k", Value: "v"}}), "Could not execute ALTER DATABASE: (alterDatabase: [{k=v}], catalogName: [ext], databaseName: [db1])"},
		{c.AlterDatabase("ext", "db9", nil), "Database db9 does not exist in Catalog ext."},
		{c.DropDatabase("ext", "db2", true, false), "Could not execute DROP DATABASE IF EXISTS  ext.db2 RESTRICT"},
	} {
		if tc.err == nil || tc.err.Error() != tc.want {
			t.Errorf("got %v, want %q", tc.err, tc.want)
		}
	}
	if err := c.DropObject(Path{"ext", "db1", "nope"}, false, false, true); err != nil {
		t.Errorf("DROP TABLE IF EXISTS: %v", err)
	}
	f := lastFake
	if err := c.DropCatalog("ext", false); err != nil || !f.closed {
		t.Errorf("DROP CATALOG: %v, closed %v", err, f.closed)
	}
}
