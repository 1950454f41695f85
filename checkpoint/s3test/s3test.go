// Package s3test gives tests a real S3-compatible server process: the one
// named by S3_TEST_ENDPOINT (with S3_TEST_ACCESS_KEY and
// S3_TEST_SECRET_KEY), or a private versitygw (github.com/versity/versitygw,
// `versitygw posix <dir>`, installed by .ci/services) that it starts once
// per test binary on a free loopback port over a temporary directory and
// that dies with the binary. Without a server, a test fails under CI=true
// and is skipped otherwise.
//
// Each test gets its own bucket (NewBucket), so tests run in parallel.
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Server is a running S3-compatible endpoint.
type Server struct {
	Endpoint  string // http://127.0.0.1:port
	AccessKey string
	SecretKey string
	// Dir is the directory versitygw serves (bucket = subdirectory), or
	// "" for an external server.
	Dir string
}

var (
	once   sync.Once
	server Server
	why    string
)

// Start returns the server, starting it on first use; it fails or skips t
// when there is none.
func Start(t testing.TB) Server {
	t.Helper()
	once.Do(find)
	if why != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no S3 server: %s", why)
		}
		t.Skipf("no S3 server: %s", why)
	}
	return server
}

func find() {
	if ep := os.Getenv("S3_TEST_ENDPOINT"); ep != "" {
		server = Server{Endpoint: ep, AccessKey: os.Getenv("S3_TEST_ACCESS_KEY"), SecretKey: os.Getenv("S3_TEST_SECRET_KEY")}
		return
	}
	bin, err := versitygw()
	if err != nil {
		why = err.Error() + " (run .ci/services, or set S3_TEST_ENDPOINT)"
		return
	}
	if err := startPrivate(bin); err != nil {
		why = "versitygw could not be started: " + err.Error()
	}
}

// versitygw finds the binary on PATH or in $(go env GOPATH)/bin.
func versitygw() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = strings.TrimSpace(string(out))
		}
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("versitygw not found on PATH or in GOPATH/bin")
}

func startPrivate(bin string) error {
	dir, err := os.MkdirTemp("", "s3test-versitygw")
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	key, secret := "s3test", "s3test-secret-"+randomHex(8)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "--quiet", "--port", addr, "posix", dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+key, "ROOT_SECRET_KEY="+secret)
	var logBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			return fmt.Errorf("it exited: %s", logBuf.String())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return fmt.Errorf("it did not listen on %s within 30 s: %s", addr, logBuf.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	server = Server{Endpoint: "http://" + addr, AccessKey: key, SecretKey: secret, Dir: dir}
	return nil
}

// Client returns an SDK client for the server (path-style, checksums only
// where required, as the engine's store).
func (s Server) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:                     "us-east-1",
		BaseEndpoint:               aws.String(s.Endpoint),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// NewBucket creates a bucket with a unique name for t.
func (s Server) NewBucket(t testing.TB) string {
	t.Helper()
	name := "t-" + randomHex(8)
	if _, err := s.Client().CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("creating bucket %s at %s: %v", name, s.Endpoint, err)
	}
	return name
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// SetStatements are the SET statements that point a script at the server
// with Flink's s3.* keys, one per line.
func (s Server) SetStatements() string {
	return "SET 's3.endpoint' = '" + s.Endpoint + "';\n" +
		"SET 's3.access-key' = '" + s.AccessKey + "';\n" +
		"SET 's3.secret-key' = '" + s.SecretKey + "';\n" +
		"SET 's3.path.style.access' = 'true';\n"
}
