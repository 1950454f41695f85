-- datagen sequence -> filter / projection / expressions -> print
CREATE TABLE numbers (
  id BIGINT,
  name STRING,
  price DECIMAL(10, 2)
) WITH (
  'connector' = 'datagen',
  'fields.id.kind' = 'sequence',
  'fields.id.start' = '1',
  'fields.id.end' = '20',
  'fields.name.length' = '5',
  'fields.price.min' = '1',
  'fields.price.max' = '2'
);

CREATE TABLE out_numbers (
  id BIGINT,
  bucket STRING,
  doubled BIGINT,
  parity STRING,
  big BOOLEAN
) WITH ('connector' = 'print');

INSERT INTO out_numbers
SELECT
  id,
  CONCAT('b-', CAST(MOD(id, 3) AS STRING)) AS bucket,
  id * 2 AS doubled,
  CASE WHEN MOD(id, 2) = 0 THEN 'even' ELSE 'odd' END AS parity,
  id > 15
FROM numbers
WHERE id % 4 <> 0 AND id BETWEEN 2 AND 19;
