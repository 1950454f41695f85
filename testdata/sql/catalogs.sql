-- Catalogs and databases: CREATE/USE/SHOW/DESCRIBE/DROP CATALOG, CREATE/ALTER/USE/DROP DATABASE,
-- one-, two- and three-part names for tables and views, and SHOW TABLES/VIEWS of a database.
-- The script ends with Flink's error for dropping a database that is not empty (RESTRICT).
SET 'table.dml-sync' = 'true';
SHOW CATALOGS;
SHOW CURRENT CATALOG;
SHOW DATABASES;
SHOW CURRENT DATABASE;

CREATE CATALOG c1 WITH ('type' = 'generic_in_memory');
CREATE CATALOG IF NOT EXISTS c1 WITH ('type' = 'generic_in_memory');
CREATE CATALOG c2 COMMENT 'second catalog' WITH ('type' = 'generic_in_memory', 'default-database' = 'db0');
SHOW CATALOGS;
DESCRIBE CATALOG c2;
DESC CATALOG EXTENDED c2;

-- a new generic_in_memory catalog holds its default database, 'default' unless set
USE CATALOG c1;
SHOW CURRENT CATALOG;
SHOW CURRENT DATABASE;
SHOW DATABASES;
CREATE DATABASE shop COMMENT 'the shop' WITH ('owner' = 'sales');
CREATE DATABASE IF NOT EXISTS shop;
CREATE DATABASE c2.staging;
ALTER DATABASE shop SET ('owner' = 'ops', 'region' = 'eu');
SHOW DATABASES;

-- one part: the current database; two parts: a database of the current catalog; three: as written
USE shop;
SHOW CURRENT DATABASE;
CREATE TABLE orders (id INT, customer STRING, amount DECIMAL(10, 2), ts TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = 'data/orders_csv', 'format' = 'csv');
CREATE TABLE `default`.customers (name STRING, city STRING, tier STRING)
WITH ('connector' = 'filesystem', 'path' = 'data/customers_csv', 'format' = 'csv');
CREATE TABLE c2.staging.enriched (id INT, customer STRING, city STRING)
WITH ('connector' = 'print', 'print-identifier' = 'enriched');
CREATE VIEW big_orders AS SELECT id, customer FROM orders WHERE amount > 5;
SHOW TABLES;
SHOW VIEWS;
SHOW TABLES FROM `default`;
SHOW TABLES IN c2.staging;
DESCRIBE c1.shop.big_orders;
SHOW CREATE TABLE c2.staging.enriched;

INSERT INTO c2.staging.enriched
SELECT o.id, o.customer, c.city FROM big_orders AS o JOIN `default`.customers AS c ON o.customer = c.name;

-- a view keeps resolving its names in the database it was created in
USE c2.staging;
SHOW CURRENT CATALOG;
SHOW CURRENT DATABASE;
CREATE TABLE by_city (city STRING, n BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'by_city');
INSERT INTO by_city SELECT c.city, COUNT(*) FROM c1.shop.big_orders AS o, c1.`default`.customers AS c
WHERE o.customer = c.name GROUP BY c.city;

USE CATALOG default_catalog;
SHOW CURRENT DATABASE;
SHOW TABLES;
-- ALTER and SHOW CREATE of an object in another catalog, and a view's query
-- expanded with the catalog and database it was created in
ALTER TABLE c2.staging.by_city ADD note STRING COMMENT 'free text' FIRST;
ALTER TABLE c2.staging.by_city RENAME TO by_city2;
SHOW CREATE TABLE c2.staging.by_city2;
SHOW CREATE VIEW c1.shop.big_orders;
ALTER TABLE c2.staging.by_city2 RENAME TO by_city;
DROP TABLE c2.staging.by_city;
DROP VIEW IF EXISTS c1.shop.big_orders;
SHOW TABLES IN c1.shop;
DROP DATABASE IF EXISTS c1.nothing;
DROP DATABASE c1.shop CASCADE;
DROP CATALOG IF EXISTS c9;
DROP CATALOG c1;
SHOW CATALOGS;
DROP DATABASE c2.staging RESTRICT;
