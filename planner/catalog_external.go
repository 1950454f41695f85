package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/sql"
)

// External catalogs (CREATE CATALOG c WITH ('type' = 'jdbc', ...)): their
// databases and tables live in another system and are read from it each
// time they are named (connectors.ExternalCatalog). A table of one is
// built from its description exactly as CREATE TABLE would build it, so
// the planner scans and writes it as any connector table. They are
// read-only for DDL, as Flink's JdbcCatalog: creating, altering or
// dropping their tables or databases fails with the errors Flink's
// CatalogManager turns the catalog's UnsupportedOperationException into.
// Temporary tables and views under their paths live in the session as
// in any catalog.

// External returns the catalog's external system, nil for a catalog this
// session holds itself.
func (ci *CatalogInfo) External() connectors.ExternalCatalog { return ci.external }

// IsExternal reports whether a catalog is an external one.
func (c *Catalog) IsExternal(catalog string) bool {
	ci, ok := c.catalogs[catalog]
	return ok && ci.external != nil
}

// openExternal validates the options of an external catalog type as
// Flink's FactoryUtil does (missing required options first, then
// unsupported ones) and opens it.
func openExternal(f connectors.CatalogFactory, name, typ string, opts map[string]string) (connectors.ExternalCatalog, error) {
	var missing []string
	for _, k := range f.RequiredOptions() {
		if _, ok := opts[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, &ValidationError{Msg: "One or more required options are missing.\n\nMissing required options are:\n\n" + strings.Join(missing, "\n")}
	}
	known := map[string]bool{"type": true, "property-version": true}
	all := []string{"property-version", "type"}
	for _, k := range append(f.RequiredOptions(), f.OptionalOptions()...) {
		known[k] = true
		all = append(all, k)
	}
	var unknown []string
	for k := range opts {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		sort.Strings(all)
		return nil, &ValidationError{Msg: fmt.Sprintf("Unsupported options found for '%s'.\n\nUnsupported options:\n\n%s\n\nSupported options:\n\n%s", typ, strings.Join(unknown, "\n"), strings.Join(all, "\n"))}
	}
	o := map[string]string{}
	for k, v := range opts {
		if k != "type" && k != "property-version" {
			o[k] = v
		}
	}
	return f.Open(name, o)
}

// externalPath splits a path key of an external catalog into the catalog
// and the database and object names; ok is false for other catalogs.
func (c *Catalog) externalPath(name string) (ci *CatalogInfo, database, object string, ok bool) {
	for cn, info := range c.catalogs {
		if info.external == nil || !strings.HasPrefix(name, cn+".") {
			continue
		}
		db, obj, found := strings.Cut(name[len(cn)+1:], ".")
		if found {
			return info, db, obj, true
		}
	}
	return nil, "", "", false
}

// externalTable reads the table a path names in an external catalog: nil
// when there is none (or reading it failed: the error is kept for
// LookupErr and NotFound).
func (c *Catalog) externalTable(ci *CatalogInfo, database, object, name string) *Table {
	delete(c.lookupErr, name)
	ct, err := ci.external.GetTable(database, object)
	if err == nil && ct != nil {
		var t *Table
		if t, err = c.tableFromExternal(Path{ci.Name, database, object}, ct); err == nil {
			return t
		}
	}
	if err != nil {
		if c.lookupErr == nil {
			c.lookupErr = map[string]error{}
		}
		c.lookupErr[name] = externalError(err)
	}
	return nil
}

// externalError keeps an error that names its Flink class (a
// CatalogException, Flink's UnsupportedOperationException for a type it
// cannot map) and makes any other a CatalogException.
func externalError(err error) error {
	if _, ok := err.(interface{ FlinkClass() string }); ok {
		return err
	}
	return &CatalogError{Msg: err.Error()}
}

// LookupErr is the error that made the last lookup of a path in an
// external catalog find nothing (the server unreachable, a column type it
// cannot map), nil when the table simply does not exist.
func (c *Catalog) LookupErr(name string) error { return c.lookupErr[name] }

// tableFromExternal builds the table an external catalog describes as
// CREATE TABLE builds a declared one: physical columns, the primary key
// (NOT ENFORCED, its columns NOT NULL) and the connector options.
func (c *Catalog) tableFromExternal(p Path, ct *connectors.CatalogTable) (*Table, error) {
	def := &sql.CreateTable{Name: sql.ObjectName{Parts: []string{p.Catalog, p.Database, p.Object}}}
	for _, col := range ct.Columns {
		dt, err := sql.ParseDataType(col.Type.String())
		if err != nil {
			return nil, &CatalogError{Msg: fmt.Sprintf("Failed getting table %s.%s: column '%s' has the type %s: %v", p.Database, p.Object, col.Name, col.Type, err)}
		}
		def.Columns = append(def.Columns, &sql.ColumnDef{Name: col.Name, Type: dt})
	}
	if len(ct.PrimaryKey) > 0 {
		def.PrimaryKey = &sql.PrimaryKey{Name: ct.PrimaryKeyName, Columns: ct.PrimaryKey}
	}
	keys := make([]string, 0, len(ct.Options))
	for k := range ct.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		def.Options = append(def.Options, sql.Option{Key: k, Value: ct.Options[k]})
	}
	return c.BuildTable(def)
}

// hasDatabase reports whether a catalog holds a database.
func (c *Catalog) hasDatabase(ci *CatalogInfo, database string) (bool, error) {
	if ci.external != nil {
		ok, err := ci.external.DatabaseExists(database)
		if err != nil {
			return false, externalError(err)
		}
		return ok, nil
	}
	return ci.databases[database] != nil, nil
}

// ListDatabases lists the databases of a catalog, sorted.
func (c *Catalog) ListDatabases(catalog string) ([]string, error) {
	ci, ok := c.catalogs[catalog]
	if !ok {
		return nil, catalogMissing(catalog)
	}
	var out []string
	if ci.external != nil {
		names, err := ci.external.ListDatabases()
		if err != nil {
			return nil, externalError(err)
		}
		out = names
	} else {
		for n := range ci.databases {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

// ObjectNames is Names with the tables of an external catalog's database
// (and the temporary objects under its path).
func (c *Catalog) ObjectNames(catalog, database string, tables, views bool) ([]string, error) {
	names := c.Names(catalog, database, tables, views)
	ci, ok := c.catalogs[catalog]
	if !ok || ci.external == nil || !tables {
		return names, nil
	}
	ext, err := ci.external.ListTables(database)
	if err != nil {
		return nil, externalError(err)
	}
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	for _, n := range ext {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}

// ReadOnlyError is the error Flink's CatalogManager gives when an
// external catalog refuses to change a table: "Could not execute
// <command> in path `c`.`d`.`t`" (command CreateTable, AlterTable,
// DropTable; the catalog's UnsupportedOperationException has no message,
// so the client shows this one).
func ReadOnlyError(command string, p Path) error {
	return &TableError{Msg: fmt.Sprintf("Could not execute %s in path %s", command, p.Quoted())}
}

// readOnlyDatabaseError is CREATE / ALTER / DROP DATABASE refused by an
// external catalog, with the operation's summary as Flink prints it.
func readOnlyDatabaseError(summary string) error {
	return &TableError{Msg: "Could not execute " + summary}
}

// javaMap renders properties as Java's Map.toString does ({k=v, ...}),
// sorted by key, secret values masked.
func javaMap(props []sql.Option) string {
	m := map[string]string{}
	for _, o := range props {
		m[o.Key] = connectors.MaskValue(o.Key, o.Value)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// Close closes the external catalogs' connections.
func (c *Catalog) Close() {
	for _, ci := range c.catalogs {
		if ci.external != nil {
			ci.external.Close()
		}
	}
}
