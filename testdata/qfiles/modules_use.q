# USE MODULES with a list of modules; only the core module exists (Flink docs: USE MODULES).

USE MODULES core;
[INFO] Execute statement succeeded.
!info

SHOW FULL MODULES;
+-------------+------+
| module name | used |
+-------------+------+
|        core | TRUE |
+-------------+------+
1 row in set
!ok

USE MODULES core, core;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Module 'core' appears more than once
!error

USE MODULES hive, core;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: No module with name 'hive' exists
!error

USE MODULES;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.sql.parser.impl.ParseException: Encountered "<EOF>" at line 1, column 11.
Was expecting one of:
    <BRACKET_QUOTED_IDENTIFIER> ...
    <QUOTED_IDENTIFIER> ...
    <BACK_QUOTED_IDENTIFIER> ...
    <HYPHENATED_IDENTIFIER> ...
    <IDENTIFIER> ...
    <UNICODE_QUOTED_IDENTIFIER> ...
!error

# UNLOAD MODULE core leaves no module; a second unload, or USE MODULES of
# it, finds none; LOAD MODULE core brings it back (Flink's module.q).
UNLOAD MODULE core;
[INFO] Execute statement succeeded.
!info

SHOW MODULES;
Empty set
!ok

SHOW FULL MODULES;
Empty set
!ok

UNLOAD MODULE core;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: No module with name 'core' exists
!error

USE MODULES core;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: No module with name 'core' exists
!error

SHOW FUNCTIONS LIKE 'upper';
Empty set
!ok

LOAD MODULE core;
[INFO] Execute statement succeeded.
!info

SHOW MODULES;
+-------------+
| module name |
+-------------+
|        core |
+-------------+
1 row in set
!ok

SHOW FUNCTIONS LIKE 'upper';
+---------------+
| function name |
+---------------+
|         upper |
+---------------+
1 row in set
!ok
