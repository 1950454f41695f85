-- Mini-batch needs a latency and a size, as in Flink
CREATE TABLE t (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '3');
SET 'table.exec.mini-batch.enabled' = 'true';
SELECT COUNT(*) FROM t;
