# SET / RESET (Flink docs: SQL > SET, RESET statements).

# The configuration of a fresh session: the keys Flink's client puts into
# every session that this engine reads (Flink's set.q), execution.target
# 'local' (the jobs run in the client's process) and the harness's -D
# sql-client.display.print-time-cost, sorted by key.
SET;
+--------------------------------------------+----------+
|                                        key |    value |
+--------------------------------------------+----------+
|           execution.savepoint-restore-mode | NO_CLAIM |
| execution.savepoint.ignore-unclaimed-state |    false |
|                           execution.target |    local |
|         sql-client.display.print-time-cost |    false |
+--------------------------------------------+----------+
4 rows in set
!ok

SET 'table.local-time-zone' = 'Europe/Berlin';
[INFO] Execute statement succeeded.
!info

SET 'sql-client.execution.result-mode' = 'tableau';
[INFO] Execute statement succeeded.
!info

SET 'execution.runtime-mode' = 'batch';
[INFO] Execute statement succeeded.
!info

SELECT CAST(TIMESTAMP '2024-03-31 01:30:00' AS TIMESTAMP_LTZ(0)) AS ltz;
+---------------------+
|                 ltz |
+---------------------+
| 2024-03-31 01:30:00 |
+---------------------+
1 row in set
!ok

RESET 'table.local-time-zone';
[INFO] Execute statement succeeded.
!info

SET 'execution.runtime-mode' = 'automatic';
[INFO] Execute statement succeeded.
!info

SELECT 1;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.TableException: Unsupported mode 'AUTOMATIC' for 'execution.runtime-mode'. Only an explicit BATCH or STREAMING mode is supported in Table API.
!error

SET 'execution.runtime-mode' = 'streamingx';
[INFO] Execute statement succeeded.
!info

SELECT 1;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Could not parse value 'streamingx' for key 'execution.runtime-mode'.
Expected one of: STREAMING, BATCH, AUTOMATIC.
!error

RESET;
[INFO] Execute statement succeeded.
!info

SET 'sql-client.execution.result-mode' = 'nope';
[INFO] Execute statement succeeded.
!info

SELECT 1;
[ERROR] Could not execute SQL statement. Reason:
java.lang.IllegalArgumentException: Could not parse value for enum class org.apache.flink.table.client.config.ResultMode. Expected one of: [[TABLE, CHANGELOG, TABLEAU]]
!error

RESET 'sql-client.execution.result-mode';
[INFO] Execute statement succeeded.
!info

SELECT 1 AS one;
+----+-------------+
| op |         one |
+----+-------------+
| +I |           1 |
+----+-------------+
Received a total of 1 row
!ok

# Keys set in the session join the listing, secrets masked; a default set
# under its current name replaces the one listed under the old name.
SET 'table.dml-sync' = 'true';
[INFO] Execute statement succeeded.
!info

set 's3.secret-key' = 'not-for-your-eyes';
[INFO] Execute statement succeeded.
!info

SET 'execution.state-recovery.claim-mode' = 'CLAIM';
[INFO] Execute statement succeeded.
!info

set;
+--------------------------------------------+--------+
|                                        key |  value |
+--------------------------------------------+--------+
| execution.savepoint.ignore-unclaimed-state |  false |
|        execution.state-recovery.claim-mode |  CLAIM |
|                           execution.target |  local |
|                              s3.secret-key | ****** |
|         sql-client.display.print-time-cost |  false |
|                             table.dml-sync |   true |
+--------------------------------------------+--------+
6 rows in set
!ok

RESET 'execution.state-recovery.claim-mode';
[INFO] Execute statement succeeded.
!info

SET 'execution.target' = 'remote';
[INFO] Execute statement succeeded.
!info

RESET 'execution.target';
[INFO] Execute statement succeeded.
!info

SET 'sql-client.display.print-time-cost' = 'true';
[INFO] Execute statement succeeded.
!info

SET;
+--------------------------------------------+----------+
|                                        key |    value |
+--------------------------------------------+----------+
|           execution.savepoint-restore-mode | NO_CLAIM |
| execution.savepoint.ignore-unclaimed-state |    false |
|                           execution.target |    local |
|                              s3.secret-key |   ****** |
|         sql-client.display.print-time-cost |     true |
|                             table.dml-sync |     true |
+--------------------------------------------+----------+
6 rows in set
!ok

# RESET; brings the listing back to the defaults (and the -D options).
reset;
[INFO] Execute statement succeeded.
!info

set;
+--------------------------------------------+----------+
|                                        key |    value |
+--------------------------------------------+----------+
|           execution.savepoint-restore-mode | NO_CLAIM |
| execution.savepoint.ignore-unclaimed-state |    false |
|                           execution.target |    local |
|         sql-client.display.print-time-cost |    false |
+--------------------------------------------+----------+
4 rows in set
!ok
