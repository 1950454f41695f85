-- Demo: datagen -> filter / aggregate -> print. Runs on embedded defaults:
--   go run ./cmd/sql-client -f testdata/demo.sql
SET 'parallelism.default' = '2';

CREATE TABLE orders (
  order_id BIGINT,
  amount INT,
  product AS CONCAT('product-', CAST(MOD(order_id, 4) AS STRING))
) WITH (
  'connector' = 'datagen',
  'rows-per-second' = '200',
  'fields.order_id.kind' = 'sequence',
  'fields.order_id.start' = '1',
  'fields.order_id.end' = '200',
  'fields.amount.min' = '1',
  'fields.amount.max' = '100'
);

CREATE TABLE product_stats (
  product STRING,
  orders BIGINT,
  revenue INT
) WITH (
  'connector' = 'print',
  'print-identifier' = 'stats'
);

INSERT INTO product_stats
SELECT product, COUNT(*) AS orders, SUM(amount) AS revenue
FROM orders
WHERE amount > 10
GROUP BY product;
