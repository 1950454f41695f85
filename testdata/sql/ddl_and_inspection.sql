-- DDL, SET/RESET forms, SHOW/DESCRIBE/SHOW CREATE, views
SET execution.checkpointing.interval=1000;
SET 'state.checkpoints.dir' = 'file:///tmp/ckpt';
SET 'execution.checkpointing.externalized-checkpoint-retention' = 'RETAIN_ON_CANCELLATION';
SET;
RESET 'execution.checkpointing.interval';
SET;
RESET;
SET;

CREATE TABLE IF NOT EXISTS orders (
  `user` BIGINT NOT NULL,
  product VARCHAR(32),
  amount INT,
  ts TIMESTAMP(3),
  ptime AS PROCTIME(),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND,
  PRIMARY KEY (`user`) NOT ENFORCED
) WITH (
  'connector' = 'datagen'
);

CREATE TABLE IF NOT EXISTS orders (x INT) WITH ('connector' = 'datagen');

SHOW TABLES;
DESCRIBE orders;
DESC orders;
SHOW CREATE TABLE orders;

CREATE VIEW big_orders AS SELECT `user`, amount FROM orders WHERE amount > 100;
SHOW CREATE VIEW big_orders;
-- SHOW CREATE VIEW prints the query expanded as Flink stores it
CREATE VIEW per_user COMMENT 'totals' AS
  SELECT o.`user`, COUNT(*) AS cnt, SUM(b.amount) total
  FROM orders o LEFT JOIN big_orders b ON o.`user` = b.`user`
  WHERE o.product LIKE 'a%' GROUP BY o.`user` HAVING COUNT(DISTINCT o.product) > 1;
SHOW CREATE VIEW per_user;
CREATE VIEW everything (a, b, c, d, e) AS SELECT * FROM orders;
SHOW CREATE VIEW everything;
DROP VIEW everything;
DROP VIEW per_user;
-- a temporary view may share the name of a permanent one, and hides it
CREATE TEMPORARY VIEW IF NOT EXISTS big_orders AS SELECT 1;
CREATE TEMPORARY VIEW IF NOT EXISTS big_orders AS SELECT 2;
SHOW TABLES;
DESCRIBE big_orders;
SHOW VIEWS;
DROP TEMPORARY VIEW big_orders;
DESCRIBE big_orders;
DROP VIEW big_orders;
DROP TABLE IF EXISTS nothing_here;
DROP TABLE orders;
SHOW TABLES;
