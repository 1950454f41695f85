-- Unknown options, connectors, columns and functions are reported before anything runs.
CREATE TABLE a (id INT) WITH ('connector' = 'datagen', 'rows-per-secnd' = '5');
