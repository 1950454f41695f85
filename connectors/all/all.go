// Package all registers every built-in connector and format; import it for
// its side effects.
package all

import (
	_ "github.com/flinkgo/engine/connectors/blackhole"
	_ "github.com/flinkgo/engine/connectors/datagen"
	_ "github.com/flinkgo/engine/connectors/filesystem"
	_ "github.com/flinkgo/engine/connectors/formats"
	_ "github.com/flinkgo/engine/connectors/jdbc"
	_ "github.com/flinkgo/engine/connectors/kafka"
	_ "github.com/flinkgo/engine/connectors/nexmark"
	_ "github.com/flinkgo/engine/connectors/print"
	_ "github.com/flinkgo/engine/connectors/socket"
)
