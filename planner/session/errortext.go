package session

import "github.com/flinkgo/engine/checkpoint"

// flinkClassed is implemented by errors that name the Flink exception
// class users know them by.
type flinkClassed interface{ FlinkClass() string }

// ErrorText renders an error as Flink's SQL client prints it: "<Class>:
// <message>", the class of the outermost error that names one (else
// TableException), S3 paths as users write them.
func ErrorText(err error) string {
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
