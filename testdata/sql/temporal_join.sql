-- event-time temporal joins: each order joins the rate valid at its order_time
-- (FOR SYSTEM_TIME AS OF the left rowtime) in a versioned table
SET 'table.dml-sync' = 'true';

-- orders 5, 6, 8, 9 and 10 come after the 5 s bound passed them (late rows, when the source is
-- slow enough for the watermark to get there first): they still join, with the versions left in
-- state (the latest at or before the watermark, and newer ones), so their results do not depend
-- on when the watermark came
CREATE TABLE orders (order_id INT, currency STRING, amount INT, order_time TIMESTAMP(3),
  WATERMARK FOR order_time AS order_time - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/tj_orders_csv', 'format' = 'csv');

-- an append-only versioned table: every row is a new version of its currency; GBP 10:00:20
-- and EUR 10:00:25 arrive out of order, within the 10 s bound
CREATE TABLE rates (currency STRING, rate DECIMAL(10, 2), update_time TIMESTAMP(3),
  WATERMARK FOR update_time AS update_time - INTERVAL '10' SECOND,
  PRIMARY KEY (currency) NOT ENFORCED)
WITH ('connector' = 'filesystem', 'path' = 'data/tj_rates_csv', 'format' = 'csv');

CREATE TABLE inner_out (order_id INT, currency STRING, amount INT, rate DECIMAL(10, 2), update_time TIMESTAMP(3))
WITH ('connector' = 'print', 'print-identifier' = 'inner');

INSERT INTO inner_out
SELECT o.order_id, o.currency, o.amount, r.rate, r.update_time
FROM orders AS o
JOIN rates FOR SYSTEM_TIME AS OF o.order_time AS r
ON o.currency = r.currency;

CREATE TABLE left_out (order_id INT, currency STRING, rate DECIMAL(10, 2), update_time TIMESTAMP(3))
WITH ('connector' = 'print', 'print-identifier' = 'left');

INSERT INTO left_out
SELECT o.order_id, o.currency, r.rate, r.update_time
FROM orders o LEFT JOIN rates FOR SYSTEM_TIME AS OF o.order_time r ON r.currency = o.currency;

-- a versioned view: the latest rate per currency of a history without a key (the
-- deduplication drops EUR 10:00:25, older than the 10:00:30 it already has)
CREATE TABLE rates_history (currency STRING, rate DECIMAL(10, 2), update_time TIMESTAMP(3),
  WATERMARK FOR update_time AS update_time - INTERVAL '10' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/tj_rates_csv', 'format' = 'csv');

CREATE VIEW versioned_rates AS
SELECT currency, rate, update_time FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY currency ORDER BY update_time DESC) AS rownum
  FROM rates_history)
WHERE rownum = 1;

CREATE TABLE view_out (order_id INT, currency STRING, rate DECIMAL(10, 2), update_time TIMESTAMP(3))
WITH ('connector' = 'print', 'print-identifier' = 'view');

INSERT INTO view_out
SELECT o.order_id, o.currency, v.rate, v.update_time
FROM orders AS o
LEFT JOIN versioned_rates FOR SYSTEM_TIME AS OF o.order_time AS v
ON o.currency = v.currency;

-- a condition besides the key: orders it rejects are padded (LEFT)
CREATE TABLE cond_out (order_id INT, amount INT, rate DECIMAL(10, 2))
WITH ('connector' = 'print', 'print-identifier' = 'cond');

INSERT INTO cond_out
SELECT o.order_id, o.amount, r.rate
FROM orders AS o
LEFT JOIN rates FOR SYSTEM_TIME AS OF o.order_time AS r
ON o.currency = r.currency AND o.amount * r.rate > 30;

-- the join keeps order_time as its rowtime: a window over its result
CREATE VIEW priced AS
SELECT o.order_id, o.amount, o.order_time, r.rate
FROM orders AS o
JOIN rates FOR SYSTEM_TIME AS OF o.order_time AS r
ON o.currency = r.currency;

CREATE TABLE per_minute (window_start TIMESTAMP(3), window_end TIMESTAMP(3), orders BIGINT, amount INT)
WITH ('connector' = 'print', 'print-identifier' = 'window');

INSERT INTO per_minute
SELECT window_start, window_end, COUNT(*), SUM(amount)
FROM TABLE(TUMBLE(TABLE priced, DESCRIPTOR(order_time), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end;

EXPLAIN SELECT o.order_id, r.rate
FROM orders AS o
JOIN rates FOR SYSTEM_TIME AS OF o.order_time AS r
ON o.currency = r.currency;

-- the equality must include the versioned table's primary key (the script stops here)
SELECT o.order_id, r.rate
FROM orders AS o
JOIN rates FOR SYSTEM_TIME AS OF o.order_time AS r
ON o.order_time = r.update_time;
