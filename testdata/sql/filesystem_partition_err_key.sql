-- a static partition must name a partition key of the table
SET 'table.dml-sync' = 'true';

CREATE TABLE sales (id INT, item STRING, dt STRING, region STRING)
PARTITIONED BY (dt, region)
WITH ('connector' = 'filesystem', 'path' = 'out/sales', 'format' = 'csv');

INSERT INTO sales PARTITION (dt = '2024-01-01', item = 'x') VALUES (1, 'eu');
