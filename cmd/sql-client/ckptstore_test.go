package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/flinkgo/engine/checkpoint/s3test"
)

// checkpointStore is where a kill-loop test keeps its checkpoints: the SET
// statements that point a script there, and a probe for a completed
// checkpoint (a chk-<n>/_metadata).
type checkpointStore struct {
	kind     string // "local" or "s3"
	sets     string
	complete func() bool
	// local is the checkpoint root as a local directory (versitygw keeps
	// objects as files), "" when the server is elsewhere; uri turns a path
	// under it into what a user writes (file path or s3://).
	local string
	uri   func(localPath string) string
}

// storeKinds are the checkpoint stores kill loops run against.
var storeKinds = []string{"local", "s3"}

// newCheckpointStore returns a store of kind for a test working in dir:
// dir/ckpt on disk, or s3://<fresh bucket>/flink/ckpt on the test S3 server
// (s3.* keys as a user sets them).
func newCheckpointStore(t *testing.T, dir, kind string) checkpointStore {
	t.Helper()
	if kind == "local" {
		root := filepath.Join(dir, "ckpt")
		return checkpointStore{kind: kind, sets: fmt.Sprintf("SET 'state.checkpoints.dir' = 'file://%s';\n", root),
			complete: func() bool { return hasCompleteCheckpoint(root) }, local: root, uri: func(p string) string { return p }}
	}
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	sets := srv.SetStatements() + fmt.Sprintf("SET 'state.checkpoints.dir' = 's3://%s/flink/ckpt';\n", bucket)
	client := srv.Client()
	complete := func() bool {
		out, err := client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("flink/ckpt/")})
		if err != nil {
			return false
		}
		for _, o := range out.Contents {
			if k := aws.ToString(o.Key); strings.Contains(k, "/chk-") && strings.HasSuffix(k, "/_metadata") {
				return true
			}
		}
		return false
	}
	store := checkpointStore{kind: kind, sets: sets, complete: complete}
	if srv.Dir != "" {
		store.local = filepath.Join(srv.Dir, bucket, "flink", "ckpt")
		store.uri = func(p string) string {
			rel, _ := filepath.Rel(store.local, p)
			return "s3://" + bucket + "/flink/ckpt/" + filepath.ToSlash(rel)
		}
	}
	return store
}
