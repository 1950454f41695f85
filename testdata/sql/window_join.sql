-- window joins: both sides are the same event-time window table function, joined on
-- window_start, window_end and a key; each window's rows are joined once when the watermark
-- passes its end (append-only output, outer rows padded once); and window deduplication
SET 'table.dml-sync' = 'true';

CREATE TABLE bids (
  id INT,
  item STRING,
  price INT,
  ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '3' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'data/bids_csv', 'format' = 'csv');

CREATE TABLE asks (
  id INT,
  item STRING,
  price INT,
  ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '3' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'data/asks_csv', 'format' = 'csv', 'csv.null-literal' = 'NULL');

CREATE TABLE pairs (window_start TIMESTAMP(3), window_end TIMESTAMP(3), item STRING, bid INT, ask INT, bid_price INT, ask_price INT)
WITH ('connector' = 'print', 'print-identifier' = 'inner');

INSERT INTO pairs
SELECT L.window_start, L.window_end, L.item, L.id, R.id, L.price, R.price
FROM (SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))) L
JOIN (SELECT * FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '10' SECOND))) R
ON L.window_start = R.window_start AND L.window_end = R.window_end AND L.item = R.item;

-- conditions in WHERE: pushed into the inputs, and into the join condition
CREATE TABLE pairs_where (window_start TIMESTAMP(3), item STRING, bid INT, ask INT)
WITH ('connector' = 'print', 'print-identifier' = 'inner-where');

INSERT INTO pairs_where
SELECT L.window_start, L.item, L.id, R.id
FROM (SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))) L
JOIN (SELECT * FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '10' SECOND))) R
ON L.window_start = R.window_start AND L.window_end = R.window_end AND L.item = R.item
WHERE L.price > 10 AND R.price < 30 AND L.price > R.price;

-- LEFT: bids of at least 35 with the cheaper asks of their window, or NULLs
CREATE TABLE left_pairs (window_start TIMESTAMP(3), item STRING, bid INT, ask INT, ask_window_start TIMESTAMP(3))
WITH ('connector' = 'print', 'print-identifier' = 'left');

INSERT INTO left_pairs
SELECT L.window_start, L.item, L.id, R.id, R.window_start
FROM (SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND)) WHERE price >= 35) L
LEFT JOIN (SELECT * FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '10' SECOND))) R
ON L.window_start = R.window_start AND L.window_end = R.window_end AND L.item = R.item AND R.price < L.price;

-- RIGHT: every ask (NULL items and items nobody bid on included) with the bids below 20
CREATE TABLE right_pairs (window_start TIMESTAMP(3), item STRING, bid INT, ask INT)
WITH ('connector' = 'print', 'print-identifier' = 'right');

INSERT INTO right_pairs
SELECT R.window_start, R.item, L.id, R.id
FROM (SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND)) WHERE price < 20) L
RIGHT JOIN (SELECT * FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '10' SECOND))) R
ON L.window_start = R.window_start AND L.window_end = R.window_end AND L.item = R.item;

-- FULL OUTER: bids of at least 40 and all asks
CREATE TABLE full_pairs (window_start TIMESTAMP(3), window_end TIMESTAMP(3), item STRING, bid INT, ask INT)
WITH ('connector' = 'print', 'print-identifier' = 'full');

INSERT INTO full_pairs
SELECT COALESCE(L.window_start, R.window_start), COALESCE(L.window_end, R.window_end), COALESCE(L.item, R.item), L.id, R.id
FROM (SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND)) WHERE price >= 40) L
FULL OUTER JOIN (SELECT * FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '10' SECOND))) R
ON L.window_start = R.window_start AND L.window_end = R.window_end AND L.item = R.item;

-- semi joins: bids whose item was asked for in the same window (IN), or asked for above 25 (EXISTS)
CREATE TABLE asked (window_start TIMESTAMP(3), item STRING, bid INT)
WITH ('connector' = 'print', 'print-identifier' = 'semi-in');

INSERT INTO asked
SELECT L.window_start, L.item, L.id
FROM (SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))) L
WHERE L.item IN (
  SELECT R.item FROM (SELECT * FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '10' SECOND))) R
  WHERE L.window_start = R.window_start AND L.window_end = R.window_end);

CREATE TABLE asked_high (window_start TIMESTAMP(3), item STRING, bid INT)
WITH ('connector' = 'print', 'print-identifier' = 'semi-exists');

INSERT INTO asked_high
SELECT L.window_start, L.item, L.id
FROM (SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))) L
WHERE EXISTS (
  SELECT * FROM (SELECT * FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '10' SECOND))) R
  WHERE L.item = R.item AND L.window_start = R.window_start AND L.window_end = R.window_end AND R.price > 25);

-- anti joins: bids above 30 whose item was not asked for in the window (NOT IN), or not above 35 (NOT EXISTS)
CREATE TABLE unasked (window_start TIMESTAMP(3), item STRING, bid INT)
WITH ('connector' = 'print', 'print-identifier' = 'anti-not-in');

INSERT INTO unasked
SELECT L.window_start, L.item, L.id
FROM (SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))) L
WHERE L.price > 30 AND L.item NOT IN (
  SELECT R.item FROM (SELECT * FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '10' SECOND))) R
  WHERE L.window_start = R.window_start AND L.window_end = R.window_end);

CREATE TABLE unasked_high (window_start TIMESTAMP(3), item STRING, bid INT)
WITH ('connector' = 'print', 'print-identifier' = 'anti-not-exists');

INSERT INTO unasked_high
SELECT L.window_start, L.item, L.id
FROM (SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))) L
WHERE L.price > 30 AND NOT EXISTS (
  SELECT * FROM (SELECT * FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '10' SECOND))) R
  WHERE R.item = L.item AND R.window_start = L.window_start AND R.window_end = L.window_end AND R.price > 35);

-- HOP windows (20 s every 10 s): a row joins in each of its two windows
CREATE TABLE hop_pairs (window_start TIMESTAMP(3), window_end TIMESTAMP(3), item STRING, bid INT, ask INT)
WITH ('connector' = 'print', 'print-identifier' = 'hop-inner');

INSERT INTO hop_pairs
SELECT L.window_start, L.window_end, L.item, L.id, R.id
FROM (SELECT * FROM TABLE(HOP(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '20' SECOND)) WHERE price >= 40) L
JOIN (SELECT * FROM TABLE(HOP(TABLE asks, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '20' SECOND))) R
ON L.window_start = R.window_start AND L.window_end = R.window_end AND L.item = R.item;

CREATE TABLE hop_left (window_start TIMESTAMP(3), window_end TIMESTAMP(3), item STRING, bid INT, ask INT)
WITH ('connector' = 'print', 'print-identifier' = 'hop-left');

INSERT INTO hop_left
SELECT L.window_start, L.window_end, L.item, L.id, R.id
FROM (SELECT * FROM TABLE(HOP(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '20' SECOND)) WHERE price >= 45) L
LEFT JOIN (SELECT * FROM TABLE(HOP(TABLE asks, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '20' SECOND))) R
ON L.window_start = R.window_start AND L.window_end = R.window_end AND L.item = R.item;

-- CUMULATE windows (up to 20 s in 10 s steps)
CREATE TABLE cumulate_left (window_start TIMESTAMP(3), window_end TIMESTAMP(3), item STRING, bid INT, ask INT)
WITH ('connector' = 'print', 'print-identifier' = 'cumulate-left');

INSERT INTO cumulate_left
SELECT L.window_start, L.window_end, L.item, L.id, R.id
FROM (SELECT * FROM TABLE(CUMULATE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '20' SECOND)) WHERE price >= 45) L
LEFT JOIN (SELECT * FROM TABLE(CUMULATE(TABLE asks, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '20' SECOND))) R
ON L.window_start = R.window_start AND L.window_end = R.window_end AND L.item = R.item;

-- a full window join of two window aggregations
CREATE TABLE market (window_start TIMESTAMP(3), item STRING, bids BIGINT, top_bid INT, asks BIGINT, low_ask INT)
WITH ('connector' = 'print', 'print-identifier' = 'aggregates');

INSERT INTO market
SELECT COALESCE(B.window_start, A.window_start), COALESCE(B.item, A.item), B.n, B.top, A.n, A.low
FROM (SELECT item, window_start, window_end, COUNT(*) AS n, MAX(price) AS top
      FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '20' SECOND))
      GROUP BY item, window_start, window_end) B
FULL JOIN (SELECT item, window_start, window_end, COUNT(*) AS n, MIN(price) AS low
      FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '20' SECOND))
      GROUP BY item, window_start, window_end) A
ON B.window_start = A.window_start AND B.window_end = A.window_end AND B.item = A.item;

EXPLAIN SELECT L.id, R.id, L.window_start
FROM (SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))) L
JOIN (SELECT * FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '10' SECOND))) R
ON L.window_start = R.window_start AND L.window_end = R.window_end AND L.item = R.item AND L.price > R.price;

EXPLAIN SELECT L.id FROM (SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))) L
WHERE L.item NOT IN (
  SELECT R.item FROM (SELECT * FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '10' SECOND))) R
  WHERE L.window_start = R.window_start AND L.window_end = R.window_end);

-- different windows on the two sides: a regular join
EXPLAIN SELECT L.id, R.id
FROM (SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))) L
JOIN (SELECT * FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '20' SECOND))) R
ON L.window_start = R.window_start AND L.window_end = R.window_end AND L.item = R.item;

-- window deduplication: the first and the last bid per item and 20-second window
CREATE TABLE first_bids (window_start TIMESTAMP(3), item STRING, id INT, ts TIMESTAMP(3))
WITH ('connector' = 'print', 'print-identifier' = 'first-bid');

INSERT INTO first_bids
SELECT window_start, item, id, ts FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, item ORDER BY ts ASC) AS rn
  FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '20' SECOND))
) WHERE rn = 1;

CREATE TABLE last_bids (window_start TIMESTAMP(3), item STRING, id INT, ts TIMESTAMP(3))
WITH ('connector' = 'print', 'print-identifier' = 'last-bid');

INSERT INTO last_bids
SELECT window_start, item, id, ts FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, item ORDER BY ts DESC) AS rn
  FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '20' SECOND))
) WHERE rn <= 1;

-- on equal times the first row keeps the earlier row, the last row the later one (asks 7 and 8)
CREATE TABLE apple_asks (window_start TIMESTAMP(3), first_ask INT, last_ask INT)
WITH ('connector' = 'print', 'print-identifier' = 'apple-asks');

INSERT INTO apple_asks
SELECT F.window_start, F.id, L.id FROM (
  SELECT * FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY ts) AS rn
    FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '5' SECOND)) WHERE item = 'apple'
  ) WHERE rn = 1) F
JOIN (
  SELECT * FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY ts DESC) AS rn
    FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '5' SECOND)) WHERE item = 'apple'
  ) WHERE rn = 1) L
ON F.window_start = L.window_start AND F.window_end = L.window_end;

EXPLAIN SELECT window_start, item, id FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, item ORDER BY ts DESC) AS rn
  FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '20' SECOND))
) WHERE rn <= 1;
