package expr

// Registry names the planner uses (Lookup is case-insensitive):
//
//	Arithmetic   "+" "-" "*" "/" "%" (Infix), "MOD", "NEGATE" (unary minus)
//	Comparison   "=" "<>" "<" "<=" ">" ">=", "IS DISTINCT FROM",
//	             "IS NOT DISTINCT FROM", "BETWEEN"(x, lo, hi),
//	             "NOT BETWEEN"(x, lo, hi), "IN"(x, v1, ...), "NOT IN"(x, v1, ...)
//	             (NOT(IN(...)) is equivalent), "GREATEST", "LEAST"
//	Logic        "AND", "OR" (2+ args), "NOT", "IS NULL", "IS NOT NULL",
//	             "IS TRUE", "IS FALSE", "IS NOT TRUE", "IS NOT FALSE"
//	Patterns     "LIKE"(s, p[, esc]), "NOT LIKE", "SIMILAR TO", "NOT SIMILAR TO"
//	Conditional  "CASE"(when1, then1, ..., [else]) searched form only,
//	             "COALESCE", "IFNULL", "IF"(c, a, b), "NULLIF"
//	Strings      "||" (Infix), CONCAT, CONCAT_WS, UPPER/UCASE, LOWER/LCASE,
//	             SUBSTRING/SUBSTR, TRIM(s), TRIM_BOTH/TRIM_LEADING/
//	             TRIM_TRAILING(chars, s), LTRIM, RTRIM, BTRIM, CHAR_LENGTH/
//	             CHARACTER_LENGTH, REPLACE, REGEXP, REGEXP_EXTRACT,
//	             REGEXP_REPLACE, SPLIT_INDEX, SPLIT, INITCAP, LPAD, RPAD,
//	             REPEAT, REVERSE, POSITION(needle, s), LOCATE(needle, s[, from]),
//	             INSTR(s, needle), LEFT, RIGHT, ASCII, CHR, MD5, SHA1, SHA256,
//	             SHA512, TO_BASE64, FROM_BASE64, UUID
//	Numeric      ABS, ROUND, TRUNCATE, FLOOR, CEIL/CEILING, POWER/POW, SQRT,
//	             LN, LOG10, LOG2, LOG, EXP, SIGN, PI, E, RAND, RAND_INTEGER,
//	             SIN, COS, TAN, COT, ASIN, ACOS, ATAN, ATAN2, SINH, COSH, TANH,
//	             CBRT, DEGREES, RADIANS, BIN, HEX
//	Date-time    NOW, CURRENT_TIMESTAMP, CURRENT_ROW_TIMESTAMP, LOCALTIMESTAMP,
//	             CURRENT_DATE, CURRENT_TIME, LOCALTIME, PROCTIME,
//	             TO_TIMESTAMP, TO_TIMESTAMP_LTZ, TO_DATE, DATE_FORMAT,
//	             FROM_UNIXTIME, UNIX_TIMESTAMP, EXTRACT('UNIT', t), YEAR,
//	             QUARTER, MONTH, WEEK, DAYOFMONTH, HOUR, MINUTE, SECOND,
//	             DAYOFWEEK, DAYOFYEAR, TIMESTAMPADD('UNIT', n, t),
//	             TIMESTAMPDIFF('UNIT', t1, t2), FLOOR(t, 'UNIT'), CEIL(t, 'UNIT')
//	Collections  "__ARRAY"(e...), "__MAP"(k, v, ...), "ROW"(f...), CARDINALITY,
//	             ELEMENT, ITEM(array, i) / ITEM(map, key), ARRAY_CONTAINS,
//	             MAP_KEYS, MAP_VALUES
//	Casts        "CAST", "TRY_CAST": build with NewCast, never NewCall
//
// Names beginning with "__", the TRIM_* forms and the operators are
// internal spellings; SHOW FUNCTIONS may want to hide them.
