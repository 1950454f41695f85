-- with a static partition the query gives the other columns, in order
SET 'table.dml-sync' = 'true';

CREATE TABLE sales (id INT, item STRING, dt STRING, region STRING)
PARTITIONED BY (dt, region)
WITH ('connector' = 'filesystem', 'path' = 'out/sales', 'format' = 'csv');

INSERT INTO sales PARTITION (dt = '2024-01-01') VALUES (1, 'apple');
