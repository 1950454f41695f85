-- partitioned filesystem tables: rows go to <path>/<k>=<v>/... without
-- their partition columns; dynamic, static and mixed partitions; INSERT
-- OVERWRITE of partitions in batch mode; reading partitions back.
SET 'table.dml-sync' = 'true';

CREATE TABLE sales (id INT, item STRING, dt STRING, region STRING)
PARTITIONED BY (dt, region)
WITH (
  'connector' = 'filesystem',
  'path' = 'out/sales',
  'format' = 'csv',
  'sink.partition-commit.policy.kind' = 'success-file'
);

SHOW CREATE TABLE sales;

-- dynamic partitions: the values of each row name its partition; NULL goes
-- to __DEFAULT_PARTITION__, '/' is escaped in the directory name
INSERT INTO sales VALUES
  (1, 'apple', '2024-01-01', 'eu'),
  (2, 'pear', '2024-01-01', 'us'),
  (3, 'fig', '2024-01-02', 'eu'),
  (4, 'kiwi', CAST(NULL AS STRING), 'a/b');

-- a static partition: the query gives the other columns
INSERT INTO sales PARTITION (dt = '2024-01-03', region = 'eu') VALUES (5, 'plum');

-- static and dynamic: dt fixed, region from the query
INSERT INTO sales PARTITION (dt = '2024-01-03') SELECT 6, 'lime', 'us';

-- the partition columns come from the directories
CREATE TABLE sales_out (id INT, item STRING, dt STRING, region STRING) WITH ('connector' = 'print', 'print-identifier' = 'all');
INSERT INTO sales_out SELECT * FROM sales;

CREATE TABLE eu_out (id INT, dt STRING) WITH ('connector' = 'print', 'print-identifier' = 'eu');
INSERT INTO eu_out SELECT id, dt FROM sales WHERE region = 'eu';

-- the layout: a plain table over the same directory reads every file, and
-- the files hold the non-partition columns only
CREATE TABLE sales_files (
  id INT,
  item STRING,
  fp STRING METADATA FROM 'file.path' VIRTUAL
) WITH ('connector' = 'filesystem', 'path' = 'out/sales', 'format' = 'csv');
CREATE TABLE layout (id INT, item STRING, dir STRING) WITH ('connector' = 'print', 'print-identifier' = 'layout');
INSERT INTO layout SELECT id, item, REGEXP_REPLACE(fp, '/part-[^/]*$', '') FROM sales_files;

-- one partition's directory read as an unpartitioned table
CREATE TABLE default_part (id INT, item STRING)
WITH ('connector' = 'filesystem', 'path' = 'out/sales/dt=__DEFAULT_PARTITION__/region=a%2Fb', 'format' = 'csv');
CREATE TABLE default_out (id INT, item STRING) WITH ('connector' = 'print', 'print-identifier' = 'default');
INSERT INTO default_out SELECT * FROM default_part;

-- typed partition columns
CREATE TABLE readings (v DOUBLE, d DATE, h INT)
PARTITIONED BY (d, h)
WITH ('connector' = 'filesystem', 'path' = 'out/readings', 'format' = 'json');
INSERT INTO readings VALUES (1.5, DATE '2024-02-29', 3), (2.5, DATE '2024-02-29', 4), (3.5, DATE '2024-03-01', 3);
INSERT INTO readings PARTITION (d = '2024-03-02', h = 7) VALUES (4.5);
CREATE TABLE readings_out (v DOUBLE, d DATE, next_day DATE, h INT) WITH ('connector' = 'print', 'print-identifier' = 'readings');
INSERT INTO readings_out SELECT v, d, d + INTERVAL '1' DAY, h FROM readings WHERE h >= 3;

-- batch mode: INSERT OVERWRITE replaces the partitions written, only them
SET 'execution.runtime-mode' = 'batch';
INSERT OVERWRITE sales PARTITION (dt = '2024-01-01', region = 'eu') VALUES (10, 'mango');
SELECT * FROM sales ORDER BY id;
INSERT OVERWRITE sales SELECT 11, 'melon', '2024-01-02', region FROM (VALUES ('eu'), ('asia')) AS r (region);
SELECT dt, region, COUNT(*) AS n, MIN(item) AS item FROM sales GROUP BY dt, region ORDER BY dt, region;
SELECT id, item FROM sales WHERE dt = '2024-01-02' AND region = 'eu';
