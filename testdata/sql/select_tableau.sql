-- A plain SELECT prints a tableau with the op column.
CREATE TABLE t (
  id INT,
  msg STRING
) WITH (
  'connector' = 'datagen',
  'fields.id.kind' = 'sequence',
  'fields.id.start' = '1',
  'fields.id.end' = '3',
  'fields.msg.length' = '3'
);

SELECT id, id * 10 AS ten, UPPER('abc') AS up, CAST(NULL AS STRING) AS nothing FROM t;

SELECT COUNT(*) AS n FROM t;

-- Without mini-batch (the default) every row updates the count; with it, the rows wait in a
-- bundle (up to 5000 rows or 2 s, here until the input ends) and each group changes once per bundle
SET 'table.exec.mini-batch.enabled' = 'true';
SET 'table.exec.mini-batch.allow-latency' = '2 s';
SET 'table.exec.mini-batch.size' = '5000';
SELECT COUNT(*) AS n FROM t;
