# misc.q - the client's own commands (Flink's misc.q).

# === test help ===
# Flink's list and layout.
help;
The following commands are available:

HELP               		Prints the available commands.
QUIT/EXIT          		Quits the SQL CLI client.
CLEAR              		Clears the current terminal.
SET                		Sets a session configuration property. Syntax: "SET '<key>'='<value>';". Use "SET;" for listing all properties.
RESET              		Resets a session configuration property. Syntax: "RESET '<key>';". Use "RESET;" for reset all session properties.
INSERT INTO        		Inserts the results of a SQL SELECT query into a declared table sink.
INSERT OVERWRITE   		Inserts the results of a SQL SELECT query into a declared table sink and overwrite existing data.
SELECT             		Executes a SQL SELECT query on the Flink cluster.
EXPLAIN            		Describes the execution plan of a query or table with the given name.
BEGIN STATEMENT SET		Begins a statement set. Syntax: "BEGIN STATEMENT SET;"
END                		Ends a statement set. Syntax: "END;"
ADD JAR            		Adds the specified jar file to the submitted jobs' classloader. Syntax: "ADD JAR '<path_to_filename>.jar'"
REMOVE JAR         		Removes the specified jar file from the submitted jobs' classloader. Syntax: "REMOVE JAR '<path_to_filename>.jar'"
SHOW JARS          		Shows the list of user-specified jar dependencies. This list is impacted by the --jar and --library startup options as well as the ADD/REMOVE JAR commands.

Hint: Make sure that a statement ends with ";" for finalizing (multi-line) statements.
You can also type any Flink SQL statement, please visit https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/table/sql/overview/ for more details.
!ok

# === test verbose errors ===
# A validation error prints as Flink's client prints it: the innermost
# cause, Calcite's SqlValidatorException, with the bare message.
SELECT nope FROM (VALUES (1)) AS t(a);
[ERROR] Could not execute SQL statement. Reason:
org.apache.calcite.sql.validate.SqlValidatorException: Column 'nope' not found in any table
!error

# sql-client.verbose prints the exception chain, with the position the
# CalciteContextException carries.
SET 'sql-client.verbose' = 'true';
[INFO] Execute statement succeeded.
!info

SELECT a,
  nope FROM (VALUES (1)) AS t(a);
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: SQL validation failed. From line 2, column 3: Column 'nope' not found in any table
Caused by: org.apache.calcite.runtime.CalciteContextException: From line 2, column 3: Column 'nope' not found in any table
Caused by: org.apache.calcite.sql.validate.SqlValidatorException: Column 'nope' not found in any table
!error

RESET 'sql-client.verbose';
[INFO] Execute statement succeeded.
!info
