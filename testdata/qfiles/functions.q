# DROP FUNCTION, SHOW [USER] FUNCTIONS with FROM | IN and LIKE | ILIKE, CREATE FUNCTION (Flink docs: DROP / SHOW / CREATE FUNCTION).

DROP FUNCTION IF EXISTS non_func;
[INFO] Execute statement succeeded.
!info

DROP TEMPORARY FUNCTION IF EXISTS non_func;
[INFO] Execute statement succeeded.
!info

DROP TEMPORARY SYSTEM FUNCTION IF EXISTS non_func;
[INFO] Execute statement succeeded.
!info

DROP FUNCTION Non_Func;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.catalog.exceptions.FunctionNotExistException: Function default_database.non_func does not exist in Catalog default_catalog.
!error

DROP FUNCTION default_catalog.default_database.non_func;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.catalog.exceptions.FunctionNotExistException: Function default_database.non_func does not exist in Catalog default_catalog.
!error

DROP FUNCTION no_catalog.db.f;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Catalog no_catalog does not exist
!error

DROP TEMPORARY FUNCTION non_func;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Temporary catalog function `default_catalog`.`default_database`.`non_func` doesn't exist
!error

DROP TEMPORARY SYSTEM FUNCTION non_func;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Could not drop temporary system function. A function named 'non_func' doesn't exist.
!error

SHOW USER FUNCTIONS;
Empty set
!ok

SHOW USER FUNCTIONS LIKE 'f%';
Empty set
!ok

SHOW FUNCTIONS LIKE 'upp%';
+---------------+
| function name |
+---------------+
|         upper |
+---------------+
1 row in set
!ok

SHOW FUNCTIONS ILIKE 'UPP%';
+---------------+
| function name |
+---------------+
|         upper |
+---------------+
1 row in set
!ok

SHOW FUNCTIONS IN default_catalog.default_database LIKE 'lowe%';
+---------------+
| function name |
+---------------+
|         lower |
+---------------+
1 row in set
!ok

SHOW FUNCTIONS FROM default_database NOT LIKE '%';
Empty set
!ok

SHOW FUNCTIONS FROM a.b.c;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: SHOW FUNCTIONS from/in identifier [ a.b.c ] format error, it should be [catalog_name.]database_name.
!error

SHOW FUNCTIONS LIKE upper;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.sql.parser.impl.ParseException: Encountered "upper" at line 1, column 21.
Was expecting:
    <QUOTED_STRING> ...
!error

CREATE FUNCTION lower_udf AS 'com.example.LowerUDF';
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Could not register function 'default_catalog.default_database.lower_udf': user-defined functions are classes (here the JAVA class 'com.example.LowerUDF') that this engine cannot load; it runs Flink's built-in functions only (SHOW FUNCTIONS lists them).
!error

CREATE TEMPORARY SYSTEM FUNCTION py_udf AS 'udfs.lower' LANGUAGE PYTHON;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Could not register function 'py_udf': user-defined functions are classes (here the PYTHON class 'udfs.lower') that this engine cannot load; it runs Flink's built-in functions only (SHOW FUNCTIONS lists them).
!error

# ALTER FUNCTION (Flink's function.q): the temporary forms are refused as
# in Flink; a catalog function cannot exist here, so altering one fails as
# Flink does for a missing function, or succeeds with IF EXISTS.
alter temporary function tmp_func as 'com.example.UpperUDF';
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Alter temporary catalog function is not supported
!error

ALTER TEMPORARY SYSTEM FUNCTION tmp_func AS 'com.example.UpperUDF';
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Alter temporary system function is not supported
!error

ALTER FUNCTION func11 AS 'com.example.UpperUDF' LANGUAGE SCALA;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.catalog.exceptions.FunctionNotExistException: Function default_database.func11 does not exist in Catalog default_catalog.
!error

ALTER FUNCTION IF EXISTS func11 AS 'com.example.UpperUDF';
[INFO] Execute statement succeeded.
!info

ALTER FUNCTION no_catalog.db.f AS 'com.example.UpperUDF';
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Catalog no_catalog does not exist
!error

ALTER FUNCTION f AS 'com.example.UpperUDF' LANGUAGE RUST;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.sql.parser.impl.ParseException: Encountered "RUST" at line 1, column 53.
Was expecting one of:
    "JAVA" ...
    "PYTHON" ...
    "SCALA" ...
!error
