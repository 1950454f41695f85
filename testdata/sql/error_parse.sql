-- A parse error stops the script with line, column and a caret.
CREATE TABLE src (id INT) WITH ('connector' = 'datagen');

SELECT id,
       FROM src
  WHERE;
