package session

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/flinkgo/engine/connectors"
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
	case *sql.AlterCatalog:
		err = s.alterCatalog(x)
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
		return nameTable("catalog name", filterLike(x.Like, c.CatalogNames())), nil
	case *sql.ShowDatabases:
		cat, _ := c.Current()
		if x.From != "" {
			if _, ok := c.CatalogInfo(x.From); !ok {
				return nil, &planner.ValidationError{Msg: fmt.Sprintf("Catalog %s does not exist", x.From)}
			}
			cat = x.From
		}
		names, err := c.ListDatabases(cat)
		if err != nil {
			return nil, err
		}
		return nameTable("database name", filterLike(x.Like, names)), nil
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

// alterCatalog is Flink 1.20's ALTER CATALOG: SET merges options into the
// catalog's descriptor, RESET removes keys (never 'type', and at least one),
// COMMENT replaces the comment; the catalog is then created anew from the
// changed descriptor (planner.Catalog.AlterCatalog).
func (s *Session) alterCatalog(x *sql.AlterCatalog) error {
	if x.Kind == sql.AlterCatalogReset {
		// Flink's SqlAlterCatalogResetConverter checks before anything else.
		if len(x.Keys) == 0 {
			return &planner.ValidationError{Msg: "ALTER CATALOG RESET does not support empty key"}
		}
		for _, k := range x.Keys {
			if k == "type" {
				return &planner.ValidationError{Msg: "ALTER CATALOG RESET does not support changing 'type'"}
			}
		}
	}
	ci, ok := s.cat.CatalogInfo(x.Name)
	if !ok || ci.Builtin() {
		return s.cat.AlterCatalog(x.Name, nil, "")
	}
	opts := append([]sql.Option(nil), ci.Options...)
	comment := ci.Comment
	switch x.Kind {
	case sql.AlterCatalogSet:
		for _, o := range x.Options {
			found := false
			for i := range opts {
				if opts[i].Key == o.Key {
					opts[i].Value, found = o.Value, true
				}
			}
			if !found {
				opts = append(opts, o)
			}
		}
	case sql.AlterCatalogReset:
		kept := opts[:0]
		for _, o := range opts {
			if !slices.Contains(x.Keys, o.Key) {
				kept = append(kept, o)
			}
		}
		opts = kept
	case sql.AlterCatalogComment:
		comment = x.Comment
	}
	return s.cat.AlterCatalog(x.Name, opts, comment)
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
				// Secrets (a jdbc catalog's 'password') never show.
				opts[o.Key] = connectors.MaskValue(o.Key, o.Value)
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

// showObjects is SHOW TABLES / SHOW VIEWS [FROM|IN [catalog.]db] [[NOT] LIKE 'p'].
func (s *Session) showObjects(header string, from *sql.ObjectName, like *sql.Like, tables bool) (*Result, error) {
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
	names, err := s.cat.ObjectNames(cat, db, tables, true)
	if err != nil {
		return nil, err
	}
	return nameTable(header, filterLike(like, names)), nil
}

// filterLike keeps the names that match like (all of them when like is nil).
func filterLike(like *sql.Like, names []string) []string {
	if like == nil {
		return names
	}
	re := likeRegexp(like.Pattern, like.ILike)
	var out []string
	for _, n := range names {
		if re.MatchString(n) != like.Not {
			out = append(out, n)
		}
	}
	return out
}

// likeRegexp translates a SQL LIKE pattern as Flink's SHOW statements match
// it (Calcite's SqlLikeUtils with the escape character backslash): '%' is any
// run of characters, '_' any one character, a backslash makes the next
// character literal. Case-sensitive unless ilike.
func likeRegexp(pattern string, ilike bool) *regexp.Regexp {
	var b strings.Builder
	if ilike {
		b.WriteString("(?i)")
	}
	b.WriteString("(?s)^")
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\\' && i+1 < len(rs):
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case r == '%':
			b.WriteString(".*")
		case r == '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}
