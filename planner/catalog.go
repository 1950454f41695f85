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
	Name      string
	Def       *sql.CreateView
	Query     *sql.Query
	Columns   []Column
	Temporary bool
}

// Catalog holds the tables and views of a session. It is used by one
// session goroutine at a time.
type Catalog struct {
	tables map[string]*Table
	views  map[string]*View
}

// NewCatalog returns an empty catalog.
func NewCatalog() *Catalog {
	return &Catalog{tables: map[string]*Table{}, views: map[string]*View{}}
}

// ValidationError is Flink's ValidationException.
type ValidationError struct {
	Msg string
	Pos sql.Pos
}

func (e *ValidationError) Error() string {
	if e.Pos.Line > 0 {
		return fmt.Sprintf("SQL validation failed. From line %d, column %d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
	}
	return e.Msg
}
func (e *ValidationError) FlinkClass() string {
	return "org.apache.flink.table.api.ValidationException"
}

// TableError is Flink's TableException (planning failures).
type TableError struct{ Msg string }

func (e *TableError) Error() string      { return e.Msg }
func (e *TableError) FlinkClass() string { return "org.apache.flink.table.api.TableException" }

func validationf(pos sql.Pos, format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...), Pos: pos}
}

// QualifiedName expands a written name to catalog.database.name.
func QualifiedName(n sql.ObjectName) (string, error) {
	switch len(n.Parts) {
	case 1:
		return DefaultCatalog + "." + DefaultDatabase + "." + n.Parts[0], nil
	case 2:
		if n.Parts[0] != DefaultDatabase {
			return "", validationf(sql.Pos{}, "A database with name [%s] does not exist in the catalog: [%s].", n.Parts[0], DefaultCatalog)
		}
		return DefaultCatalog + "." + n.Parts[0] + "." + n.Parts[1], nil
	case 3:
		if n.Parts[0] != DefaultCatalog {
			return "", &CatalogError{Msg: fmt.Sprintf("A catalog with name [%s] does not exist.", n.Parts[0])}
		}
		if n.Parts[1] != DefaultDatabase {
			return "", validationf(sql.Pos{}, "A database with name [%s] does not exist in the catalog: [%s].", n.Parts[1], DefaultCatalog)
		}
		return strings.Join(n.Parts, "."), nil
	}
	return "", validationf(n.Pos, "Invalid identifier %s", strings.Join(n.Parts, "."))
}

// CatalogError is Flink's CatalogException.
type CatalogError struct{ Msg string }

func (e *CatalogError) Error() string { return e.Msg }
func (e *CatalogError) FlinkClass() string {
	return "org.apache.flink.table.catalog.exceptions.CatalogException"
}

// Table looks up a table.
func (c *Catalog) Table(name string) (*Table, bool) { t, ok := c.tables[name]; return t, ok }

// View looks up a view.
func (c *Catalog) View(name string) (*View, bool) { v, ok := c.views[name]; return v, ok }

// Exists reports whether a table or view has the name.
func (c *Catalog) Exists(name string) bool {
	_, t := c.tables[name]
	_, v := c.views[name]
	return t || v
}

// AddTable registers a table.
func (c *Catalog) AddTable(t *Table) { c.tables[t.Name] = t }

// AddView registers a view.
func (c *Catalog) AddView(v *View) { c.views[v.Name] = v }

// DropTable removes a table; false if it does not exist.
func (c *Catalog) DropTable(name string) bool {
	if _, ok := c.tables[name]; !ok {
		return false
	}
	delete(c.tables, name)
	return true
}

// DropView removes a view; false if it does not exist.
func (c *Catalog) DropView(name string) bool {
	if _, ok := c.views[name]; !ok {
		return false
	}
	delete(c.views, name)
	return true
}

// Names lists short names of tables and views (views only when withTables
// is false), sorted as SHOW TABLES prints them.
func (c *Catalog) Names(tables, views bool) []string {
	var out []string
	if tables {
		for _, t := range c.tables {
			out = append(out, t.Name[strings.LastIndex(t.Name, ".")+1:])
		}
	}
	if views || tables {
		for _, v := range c.views {
			out = append(out, v.Name[strings.LastIndex(v.Name, ".")+1:])
		}
	}
	sort.Strings(out)
	return out
}

// BuildTable resolves a CREATE TABLE statement into a catalog table:
// column types, computed columns and the watermark are bound and checked.
func BuildTable(st *sql.CreateTable) (*Table, error) {
	name, err := QualifiedName(st.Name)
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
			return nil, err
		}
		c.Expr = e
		c.Type = e.Type()
	}
	if st.PrimaryKey != nil {
		t.PrimaryKeyName = st.PrimaryKey.Name
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
			return nil, err
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
