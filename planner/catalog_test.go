package planner

import (
	"testing"

	"github.com/flinkgo/engine/sql"
)

// testCatalogs is default_catalog plus c1 (databases default and shop, a
// table c1.shop.orders), with c1.shop current.
func testCatalogs(t *testing.T) *Catalog {
	t.Helper()
	c := NewCatalog()
	if err := c.CreateCatalog("c1", "", []sql.Option{{Key: "type", Value: "generic_in_memory"}}, false); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateDatabase("c1", "shop", "", nil, false); err != nil {
		t.Fatal(err)
	}
	c.AddTable(&Table{Name: "c1.shop.orders"})
	if err := c.UseDatabase("c1", "shop"); err != nil {
		t.Fatal(err)
	}
	return c
}

func name(parts ...string) sql.ObjectName { return sql.ObjectName{Parts: parts} }

func TestResolve(t *testing.T) {
	c := testCatalogs(t)
	for _, tc := range []struct {
		name sql.ObjectName
		want string
	}{
		{name("orders"), "c1.shop.orders"},
		{name("default", "t"), "c1.default.t"},
		{name("nodb", "t"), "c1.nodb.t"}, // no existence check
		{name("default_catalog", "default_database", "t"), "default_catalog.default_database.t"},
		{name("nocat", "db", "t"), "nocat.db.t"},
	} {
		got, err := c.QualifiedName(tc.name)
		if err != nil || got != tc.want {
			t.Errorf("%v: got %q, %v; want %q", tc.name.Parts, got, err, tc.want)
		}
	}
	if _, err := c.Resolve(name("a", "b", "c", "d")); err == nil {
		t.Error("four parts: no error")
	}
	// A view expands in the catalog and database it was created in.
	restore := c.SetCurrent(DefaultCatalog, DefaultDatabase)
	if got, _ := c.QualifiedName(name("orders")); got != "default_catalog.default_database.orders" {
		t.Errorf("after SetCurrent: %s", got)
	}
	restore()
	if got, _ := c.QualifiedName(name("orders")); got != "c1.shop.orders" {
		t.Errorf("after restore: %s", got)
	}
}

func TestNotFound(t *testing.T) {
	c := testCatalogs(t)
	for _, tc := range []struct {
		name sql.ObjectName
		want string
	}{
		{name("missing"), "Object 'missing' not found"},
		{name("shop", "missing"), "Object 'missing' not found within 'c1.shop'"},
		{name("nodb", "missing"), "Object 'nodb' not found within 'c1'"},
		{name("c1", "nodb", "missing"), "Object 'nodb' not found within 'c1'"},
		{name("nocat", "db", "missing"), "Object 'nocat' not found"},
		{name("default_catalog", "default_database", "missing"), "Object 'missing' not found within 'default_catalog.default_database'"},
	} {
		err := c.NotFound(tc.name, sql.Pos{})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v: got %v; want %q", tc.name.Parts, err, tc.want)
		}
	}
}

func TestCheckDatabase(t *testing.T) {
	c := testCatalogs(t)
	for _, tc := range []struct {
		catalog, database, want string
	}{
		{"c1", "shop", ""},
		{"c1", "default", ""},
		{"default_catalog", "default_database", ""},
		{"c1", "nodb", "Database nodb does not exist in Catalog c1."},
		{"nocat", "db", "Catalog nocat does not exist."},
	} {
		err := c.CheckDatabase(tc.catalog, tc.database)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s.%s: got %q; want %q", tc.catalog, tc.database, got, tc.want)
		}
	}
}

func TestCatalogLifecycle(t *testing.T) {
	c := testCatalogs(t)
	steps := []struct {
		what string
		run  func() error
		want string
	}{
		{"drop current catalog", func() error { return c.DropCatalog("c1", false) }, "Cannot drop a catalog which is currently in use."},
		{"drop current database", func() error { return c.DropDatabase("c1", "shop", false, true) }, "Cannot drop a database which is currently in use."},
		{"use catalog keeps the database when current", func() error { return c.UseCatalog("c1") }, ""},
		{"use default_catalog", func() error { return c.UseCatalog(DefaultCatalog) }, ""},
		{"restrict refuses a database with a table", func() error { return c.DropDatabase("c1", "shop", false, false) }, "Database shop in catalog c1 is not empty."},
		{"cascade drops it", func() error { return c.DropDatabase("c1", "shop", false, true) }, ""},
		{"gone", func() error { return c.DropDatabase("c1", "shop", false, false) }, "Database shop does not exist in Catalog c1."},
		{"if exists", func() error { return c.DropDatabase("c1", "shop", true, false) }, ""},
		{"unknown catalog", func() error { return c.DropCatalog("c9", false) }, "Catalog c9 does not exist."},
		{"drop c1", func() error { return c.DropCatalog("c1", false) }, ""},
		{"use dropped", func() error { return c.UseCatalog("c1") }, "A catalog with name [c1] does not exist."},
	}
	for _, s := range steps {
		err := s.run()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != s.want {
			t.Fatalf("%s: got %q; want %q", s.what, got, s.want)
		}
	}
	if _, ok := c.Table("c1.shop.orders"); ok {
		t.Error("table of a dropped database survived")
	}
	if cat, db := c.Current(); cat != DefaultCatalog || db != DefaultDatabase {
		t.Errorf("current %s.%s", cat, db)
	}
}

func TestUseCatalogDefaultDatabase(t *testing.T) {
	c := NewCatalog()
	if err := c.CreateCatalog("c2", "", []sql.Option{{Key: "type", Value: "generic_in_memory"}, {Key: "default-database", Value: "db0"}}, false); err != nil {
		t.Fatal(err)
	}
	if err := c.UseCatalog("c2"); err != nil {
		t.Fatal(err)
	}
	if cat, db := c.Current(); cat != "c2" || db != "db0" {
		t.Errorf("current %s.%s", cat, db)
	}
	if got := c.DatabaseNames(); len(got) != 1 || got[0] != "db0" {
		t.Errorf("databases %v", got)
	}
}

// TestTemporaryShadowing: a temporary table or view hides the permanent
// object of its path; DROP without TEMPORARY refuses while it does, and
// DROP TEMPORARY removes only the temporary one.
func TestTemporaryShadowing(t *testing.T) {
	c := NewCatalog()
	p := Path{DefaultCatalog, DefaultDatabase, "x"}
	c.AddTable(&Table{Name: p.String()})
	c.AddView(&View{Name: p.String(), Temporary: true})
	if _, ok := c.Table(p.String()); ok {
		t.Error("the temporary view does not hide the permanent table")
	}
	if _, ok := c.View(p.String()); !ok {
		t.Error("the temporary view is not found")
	}
	if got := c.Names(DefaultCatalog, DefaultDatabase, true, true); len(got) != 1 || got[0] != "x" {
		t.Errorf("names %v", got)
	}
	if err := c.DropObject(p, true, false, false); err == nil {
		t.Error("DROP VIEW of the permanent path: no error")
	}
	if err := c.DropObject(p, false, true, false); err == nil {
		t.Error("DROP TEMPORARY TABLE of a temporary view: no error")
	}
	if err := c.DropObject(p, true, true, false); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Table(p.String()); !ok {
		t.Error("the permanent table is not visible again")
	}
	if err := c.DropObject(p, false, false, false); err != nil {
		t.Fatal(err)
	}
	if c.Exists(p.String()) {
		t.Error("still exists")
	}
	if err := c.DropObject(p, false, false, true); err != nil {
		t.Errorf("IF EXISTS: %v", err)
	}
}
