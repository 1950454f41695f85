-- Views are expanded at every use: a view with an OVER aggregate, a legacy group window, grouping
-- sets or a Top-N can be queried any number of times
SET 'table.dml-sync' = 'true';
CREATE TABLE bids (id INT, item STRING, price INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '3' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bids_csv', 'format' = 'csv');

CREATE VIEW running AS SELECT id, item, SUM(price) OVER (PARTITION BY item ORDER BY ts) AS total FROM bids;
CREATE VIEW per10s AS SELECT item, COUNT(*) AS c, TUMBLE_START(ts, INTERVAL '10' SECOND) AS ws
  FROM bids GROUP BY item, TUMBLE(ts, INTERVAL '10' SECOND);
CREATE VIEW rolled AS SELECT item, COUNT(*) AS c, GROUPING(item) AS g FROM bids GROUP BY ROLLUP(item);
CREATE VIEW best AS SELECT item, price FROM (
  SELECT item, price, ROW_NUMBER() OVER (PARTITION BY item ORDER BY price DESC) AS rn FROM bids) WHERE rn = 1;

CREATE TABLE out_running (id INT, item STRING, total INT) WITH ('connector' = 'print', 'print-identifier' = 'running');
INSERT INTO out_running SELECT * FROM running WHERE id > 35;
INSERT INTO out_running SELECT * FROM running WHERE id < 3;

CREATE TABLE out_windows (item STRING, c BIGINT, ws TIMESTAMP(3)) WITH ('connector' = 'print', 'print-identifier' = 'windows');
INSERT INTO out_windows SELECT * FROM per10s WHERE item = 'pear';
INSERT INTO out_windows SELECT * FROM per10s WHERE item = 'plum';

CREATE TABLE out_rolled (item STRING, c BIGINT, g BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'rolled');
INSERT INTO out_rolled SELECT * FROM rolled;
INSERT INTO out_rolled SELECT * FROM rolled WHERE g = 1;

CREATE TABLE out_best (item STRING, price INT) WITH ('connector' = 'print', 'print-identifier' = 'best');
INSERT INTO out_best SELECT * FROM best;
INSERT INTO out_best SELECT a.item, a.price FROM best a JOIN best b ON a.item = b.item;
