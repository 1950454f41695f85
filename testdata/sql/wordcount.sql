-- Word count over a directory of text files, printed as a changelog.
CREATE TABLE lines (
  line STRING
) WITH (
  'connector' = 'filesystem',
  'path' = 'data/words',
  'format' = 'raw'
);

CREATE TABLE word_counts (
  word STRING,
  cnt BIGINT
) WITH (
  'connector' = 'print',
  'print-identifier' = 'wc'
);

SET 'table.dml-sync' = 'true';

INSERT INTO word_counts
SELECT word, COUNT(*) AS cnt
FROM lines CROSS JOIN UNNEST(SPLIT(line, ' ')) AS t(word)
GROUP BY word;
