-- An unknown sql-client.execution.result-mode fails the query as Flink's
-- enum option does (SET itself accepts any value, as in Flink).
CREATE TABLE t (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '1');
SET 'sql-client.execution.result-mode' = 'fancy';
SELECT id FROM t;
