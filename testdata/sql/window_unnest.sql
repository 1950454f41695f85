-- Window properties flow through CROSS JOIN UNNEST: a word count over
-- hopping and tumbling windows is a window aggregation (one final row per
-- window and word), as Flink plans it.
SET 'table.dml-sync' = 'true';
CREATE TABLE lines (line STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH (
  'connector' = 'filesystem', 'path' = 'data/timed_lines', 'format' = 'csv');
CREATE TABLE hop_counts (window_start TIMESTAMP(3), window_end TIMESTAMP(3), word STRING, cnt BIGINT) WITH (
  'connector' = 'print', 'print-identifier' = 'hop');
CREATE TABLE tumble_counts (window_start TIMESTAMP(3), word STRING, cnt BIGINT) WITH (
  'connector' = 'print', 'print-identifier' = 'tumble');
INSERT INTO hop_counts
SELECT window_start, window_end, word, COUNT(*)
FROM TABLE(HOP(TABLE lines, DESCRIPTOR(ts), INTERVAL '1' SECOND, INTERVAL '2' SECOND))
CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word)
GROUP BY window_start, window_end, word;
INSERT INTO tumble_counts
SELECT window_start, word, COUNT(*)
FROM TABLE(TUMBLE(TABLE lines, DESCRIPTOR(ts), INTERVAL '3' SECOND))
CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word)
GROUP BY window_start, window_end, word;
