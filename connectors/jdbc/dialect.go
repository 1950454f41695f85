package jdbc

import (
	"strings"
)

// maxPlaceholders is MySQL's limit of parameters in one prepared statement.
const maxPlaceholders = 65535

// Quote quotes an identifier for MySQL: in backticks, a backtick inside the
// name doubled. 'table-name' is one identifier, as in Flink's MySQL
// dialect (a '.' in it is part of the name, not a database separator).
func Quote(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

func appendQuoted(b []byte, name string) []byte {
	b = append(b, '`')
	for i := 0; i < len(name); i++ {
		if name[i] == '`' {
			b = append(b, '`')
		}
		b = append(b, name[i])
	}
	return append(b, '`')
}

// appendValues appends " VALUES (?,?),(?,?)" for rows rows of ncols.
func appendValues(b []byte, ncols, rows int) []byte {
	b = append(b, " VALUES "...)
	for r := 0; r < rows; r++ {
		if r > 0 {
			b = append(b, ',')
		}
		b = append(b, '(')
		for c := 0; c < ncols; c++ {
			if c > 0 {
				b = append(b, ',')
			}
			b = append(b, '?')
		}
		b = append(b, ')')
	}
	return b
}

// InsertSQL is "INSERT INTO `t`(`a`, `b`) VALUES (?,?),..." for rows rows.
func InsertSQL(table string, cols []string, rows int) string {
	b := insertHead(table, cols)
	return string(appendValues(b, len(cols), rows))
}

func insertHead(table string, cols []string) []byte {
	b := make([]byte, 0, 64+len(cols)*16)
	b = append(b, "INSERT INTO "...)
	b = appendQuoted(b, table)
	b = append(b, '(')
	for i, c := range cols {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendQuoted(b, c)
	}
	return append(b, ')')
}

// UpsertSQL is Flink's MySQL upsert statement (MySqlDialect), multi-row:
//
//	INSERT INTO `t`(`id`, `name`) VALUES (?,?),(?,?) ON DUPLICATE KEY UPDATE `id`=VALUES(`id`), `name`=VALUES(`name`)
//
// Every column, key columns included, is in the UPDATE list, as in Flink.
func UpsertSQL(table string, cols []string, rows int) string {
	b := appendValues(insertHead(table, cols), len(cols), rows)
	b = append(b, " ON DUPLICATE KEY UPDATE "...)
	for i, c := range cols {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendQuoted(b, c)
		b = append(b, "=VALUES("...)
		b = appendQuoted(b, c)
		b = append(b, ')')
	}
	return string(b)
}

// whereKeys appends "`k1`=? AND `k2`=?".
func whereKeys(b []byte, keys []string) []byte {
	for i, k := range keys {
		if i > 0 {
			b = append(b, " AND "...)
		}
		b = appendQuoted(b, k)
		b = append(b, "=?"...)
	}
	return b
}

// DeleteSQL is "DELETE FROM `t` WHERE `k1`=? AND `k2`=?".
func DeleteSQL(table string, keys []string) string {
	b := append([]byte("DELETE FROM "), Quote(table)...)
	b = append(b, " WHERE "...)
	return string(whereKeys(b, keys))
}

// UpdateSQL is "UPDATE `t` SET `a`=?, `b`=? WHERE `k`=?" (the
// update-then-insert path for tables with other unique keys).
func UpdateSQL(table string, set, keys []string) string {
	b := append([]byte("UPDATE "), Quote(table)...)
	b = append(b, " SET "...)
	for i, c := range set {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendQuoted(b, c)
		b = append(b, "=?"...)
	}
	b = append(b, " WHERE "...)
	return string(whereKeys(b, keys))
}

// SelectSQL is "SELECT `a`, `b` FROM `t`" followed by where (already SQL).
func SelectSQL(table string, cols []string, where string) string {
	b := []byte("SELECT ")
	if len(cols) == 0 {
		b = append(b, '1') // a projection without columns (SELECT COUNT(*) ...)
	}
	for i, c := range cols {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendQuoted(b, c)
	}
	b = append(b, " FROM "...)
	b = appendQuoted(b, table)
	if where != "" {
		b = append(b, ' ')
		b = append(b, where...)
	}
	return string(b)
}

// rowsPerStatement is how many rows one multi-row statement carries.
func rowsPerStatement(ncols, want int) int {
	n := min(want, 1000, maxPlaceholders/max(ncols, 1))
	return max(n, 1)
}
