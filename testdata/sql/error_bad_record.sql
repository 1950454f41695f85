-- A malformed record fails the job with file, line and offset.
SET 'table.dml-sync' = 'true';
CREATE TABLE orders (id INT, customer STRING, amount DECIMAL(10, 2), ts TIMESTAMP(3)) WITH (
  'connector' = 'filesystem', 'path' = 'data/bad_csv', 'format' = 'csv');
CREATE TABLE p (id INT) WITH ('connector' = 'print');
INSERT INTO p SELECT id FROM orders WHERE amount > 0;
