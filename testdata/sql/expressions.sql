-- Types, NULL semantics and built-in functions over VALUES.
CREATE TEMPORARY VIEW v AS
SELECT * FROM (VALUES
  (1, 'Hello World', CAST(2.50 AS DECIMAL(10, 2)), TIMESTAMP '2024-03-15 10:20:30.123', TRUE),
  (2, 'flink,go,sql', CAST(-1.25 AS DECIMAL(10, 2)), TIMESTAMP '2023-12-31 23:59:59.000', FALSE),
  (3, CAST(NULL AS STRING), CAST(NULL AS DECIMAL(10, 2)), CAST(NULL AS TIMESTAMP(3)), CAST(NULL AS BOOLEAN))
) AS t(id, s, d, ts, b);

SELECT id, UPPER(s), LOWER(s), CHAR_LENGTH(s), SUBSTRING(s, 1, 5), REPLACE(s, 'o', '0'), INITCAP(LOWER(s)) FROM v;

SELECT id, CONCAT(s, '!'), CONCAT_WS('-', s, 'x', CAST(NULL AS STRING)), s || '?', TRIM(BOTH ' ' FROM '  pad  '),
       SPLIT_INDEX(s, ',', 1), REGEXP_EXTRACT(s, '([a-z]+),([a-z]+)', 2) FROM v;

SELECT id, d, ABS(d), d * 2, d + 1, ROUND(d, 1), FLOOR(d), CEIL(d), MOD(id, 2), POWER(id, 2), id / 2, id % 2 FROM v;

SELECT id, ts, EXTRACT(YEAR FROM ts), DATE_FORMAT(ts, 'yyyy/MM/dd HH:mm'), ts + INTERVAL '1' DAY,
       TIMESTAMPADD(HOUR, 2, ts), TIMESTAMPDIFF(DAY, ts, TIMESTAMP '2024-12-31 00:00:00') FROM v;

SELECT id, b, NOT b, b AND id > 1, b OR id > 1, b IS NULL, s IS NOT NULL, s LIKE 'H%', id IN (1, 3), id BETWEEN 2 AND 3,
       CASE WHEN id = 1 THEN 'one' WHEN id = 2 THEN 'two' ELSE 'many' END, COALESCE(s, 'none'), IF(id > 1, 'big', 'small') FROM v;

SELECT CAST('42' AS INT), CAST(42 AS STRING), CAST('2024-01-02' AS DATE), CAST(3.7 AS INT), TRY_CAST('x' AS INT),
       CAST(TRUE AS STRING), CAST('1.5' AS DOUBLE), TO_TIMESTAMP('2024-01-02 03:04:05'), FROM_UNIXTIME(0),
       UNIX_TIMESTAMP('1970-01-01 00:01:00'), DATE '2024-02-29', TIME '12:34:56';

SELECT ARRAY[1, 2, 3], CARDINALITY(ARRAY['a', 'b']), ROW(1, 'a');

SELECT a[2], m['k'], m['nope'], r.x FROM (SELECT ARRAY[10, 20] AS a, MAP['k', 1] AS m, CAST(ROW(7, 'z') AS ROW<x INT, y STRING>) AS r);

SELECT id, w FROM v CROSS JOIN UNNEST(SPLIT(s, ',')) AS t(w);

SELECT CAST('not a number' AS INT);
