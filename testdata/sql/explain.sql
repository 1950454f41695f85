CREATE TABLE words (w STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE counts (w STRING, n BIGINT) WITH ('connector' = 'print');
EXPLAIN INSERT INTO counts SELECT w, COUNT(*) FROM words WHERE w <> 'x' GROUP BY w;
SET 'pipeline.operator-chaining.enabled' = 'false';
EXPLAIN SELECT UPPER(w) FROM words;
