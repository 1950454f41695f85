CREATE TABLE a (id INT) WITH ('connector' = 'mysql-cdc');
SELECT * FROM a;
