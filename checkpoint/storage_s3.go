package checkpoint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3 storage: checkpoints and savepoints in an S3-compatible object store
// (AWS S3, versitygw, SeaweedFS, MinIO, Ceph RGW, ...), through
// aws-sdk-go-v2.
//
// Paths: a user writes s3://bucket/prefix (Flink's aliases s3a:// and
// s3p:// too); ParseURI turns it into the internal form "s3:/bucket/prefix"
// — one slash, so filepath.Join and filepath.Dir keep it intact — and
// DisplayPath turns it back. An object key is the path after the bucket.
//
// Object stores have no directories and no rename. A directory is every key
// under "<dir>/"; MkdirAll writes an empty marker object "<dir>/" so an
// empty directory exists as on a disk (List of a directory with neither
// marker nor keys is os.ErrNotExist). A single PUT is atomic, so
// WriteAtomic is one PUT; WriteAtomicFrom uploads large files in parts;
// CreateExclusive is a PUT with If-None-Match: * — the commit point of a
// checkpoint: of two writers of one _metadata exactly one succeeds.
// Errors name the operation, the endpoint, bucket and key, never a
// credential.

// S3Options are Flink's s3.* keys. Without AccessKey the standard AWS
// chain is used (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_PROFILE,
// shared config and credentials files, instance roles), as Flink's S3
// plugins do.
type S3Options struct {
	Endpoint  string // s3.endpoint: http(s)://host:port; empty = AWS
	Region    string // s3.region; default us-east-1 (or the AWS chain's)
	AccessKey string // s3.access-key
	SecretKey string // s3.secret-key
	PathStyle bool   // s3.path.style.access
}

// S3PartSize is the size of one part of a multipart upload; files up to
// it go up in one PUT.
const S3PartSize = 16 << 20

// S3Storage is a Storage on one S3 endpoint. It is safe for concurrent use.
type S3Storage struct {
	client   *s3.Client
	endpoint string // for messages
	dirs     sync.Map
}

var _ Storage = (*S3Storage)(nil)

// NewS3Storage returns a Storage on the endpoint of o.
func NewS3Storage(o S3Options) (*S3Storage, error) {
	ctx := context.Background()
	loads := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRetryMaxAttempts(5),
		// Third-party servers reject or mishandle the SDK's default
		// CRC32 trailers on multipart uploads; S3 needs none of them.
		awsconfig.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		awsconfig.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
	}
	if o.Region != "" {
		loads = append(loads, awsconfig.WithRegion(o.Region))
	}
	if o.AccessKey != "" || o.SecretKey != "" {
		if o.AccessKey == "" || o.SecretKey == "" {
			return nil, errors.New("s3: set both 's3.access-key' and 's3.secret-key', or neither to use the AWS credential chain (environment, shared files, instance role)")
		}
		loads = append(loads, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(o.AccessKey, o.SecretKey, "")))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return nil, fmt.Errorf("s3: loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	endpoint := "AWS S3 (" + cfg.Region + ")"
	client := s3.NewFromConfig(cfg, func(c *s3.Options) {
		c.UsePathStyle = o.PathStyle
		if o.Endpoint != "" {
			ep := o.Endpoint
			if !strings.Contains(ep, "://") {
				ep = "https://" + ep
			}
			c.BaseEndpoint = aws.String(ep)
			endpoint = ep
		}
	})
	return &S3Storage{client: client, endpoint: endpoint}, nil
}

// s3Scheme is the internal prefix of S3 paths.
const s3Scheme = "s3:/"

// IsS3Path reports whether p is an S3 path in the internal form.
func IsS3Path(p string) bool { return strings.HasPrefix(p, s3Scheme) }

// DisplayPath returns p as a user writes it: s3://bucket/key for S3 paths.
func DisplayPath(p string) string {
	if IsS3Path(p) && !strings.HasPrefix(p, "s3://") {
		return "s3://" + p[len(s3Scheme):]
	}
	return p
}

// internalS3 matches internal S3 paths inside a message.
var internalS3 = regexp.MustCompile(`(^|[^A-Za-z0-9+.\-])s3:/([^/])`)

// DisplayPaths rewrites every internal S3 path in a message (an error, a
// log line) into its s3:// form.
func DisplayPaths(msg string) string {
	if !strings.Contains(msg, s3Scheme) {
		return msg
	}
	return internalS3.ReplaceAllString(msg, "${1}s3://${2}")
}

// splitS3 returns the bucket and key of an internal S3 path.
func splitS3(p string) (bucket, key string, err error) {
	if !IsS3Path(p) {
		return "", "", fmt.Errorf("not an S3 path: %s", p)
	}
	rest := strings.TrimLeft(p[len(s3Scheme):], "/")
	bucket, key, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("S3 path %s names no bucket; write s3://bucket/path", DisplayPath(p))
	}
	return bucket, strings.Trim(key, "/"), nil
}

// fail wraps an SDK error with the operation and where; a missing object
// or bucket also satisfies os.ErrNotExist, a lost conditional create
// os.ErrExist.
func (s *S3Storage) fail(op, bucket, key string, err error) error {
	where := fmt.Sprintf("s3: %s s3://%s/%s at %s", op, bucket, key, s.endpoint)
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	var nsb *types.NoSuchBucket
	var api smithy.APIError
	switch {
	case errors.As(err, &nsb) || errors.As(err, &api) && api.ErrorCode() == "NoSuchBucket":
		return fmt.Errorf("%s: the bucket %q does not exist (create it, or fix the path): %w", where, bucket, os.ErrNotExist)
	case errors.As(err, &nsk) || errors.As(err, &nf):
		return fmt.Errorf("%s: %w", where, os.ErrNotExist)
	case errors.As(err, &api) && (api.ErrorCode() == "PreconditionFailed" || api.ErrorCode() == "ConditionalRequestConflict"):
		return fmt.Errorf("%s: the object already exists: %w", where, os.ErrExist)
	case errors.As(err, &api) && (api.ErrorCode() == "InvalidAccessKeyId" || api.ErrorCode() == "SignatureDoesNotMatch" || api.ErrorCode() == "AccessDenied"):
		return fmt.Errorf("%s: access refused (%s): check 's3.access-key' / 's3.secret-key' or the AWS credentials", where, api.ErrorCode())
	}
	return fmt.Errorf("%s: %w", where, err)
}

// MkdirAll writes the directory's marker object (once per process).
func (s *S3Storage) MkdirAll(dir string) error {
	if _, ok := s.dirs.Load(dir); ok {
		return nil
	}
	bucket, key, err := splitS3(dir)
	if err != nil {
		return err
	}
	if key != "" {
		_, err = s.client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(key + "/"), Body: bytes.NewReader(nil)})
		if err != nil {
			return s.fail("creating directory", bucket, key+"/", err)
		}
	}
	s.dirs.Store(dir, true)
	return nil
}

// WriteAtomic writes the object in one PUT.
func (s *S3Storage) WriteAtomic(p string, data []byte) error {
	bucket, key, err := splitS3(p)
	if err != nil {
		return err
	}
	_, err = s.client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key,
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data)))})
	if err != nil {
		return s.fail("writing", bucket, key, err)
	}
	return nil
}

// CreateExclusive writes the object only if no object exists at p
// (If-None-Match: *); otherwise the error satisfies os.ErrExist.
func (s *S3Storage) CreateExclusive(p string, data []byte) error {
	bucket, key, err := splitS3(p)
	if err != nil {
		return err
	}
	_, err = s.client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key,
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))), IfNoneMatch: aws.String("*")})
	if err != nil {
		return s.fail("creating", bucket, key, err)
	}
	return nil
}

// partBuffers holds S3PartSize buffers for WriteAtomicFrom.
var partBuffers = sync.Pool{New: func() any { b := make([]byte, S3PartSize); return &b }}

// WriteAtomicFrom uploads r: in one PUT up to S3PartSize, else in parts
// (the object appears only when the upload completes; a failed upload is
// aborted).
func (s *S3Storage) WriteAtomicFrom(p string, r io.Reader) (int64, error) {
	// One part buffer per upload in flight, reused: a fresh 16 MiB slice
	// per file (zeroed by the allocator) cost more CPU than the upload
	// itself for a checkpoint of many small SST files. A buffer goes back
	// only after a successful upload: after a failed request the HTTP
	// transport may still be reading the body it was given.
	bp := partBuffers.Get().(*[]byte)
	n, err := s.writeFrom(p, r, *bp)
	if err == nil {
		partBuffers.Put(bp)
	}
	return n, err
}

// writeFrom is WriteAtomicFrom with a part buffer.
func (s *S3Storage) writeFrom(p string, r io.Reader, buf []byte) (int64, error) {
	bucket, key, err := splitS3(p)
	if err != nil {
		return 0, err
	}
	n, rerr := io.ReadFull(r, buf)
	if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
		return int64(n), s.WriteAtomic(p, buf[:n])
	}
	if rerr != nil {
		return 0, fmt.Errorf("s3: reading the data for s3://%s/%s: %w", bucket, key, rerr)
	}
	ctx := context.Background()
	up, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return 0, s.fail("starting the upload of", bucket, key, err)
	}
	abort := func(err error) (int64, error) {
		_, _ = s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &bucket, Key: &key, UploadId: up.UploadId})
		return 0, err
	}
	var parts []types.CompletedPart
	var total int64
	for num := int32(1); n > 0; num++ {
		out, err := s.client.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: &key, UploadId: up.UploadId,
			PartNumber: aws.Int32(num), Body: bytes.NewReader(buf[:n]), ContentLength: aws.Int64(int64(n))})
		if err != nil {
			return abort(s.fail(fmt.Sprintf("uploading part %d of", num), bucket, key, err))
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})
		total += int64(n)
		if rerr != nil {
			break // the last read ended the data
		}
		n, rerr = io.ReadFull(r, buf)
		if rerr != nil && rerr != io.EOF && rerr != io.ErrUnexpectedEOF {
			return abort(fmt.Errorf("s3: reading the data for s3://%s/%s: %w", bucket, key, rerr))
		}
	}
	_, err = s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: &key,
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	if err != nil {
		return abort(s.fail("completing the upload of", bucket, key, err))
	}
	return total, nil
}

// ReadFile returns the object's content.
func (s *S3Storage) ReadFile(p string) ([]byte, error) {
	rc, err := s.Open(p)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		bucket, key, _ := splitS3(p)
		return nil, s.fail("reading", bucket, key, err)
	}
	return b, nil
}

// Open streams the object.
func (s *S3Storage) Open(p string) (io.ReadCloser, error) {
	bucket, key, err := splitS3(p)
	if err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return nil, s.fail("reading", bucket, key, err)
	}
	return out.Body, nil
}

// List returns the objects and sub-directories directly under dir, sorted.
func (s *S3Storage) List(dir string) ([]Entry, error) {
	bucket, key, err := splitS3(dir)
	if err != nil {
		return nil, err
	}
	prefix := ""
	if key != "" {
		prefix = key + "/"
	}
	var out []Entry
	exists := key == ""
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix, Delimiter: aws.String("/")})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			return nil, s.fail("listing", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			exists = true
			name := strings.TrimPrefix(aws.ToString(o.Key), prefix)
			if name == "" {
				continue // the directory's own marker
			}
			e := Entry{Name: name, Size: aws.ToInt64(o.Size)}
			if o.LastModified != nil {
				e.ModTime = *o.LastModified
			}
			out = append(out, e)
		}
		for _, cp := range page.CommonPrefixes {
			exists = true
			name := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), prefix), "/")
			if name != "" {
				out = append(out, Entry{Name: name, IsDir: true})
			}
		}
	}
	if !exists {
		return nil, fmt.Errorf("s3: listing s3://%s/%s at %s: no such directory: %w", bucket, prefix, s.endpoint, os.ErrNotExist)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Remove deletes the object at p and the directory marker p/.
func (s *S3Storage) Remove(p string) error {
	bucket, key, err := splitS3(p)
	if err != nil {
		return err
	}
	s.dirs.Delete(p)
	ctx := context.Background()
	for _, k := range []string{key, key + "/"} {
		if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String(k)}); err != nil {
			if e := s.fail("deleting", bucket, k, err); !errors.Is(e, os.ErrNotExist) {
				return e
			}
		}
	}
	return nil
}

// RemoveAll deletes every object under p/ and p itself.
func (s *S3Storage) RemoveAll(p string) error {
	bucket, key, err := splitS3(p)
	if err != nil {
		return err
	}
	s.dirs.Range(func(k, _ any) bool {
		if d := k.(string); d == p || strings.HasPrefix(d, p+"/") {
			s.dirs.Delete(d)
		}
		return true
	})
	ctx := context.Background()
	prefix := key + "/"
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			if e := s.fail("listing", bucket, prefix, err); errors.Is(e, os.ErrNotExist) {
				return nil
			} else {
				return e
			}
		}
		if len(page.Contents) == 0 {
			continue
		}
		ids := make([]types.ObjectIdentifier, len(page.Contents))
		for i, o := range page.Contents {
			ids[i] = types.ObjectIdentifier{Key: o.Key}
		}
		out, err := s.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
		if err != nil {
			return s.fail("deleting objects under", bucket, prefix, err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("s3: deleting s3://%s/%s at %s: %s %s", bucket, aws.ToString(e.Key), s.endpoint, aws.ToString(e.Code), aws.ToString(e.Message))
		}
	}
	return s.Remove(p)
}

// Rename copies the object at from to to and deletes from (not atomic;
// only files). Checkpoints never rename on object storage.
func (s *S3Storage) Rename(from, to string) error {
	fb, fk, err := splitS3(from)
	if err != nil {
		return err
	}
	tb, tk, err := splitS3(to)
	if err != nil {
		return err
	}
	ctx := context.Background()
	if _, err := s.client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &tb, Key: &tk, CopySource: aws.String(fb + "/" + fk)}); err != nil {
		return s.fail("copying to s3://"+tb+"/"+tk+" from", fb, fk, err)
	}
	return s.Remove(from)
}
