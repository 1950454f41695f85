-- One job for several INSERTs; both forms of statement sets.
SET 'table.dml-sync' = 'true';

CREATE TABLE src (id INT) WITH (
  'connector' = 'datagen',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '6'
);
CREATE TABLE evens (id INT) WITH ('connector' = 'print', 'print-identifier' = 'even');
CREATE TABLE odds (id INT) WITH ('connector' = 'print', 'print-identifier' = 'odd');
CREATE TABLE nothing (id INT) WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET
BEGIN
  INSERT INTO evens SELECT id FROM src WHERE MOD(id, 2) = 0;
  INSERT INTO odds SELECT id FROM src WHERE MOD(id, 2) = 1;
END;

BEGIN STATEMENT SET;
INSERT INTO nothing SELECT id FROM src;
INSERT INTO evens SELECT id * 100 FROM src WHERE id = 2;
END;
