# An OPTIONS hint applies to tables only, never to a view (Flink docs: dynamic table options).

CREATE TABLE src (a INT) WITH ('connector' = 'datagen', 'number-of-rows' = '3');
[INFO] Execute statement succeeded.
!info

CREATE TEMPORARY VIEW v1 AS SELECT * FROM src;
[INFO] Execute statement succeeded.
!info

SELECT * FROM v1 /*+ OPTIONS('number-of-rows' = '1') */;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: View '`default_catalog`.`default_database`.`v1`' cannot be enriched with new options. Hints can only be applied to tables.
!error

CREATE VIEW v2 AS SELECT * FROM v1 /*+ OPTIONS('number-of-rows' = '1') */;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: View '`default_catalog`.`default_database`.`v1`' cannot be enriched with new options. Hints can only be applied to tables.
!error

SET 'sql-client.execution.result-mode' = 'tableau';
[INFO] Execute statement succeeded.
!info

SET 'execution.runtime-mode' = 'batch';
[INFO] Execute statement succeeded.
!info

SELECT COUNT(*) AS c FROM src /*+ OPTIONS('number-of-rows' = '1') */;
+---+
| c |
+---+
| 1 |
+---+
1 row in set
!ok
