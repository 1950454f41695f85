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

-- a named window (WINDOW w AS ...), used as it is and refined with a frame
SELECT id, item, MAX(price) OVER w AS top, COUNT(*) OVER w AS n
FROM bids WHERE id <= 12
WINDOW w AS (PARTITION BY item ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW);

SELECT id, SUM(price) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS total
FROM bids WHERE item = 'pear' WINDOW w AS (PARTITION BY item ORDER BY ts);

-- processing time: each row is aggregated when it arrives, in arrival order (a ROWS frame gives
-- the same result on every run; a RANGE frame would depend on arrival times)
CREATE TABLE bids_pt (id INT, item STRING, price INT, ts TIMESTAMP(3), pt AS PROCTIME())
WITH ('connector' = 'filesystem', 'path' = 'data/bids_csv', 'format' = 'csv');
CREATE TABLE arrivals (id INT, item STRING, n BIGINT, s INT) WITH ('connector' = 'print', 'print-identifier' = 'proctime');
INSERT INTO arrivals
SELECT id, item, COUNT(*) OVER w, SUM(price) OVER w FROM bids_pt
WINDOW w AS (PARTITION BY item ORDER BY pt ROWS BETWEEN 2 PRECEDING AND CURRENT ROW);

-- every OVER aggregate of a query must use the same window, as in Flink (the script stops here)
SELECT id, MAX(price) OVER (PARTITION BY item ORDER BY ts), MIN(price) OVER (ORDER BY ts) FROM bids;
