package connectors

import (
	"sort"
	"sync"
)

// CatalogTable is a table an external catalog describes: its physical
// columns, its primary key and the options that make it a table of a
// connector, exactly as if it had been declared with CREATE TABLE.
type CatalogTable struct {
	Columns        []Column // physical columns, in the table's order
	PrimaryKey     []string // column names, in key order; nil without a key
	PrimaryKeyName string
	Options        map[string]string // 'connector' and its options
}

// ExternalCatalog is a catalog whose databases and tables live in an
// external system (Flink's JdbcCatalog): listed and described on demand,
// read-only for DDL. Implementations are safe for concurrent use, and
// their errors never contain a password.
type ExternalCatalog interface {
	// ListDatabases lists the databases (in no particular order).
	ListDatabases() ([]string, error)
	// DatabaseExists reports whether a database exists.
	DatabaseExists(name string) (bool, error)
	// ListTables lists the tables of a database (in no particular order).
	ListTables(database string) ([]string, error)
	// GetTable describes a table; nil, nil when it does not exist.
	GetTable(database, table string) (*CatalogTable, error)
	// Close releases the catalog's connections.
	Close() error
}

// CatalogFactory opens external catalogs of one 'type' (CREATE CATALOG c
// WITH ('type' = '<Identifier>', ...)).
type CatalogFactory interface {
	Identifier() string
	RequiredOptions() []string
	OptionalOptions() []string
	// Open creates the catalog named name from its validated options
	// ('type' excluded), checking that it can reach its system.
	Open(name string, options map[string]string) (ExternalCatalog, error)
}

var (
	catalogMu        sync.RWMutex
	catalogFactories = map[string]CatalogFactory{}
)

// RegisterCatalog adds a catalog factory; it panics on a duplicate
// identifier.
func RegisterCatalog(f CatalogFactory) {
	catalogMu.Lock()
	defer catalogMu.Unlock()
	if _, dup := catalogFactories[f.Identifier()]; dup {
		panic("connectors: duplicate catalog type " + f.Identifier())
	}
	catalogFactories[f.Identifier()] = f
}

// LookupCatalog returns the catalog factory of a 'type' value.
func LookupCatalog(id string) (CatalogFactory, bool) {
	catalogMu.RLock()
	defer catalogMu.RUnlock()
	f, ok := catalogFactories[id]
	return f, ok
}

// CatalogIdentifiers lists the registered catalog types, sorted.
func CatalogIdentifiers() []string {
	catalogMu.RLock()
	defer catalogMu.RUnlock()
	out := make([]string, 0, len(catalogFactories))
	for id := range catalogFactories {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}
