# Parse errors print Flink's message only; expected tokens in the order of Flink's parser (Flink docs and its parser grammar).

create catalog invalid.cat with ('type'='generic_in_memory');
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.sql.parser.impl.ParseException: Encountered "." at line 1, column 23.
Was expecting one of:
    <EOF> 
    "WITH" ...
    "COMMENT" ...
    ";" ...
!error

show databases in c0.t;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.sql.parser.impl.ParseException: Show databases from/in identifier [ c0.t ] format error, catalog must be a single part identifier.
!error

show tables x;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.sql.parser.impl.ParseException: Encountered "x" at line 1, column 13.
Was expecting one of:
    <EOF> 
    "FROM" ...
    "IN" ...
    "LIKE" ...
    "NOT" ...
    ";" ...
!error

load module 'hive';
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.sql.parser.impl.ParseException: Encountered "\'hive\'" at line 1, column 13.
Was expecting one of:
    <BRACKET_QUOTED_IDENTIFIER> ...
    <QUOTED_IDENTIFIER> ...
    <BACK_QUOTED_IDENTIFIER> ...
    <HYPHENATED_IDENTIFIER> ...
    <IDENTIFIER> ...
    <UNICODE_QUOTED_IDENTIFIER> ...
!error

create table t (a int) with ('connector' = print);
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.sql.parser.impl.ParseException: Encountered "print" at line 1, column 44.
Was expecting:
    <QUOTED_STRING> ...
!error

select 1 from;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.sql.parser.impl.ParseException: Encountered "<EOF>" at line 1, column 13.
!error

# A ';' at a line's end inside a comment or string does not end the
# statement: the client reads on while a comment or quote is open.
SELECT /*;
'*/ 1;
+----+-------------+
| op |      EXPR$0 |
+----+-------------+
| +I |           1 |
+----+-------------+
Received a total of 1 row
!ok

SELECT 'a;
b' AS s;
+----+--------------------------------+
| op |                              s |
+----+--------------------------------+
| +I |                           a;
b |
+----+--------------------------------+
Received a total of 1 row
!ok
