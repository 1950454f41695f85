package main

import (
	"strings"
)

// helpCommands are the commands HELP lists: Flink's list (CliStrings'
// SQL_CLI_COMMANDS_DESCRIPTIONS since 1.16, as its misc.q transcript
// prints it) in Flink's order and words. (ADD JAR registers a JAR in the
// session without loading it: planner/session/jars.go.) Flink's HELP does
// not list SHOW JOBS or STOP JOB, though it runs them: like CREATE TABLE
// or SHOW TABLES they are SQL statements, for which the hint under the
// list points to Flink's SQL documentation.
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
	{"ADD JAR", `Adds the specified jar file to the submitted jobs' classloader. Syntax: "ADD JAR '<path_to_filename>.jar'"`},
	{"REMOVE JAR", `Removes the specified jar file from the submitted jobs' classloader. Syntax: "REMOVE JAR '<path_to_filename>.jar'"`},
	{"SHOW JARS", "Shows the list of user-specified jar dependencies. This list is impacted by the --jar and --library startup options as well as the ADD/REMOVE JAR commands."},
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
