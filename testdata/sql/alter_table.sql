-- ALTER TABLE: rename, options (SET / RESET), columns (ADD / MODIFY / DROP /
-- RENAME), primary key, watermark; ALTER VIEW; comments in DESCRIBE and
-- SHOW CREATE TABLE; temporary objects hiding permanent ones.
ALTER TABLE IF EXISTS non_exist RENAME TO non_exist2;

CREATE TABLE orders (
  `user` BIGINT NOT NULL,
  product VARCHAR(32),
  amount INT,
  ts TIMESTAMP(3),
  ptime AS PROCTIME(),
  PRIMARY KEY (`user`) NOT ENFORCED,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (
  'connector' = 'datagen'
);

ALTER TABLE orders RENAME TO orders2;
SHOW TABLES;
ALTER TABLE orders2 SET ('connector' = 'kafka', 'scan.startup.mode' = 'earliest-offset');
SHOW CREATE TABLE orders2;
ALTER TABLE orders2 SET ('connector' = 'datagen');
ALTER TABLE orders2 RESET ('scan.startup.mode');
SHOW CREATE TABLE orders2;

ALTER TABLE orders2 RENAME amount TO amount1;
ALTER TABLE orders2 ADD product_id BIGINT NOT NULL AFTER `user`;
ALTER TABLE orders2 ADD (user_email STRING NOT NULL COMMENT 'contact' AFTER `user`, cleaned_product AS coalesce(product, 'missing_sku') AFTER product, trade_order_id BIGINT NOT NULL FIRST);
SHOW CREATE TABLE orders2;
DESCRIBE orders2;

ALTER TABLE orders2 MODIFY CONSTRAINT order_constraint PRIMARY KEY (trade_order_id) NOT ENFORCED;
ALTER TABLE orders2 MODIFY (WATERMARK FOR ts AS ts - interval '1' minute, ts TIMESTAMP(3) NOT NULL AFTER trade_order_id, `user` STRING);
SHOW CREATE TABLE orders2;

ALTER TABLE orders2 DROP (amount1, product, cleaned_product);
ALTER TABLE orders2 DROP PRIMARY KEY;
ALTER TABLE orders2 DROP WATERMARK;
SHOW CREATE TABLE orders2;
ALTER TABLE orders2 ADD (PRIMARY KEY (product_id) NOT ENFORCED, WATERMARK FOR ts AS ts);
ALTER TABLE orders2 DROP CONSTRAINT PK_product_id;
ALTER TABLE orders2 DROP user_email;
DESC orders2;

-- metadata columns and a table comment
CREATE TABLE events (
  id BIGINT COMMENT 'the id',
  payload STRING,
  ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  part INT METADATA VIRTUAL,
  total AS CAST(id AS INT) * 2 + 1 COMMENT 'computed'
) COMMENT 'raw events' WITH ('connector' = 'datagen', 'number-of-rows' = '1');
SHOW CREATE TABLE events;
DESCRIBE events;

-- views
CREATE VIEW v1 AS SELECT trade_order_id, ts FROM orders2;
ALTER VIEW v1 RENAME TO v2;
ALTER VIEW v2 AS SELECT product_id FROM orders2;
SHOW CREATE VIEW v2;
DESCRIBE v2;

-- a temporary view hides the permanent one of the same name
CREATE TEMPORARY VIEW v2 AS SELECT trade_order_id FROM orders2;
SHOW CREATE VIEW v2;
DESCRIBE v2;
DROP TEMPORARY VIEW v2;
DESCRIBE v2;
CREATE TEMPORARY TABLE orders2 (x INT) WITH ('connector' = 'datagen');
SHOW CREATE TABLE orders2;
DROP TEMPORARY TABLE orders2;
DROP VIEW v2;
SHOW TABLES;

-- the script ends with Flink's error for dropping a column the watermark uses
ALTER TABLE orders2 DROP ts;
