-- Mini-batch aggregation (table.exec.mini-batch.*) and two-phase aggregation
-- (table.optimizer.agg-phase-strategy): the same results as aggregating row by row, in fewer changes.
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

CREATE TABLE stats_row (customer STRING, n BIGINT, total DECIMAL(38, 2), avg_amount DECIMAL(38, 6), avg_id INT, smallest DECIMAL(10, 2), biggest DECIMAL(10, 2))
WITH ('connector' = 'print', 'print-identifier' = 'per-row');
CREATE TABLE stats_two (customer STRING, n BIGINT, total DECIMAL(38, 2), avg_amount DECIMAL(38, 6), avg_id INT, smallest DECIMAL(10, 2), biggest DECIMAL(10, 2))
WITH ('connector' = 'print', 'print-identifier' = 'two-phase');
CREATE TABLE stats_one (customer STRING, n BIGINT, total DECIMAL(38, 2), avg_amount DECIMAL(38, 6), avg_id INT, smallest DECIMAL(10, 2), biggest DECIMAL(10, 2))
WITH ('connector' = 'print', 'print-identifier' = 'one-phase');

-- Without mini-batch (the default) every row updates its group: a change per row.
INSERT INTO stats_row
SELECT customer, COUNT(*), SUM(amount), AVG(amount), AVG(id), MIN(amount), MAX(amount) FROM orders GROUP BY customer;

SELECT customer, COUNT(*) AS n, AVG(id) AS avg_id, MAX(amount) AS biggest FROM orders GROUP BY customer;

-- With mini-batch the rows wait in a bundle (here until the input ends: 1000 rows or an hour) and
-- each group changes once per bundle. In AUTO (the default strategy) the aggregation is split: a
-- LocalGroupAggregate folds each bundle before the exchange, the GlobalGroupAggregate merges the
-- partials (AVG as sum and count, so AVG(id) over INT still divides as integers: bob (2 + 5) / 2 = 3).
SET 'table.exec.mini-batch.enabled' = 'true';
SET 'table.exec.mini-batch.allow-latency' = '1 h';
SET 'table.exec.mini-batch.size' = '1000';

EXPLAIN INSERT INTO stats_two
SELECT customer, COUNT(*), SUM(amount), AVG(amount), AVG(id), MIN(amount), MAX(amount) FROM orders GROUP BY customer;

INSERT INTO stats_two
SELECT customer, COUNT(*), SUM(amount), AVG(amount), AVG(id), MIN(amount), MAX(amount) FROM orders GROUP BY customer;

SELECT customer, COUNT(*) AS n, AVG(id) AS avg_id, MAX(amount) AS biggest FROM orders GROUP BY customer;

-- a global aggregation (no keys), COUNT of a column, AVG over DOUBLE, MIN/MAX of strings and timestamps
SELECT COUNT(*) AS n, COUNT(customer) AS named, SUM(id) AS ids, AVG(CAST(amount AS DOUBLE)) AS avg_amount,
  MIN(customer) AS first_name, MAX(customer) AS last_name, MIN(ts) AS first_ts, MAX(ts) AS last_ts
FROM orders;

-- DISTINCT calls and updating inputs stay in one phase
EXPLAIN SELECT customer, COUNT(DISTINCT id) FROM orders GROUP BY customer;
EXPLAIN SELECT n, COUNT(*) AS customers FROM (SELECT customer, COUNT(*) AS n FROM orders GROUP BY customer) GROUP BY n;

-- ONE_PHASE keeps a single GroupAggregate, mini-batched
SET 'table.optimizer.agg-phase-strategy' = 'ONE_PHASE';

EXPLAIN INSERT INTO stats_one
SELECT customer, COUNT(*), SUM(amount), AVG(amount), AVG(id), MIN(amount), MAX(amount) FROM orders GROUP BY customer;

INSERT INTO stats_one
SELECT customer, COUNT(*), SUM(amount), AVG(amount), AVG(id), MIN(amount), MAX(amount) FROM orders GROUP BY customer;

SELECT customer, COUNT(*) AS n, AVG(id) AS avg_id, MAX(amount) AS biggest FROM orders GROUP BY customer;

-- TWO_PHASE splits without mini-batch too: the local phase folds each input batch
RESET 'table.exec.mini-batch.enabled';
SET 'table.optimizer.agg-phase-strategy' = 'TWO_PHASE';
EXPLAIN SELECT COUNT(*) AS n, MAX(amount) AS biggest FROM orders;
SELECT COUNT(*) AS n, MAX(amount) AS biggest FROM orders;

SET 'table.optimizer.agg-phase-strategy' = 'THREE_PHASE';
SELECT COUNT(*) FROM orders;
