# Catalogs and databases (Flink docs: SQL > CREATE / DROP / ALTER / USE / SHOW
# statements). Written from the documentation; the outputs are Flink 1.20's.

use non_existing_db;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.catalog.exceptions.CatalogException: A database with name [non_existing_db] does not exist in the catalog: [default_catalog].
!error

use catalog non_existing_catalog;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.catalog.exceptions.CatalogException: A catalog with name [non_existing_catalog] does not exist.
!error

create database my.db;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Catalog my does not exist
!error

create catalog c1 with ('type'='generic_in_memory');
[INFO] Execute statement succeeded.
!info

show catalogs;
+-----------------+
|    catalog name |
+-----------------+
|              c1 |
| default_catalog |
+-----------------+
2 rows in set
!ok

show current catalog;
+----------------------+
| current catalog name |
+----------------------+
|      default_catalog |
+----------------------+
1 row in set
!ok

use catalog c1;
[INFO] Execute statement succeeded.
!info

show current catalog;
+----------------------+
| current catalog name |
+----------------------+
|                   c1 |
+----------------------+
1 row in set
!ok

drop catalog c1;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.catalog.exceptions.CatalogException: Cannot drop a catalog which is currently in use.
!error

create database db1 comment 'the first one';
[INFO] Execute statement succeeded.
!info

create database if not exists db1;
[INFO] Execute statement succeeded.
!info

create database db1;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.catalog.exceptions.DatabaseAlreadyExistException: Database db1 already exists in Catalog c1.
!error

show databases;
+---------------+
| database name |
+---------------+
|           db1 |
|       default |
+---------------+
2 rows in set
!ok

use db1;
[INFO] Execute statement succeeded.
!info

show current database;
+-----------------------+
| current database name |
+-----------------------+
|                   db1 |
+-----------------------+
1 row in set
!ok

alter database db1 set ('k1' = 'v1');
[INFO] Execute statement succeeded.
!info

create table t1 (a INT, b STRING) with ('connector' = 'datagen');
[INFO] Execute statement succeeded.
!info

create table c1.`default`.t2 (a INT) with ('connector' = 'datagen');
[INFO] Execute statement succeeded.
!info

show tables;
+------------+
| table name |
+------------+
|         t1 |
+------------+
1 row in set
!ok

show tables from c1.`default`;
+------------+
| table name |
+------------+
|         t2 |
+------------+
1 row in set
!ok

show tables in `default` like 't%';
+------------+
| table name |
+------------+
|         t2 |
+------------+
1 row in set
!ok

drop database db1;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Cannot drop a database which is currently in use.
!error

use `default`;
[INFO] Execute statement succeeded.
!info

drop database db1 cascade;
[INFO] Execute statement succeeded.
!info

show databases;
+---------------+
| database name |
+---------------+
|       default |
+---------------+
1 row in set
!ok

drop database if exists db1;
[INFO] Execute statement succeeded.
!info

drop database db1;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.catalog.exceptions.DatabaseNotExistException: Database db1 does not exist in Catalog c1.
!error

use catalog default_catalog;
[INFO] Execute statement succeeded.
!info

drop catalog c1;
[INFO] Execute statement succeeded.
!info

show catalogs;
+-----------------+
|    catalog name |
+-----------------+
| default_catalog |
+-----------------+
1 row in set
!ok
