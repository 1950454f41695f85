package jdbc

import (
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/flinkgo/engine/connectors"
	"github.com/flinkgo/engine/connectors/internal/opts"
	"github.com/flinkgo/engine/runtime/types"
)

func init() { connectors.Register(Factory{}) }

// Factory creates jdbc sources and sinks ('connector' = 'jdbc').
type Factory struct{}

func (Factory) Identifier() string        { return "jdbc" }
func (Factory) RequiredOptions() []string { return []string{"url", "table-name"} }
func (Factory) OptionalOptions() []string {
	return []string{
		"driver", "username", "password", "compatible-mode", "connection.max-retry-timeout",
		"scan.partition.column", "scan.partition.num", "scan.partition.lower-bound", "scan.partition.upper-bound",
		"scan.fetch-size", "scan.auto-commit",
		"lookup.cache", "lookup.partial-cache.max-rows", "lookup.partial-cache.expire-after-write",
		"lookup.partial-cache.expire-after-access", "lookup.partial-cache.cache-missing-key",
		"lookup.max-retries", "lookup.cache.max-rows", "lookup.cache.ttl", "lookup.cache.caching-missing-key",
		"filter.handling.policy",
		"sink.buffer-flush.max-rows", "sink.buffer-flush.interval", "sink.max-retries", "sink.parallelism",
		"sink.delivery-guarantee",
	}
}

// config is the validated table definition shared by sources and sinks.
type config struct {
	name    string // fully qualified catalog name (for messages)
	table   string // 'table-name': [db.]table
	db      *mysql.Config
	columns []connectors.Column
	pk      []int

	connectTimeout time.Duration // connection.max-retry-timeout

	// sink
	flushRows   int
	flushEvery  time.Duration
	maxRetries  int
	parallelism int
	exactlyOnce bool

	// scan
	partCol   string
	partNum   int
	partLower int64
	partUpper int64
	fetchSize int

	// lookup
	cachePartial  bool
	cacheMaxRows  int64
	cacheWrite    time.Duration
	cacheAccess   time.Duration
	cacheMissing  bool
	lookupRetries int
}

func newConfig(t *connectors.Table) (*config, error) {
	o := t.Options
	_, hasUser := o["username"]
	_, hasPass := o["password"]
	if hasUser != hasPass {
		return nil, connectors.Errorf("Either all or none of the following options should be provided:\nusername\npassword")
	}
	db, err := ParseURL(o["url"], o["username"], o["password"])
	if err != nil {
		return nil, err
	}
	c := &config{name: t.Name, table: o["table-name"], db: db, columns: t.Columns, pk: t.PrimaryKey}
	if strings.TrimSpace(c.table) == "" {
		return nil, connectors.Errorf("Option 'table-name' of the jdbc table %s must not be empty.", t.Name)
	}
	if m, ok := o["compatible-mode"]; ok && m != "" && !strings.EqualFold(m, "mysql") && !strings.EqualFold(m, "mariadb") {
		return nil, connectors.Errorf("Unsupported 'compatible-mode' '%s' for the jdbc table %s: only MySQL/MariaDB are supported.", m, t.Name)
	}
	for _, col := range t.Columns {
		if col.Metadata {
			return nil, connectors.Errorf("The jdbc connector has no metadata columns, but table %s declares '%s' METADATA.", t.Name, col.Name)
		}
		if !supportedType(col.Type) {
			return nil, connectors.Errorf("The jdbc connector does not support the type %s of column '%s' in table %s.", col.Type, col.Name, t.Name)
		}
	}
	if c.connectTimeout, _, err = opts.Duration(o, "connection.max-retry-timeout", 60*time.Second); err != nil {
		return nil, err
	}
	if c.connectTimeout < time.Second {
		return nil, connectors.Errorf("Option 'connection.max-retry-timeout' must be at least 1 s, but was: %s", o["connection.max-retry-timeout"])
	}
	if db.Timeout == 0 || db.Timeout > c.connectTimeout {
		db.Timeout = c.connectTimeout
	}
	n, _, err := opts.Int64(o, "sink.buffer-flush.max-rows", 100)
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, connectors.Errorf("Option 'sink.buffer-flush.max-rows' must not be negative, but was: %d", n)
	}
	c.flushRows = int(n)
	if c.flushEvery, _, err = opts.Duration(o, "sink.buffer-flush.interval", time.Second); err != nil {
		return nil, err
	}
	if n, _, err = opts.Int64(o, "sink.max-retries", 3); err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, connectors.Errorf("Option 'sink.max-retries' must not be negative, but was: %d", n)
	}
	c.maxRetries = int(n)
	if c.parallelism, err = opts.Parallelism(o, "sink.parallelism"); err != nil {
		return nil, err
	}
	g, err := opts.OneOf(o, "sink.delivery-guarantee", "at-least-once", "at-least-once", "exactly-once", "none")
	if err != nil {
		return nil, err
	}
	c.exactlyOnce = g == "exactly-once"
	if err := c.scanOptions(o); err != nil {
		return nil, err
	}
	if err := c.lookupOptions(o); err != nil {
		return nil, err
	}
	if _, err := opts.Bool(o, "scan.auto-commit", true); err != nil {
		return nil, err
	}
	if _, err := opts.OneOf(o, "filter.handling.policy", "always", "always", "never"); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *config) scanOptions(o map[string]string) error {
	keys := []string{"scan.partition.column", "scan.partition.num", "scan.partition.lower-bound", "scan.partition.upper-bound"}
	set := 0
	for _, k := range keys {
		if _, ok := o[k]; ok {
			set++
		}
	}
	if set != 0 && set != len(keys) {
		return connectors.Errorf("Either all or none of the following options should be provided:\n%s", strings.Join(keys, "\n"))
	}
	if set > 0 {
		c.partCol = o["scan.partition.column"]
		idx := -1
		for i, col := range c.columns {
			if col.Name == c.partCol {
				idx = i
			}
		}
		if idx < 0 {
			return connectors.Errorf("Option 'scan.partition.column' of table %s names '%s', which is not a column of the table.", c.name, c.partCol)
		}
		if !c.columns[idx].Type.IsInteger() {
			return connectors.Errorf("Option 'scan.partition.column' of table %s must name an integer column, but '%s' is %s.", c.name, c.partCol, c.columns[idx].Type)
		}
		n, _, err := opts.Int64(o, "scan.partition.num", 0)
		if err != nil {
			return err
		}
		if n < 1 {
			return connectors.Errorf("Option 'scan.partition.num' must be positive, but was: %d", n)
		}
		c.partNum = int(n)
		if c.partLower, _, err = opts.Int64(o, "scan.partition.lower-bound", 0); err != nil {
			return err
		}
		if c.partUpper, _, err = opts.Int64(o, "scan.partition.upper-bound", 0); err != nil {
			return err
		}
		if c.partLower > c.partUpper {
			return connectors.Errorf("'scan.partition.lower-bound'=%d must not be larger than 'scan.partition.upper-bound'=%d.", c.partLower, c.partUpper)
		}
	}
	n, _, err := opts.Int64(o, "scan.fetch-size", 0)
	if err != nil {
		return err
	}
	if n < 0 {
		return connectors.Errorf("Option 'scan.fetch-size' must not be negative, but was: %d", n)
	}
	c.fetchSize = int(n)
	return nil
}

func (c *config) lookupOptions(o map[string]string) error {
	mode, err := opts.OneOf(o, "lookup.cache", "NONE", "NONE", "PARTIAL")
	if err != nil {
		return err
	}
	c.cachePartial = mode == "PARTIAL"
	// Deprecated keys: lookup.cache.max-rows + lookup.cache.ttl turn on a partial cache.
	legacyRows, legacySet, err := opts.Int64(o, "lookup.cache.max-rows", -1)
	if err != nil {
		return err
	}
	legacyTTL, _, err := opts.Duration(o, "lookup.cache.ttl", 0)
	if err != nil {
		return err
	}
	legacyMissing, err := opts.Bool(o, "lookup.cache.caching-missing-key", true)
	if err != nil {
		return err
	}
	if c.cacheMaxRows, _, err = opts.Int64(o, "lookup.partial-cache.max-rows", -1); err != nil {
		return err
	}
	if c.cacheWrite, _, err = opts.Duration(o, "lookup.partial-cache.expire-after-write", 0); err != nil {
		return err
	}
	if c.cacheAccess, _, err = opts.Duration(o, "lookup.partial-cache.expire-after-access", 0); err != nil {
		return err
	}
	if c.cacheMissing, err = opts.Bool(o, "lookup.partial-cache.cache-missing-key", true); err != nil {
		return err
	}
	if !c.cachePartial && legacySet && legacyRows > 0 {
		c.cachePartial, c.cacheMaxRows, c.cacheWrite, c.cacheMissing = true, legacyRows, legacyTTL, legacyMissing
	}
	if c.cachePartial && c.cacheMaxRows < 0 && c.cacheWrite == 0 && c.cacheAccess == 0 {
		return connectors.Errorf("Missing 'lookup.partial-cache.max-rows', 'lookup.partial-cache.expire-after-write' or 'lookup.partial-cache.expire-after-access' for table %s: a PARTIAL lookup cache needs at least one of them.", c.name)
	}
	n, _, err := opts.Int64(o, "lookup.max-retries", 3)
	if err != nil {
		return err
	}
	if n < 0 {
		return connectors.Errorf("Option 'lookup.max-retries' must not be negative, but was: %d", n)
	}
	c.lookupRetries = int(n)
	return nil
}

// supportedType reports the column types the connector maps to MySQL.
func supportedType(t *types.Type) bool {
	switch t.Kind {
	case types.KindBoolean, types.KindTinyInt, types.KindSmallInt, types.KindInt, types.KindBigInt,
		types.KindFloat, types.KindDouble, types.KindDecimal, types.KindChar, types.KindVarChar,
		types.KindBinary, types.KindVarBinary, types.KindDate, types.KindTime, types.KindTimestamp,
		types.KindTimestampLTZ:
		return true
	}
	return false
}

// CreateSink plans a write into the table: upsert with a primary key,
// append without (exactly-once via XA only for append tables).
func (Factory) CreateSink(t *connectors.Table) (connectors.Sink, error) {
	c, err := newConfig(t)
	if err != nil {
		return nil, err
	}
	if c.exactlyOnce && len(c.pk) > 0 {
		return nil, connectors.Errorf("'sink.delivery-guarantee' = 'exactly-once' of the jdbc table %s is only supported without a PRIMARY KEY (append mode); an upsert table is already exact after a restore with the default 'at-least-once'.", t.Name)
	}
	if c.exactlyOnce && !checkpointingEnabled(t.Config) {
		return nil, connectors.Errorf("'sink.delivery-guarantee' = 'exactly-once' of the jdbc table %s commits its XA transactions when checkpoints complete; enable checkpointing: SET 'execution.checkpointing.interval' = '10s'", t.Name)
	}
	return newSink(c), nil
}

// checkpointingEnabled reports whether the session enables checkpointing
// (execution.checkpointing.interval set and not zero).
func checkpointingEnabled(config map[string]string) bool {
	v := strings.TrimSpace(config["execution.checkpointing.interval"])
	if v == "" {
		return false
	}
	d, ok := opts.ParseDuration(v)
	return !ok || d > 0
}

// CreateSource plans a bounded scan (and lookups, see NewLookuper).
func (Factory) CreateSource(t *connectors.Table) (connectors.Source, error) {
	c, err := newConfig(t)
	if err != nil {
		return nil, err
	}
	return &source{cfg: c}, nil
}
