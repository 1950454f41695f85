-- window operators over a window join's output: the join keeps window_start and window_end
-- of its preserved sides (the left of an inner/left/semi/anti join, the right of an inner/right
-- join) as window columns, so a GROUP BY on them is a window aggregation and a ROW_NUMBER()
-- partitioned by them is a window Top-N or window deduplication: final rows only when the
-- watermark passes the window's end (append-only), the window's state then freed
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

-- the matched (bid, ask) pairs of every 10-second window, as a view
CREATE VIEW pairs AS
SELECT L.window_start, L.window_end, L.item, L.id AS bid, R.id AS ask, L.price - R.price AS spread,
       L.ts AS bid_ts, R.ts AS ask_ts
FROM (SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))) L
JOIN (SELECT * FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '10' SECOND))) R
ON L.window_start = R.window_start AND L.window_end = R.window_end AND L.item = R.item;

-- window aggregation over the inner window join: one final row per window
CREATE TABLE pair_stats (window_start TIMESTAMP(3), window_end TIMESTAMP(3), pairs BIGINT, best_spread INT, total_spread INT)
WITH ('connector' = 'print', 'print-identifier' = 'pair-stats');

INSERT INTO pair_stats
SELECT window_start, window_end, COUNT(*), MAX(spread), SUM(spread)
FROM pairs
GROUP BY window_start, window_end;

-- window Top-N over the window join: the two best spreads of every window (ties by bid id)
CREATE TABLE best_pairs (window_start TIMESTAMP(3), item STRING, bid INT, ask INT, spread INT, rn BIGINT)
WITH ('connector' = 'print', 'print-identifier' = 'best-pairs');

INSERT INTO best_pairs
SELECT window_start, item, bid, ask, spread, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY spread DESC, bid DESC) AS rn
  FROM pairs
) WHERE rn <= 2;

-- window deduplication over the window join: the last matched bid per item and window
-- (ordered by the left side's event time), and the first matched ask of every window
-- (the right side's event time)
CREATE TABLE last_matched_bids (window_start TIMESTAMP(3), item STRING, bid INT, bid_ts TIMESTAMP(3))
WITH ('connector' = 'print', 'print-identifier' = 'last-matched-bid');

INSERT INTO last_matched_bids
SELECT window_start, item, bid, bid_ts FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, item ORDER BY bid_ts DESC) AS rn
  FROM pairs
) WHERE rn = 1;

CREATE TABLE first_matched_asks (window_start TIMESTAMP(3), item STRING, ask INT, ask_ts TIMESTAMP(3))
WITH ('connector' = 'print', 'print-identifier' = 'first-matched-ask');

INSERT INTO first_matched_asks
SELECT window_start, item, ask, ask_ts FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY ask_ts ASC) AS rn
  FROM pairs
) WHERE rn <= 1;

-- window aggregation over a RIGHT window join, by the right side's window: every ask counts,
-- matched or not (the window of the last ask has no bids at all)
CREATE TABLE ask_stats (window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT, matched BIGINT)
WITH ('connector' = 'print', 'print-identifier' = 'ask-stats');

INSERT INTO ask_stats
SELECT R.window_start, R.window_end, COUNT(*), COUNT(L.id)
FROM (SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))) L
RIGHT JOIN (SELECT * FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '10' SECOND))) R
ON L.window_start = R.window_start AND L.window_end = R.window_end AND L.item = R.item
GROUP BY R.window_start, R.window_end;

-- window aggregation over a semi window join: the bids whose item was asked for in their window
CREATE TABLE asked_stats (window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT, volume INT)
WITH ('connector' = 'print', 'print-identifier' = 'asked-stats');

INSERT INTO asked_stats
SELECT window_start, window_end, COUNT(*), SUM(price)
FROM (SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))) L
WHERE L.item IN (
  SELECT R.item FROM (SELECT * FROM TABLE(TUMBLE(TABLE asks, DESCRIPTOR(ts), INTERVAL '10' SECOND))) R
  WHERE L.window_start = R.window_start AND L.window_end = R.window_end)
GROUP BY window_start, window_end;

EXPLAIN SELECT window_start, window_end, COUNT(*), MAX(spread) FROM pairs GROUP BY window_start, window_end;

EXPLAIN SELECT window_start, item, bid, ask, spread, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY spread DESC, bid DESC) AS rn
  FROM pairs
) WHERE rn <= 2;

EXPLAIN SELECT window_start, item, bid, bid_ts FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, item ORDER BY bid_ts DESC) AS rn
  FROM pairs
) WHERE rn = 1;
