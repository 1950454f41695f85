-- CREATE TABLE ... LIKE with Flink's merging options and defaults; the
-- error of REPLACE TABLE AS SELECT for a table that does not exist.
CREATE TABLE src (
  id INT NOT NULL COMMENT 'the key',
  name STRING,
  ts TIMESTAMP(3),
  doubled AS id * 2,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND,
  PRIMARY KEY (id) NOT ENFORCED
) COMMENT 'the source' WITH (
  'connector' = 'datagen',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '4',
  'fields.name.length' = '3'
);

-- the defaults: everything included, options overwritten
CREATE TABLE copy1 WITH ('fields.id.end' = '2') LIKE src;
SHOW CREATE TABLE copy1;

-- more columns, computed columns and the watermark replaced, options excluded
CREATE TABLE copy2 (
  extra BIGINT,
  doubled AS id * 3,
  WATERMARK FOR ts AS ts
) WITH ('connector' = 'print') LIKE src (
  EXCLUDING OPTIONS
  EXCLUDING CONSTRAINTS
  OVERWRITING GENERATED
  OVERWRITING WATERMARKS
);
SHOW CREATE TABLE copy2;

-- only the physical columns
CREATE TABLE copy3 (PRIMARY KEY (id, name) NOT ENFORCED) WITH ('connector' = 'blackhole')
  LIKE src (EXCLUDING ALL);
SHOW CREATE TABLE copy3;
DESCRIBE copy3;

-- CREATE TABLE AS SELECT and REPLACE TABLE AS SELECT run jobs, which the
-- corpus' kill-and-restore runs cannot resume yet (they would skip the
-- statement that creates the table): planner/session/ddl_test.go covers them.
SHOW TABLES;

-- the script ends with Flink's error for REPLACE TABLE of a table that does not exist
REPLACE TABLE nowhere WITH ('connector' = 'blackhole') AS SELECT 1 AS x;
