# CREATE / ALTER / DESCRIBE / SHOW CREATE TABLE (Flink docs: SQL > CREATE,
# ALTER, DESCRIBE, SHOW statements).

CREATE TABLE IF NOT EXISTS orders (
 `user` BIGINT NOT NULL,
 product VARCHAR(32),
 amount INT,
 ts TIMESTAMP(3),
 ptime AS PROCTIME(),
 PRIMARY KEY(`user`) NOT ENFORCED,
 WATERMARK FOR ts AS ts - INTERVAL '1' SECONDS
) with (
 'connector' = 'datagen'
);
[INFO] Execute statement succeeded.
!info

CREATE TABLE orders (a INT) WITH ('connector' = 'datagen');
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.catalog.exceptions.TableAlreadyExistException: Table (or view) default_database.orders already exists in Catalog default_catalog.
!error

show tables;
+------------+
| table name |
+------------+
|     orders |
+------------+
1 row in set
!ok

describe orders;
+---------+-----------------------------+-------+-----------+---------------+----------------------------+
|    name |                        type |  null |       key |        extras |                  watermark |
+---------+-----------------------------+-------+-----------+---------------+----------------------------+
|    user |                      BIGINT | FALSE | PRI(user) |               |                            |
| product |                 VARCHAR(32) |  TRUE |           |               |                            |
|  amount |                         INT |  TRUE |           |               |                            |
|      ts |      TIMESTAMP(3) *ROWTIME* |  TRUE |           |               | `ts` - INTERVAL '1' SECOND |
|   ptime | TIMESTAMP_LTZ(3) *PROCTIME* | FALSE |           | AS PROCTIME() |                            |
+---------+-----------------------------+-------+-----------+---------------+----------------------------+
5 rows in set
!ok

desc orders;
+---------+-----------------------------+-------+-----------+---------------+----------------------------+
|    name |                        type |  null |       key |        extras |                  watermark |
+---------+-----------------------------+-------+-----------+---------------+----------------------------+
|    user |                      BIGINT | FALSE | PRI(user) |               |                            |
| product |                 VARCHAR(32) |  TRUE |           |               |                            |
|  amount |                         INT |  TRUE |           |               |                            |
|      ts |      TIMESTAMP(3) *ROWTIME* |  TRUE |           |               | `ts` - INTERVAL '1' SECOND |
|   ptime | TIMESTAMP_LTZ(3) *PROCTIME* | FALSE |           | AS PROCTIME() |                            |
+---------+-----------------------------+-------+-----------+---------------+----------------------------+
5 rows in set
!ok

show create table orders;
+----------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
|                                                                                                                                                                                                                                                                                                                           result |
+----------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
| CREATE TABLE `default_catalog`.`default_database`.`orders` (
  `user` BIGINT NOT NULL,
  `product` VARCHAR(32),
  `amount` INT,
  `ts` TIMESTAMP(3),
  `ptime` AS PROCTIME(),
  WATERMARK FOR `ts` AS `ts` - INTERVAL '1' SECOND,
  CONSTRAINT `PK_user` PRIMARY KEY (`user`) NOT ENFORCED
) WITH (
  'connector' = 'datagen'
)
 |
+----------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
1 row in set
!ok

show columns from orders;
+---------+-----------------------------+-------+-----------+---------------+----------------------------+
|    name |                        type |  null |       key |        extras |                  watermark |
+---------+-----------------------------+-------+-----------+---------------+----------------------------+
|    user |                      BIGINT | FALSE | PRI(user) |               |                            |
| product |                 VARCHAR(32) |  TRUE |           |               |                            |
|  amount |                         INT |  TRUE |           |               |                            |
|      ts |      TIMESTAMP(3) *ROWTIME* |  TRUE |           |               | `ts` - INTERVAL '1' SECOND |
|   ptime | TIMESTAMP_LTZ(3) *PROCTIME* | FALSE |           | AS PROCTIME() |                            |
+---------+-----------------------------+-------+-----------+---------------+----------------------------+
5 rows in set
!ok

show columns in orders like '%r%';
+---------+-------------+-------+-----------+--------+-----------+
|    name |        type |  null |       key | extras | watermark |
+---------+-------------+-------+-----------+--------+-----------+
|    user |      BIGINT | FALSE | PRI(user) |        |           |
| product | VARCHAR(32) |  TRUE |           |        |           |
+---------+-------------+-------+-----------+--------+-----------+
2 rows in set
!ok

show columns from orders not like 'p%';
+--------+------------------------+-------+-----------+--------+----------------------------+
|   name |                   type |  null |       key | extras |                  watermark |
+--------+------------------------+-------+-----------+--------+----------------------------+
|   user |                 BIGINT | FALSE | PRI(user) |        |                            |
| amount |                    INT |  TRUE |           |        |                            |
|     ts | TIMESTAMP(3) *ROWTIME* |  TRUE |           |        | `ts` - INTERVAL '1' SECOND |
+--------+------------------------+-------+-----------+--------+----------------------------+
3 rows in set
!ok

alter table orders rename to orders2;
[INFO] Execute statement succeeded.
!info

alter table orders2 add (note STRING COMMENT 'free text' AFTER product);
[INFO] Execute statement succeeded.
!info

alter table orders2 modify amount BIGINT;
[INFO] Execute statement succeeded.
!info

alter table orders2 rename product to item;
[INFO] Execute statement succeeded.
!info

alter table orders2 drop note;
[INFO] Execute statement succeeded.
!info

alter table orders2 set ('number-of-rows' = '10');
[INFO] Execute statement succeeded.
!info

alter table orders2 reset ('number-of-rows');
[INFO] Execute statement succeeded.
!info

describe orders2;
+--------+-----------------------------+-------+-----------+---------------+----------------------------+
|   name |                        type |  null |       key |        extras |                  watermark |
+--------+-----------------------------+-------+-----------+---------------+----------------------------+
|   user |                      BIGINT | FALSE | PRI(user) |               |                            |
|   item |                 VARCHAR(32) |  TRUE |           |               |                            |
| amount |                      BIGINT |  TRUE |           |               |                            |
|     ts |      TIMESTAMP(3) *ROWTIME* |  TRUE |           |               | `ts` - INTERVAL '1' SECOND |
|  ptime | TIMESTAMP_LTZ(3) *PROCTIME* | FALSE |           | AS PROCTIME() |                            |
+--------+-----------------------------+-------+-----------+---------------+----------------------------+
5 rows in set
!ok

alter table orders2 drop primary key;
[INFO] Execute statement succeeded.
!info

alter table orders2 drop watermark;
[INFO] Execute statement succeeded.
!info

show create table orders2;
+---------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
|                                                                                                                                                                                                              result |
+---------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
| CREATE TABLE `default_catalog`.`default_database`.`orders2` (
  `user` BIGINT NOT NULL,
  `item` VARCHAR(32),
  `amount` BIGINT,
  `ts` TIMESTAMP(3),
  `ptime` AS PROCTIME()
) WITH (
  'connector' = 'datagen'
)
 |
+---------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
1 row in set
!ok

alter table nope add c INT;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Table `default_catalog`.`default_database`.`nope` doesn't exist or is a temporary table.
!error

CREATE TABLE orders_like WITH ('connector' = 'datagen', 'number-of-rows' = '5') LIKE orders2 (EXCLUDING OPTIONS);
[INFO] Execute statement succeeded.
!info

CREATE TABLE orders_like WITH ('number-of-rows' = '5') LIKE orders2 (EXCLUDING OPTIONS);
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.catalog.exceptions.TableAlreadyExistException: Table (or view) default_database.orders_like already exists in Catalog default_catalog.
!error

show create table orders_like;
+---------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
|                                                                                                                                                                                                                                            result |
+---------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
| CREATE TABLE `default_catalog`.`default_database`.`orders_like` (
  `user` BIGINT NOT NULL,
  `item` VARCHAR(32),
  `amount` BIGINT,
  `ts` TIMESTAMP(3),
  `ptime` AS PROCTIME()
) WITH (
  'connector' = 'datagen',
  'number-of-rows' = '5'
)
 |
+---------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------+
1 row in set
!ok

CREATE TEMPORARY TABLE tmp (x INT COMMENT 'an x') COMMENT 'a temporary table' WITH ('connector' = 'datagen');
[INFO] Execute statement succeeded.
!info

show tables;
+-------------+
|  table name |
+-------------+
|     orders2 |
| orders_like |
|         tmp |
+-------------+
3 rows in set
!ok

describe tmp;
+------+------+------+-----+--------+-----------+---------+
| name | type | null | key | extras | watermark | comment |
+------+------+------+-----+--------+-----------+---------+
|    x |  INT | TRUE |     |        |           |    an x |
+------+------+------+-----+--------+-----------+---------+
1 row in set
!ok

drop table tmp;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Temporary table with identifier '`default_catalog`.`default_database`.`tmp`' exists. Drop it first before removing the permanent table.
!error

drop temporary table tmp;
[INFO] Execute statement succeeded.
!info

drop table if exists nope;
[INFO] Execute statement succeeded.
!info

drop table nope;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Table with identifier 'default_catalog.default_database.nope' does not exist.
!error
