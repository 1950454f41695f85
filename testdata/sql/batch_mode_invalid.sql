-- an unknown execution.runtime-mode fails when a query runs
CREATE TABLE orders (id INT, customer STRING, amount DECIMAL(10, 2), ts TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = 'data/orders_csv', 'format' = 'csv');
SET 'execution.runtime-mode' = 'streaming';
SET 'execution.runtime-mode' = 'bogus';
SELECT id FROM orders;
