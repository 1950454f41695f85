package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime/expr"
	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// Default catalog and database names, as Flink's.
const (
	DefaultCatalog  = "default_catalog"
	DefaultDatabase = "default_database"
)

// ColumnKind says how a table column gets its value.
type ColumnKind uint8

const (
	PhysicalColumn ColumnKind = iota
	MetadataColumn
	ComputedColumn
)

// TableColumn is one column of a catalog table.
type TableColumn struct {
	Name        string
	Type        *types.Type
	Kind        ColumnKind
	MetadataKey string
	Virtual     bool
	Computed    *sql.Expr
	Comment     string
	// Expr is the computed column bound over the connector columns.
	Expr expr.Expr
	// Connector is the index in Table.ConnectorColumns, -1 for computed.
	Connector int
}

// Table is a catalog table created by CREATE TABLE.
type Table struct {
	Name             string // default_catalog.default_database.t
	Def              *sql.CreateTable
	Columns          []TableColumn
	ConnectorColumns []connectors.Column
	Options          map[string]string
	PrimaryKey       []string
	PrimaryKeyName   string
	Rowtime          int // column index of the watermark's rowtime, -1 if none
	Watermark        expr.Expr
	Temporary        bool
}

// ColumnIndex returns the index of a column by name, -1 if absent.
func (t *Table) ColumnIndex(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// View is a catalog view.
type View struct {
	Name string
	// Catalog and Database were current when the view was created: its
	// query's names resolve against them, as Flink expands them then.
	Catalog, Database string
	Def               *sql.CreateView
	Query             *sql.Query
	// Expanded is the query as Flink stores it expanded (see
	// sql.Query.Expanded), taken when the view was created; "" when the
	// query is beyond what the expansion covers.
	Expanded  string
	Columns   []Column
	Temporary bool
}

// Catalog is the session's catalog manager: the catalogs, each with its
// databases, the tables and views of every catalog and database (keyed by
// their full path catalog.database.name, temporary ones included), and the
// current catalog and database names resolve against. It is used by one
// session goroutine at a time.
type Catalog struct {
	tables map[string]*Table
	views  map[string]*View
	// tempTables and tempViews hold the temporary objects: a temporary
	// table or view hides a permanent object of the same path.
	tempTables map[string]*Table
	tempViews  map[string]*View
	catalogs   map[string]*CatalogInfo
	current    string // current catalog
	database   string // current database
	// lookupErr holds, per path, why the last lookup in an external
	// catalog failed (see LookupErr).
	lookupErr map[string]error
}

// CatalogInfo is one catalog registered by CREATE CATALOG (or the built-in
// default_catalog).
type CatalogInfo struct {
	Name    string
	Type    string // generic_in_memory
	Comment string
	// Options are the WITH options as written, 'type' included.
	Options   []sql.Option
	databases map[string]*Database
	// builtin is default_catalog: it has no descriptor Flink can describe.
	builtin bool
	// external is the system holding an external catalog's databases and
	// tables (catalog_external.go); nil for the session's own catalogs.
	external connectors.ExternalCatalog
}

// Database is a database of a catalog.
type Database struct {
	Name       string
	Comment    string
	Properties map[string]string
}

// NewCatalog returns a catalog manager holding default_catalog with its
// empty default_database, both current.
func NewCatalog() *Catalog {
	c := &Catalog{tables: map[string]*Table{}, views: map[string]*View{}, catalogs: map[string]*CatalogInfo{},
		tempTables: map[string]*Table{}, tempViews: map[string]*View{},
		current: DefaultCatalog, database: DefaultDatabase}
	c.catalogs[DefaultCatalog] = &CatalogInfo{Name: DefaultCatalog, Type: "generic_in_memory", builtin: true,
		databases: map[string]*Database{DefaultDatabase: {Name: DefaultDatabase, Properties: map[string]string{}}}}
	return c
}

// ValidationError is a statement the planner rejects, printed as Flink's
// client prints the same rejection. Origin says whose check it is:
//   - originEngine: a check of this engine (mostly "not supported yet"):
//     Flink's ValidationException text "SQL validation failed. From line L,
//     column C: msg", so the message says where.
//   - originCalcite: a check of Calcite's validator (an unknown column,
//     object or function; an operator's argument types). Flink's client
//     prints the innermost cause, the SqlValidatorException with the bare
//     message; the position is in the CalciteContextException around it,
//     which sql-client.verbose shows (Chain).
//   - originFlink: a check of Flink's planner with Flink's message: its
//     ValidationException with the bare message (position under verbose).
type ValidationError struct {
	Msg    string
	Pos    sql.Pos
	Origin ErrorOrigin
}

// ErrorOrigin is whose check rejected a statement (ValidationError).
type ErrorOrigin uint8

const (
	originEngine ErrorOrigin = iota
	originCalcite
	originFlink
)

func (e *ValidationError) Error() string {
	if e.Pos.Line > 0 && e.Origin == originEngine {
		return "SQL validation failed. " + e.position() + ": " + e.Msg
	}
	return e.Msg
}

// position is Calcite's "From line L, column C" of the error.
func (e *ValidationError) position() string {
	return fmt.Sprintf("From line %d, column %d", e.Pos.Line, e.Pos.Col)
}

func (e *ValidationError) FlinkClass() string {
	if e.Origin == originCalcite {
		return sqlValidatorException
	}
	return validationException
}

// Chain is the exception chain Flink's client prints with
// sql-client.verbose, outermost first: for a positioned error of Calcite's
// validator the ValidationException, the CalciteContextException with the
// position and the SqlValidatorException.
func (e *ValidationError) Chain() []string {
	if e.Pos.Line == 0 || e.Origin == originEngine {
		return []string{e.FlinkClass() + ": " + e.Error()}
	}
	at := e.position() + ": " + e.Msg
	if e.Origin == originFlink {
		return []string{validationException + ": SQL validation failed. " + at}
	}
	return []string{validationException + ": SQL validation failed. " + at,
		"org.apache.calcite.runtime.CalciteContextException: " + at,
		sqlValidatorException + ": " + e.Msg}
}

const (
	validationException   = "org.apache.flink.table.api.ValidationException"
	sqlValidatorException = "org.apache.calcite.sql.validate.SqlValidatorException"
)

// SqlValidatorError is Calcite's SqlValidatorException. Flink's client
// prints the innermost cause of an error that has a message; for an
// expression of CREATE TABLE (a computed column, a watermark) that the
// validator rejects, that is the SqlValidatorException itself, without the
// position the CalciteContextException around it adds.
type SqlValidatorError struct{ Msg string }

func (e *SqlValidatorError) Error() string      { return e.Msg }
func (e *SqlValidatorError) FlinkClass() string { return sqlValidatorException }

// validatorCause turns the validation error of a CREATE TABLE expression
// into the SqlValidatorException Flink prints for it.
func validatorCause(err error) error {
	if v, ok := err.(*ValidationError); ok {
		return &SqlValidatorError{Msg: v.Msg}
	}
	return err
}

// TableError is Flink's TableException (planning failures).
type TableError struct{ Msg string }

func (e *TableError) Error() string      { return e.Msg }
func (e *TableError) FlinkClass() string { return "org.apache.flink.table.api.TableException" }

// validationf is an error of the engine's own checks.
func validationf(pos sql.Pos, format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...), Pos: pos}
}

// calcitef is an error Calcite's validator raises in Flink, with its
// message.
func calcitef(pos sql.Pos, format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...), Pos: pos, Origin: originCalcite}
}

// flinkf is an error Flink's planner raises, with its message.
func flinkf(pos sql.Pos, format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...), Pos: pos, Origin: originFlink}
}

// Path is the full identifier of a table or view.
type Path struct {
	Catalog, Database, Object string
}

// String is catalog.database.object, the catalog's key and Flink's
// ObjectIdentifier.asSummaryString.
func (p Path) String() string { return p.Catalog + "." + p.Database + "." + p.Object }

// Quoted is `catalog`.`database`.`object`.
func (p Path) Quoted() string {
	q := func(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
	return q(p.Catalog) + "." + q(p.Database) + "." + q(p.Object)
}

// Resolve expands a written name as Flink's CatalogManager.qualifyIdentifier
// does: name → current catalog and database; db.name → current catalog;
// catalog.db.name as written. It does not check that anything exists.
func (c *Catalog) Resolve(n sql.ObjectName) (Path, error) {
	switch len(n.Parts) {
	case 1:
		return Path{c.current, c.database, n.Parts[0]}, nil
	case 2:
		return Path{c.current, n.Parts[0], n.Parts[1]}, nil
	case 3:
		return Path{n.Parts[0], n.Parts[1], n.Parts[2]}, nil
	}
	return Path{}, validationf(n.Pos, "Object identifier can have at most 3 parts: %s", strings.Join(n.Parts, "."))
}

// QualifiedName is Resolve as catalog.database.name.
func (c *Catalog) QualifiedName(n sql.ObjectName) (string, error) {
	p, err := c.Resolve(n)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

// ResolveDatabase expands a written database name, db or catalog.db.
func (c *Catalog) ResolveDatabase(n sql.ObjectName) (catalog, database string, err error) {
	switch len(n.Parts) {
	case 1:
		return c.current, n.Parts[0], nil
	case 2:
		return n.Parts[0], n.Parts[1], nil
	}
	return "", "", &sql.Error{Pos: n.Pos, Msg: fmt.Sprintf("Invalid database name: %s. Expected [catalog_name.]database_name", strings.Join(n.Parts, "."))}
}

// CheckDatabase reports, as Flink's CREATE TABLE/VIEW does, a missing
// catalog or database.
func (c *Catalog) CheckDatabase(catalog, database string) error {
	cat, ok := c.catalogs[catalog]
	if !ok {
		return &ValidationError{Msg: fmt.Sprintf("Catalog %s does not exist.", catalog)}
	}
	if ok, err := c.hasDatabase(cat, database); err != nil {
		return err
	} else if !ok {
		return databaseNotExist(catalog, database)
	}
	return nil
}

// NotFound is the validator's error for a table reference that resolves to
// nothing, naming the longest part of the path that exists:
// Object 'x' not found [within 'catalog.db'].
func (c *Catalog) NotFound(n sql.ObjectName, pos sql.Pos) error {
	p, err := c.Resolve(n)
	if err != nil {
		return err
	}
	if err := c.lookupErr[p.String()]; err != nil {
		return err
	}
	cat, ok := c.catalogs[p.Catalog]
	hasDB := false
	if ok {
		if hasDB, err = c.hasDatabase(cat, p.Database); err != nil {
			return err
		}
	}
	switch {
	case !ok:
		return calcitef(pos, "Object '%s' not found", n.Parts[0])
	case !hasDB:
		return calcitef(pos, "Object '%s' not found within '%s'", p.Database, p.Catalog)
	case len(n.Parts) == 1:
		return calcitef(pos, "Object '%s' not found", p.Object)
	}
	return calcitef(pos, "Object '%s' not found within '%s.%s'", p.Object, p.Catalog, p.Database)
}

// CatalogObjectError is one of Flink's catalog exceptions
// (org.apache.flink.table.catalog.exceptions.<Class>).
type CatalogObjectError struct{ Class, Msg string }

func (e *CatalogObjectError) Error() string { return e.Msg }
func (e *CatalogObjectError) FlinkClass() string {
	return "org.apache.flink.table.catalog.exceptions." + e.Class
}

func databaseNotExist(catalog, database string) error {
	return &CatalogObjectError{Class: "DatabaseNotExistException", Msg: fmt.Sprintf("Database %s does not exist in Catalog %s.", database, catalog)}
}

func catalogMissing(catalog string) error {
	return &ValidationError{Msg: fmt.Sprintf("Catalog %s does not exist", catalog)}
}

// Current returns the current catalog and database.
func (c *Catalog) Current() (catalog, database string) { return c.current, c.database }

// SetCurrent sets the current catalog and database without checks (the
// planner expands a view in the context it was created in) and returns a
// function restoring the previous ones.
func (c *Catalog) SetCurrent(catalog, database string) (restore func()) {
	oc, od := c.current, c.database
	c.current, c.database = catalog, database
	return func() { c.current, c.database = oc, od }
}

// CatalogFactories are the catalog types the session holds itself, with
// the options each takes besides 'type'; the external ones ('jdbc') are
// the connectors' catalog factories (connectors.RegisterCatalog).
var CatalogFactories = map[string][]string{
	"generic_in_memory": {"default-database"},
}

// CreateCatalog registers a catalog, as CREATE CATALOG.
func (c *Catalog) CreateCatalog(name, comment string, options []sql.Option, ifNotExists bool) error {
	if _, ok := c.catalogs[name]; ok {
		if ifNotExists {
			return nil
		}
		return &CatalogError{Msg: fmt.Sprintf("Catalog %s already exists.", name)}
	}
	opts := map[string]string{}
	for _, o := range options {
		opts[o.Key] = o.Value
	}
	typ, ok := opts["type"]
	if !ok {
		return &ValidationError{Msg: "Catalog options do not contain an option key 'type' for discovering a catalog."}
	}
	if f, ok := connectors.LookupCatalog(typ); ok {
		ext, err := openExternal(f, name, typ, opts)
		if err != nil {
			return err
		}
		c.catalogs[name] = &CatalogInfo{Name: name, Type: typ, Comment: comment, Options: options, external: ext}
		return nil
	}
	supported, ok := CatalogFactories[typ]
	if !ok {
		var ids []string
		for id := range CatalogFactories {
			ids = append(ids, id)
		}
		ids = append(ids, connectors.CatalogIdentifiers()...)
		sort.Strings(ids)
		return &ValidationError{Msg: fmt.Sprintf("Could not find any factory for identifier '%s' that implements 'org.apache.flink.table.factories.CatalogFactory' in the classpath.\n\nAvailable factory identifiers are:\n\n%s", typ, strings.Join(ids, "\n"))}
	}
	known := map[string]bool{"type": true, "property-version": true}
	for _, k := range supported {
		known[k] = true
	}
	var unknown []string
	for k := range opts {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		all := append([]string{"property-version", "type"}, supported...)
		sort.Strings(all)
		return &ValidationError{Msg: fmt.Sprintf("Unsupported options found for '%s'.\n\nUnsupported options:\n\n%s\n\nSupported options:\n\n%s", typ, strings.Join(unknown, "\n"), strings.Join(all, "\n"))}
	}
	def := "default"
	if d, ok := opts["default-database"]; ok {
		def = d
	}
	c.catalogs[name] = &CatalogInfo{Name: name, Type: typ, Comment: comment, Options: options,
		databases: map[string]*Database{def: {Name: def, Properties: map[string]string{}}}}
	return nil
}

// AlterCatalog gives a catalog made by CREATE CATALOG new options and a new
// comment, as Flink's ALTER CATALOG does: the catalog is created anew from
// its changed descriptor (Flink's CatalogManager.alterCatalog initializes a
// new catalog instance and closes the old one, so a generic_in_memory
// catalog starts again with only its default database). When the new
// options do not make a catalog, the old one stays as it was. The built-in
// default_catalog has no descriptor in the catalog store.
func (c *Catalog) AlterCatalog(name string, options []sql.Option, comment string) error {
	old, ok := c.catalogs[name]
	if !ok || old.builtin {
		return &CatalogError{Msg: fmt.Sprintf("Catalog %s does not exist in the catalog store.", name)}
	}
	delete(c.catalogs, name)
	if err := c.CreateCatalog(name, comment, options, false); err != nil {
		c.catalogs[name] = old
		return err
	}
	c.dropObjects(name+".", false)
	if old.external != nil {
		old.external.Close()
	}
	return nil
}

// DropCatalog removes a catalog with its databases, tables and views (the
// temporary ones stay, as in Flink).
func (c *Catalog) DropCatalog(name string, ifExists bool) error {
	if _, ok := c.catalogs[name]; !ok {
		if ifExists {
			return nil
		}
		return &CatalogError{Msg: fmt.Sprintf("Catalog %s does not exist.", name)}
	}
	if name == c.current {
		return &CatalogError{Msg: "Cannot drop a catalog which is currently in use."}
	}
	c.dropObjects(name+".", false)
	if ext := c.catalogs[name].external; ext != nil {
		ext.Close()
	}
	delete(c.catalogs, name)
	return nil
}

// dropObjects removes the permanent tables and views whose key starts with
// prefix; onlyCount just reports whether there are any.
func (c *Catalog) dropObjects(prefix string, onlyCount bool) bool {
	found := false
	for k := range c.tables {
		if strings.HasPrefix(k, prefix) {
			found = true
			if !onlyCount {
				delete(c.tables, k)
			}
		}
	}
	for k := range c.views {
		if strings.HasPrefix(k, prefix) {
			found = true
			if !onlyCount {
				delete(c.views, k)
			}
		}
	}
	return found
}

// UseCatalog makes a catalog current, with its default database (nothing
// changes when it is current already).
func (c *Catalog) UseCatalog(name string) error {
	cat, ok := c.catalogs[name]
	if !ok {
		return &CatalogError{Msg: fmt.Sprintf("A catalog with name [%s] does not exist.", name)}
	}
	if name != c.current {
		c.current = name
		c.database = cat.defaultDatabase()
	}
	return nil
}

func (ci *CatalogInfo) defaultDatabase() string {
	if ci.builtin {
		return DefaultDatabase
	}
	for _, o := range ci.Options {
		if o.Key == "default-database" {
			return o.Value
		}
	}
	return "default"
}

// CatalogInfo returns a catalog by name.
func (c *Catalog) CatalogInfo(name string) (*CatalogInfo, bool) {
	ci, ok := c.catalogs[name]
	return ci, ok
}

// Builtin reports the built-in default_catalog, which has no descriptor.
func (ci *CatalogInfo) Builtin() bool { return ci.builtin }

// CatalogNames lists the catalogs, sorted.
func (c *Catalog) CatalogNames() []string {
	var out []string
	for n := range c.catalogs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// DatabaseNames lists the databases of the current catalog, sorted.
func (c *Catalog) DatabaseNames() []string {
	out, _ := c.ListDatabases(c.current)
	return out
}

// CreateDatabase adds a database to a catalog.
func (c *Catalog) CreateDatabase(catalog, name, comment string, props []sql.Option, ifNotExists bool) error {
	cat, ok := c.catalogs[catalog]
	if !ok {
		return catalogMissing(catalog)
	}
	if cat.external != nil {
		return readOnlyDatabaseError(fmt.Sprintf("CREATE DATABASE: (catalogDatabase: [%s], catalogName: [%s], databaseName: [%s], ignoreIfExists: [%t])",
			javaMap(props), catalog, name, ifNotExists))
	}
	if _, ok := cat.databases[name]; ok {
		if ifNotExists {
			return nil
		}
		return &CatalogObjectError{Class: "DatabaseAlreadyExistException", Msg: fmt.Sprintf("Database %s already exists in Catalog %s.", name, catalog)}
	}
	d := &Database{Name: name, Comment: comment, Properties: map[string]string{}}
	for _, o := range props {
		d.Properties[o.Key] = o.Value
	}
	cat.databases[name] = d
	return nil
}

// AlterDatabase sets properties of a database.
func (c *Catalog) AlterDatabase(catalog, name string, props []sql.Option) error {
	cat, ok := c.catalogs[catalog]
	if !ok {
		return catalogMissing(catalog)
	}
	if cat.external != nil {
		if ok, err := c.hasDatabase(cat, name); err != nil {
			return err
		} else if !ok {
			return databaseNotExist(catalog, name)
		}
		return readOnlyDatabaseError(fmt.Sprintf("ALTER DATABASE: (alterDatabase: [%s], catalogName: [%s], databaseName: [%s])", javaMap(props), catalog, name))
	}
	d, ok := cat.databases[name]
	if !ok {
		return databaseNotExist(catalog, name)
	}
	for _, o := range props {
		d.Properties[o.Key] = o.Value
	}
	return nil
}

// DropDatabase removes a database; RESTRICT (cascade false) refuses a
// database holding tables or views, CASCADE drops them with it.
func (c *Catalog) DropDatabase(catalog, name string, ifExists, cascade bool) error {
	if catalog == c.current && name == c.database {
		return &ValidationError{Msg: "Cannot drop a database which is currently in use."}
	}
	cat, ok := c.catalogs[catalog]
	if !ok {
		return catalogMissing(catalog)
	}
	if cat.external != nil {
		summary := "DROP DATABASE"
		if ifExists {
			summary += " IF EXISTS "
		}
		summary += " " + catalog + "." + name
		if cascade {
			summary += " CASCADE"
		} else {
			summary += " RESTRICT"
		}
		return readOnlyDatabaseError(summary)
	}
	if _, ok := cat.databases[name]; !ok {
		if ifExists {
			return nil
		}
		return databaseNotExist(catalog, name)
	}
	prefix := catalog + "." + name + "."
	if c.dropObjects(prefix, true) && !cascade {
		return &CatalogObjectError{Class: "DatabaseNotEmptyException", Msg: fmt.Sprintf("Database %s in catalog %s is not empty.", name, catalog)}
	}
	c.dropObjects(prefix, false)
	delete(cat.databases, name)
	return nil
}

// UseDatabase makes a database current (catalog "" is the current one).
func (c *Catalog) UseDatabase(catalog, name string) error {
	if catalog == "" {
		catalog = c.current
	}
	cat, ok := c.catalogs[catalog]
	if !ok {
		return &CatalogError{Msg: fmt.Sprintf("A catalog with name [%s] does not exist.", catalog)}
	}
	if ok, err := c.hasDatabase(cat, name); err != nil {
		return err
	} else if !ok {
		return &CatalogError{Msg: fmt.Sprintf("A database with name [%s] does not exist in the catalog: [%s].", name, catalog)}
	}
	c.current, c.database = catalog, name
	return nil
}

// DatabaseExists reports whether catalog.database exists.
func (c *Catalog) DatabaseExists(catalog, database string) bool {
	cat, ok := c.catalogs[catalog]
	if !ok {
		return false
	}
	has, _ := c.hasDatabase(cat, database)
	return has
}

// CatalogError is Flink's CatalogException.
type CatalogError struct{ Msg string }

func (e *CatalogError) Error() string { return e.Msg }
func (e *CatalogError) FlinkClass() string {
	return "org.apache.flink.table.catalog.exceptions.CatalogException"
}

// lookup finds what a path names: a temporary table or view first, then
// a permanent one.
func (c *Catalog) lookup(name string) (*Table, *View) {
	if t, ok := c.tempTables[name]; ok {
		return t, nil
	}
	if v, ok := c.tempViews[name]; ok {
		return nil, v
	}
	if ci, db, obj, ok := c.externalPath(name); ok {
		return c.externalTable(ci, db, obj, name), nil
	}
	return c.tables[name], c.views[name]
}

// Table looks up a table (a temporary view of the name hides it).
func (c *Catalog) Table(name string) (*Table, bool) { t, _ := c.lookup(name); return t, t != nil }

// View looks up a view (a temporary table of the name hides it).
func (c *Catalog) View(name string) (*View, bool) { _, v := c.lookup(name); return v, v != nil }

// Exists reports whether a table or view has the name.
func (c *Catalog) Exists(name string) bool {
	t, v := c.lookup(name)
	return t != nil || v != nil
}

// ExistsIn reports whether a temporary (or, when temporary is false, a
// permanent) table or view has the name.
func (c *Catalog) ExistsIn(name string, temporary bool) bool {
	if temporary {
		_, t := c.tempTables[name]
		_, v := c.tempViews[name]
		return t || v
	}
	if ci, db, obj, ok := c.externalPath(name); ok {
		return c.externalTable(ci, db, obj, name) != nil
	}
	_, t := c.tables[name]
	_, v := c.views[name]
	return t || v
}

// Permanent returns the permanent table or view of a path, ignoring
// temporary ones.
func (c *Catalog) Permanent(name string) (*Table, *View) {
	if ci, db, obj, ok := c.externalPath(name); ok {
		return c.externalTable(ci, db, obj, name), nil
	}
	return c.tables[name], c.views[name]
}

// AddTable registers a table (temporary ones apart).
func (c *Catalog) AddTable(t *Table) {
	if t.Temporary {
		c.tempTables[t.Name] = t
		return
	}
	c.tables[t.Name] = t
}

// AddView registers a view (temporary ones apart).
func (c *Catalog) AddView(v *View) {
	if v.Temporary {
		c.tempViews[v.Name] = v
		return
	}
	c.views[v.Name] = v
}

// DropTable removes the table a path names; false if there is none.
func (c *Catalog) DropTable(name string) bool {
	if _, ok := c.tempTables[name]; ok {
		delete(c.tempTables, name)
		return true
	}
	if _, ok := c.tables[name]; !ok {
		return false
	}
	delete(c.tables, name)
	return true
}

// DropView removes the view a path names; false if there is none.
func (c *Catalog) DropView(name string) bool {
	if _, ok := c.tempViews[name]; ok {
		delete(c.tempViews, name)
		return true
	}
	if _, ok := c.views[name]; !ok {
		return false
	}
	delete(c.views, name)
	return true
}

// DropObject is DROP [TEMPORARY] TABLE | VIEW with Flink's rules: DROP
// TABLE / VIEW removes the permanent object and refuses while a temporary
// one of the same kind hides it; DROP TEMPORARY removes only the temporary
// one. p is the resolved path.
func (c *Catalog) DropObject(p Path, view, temporary, ifExists bool) error {
	name := p.String()
	kind, Kind := "table", "Table"
	if view {
		kind, Kind = "view", "View"
	}
	_, tempT := c.tempTables[name]
	_, tempV := c.tempViews[name]
	if temporary {
		switch {
		case !view && tempT:
			delete(c.tempTables, name)
		case view && tempV:
			delete(c.tempViews, name)
		case !ifExists:
			return &ValidationError{Msg: fmt.Sprintf("Temporary table or view with identifier '%s' does not exist.", name)}
		}
		return nil
	}
	if !view && tempT || view && tempV {
		return &ValidationError{Msg: fmt.Sprintf("Temporary %s with identifier '%s' exists. Drop it first before removing the permanent %s.", kind, p.Quoted(), kind)}
	}
	pt, pv := c.Permanent(name)
	permT, permV := pt != nil, pv != nil
	if c.IsExternal(p.Catalog) {
		if err := c.lookupErr[name]; err != nil {
			return err
		}
		if !view && permT {
			return ReadOnlyError("DropTable", p)
		}
	}
	switch {
	case !view && permT:
		delete(c.tables, name)
	case view && permV:
		delete(c.views, name)
	case !ifExists:
		return &ValidationError{Msg: fmt.Sprintf("%s with identifier '%s' does not exist.", Kind, name)}
	}
	return nil
}

// AlreadyExists is the error for creating an object whose path is taken:
// Flink's TableAlreadyExistException for a permanent one, a validation
// error for a temporary one.
func AlreadyExists(p Path, temporary bool) error {
	if temporary {
		// Flink says "table" for views too.
		return &ValidationError{Msg: fmt.Sprintf("Temporary table '%s' already exists", p.Quoted())}
	}
	return &CatalogObjectError{Class: "TableAlreadyExistException",
		Msg: fmt.Sprintf("Table (or view) %s.%s already exists in Catalog %s.", p.Database, p.Object, p.Catalog)}
}

// RenameObject moves a permanent table or view to another name in the same
// catalog and database (Flink renames by the new object name only).
func (c *Catalog) RenameObject(from Path, newName string) error {
	to := Path{from.Catalog, from.Database, newName}
	if c.ExistsIn(to.String(), false) {
		return AlreadyExists(to, false)
	}
	if t, ok := c.tables[from.String()]; ok {
		delete(c.tables, from.String())
		t.Name = to.String()
		if t.Def != nil {
			d := *t.Def
			d.Name = sql.ObjectName{Parts: []string{to.Catalog, to.Database, to.Object}}
			t.Def = &d
		}
		c.tables[t.Name] = t
		return nil
	}
	if v, ok := c.views[from.String()]; ok {
		delete(c.views, from.String())
		v.Name = to.String()
		c.views[v.Name] = v
	}
	return nil
}

// ReplaceTable puts a rebuilt table in place of the one of its name.
func (c *Catalog) ReplaceTable(t *Table) { c.AddTable(t) }

// ExpandQuery expands a query as Flink stores a view's query (tables by
// full path, columns qualified), resolving names against the current
// catalog and database; "" when the expansion does not cover the query.
func (c *Catalog) ExpandQuery(q *sql.Query) string {
	f, err := q.Fresh()
	if err != nil {
		return ""
	}
	text, ok := f.Expanded(func(n sql.ObjectName) ([]string, []string, bool) {
		p, err := c.Resolve(n)
		if err != nil {
			return nil, nil, false
		}
		var cols []string
		t, v := c.lookup(p.String())
		switch {
		case t != nil:
			for _, col := range t.Columns {
				cols = append(cols, col.Name)
			}
		case v != nil:
			for _, col := range v.Columns {
				cols = append(cols, col.Name)
			}
		default:
			return nil, nil, false
		}
		return []string{p.Catalog, p.Database, p.Object}, cols, true
	})
	if !ok {
		return ""
	}
	return text
}

// Names lists the short names of the tables and views (views only when
// tables is false) of catalog.database, temporary ones included, sorted as
// SHOW TABLES prints them.
func (c *Catalog) Names(catalog, database string, tables, views bool) []string {
	prefix := catalog + "." + database + "."
	seen := map[string]bool{}
	var out []string
	add := func(k string) {
		if strings.HasPrefix(k, prefix) && !seen[k] {
			seen[k] = true
			out = append(out, k[len(prefix):])
		}
	}
	if tables {
		for k := range c.tables {
			add(k)
		}
		for k := range c.tempTables {
			add(k)
		}
	}
	if views || tables {
		for k := range c.views {
			add(k)
		}
		for k := range c.tempViews {
			add(k)
		}
	}
	sort.Strings(out)
	return out
}

// BuildTable resolves a CREATE TABLE statement into a catalog table:
// column types, computed columns and the watermark are bound and checked.
func (c *Catalog) BuildTable(st *sql.CreateTable) (*Table, error) {
	name, err := c.QualifiedName(st.Name)
	if err != nil {
		return nil, err
	}
	t := &Table{Name: name, Def: st, Options: map[string]string{}, Rowtime: -1, Temporary: st.Temporary}
	for _, o := range st.Options {
		t.Options[o.Key] = o.Value
	}
	seen := map[string]bool{}
	for _, cd := range st.Columns {
		if seen[cd.Name] {
			return nil, validationf(cd.Pos, "A column named '%s' already exists in the table.", cd.Name)
		}
		seen[cd.Name] = true
		tc := TableColumn{Name: cd.Name, MetadataKey: cd.MetadataKey, Virtual: cd.Virtual, Comment: cd.Comment, Connector: -1}
		switch {
		case cd.Computed != nil:
			tc.Kind = ComputedColumn
			tc.Computed = cd.Computed
		default:
			typ, err := ResolveType(cd.Type)
			if err != nil {
				return nil, validationf(cd.Pos, "%s", err.Error())
			}
			tc.Type = typ
			tc.Kind = PhysicalColumn
			if cd.Metadata {
				tc.Kind = MetadataColumn
				if tc.MetadataKey == "" {
					tc.MetadataKey = cd.Name
				}
			}
			tc.Connector = len(t.ConnectorColumns)
			t.ConnectorColumns = append(t.ConnectorColumns, connectors.Column{
				Name: cd.Name, Type: typ, Metadata: cd.Metadata, MetadataKey: tc.MetadataKey})
		}
		t.Columns = append(t.Columns, tc)
	}
	// Computed columns see the connector columns.
	scope := connectorScope(t)
	for i := range t.Columns {
		c := &t.Columns[i]
		if c.Kind != ComputedColumn {
			continue
		}
		e, err := bindStandaloneExpr(c.Computed, scope)
		if err != nil {
			return nil, validatorCause(err)
		}
		c.Expr = e
		c.Type = e.Type()
	}
	if st.PrimaryKey != nil {
		t.PrimaryKeyName = st.PrimaryKey.Name
		if t.PrimaryKeyName == "" {
			// Flink's generated constraint name.
			t.PrimaryKeyName = "PK_" + strings.Join(st.PrimaryKey.Columns, "_")
		}
		for _, k := range st.PrimaryKey.Columns {
			i := t.ColumnIndex(k)
			if i < 0 {
				return nil, validationf(st.PrimaryKey.Pos, "Could not create a PRIMARY KEY '%s'. Column '%s' does not exist.", pkName(t), k)
			}
			if t.Columns[i].Kind != PhysicalColumn {
				return nil, validationf(st.PrimaryKey.Pos, "Could not create a PRIMARY KEY '%s'. Column '%s' is not a physical column.", pkName(t), k)
			}
			t.Columns[i].Type = t.Columns[i].Type.WithNullable(false)
			t.ConnectorColumns[t.Columns[i].Connector].Type = t.Columns[i].Type
			t.PrimaryKey = append(t.PrimaryKey, k)
		}
	}
	if st.Watermark != nil {
		i := t.ColumnIndex(st.Watermark.Column)
		if i < 0 {
			return nil, validationf(st.Watermark.Pos, "The rowtime attribute field '%s' is not defined in the table schema, at line %d column %d", st.Watermark.Column, st.Watermark.Pos.Line, st.Watermark.Pos.Col)
		}
		ct := t.Columns[i].Type
		if ct.Kind != types.KindTimestamp && ct.Kind != types.KindTimestampLTZ || ct.Precision > 3 {
			return nil, validationf(st.Watermark.Pos, "Invalid data type of time field for watermark definition. The field must be of type TIMESTAMP(p) or TIMESTAMP_LTZ(p), the supported precision 'p' is from 0 to 3, but the time field type is %s", ct)
		}
		e, err := bindStandaloneExpr(st.Watermark.Expr, fullScope(t))
		if err != nil {
			return nil, validatorCause(err)
		}
		wt := e.Type()
		if wt.Kind != types.KindTimestamp && wt.Kind != types.KindTimestampLTZ {
			return nil, validationf(st.Watermark.Pos, "Watermark strategy %s must be of type TIMESTAMP or TIMESTAMP_LTZ but is of type '%s'.", st.Watermark.Expr.Text, wt)
		}
		t.Rowtime = i
		t.Watermark = e
		t.Columns[i].Type = ct.WithTimeAttr(types.RowTime)
	}
	return t, nil
}

func pkName(t *Table) string {
	if t.PrimaryKeyName != "" {
		return t.PrimaryKeyName
	}
	return "PK"
}

// connectorScope is the scope computed columns are bound in.
func connectorScope(t *Table) *scope {
	s := &scope{}
	for _, c := range t.ConnectorColumns {
		s.cols = append(s.cols, scopeColumn{name: c.Name, typ: c.Type})
	}
	return s
}

// fullScope is the table's columns in schema order (after computed columns
// are resolved): the scope of the watermark expression.
func fullScope(t *Table) *scope {
	s := &scope{}
	for _, c := range t.Columns {
		s.cols = append(s.cols, scopeColumn{name: c.Name, typ: c.Type})
	}
	return s
}
