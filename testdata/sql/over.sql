-- OVER aggregation on event time: ROWS and RANGE frames, unbounded running aggregates
SET 'table.dml-sync' = 'true';

CREATE TABLE bids (id INT, item STRING, price INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '3' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bids_csv', 'format' = 'csv');

CREATE TABLE last3 (id INT, item STRING, price INT, s3 INT, c3 BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'rows');
INSERT INTO last3
SELECT id, item, price,
  SUM(price) OVER (PARTITION BY item ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW),
  COUNT(*) OVER (PARTITION BY item ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
FROM bids;

CREATE TABLE last10s (id INT, m INT, a INT) WITH ('connector' = 'print', 'print-identifier' = 'range');
INSERT INTO last10s
SELECT id,
  MAX(price) OVER (PARTITION BY item ORDER BY ts RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND CURRENT ROW),
  MIN(price) OVER (PARTITION BY item ORDER BY ts RANGE BETWEEN INTERVAL '10' SECOND PRECEDING AND CURRENT ROW)
FROM bids;

CREATE TABLE running (id INT, total INT, average INT) WITH ('connector' = 'print', 'print-identifier' = 'running');
INSERT INTO running
SELECT id, SUM(price) OVER (PARTITION BY item ORDER BY ts), AVG(price) OVER (PARTITION BY item ORDER BY ts) FROM bids;

EXPLAIN SELECT id, SUM(price) OVER (PARTITION BY item ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) FROM bids;

-- named windows are not supported yet (the script stops here)
SELECT id, MAX(price) OVER w FROM bids WINDOW w AS (PARTITION BY item ORDER BY ts);
