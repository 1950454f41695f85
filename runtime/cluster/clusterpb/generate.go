// Package clusterpb is the generated wire format of the control plane
// between a JobManager and its TaskManagers (cluster.proto); the contracts
// are in the parent package runtime/cluster.
package clusterpb

// Regenerating needs protoc (3.21 was used: Debian's protobuf-compiler),
// protoc-gen-go v1.36.12 and protoc-gen-go-grpc v1.6.2 on PATH; the
// generated files are committed, so building does not.
//
//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative cluster.proto
