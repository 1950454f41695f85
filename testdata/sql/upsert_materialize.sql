-- Upsert keys and the SinkMaterializer (table.exec.sink.upsert-materialize):
-- a sink with a PRIMARY KEY fed by a changelog whose upsert key is not the
-- sink's key gets a SinkMaterializer keyed by the sink's key, which keeps
-- the rows alive per key and writes the latest one.
SET 'table.dml-sync' = 'true';

CREATE TABLE orders (id INT, customer STRING, amount DECIMAL(10, 2), ts TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = 'data/orders_csv', 'format' = 'csv');

CREATE TABLE customers (name STRING, city STRING, tier STRING)
WITH ('connector' = 'filesystem', 'path' = 'data/customers_csv', 'format' = 'csv');

-- the level of a customer changes with its orders (alice: basic at 12.50,
-- gold at 19.50): the outer GROUP BY customer, level retracts the old
-- group and inserts the new one, from two different groups (and subtasks),
-- while the sink is keyed on customer alone
CREATE VIEW spend AS
SELECT customer, CASE WHEN SUM(amount) >= 15 THEN 'gold' ELSE 'basic' END AS level, SUM(amount) AS total
FROM orders GROUP BY customer;

CREATE TABLE customer_level (customer STRING NOT NULL, level STRING, total DECIMAL(38, 2), PRIMARY KEY (customer) NOT ENFORCED)
WITH ('connector' = 'print', 'print-identifier' = 'level');

EXPLAIN INSERT INTO customer_level SELECT customer, level, SUM(total) FROM spend GROUP BY customer, level;

INSERT INTO customer_level SELECT customer, level, SUM(total) FROM spend GROUP BY customer, level;

-- a join feeding a sink keyed on another column: the join's output has no
-- upsert key (customers declares none), so the sink keyed on city gets one
CREATE TABLE city_customer (city STRING NOT NULL, customer STRING, total DECIMAL(38, 2), PRIMARY KEY (city) NOT ENFORCED)
WITH ('connector' = 'print', 'print-identifier' = 'city');

EXPLAIN INSERT INTO city_customer
SELECT c.city, s.customer, s.total
FROM (SELECT customer, SUM(amount) AS total FROM orders GROUP BY customer) s JOIN customers c ON s.customer = c.name;

INSERT INTO city_customer
SELECT c.city, s.customer, s.total
FROM (SELECT customer, SUM(amount) AS total FROM orders GROUP BY customer) s JOIN customers c ON s.customer = c.name;

-- with a primary key on customers both join inputs are keyed on the join
-- key, the join keeps the customer key, and a sink keyed on it needs none
CREATE TABLE customers_pk (name STRING NOT NULL, city STRING, tier STRING, PRIMARY KEY (name) NOT ENFORCED)
WITH ('connector' = 'filesystem', 'path' = 'data/customers_csv', 'format' = 'csv');

CREATE TABLE customer_city (customer STRING NOT NULL, city STRING, total DECIMAL(38, 2), PRIMARY KEY (customer) NOT ENFORCED)
WITH ('connector' = 'print', 'print-identifier' = 'keyed');

EXPLAIN INSERT INTO customer_city
SELECT s.customer, c.city, s.total
FROM (SELECT customer, SUM(amount) AS total FROM orders GROUP BY customer) s JOIN customers_pk c ON s.customer = c.name;

INSERT INTO customer_city
SELECT s.customer, c.city, s.total
FROM (SELECT customer, SUM(amount) AS total FROM orders GROUP BY customer) s JOIN customers_pk c ON s.customer = c.name;

-- the three values: NONE never adds it (the changes of one sink key then
-- reach the sink over several paths), FORCE always does, AUTO (the
-- default) when the keys differ
SET 'table.exec.sink.upsert-materialize' = 'NONE';

CREATE TABLE level_none (customer STRING NOT NULL, level STRING, total DECIMAL(38, 2), PRIMARY KEY (customer) NOT ENFORCED)
WITH ('connector' = 'print', 'print-identifier' = 'none');

EXPLAIN INSERT INTO level_none SELECT customer, level, SUM(total) FROM spend GROUP BY customer, level;

INSERT INTO level_none SELECT customer, level, SUM(total) FROM spend GROUP BY customer, level;

SET 'table.exec.sink.upsert-materialize' = 'FORCE';

CREATE TABLE totals_forced (customer STRING NOT NULL, total DECIMAL(38, 2), PRIMARY KEY (customer) NOT ENFORCED)
WITH ('connector' = 'print', 'print-identifier' = 'force');

EXPLAIN INSERT INTO totals_forced SELECT customer, SUM(amount) FROM orders GROUP BY customer;

INSERT INTO totals_forced SELECT customer, SUM(amount) FROM orders GROUP BY customer;

-- FORCE leaves insert-only input alone
EXPLAIN INSERT INTO totals_forced SELECT customer, amount FROM orders WHERE id = 4;

SET 'table.exec.sink.upsert-materialize' = 'AUTO';

EXPLAIN INSERT INTO totals_forced SELECT customer, SUM(amount) FROM orders GROUP BY customer;

-- an updating query into a sink that takes only insertions fails at plan
-- time, saying what to do
CREATE TABLE level_jdbc (customer STRING, level STRING, total DECIMAL(38, 2))
WITH ('connector' = 'jdbc', 'url' = 'jdbc:mysql://localhost:3306/shop', 'table-name' = 'levels');

INSERT INTO level_jdbc SELECT customer, level, total FROM spend;

SELECT 'never reached';
