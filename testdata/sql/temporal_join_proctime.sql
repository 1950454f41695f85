-- FOR SYSTEM_TIME AS OF a processing-time attribute is a lookup join: a versioned table read
-- by a connector without lookups needs the left rowtime instead (the script stops there)
SET 'table.dml-sync' = 'true';

CREATE TABLE orders (order_id INT, currency STRING, amount INT, order_time TIMESTAMP(3),
  proc_time AS PROCTIME(),
  WATERMARK FOR order_time AS order_time - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/tj_orders_csv', 'format' = 'csv');

CREATE TABLE rates (currency STRING, rate DECIMAL(10, 2), update_time TIMESTAMP(3),
  WATERMARK FOR update_time AS update_time - INTERVAL '10' SECOND,
  PRIMARY KEY (currency) NOT ENFORCED)
WITH ('connector' = 'filesystem', 'path' = 'data/tj_rates_csv', 'format' = 'csv');

CREATE TABLE out_rows (order_id INT, rate DECIMAL(10, 2))
WITH ('connector' = 'print', 'print-identifier' = 'rowtime');

-- by the rowtime it works
INSERT INTO out_rows
SELECT o.order_id, r.rate
FROM orders AS o
JOIN rates FOR SYSTEM_TIME AS OF o.order_time AS r
ON o.currency = r.currency;

INSERT INTO out_rows
SELECT o.order_id, r.rate
FROM orders AS o
JOIN rates FOR SYSTEM_TIME AS OF o.proc_time AS r
ON o.currency = r.currency;
