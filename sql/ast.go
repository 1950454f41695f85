// Package sql turns script text into statements of the Flink SQL dialect.
//
// Flow: SplitScript cuts a script into statement texts (honouring ';' inside
// string literals, quoted identifiers, '--' and '/* */' comments, and
// EXECUTE STATEMENT SET BEGIN ... END blocks); Parse turns one statement text
// into a Statement. Queries and scalar expressions are parsed by the TiDB
// parser after a token-level rewrite of the Flink-only constructs the TiDB
// grammar rejects (CAST(x AS STRING), INTERVAL literals, ARRAY[...],
// UNNEST(...) AS t(c), column alias lists); the rewrite records what it
// replaced in Rewrites and maps positions back, so every error points at the
// line and column of the user's own text.
//
// This package owns syntax only: it does not resolve names or types.
// All functions are pure and safe for concurrent use.
package sql

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Pos is a position in the user's script: Offset is 0-based bytes, Line and
// Col are 1-based (Col counts characters).
type Pos struct {
	Offset, Line, Col int
}

// Statement is one parsed statement.
type Statement interface {
	// Position of the first token of the statement.
	Position() Pos
	// SQL returns the statement text as written (without the trailing ';').
	SQL() string
}

// StmtBase carries what every statement has.
type StmtBase struct {
	Pos  Pos
	Text string
}

func (s *StmtBase) Position() Pos { return s.Pos }
func (s *StmtBase) SQL() string   { return s.Text }

// ObjectName is a possibly qualified name: [catalog.][database.]name.
type ObjectName struct {
	Parts []string
	Pos   Pos
}

// Name returns the last part.
func (o ObjectName) Name() string { return o.Parts[len(o.Parts)-1] }

// ---- client commands ----

type Help struct{ StmtBase }
type Quit struct{ StmtBase } // QUIT or EXIT
type Clear struct{ StmtBase }

// Set is SET; (Key == "": list) or SET key = value in either form.
type Set struct {
	StmtBase
	Key, Value string
}

// Reset is RESET; (Key == "": all) or RESET key.
type Reset struct {
	StmtBase
	Key string
}

// ---- DDL ----

// DataType is a type as written: Name is upper-case and canonical
// ("INT" for INTEGER, "VARCHAR", "STRING", "TIMESTAMP", "TIMESTAMP_LTZ" (also for
// TIMESTAMP WITH LOCAL TIME ZONE), "DECIMAL" (also DEC, NUMERIC), "ROW", "ARRAY",
// "MAP", "MULTISET", "BYTES", "BINARY", "VARBINARY", "BOOLEAN", "TINYINT",
// "SMALLINT", "BIGINT", "FLOAT", "DOUBLE" (also DOUBLE PRECISION), "DATE", "TIME",
// "CHAR", "INTERVAL"...). Params holds the numbers in parentheses.
type DataType struct {
	Name    string
	Params  []int
	NotNull bool
	Elem    *DataType  // ARRAY<e>, MULTISET<e>, MAP value
	Key     *DataType  // MAP key
	Fields  []FieldDef // ROW<a INT, b STRING> or ROW(a INT, b STRING)
	Pos     Pos
}

// FieldDef is a field of a ROW type.
type FieldDef struct {
	Name    string
	Type    *DataType
	Comment string
}

// ColumnDef is one column of CREATE TABLE. Exactly one of the shapes holds:
// physical (Type set, Computed nil, !Metadata), metadata (Type set, Metadata),
// computed (Computed set, Type nil).
type ColumnDef struct {
	Name        string
	Pos         Pos
	Type        *DataType
	Computed    *Expr
	Metadata    bool
	MetadataKey string // FROM 'key'; empty means the column name
	Virtual     bool
	PrimaryKey  bool // inline PRIMARY KEY NOT ENFORCED
	Comment     string
}

// Option is one 'key' = 'value' of WITH (...).
type Option struct {
	Key, Value string
	Pos        Pos
}

// Watermark is WATERMARK FOR column AS expr.
type Watermark struct {
	Column string
	Expr   *Expr
	Pos    Pos
}

// PrimaryKey is [CONSTRAINT name] PRIMARY KEY (cols) NOT ENFORCED.
type PrimaryKey struct {
	Name    string
	Columns []string
	Pos     Pos
}

type CreateTable struct {
	StmtBase
	Name          ObjectName
	IfNotExists   bool
	Temporary     bool
	Columns       []*ColumnDef
	Watermark     *Watermark
	PrimaryKey    *PrimaryKey // table-level or from an inline column constraint
	Comment       string
	PartitionedBy []string
	Options       []Option // in written order
	AsQuery       *Query   // CREATE TABLE ... AS SELECT
	// Like is the LIKE clause: CREATE TABLE t (...) WITH (...) LIKE src (...).
	Like *TableLike
	// Replace is REPLACE TABLE ... AS SELECT; with OrReplace it is
	// CREATE OR REPLACE TABLE ... AS SELECT.
	Replace, OrReplace bool
}

// TableLike is LIKE source [(option, ...)] of CREATE TABLE.
type TableLike struct {
	Source  ObjectName
	Options []LikeOption // in written order
	Pos     Pos
}

// LikeOption is one merging option of a LIKE clause: Strategy is INCLUDING,
// EXCLUDING or OVERWRITING; Feature is ALL, CONSTRAINTS, GENERATED,
// METADATA, OPTIONS, PARTITIONS or WATERMARKS.
type LikeOption struct {
	Strategy, Feature string
}

type CreateView struct {
	StmtBase
	Name        ObjectName
	Temporary   bool
	IfNotExists bool
	Columns     []string
	Query       *Query
	Comment     string
}

type DropTable struct {
	StmtBase
	Name      ObjectName
	IfExists  bool
	Temporary bool
}

type DropView struct {
	StmtBase
	Name      ObjectName
	IfExists  bool
	Temporary bool
}

// CreateFunction is CREATE [TEMPORARY] [SYSTEM] FUNCTION [IF NOT EXISTS] name
// AS 'class' [LANGUAGE JAVA|SCALA|PYTHON].
type CreateFunction struct {
	StmtBase
	Name        ObjectName
	Temporary   bool
	System      bool
	IfNotExists bool
	Class       string
	Language    string // upper-case; empty when not given
}

// AlterFunction is ALTER [TEMPORARY [SYSTEM]] FUNCTION [IF EXISTS] name AS
// 'class' [LANGUAGE JAVA|SCALA|PYTHON].
type AlterFunction struct {
	StmtBase
	Name      ObjectName
	Temporary bool
	System    bool
	IfExists  bool
	Class     string
	Language  string // upper-case; empty when not given
}

// DropFunction is DROP [TEMPORARY] [SYSTEM] FUNCTION [IF EXISTS] name.
type DropFunction struct {
	StmtBase
	Name      ObjectName
	Temporary bool
	System    bool
	IfExists  bool
}

// ---- catalogs and databases ----

// CreateCatalog is CREATE CATALOG [IF NOT EXISTS] name [COMMENT 'c']
// WITH (options).
type CreateCatalog struct {
	StmtBase
	Name        string
	IfNotExists bool
	Comment     string
	Options     []Option
}

// AlterCatalogKind says what an ALTER CATALOG statement does.
type AlterCatalogKind uint8

const (
	AlterCatalogSet     AlterCatalogKind = iota // SET (Options)
	AlterCatalogReset                           // RESET (Keys)
	AlterCatalogComment                         // COMMENT 'Comment'
)

// AlterCatalog is ALTER CATALOG name SET ('k' = 'v', ...) |
// RESET ('k', ...) | COMMENT 'text'.
type AlterCatalog struct {
	StmtBase
	Name    string
	Kind    AlterCatalogKind
	Options []Option // SET
	Keys    []string // RESET, possibly empty
	Comment string   // COMMENT
}

// DropCatalog is DROP CATALOG [IF EXISTS] name.
type DropCatalog struct {
	StmtBase
	Name     string
	IfExists bool
}

// UseCatalog is USE CATALOG name.
type UseCatalog struct {
	StmtBase
	Name string
}

// DescribeCatalog is DESCRIBE CATALOG [EXTENDED] name.
type DescribeCatalog struct {
	StmtBase
	Name     string
	Extended bool
}

// CreateDatabase is CREATE DATABASE [IF NOT EXISTS] [catalog.]db
// [COMMENT 'c'] [WITH (properties)].
type CreateDatabase struct {
	StmtBase
	Name        ObjectName
	IfNotExists bool
	Comment     string
	Options     []Option
}

// AlterTableKind says what an ALTER TABLE statement does.
type AlterTableKind uint8

const (
	AlterTableRename         AlterTableKind = iota // RENAME TO NewName
	AlterTableRenameColumn                         // RENAME Column TO NewColumn
	AlterTableSet                                  // SET (Options)
	AlterTableReset                                // RESET (Keys)
	AlterTableAdd                                  // ADD columns, watermark, primary key
	AlterTableModify                               // MODIFY columns, watermark, primary key
	AlterTableDropColumns                          // DROP (Columns) or DROP column
	AlterTableDropPrimaryKey                       // DROP PRIMARY KEY
	AlterTableDropConstraint                       // DROP CONSTRAINT Constraint
	AlterTableDropWatermark                        // DROP WATERMARK
)

// AlterTable is ALTER TABLE [IF EXISTS] name followed by one action (Kind).
type AlterTable struct {
	StmtBase
	Name     ObjectName
	IfExists bool
	Kind     AlterTableKind
	// NewName is the target of RENAME TO.
	NewName ObjectName
	// Column and NewColumn are RENAME column TO new_column.
	Column, NewColumn string
	Options           []Option // SET
	Keys              []string // RESET
	// Columns, Watermark and PrimaryKey are what ADD or MODIFY lists.
	Columns    []*ColumnPosition
	Watermark  *Watermark
	PrimaryKey *PrimaryKey
	// Drop lists the columns of DROP, in written order.
	Drop []string
	// Constraint is the name of DROP CONSTRAINT.
	Constraint string
}

// ColumnPosition is a column of ALTER TABLE ADD | MODIFY with its optional
// position: FIRST, or AFTER another column.
type ColumnPosition struct {
	Column *ColumnDef
	First  bool
	After  string
}

// AlterView is ALTER VIEW name RENAME TO NewName, or ALTER VIEW name AS
// Query.
type AlterView struct {
	StmtBase
	Name    ObjectName
	NewName *ObjectName
	Query   *Query
}

// AlterDatabase is ALTER DATABASE [catalog.]db SET (properties).
type AlterDatabase struct {
	StmtBase
	Name    ObjectName
	Options []Option
}

// DropDatabase is DROP DATABASE [IF EXISTS] [catalog.]db [RESTRICT | CASCADE].
type DropDatabase struct {
	StmtBase
	Name     ObjectName
	IfExists bool
	Cascade  bool
}

// UseDatabase is USE [catalog.]db.
type UseDatabase struct {
	StmtBase
	Name ObjectName
}

// ShowCatalogs is SHOW CATALOGS [[NOT] (LIKE | ILIKE) 'pattern'].
type ShowCatalogs struct {
	StmtBase
	Like *Like
}
type ShowCurrentCatalog struct{ StmtBase }

// ShowDatabases is SHOW DATABASES [(FROM | IN) catalog]
// [[NOT] (LIKE | ILIKE) 'pattern']; From is "" for the current catalog.
type ShowDatabases struct {
	StmtBase
	From string
	Like *Like
}
type ShowCurrentDatabase struct{ StmtBase }

// Like is the [NOT] LIKE | ILIKE 'pattern' filter of a SHOW statement.
type Like struct {
	Pattern string
	Not     bool
	// ILike is the case-insensitive ILIKE (SHOW CATALOGS / DATABASES only).
	ILike bool
}

// ---- inspection ----

// ShowTables is SHOW TABLES [FROM | IN [catalog.]db] [[NOT] LIKE 'pattern'];
// From is nil for the current database.
type ShowTables struct {
	StmtBase
	From *ObjectName
	Like *Like
}

// ShowViews is SHOW VIEWS [FROM | IN [catalog.]db] [[NOT] LIKE 'pattern'].
type ShowViews struct {
	StmtBase
	From *ObjectName
	Like *Like
}

// ShowColumns is SHOW COLUMNS (FROM | IN) [[catalog.]db.]table
// [[NOT] LIKE 'pattern'].
type ShowColumns struct {
	StmtBase
	Table ObjectName
	Like  *Like
}

// ShowModules is SHOW [FULL] MODULES.
type ShowModules struct {
	StmtBase
	Full bool
}

// LoadModule is LOAD MODULE name [WITH (options)].
type LoadModule struct {
	StmtBase
	Name    string
	Options []Option
}

// UnloadModule is UNLOAD MODULE name.
type UnloadModule struct {
	StmtBase
	Name string
}

// UseModules is USE MODULES name [, name]*.
type UseModules struct {
	StmtBase
	Names []string
}
type ShowJobs struct{ StmtBase }

// AddJar is ADD JAR 'path', RemoveJar REMOVE JAR 'path', ShowJars SHOW JARS:
// the session's list of JAR resources (Flink's ResourceManager).
type AddJar struct {
	StmtBase
	Path string
}
type RemoveJar struct {
	StmtBase
	Path string
}
type ShowJars struct{ StmtBase }

// ShowCheckpoints lists the checkpoints and savepoints under Dir (default:
// the configured checkpoint directory). Not in Flink; see issue 3.
type ShowCheckpoints struct {
	StmtBase
	Dir string
}

// ShowFunctions is SHOW [USER] FUNCTIONS [(FROM | IN) [catalog.]db]
// [[NOT] (LIKE | ILIKE) 'pattern'].
type ShowFunctions struct {
	StmtBase
	User bool
	From *ObjectName
	Like *Like
}

type Describe struct {
	StmtBase
	Name ObjectName
}

// ShowCreate is SHOW CREATE TABLE | VIEW name, or SHOW CREATE CATALOG
// name (Catalog; Name is then one part).
type ShowCreate struct {
	StmtBase
	Name    ObjectName
	View    bool
	Catalog bool
}

// Explain is EXPLAIN [PLAN FOR] <query | insert | statement set>.
type Explain struct {
	StmtBase
	Target Statement
	// Details are the upper-case explain details written before the target
	// (ESTIMATED_COST, CHANGELOG_MODE, JSON_EXECUTION_PLAN, PLAN_ADVICE).
	Details []string
}

// ---- DML ----

type Insert struct {
	StmtBase
	Table     ObjectName
	Columns   []string
	Overwrite bool
	Query     *Query
	// Partition is the static partition spec PARTITION (k = 'v', ...), in
	// written order; values are as written (string contents unquoted).
	Partition []Option
	// PartitionLiterals are the literal tokens of Partition's values (a
	// string, a number, TRUE, FALSE or NULL), in the same order.
	PartitionLiterals []Token
	// Options are the dynamic table options of a hint after the table name:
	// INSERT INTO t /*+ OPTIONS('k' = 'v') */ ...
	Options []Option
}

// StatementSet is EXECUTE STATEMENT SET BEGIN insert; ... END.
type StatementSet struct {
	StmtBase
	Inserts []*Insert
	// Items are the statements in written order: the INSERTs and the
	// CREATE TABLE ... AS SELECTs.
	Items []Statement
}

// HasTableAs reports whether the set holds a CREATE TABLE ... AS SELECT.
func (s *StatementSet) HasTableAs() bool { return len(s.Items) > len(s.Inserts) }

// BeginStatementSet and End are the old-style BEGIN STATEMENT SET; ... END;.
type BeginStatementSet struct{ StmtBase }
type End struct{ StmtBase }

// Select is a query statement (SELECT, VALUES, UNION...).
type Select struct {
	StmtBase
	Query *Query
}

// StopJob is STOP JOB 'id' [WITH SAVEPOINT] [WITH DRAIN].
type StopJob struct {
	StmtBase
	JobID         string
	WithSavepoint bool
	WithDrain     bool
}

// ---- queries and expressions ----

// Query is a query parsed by the TiDB parser after rewriting.
type Query struct {
	Text     string            // original text of the query
	Pos      Pos               // where Text starts in the script
	Node     ast.ResultSetNode // *ast.SelectStmt, *ast.SetOprStmt, ...
	Rewrites *Rewrites
}

// Expr is a scalar expression (computed column, watermark strategy).
type Expr struct {
	Text     string
	Pos      Pos
	Node     ast.ExprNode
	Rewrites *Rewrites
}

// Rewrites records Flink constructs replaced before TiDB parsing. In the
// TiDB AST they appear as function calls or table names:
//
//	CAST(e AS T)       -> __cast_<i>(e)       Casts[i] = T
//	TRY_CAST(e AS T)   -> __trycast_<i>(e)    Casts[i] = T
//	INTERVAL 'v' U     -> __interval_<i>()    Intervals[i]
//	ARRAY[a, b]        -> __array(a, b)
//	MAP[k, v, ...]     -> __map(k, v, ...)
//	UNNEST(e) AS t(c)  -> table __unnest_<i> AS t        Unnests[i]
//	(subquery) AS s(a, b) -> (subquery) AS s             ColumnAliases["s"] = [a b]
//
// and further (extensions of the same scheme):
//
//	TABLE(f(args)) [AS w(c)] -> table __tvf_<i> [AS w]   TableFuncs[i]
//	LATERAL TABLE(f(args))   -> table __tvf_<i>          TableFuncs[i] (Lateral)
//	a.b.c / t /*+ OPTIONS(..) */ in FROM -> table __table_<i> AS c   Tables[i]
//	                           (the alias written, or else the last name part)
//	INTERVAL ... as a window frame bound -> INTERVAL __interval_<i>() SECOND
//	                           (the SECOND is a placeholder; see Intervals[i])
//	t FOR SYSTEM_TIME AS OF e [AS a] -> t AS a AS OF TIMESTAMP e
//	                                     (ast.TableName.AsOf.TsExpr)
//	VALUES (a, b), (c, d)    -> VALUES ROW(a, b), ROW(c, d)
//	agg(x) FILTER (WHERE c)  -> __filter(agg(x), c)
//	x[i]                     -> __item(x, i)
//	FLOOR(x TO u), CEIL(...) -> __floor(x, 'U'), __ceil(x, 'U')
//	GROUPING SETS ((a, b), a, ()) -> __grouping_sets(__set(a, b), a, __set())
//	ROLLUP(a, b), CUBE(a, b) -> __rollup(a, b), __cube(a, b)
//	a FULL [OUTER] JOIN b ON c -> a STRAIGHT_JOIN b ON c  (ast.Join.StraightJoin)
//	a IS NOT DISTINCT FROM b -> a <=> b
//	FIRST_VALUE(x), LAST_VALUE(x) without OVER, ROW(x) with one field,
//	SESSION(...), CARDINALITY(...), any call whose name TiDB takes for a
//	keyword -> `NAME`(...), a plain ast.FuncCallExpr
//	words TiDB reserves but Flink does not (key, index, ...) -> `key`, `index`
//
// Column alias lists after a table function, an UNNEST or a table name are
// recorded in ColumnAliases as well, under the alias.
type Rewrites struct {
	Casts         []*DataType
	Intervals     []Interval
	Unnests       []Unnest
	ColumnAliases map[string][]string
	TableFuncs    []TableFunc
	Tables        []TableRef
	// StateTTL holds the entries of every /*+ STATE_TTL('alias' = 'ttl',
	// ...) */ hint after a SELECT of the text (Key: the table alias,
	// Value: the duration text).
	StateTTL []Option
	// Text is the rewritten text handed to the TiDB parser.
	Text string
	// offsets maps positions of the rewritten text back to the user's text.
	offsets []offsetMark
	base    Pos
	source  string
	// terminator is the token that follows the text in the statement (a ','
	// after a computed column, the ';' ending an INSERT of a statement set);
	// errors at the end of the text report it instead of <EOF>.
	terminator *Token
}

// Interval is an INTERVAL literal: INTERVAL '<Value>' <From> [TO <To>]; From
// and To are upper-case units (YEAR, MONTH, DAY, HOUR, MINUTE, SECOND); a
// leading '-' in Value negates.
type Interval struct {
	Value    string
	From, To string
	Pos      Pos
}

// Unnest is UNNEST(expr) in a FROM clause.
type Unnest struct {
	Expr    *Expr
	Alias   string
	Columns []string
	Pos     Pos
	// Ordinality is set by UNNEST(expr) WITH ORDINALITY.
	Ordinality bool
}

// TableFunc is a table function call in FROM: a window TVF such as
// TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE)), or
// LATERAL TABLE(f(x)).
type TableFunc struct {
	Name    ObjectName
	Args    []TableFuncArg
	Lateral bool
	Alias   string
	Columns []string
	Pos     Pos
}

// TableFuncArg is one argument of a TableFunc. Exactly one of Table,
// Descriptor and Expr is set.
type TableFuncArg struct {
	Name        string      // named argument (DATA => ...); empty when positional
	Table       *ObjectName // TABLE t
	PartitionBy []string    // TABLE t PARTITION BY (k, ...)
	Descriptor  []string    // DESCRIPTOR(c, ...)
	Expr        *Expr
	Pos         Pos
}

// TableRef is a table name in FROM that TiDB cannot take as it is: more than
// two name parts, or followed by hints.
type TableRef struct {
	Name    ObjectName
	Options []Option // from /*+ OPTIONS('k' = 'v', ...) */
	Hints   []string // text of every hint comment after the name
	Pos     Pos
}

type offsetMark struct {
	rewritten int // offset in the rewritten text
	original  int // corresponding offset in the original text
	// synthetic marks text the rewrite inserted: every offset up to the next
	// mark maps to original itself.
	synthetic bool
}

// ConfiguresSession reports whether st only configures a session — SET,
// RESET, CREATE (but not CREATE TABLE ... AS SELECT, which runs a job),
// DROP, USE and ALTER — the statements Flink allows in an initialization
// file (sql-client -i) and in the SQL Gateway's configure-session call.
func ConfiguresSession(st Statement) bool {
	switch s := st.(type) {
	case *CreateTable:
		return s.AsQuery == nil
	case *Set, *Reset, *CreateView, *DropTable, *DropView, *AlterTable, *AlterView,
		*CreateCatalog, *AlterCatalog, *DropCatalog, *UseCatalog, *CreateDatabase, *AlterDatabase,
		*DropDatabase, *UseDatabase:
		return true
	}
	return false
}
