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
CREATE TEMPORARY VIEW IF NOT EXISTS big_orders AS SELECT 1;
SHOW TABLES;
DESCRIBE big_orders;
SHOW VIEWS;
DROP VIEW big_orders;
DROP TABLE IF EXISTS nothing_here;
DROP TABLE orders;
SHOW TABLES;
