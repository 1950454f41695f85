# ADD JAR, REMOVE JAR, SHOW JARS (Flink docs: SQL > JAR statements; Flink's
# set.q). A Flink script adds the JARs of its connectors, formats and
# drivers; this engine has them built in, so a JAR is registered (SHOW JARS
# lists it, as an absolute path) but never loaded. The path checks and
# their messages are Flink's.

SHOW JARS;
Empty set
!ok

ADD JAR 'data/jars/flink-sql-connector-kafka-3.3.0-1.20.jar';
[INFO] Execute statement succeeded.
!info

REMOVE JAR 'data/jars/flink-sql-connector-kafka-3.3.0-1.20.jar';
[INFO] Execute statement succeeded.
!info

SHOW JARS;
Empty set
!ok

ADD JAR 'data/orders_csv/orders.csv';
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: The registering or unregistering jar resource [data/orders_csv/orders.csv] must ends with '.jar' suffix.
!error

ADD JAR 'data/jars/missing.jar';
[ERROR] Could not execute SQL statement. Reason:
java.io.FileNotFoundException: Jar resource [data/jars/missing.jar] not found.
!error

ADD JAR 'data/jars/lib.jar';
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: The registering or unregistering jar resource [data/jars/lib.jar] is a directory that is not allowed.
!error

ADD JAR 's3://bucket/udf.jar';
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Could not register the jar resource [s3://bucket/udf.jar]: only local files can be added (this engine loads no classes from JARs; its connectors, formats and drivers are built in).
!error

ADD JAR data/jars/x.jar;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.sql.parser.impl.ParseException: Encountered "data" at line 1, column 9.
Was expecting:
    <QUOTED_STRING> ...
!error

REMOVE JAR 'data/jars/missing.jar';
[ERROR] Could not execute SQL statement. Reason:
java.io.FileNotFoundException: Jar resource [data/jars/missing.jar] not found.
!error

SHOW JARS LIKE 'x';
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.sql.parser.impl.ParseException: Encountered "LIKE" at line 1, column 11.
Was expecting one of:
    <EOF> 
    ";" ...
!error
