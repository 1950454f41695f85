-- Streaming ORDER BY on a time attribute ascending (Flink's temporal sort): rows wait until the
-- watermark passes their time, then leave in time order, the rows of one time ordered by the
-- other keys; it runs in one task. The data is out of order only within the watermark's delay.
SET 'table.dml-sync' = 'true';

CREATE TABLE rates (currency STRING, rate DECIMAL(10, 2), update_time TIMESTAMP(3),
  WATERMARK FOR update_time AS update_time - INTERVAL '15' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/tj_rates_csv', 'format' = 'csv');

-- two rates at 10:00:00 (EUR, USD in the file): currency DESC puts USD first
SELECT currency, rate, update_time FROM rates ORDER BY update_time, currency DESC;

CREATE TABLE bids (id INT, item STRING, price INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '3' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bids_csv', 'format' = 'csv');

-- a column the SELECT list does not show may order the rows, and the time attribute may be renamed
SELECT id, price, ts AS t FROM bids WHERE id <= 14 ORDER BY t, item;

CREATE TABLE sorted_bids (id INT, item STRING, price INT, ts TIMESTAMP(3)) WITH ('connector' = 'print', 'print-identifier' = 'sorted');
INSERT INTO sorted_bids SELECT id, item, price, ts FROM bids ORDER BY ts, price DESC;

EXPLAIN SELECT id, item FROM bids ORDER BY ts, price DESC NULLS FIRST;

-- only ascending time comes first (the script stops here)
SELECT id FROM bids ORDER BY ts DESC;
