-- group aggregation over a bounded CSV file: changelog into print
SET 'table.dml-sync' = 'true';

CREATE TABLE orders (
  id INT,
  customer STRING,
  amount DECIMAL(10, 2),
  ts TIMESTAMP(3)
) WITH (
  'connector' = 'filesystem',
  'path' = 'data/orders_csv',
  'format' = 'csv'
);

CREATE TABLE customer_totals (
  customer STRING,
  orders BIGINT,
  total DECIMAL(38, 2),
  biggest DECIMAL(10, 2),
  first_ts TIMESTAMP(3)
) WITH ('connector' = 'print', 'print-identifier' = 'totals');

INSERT INTO customer_totals
SELECT customer, COUNT(*), SUM(amount), MAX(amount), MIN(ts)
FROM orders
GROUP BY customer
HAVING SUM(amount) > 1;

CREATE TABLE grand_total (n BIGINT, total DECIMAL(38, 2), avg_amount DECIMAL(38, 6), customers BIGINT)
WITH ('connector' = 'print', 'print-identifier' = 'all');

INSERT INTO grand_total
SELECT COUNT(*), SUM(amount), AVG(amount), COUNT(DISTINCT customer) FROM orders;

-- variance and standard deviation (STDDEV and VARIANCE are the sample forms, as in Flink)
SELECT k, STDDEV_POP(x), STDDEV_SAMP(x), VAR_POP(x), VARIANCE(x), STDDEV(d), VAR_POP(f) FROM (VALUES ('a', 1, 1.50, 1.0), ('a', 2, 2.50, 2.0), ('a', 3, 3.50, 4.0), ('a', 4, 4.00, 8.0), ('b', 5, 1.00, 1.0)) AS t(k, x, d, f) GROUP BY k;

-- GROUPING SETS, ROLLUP and CUBE (one aggregation per set, NULL for the keys outside it)
CREATE TABLE sets_out (customer STRING, big BOOLEAN, n BIGINT, total DECIMAL(38, 2))
WITH ('connector' = 'print', 'print-identifier' = 'sets');
INSERT INTO sets_out
SELECT customer, amount > 10, COUNT(*), SUM(amount) FROM orders
GROUP BY GROUPING SETS ((customer, amount > 10), (amount > 10), ());

CREATE TABLE rollup_out (customer STRING, n BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'rollup');
INSERT INTO rollup_out SELECT customer, COUNT(*) FROM orders GROUP BY ROLLUP (customer);

CREATE TABLE cube_out (customer STRING, big BOOLEAN, n BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'cube');
INSERT INTO cube_out SELECT customer, amount > 10, COUNT(*) FROM orders GROUP BY CUBE (customer, amount > 10);

CREATE TABLE grouping_out (customer STRING, n BIGINT, g BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'grouping');
INSERT INTO grouping_out SELECT customer, COUNT(*), GROUPING(customer) FROM orders GROUP BY ROLLUP (customer);

-- LISTAGG over an append-only input (default separator ',')
CREATE TABLE names_out (customer STRING, ids STRING, amounts STRING) WITH ('connector' = 'print', 'print-identifier' = 'listagg');
INSERT INTO names_out SELECT customer, LISTAGG(CAST(id AS STRING)), LISTAGG(CAST(amount AS STRING), ' + ') FROM orders GROUP BY customer;

-- LISTAGG over an updating input: the versions of each customer's running order count; a second
-- order retracts the first count from the list
CREATE TABLE counts_out (customer STRING, counts STRING) WITH ('connector' = 'print', 'print-identifier' = 'listagg-changelog');
INSERT INTO counts_out SELECT customer, LISTAGG(CAST(n AS STRING), '|') FROM (SELECT customer, COUNT(*) AS n FROM orders GROUP BY customer) GROUP BY customer;

-- GROUPING() under a plain GROUP BY is 0
SELECT customer, COUNT(*) AS n, GROUPING(customer) AS g FROM orders GROUP BY customer;
