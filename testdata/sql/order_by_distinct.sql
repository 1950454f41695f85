-- SELECT DISTINCT orders only by what it selects
SET 'execution.runtime-mode' = 'batch';
CREATE TABLE orders (id INT, customer STRING, amount DECIMAL(10, 2), ts TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = 'data/orders_csv', 'format' = 'csv');
SELECT DISTINCT customer FROM orders ORDER BY customer DESC NULLS LAST;
SELECT DISTINCT customer FROM orders ORDER BY id;
