CREATE TABLE a (id INT, name STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '1');
SELECT id,
  no_such_function(name) FROM a;
