-- A sink's NOT NULL columns are checked before every write, as Flink's
-- ConstraintEnforcer does (table.exec.sink.not-null-enforcer): DROP drops
-- rows with a NULL there; ERROR, the default, fails the job.
SET 'table.dml-sync' = 'true';
CREATE TABLE src (id INT, name STRING, amount DECIMAL(10, 2), ts TIMESTAMP(3)) WITH ('connector' = 'filesystem', 'path' = 'data/orders_csv', 'format' = 'csv');
CREATE VIEW named AS SELECT id, CASE WHEN id IN (2, 5) THEN CAST(NULL AS STRING) ELSE name END AS name FROM src;
CREATE TABLE strict_sink (id INT NOT NULL, name STRING NOT NULL) WITH ('connector' = 'print', 'print-identifier' = 'strict');
-- the enforcer shows in the JSON plan as Flink's does
EXPLAIN JSON_EXECUTION_PLAN INSERT INTO strict_sink SELECT id, name FROM named;
SET 'table.exec.sink.not-null-enforcer' = 'DROP';
INSERT INTO strict_sink SELECT id, name FROM named;
RESET 'table.exec.sink.not-null-enforcer';
INSERT INTO strict_sink SELECT id, name FROM named;
