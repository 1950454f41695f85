-- EXPLAIN with Flink's detail options, each printed in Flink's one-cell
-- result table. CHANGELOG_MODE: the changes every node of the optimized plan
-- emits; PLAN_ADVICE: the two-phase aggregation advice (or none);
-- JSON_EXECUTION_PLAN: the job graph as Flink's StreamGraph JSON.
CREATE TABLE orders (
  `user` BIGINT NOT NULL,
  product VARCHAR(32),
  amount INT,
  ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'datagen', 'number-of-rows' = '5');
CREATE TABLE totals (product VARCHAR(32), revenue BIGINT) WITH ('connector' = 'print');

EXPLAIN PLAN FOR SELECT `user`, product FROM orders WHERE amount > 10;
EXPLAIN CHANGELOG_MODE SELECT `user`, product FROM orders;
explain changelog_mode insert into totals select product, sum(amount) from orders group by product;
EXPLAIN PLAN_ADVICE SELECT SUM(amount) AS revenue, COUNT(`user`) AS buyer_cnt FROM orders;
EXPLAIN PLAN_ADVICE SELECT `user`, product FROM orders;
EXPLAIN JSON_EXECUTION_PLAN SELECT `user`, product FROM orders;
EXPLAIN CHANGELOG_MODE, JSON_EXECUTION_PLAN INSERT INTO totals SELECT product, SUM(amount) FROM orders GROUP BY product;
SET 'table.exec.mini-batch.enabled' = 'true';
SET 'table.exec.mini-batch.allow-latency' = '1 s';
SET 'table.exec.mini-batch.size' = '100';
EXPLAIN PLAN_ADVICE, JSON_EXECUTION_PLAN INSERT INTO totals SELECT product, SUM(amount) FROM orders GROUP BY product;
EXPLAIN CHANGELOG_MODE, CHANGELOG_MODE SELECT `user` FROM orders;
