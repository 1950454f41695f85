package planner

import (
	"fmt"
	"slices"

	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// likeDefaults are Flink's merging strategies for the features a LIKE
// clause does not name.
var likeDefaults = map[string]string{
	"CONSTRAINTS": "INCLUDING", "GENERATED": "INCLUDING", "METADATA": "INCLUDING",
	"OPTIONS": "OVERWRITING", "PARTITIONS": "INCLUDING", "WATERMARKS": "INCLUDING",
}

// likeStrategies applies the written options to the defaults: ALL first,
// then each named feature.
func likeStrategies(opts []sql.LikeOption) map[string]string {
	m := map[string]string{}
	for k, v := range likeDefaults {
		m[k] = v
	}
	for _, o := range opts {
		if o.Feature == "ALL" {
			for k := range m {
				m[k] = o.Strategy
			}
		}
	}
	for _, o := range opts {
		if o.Feature != "ALL" {
			m[o.Feature] = o.Strategy
		}
	}
	return m
}

// MergeLike resolves CREATE TABLE ... LIKE source into the definition of
// the new table, merging the source's columns, watermark, primary key,
// partitioning and options with the derived ones as Flink's
// MergeTableLikeUtil does.
func (c *Catalog) MergeLike(st *sql.CreateTable) (*sql.CreateTable, error) {
	l := st.Like
	p, err := c.Resolve(l.Source)
	if err != nil {
		return nil, err
	}
	at := fmt.Sprintf("line %d, column %d", l.Source.Pos.Line, l.Source.Pos.Col)
	src, view := c.lookup(p.String())
	if view != nil {
		return nil, &ValidationError{Msg: fmt.Sprintf("Source table '%s' of the LIKE clause can not be a VIEW, at %s", p.Quoted(), at)}
	}
	if src == nil {
		return nil, &ValidationError{Msg: fmt.Sprintf("Source table '%s' of the LIKE clause not found in the catalog, at %s", p.Quoted(), at)}
	}
	strategy := likeStrategies(l.Options)
	base := copyDef(src)
	d := *st
	d.Like = nil

	// Columns: the source's (computed and metadata ones unless excluded),
	// then the derived ones, which may overwrite generated or metadata
	// columns in place.
	var cols []*sql.ColumnDef
	index := map[string]int{}
	for _, cd := range base.Columns {
		switch {
		case cd.Computed != nil && strategy["GENERATED"] == "EXCLUDING",
			cd.Metadata && strategy["METADATA"] == "EXCLUDING":
			continue
		}
		x := *cd
		x.PrimaryKey = false
		index[cd.Name] = len(cols)
		cols = append(cols, &x)
	}
	for _, cd := range st.Columns {
		i, exists := index[cd.Name]
		switch {
		case !exists:
			index[cd.Name] = len(cols)
			cols = append(cols, cd)
			continue
		case cd.Computed != nil && cols[i].Computed == nil:
			return nil, &ValidationError{Msg: fmt.Sprintf("A column named '%s' already exists in the base table. Computed columns can only overwrite other computed columns.", cd.Name)}
		case cd.Computed != nil && strategy["GENERATED"] != "OVERWRITING":
			return nil, &ValidationError{Msg: fmt.Sprintf("A generated column named '%s' already exists in the base table. You might want to specify EXCLUDING GENERATED or OVERWRITING GENERATED.", cd.Name)}
		case cd.Metadata && !cols[i].Metadata:
			return nil, &ValidationError{Msg: fmt.Sprintf("A column named '%s' already exists in the base table. Metadata columns can only overwrite other metadata columns.", cd.Name)}
		case cd.Metadata && strategy["METADATA"] != "OVERWRITING":
			return nil, &ValidationError{Msg: fmt.Sprintf("A metadata column named '%s' already exists in the base table. You might want to specify EXCLUDING METADATA or OVERWRITING METADATA.", cd.Name)}
		case cd.Computed == nil && !cd.Metadata:
			return nil, &ValidationError{Msg: fmt.Sprintf("A column named '%s' already exists in the base table.", cd.Name)}
		}
		cols[i] = cd
	}
	d.Columns = cols

	// Watermark.
	var wm *sql.Watermark
	if strategy["WATERMARKS"] != "EXCLUDING" {
		wm = base.Watermark
	}
	if w := st.Watermark; w != nil {
		switch {
		case wm != nil && wm.Column == w.Column && strategy["WATERMARKS"] != "OVERWRITING":
			return nil, &ValidationError{Msg: fmt.Sprintf("There already exists a watermark spec for column '%s' in the base table. You might want to specify EXCLUDING WATERMARKS or OVERWRITING WATERMARKS.", w.Column)}
		case wm != nil && wm.Column != w.Column:
			return nil, &ValidationError{Msg: "Multiple watermark definition is not supported yet."}
		}
		wm = w
	}
	d.Watermark = wm

	// Primary key.
	var pk *sql.PrimaryKey
	if strategy["CONSTRAINTS"] == "INCLUDING" {
		pk = base.PrimaryKey
	}
	if st.PrimaryKey != nil {
		if pk != nil {
			return nil, &ValidationError{Msg: "The base table already has a primary key. You might want to specify EXCLUDING CONSTRAINTS."}
		}
		pk = st.PrimaryKey
	}
	d.PrimaryKey = pk

	// Partitions.
	var parts []string
	if strategy["PARTITIONS"] != "EXCLUDING" {
		parts = base.PartitionedBy
	}
	if len(st.PartitionedBy) > 0 {
		if len(base.PartitionedBy) > 0 && strategy["PARTITIONS"] != "EXCLUDING" {
			return nil, &ValidationError{Msg: "The base table already has partitions defined. You might want to specify EXCLUDING PARTITIONS."}
		}
		parts = st.PartitionedBy
	}
	d.PartitionedBy = parts

	// Options.
	var opts []sql.Option
	if strategy["OPTIONS"] != "EXCLUDING" {
		opts = slices.Clone(base.Options)
	}
	for _, o := range st.Options {
		i := slices.IndexFunc(opts, func(x sql.Option) bool { return x.Key == o.Key })
		switch {
		case i < 0:
			opts = append(opts, o)
		case strategy["OPTIONS"] != "OVERWRITING":
			return nil, &ValidationError{Msg: fmt.Sprintf("There already exists an option ['%s' -> '%s']  in the base table. You might want to specify EXCLUDING OPTIONS or OVERWRITING OPTIONS.", o.Key, opts[i].Value)}
		default:
			opts[i] = o
		}
	}
	d.Options = opts
	return &d, nil
}

// AsSelectDef is the definition of the table CREATE TABLE ... AS SELECT
// creates: the query's columns (time attributes dropped, nullability kept),
// with the statement's comment, partitioning and options.
func AsSelectDef(st *sql.CreateTable, cols []Column) (*sql.CreateTable, error) {
	d := *st
	d.AsQuery = nil
	d.Columns = nil
	for _, c := range cols {
		dt, err := sql.ParseDataType(c.Type.WithTimeAttr(types.NoTimeAttr).String())
		if err != nil {
			return nil, &TableError{Msg: fmt.Sprintf("Cannot derive the type of column '%s' from %s: %v", c.Name, c.Type, err)}
		}
		d.Columns = append(d.Columns, &sql.ColumnDef{Name: c.Name, Type: dt, Pos: st.Name.Pos})
	}
	return &d, nil
}
