-- TIMESTAMP(p) / TIMESTAMP_LTZ(p) values exactly as Flink keeps and prints them: nanoseconds, p fraction
-- digits, Flink's truncation, and the session time zone (table.local-time-zone) for TIMESTAMP_LTZ.
SET 'table.local-time-zone' = 'UTC';

-- A TIMESTAMP literal has as many fraction digits as written; TIME literals and CAST(... AS TIME(p <= 3))
-- are TIME(0) in a query (FlinkTypeFactory), so they print whole seconds.
SELECT TIMESTAMP '2020-01-01 12:00:00.123456789', TIMESTAMP '2020-01-01 12:00:00', TIMESTAMP '2020-01-01 12:00:00.5',
       TIME '12:34:56.789', CAST('12:34:56.789' AS TIME(3));

-- Strings cast to TIMESTAMP(9) keep their nanoseconds; lower precisions truncate.
SELECT CAST('2020-01-01 12:00:00.123456789' AS TIMESTAMP(9)), CAST('2020-01-01 12:00:00.123456789' AS TIMESTAMP(7)),
       CAST('2020-01-01 12:00:00.123456789' AS TIMESTAMP(6)), CAST('2020-01-01 12:00:00.123456789' AS TIMESTAMP(3)),
       CAST('2020-01-01 12:00:00.987654321' AS TIMESTAMP(0)), CAST('2020-01-01 12:00:00.1' AS TIMESTAMP(9));

-- CAST between precisions truncates as DateTimeUtils.truncate: toward zero on epoch milliseconds.
SELECT CAST(TIMESTAMP '2020-01-01 12:00:00.123456789' AS TIMESTAMP(8)),
       CAST(CAST(TIMESTAMP '2020-01-01 12:00:00.123456789' AS TIMESTAMP(4)) AS TIMESTAMP(9)),
       CAST(TIMESTAMP '1969-12-31 23:59:59.999' AS TIMESTAMP(0)),
       CAST(TIMESTAMP '2020-01-01 12:00:00.123456789' AS STRING),
       CAST(TIMESTAMP '2020-01-01 12:00:00.123456789' AS DATE);

-- Nanosecond values compare, group and aggregate by their nanoseconds.
CREATE TEMPORARY VIEW nanos AS SELECT * FROM (VALUES
  (1, TIMESTAMP '2020-01-01 00:00:00.000000001'),
  (2, TIMESTAMP '2020-01-01 00:00:00.000000002'),
  (3, TIMESTAMP '2020-01-01 00:00:00.000000001'),
  (4, TIMESTAMP '2020-01-01 00:00:00.000000999')
) AS t(id, ts);

SELECT id, ts, ts > TIMESTAMP '2020-01-01 00:00:00.000000001', ts = TIMESTAMP '2020-01-01 00:00:00.000000002' FROM nanos;

SELECT ts, COUNT(*) AS c FROM nanos GROUP BY ts;

SELECT MAX(ts), MIN(ts) FROM nanos;

-- The print connector shows Java's LocalDateTime / Instant.
CREATE TABLE printed (id INT, ts TIMESTAMP(9), ltz TIMESTAMP_LTZ(9)) WITH ('connector' = 'print');
SET 'table.dml-sync' = 'true';
INSERT INTO printed SELECT id, ts, CAST(ts AS TIMESTAMP_LTZ(9)) FROM nanos WHERE id < 3;

-- Formats write and read the nanoseconds back (fraction trimmed of trailing zeros, as Flink's
-- SQL_TIMESTAMP_FORMAT).
CREATE TABLE ts_csv (id INT, ts TIMESTAMP(9), ltz TIMESTAMP_LTZ(9)) WITH ('connector' = 'filesystem', 'path' = 'out/ts_csv', 'format' = 'csv');
CREATE TABLE ts_json (id INT, ts TIMESTAMP(9), ltz TIMESTAMP_LTZ(9)) WITH ('connector' = 'filesystem', 'path' = 'out/ts_json', 'format' = 'json');
INSERT INTO ts_csv SELECT id, ts, CAST(ts AS TIMESTAMP_LTZ(9)) FROM nanos;
INSERT INTO ts_json SELECT id, ts, CAST(ts AS TIMESTAMP_LTZ(9)) FROM nanos;
SELECT c.id, c.ts, c.ltz, j.ts = c.ts, j.ltz = c.ltz FROM ts_csv AS c JOIN ts_json AS j ON c.id = j.id;

CREATE TEMPORARY VIEW typed AS SELECT TIMESTAMP '2020-01-01 00:00:00' AS t0, TIMESTAMP '2020-01-01 00:00:00.12' AS t2,
  CAST(NULL AS TIMESTAMP(9)) AS t9, TIME '10:00:00.5' AS tm, TO_TIMESTAMP_LTZ(0, 0) AS ltz;
DESCRIBE typed;

-- Unaliased VALUES columns are EXPR$0, EXPR$1, ...
SELECT * FROM (VALUES (1, 'a'), (2, 'b'));

SELECT EXPR$1 FROM (VALUES (1, 'a'), (2, 'b'));

-- TIMESTAMP_LTZ shows, casts and extracts in the session time zone.
SELECT TO_TIMESTAMP_LTZ(0, 3), CAST(TO_TIMESTAMP_LTZ(0, 3) AS STRING), HOUR(TO_TIMESTAMP_LTZ(0, 3)), FROM_UNIXTIME(0);

SET 'table.local-time-zone' = 'Asia/Shanghai';

SELECT TO_TIMESTAMP_LTZ(0, 3), TO_TIMESTAMP_LTZ(1700000000123, 3), TO_TIMESTAMP_LTZ(1, 0),
       CAST(TO_TIMESTAMP_LTZ(0, 3) AS STRING), CAST(TO_TIMESTAMP_LTZ(0, 3) AS TIMESTAMP(3)),
       CAST(TO_TIMESTAMP_LTZ(0, 3) AS DATE);

SELECT HOUR(TO_TIMESTAMP_LTZ(0, 3)), EXTRACT(DAY FROM TO_TIMESTAMP_LTZ(1609430400000, 3)),
       DATE_FORMAT(TO_TIMESTAMP_LTZ(0, 3), 'yyyy-MM-dd HH:mm:ss'), FROM_UNIXTIME(0), UNIX_TIMESTAMP('1970-01-01 08:00:00');

SELECT CAST(TIMESTAMP '1970-01-01 08:00:00' AS TIMESTAMP_LTZ(3)), CAST(CAST(TIMESTAMP '1970-01-01 08:00:00' AS TIMESTAMP_LTZ(3)) AS BIGINT),
       CAST('2020-01-01 00:00:00.123456789' AS TIMESTAMP_LTZ(9)), CAST(CAST('2020-01-01 00:00:00' AS TIMESTAMP_LTZ(0)) AS BIGINT);

-- Computed columns and the result of a file's TIMESTAMP_LTZ follow the zone of the query, not of the CREATE.
SELECT id, ltz, CAST(ltz AS TIMESTAMP(9)), HOUR(ltz) FROM ts_csv WHERE id = 4;
CREATE TABLE ts_csv_local (id INT, ts TIMESTAMP(9), ltz TIMESTAMP_LTZ(9), local_ts AS CAST(ltz AS TIMESTAMP(9)), h AS HOUR(ltz))
WITH ('connector' = 'filesystem', 'path' = 'out/ts_csv', 'format' = 'csv');
SELECT id, local_ts, h FROM ts_csv_local WHERE id = 4;
SET 'table.local-time-zone' = 'America/Los_Angeles';
SELECT id, ltz, local_ts, h, ltz = ts, ltz = TIMESTAMP '2019-12-31 16:00:00.000000999' FROM ts_csv_local WHERE id = 4;
SET 'table.local-time-zone' = 'Asia/Shanghai';

-- The clock functions agree with each other in the session zone (whatever the clock reads).
SELECT ABS(TIMESTAMPDIFF(SECOND, CAST(CURRENT_TIMESTAMP AS TIMESTAMP(3)), LOCALTIMESTAMP)) <= 1,
       ABS(TIMESTAMPDIFF(SECOND, CAST(NOW() AS TIMESTAMP(3)), TO_TIMESTAMP(FROM_UNIXTIME(UNIX_TIMESTAMP())))) <= 1,
       ABS(CAST(CURRENT_TIMESTAMP AS BIGINT) - UNIX_TIMESTAMP()) <= 1,
       ABS(TIMESTAMPDIFF(SECOND, CAST(PROCTIME() AS TIMESTAMP(3)), LOCALTIMESTAMP)) <= 1;

-- The print connector shows an Instant, whatever the session zone.
INSERT INTO printed SELECT id, ts, CAST(ts AS TIMESTAMP_LTZ(9)) FROM nanos WHERE id = 4;

SELECT CAST('12:00:00' AS TIME(9));
