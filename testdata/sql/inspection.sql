-- Inspection: SHOW TABLES / VIEWS / COLUMNS with [NOT] LIKE, SHOW CATALOGS / DATABASES
-- with [NOT] LIKE | ILIKE and FROM/IN, SHOW [FULL] MODULES, LOAD MODULE.
-- The script ends with Flink's error for loading a module that has no factory.
CREATE TABLE orders (
  order_id BIGINT NOT NULL,
  user_id BIGINT,
  product_name STRING,
  amount INT,
  ts TIMESTAMP(3),
  ptime AS PROCTIME(),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND,
  PRIMARY KEY (order_id) NOT ENFORCED
) WITH ('connector' = 'datagen');
CREATE TABLE order_items (order_id BIGINT, item STRING) WITH ('connector' = 'datagen');
CREATE TABLE users (user_id BIGINT, name STRING) WITH ('connector' = 'datagen');
CREATE VIEW order_totals AS SELECT order_id, amount FROM orders;
CREATE VIEW user_names AS SELECT name FROM users;

-- LIKE is case-sensitive; '%' is any run of characters, '_' exactly one, '\' escapes
SHOW TABLES;
SHOW TABLES LIKE 'order%';
SHOW TABLES NOT LIKE 'order%';
SHOW TABLES LIKE 'ORDER%';
SHOW TABLES LIKE 'user_';
SHOW TABLES LIKE 'order\_%';
SHOW TABLES FROM default_database LIKE '%s';
SHOW TABLES IN default_catalog.default_database NOT LIKE '%s';
SHOW VIEWS;
SHOW VIEWS LIKE '%total%';
SHOW VIEWS IN default_database NOT LIKE '%total%';

-- SHOW COLUMNS is DESCRIBE's table, filtered by column name
SHOW COLUMNS FROM orders;
SHOW COLUMNS FROM orders LIKE '%id';
SHOW COLUMNS IN default_catalog.default_database.orders NOT LIKE '%id';
SHOW COLUMNS FROM order_totals LIKE 'a%';
SHOW COLUMNS FROM orders LIKE 'nothing%';

-- catalogs and databases: LIKE and the case-insensitive ILIKE
CREATE CATALOG c1 WITH ('type' = 'generic_in_memory');
CREATE CATALOG cat2 WITH ('type' = 'generic_in_memory', 'default-database' = 'db0');
CREATE DATABASE c1.sales;
CREATE DATABASE c1.staging;
SHOW CATALOGS LIKE 'c%';
SHOW CATALOGS NOT LIKE 'c_';
SHOW CATALOGS ILIKE 'DEFAULT%';
SHOW CATALOGS NOT ILIKE 'C%';
SHOW DATABASES;
SHOW DATABASES FROM c1;
SHOW DATABASES IN c1 LIKE 's%';
SHOW DATABASES FROM c1 NOT LIKE 's%';
SHOW DATABASES IN cat2 ILIKE 'DB_';
SHOW CURRENT CATALOG;

-- modules: this engine has the core module only
SHOW MODULES;
SHOW FULL MODULES;
LOAD MODULE hive;
