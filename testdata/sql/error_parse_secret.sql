-- Secret values are masked in the echo and in the line a parse error shows;
-- the caret still points at the unexpected token of the masked line.
SET 'password' = 'hunter2';
CREATE TABLE src (id INT) WITH (
  'connector' = 'datagen',
  'url' = 'jdbc:mysql://user:se/cret@db:3306/shop?password=hunter2&ssl=true', 'password' = 'hunter2' oops
);
