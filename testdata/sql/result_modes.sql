-- sql-client.execution.result-mode and the display of query results.
-- Cells wider than table.display.max-column-width (Flink's default 30; the
-- deprecated name sql-client.display.max-column-width works too) end with
-- "...", every cell is right-aligned, as Flink's tableau.
CREATE TABLE t (
  id INT,
  msg STRING
) WITH (
  'connector' = 'datagen',
  'fields.id.kind' = 'sequence',
  'fields.id.start' = '1',
  'fields.id.end' = '2',
  'fields.msg.length' = '3'
);

SELECT id, 'a string longer than thirty characters' AS long_text, 1.5e0 AS d, CAST(12.345 AS DECIMAL(5, 3)) AS amount, TIMESTAMP '2024-01-02 03:04:05.6' AS ts FROM t;

SET 'sql-client.display.max-column-width' = '10';
SELECT id, 'a string longer than ten' AS long_text, '漢字漢字漢字' AS wide FROM t;

RESET 'sql-client.display.max-column-width';
SET 'table.display.max-column-width' = '4';
SELECT id, 'abcdef' AS s FROM t;
RESET 'table.display.max-column-width';

SET 'sql-client.execution.result-mode' = 'tableau';
SELECT COUNT(*) AS n FROM t;

-- In a -f script (Flink's non-interactive mode) only tableau shows a query.
SET 'sql-client.execution.result-mode' = 'changelog';
SELECT COUNT(*) AS n FROM t;
