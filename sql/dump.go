package sql

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
)

// Format renders a statement as a stable, readable tree for tests and
// debugging: one line per node, children indented by two spaces, positions
// as @line:col. Queries and expressions show the TiDB AST restored to SQL
// followed by what the rewrite recorded.
func Format(st Statement) string {
	d := &dumper{}
	d.stmt(st, 0)
	return strings.TrimSuffix(d.b.String(), "\n")
}

// String renders the type as written in canonical form, e.g. "DECIMAL(10, 2)",
// "ROW<`a` INT, `b` STRING NOT NULL>", "ARRAY<INT> NOT NULL".
func (t *DataType) String() string {
	if t == nil {
		return "<nil>"
	}
	var b strings.Builder
	b.WriteString(t.Name)
	switch t.Name {
	case "ARRAY", "MULTISET":
		fmt.Fprintf(&b, "<%s>", t.Elem)
	case "MAP":
		fmt.Fprintf(&b, "<%s, %s>", t.Key, t.Elem)
	case "ROW":
		b.WriteByte('<')
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %s", quoteIdent(f.Name), f.Type)
			if f.Comment != "" {
				fmt.Fprintf(&b, " COMMENT %s", quoteString(f.Comment))
			}
		}
		b.WriteByte('>')
	}
	if len(t.Params) > 0 {
		ps := make([]string, len(t.Params))
		for i, p := range t.Params {
			ps[i] = strconv.Itoa(p)
		}
		fmt.Fprintf(&b, "(%s)", strings.Join(ps, ", "))
	}
	if t.NotNull {
		b.WriteString(" NOT NULL")
	}
	return b.String()
}

// String joins the parts with dots, quoting those that need it.
func (o ObjectName) String() string {
	parts := make([]string, len(o.Parts))
	for i, p := range o.Parts {
		parts[i] = identString(p)
	}
	return strings.Join(parts, ".")
}

// identString quotes s with backticks unless it is a plain word.
func identString(s string) string {
	if s == "" {
		return "``"
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return quoteIdent(s)
		}
	}
	return s
}

// quoteString writes s as a SQL string literal.
func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// at renders a position as @line:col.
func at(p Pos) string { return fmt.Sprintf("@%d:%d", p.Line, p.Col) }

// dumper accumulates the lines of Format.
type dumper struct{ b strings.Builder }

func (d *dumper) line(depth int, format string, args ...any) {
	d.b.WriteString(strings.Repeat("  ", depth))
	fmt.Fprintf(&d.b, format, args...)
	d.b.WriteByte('\n')
}

// flags renders the names of the true flags, each preceded by a space.
func flags(pairs ...any) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if on, _ := pairs[i+1].(bool); on {
			b.WriteByte(' ')
			b.WriteString(pairs[i].(string))
		}
	}
	return b.String()
}

func identList(ss []string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = identString(s)
	}
	return "(" + strings.Join(out, ", ") + ")"
}

func (d *dumper) stmt(st Statement, n int) {
	if st == nil {
		d.line(n, "<nil>")
		return
	}
	pos := at(st.Position())
	switch s := st.(type) {
	case *Help:
		d.line(n, "Help %s", pos)
	case *Quit:
		d.line(n, "Quit %s", pos)
	case *Clear:
		d.line(n, "Clear %s", pos)
	case *Set:
		if s.Key == "" {
			d.line(n, "Set %s (list)", pos)
		} else {
			d.line(n, "Set %s key=%q value=%q", pos, s.Key, s.Value)
		}
	case *Reset:
		if s.Key == "" {
			d.line(n, "Reset %s (all)", pos)
		} else {
			d.line(n, "Reset %s key=%q", pos, s.Key)
		}
	case *CreateTable:
		d.createTable(s, n)
	case *CreateView:
		d.line(n, "CreateView %s %s%s", pos, s.Name, flags("temporary", s.Temporary, "if-not-exists", s.IfNotExists))
		if s.Columns != nil {
			d.line(n+1, "columns %s", identList(s.Columns))
		}
		if s.Comment != "" {
			d.line(n+1, "comment %s", quoteString(s.Comment))
		}
		d.query(s.Query, n+1)
	case *CreateFunction:
		d.line(n, "CreateFunction %s %s%s class=%q", pos, s.Name,
			flags("temporary", s.Temporary, "system", s.System, "if-not-exists", s.IfNotExists), s.Class)
		if s.Language != "" {
			d.line(n+1, "language %s", s.Language)
		}
	case *AlterFunction:
		d.line(n, "AlterFunction %s %s%s class=%q", pos, s.Name,
			flags("temporary", s.Temporary, "system", s.System, "if-exists", s.IfExists), s.Class)
		if s.Language != "" {
			d.line(n+1, "language %s", s.Language)
		}
	case *AddJar:
		d.line(n, "AddJar %s %q", pos, s.Path)
	case *RemoveJar:
		d.line(n, "RemoveJar %s %q", pos, s.Path)
	case *ShowJars:
		d.line(n, "ShowJars %s", pos)
	case *DropTable:
		d.line(n, "DropTable %s %s%s", pos, s.Name, flags("temporary", s.Temporary, "if-exists", s.IfExists))
	case *DropView:
		d.line(n, "DropView %s %s%s", pos, s.Name, flags("temporary", s.Temporary, "if-exists", s.IfExists))
	case *DropFunction:
		d.line(n, "DropFunction %s %s%s", pos, s.Name,
			flags("temporary", s.Temporary, "system", s.System, "if-exists", s.IfExists))
	case *ShowTables:
		d.line(n, "ShowTables %s%s%s", pos, fromName(s.From), likeString(s.Like))
	case *ShowViews:
		d.line(n, "ShowViews %s%s%s", pos, fromName(s.From), likeString(s.Like))
	case *ShowColumns:
		d.line(n, "ShowColumns %s from %s%s", pos, s.Table, likeString(s.Like))
	case *ShowCatalogs:
		d.line(n, "ShowCatalogs %s%s", pos, likeString(s.Like))
	case *ShowDatabases:
		from := ""
		if s.From != "" {
			from = " from " + identString(s.From)
		}
		d.line(n, "ShowDatabases %s%s%s", pos, from, likeString(s.Like))
	case *ShowModules:
		d.line(n, "ShowModules %s%s", pos, flags("full", s.Full))
	case *LoadModule:
		d.line(n, "LoadModule %s %s", pos, identString(s.Name))
		d.commentAndOptions("", s.Options, n+1)
	case *UseModules:
		var names []string
		for _, n := range s.Names {
			names = append(names, identString(n))
		}
		d.line(n, "UseModules %s %s", pos, strings.Join(names, ", "))
	case *UnloadModule:
		d.line(n, "UnloadModule %s %s", pos, identString(s.Name))
	case *CreateCatalog:
		d.line(n, "CreateCatalog %s %s%s", pos, identString(s.Name), flags("if-not-exists", s.IfNotExists))
		d.commentAndOptions(s.Comment, s.Options, n+1)
	case *AlterCatalog:
		switch s.Kind {
		case AlterCatalogSet:
			d.line(n, "AlterCatalog %s %s set", pos, identString(s.Name))
			d.commentAndOptions("", s.Options, n+1)
		case AlterCatalogReset:
			d.line(n, "AlterCatalog %s %s reset", pos, identString(s.Name))
			for _, k := range s.Keys {
				d.line(n+1, "key %s", quoteString(k))
			}
		case AlterCatalogComment:
			d.line(n, "AlterCatalog %s %s comment %s", pos, identString(s.Name), quoteString(s.Comment))
		}
	case *DropCatalog:
		d.line(n, "DropCatalog %s %s%s", pos, identString(s.Name), flags("if-exists", s.IfExists))
	case *UseCatalog:
		d.line(n, "UseCatalog %s %s", pos, identString(s.Name))
	case *DescribeCatalog:
		d.line(n, "DescribeCatalog %s %s%s", pos, identString(s.Name), flags("extended", s.Extended))
	case *CreateDatabase:
		d.line(n, "CreateDatabase %s %s%s", pos, s.Name, flags("if-not-exists", s.IfNotExists))
		d.commentAndOptions(s.Comment, s.Options, n+1)
	case *AlterDatabase:
		d.line(n, "AlterDatabase %s %s", pos, s.Name)
		d.commentAndOptions("", s.Options, n+1)
	case *AlterTable:
		d.alterTable(s, n)
	case *AlterView:
		d.line(n, "AlterView %s %s", pos, s.Name)
		if s.NewName != nil {
			d.line(n+1, "rename-to %s", s.NewName)
		}
		if s.Query != nil {
			d.query(s.Query, n+1)
		}
	case *DropDatabase:
		d.line(n, "DropDatabase %s %s%s", pos, s.Name, flags("if-exists", s.IfExists, "cascade", s.Cascade))
	case *UseDatabase:
		d.line(n, "UseDatabase %s %s", pos, s.Name)
	case *ShowJobs:
		d.line(n, "ShowJobs %s", pos)
	case *ShowCheckpoints:
		d.line(n, "ShowCheckpoints %s dir=%q", pos, s.Dir)
	case *ShowFunctions:
		d.line(n, "ShowFunctions %s%s%s%s", pos, flags("user", s.User), fromName(s.From), likeString(s.Like))
	case *Describe:
		d.line(n, "Describe %s %s", pos, s.Name)
	case *ShowCreate:
		kind := "TABLE"
		if s.View {
			kind = "VIEW"
		} else if s.Catalog {
			kind = "CATALOG"
		}
		d.line(n, "ShowCreate %s %s %s", pos, kind, s.Name)
	case *Explain:
		d.line(n, "Explain %s", pos)
		if len(s.Details) > 0 {
			d.line(n+1, "details %s", strings.Join(s.Details, ", "))
		}
		d.stmt(s.Target, n+1)
	case *Insert:
		verb := "INTO"
		if s.Overwrite {
			verb = "OVERWRITE"
		}
		d.line(n, "Insert %s %s %s", pos, verb, s.Table)
		for _, o := range s.Options {
			d.line(n+1, "option %s = %s", quoteString(o.Key), quoteString(o.Value))
		}
		for _, o := range s.Partition {
			d.line(n+1, "partition %s = %s", identString(o.Key), quoteString(o.Value))
		}
		if s.Columns != nil {
			d.line(n+1, "columns %s", identList(s.Columns))
		}
		d.query(s.Query, n+1)
	case *StatementSet:
		d.line(n, "StatementSet %s", pos)
		for _, it := range s.Items {
			d.stmt(it, n+1)
		}
	case *BeginStatementSet:
		d.line(n, "BeginStatementSet %s", pos)
	case *End:
		d.line(n, "End %s", pos)
	case *Select:
		d.line(n, "Select %s", pos)
		d.query(s.Query, n+1)
	case *StopJob:
		d.line(n, "StopJob %s id=%q%s", pos, s.JobID, flags("with-savepoint", s.WithSavepoint, "with-drain", s.WithDrain))
	default:
		d.line(n, "%T %s", st, pos)
	}
}

func likeString(l *Like) string {
	if l == nil {
		return ""
	}
	op := " like "
	if l.ILike {
		op = " ilike "
	}
	if l.Not {
		op = " not" + op
	}
	return op + quoteString(l.Pattern)
}

func fromName(n *ObjectName) string {
	if n == nil {
		return ""
	}
	return " from " + n.String()
}

func (d *dumper) commentAndOptions(comment string, opts []Option, n int) {
	if comment != "" {
		d.line(n, "comment %s", quoteString(comment))
	}
	for _, o := range opts {
		d.line(n, "option %s = %s", quoteString(o.Key), quoteString(o.Value))
	}
}

func (d *dumper) createTable(s *CreateTable, n int) {
	d.line(n, "CreateTable %s %s%s", at(s.Position()), s.Name, flags("temporary", s.Temporary, "if-not-exists", s.IfNotExists,
		"replace", s.Replace, "or-create", s.OrReplace))
	for _, c := range s.Columns {
		d.column(c, n+1)
	}
	if w := s.Watermark; w != nil {
		d.watermark(w, n+1)
	}
	if pk := s.PrimaryKey; pk != nil {
		d.primaryKey(pk, n+1)
	}
	if s.Comment != "" {
		d.line(n+1, "comment %s", quoteString(s.Comment))
	}
	if s.PartitionedBy != nil {
		d.line(n+1, "partitioned-by %s", identList(s.PartitionedBy))
	}
	for _, o := range s.Options {
		d.line(n+1, "option %s = %s", quoteString(o.Key), quoteString(o.Value))
	}
	if l := s.Like; l != nil {
		d.line(n+1, "like %s %s", at(l.Pos), l.Source)
		for _, o := range l.Options {
			d.line(n+2, "%s %s", o.Strategy, o.Feature)
		}
	}
	if s.AsQuery != nil {
		d.line(n+1, "as")
		d.query(s.AsQuery, n+2)
	}
}

var alterTableKinds = [...]string{"rename", "rename-column", "set", "reset", "add", "modify", "drop-columns",
	"drop-primary-key", "drop-constraint", "drop-watermark"}

func (d *dumper) alterTable(s *AlterTable, n int) {
	d.line(n, "AlterTable %s %s%s %s", at(s.Position()), s.Name, flags("if-exists", s.IfExists), alterTableKinds[s.Kind])
	switch s.Kind {
	case AlterTableRename:
		d.line(n+1, "to %s", s.NewName)
	case AlterTableRenameColumn:
		d.line(n+1, "%s to %s", identString(s.Column), identString(s.NewColumn))
	case AlterTableSet:
		d.commentAndOptions("", s.Options, n+1)
	case AlterTableReset:
		for _, k := range s.Keys {
			d.line(n+1, "key %s", quoteString(k))
		}
	case AlterTableDropColumns:
		d.line(n+1, "columns %s", identList(s.Drop))
	case AlterTableDropConstraint:
		d.line(n+1, "constraint %s", identString(s.Constraint))
	}
	for _, cp := range s.Columns {
		d.column(cp.Column, n+1)
		switch {
		case cp.First:
			d.line(n+2, "first")
		case cp.After != "":
			d.line(n+2, "after %s", identString(cp.After))
		}
	}
	if s.Watermark != nil {
		d.watermark(s.Watermark, n+1)
	}
	if s.PrimaryKey != nil {
		d.primaryKey(s.PrimaryKey, n+1)
	}
}

func (d *dumper) watermark(w *Watermark, n int) {
	d.line(n, "watermark %s for %s AS", at(w.Pos), identString(w.Column))
	d.expr(w.Expr, n+1)
}

func (d *dumper) primaryKey(pk *PrimaryKey, n int) {
	name := ""
	if pk.Name != "" {
		name = " constraint=" + identString(pk.Name)
	}
	d.line(n, "primary-key %s %s%s", at(pk.Pos), identList(pk.Columns), name)
}

func (d *dumper) column(c *ColumnDef, n int) {
	switch {
	case c.Computed != nil:
		d.line(n, "column %s %s AS", identString(c.Name), at(c.Pos))
		d.expr(c.Computed, n+1)
	default:
		var extra strings.Builder
		if c.Metadata {
			extra.WriteString(" METADATA")
			if c.MetadataKey != "" {
				fmt.Fprintf(&extra, " FROM %s", quoteString(c.MetadataKey))
			}
			if c.Virtual {
				extra.WriteString(" VIRTUAL")
			}
		}
		if c.PrimaryKey {
			extra.WriteString(" PRIMARY KEY")
		}
		d.line(n, "column %s %s %s%s", identString(c.Name), at(c.Pos), c.Type, extra.String())
	}
	if c.Comment != "" {
		d.line(n+1, "comment %s", quoteString(c.Comment))
	}
}

// restoreFlags render TiDB nodes compactly and without charset noise.
const restoreFlags = format.RestoreStringSingleQuotes | format.RestoreKeyWordUppercase |
	format.RestoreNameBackQuotes | format.RestoreSpacesAroundBinaryOperation | format.RestoreStringWithoutCharset

// restore renders a TiDB node as SQL.
func restore(n ast.Node) (s string) {
	if n == nil {
		return "<nil>"
	}
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("<restore failed: %v>", r)
		}
	}()
	var b strings.Builder
	if err := n.Restore(format.NewRestoreCtx(restoreFlags, &b)); err != nil {
		return fmt.Sprintf("<restore failed: %v>", err)
	}
	return b.String()
}

func (d *dumper) query(q *Query, n int) {
	if q == nil {
		d.line(n, "query <nil>")
		return
	}
	d.line(n, "query %s %s", at(q.Pos), restore(q.Node))
	d.rewrites(q.Rewrites, n+1)
}

func (d *dumper) expr(x *Expr, n int) {
	if x == nil {
		d.line(n, "expr <nil>")
		return
	}
	d.line(n, "expr %s %s", at(x.Pos), restore(x.Node))
	d.rewrites(x.Rewrites, n+1)
}

func (d *dumper) rewrites(rw *Rewrites, n int) {
	if rw == nil {
		return
	}
	for i, c := range rw.Casts {
		d.line(n, "cast %d: %s", i, c)
	}
	for i, iv := range rw.Intervals {
		to := ""
		if iv.To != "" {
			to = " TO " + iv.To
		}
		d.line(n, "interval %d %s: %s %s%s", i, at(iv.Pos), quoteString(iv.Value), iv.From, to)
	}
	for i, u := range rw.Unnests {
		d.line(n, "unnest %d %s%s%s", i, at(u.Pos), aliasString(u.Alias, u.Columns), flags("with-ordinality", u.Ordinality))
		d.expr(u.Expr, n+1)
	}
	for i, tf := range rw.TableFuncs {
		d.line(n, "table-func %d %s %s%s%s", i, at(tf.Pos), tf.Name, aliasString(tf.Alias, tf.Columns), flags("lateral", tf.Lateral))
		for _, a := range tf.Args {
			name := ""
			if a.Name != "" {
				name = identString(a.Name) + " => "
			}
			switch {
			case a.Table != nil:
				part := ""
				if a.PartitionBy != nil {
					part = " PARTITION BY " + identList(a.PartitionBy)
				}
				d.line(n+1, "arg %s %sTABLE %s%s", at(a.Pos), name, a.Table, part)
			case a.Descriptor != nil:
				d.line(n+1, "arg %s %sDESCRIPTOR%s", at(a.Pos), name, identList(a.Descriptor))
			default:
				d.line(n+1, "arg %s%s", at(a.Pos), strings.TrimSuffix(" "+name, " "))
				d.expr(a.Expr, n+2)
			}
		}
	}
	for i, t := range rw.Tables {
		d.line(n, "table %d %s %s", i, at(t.Pos), t.Name)
		for _, o := range t.Options {
			d.line(n+1, "option %s = %s", quoteString(o.Key), quoteString(o.Value))
		}
		for _, h := range t.Hints {
			d.line(n+1, "hint %s", h)
		}
	}
	names := make([]string, 0, len(rw.ColumnAliases))
	for k := range rw.ColumnAliases {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		d.line(n, "column-aliases %s %s", identString(k), identList(rw.ColumnAliases[k]))
	}
}

// aliasString renders " AS t(a, b)" or "".
func aliasString(alias string, cols []string) string {
	if alias == "" {
		return ""
	}
	s := " AS " + identString(alias)
	if cols != nil {
		s += identList(cols)
	}
	return s
}
