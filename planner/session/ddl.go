package session

import (
	"fmt"

	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/sql"
)

// createTable runs CREATE [TEMPORARY] TABLE, with a LIKE clause merged as
// Flink merges it; CREATE TABLE ... AS SELECT and [CREATE OR] REPLACE
// TABLE ... AS SELECT go to createTableAs.
func (s *Session) createTable(p *planner.Planner, x *sql.CreateTable) (*Result, error) {
	if x.AsQuery != nil {
		return s.createTableAs(p, x)
	}
	def := x
	if x.Like != nil {
		var err error
		if def, err = s.cat.MergeLike(x); err != nil {
			return nil, err
		}
	}
	t, err := s.cat.BuildTable(def)
	if err != nil {
		return nil, err
	}
	path, _ := s.cat.Resolve(x.Name)
	if !x.Temporary && s.cat.IsExternal(path.Catalog) {
		// An external catalog (jdbc) is read-only, IF NOT EXISTS or not.
		return nil, planner.ReadOnlyError("CreateTable", path)
	}
	if !x.Temporary {
		if err := s.cat.CheckDatabase(path.Catalog, path.Database); err != nil {
			return nil, err
		}
	}
	if s.cat.ExistsIn(t.Name, x.Temporary) {
		if x.IfNotExists {
			return ok(), nil
		}
		return nil, planner.AlreadyExists(path, x.Temporary)
	}
	s.cat.AddTable(t)
	return ok(), nil
}

// createTableAs runs CREATE TABLE ... AS SELECT and [CREATE OR] REPLACE
// TABLE ... AS SELECT as Flink does (not atomically): the table is created
// (replaced) from the query's schema, then the INSERT job is submitted.
func (s *Session) createTableAs(p *planner.Planner, x *sql.CreateTable) (*Result, error) {
	ins, err := s.prepareTableAs(p, x)
	if err != nil {
		return nil, err
	}
	return s.submit([]*sql.Insert{ins}, x.SQL())
}

// prepareTableAs creates (or replaces) the table of a CREATE TABLE AS /
// REPLACE TABLE AS statement and returns the INSERT that fills it.
func (s *Session) prepareTableAs(p *planner.Planner, x *sql.CreateTable) (*sql.Insert, error) {
	path, err := s.cat.Resolve(x.Name)
	if err != nil {
		return nil, err
	}
	if s.cat.IsExternal(path.Catalog) {
		return nil, planner.ReadOnlyError("CreateTable", path)
	}
	if err := s.cat.CheckDatabase(path.Catalog, path.Database); err != nil {
		return nil, err
	}
	exists := s.cat.ExistsIn(path.String(), false)
	if x.Replace && !x.OrReplace && !exists {
		return nil, &planner.TableError{Msg: fmt.Sprintf("The table %s to be replaced doesn't exist. "+
			"You can try to use CREATE TABLE AS statement or CREATE OR REPLACE TABLE AS statement.", path.Quoted())}
	}
	n, err := p.PlanQuery(x.AsQuery)
	if err != nil {
		return nil, err
	}
	def, err := planner.AsSelectDef(x, n.Schema())
	if err != nil {
		return nil, err
	}
	def.Name = sql.ObjectName{Parts: []string{path.Catalog, path.Database, path.Object}, Pos: x.Name.Pos}
	t, err := s.cat.BuildTable(def)
	if err != nil {
		return nil, err
	}
	switch {
	case x.Replace && exists:
		if pt, _ := s.cat.Permanent(path.String()); pt == nil {
			return nil, &planner.ValidationError{Msg: fmt.Sprintf("%s is a view; REPLACE TABLE replaces tables only", path.Quoted())}
		}
		s.cat.ReplaceTable(t)
	case exists && !x.IfNotExists:
		return nil, planner.AlreadyExists(path, false)
	case !exists:
		s.cat.AddTable(t)
	}
	q, err := x.AsQuery.Fresh()
	if err != nil {
		return nil, err
	}
	return &sql.Insert{StmtBase: x.StmtBase, Table: def.Name, Query: q}, nil
}

// createView runs CREATE [TEMPORARY] VIEW.
func (s *Session) createView(p *planner.Planner, x *sql.CreateView) (*Result, error) {
	path, err := s.cat.Resolve(x.Name)
	if err != nil {
		return nil, err
	}
	name := path.String()
	if !x.Temporary && s.cat.IsExternal(path.Catalog) {
		// Flink creates a view with the catalog's createTable.
		return nil, planner.ReadOnlyError("CreateTable", path)
	}
	if !x.Temporary {
		if err := s.cat.CheckDatabase(path.Catalog, path.Database); err != nil {
			return nil, err
		}
	}
	if s.cat.ExistsIn(name, x.Temporary) {
		if x.IfNotExists {
			return ok(), nil
		}
		return nil, planner.AlreadyExists(path, x.Temporary)
	}
	v, err := s.buildView(p, name, x, x.Query)
	if err != nil {
		return nil, err
	}
	s.cat.AddView(v)
	return ok(), nil
}

// buildView plans a view's query and derives its columns (renamed by the
// column list of def, if any).
func (s *Session) buildView(p *planner.Planner, name string, def *sql.CreateView, query *sql.Query) (*planner.View, error) {
	n, err := p.PlanQuery(query)
	if err != nil {
		return nil, err
	}
	cols := n.Schema()
	if len(def.Columns) > 0 {
		if len(def.Columns) != len(cols) {
			return nil, &planner.ValidationError{Msg: fmt.Sprintf("VIEW definition and input fields not match:\n\tDef fields: %v.\n\tInput fields: %d.", def.Columns, len(cols))}
		}
		renamed := make([]planner.Column, len(cols))
		for i, c := range cols {
			renamed[i] = planner.Column{Name: def.Columns[i], Type: c.Type}
		}
		cols = renamed
	}
	cat, db := s.cat.Current()
	v := &planner.View{Name: name, Catalog: cat, Database: db, Def: def, Query: query, Columns: cols, Temporary: def.Temporary,
		Expanded: s.cat.ExpandQuery(query)}
	if q := s.expandedQuery(p, v.Expanded, n.Schema()); q != nil {
		// As in Flink the view keeps its expanded query: its columns stay
		// what they were (a * does not grow with ALTER TABLE ... ADD).
		v.Query = q
	}
	return v, nil
}

// expandedQuery parses and plans a view's expanded query and returns it
// when it gives the same columns as the query as written, else nil.
func (s *Session) expandedQuery(p *planner.Planner, text string, want []planner.Column) *sql.Query {
	if text == "" {
		return nil
	}
	st, err := sql.Parse(sql.Segment{Text: text, Pos: sql.Pos{Line: 1, Col: 1}})
	if err != nil {
		return nil
	}
	sel, ok := st.(*sql.Select)
	if !ok {
		return nil
	}
	n, err := p.PlanQuery(sel.Query)
	if err != nil {
		return nil
	}
	got := n.Schema()
	if len(got) != len(want) {
		return nil
	}
	for i := range got {
		if got[i].Name != want[i].Name || got[i].Type.String() != want[i].Type.String() || got[i].Type.TimeAttr != want[i].Type.TimeAttr {
			return nil
		}
	}
	return sel.Query
}

// dropObject runs DROP [TEMPORARY] TABLE | VIEW [IF EXISTS].
func (s *Session) dropObject(n sql.ObjectName, view, temporary, ifExists bool) (*Result, error) {
	path, err := s.cat.Resolve(n)
	if err != nil {
		return nil, err
	}
	if err := s.cat.DropObject(path, view, temporary, ifExists); err != nil {
		return nil, err
	}
	return ok(), nil
}

// alterTable runs ALTER TABLE [IF EXISTS]: only a permanent table (not
// hidden by a temporary object) can be altered.
func (s *Session) alterTable(x *sql.AlterTable) (*Result, error) {
	path, err := s.cat.Resolve(x.Name)
	if err != nil {
		return nil, err
	}
	t, v := s.cat.Permanent(path.String())
	if err := s.cat.LookupErr(path.String()); err != nil && t == nil {
		return nil, err
	}
	if s.cat.ExistsIn(path.String(), true) || t == nil && v == nil {
		if x.IfExists {
			return ok(), nil
		}
		return nil, &planner.ValidationError{Msg: fmt.Sprintf("Table %s doesn't exist or is a temporary table.", path.Quoted())}
	}
	if t == nil {
		return nil, &planner.ValidationError{Msg: "ALTER TABLE for a view is not allowed"}
	}
	if s.cat.IsExternal(path.Catalog) {
		return nil, readOnlyAlter(s.cat, t, path, x)
	}
	if x.Kind == sql.AlterTableRename {
		if err := s.cat.RenameObject(path, x.NewName.Name()); err != nil {
			return nil, err
		}
		return ok(), nil
	}
	nt, err := s.cat.AlterTable(t, x)
	if err != nil {
		return nil, err
	}
	s.cat.ReplaceTable(nt)
	return ok(), nil
}

// alterView runs ALTER VIEW v RENAME TO v2 and ALTER VIEW v AS query on a
// permanent view.
func (s *Session) alterView(p *planner.Planner, x *sql.AlterView) (*Result, error) {
	path, err := s.cat.Resolve(x.Name)
	if err != nil {
		return nil, err
	}
	t, v := s.cat.Permanent(path.String())
	if s.cat.ExistsIn(path.String(), true) || t == nil && v == nil {
		return nil, &planner.ValidationError{Msg: fmt.Sprintf("View %s doesn't exist or is a temporary view.", path.Quoted())}
	}
	if v == nil {
		return nil, &planner.ValidationError{Msg: "ALTER VIEW for a table is not allowed"}
	}
	if x.NewName != nil {
		if err := s.cat.RenameObject(path, x.NewName.Name()); err != nil {
			return nil, err
		}
		return ok(), nil
	}
	// The new query replaces the old one; the column list goes, the
	// comment stays (as in Flink).
	def := *v.Def
	def.Columns = nil
	def.Query = x.Query
	nv, err := s.buildView(p, path.String(), &def, x.Query)
	if err != nil {
		return nil, err
	}
	s.cat.AddView(nv)
	return ok(), nil
}

// statementSetWithTableAs runs EXECUTE STATEMENT SET holding CREATE TABLE
// ... AS SELECT: the tables are created in written order, then all the
// INSERTs run as one job.
func (s *Session) statementSetWithTableAs(p *planner.Planner, x *sql.StatementSet) (*Result, error) {
	var inserts []*sql.Insert
	for _, it := range x.Items {
		switch st := it.(type) {
		case *sql.Insert:
			inserts = append(inserts, st)
		case *sql.CreateTable:
			ins, err := s.prepareTableAs(p, st)
			if err != nil {
				return nil, err
			}
			inserts = append(inserts, ins)
		}
	}
	return s.submit(inserts, x.SQL())
}

// readOnlyAlter is ALTER TABLE on a table of an external (read-only)
// catalog: Flink validates the change, then the catalog refuses it.
func readOnlyAlter(cat *planner.Catalog, t *planner.Table, path planner.Path, x *sql.AlterTable) error {
	if x.Kind == sql.AlterTableRename {
		ifExists := ""
		if x.IfExists {
			ifExists = "IF EXISTS "
		}
		to := planner.Path{Catalog: path.Catalog, Database: path.Database, Object: x.NewName.Name()}
		return &planner.TableError{Msg: fmt.Sprintf("Could not execute ALTER TABLE %s%s RENAME TO %s", ifExists, path, to)}
	}
	if _, err := cat.AlterTable(t, x); err != nil {
		return err
	}
	return planner.ReadOnlyError("AlterTable", path)
}
