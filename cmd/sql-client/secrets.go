package main

import "github.com/flinkgo/engine/sql"

// secretValues are the secret values of the statements and -D options the
// client has seen; messages that may repeat them (errors, job failures,
// status lines, the session's log) are masked with them.
type secretValues = sql.SecretSet
