-- filesystem sink (csv, json) written by one job, read back by the next.
SET 'table.dml-sync' = 'true';

CREATE TABLE orders_json (
  id INT,
  customer STRING,
  amount DOUBLE,
  tags ARRAY<STRING>,
  address ROW<city STRING, zip STRING>
) WITH (
  'connector' = 'filesystem',
  'path' = 'data/orders_json',
  'format' = 'json'
);

CREATE TABLE out_csv (id INT, customer STRING, city STRING, ntags INT) WITH (
  'connector' = 'filesystem',
  'path' = 'out/csv',
  'format' = 'csv'
);

INSERT INTO out_csv
SELECT id, COALESCE(customer, 'unknown'), address.city, CARDINALITY(tags) FROM orders_json;

CREATE TABLE back (id INT, customer STRING, city STRING, ntags INT) WITH (
  'connector' = 'filesystem',
  'path' = 'out/csv',
  'format' = 'csv'
);
CREATE TABLE shown (id INT, customer STRING, city STRING, ntags INT) WITH ('connector' = 'print');
INSERT INTO shown SELECT * FROM back;
