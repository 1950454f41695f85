-- SET; lists the session's options as Flink's client does: what -D and SET
-- set, plus the defaults Flink's client lists that this engine applies the
-- same way; RESET 'key' and RESET; go back to them. HELP lists the commands.
HELP;
SET;
SET 'table.dml-sync' = 'true';
SET 'execution.savepoint-restore-mode' = 'CLAIM';
SET 'sql-client.display.max-column-width' = '12';
SET;
RESET 'execution.savepoint-restore-mode';
RESET 'table.dml-sync';
SET;
SET 'execution.state-recovery.ignore-unclaimed-state' = 'true';
SET 'pipeline.name' = 'a job name longer than the column width';
SET;
RESET;
SET;
