package checkpoint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flinkgo/engine/checkpoint/s3test"
)

// s3Store returns a store on a fresh bucket of the test server and the
// bucket's root path.
func s3Store(t testing.TB) (*S3Storage, string) {
	t.Helper()
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	st, err := NewS3Storage(S3Options{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	return st, "s3:/" + bucket + "/flink/checkpoints"
}

// TestStorageConformance holds the local disk and the S3 store to the
// same Storage contract.
func TestStorageConformance(t *testing.T) {
	s3st, s3root := s3Store(t)
	for _, c := range []struct {
		name string
		st   Storage
		root string
	}{
		{"local", NewLocalStorage(), t.TempDir()},
		{"s3", s3st, s3root},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, root := c.st, c.root
			dir := filepath.Join(root, "job", "chk-1")
			if _, err := st.List(dir); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("List of a missing directory: %v, want os.ErrNotExist", err)
			}
			if _, err := st.ReadFile(filepath.Join(dir, "nope")); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("ReadFile of a missing file: %v, want os.ErrNotExist", err)
			}
			if err := st.MkdirAll(dir); err != nil {
				t.Fatal(err)
			}
			if es, err := st.List(dir); err != nil || len(es) != 0 {
				t.Fatalf("List of a new directory: %v, %v", es, err)
			}
			if err := st.WriteAtomic(filepath.Join(dir, "a"), []byte("hello")); err != nil {
				t.Fatal(err)
			}
			big := bytes.Repeat([]byte("0123456789abcdef"), (2*S3PartSize+12345)/16)
			if n, err := st.WriteAtomicFrom(filepath.Join(dir, "big"), bytes.NewReader(big)); err != nil || n != int64(len(big)) {
				t.Fatalf("WriteAtomicFrom: %d, %v", n, err)
			}
			rc, err := st.Open(filepath.Join(dir, "big"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, big) {
				t.Fatalf("reading the multipart file back: %d bytes, %v", len(got), err)
			}
			if err := st.MkdirAll(filepath.Join(root, "job", "shared")); err != nil {
				t.Fatal(err)
			}
			es, err := st.List(filepath.Join(root, "job"))
			if err != nil || len(es) != 2 || es[0].Name != "chk-1" || !es[0].IsDir || es[1].Name != "shared" || !es[1].IsDir {
				t.Fatalf("List of the job directory: %+v, %v", es, err)
			}
			es, err = st.List(dir)
			if err != nil || len(es) != 2 || es[0].Name != "a" || es[0].Size != 5 || es[1].Name != "big" || es[0].IsDir {
				t.Fatalf("List of chk-1: %+v, %v", es, err)
			}

			// The commit point: of several writers exactly one creates.
			meta := filepath.Join(dir, MetadataFile)
			var wins, lost int
			var mu sync.Mutex
			var wg sync.WaitGroup
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					err := st.CreateExclusive(meta, []byte{byte('0' + i)})
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						wins++
					case errors.Is(err, os.ErrExist):
						lost++
					default:
						t.Errorf("CreateExclusive: %v", err)
					}
				}(i)
			}
			wg.Wait()
			if wins != 1 || lost != 7 {
				t.Fatalf("8 racing creates: %d won, %d lost; want 1 and 7", wins, lost)
			}
			if b, err := st.ReadFile(meta); err != nil || len(b) != 1 {
				t.Fatalf("the winner's _metadata: %q, %v", b, err)
			}

			if err := st.Remove(filepath.Join(dir, "a")); err != nil {
				t.Fatal(err)
			}
			if err := st.Remove(filepath.Join(dir, "a")); err != nil {
				t.Fatalf("Remove of a missing file: %v", err)
			}
			if err := st.RemoveAll(filepath.Join(root, "job")); err != nil {
				t.Fatal(err)
			}
			if _, err := st.List(dir); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("List after RemoveAll: %v", err)
			}
			if err := st.RemoveAll(filepath.Join(root, "job")); err != nil {
				t.Fatalf("RemoveAll of a missing tree: %v", err)
			}
		})
	}
}

// TestCheckpointOnS3 writes, lists, resolves and loads checkpoints on S3
// through the same functions as on disk.
func TestCheckpointOnS3(t *testing.T) {
	s3st, root := s3Store(t)
	st := &RoutingStorage{Local: NewLocalStorage(), S3: func() (Storage, error) { return s3st, nil }}
	for id := int64(1); id <= 3; id++ {
		dir := filepath.Join(JobDir(root, testJobID), fmt.Sprintf("chk-%d", id))
		if err := WriteCheckpoint(st, dir, testMeta(id, "q", 1000*id), 1024); err != nil {
			t.Fatal(err)
		}
	}
	d, err := FindLatest(st, root, "q", false)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(JobDir(root, testJobID), "chk-3")
	if d.Chosen.Path != want {
		t.Fatalf("latest = %s, want %s", d.Chosen.Path, want)
	}
	checkStates(t, st, DisplayPath(want), 3)
	// A second writer of chk-3 loses and leaves the winner's files alone.
	err = WriteCheckpoint(st, want, testMeta(3, "q", 3000), 1024)
	if err == nil || !strings.Contains(err.Error(), "already holds a complete checkpoint") {
		t.Fatalf("second write of chk-3: %v", err)
	}
	checkStates(t, st, want, 3)
	infos, err := List(st, root)
	if err != nil || len(infos) != 3 {
		t.Fatalf("List: %+v, %v", infos, err)
	}
}

// TestS3Errors: a wrong secret and a missing bucket fail with the
// endpoint, bucket and key named and no secret shown.
func TestS3Errors(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	const secret = "wr0ng-s3cret-value"
	st, err := NewS3Storage(S3Options{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: secret, PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	err = st.WriteAtomic("s3:/"+bucket+"/ckpt/x", []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "s3://"+bucket+"/ckpt/x") || !strings.Contains(err.Error(), srv.Endpoint) ||
		!strings.Contains(err.Error(), "access refused") || strings.Contains(err.Error(), secret) {
		t.Fatalf("wrong secret: %v", err)
	}
	good, _ := NewS3Storage(S3Options{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, PathStyle: true})
	err = good.WriteAtomic("s3:/no-such-bucket-"+bucket+"/ckpt/x", []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "does not exist") || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing bucket: %v", err)
	}
}

// TestS3Faults: throttling and resets are retried; a persistent failure
// fails the checkpoint with endpoint, bucket and key named and no secret,
// leaving no chk-<n> that 'latest' could pick; an unreachable endpoint is
// named.
func TestS3Faults(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t)
	proxy := srv.NewProxy(t)
	s3st, err := NewS3Storage(S3Options{Endpoint: proxy.URL, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	st := &RoutingStorage{Local: NewLocalStorage(), S3: func() (Storage, error) { return s3st, nil }}
	root := "s3:/" + bucket + "/ckpt"
	chk := func(id int64) string { return filepath.Join(JobDir(root, testJobID), fmt.Sprintf("chk-%d", id)) }
	if err := WriteCheckpoint(st, chk(1), testMeta(1, "q", 1000), 1024); err != nil {
		t.Fatal(err)
	}

	proxy.Fail("PUT", "chk-2/_metadata", 503, 2) // SlowDown, twice
	if err := WriteCheckpoint(st, chk(2), testMeta(2, "q", 2000), 1024); err != nil {
		t.Fatalf("throttled twice: %v", err)
	}
	proxy.Fail("PUT", "chk-3/", 0, 1) // a connection reset mid-upload
	if err := WriteCheckpoint(st, chk(3), testMeta(3, "q", 3000), 1024); err != nil {
		t.Fatalf("one reset: %v", err)
	}
	if proxy.Hits() != 3 {
		t.Fatalf("%d requests met a fault, want 3", proxy.Hits())
	}
	checkStates(t, st, chk(3), 3)

	proxy.Fail("PUT", "chk-4/_metadata", 500, -1)
	err = WriteCheckpoint(st, chk(4), testMeta(4, "q", 4000), 1024)
	if err == nil {
		t.Fatal("a persistent 500 did not fail the checkpoint")
	}
	for _, want := range []string{proxy.URL, "s3://" + bucket + "/ckpt/" + testJobID + "/chk-4/_metadata", "InternalError"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if strings.Contains(err.Error(), srv.SecretKey) {
		t.Errorf("error shows the secret: %v", err)
	}
	proxy.Clear()
	d, err := FindLatest(st, root, "q", false)
	if err != nil || d.Chosen.Path != chk(3) {
		t.Fatalf("latest after the failed chk-4: %+v, %v", d.Chosen, err)
	}
	if _, err := st.List(chk(4)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the failed chk-4 left files: %v", err)
	}

	down, _ := NewS3Storage(S3Options{Endpoint: "http://127.0.0.1:1", AccessKey: "k", SecretKey: "s", PathStyle: true})
	err = down.WriteAtomic("s3:/"+bucket+"/x", []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "http://127.0.0.1:1") || !strings.Contains(err.Error(), "s3://"+bucket+"/x") {
		t.Fatalf("unreachable endpoint: %v", err)
	}
}

// TestLatestOnS3RefusesCorruptNewer: object stores give directories no
// time, so the newest checkpoint across jobs (a restored job has a new id)
// is told by its _metadata's time; a corrupt newer one is refused, not
// skipped.
func TestLatestOnS3RefusesCorruptNewer(t *testing.T) {
	s3st, root := s3Store(t)
	st := &RoutingStorage{Local: NewLocalStorage(), S3: func() (Storage, error) { return s3st, nil }}
	old := testMeta(1, "q", 1000)
	old.JobID = "0123456789abcdef0123456789abcdef"
	if err := WriteCheckpoint(st, filepath.Join(JobDir(root, old.JobID), "chk-1"), old, 1024); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // object times have second resolution
	newer := filepath.Join(JobDir(root, testJobID), "chk-1")
	if err := WriteCheckpoint(st, newer, testMeta(1, "q", 2000), 1024); err != nil {
		t.Fatal(err)
	}
	if err := st.WriteAtomic(filepath.Join(newer, MetadataFile), []byte("garbage")); err != nil {
		t.Fatal(err)
	}
	_, err := FindLatest(st, root, "q", false)
	if err == nil || !strings.Contains(DisplayPaths(err.Error()), DisplayPath(newer)+"/_metadata") {
		t.Fatalf("latest with a corrupt newer checkpoint on S3: %v", err)
	}
}
