// Package jdbc is the 'jdbc' connector for MySQL and MariaDB, built on
// github.com/go-sql-driver/mysql: a sink (upsert with a primary key, append
// without, exactly-once append with XA transactions), a bounded scan
// source and a lookup source (connectors.LookupSource).
//
// # Options
//
// Flink's names (factory.go): url in the jdbc:mysql://host:port/db?params
// form, translated by ParseURL (Connector/J parameters are mapped or
// dropped, never sent as session variables), table-name (one identifier),
// username/password (both or neither), driver (ignored),
// connection.max-retry-timeout, sink.*, scan.*, lookup.*.
//
// # Call order and concurrency
//
// The planner calls Factory.CreateSink/CreateSource at plan time. At run
// time Sink.NewWriter / Source.NewReader / LookupSource.NewLookuper are
// called once per subtask; the returned object follows the runtime's
// lifecycle (Open, then ProcessBatch/Poll/Lookup, SnapshotState,
// NotifyCheckpointComplete, Finish, Close) from its task goroutine only.
// The one exception is the sink's background flush goroutine, started in
// Open when sink.buffer-flush.interval > 0: it flushes the buffer on the
// interval under the writer's mutex, and a failure it meets is returned by
// the next call of the task goroutine. Every object owns its own
// connection pool (database/sql), opened in Open and closed in Close.
//
// # Sink
//
// Rows are copied out of the borrowed batches into the writer's buffer
// (buffer.go). With a primary key the buffer is reduced by key (last change
// wins; -U rows are ignored as in Flink's upsert mode) and flushed as
// multi-row INSERT ... ON DUPLICATE KEY UPDATE statements, then the deletes
// (DELETE ... WHERE key); without a primary key as multi-row INSERTs. A
// flush happens when sink.buffer-flush.max-rows rows were added, every
// sink.buffer-flush.interval, and always in SnapshotState before it returns
// and in Finish, so an acknowledged checkpoint means the rows are in MySQL.
// Transient errors (lost connection, deadlock, lock wait timeout, too
// many connections) are retried sink.max-retries times with backoff; then
// the error fails the task and the restart strategy restores the last
// checkpoint. Other errors (data too long, out of range, NOT NULL, a
// duplicate or foreign key, unknown table or column, access denied) fail
// at once, naming the table, the column and the row by its key; the row
// of a failed multi-row statement is found by bisection in a transaction
// that is rolled back (failure.go). When the
// table has unique keys besides the declared primary key, rows are
// written with UPDATE-then-INSERT instead, so that a conflict on another
// unique key is reported (error 1062) and not merged (sink.go).
// Exactly-once ('sink.delivery-guarantee' = 'exactly-once', append tables
// only, checkpointing required) uses XA transactions prepared at the
// barrier and committed when the checkpoint completes (xa.go).
//
// # Sources
//
// The scan (source.go) splits the table by scan.partition.* into ranges
// read by subtask j % parallelism; the first range also takes NULLs and
// values below the lower bound, the last values above the upper bound. Its
// state is the unfinished ranges and the rows emitted from each; a restore
// re-queries a range (ordered by the declared primary key) and skips those
// rows. The lookuper (lookup.go) queries the keys of a whole input batch
// with one IN query and keeps an optional PARTIAL cache (cache.go).
//
// # Types
//
// values.go maps engine types to bound parameters and reads text results
// back; TIMESTAMP_LTZ values are rendered in the URL's serverTimezone
// (default UTC).
//
// # Secrets
//
// The DSN is never printed: errors name the server as mysql://user@host/db
// and URLs in messages go through connectors.MaskURL.
package jdbc
