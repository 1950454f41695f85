package session

import (
	"errors"
	"strings"

	"github.com/flinkgo/engine/checkpoint"
)

// flinkClassed is implemented by errors that name the Flink exception
// class users know them by.
type flinkClassed interface{ FlinkClass() string }

// chained is implemented by errors that print as a chain of exceptions
// under sql-client.verbose (planner.ValidationError).
type chained interface{ Chain() []string }

// ErrorText renders an error as Flink's SQL client prints it: "<Class>:
// <message>", the class of the outermost error that names one (else
// TableException), S3 paths as users write them. verbose
// (sql-client.verbose) prints the exception chain, outermost first, each
// cause on a "Caused by: " line, as Flink's verbose client does (without
// Java's stack frames).
func ErrorText(err error, verbose bool) string {
	if verbose {
		var ch chained
		if errors.As(err, &ch) {
			return checkpoint.DisplayPaths(strings.Join(ch.Chain(), "\nCaused by: "))
		}
	}
	var fc flinkClassed
	for e := err; e != nil; {
		if c, ok := e.(flinkClassed); ok {
			fc = c
			break
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
	// Paths on S3 appear as the user wrote them (s3://bucket/...).
	msg := checkpoint.DisplayPaths(err.Error())
	if fc != nil {
		return fc.FlinkClass() + ": " + msg
	}
	return "org.apache.flink.table.api.TableException: " + msg
}
