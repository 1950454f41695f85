-- ORDER BY expressions, NULLS FIRST / LAST, OFFSET and FETCH (batch), and
-- what streaming mode takes of them (a Top-N with a fetch)
SET 'sql-client.execution.result-mode' = 'tableau';

CREATE TABLE orders (id INT, customer STRING, amount DECIMAL(10, 2), ts TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = 'data/orders_csv', 'format' = 'csv');

CREATE VIEW scores AS SELECT * FROM (VALUES (1, 'ann', 30), (2, 'bo', CAST(NULL AS INT)), (3, CAST(NULL AS STRING), 10), (4, 'cy', 20)) AS t(id, name, score);

SET 'execution.runtime-mode' = 'batch';

-- Flink's default null order: first ascending, last descending
SELECT id, score FROM scores ORDER BY score;
SELECT id, score FROM scores ORDER BY score DESC;
SELECT id, score FROM scores ORDER BY score DESC NULLS FIRST;
SELECT id, score FROM scores ORDER BY score ASC NULLS LAST;
SELECT id, name FROM scores ORDER BY name NULLS LAST, id DESC;

-- expressions, over the SELECT list or its input (computed and dropped)
SELECT id, customer FROM orders ORDER BY amount DESC;
SELECT id, amount FROM orders ORDER BY id % 3, amount * -1;
SELECT customer AS c FROM orders ORDER BY UPPER(c) DESC, id;
SELECT customer, COUNT(*) AS n FROM orders GROUP BY customer ORDER BY SUM(amount);

-- a UNION orders by its output columns
SELECT id, name FROM scores WHERE id < 3 UNION ALL SELECT id, customer FROM orders WHERE id > 4 ORDER BY name DESC, 1 FETCH FIRST 3 ROWS ONLY;

-- OFFSET and FETCH
SELECT id FROM orders ORDER BY id FETCH FIRST 2 ROWS ONLY;
SELECT id FROM orders ORDER BY id OFFSET 2 ROWS FETCH NEXT 3 ROWS ONLY;
SELECT id FROM orders ORDER BY id DESC OFFSET 4 ROWS;
SELECT id FROM orders ORDER BY id LIMIT 2 OFFSET 1;
SELECT id FROM orders ORDER BY id LIMIT 10 FETCH FIRST 1 ROW ONLY;

SET 'execution.runtime-mode' = 'streaming';

-- a fetch makes it a Top-N over the whole input
SELECT id, amount FROM orders ORDER BY amount DESC FETCH FIRST 2 ROWS ONLY;
SELECT id, customer FROM orders ORDER BY customer DESC NULLS LAST, id LIMIT 3 OFFSET 1;
SELECT id FROM orders LIMIT 2;

-- an ORDER BY without a fetch in a subquery is dropped (as Calcite does)
SELECT id FROM (SELECT id, amount FROM orders WHERE amount > 10 ORDER BY amount);

-- without one: Flink's error (a -f script stops at it)
SELECT id FROM orders ORDER BY amount;
