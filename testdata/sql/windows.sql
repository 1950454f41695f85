-- window table functions over a bounded CSV file with event time:
-- TUMBLE, HOP and CUMULATE aggregations emit one final row per window
SET 'table.dml-sync' = 'true';

CREATE TABLE bids (
  id INT,
  item STRING,
  price INT,
  ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '3' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = 'data/bids_csv',
  'format' = 'csv'
);

CREATE TABLE tumbling (item STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), bids BIGINT, total INT, top INT)
WITH ('connector' = 'print', 'print-identifier' = 'tumble');

INSERT INTO tumbling
SELECT item, window_start, window_end, COUNT(*), SUM(price), MAX(price)
FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY item, window_start, window_end;

CREATE TABLE hopping (window_start TIMESTAMP(3), window_end TIMESTAMP(3), bids BIGINT, items BIGINT)
WITH ('connector' = 'print', 'print-identifier' = 'hop');

INSERT INTO hopping
SELECT window_start, window_end, COUNT(*), COUNT(DISTINCT item)
FROM TABLE(HOP(DATA => TABLE bids, TIMECOL => DESCRIPTOR(ts), SLIDE => INTERVAL '10' SECOND, SIZE => INTERVAL '20' SECOND))
WHERE price > 10
GROUP BY window_start, window_end;

CREATE TABLE cumulating (window_start TIMESTAMP(3), window_end TIMESTAMP(3), total INT)
WITH ('connector' = 'print', 'print-identifier' = 'cumulate');

INSERT INTO cumulating
SELECT window_start, window_end, SUM(price)
FROM TABLE(CUMULATE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '30' SECOND))
GROUP BY window_start, window_end;

-- aggregates with FILTER (WHERE ...) in a window
SELECT window_start, COUNT(*) FILTER (WHERE price < 10) AS cheap, COUNT(DISTINCT item) FILTER (WHERE price >= 30) AS pricey_items,
  SUM(price) FILTER (WHERE item = 'pear') AS pear_total
FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '30' SECOND))
GROUP BY window_start, window_end;

-- session windows: the table function and the legacy form
SELECT item, window_start, window_end, COUNT(*), SUM(price), MAX(id)
FROM TABLE(SESSION(TABLE bids PARTITION BY item, DESCRIPTOR(ts), INTERVAL '4' SECOND))
WHERE price > 3
GROUP BY item, window_start, window_end;

SELECT item, COUNT(*) AS c, SESSION_START(ts, INTERVAL '5' SECOND) AS s, SESSION_ROWTIME(ts, INTERVAL '5' SECOND) AS t
FROM bids GROUP BY item, SESSION(ts, INTERVAL '5' SECOND);

-- window Top-N: the two biggest totals per 20-second window, over a window aggregation, and the
-- two highest bids per window straight from the window table function; cascading window aggregation
SELECT * FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY total DESC) AS rn
  FROM (SELECT item, window_start, window_end, SUM(price) AS total
        FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '20' SECOND))
        GROUP BY item, window_start, window_end)
) WHERE rn <= 2;

SELECT window_end, id, price FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) AS rn
  FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '30' SECOND))
) WHERE rn <= 2;

SELECT window_start, MAX(c) AS busiest, COUNT(*) AS items FROM (
  SELECT item, window_start, window_end, COUNT(*) AS c
  FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '20' SECOND))
  GROUP BY item, window_start, window_end
) GROUP BY window_start, window_end;

EXPLAIN SELECT * FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) AS rn
  FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '30' SECOND))
) WHERE rn <= 2;

-- the legacy group window syntax
CREATE TABLE legacy (item STRING, wstart TIMESTAMP(3), wend TIMESTAMP(3), wtime TIMESTAMP(3), bids BIGINT)
WITH ('connector' = 'print', 'print-identifier' = 'legacy');

INSERT INTO legacy
SELECT item, TUMBLE_START(ts, INTERVAL '20' SECOND), TUMBLE_END(ts, INTERVAL '20' SECOND),
  TUMBLE_ROWTIME(ts, INTERVAL '20' SECOND), COUNT(*)
FROM bids
GROUP BY TUMBLE(ts, INTERVAL '20' SECOND), item
HAVING COUNT(*) > 2;

SELECT HOP_START(ts, INTERVAL '30' SECOND, INTERVAL '1' MINUTE), HOP_END(ts, INTERVAL '30' SECOND, INTERVAL '1' MINUTE), MIN(price)
FROM bids GROUP BY HOP(ts, INTERVAL '30' SECOND, INTERVAL '1' MINUTE);

-- the window columns alone, without aggregation
SELECT id, item, window_start, window_end, window_time
FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '15' SECOND, INTERVAL '5' SECOND))
WHERE id <= 4;

EXPLAIN SELECT item, window_end, COUNT(*) FROM TABLE(HOP(TABLE bids, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND))
GROUP BY item, window_start, window_end;

-- the time column must be a time attribute (the script stops here)
SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(id), INTERVAL '10' SECOND));
