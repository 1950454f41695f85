-- Unknown options, connectors, columns and functions are reported before anything runs.
CREATE TABLE a (id INT) WITH ('connector' = 'datagen', 'rows-per-secnd' = '5');
CREATE TABLE p (id INT) WITH ('connector' = 'print');
INSERT INTO p SELECT id FROM a;
