-- Top-N and deduplication with ROW_NUMBER() OVER, over a bounded CSV file
SET 'table.dml-sync' = 'true';

CREATE TABLE bids (
  id INT,
  item STRING,
  price INT,
  ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '3' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'data/bids_csv', 'format' = 'csv');

CREATE TABLE top2 (item STRING, id INT, price INT, rn BIGINT)
WITH ('connector' = 'print', 'print-identifier' = 'top2');

INSERT INTO top2
SELECT item, id, price, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY item ORDER BY price DESC) AS rn FROM bids
) WHERE rn <= 2;

CREATE TABLE first_bid (item STRING, id INT, ts TIMESTAMP(3))
WITH ('connector' = 'print', 'print-identifier' = 'first');

INSERT INTO first_bid
SELECT item, id, ts FROM (
  SELECT item, id, ts, ROW_NUMBER() OVER (PARTITION BY item ORDER BY ts ASC) AS row_num FROM bids
) WHERE row_num = 1;

CREATE TABLE last_bid (item STRING, id INT, price INT)
WITH ('connector' = 'print', 'print-identifier' = 'last');

INSERT INTO last_bid
SELECT item, id, price FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY item ORDER BY ts DESC) AS rownum FROM bids WHERE price > 5
) WHERE rownum <= 1;

-- a global Top-3 (no PARTITION BY) over a computed order key, row number not selected
SELECT id, item, price FROM (
  SELECT id, item, price, ROW_NUMBER() OVER (ORDER BY price * 2 + id DESC) AS r FROM bids
) WHERE r < 4;

EXPLAIN SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY item ORDER BY ts DESC) AS rn FROM bids) WHERE rn = 1;

-- Top-N over an updating input (an aggregation): rows that drop out are retracted
CREATE TABLE top_items (item STRING, total INT, rn BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'top-items');
INSERT INTO top_items
SELECT item, total, rn FROM (
  SELECT item, total, ROW_NUMBER() OVER (ORDER BY total DESC) AS rn
  FROM (SELECT item, SUM(price) AS total FROM bids GROUP BY item)
) WHERE rn <= 2;

-- ROW_NUMBER over a named window
SELECT item, price FROM (
  SELECT item, price, ROW_NUMBER() OVER w AS rn FROM bids WINDOW w AS (PARTITION BY item ORDER BY price DESC)
) WHERE rn = 1;

-- the row number must be filtered (the script stops here)
SELECT *, ROW_NUMBER() OVER (PARTITION BY item ORDER BY price) AS rn FROM bids;
