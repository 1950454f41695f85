-- EXPLAIN ESTIMATED_COST is refused: the planner keeps no row counts or
-- costs to print honestly.
CREATE TABLE orders (`user` BIGINT, product STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '5');
EXPLAIN ESTIMATED_COST SELECT `user`, product FROM orders;
