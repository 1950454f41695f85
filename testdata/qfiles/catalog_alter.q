# ALTER CATALOG SET / RESET / COMMENT and CREATE CATALOG ... COMMENT (Flink 1.20 docs: ALTER CATALOG, DESCRIBE CATALOG).

CREATE CATALOG c1 COMMENT 'first catalog' WITH ('type' = 'generic_in_memory', 'default-database' = 'db1');
[INFO] Execute statement succeeded.
!info

DESCRIBE CATALOG EXTENDED c1;
+-------------------------+-------------------+
|               info name |        info value |
+-------------------------+-------------------+
|                    name |                c1 |
|                    type | generic_in_memory |
|                 comment |     first catalog |
| option:default-database |               db1 |
+-------------------------+-------------------+
4 rows in set
!ok

ALTER CATALOG c1 SET ('default-database' = 'db2');
[INFO] Execute statement succeeded.
!info

DESC CATALOG EXTENDED c1;
+-------------------------+-------------------+
|               info name |        info value |
+-------------------------+-------------------+
|                    name |                c1 |
|                    type | generic_in_memory |
|                 comment |     first catalog |
| option:default-database |               db2 |
+-------------------------+-------------------+
4 rows in set
!ok

# the catalog is created anew from its changed options: it starts with its new default database only
SHOW DATABASES IN c1;
+---------------+
| database name |
+---------------+
|           db2 |
+---------------+
1 row in set
!ok

ALTER CATALOG c1 RESET ('default-database', 'no-such-key');
[INFO] Execute statement succeeded.
!info

DESCRIBE CATALOG EXTENDED c1;
+-----------+-------------------+
| info name |        info value |
+-----------+-------------------+
|      name |                c1 |
|      type | generic_in_memory |
|   comment |     first catalog |
+-----------+-------------------+
3 rows in set
!ok

SHOW DATABASES FROM c1;
+---------------+
| database name |
+---------------+
|       default |
+---------------+
1 row in set
!ok

ALTER CATALOG c1 RESET ('type');
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: ALTER CATALOG RESET does not support changing 'type'
!error

ALTER CATALOG c1 RESET ();
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: ALTER CATALOG RESET does not support empty key
!error

ALTER CATALOG c1 COMMENT 'it''s altered';
[INFO] Execute statement succeeded.
!info

DESCRIBE CATALOG c1;
+-----------+-------------------+
| info name |        info value |
+-----------+-------------------+
|      name |                c1 |
|      type | generic_in_memory |
|   comment |      it's altered |
+-----------+-------------------+
3 rows in set
!ok

ALTER CATALOG c1 COMMENT '';
[INFO] Execute statement succeeded.
!info

DESCRIBE CATALOG c1;
+-----------+-------------------+
| info name |        info value |
+-----------+-------------------+
|      name |                c1 |
|      type | generic_in_memory |
|   comment |                   |
+-----------+-------------------+
3 rows in set
!ok

# options the catalog's factory does not know are refused, and the catalog stays as it was
ALTER CATALOG c1 SET ('no-such-option' = 'x');
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Unsupported options found for 'generic_in_memory'.

Unsupported options:

no-such-option

Supported options:

default-database
property-version
type
!error

SHOW CREATE CATALOG c1;
+--------------------------------------------------------------+
|                                                       result |
+--------------------------------------------------------------+
| CREATE CATALOG `c1`
WITH (
  'type' = 'generic_in_memory'
)
 |
+--------------------------------------------------------------+
1 row in set
!ok

ALTER CATALOG missing SET ('default-database' = 'x');
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.catalog.exceptions.CatalogException: Catalog missing does not exist in the catalog store.
!error

ALTER CATALOG default_catalog COMMENT 'built-in';
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.catalog.exceptions.CatalogException: Catalog default_catalog does not exist in the catalog store.
!error

ALTER CATALOG c1 RENAME TO c2;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.sql.parser.impl.ParseException: Encountered "RENAME" at line 1, column 18.
Was expecting one of:
    "RESET" ...
    "SET" ...
    "COMMENT" ...
!error

# CREATE CATALOG without WITH parses; the catalog then lacks a type
CREATE CATALOG c3;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Catalog options do not contain an option key 'type' for discovering a catalog.
!error

CREATE CATALOG c3 COMMENT 'x' WITH ('type' = 'generic_in_memory') COMMENT 'y';
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.sql.parser.impl.ParseException: Encountered "COMMENT" at line 1, column 67.
Was expecting one of:
    <EOF> 
    ";" ...
!error
