package planner

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/flinkgo/engine/sql"
)

// alterPrefix starts every message of Flink's ALTER TABLE schema checks.
const alterPrefix = "Failed to execute ALTER TABLE statement.\n"

func alterError(format string, args ...any) error {
	return &ValidationError{Msg: alterPrefix + fmt.Sprintf(format, args...)}
}

func backtick(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// copyDef returns a copy of a table definition whose slices may be changed
// without touching the original, named by its full path and without the
// parts that only matter when the table is created (AS query, LIKE).
func copyDef(t *Table) *sql.CreateTable {
	d := *t.Def
	p := strings.SplitN(t.Name, ".", 3)
	d.Name = sql.ObjectName{Parts: p, Pos: t.Def.Name.Pos}
	d.Columns = slices.Clone(d.Columns)
	d.Options = slices.Clone(d.Options)
	d.PartitionedBy = slices.Clone(d.PartitionedBy)
	d.AsQuery, d.Like, d.Replace, d.OrReplace, d.IfNotExists = nil, nil, false, false, false
	if d.PrimaryKey != nil {
		pk := *d.PrimaryKey
		pk.Name = t.PrimaryKeyName
		pk.Columns = slices.Clone(pk.Columns)
		d.PrimaryKey = &pk
		notNull(&d, pk.Columns)
	}
	return &d
}

// notNull makes the physical columns named NOT NULL, as a primary key's
// columns are in the schema Flink stores: they stay so when the key is
// dropped.
func notNull(d *sql.CreateTable, cols []string) {
	for i, cd := range d.Columns {
		if cd.Type == nil || cd.Metadata || cd.Type.NotNull || !slices.Contains(cols, cd.Name) {
			continue
		}
		x := *cd
		ty := *cd.Type
		ty.NotNull = true
		x.Type = &ty
		d.Columns[i] = &x
	}
}

// AlterTable applies a schema or option change of ALTER TABLE (every kind
// but RENAME TO) to a table and returns the table rebuilt from the changed
// definition, checked as Flink's AlterSchemaConverter checks it.
func (c *Catalog) AlterTable(t *Table, st *sql.AlterTable) (*Table, error) {
	d := copyDef(t)
	var err error
	switch st.Kind {
	case sql.AlterTableSet:
		d.Options = setOptions(d.Options, st.Options)
	case sql.AlterTableReset:
		if len(st.Keys) == 0 {
			return nil, &ValidationError{Msg: "ALTER TABLE RESET does not support empty key"}
		}
		for _, k := range st.Keys {
			if k == "connector" {
				return nil, &ValidationError{Msg: "ALTER TABLE RESET does not support changing 'connector'"}
			}
		}
		d.Options = slices.DeleteFunc(d.Options, func(o sql.Option) bool { return slices.Contains(st.Keys, o.Key) })
	case sql.AlterTableRenameColumn:
		err = renameColumn(t, d, st.Column, st.NewColumn)
	case sql.AlterTableAdd, sql.AlterTableModify:
		err = addOrModify(t, d, st)
	case sql.AlterTableDropColumns:
		err = dropColumns(t, d, st.Drop)
	case sql.AlterTableDropPrimaryKey, sql.AlterTableDropConstraint:
		if d.PrimaryKey == nil {
			return nil, alterError("The base table does not define any primary key.")
		}
		if st.Kind == sql.AlterTableDropConstraint && st.Constraint != t.PrimaryKeyName {
			return nil, alterError("The base table does not define a primary key constraint named '%s'. Available constraint name: ['%s'].",
				st.Constraint, t.PrimaryKeyName)
		}
		d.PrimaryKey = nil
		for i, cd := range d.Columns {
			if cd.PrimaryKey {
				x := *cd
				x.PrimaryKey = false
				d.Columns[i] = &x
			}
		}
	case sql.AlterTableDropWatermark:
		if d.Watermark == nil {
			return nil, alterError("The base table does not define any watermark strategy.")
		}
		d.Watermark = nil
	default:
		return nil, &TableError{Msg: "Unsupported ALTER TABLE statement"}
	}
	if err != nil {
		return nil, err
	}
	nt, err := c.BuildTable(d)
	if err != nil {
		switch ve := err.(type) {
		case *ValidationError:
			return nil, &ValidationError{Msg: alterPrefix + ve.Msg}
		case *SqlValidatorError:
			return nil, &ValidationError{Msg: alterPrefix + ve.Msg}
		}
		return nil, err
	}
	return nt, nil
}

// setOptions sets or replaces options, keeping the written order of the
// ones that stay.
func setOptions(opts, set []sql.Option) []sql.Option {
	for _, o := range set {
		i := slices.IndexFunc(opts, func(x sql.Option) bool { return x.Key == o.Key })
		if i >= 0 {
			opts[i] = o
		} else {
			opts = append(opts, o)
		}
	}
	return opts
}

// references records which columns a table's computed columns and
// watermark refer to (Flink's ReferencesManager).
type references struct {
	columns      map[string]bool
	referencedBy map[string]map[string]bool // column -> computed columns using it
	dependsOn    map[string][]string        // computed column -> columns it uses
	watermark    map[string]bool
	partitions   map[string]bool
	primaryKey   map[string]bool
}

func newReferences(t *Table) *references {
	r := &references{columns: map[string]bool{}, referencedBy: map[string]map[string]bool{},
		dependsOn: map[string][]string{}, watermark: map[string]bool{}, partitions: map[string]bool{}, primaryKey: map[string]bool{}}
	for _, c := range t.Columns {
		r.columns[c.Name] = true
	}
	for _, c := range t.Columns {
		if c.Kind != ComputedColumn {
			continue
		}
		for _, ref := range c.Computed.ColumnRefs() {
			if !r.columns[ref] {
				continue
			}
			if r.referencedBy[ref] == nil {
				r.referencedBy[ref] = map[string]bool{}
			}
			r.referencedBy[ref][c.Name] = true
			r.dependsOn[c.Name] = append(r.dependsOn[c.Name], ref)
		}
	}
	if w := t.Def.Watermark; w != nil {
		r.watermark[w.Column] = true
		for _, ref := range w.Expr.ColumnRefs() {
			r.watermark[ref] = true
		}
	}
	for _, p := range t.Def.PartitionedBy {
		r.partitions[p] = true
	}
	for _, k := range t.PrimaryKey {
		r.primaryKey[k] = true
	}
	return r
}

// check refuses to drop or rename a column something refers to.
func (r *references) check(col string) error {
	if !r.columns[col] {
		return alterError("The column `%s` does not exist in the base table.", col)
	}
	if users := r.referencedBy[col]; len(users) > 0 {
		var names []string
		for u := range users {
			names = append(names, backtick(u))
		}
		sort.Strings(names)
		return alterError("The column %s is referenced by computed column %s.", backtick(col), strings.Join(names, ", "))
	}
	if r.partitions[col] {
		return alterError("The column `%s` is used as the partition keys.", col)
	}
	if r.watermark[col] {
		return alterError("The column `%s` is referenced by watermark expression.", col)
	}
	return nil
}

func (r *references) drop(col string) error {
	if err := r.check(col); err != nil {
		return err
	}
	if r.primaryKey[col] {
		return alterError("The column %s is used as the primary key.", backtick(col))
	}
	for _, ref := range r.dependsOn[col] {
		delete(r.referencedBy[ref], col)
	}
	delete(r.dependsOn, col)
	delete(r.columns, col)
	return nil
}

func renameColumn(t *Table, d *sql.CreateTable, from, to string) error {
	if err := newReferences(t).check(from); err != nil {
		return err
	}
	if t.ColumnIndex(to) >= 0 {
		return alterError("The column `%s` already existed in table schema.", to)
	}
	for i, cd := range d.Columns {
		if cd.Name == from {
			x := *cd
			x.Name = to
			d.Columns[i] = &x
		}
	}
	if d.PrimaryKey != nil {
		for i, k := range d.PrimaryKey.Columns {
			if k == from {
				d.PrimaryKey.Columns[i] = to
			}
		}
	}
	return nil
}

func dropColumns(t *Table, d *sql.CreateTable, cols []string) error {
	seen := map[string]bool{}
	for _, c := range cols {
		if seen[c] {
			return alterError("Duplicate column `%s`.", c)
		}
		seen[c] = true
	}
	r := newReferences(t)
	// Computed columns first, those using the most columns first, so that
	// dropping b AS a + 1 together with a succeeds.
	order := slices.Clone(cols)
	sort.SliceStable(order, func(i, j int) bool { return len(r.dependsOn[order[i]]) > len(r.dependsOn[order[j]]) })
	for _, c := range order {
		if err := r.drop(c); err != nil {
			return err
		}
	}
	d.Columns = slices.DeleteFunc(d.Columns, func(cd *sql.ColumnDef) bool { return seen[cd.Name] })
	return nil
}

// addOrModify applies ALTER TABLE ADD | MODIFY: columns (with positions),
// then the watermark, then the primary key.
func addOrModify(t *Table, d *sql.CreateTable, st *sql.AlterTable) error {
	add := st.Kind == sql.AlterTableAdd
	order := make([]string, len(d.Columns))
	byName := map[string]*sql.ColumnDef{}
	for i, cd := range d.Columns {
		order[i] = cd.Name
		byName[cd.Name] = cd
	}
	seen := map[string]bool{}
	for _, cp := range st.Columns {
		name := cp.Column.Name
		if seen[name] {
			return alterError("Encounter duplicate column `%s`.", name)
		}
		seen[name] = true
		exists := slices.Contains(order, name)
		switch {
		case add && exists:
			return alterError("Try to add a column `%s` which already exists in the table.", name)
		case !add && !exists:
			return alterError("Try to modify a column `%s` which does not exist in the table.", name)
		}
		if !add && (cp.First || cp.After != "") {
			order = slices.DeleteFunc(order, func(s string) bool { return s == name })
		}
		switch {
		case cp.First:
			order = slices.Insert(order, 0, name)
		case cp.After != "":
			i := slices.Index(order, cp.After)
			if i < 0 {
				return alterError("Referenced column `%s` by 'AFTER' does not exist in the table.", cp.After)
			}
			order = slices.Insert(order, i+1, name)
		case add:
			order = append(order, name)
		}
	}
	for _, cp := range st.Columns {
		nc := *cp.Column
		nc.PrimaryKey = false
		if old := byName[nc.Name]; old != nil && nc.Comment == "" {
			nc.Comment = old.Comment // MODIFY keeps the comment unless it gives one
		}
		byName[nc.Name] = &nc
	}
	if w := st.Watermark; w != nil {
		if add && d.Watermark != nil {
			return alterError("The base table has already defined the watermark strategy `%s` AS %s. You might want to drop it before adding a new one.",
				d.Watermark.Column, d.Watermark.Expr.Unparse())
		}
		if !add && d.Watermark == nil {
			return alterError("The base table does not define any watermark. You might want to add a new one.")
		}
		d.Watermark = w
	}
	if pk := st.PrimaryKey; pk != nil {
		if add && d.PrimaryKey != nil {
			return alterError("The base table has already defined the primary key constraint [`%s`]. You might want to drop it before adding a new one.",
				strings.Join(d.PrimaryKey.Columns, "`, `"))
		}
		if !add && d.PrimaryKey == nil {
			return alterError("The base table does not define any primary key constraint. You might want to add a new one.")
		}
		np := *pk
		d.PrimaryKey = &np
	}
	d.Columns = d.Columns[:0]
	for _, n := range order {
		d.Columns = append(d.Columns, byName[n])
	}
	if d.PrimaryKey != nil {
		// The key's columns are NOT NULL in the stored schema, also when
		// MODIFY gave one a nullable type.
		notNull(d, d.PrimaryKey.Columns)
	}
	return nil
}
