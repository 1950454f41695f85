package main

import (
	"strings"
)

// helpCommands are the commands HELP lists, in Flink's order (CliStrings
// MESSAGE_HELP, Flink 1.20), with Flink's descriptions, less the ones this
// client does not have (ADD JAR, REMOVE JAR, SHOW JARS: no JVM, no jars)
// and plus its own (SHOW JOBS, STOP JOB exist in Flink too, but HELP does
// not list them).
var helpCommands = [][2]string{
	{"HELP", "Prints the available commands."},
	{"QUIT/EXIT", "Quits the SQL CLI client."},
	{"CLEAR", "Clears the current terminal."},
	{"SET", `Sets a session configuration property. Syntax: "SET '<key>'='<value>';". Use "SET;" for listing all properties.`},
	{"RESET", `Resets a session configuration property. Syntax: "RESET '<key>';". Use "RESET;" for reset all session properties.`},
	{"INSERT INTO", "Inserts the results of a SQL SELECT query into a declared table sink."},
	{"INSERT OVERWRITE", "Inserts the results of a SQL SELECT query into a declared table sink and overwrite existing data."},
	{"SELECT", "Executes a SQL SELECT query on the Flink cluster."},
	{"EXPLAIN", "Describes the execution plan of a query or table with the given name."},
	{"BEGIN STATEMENT SET", `Begins a statement set. Syntax: "BEGIN STATEMENT SET;"`},
	{"END", `Ends a statement set. Syntax: "END;"`},
	{"SHOW JOBS", "Shows the jobs of this session with their status and progress."},
	{"STOP JOB", `Stops a running job. Syntax: "STOP JOB '<job id>' [WITH SAVEPOINT] [WITH DRAIN];"`},
}

// helpText is what HELP prints, laid out as Flink's: each command padded
// to the longest, two tabs, its description; then the hint.
var helpText = func() string {
	width := 0
	for _, c := range helpCommands {
		width = max(width, len(c[0]))
	}
	var b strings.Builder
	b.WriteString("The following commands are available:\n\n")
	for _, c := range helpCommands {
		b.WriteString(c[0] + strings.Repeat(" ", width-len(c[0])) + "\t\t" + c[1] + "\n")
	}
	b.WriteString("\nHint: Make sure that a statement ends with \";\" for finalizing (multi-line) statements.\n")
	b.WriteString("You can also type any Flink SQL statement, please visit https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/table/sql/overview/ for more details.\n")
	return b.String()
}()
