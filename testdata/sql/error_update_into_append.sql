-- An updating stream into an append-only sink fails at plan time.
CREATE TABLE src (id INT, k STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE files (k STRING, n BIGINT) WITH ('connector' = 'filesystem', 'path' = 'out/x', 'format' = 'csv');
INSERT INTO files SELECT k, COUNT(*) FROM src GROUP BY k;
SELECT 'never reached';
