package state
import _ "github.com/cockroachdb/pebble"
