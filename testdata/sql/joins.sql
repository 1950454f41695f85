-- regular joins over bounded CSV files: inner, outer, comma joins with
-- WHERE, joins of changelogs
SET 'table.dml-sync' = 'true';

CREATE TABLE orders (id INT, customer STRING, amount DECIMAL(10, 2), ts TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = 'data/orders_csv', 'format' = 'csv');

CREATE TABLE customers (name STRING, city STRING, tier STRING)
WITH ('connector' = 'filesystem', 'path' = 'data/customers_csv', 'format' = 'csv');

CREATE TABLE enriched (id INT, customer STRING, city STRING, amount DECIMAL(10, 2))
WITH ('connector' = 'print', 'print-identifier' = 'inner');

INSERT INTO enriched
SELECT o.id, o.customer, c.city, o.amount
FROM orders AS o JOIN customers AS c ON o.customer = c.name
WHERE c.tier = 'gold' AND o.amount > 5;

CREATE TABLE all_orders (id INT, customer STRING, city STRING)
WITH ('connector' = 'print', 'print-identifier' = 'left');

INSERT INTO all_orders
SELECT o.id, o.customer, c.city FROM orders o LEFT JOIN customers c ON o.customer = c.name;

CREATE TABLE everyone (customer STRING, name STRING, city STRING)
WITH ('connector' = 'print', 'print-identifier' = 'full');

INSERT INTO everyone
SELECT o.customer, c.name, c.city FROM orders o FULL OUTER JOIN customers c ON o.customer = c.name AND o.amount > 5;

-- a comma join with the condition in WHERE, over an aggregate (a changelog)
CREATE TABLE city_totals (city STRING, total DECIMAL(38, 2), orders BIGINT)
WITH ('connector' = 'print', 'print-identifier' = 'totals');

INSERT INTO city_totals
SELECT c.city, SUM(t.total), SUM(t.n)
FROM (SELECT customer, SUM(amount) AS total, COUNT(*) AS n FROM orders GROUP BY customer) t, customers c
WHERE t.customer = c.name
GROUP BY c.city;

-- semi and anti joins: IN and NOT IN with a subquery
CREATE TABLE gold_orders (id INT, customer STRING) WITH ('connector' = 'print', 'print-identifier' = 'gold');
INSERT INTO gold_orders
SELECT id, customer FROM orders WHERE customer IN (SELECT name FROM customers WHERE tier = 'gold') AND id > 1;

CREATE TABLE unknown_customers (id INT, customer STRING) WITH ('connector' = 'print', 'print-identifier' = 'unknown');
INSERT INTO unknown_customers
SELECT id, customer FROM orders WHERE customer NOT IN (SELECT name FROM customers);

-- correlated EXISTS / NOT EXISTS
CREATE TABLE big_spenders (name STRING) WITH ('connector' = 'print', 'print-identifier' = 'exists');
INSERT INTO big_spenders
SELECT c.name FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer = c.name AND o.amount > 10);

CREATE TABLE idle_customers (name STRING, city STRING) WITH ('connector' = 'print', 'print-identifier' = 'not-exists');
INSERT INTO idle_customers
SELECT c.name, c.city FROM customers c WHERE NOT EXISTS (SELECT * FROM orders o WHERE c.name = o.customer);

-- an interval join: bids followed by a bid on the same item within 3 seconds (state dropped as
-- the watermark passes)
CREATE TABLE bids (id INT, item STRING, price INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bids_csv', 'format' = 'csv');
CREATE TABLE followed (first_id INT, next_id INT) WITH ('connector' = 'print', 'print-identifier' = 'interval');
INSERT INTO followed
SELECT a.id, b.id FROM bids a JOIN bids b ON a.item = b.item
WHERE b.ts > a.ts AND b.ts <= a.ts + INTERVAL '3' SECOND;

-- keys of different types (INT = BIGINT) join on their common type
CREATE TABLE widened (id INT, price INT) WITH ('connector' = 'print', 'print-identifier' = 'widened');
INSERT INTO widened
SELECT o.id, b.price FROM orders o JOIN (SELECT CAST(id AS BIGINT) AS bid, price FROM bids) b ON o.id = b.bid;

EXPLAIN SELECT a.id, b.id FROM bids a, bids b
WHERE a.item = b.item AND a.ts BETWEEN b.ts - INTERVAL '3' SECOND AND b.ts;

-- per-operator state TTL with the STATE_TTL hint
EXPLAIN SELECT /*+ STATE_TTL('o' = '1d', 'c' = '12 h') */ o.id, c.city FROM orders o JOIN customers c ON o.customer = c.name;
EXPLAIN SELECT /*+ STATE_TTL('orders' = '30 min') */ customer, COUNT(*) FROM orders GROUP BY customer;

EXPLAIN SELECT o.id, c.city FROM orders o, customers c WHERE o.customer = c.name AND c.tier = 'gold' AND o.amount > CHAR_LENGTH(c.city);

-- NOT IN is null-aware, as in Flink: a NULL in the subquery lets no row pass, a NULL on the left
-- passes only when the subquery is empty
CREATE TABLE not_in_out (test STRING, x INT) WITH ('connector' = 'print', 'print-identifier' = 'not-in');
INSERT INTO not_in_out
SELECT 'null left', x FROM (VALUES (1), (2), (CAST(NULL AS INT))) AS t(x)
WHERE x NOT IN (SELECT y FROM (VALUES (2), (3)) AS s(y));
INSERT INTO not_in_out
SELECT 'null right', x FROM (VALUES (1), (2)) AS t(x)
WHERE x NOT IN (SELECT y FROM (VALUES (2), (CAST(NULL AS INT))) AS s(y));
INSERT INTO not_in_out
SELECT 'empty right', x FROM (VALUES (1), (CAST(NULL AS INT))) AS t(x)
WHERE x NOT IN (SELECT y FROM (VALUES (5)) AS s(y) WHERE y > 10);
EXPLAIN SELECT id FROM orders WHERE customer NOT IN (SELECT name FROM customers);

-- a join without an equality between both sides fails (the script stops here)
SELECT * FROM orders o, customers c WHERE o.amount > 1;
