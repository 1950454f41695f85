package jdbc

import (
	"context"
	gosql "database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/runtime/types"
)

// The JDBC catalog, as Flink's JdbcCatalog over its MySqlCatalog:
//
//	CREATE CATALOG my_mysql WITH ('type' = 'jdbc', 'base-url' = 'jdbc:mysql://host:3306',
//	  'default-database' = 'db', 'username' = 'u', 'password' = 'p');
//
// The databases are the server's schemas but MySQL's own
// (information_schema, mysql, performance_schema, sys); the tables are
// read from information_schema each time they are named (never cached, so
// a table changed in MySQL is seen at once), their column types mapped as
// Flink's MySqlTypeMapper maps them and their primary key kept (named
// PRIMARY, as Connector/J reports it). Each table is a 'jdbc' connector
// table with the url base-url/database, 'table-name', 'username' and
// 'password'. The catalog is read-only for DDL; the planner refuses it.

func init() { connectors.RegisterCatalog(CatalogFactory{}) }

// CatalogFactory opens jdbc catalogs ('type' = 'jdbc').
type CatalogFactory struct{}

func (CatalogFactory) Identifier() string { return "jdbc" }
func (CatalogFactory) RequiredOptions() []string {
	return []string{"base-url", "default-database", "password", "username"}
}
func (CatalogFactory) OptionalOptions() []string { return []string{"compatible-mode"} }

// builtinDatabases are MySQL's system schemas, which the catalog does not
// list (as Flink's MySqlCatalog).
var builtinDatabases = map[string]bool{"information_schema": true, "mysql": true, "performance_schema": true, "sys": true}

// catalogTimeout bounds each metadata query.
const catalogTimeout = 30 * time.Second

// Catalog is an open jdbc catalog.
type Catalog struct {
	name      string
	base      string // base-url without a trailing '/' and without its query
	query     string // "?params" of base-url, or ""
	user      string
	password  string
	defaultDB string
	cfg       *mysql.Config // the server, no database selected
	db        *gosql.DB

	versionOnce sync.Once
	version     string
}

// Open validates the options and connects to the default database, as
// Flink's catalog does when it is created: an unreachable server, wrong
// credentials or a missing default database fail CREATE CATALOG with a
// message naming the url (never the password).
func (CatalogFactory) Open(name string, o map[string]string) (connectors.ExternalCatalog, error) {
	raw := strings.TrimSpace(o["base-url"])
	if raw == "" {
		return nil, connectors.Errorf("Option 'base-url' of the jdbc catalog %s must not be empty.", name)
	}
	if strings.TrimSpace(o["username"]) == "" {
		return nil, connectors.Errorf("Option 'username' of the jdbc catalog %s must not be empty.", name)
	}
	def := o["default-database"]
	if strings.TrimSpace(def) == "" {
		return nil, connectors.Errorf("Option 'default-database' of the jdbc catalog %s must not be empty.", name)
	}
	if m := o["compatible-mode"]; m != "" && !strings.EqualFold(m, "mysql") && !strings.EqualFold(m, "mariadb") {
		return nil, connectors.Errorf("Unsupported 'compatible-mode' '%s' of the jdbc catalog %s: only MySQL/MariaDB are supported.", m, name)
	}
	base, query, _ := strings.Cut(raw, "?")
	if query != "" {
		query = "?" + query
	}
	base = strings.TrimRight(base, "/")
	if _, ok := cutPrefixFold(base, "jdbc:mysql://"); !ok {
		if _, ok := cutPrefixFold(base, "jdbc:mariadb://"); !ok {
			return nil, connectors.Errorf("Catalog for '%s' is not supported yet: the jdbc catalog supports MySQL and MariaDB (a 'base-url' of the form jdbc:mysql://host:port).",
				connectors.MaskURL(raw))
		}
	}
	// As Flink's JdbcCatalogUtils.validateJdbcUrl: no database in the URL.
	if parts := strings.FieldsFunc(base, func(r rune) bool { return r == '/' }); len(parts) != 2 {
		return nil, connectors.Errorf("Invalid 'base-url' of the jdbc catalog %s: '%s'. It names the server only, without a database: jdbc:mysql://host:port (the catalog's databases are the server's; 'default-database' picks the current one).",
			name, connectors.MaskURL(raw))
	}
	cfg, err := ParseURL(base+"/"+query, o["username"], o["password"])
	if err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	c := &Catalog{name: name, base: base, query: query, user: o["username"], password: o["password"], defaultDB: def, cfg: cfg}
	// Connect to the default database once (Flink's open()), then keep a
	// small pool on the server for the metadata queries.
	check := cfg.Clone()
	check.DBName = def
	if err := pingOnce(check); err != nil {
		return nil, &connectors.ValidationError{Msg: fmt.Sprintf("Failed connecting to %s via JDBC: %v", connectors.MaskURL(c.url(def)), err)}
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, connectors.Errorf("Failed connecting to %s via JDBC: %v", connectors.MaskURL(c.url(def)), err)
	}
	c.db = gosql.OpenDB(conn)
	c.db.SetMaxIdleConns(2)
	c.db.SetConnMaxIdleTime(time.Minute)
	return c, nil
}

// pingOnce opens one connection with cfg and closes it.
func pingOnce(cfg *mysql.Config) error {
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := gosql.OpenDB(conn)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout+5*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// url is the JDBC URL of one database: base-url/database with base-url's
// parameters.
func (c *Catalog) url(database string) string { return c.base + "/" + database + c.query }

// Close closes the connection pool.
func (c *Catalog) Close() error { return c.db.Close() }

// queryStrings runs a query returning one string column.
func (c *Catalog) queryStrings(query string, args ...any) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), catalogTimeout)
	defer cancel()
	rows, err := c.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, c.queryError(query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, c.queryError(query, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, c.queryError(query, err)
	}
	return out, nil
}

// queryError is Flink's CatalogException for a failed metadata query.
func (c *Catalog) queryError(query string, err error) error {
	return &CatalogError{Msg: fmt.Sprintf("The following SQL query could not be executed (%s): %s: %v", connectors.MaskURL(c.url(c.defaultDB)), query, err)}
}

// ListDatabases lists the server's schemas but MySQL's own.
func (c *Catalog) ListDatabases() ([]string, error) {
	all, err := c.queryStrings("SELECT `SCHEMA_NAME` FROM `INFORMATION_SCHEMA`.`SCHEMATA`")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range all {
		if !builtinDatabases[d] {
			out = append(out, d)
		}
	}
	return out, nil
}

// DatabaseExists reports whether a listed database has the name.
func (c *Catalog) DatabaseExists(name string) (bool, error) {
	if builtinDatabases[name] {
		return false, nil
	}
	got, err := c.queryStrings("SELECT `SCHEMA_NAME` FROM `INFORMATION_SCHEMA`.`SCHEMATA` WHERE `SCHEMA_NAME` = ?", name)
	if err != nil {
		return false, err
	}
	for _, g := range got {
		if g == name {
			return true, nil
		}
	}
	return false, nil
}

// ListTables lists the tables (and MySQL views) of a database.
func (c *Catalog) ListTables(database string) ([]string, error) {
	return c.queryStrings("SELECT `TABLE_NAME` FROM `INFORMATION_SCHEMA`.`TABLES` WHERE `TABLE_SCHEMA` = ?", database)
}

// GetTable describes a table: its columns with Flink's types, its primary
// key and the jdbc connector options that read and write it.
func (c *Catalog) GetTable(database, table string) (*connectors.CatalogTable, error) {
	if builtinDatabases[database] {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), catalogTimeout)
	defer cancel()
	const q = "SELECT `COLUMN_NAME`, `DATA_TYPE`, `COLUMN_TYPE`, `IS_NULLABLE`, `CHARACTER_MAXIMUM_LENGTH`, " +
		"`NUMERIC_PRECISION`, `NUMERIC_SCALE`, `DATETIME_PRECISION` FROM `INFORMATION_SCHEMA`.`COLUMNS` " +
		"WHERE `TABLE_SCHEMA` = ? AND `TABLE_NAME` = ? ORDER BY `ORDINAL_POSITION`"
	rows, err := c.db.QueryContext(ctx, q, database, table)
	if err != nil {
		return nil, c.tableError(database, table, err)
	}
	defer rows.Close()
	var cols []mysqlColumn
	for rows.Next() {
		var mc mysqlColumn
		var nullable string
		if err := rows.Scan(&mc.name, &mc.dataType, &mc.columnType, &nullable, &mc.length, &mc.precision, &mc.scale, &mc.fsp); err != nil {
			return nil, c.tableError(database, table, err)
		}
		// information_schema names differ in case between servers.
		mc.dataType = strings.ToLower(mc.dataType)
		mc.columnType = strings.ToLower(mc.columnType)
		mc.notNull = strings.EqualFold(nullable, "NO")
		cols = append(cols, mc)
	}
	if err := rows.Err(); err != nil {
		return nil, c.tableError(database, table, err)
	}
	rows.Close()
	if len(cols) == 0 {
		return nil, nil
	}
	pk, err := c.queryStrings("SELECT `COLUMN_NAME` FROM `INFORMATION_SCHEMA`.`STATISTICS` WHERE `TABLE_SCHEMA` = ? AND `TABLE_NAME` = ? "+
		"AND `INDEX_NAME` = 'PRIMARY' ORDER BY `SEQ_IN_INDEX`", database, table)
	if err != nil {
		return nil, c.tableError(database, table, err)
	}
	t := &connectors.CatalogTable{PrimaryKey: pk, Options: map[string]string{
		"connector":  "jdbc",
		"url":        c.url(database),
		"table-name": table,
		"username":   c.user,
		"password":   c.password,
	}}
	if len(pk) > 0 {
		t.PrimaryKeyName = "PRIMARY"
	}
	for _, mc := range cols {
		typ, err := mc.flinkType(database + "." + table)
		if err != nil {
			if u, ok := err.(*UnsupportedTypeError); ok {
				u.Version = c.serverVersion()
			}
			return nil, err
		}
		if mc.notNull {
			typ = typ.WithNullable(false)
		}
		t.Columns = append(t.Columns, connectors.Column{Name: mc.name, Type: typ})
	}
	return t, nil
}

func (c *Catalog) tableError(database, table string, err error) error {
	return &CatalogError{Msg: fmt.Sprintf("Failed getting table %s.%s: %v", database, table, err)}
}

// serverVersion is SELECT VERSION(), for messages.
func (c *Catalog) serverVersion() string {
	c.versionOnce.Do(func() {
		if v, err := c.queryStrings("SELECT VERSION()"); err == nil && len(v) == 1 {
			c.version = v[0]
		} else {
			c.version = "unknown"
		}
	})
	return c.version
}

// mysqlColumn is a row of information_schema.COLUMNS.
type mysqlColumn struct {
	name, dataType, columnType string
	notNull                    bool
	length                     gosql.NullInt64
	precision, scale, fsp      gosql.NullInt64
}

// flinkType maps a MySQL column type as Flink's MySqlTypeMapper maps what
// Connector/J reports (TINYINT(1) is BIT there, so BOOLEAN).
func (mc *mysqlColumn) flinkType(table string) (*types.Type, error) {
	unsigned := strings.Contains(mc.columnType, "unsigned")
	p, s := int(mc.precision.Int64), int(mc.scale.Int64)
	switch mc.dataType {
	case "bit", "bool", "boolean":
		return types.Boolean, nil
	case "tinyint":
		switch {
		case strings.HasPrefix(mc.columnType, "tinyint(1)") && !unsigned:
			return types.Boolean, nil
		case unsigned:
			return types.SmallInt, nil
		}
		return types.TinyInt, nil
	case "smallint":
		if unsigned {
			return types.Int, nil
		}
		return types.SmallInt, nil
	case "mediumint":
		return types.Int, nil
	case "int", "integer":
		if unsigned {
			return types.BigInt, nil
		}
		return types.Int, nil
	case "bigint":
		if unsigned {
			return types.Decimal(20, 0), nil
		}
		return types.BigInt, nil
	case "decimal", "numeric":
		if unsigned {
			if p >= 38 {
				return nil, &CatalogError{Msg: fmt.Sprintf("Precision %d of table %s column name %s in type DECIMAL UNSIGNED exceeds DecimalType.MAX_PRECISION 38.", p, table, mc.name)}
			}
			return types.Decimal(p+1, s), nil
		}
		return types.Decimal(p, s), nil
	case "float":
		return types.Float, nil
	case "double", "real":
		return types.Double, nil
	case "char":
		return types.Char(int(mc.length.Int64)), nil
	case "varchar", "tinytext", "text", "mediumtext":
		return types.VarChar(int(mc.length.Int64)), nil
	case "longtext", "json":
		return types.String, nil
	case "date":
		return types.Date, nil
	case "time":
		return &types.Type{Kind: types.KindTime, Precision: int(mc.fsp.Int64)}, nil
	case "datetime", "timestamp":
		return types.Timestamp(min(int(mc.fsp.Int64), 6)), nil
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		return types.Bytes, nil
	}
	name := strings.ToUpper(mc.dataType)
	if unsigned {
		name += " UNSIGNED"
	}
	return nil, &UnsupportedTypeError{Type: name, Column: mc.name}
}

// UnsupportedTypeError is Flink's message for a MySQL type the catalog
// cannot map (YEAR, ENUM, SET, GEOMETRY, ...).
type UnsupportedTypeError struct{ Type, Column, Version string }

func (e *UnsupportedTypeError) Error() string {
	return fmt.Sprintf("Doesn't support MySQL type '%s' on column '%s' in MySQL version %s, driver version go-sql-driver/mysql yet.", e.Type, e.Column, e.Version)
}
func (e *UnsupportedTypeError) FlinkClass() string { return "java.lang.UnsupportedOperationException" }

// CatalogError is Flink's CatalogException.
type CatalogError struct{ Msg string }

func (e *CatalogError) Error() string { return e.Msg }
func (e *CatalogError) FlinkClass() string {
	return "org.apache.flink.table.catalog.exceptions.CatalogException"
}
