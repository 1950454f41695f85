-- batch mode (execution.runtime-mode): final results of bounded queries
SET 'table.dml-sync' = 'true';

CREATE TABLE orders (id INT, customer STRING, amount DECIMAL(10, 2), ts TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = 'data/orders_csv', 'format' = 'csv');

CREATE TABLE customers (name STRING, city STRING, tier STRING)
WITH ('connector' = 'filesystem', 'path' = 'data/customers_csv', 'format' = 'csv');

SET 'execution.runtime-mode' = 'batch';

-- an aggregation gives its final rows only
SELECT customer, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY customer;

-- ORDER BY any column, ASC and DESC, and LIMIT
SELECT id, customer, amount FROM orders ORDER BY amount DESC;
SELECT id, customer FROM orders ORDER BY customer, id DESC LIMIT 4;
SELECT customer, SUM(amount) AS total FROM orders GROUP BY customer ORDER BY total DESC LIMIT 2;
SELECT id FROM orders ORDER BY 1 LIMIT 2 OFFSET 3;
SELECT id, amount FROM orders LIMIT 0;

-- joins emit their final rows once (an outer join without retractions)
SELECT o.id, o.customer, c.city FROM orders AS o LEFT JOIN customers AS c ON o.customer = c.name ORDER BY o.id;
SELECT c.name, COUNT(o.id) AS n FROM customers AS c LEFT JOIN orders AS o ON o.customer = c.name GROUP BY c.name ORDER BY c.name;

-- Top-N leaves its final ranking only
SELECT customer, id, amount FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY customer ORDER BY amount DESC) AS rn FROM orders
) WHERE rn = 1 ORDER BY customer;

-- INSERT of an aggregation into an append-only sink: final rows only
CREATE TABLE totals (customer STRING, n BIGINT, total DECIMAL(38, 2))
WITH ('connector' = 'print', 'print-identifier' = 'totals');
INSERT INTO totals SELECT customer, COUNT(*), SUM(amount) FROM orders GROUP BY customer;

CREATE TABLE totals_fs (customer STRING, n BIGINT, total DECIMAL(38, 2))
WITH ('connector' = 'filesystem', 'path' = 'out/totals', 'format' = 'csv');
INSERT INTO totals_fs SELECT customer, COUNT(*), SUM(amount) FROM orders GROUP BY customer;
SELECT * FROM totals_fs ORDER BY customer;

-- INSERT OVERWRITE replaces the table's files
INSERT OVERWRITE totals_fs SELECT customer, COUNT(*), SUM(amount) FROM orders WHERE amount > 5 GROUP BY customer;
SELECT * FROM totals_fs ORDER BY total DESC;
INSERT INTO totals_fs VALUES ('zed', 0, 0.00);
SELECT * FROM totals_fs ORDER BY customer DESC LIMIT 2;

-- an unbounded source cannot be queried in batch mode
CREATE TABLE gen (x INT) WITH ('connector' = 'datagen');
SELECT x FROM gen;
