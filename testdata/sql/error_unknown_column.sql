CREATE TABLE a (id INT, name STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '1');
CREATE TABLE p (id INT) WITH ('connector' = 'print');
INSERT INTO p SELECT idd FROM a;
