# SET / RESET (Flink docs: SQL > SET, RESET statements).

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
