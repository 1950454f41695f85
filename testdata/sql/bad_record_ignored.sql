-- csv.ignore-parse-errors skips malformed records.
SET 'table.dml-sync' = 'true';
CREATE TABLE orders (id INT, customer STRING, amount DECIMAL(10, 2), ts TIMESTAMP(3)) WITH (
  'connector' = 'filesystem', 'path' = 'data/bad_csv', 'format' = 'csv', 'csv.ignore-parse-errors' = 'true');
CREATE TABLE p (id INT, customer STRING) WITH ('connector' = 'print');
INSERT INTO p SELECT id, customer FROM orders;
