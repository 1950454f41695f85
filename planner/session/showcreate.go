package session

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/runtime/types"
	"github.com/flinkgo/engine/sql"
)

// showCreate is SHOW CREATE TABLE | VIEW | CATALOG in the form Flink's ShowCreateUtil
// prints: quoted identifiers, types in their serializable form, computed
// columns and the watermark normalized, the primary key with its
// constraint name, options sorted by key.
func (s *Session) showCreate(x *sql.ShowCreate) (*Result, error) {
	if x.Catalog {
		return s.showCreateCatalog(x.Name.Name())
	}
	t, v, name, err := s.lookupTableOrView(x.Name)
	if err != nil {
		return nil, err
	}
	qname := quotedPath(name)
	if x.View {
		if v == nil {
			if t != nil {
				return nil, &planner.TableError{Msg: fmt.Sprintf("SHOW CREATE VIEW is only supported for views, but %s is a table. Please use SHOW CREATE TABLE instead.", qname)}
			}
			return nil, &planner.ValidationError{Msg: fmt.Sprintf("Could not execute SHOW CREATE VIEW. View with identifier %s does not exist.", qname)}
		}
		return &Result{Kind: ResultText, Text: showCreateView(v, qname)}, nil
	}
	if t == nil {
		if v != nil {
			return nil, &planner.TableError{Msg: fmt.Sprintf("SHOW CREATE TABLE is only supported for tables, but %s is a view. Please use SHOW CREATE VIEW instead.", qname)}
		}
		return nil, &planner.ValidationError{Msg: fmt.Sprintf("Could not execute SHOW CREATE TABLE. Table with identifier %s does not exist.", qname)}
	}
	return &Result{Kind: ResultText, Text: showCreateTable(t, qname)}, nil
}

// showCreateCatalog is SHOW CREATE CATALOG as Flink 1.20's
// ShowCreateUtil.buildShowCreateCatalogRow: the name quoted, the comment,
// and the catalog's options ('type' included) sorted, secrets masked. As
// DESCRIBE CATALOG, the built-in default_catalog has no descriptor.
func (s *Session) showCreateCatalog(name string) (*Result, error) {
	ci, ok := s.cat.CatalogInfo(name)
	if !ok || ci.Builtin() {
		return nil, &planner.ValidationError{Msg: fmt.Sprintf("Cannot obtain metadata information from Catalog %s.", name)}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE CATALOG %s\n", quoteIdent(ci.Name))
	if ci.Comment != "" {
		fmt.Fprintf(&b, "COMMENT %s\n", quoteString(ci.Comment))
	}
	opts := map[string]string{}
	for _, o := range ci.Options {
		opts[o.Key] = o.Value
	}
	if len(opts) > 0 {
		lines := make([]string, 0, len(opts))
		for k, v := range opts {
			v = connectors.MaskValue(k, v)
			if planner.IsSecretKey(k) {
				v = connectors.Masked
			}
			lines = append(lines, fmt.Sprintf("  %s = %s", quoteString(k), quoteString(v)))
		}
		sort.Strings(lines) // Flink sorts the formatted lines
		fmt.Fprintf(&b, "WITH (\n%s\n)\n", strings.Join(lines, ",\n"))
	}
	return &Result{Kind: ResultText, Text: b.String()}, nil
}

func quotedPath(name string) string {
	parts := strings.SplitN(name, ".", 3)
	for i := range parts {
		parts[i] = quoteIdent(parts[i])
	}
	return strings.Join(parts, ".")
}

func temporaryWord(temporary bool) string {
	if temporary {
		return "TEMPORARY "
	}
	return ""
}

func showCreateTable(t *planner.Table, qname string) string {
	var lines []string
	for i, c := range t.Columns {
		l := quoteIdent(c.Name) + " "
		if c.Kind == planner.ComputedColumn {
			l += columnExtras(t, i)
		} else {
			l += serializableType(c.Type)
			if e := columnExtras(t, i); e != "" {
				l += " " + e
			}
		}
		if c.Comment != "" {
			l += " COMMENT " + quoteString(c.Comment)
		}
		lines = append(lines, "  "+l)
	}
	if w := t.Def.Watermark; w != nil {
		lines = append(lines, fmt.Sprintf("  WATERMARK FOR %s AS %s", quoteIdent(w.Column), w.Expr.Unparse()))
	}
	if len(t.PrimaryKey) > 0 {
		ks := make([]string, len(t.PrimaryKey))
		for i, k := range t.PrimaryKey {
			ks[i] = quoteIdent(k)
		}
		lines = append(lines, fmt.Sprintf("  CONSTRAINT %s PRIMARY KEY (%s) NOT ENFORCED", quoteIdent(t.PrimaryKeyName), strings.Join(ks, ", ")))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE %sTABLE %s (\n%s\n) ", temporaryWord(t.Temporary), qname, strings.Join(lines, ",\n"))
	if t.Def.Comment != "" {
		fmt.Fprintf(&b, "COMMENT %s\n", quoteString(t.Def.Comment))
	}
	if len(t.Def.PartitionedBy) > 0 {
		ps := make([]string, len(t.Def.PartitionedBy))
		for i, p := range t.Def.PartitionedBy {
			ps[i] = quoteIdent(p)
		}
		fmt.Fprintf(&b, "PARTITIONED BY (%s)\n", strings.Join(ps, ", "))
	}
	keys := make([]string, 0, len(t.Options))
	for k := range t.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var opts []string
	for _, k := range keys {
		val := connectors.MaskValue(k, t.Options[k])
		if planner.IsSecretKey(k) {
			val = connectors.Masked
		}
		opts = append(opts, fmt.Sprintf("  %s = %s", quoteString(k), quoteString(val)))
	}
	if len(opts) > 0 {
		fmt.Fprintf(&b, "WITH (\n%s\n)\n", strings.Join(opts, ",\n"))
	}
	return b.String()
}

func showCreateView(v *planner.View, qname string) string {
	cols := make([]string, len(v.Columns))
	for i, c := range v.Columns {
		cols[i] = "  " + quoteIdent(c.Name)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE %sVIEW %s (\n%s\n)\n", temporaryWord(v.Temporary), qname, strings.Join(cols, ",\n"))
	if v.Def.Comment != "" {
		fmt.Fprintf(&b, "COMMENT %s\n", quoteString(v.Def.Comment))
	}
	q := v.Expanded
	if q == "" {
		q = v.Query.Text // beyond what the expansion covers: as written
	}
	fmt.Fprintf(&b, "AS %s\n", q)
	return b.String()
}

// columnExtras is what DESCRIBE shows in its extras column and SHOW CREATE
// TABLE after the type: AS expr for a computed column, METADATA [FROM 'k']
// [VIRTUAL] for a metadata column.
func columnExtras(t *planner.Table, i int) string {
	c := t.Columns[i]
	switch c.Kind {
	case planner.ComputedColumn:
		return "AS " + c.Computed.Unparse()
	case planner.MetadataColumn:
		s := "METADATA"
		key := ""
		if i < len(t.Def.Columns) && t.Def.Columns[i].Name == c.Name {
			key = t.Def.Columns[i].MetadataKey
		}
		if key != "" {
			s += " FROM " + quoteString(key)
		}
		if c.Virtual {
			s += " VIRTUAL"
		}
		return s
	}
	return ""
}

// serializableType renders a type as Flink's LogicalType.asSerializableString
// (VARCHAR(2147483647) for STRING, TIMESTAMP(3) WITH LOCAL TIME ZONE, ...),
// without time-attribute markers.
func serializableType(t *types.Type) string {
	var b strings.Builder
	writeSerializable(&b, t)
	return b.String()
}

func writeSerializable(b *strings.Builder, t *types.Type) {
	switch t.Kind {
	case types.KindVarChar:
		b.WriteString("VARCHAR(" + strconv.Itoa(t.Length) + ")")
	case types.KindVarBinary:
		b.WriteString("VARBINARY(" + strconv.Itoa(t.Length) + ")")
	case types.KindTimestampLTZ:
		b.WriteString("TIMESTAMP(" + strconv.Itoa(t.Precision) + ") WITH LOCAL TIME ZONE")
	case types.KindIntervalYearMonth:
		b.WriteString("INTERVAL YEAR(2) TO MONTH")
	case types.KindIntervalDayTime:
		b.WriteString("INTERVAL DAY(2) TO SECOND(3)")
	case types.KindArray:
		b.WriteString("ARRAY<")
		writeSerializable(b, t.Elem)
		b.WriteString(">")
	case types.KindMap:
		b.WriteString("MAP<")
		writeSerializable(b, t.Key)
		b.WriteString(", ")
		writeSerializable(b, t.Elem)
		b.WriteString(">")
	case types.KindRow:
		b.WriteString("ROW<")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quoteIdent(f.Name) + " ")
			writeSerializable(b, f.Type)
		}
		b.WriteString(">")
	default:
		b.WriteString(t.WithNullable(true).WithTimeAttr(types.NoTimeAttr).String())
		if t.NotNull {
			b.WriteString(" NOT NULL")
		}
		return
	}
	if t.NotNull {
		b.WriteString(" NOT NULL")
	}
}
