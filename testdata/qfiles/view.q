# CREATE / ALTER / DROP VIEW, SHOW VIEWS, temporary shadowing (Flink docs).

CREATE TABLE src (a INT, b STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '5');
[INFO] Execute statement succeeded.
!info

CREATE VIEW v1 AS SELECT a, UPPER(b) AS ub FROM src WHERE a > 0;
[INFO] Execute statement succeeded.
!info

CREATE VIEW v1 AS SELECT 1;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.catalog.exceptions.TableAlreadyExistException: Table (or view) default_database.v1 already exists in Catalog default_catalog.
!error

CREATE VIEW IF NOT EXISTS v1 AS SELECT 1;
[INFO] Execute statement succeeded.
!info

show views;
+-----------+
| view name |
+-----------+
|        v1 |
+-----------+
1 row in set
!ok

show create view v1;
+-----------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
|                                                                                                                                                                                              result |
+-----------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
| CREATE VIEW `default_catalog`.`default_database`.`v1` (
  `a`,
  `ub`
)
AS SELECT `src`.`a`, UPPER(`src`.`b`) AS `ub`
FROM `default_catalog`.`default_database`.`src` AS `src`
WHERE `src`.`a` > 0
 |
+-----------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
1 row in set
!ok

describe v1;
+------+--------+------+-----+--------+-----------+
| name |   type | null | key | extras | watermark |
+------+--------+------+-----+--------+-----------+
|    a |    INT | TRUE |     |        |           |
|   ub | STRING | TRUE |     |        |           |
+------+--------+------+-----+--------+-----------+
2 rows in set
!ok

CREATE TEMPORARY VIEW v1 AS SELECT a FROM src;
[INFO] Execute statement succeeded.
!info

describe v1;
+------+------+------+-----+--------+-----------+
| name | type | null | key | extras | watermark |
+------+------+------+-----+--------+-----------+
|    a |  INT | TRUE |     |        |           |
+------+------+------+-----+--------+-----------+
1 row in set
!ok

drop view v1;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Temporary view with identifier '`default_catalog`.`default_database`.`v1`' exists. Drop it first before removing the permanent view.
!error

drop temporary view v1;
[INFO] Execute statement succeeded.
!info

describe v1;
+------+--------+------+-----+--------+-----------+
| name |   type | null | key | extras | watermark |
+------+--------+------+-----+--------+-----------+
|    a |    INT | TRUE |     |        |           |
|   ub | STRING | TRUE |     |        |           |
+------+--------+------+-----+--------+-----------+
2 rows in set
!ok

alter view v1 rename to v2;
[INFO] Execute statement succeeded.
!info

alter view v2 as select b from src;
[INFO] Execute statement succeeded.
!info

show create view v2;
+-----------------------------------------------------------------------------------------------------------------------------------------------+
|                                                                                                                                        result |
+-----------------------------------------------------------------------------------------------------------------------------------------------+
| CREATE VIEW `default_catalog`.`default_database`.`v2` (
  `b`
)
AS SELECT `src`.`b`
FROM `default_catalog`.`default_database`.`src` AS `src`
 |
+-----------------------------------------------------------------------------------------------------------------------------------------------+
1 row in set
!ok

show create table v2;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.TableException: SHOW CREATE TABLE is only supported for tables, but `default_catalog`.`default_database`.`v2` is a view. Please use SHOW CREATE VIEW instead.
!error

show create view src;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.TableException: SHOW CREATE VIEW is only supported for views, but `default_catalog`.`default_database`.`src` is a table. Please use SHOW CREATE TABLE instead.
!error

drop view v2;
[INFO] Execute statement succeeded.
!info

drop view if exists v2;
[INFO] Execute statement succeeded.
!info

show views;
Empty set
!ok
