package session

import (
	"fmt"
	"sort"

	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/sql"
)

// catalogStatement runs the statements on catalogs and databases: CREATE,
// DROP, USE, DESCRIBE CATALOG, CREATE, ALTER, DROP, USE DATABASE, and the
// SHOW CATALOGS / DATABASES / CURRENT ... listings.
func (s *Session) catalogStatement(st sql.Statement) (*Result, error) {
	c := s.cat
	var err error
	switch x := st.(type) {
	case *sql.CreateCatalog:
		err = c.CreateCatalog(x.Name, x.Comment, x.Options, x.IfNotExists)
	case *sql.DropCatalog:
		err = c.DropCatalog(x.Name, x.IfExists)
	case *sql.UseCatalog:
		err = c.UseCatalog(x.Name)
	case *sql.DescribeCatalog:
		return s.describeCatalog(x)
	case *sql.CreateDatabase:
		cat, db, e := c.ResolveDatabase(x.Name)
		if e != nil {
			return nil, e
		}
		err = c.CreateDatabase(cat, db, x.Comment, x.Options, x.IfNotExists)
	case *sql.AlterDatabase:
		cat, db, e := c.ResolveDatabase(x.Name)
		if e != nil {
			return nil, e
		}
		err = c.AlterDatabase(cat, db, x.Options)
	case *sql.DropDatabase:
		cat, db, e := c.ResolveDatabase(x.Name)
		if e != nil {
			return nil, e
		}
		err = c.DropDatabase(cat, db, x.IfExists, x.Cascade)
	case *sql.UseDatabase:
		if len(x.Name.Parts) > 2 {
			_, _, err = c.ResolveDatabase(x.Name)
			break
		}
		if len(x.Name.Parts) == 2 {
			// Flink switches the catalog first, even when the database
			// then turns out not to exist.
			if err = c.UseCatalog(x.Name.Parts[0]); err != nil {
				break
			}
		}
		err = c.UseDatabase("", x.Name.Name())
	case *sql.ShowCatalogs:
		return nameTable("catalog name", c.CatalogNames()), nil
	case *sql.ShowDatabases:
		return nameTable("database name", c.DatabaseNames()), nil
	case *sql.ShowCurrentCatalog:
		cat, _ := c.Current()
		return nameTable("current catalog name", []string{cat}), nil
	case *sql.ShowCurrentDatabase:
		_, db := c.Current()
		return nameTable("current database name", []string{db}), nil
	default:
		return nil, &ExecutionError{Msg: fmt.Sprintf("Unsupported statement: %s", st.SQL())}
	}
	if err != nil {
		return nil, err
	}
	return ok(), nil
}

// describeCatalog is Flink 1.20's DESCRIBE CATALOG [EXTENDED]: name, type,
// comment, and with EXTENDED the options other than 'type', sorted.
func (s *Session) describeCatalog(x *sql.DescribeCatalog) (*Result, error) {
	ci, ok := s.cat.CatalogInfo(x.Name)
	if !ok || ci.Builtin() {
		// The built-in catalog has no descriptor in Flink's catalog store.
		return nil, &planner.ValidationError{Msg: fmt.Sprintf("Cannot obtain metadata information from Catalog %s.", x.Name)}
	}
	r := &Result{Kind: ResultTable, Columns: []string{"info name", "info value"}}
	r.Rows = append(r.Rows, []string{"name", ci.Name}, []string{"type", ci.Type}, []string{"comment", ci.Comment})
	if x.Extended {
		opts := map[string]string{}
		for _, o := range ci.Options {
			if o.Key != "type" {
				opts[o.Key] = o.Value
			}
		}
		for _, k := range sortedKeys(opts) {
			r.Rows = append(r.Rows, []string{"option:" + k, opts[k]})
		}
	}
	return r, nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// showObjects is SHOW TABLES / SHOW VIEWS [FROM|IN [catalog.]db].
func (s *Session) showObjects(header string, from *sql.ObjectName, tables bool) (*Result, error) {
	cat, db := s.cat.Current()
	if from != nil {
		var err error
		if cat, db, err = s.cat.ResolveDatabase(*from); err != nil {
			return nil, err
		}
		if !s.cat.DatabaseExists(cat, db) {
			return nil, &planner.ValidationError{Msg: fmt.Sprintf("Catalog '%s' or database '%s' doesn't exist.", cat, db)}
		}
	}
	return nameTable(header, s.cat.Names(cat, db, tables, true)), nil
}
