# Queries in batch mode: final results, ORDER BY and LIMIT (Flink docs: SQL >
# Queries; Execution Mode).

SET 'execution.runtime-mode' = 'batch';
[INFO] Execute statement succeeded.
!info

CREATE TABLE orders (id INT, customer STRING, amount DECIMAL(10, 2), ts TIMESTAMP(3)) WITH ('connector' = 'filesystem', 'path' = 'data/orders_csv', 'format' = 'csv');
[INFO] Execute statement succeeded.
!info

SELECT customer, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY customer ORDER BY customer;
+-----------+---+--------+
|  customer | n |  total |
+-----------+---+--------+
|     alice | 2 |  19.50 |
|       bob | 2 |   4.00 |
|     carol | 1 | 100.00 |
| dave, jr. | 1 |  42.00 |
+-----------+---+--------+
4 rows in set
!ok

SELECT id, amount FROM orders ORDER BY amount DESC, id LIMIT 3;
+----+--------+
| id | amount |
+----+--------+
|  4 | 100.00 |
|  6 |  42.00 |
|  1 |  12.50 |
+----+--------+
3 rows in set
!ok

SELECT id FROM orders ORDER BY id LIMIT 2 OFFSET 1;
+----+
| id |
+----+
|  2 |
|  3 |
+----+
2 rows in set
!ok

SELECT * FROM (VALUES (1, 'a'), (2, 'b'));
+--------+--------+
| EXPR$0 | EXPR$1 |
+--------+--------+
|      1 |      a |
|      2 |      b |
+--------+--------+
2 rows in set
!ok

SELECT COUNT(*) FROM orders WHERE amount > 1000;
+--------+
| EXPR$0 |
+--------+
|      0 |
+--------+
1 row in set
!ok

# A failing query prints its error once, and no result.
SELECT 10 / (id - 3) FROM orders;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.runtime.client.JobExecutionException: Job <job-id> failed: Recovery is suppressed by NoRestartBackoffTimeStrategy: Source: orders -> Calc -> Sink: collect (1/1): Division by zero
!error

SELECT id FROM orders WHERE id = 3;
+----+
| id |
+----+
|  3 |
+----+
1 row in set
!ok

SET 'sql-client.execution.result-mode' = 'changelog';
[INFO] Execute statement succeeded.
!info

SELECT 1;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.client.gateway.SqlExecutionException: Results of batch queries can only be served in table or tableau mode.
!error
