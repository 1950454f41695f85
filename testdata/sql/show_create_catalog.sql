-- SHOW CREATE CATALOG (Flink 1.20)
CREATE CATALOG cat1 WITH ('type' = 'generic_in_memory');
SHOW CREATE CATALOG cat1;

CREATE CATALOG `my cat` COMMENT 'it''s mine' WITH ('type' = 'generic_in_memory', 'default-database' = 'db1');
SHOW CREATE CATALOG `my cat`;

-- an unknown catalog (a -f script stops at the error)
SHOW CREATE CATALOG nope;
