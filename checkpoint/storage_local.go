package checkpoint

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// Permissions of everything LocalStorage creates, whatever the umask.
const (
	dirPerm  os.FileMode = 0o700
	filePerm os.FileMode = 0o600
)

// LocalStorage is Storage on the local file system. Directories it creates
// are 0700 and files 0600 whatever the process umask (it chmods
// explicitly). It holds no state and is safe for concurrent use.
type LocalStorage struct{}

var _ Storage = (*LocalStorage)(nil)

// NewLocalStorage returns a Storage on the local file system.
func NewLocalStorage() *LocalStorage { return &LocalStorage{} }

// MkdirAll creates dir and any missing parents, each 0700. Directories that
// already exist keep their permissions.
func (*LocalStorage) MkdirAll(dir string) error {
	dir = filepath.Clean(dir)
	// Collect the missing components, deepest first.
	var missing []string
	for p := dir; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err == nil {
			if !fi.IsDir() {
				return &os.PathError{Op: "mkdir", Path: p, Err: syscall.ENOTDIR}
			}
			break
		}
		if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		missing = append(missing, p)
		if parent := filepath.Dir(p); parent == p {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		p := missing[i]
		if err := os.Mkdir(p, dirPerm); err != nil {
			if errors.Is(err, os.ErrExist) {
				continue // created concurrently
			}
			return err
		}
		if err := os.Chmod(p, dirPerm); err != nil {
			return err
		}
	}
	return nil
}

// WriteAtomic writes data to path so that path either holds all of data or
// is left as it was (see WriteAtomicFrom).
func (l *LocalStorage) WriteAtomic(path string, data []byte) error {
	_, err := l.WriteAtomicFrom(path, bytes.NewReader(data))
	return err
}

// WriteAtomicFrom streams r to path so that path either holds all of it or
// is left as it was: it writes "<name>.tmp-<random>" in the same directory,
// fsyncs it, renames it over path and fsyncs the directory. The file is
// 0600. On error the temp file is removed.
func (*LocalStorage) WriteAtomicFrom(path string, r io.Reader) (n int64, err error) {
	dir, name := filepath.Split(filepath.Clean(path))
	if dir == "" {
		dir = "."
	}
	tmp := filepath.Join(dir, name+".tmp-"+randomHex(8))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(filePerm); err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	if n, err = io.Copy(bw, r); err != nil {
		return 0, err
	}
	if err = bw.Flush(); err != nil {
		return 0, err
	}
	if err = f.Sync(); err != nil {
		return 0, err
	}
	if err = f.Close(); err != nil {
		return 0, err
	}
	if err = os.Rename(tmp, path); err != nil {
		return 0, err
	}
	return n, syncDir(dir)
}

// CreateExclusive writes data to path only if nothing exists there: a
// fsynced temp file is hard-linked to path (link never replaces), so of
// two writers exactly one succeeds; the loser's error satisfies
// os.ErrExist. The file is 0600.
func (l *LocalStorage) CreateExclusive(path string, data []byte) error {
	dir, name := filepath.Split(filepath.Clean(path))
	if dir == "" {
		dir = "."
	}
	tmp := filepath.Join(dir, "."+name+".new-"+randomHex(8))
	if _, err := l.WriteAtomicFrom(tmp, bytes.NewReader(data)); err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// Open opens path for reading.
func (*LocalStorage) Open(path string) (io.ReadCloser, error) { return os.Open(path) }

// ReadFile returns the content of path.
func (*LocalStorage) ReadFile(path string) ([]byte, error) {
	return os.ReadFile(path)
}

// List returns the entries of dir sorted by name. Entries that vanish while
// listing are left out.
func (*LocalStorage) List(dir string) ([]Entry, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(des))
	for _, de := range des {
		fi, err := de.Info()
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, err
		}
		e := Entry{Name: de.Name(), IsDir: fi.IsDir(), ModTime: fi.ModTime()}
		if !e.IsDir {
			e.Size = fi.Size()
		}
		out = append(out, e)
	}
	return out, nil
}

// Remove deletes a file or an empty directory; a missing path is not an
// error.
func (*LocalStorage) Remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// RemoveAll deletes path and everything below it; a missing path is not an
// error.
func (*LocalStorage) RemoveAll(path string) error {
	return os.RemoveAll(path)
}

// Rename moves from to to and fsyncs the directories involved.
func (*LocalStorage) Rename(from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(to)); err != nil {
		return err
	}
	if fd, td := filepath.Dir(from), filepath.Dir(to); fd != td {
		return syncDir(fd)
	}
	return nil
}

// syncDir fsyncs a directory so that a rename or create in it is durable.
// File systems that cannot fsync directories are tolerated.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		return nil
	}
	return err
}

// randomHex returns 2*n random lowercase hex digits.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return hex.EncodeToString(b)
}

// ParseURI turns a checkpoint location as a user writes it into a Storage
// path: an absolute local path for "file:///abs/path", "file:/abs/path",
// "file://localhost/abs/path" and plain absolute or relative paths
// (relative ones are made absolute against the working directory), and the
// internal S3 form "s3:/bucket/prefix" for "s3://bucket/prefix" and Flink's
// aliases s3a:// and s3p://. Any other scheme ("hdfs://…") is an error that
// says what to use.
func ParseURI(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("checkpoint path is empty; use a local path, a file:// URI or s3://bucket/path")
	}
	if scheme, ok := uriScheme(s); ok {
		switch strings.ToLower(scheme) {
		case "s3", "s3a", "s3p":
			rest := s[len(scheme)+1:]
			if strings.HasPrefix(rest, "//") {
				rest = rest[2:] // s3://bucket/...
			} else {
				rest = rest[1:] // the internal form s3:/bucket/...
			}
			bucket, key, _ := strings.Cut(rest, "/")
			if bucket == "" {
				return "", fmt.Errorf("checkpoint URI '%s' names no bucket; write s3://bucket/path", s)
			}
			key = strings.Trim(path.Clean("/"+key), "/")
			if key == "" {
				return s3Scheme + bucket, nil
			}
			return s3Scheme + bucket + "/" + key, nil
		case "file":
		case "hdfs", "viewfs":
			return "", fmt.Errorf("Checkpoint storage scheme '%s' is not supported: no HDFS client ships with this engine; use s3://bucket/path (also s3a://, s3p://, with the s3.* options), a local path or a file:// URI", scheme)
		default:
			return "", fmt.Errorf("Checkpoint storage scheme '%s' is not supported; use s3://bucket/path (also s3a://, s3p://), a local path or a file:// URI", scheme)
		}
		u, err := url.Parse(s)
		if err != nil {
			return "", fmt.Errorf("invalid checkpoint URI '%s': %v; use a local path or file:///absolute/path", s, err)
		}
		if u.Host != "" && !strings.EqualFold(u.Host, "localhost") {
			return "", fmt.Errorf("checkpoint URI '%s' names host '%s'; only local paths are supported, use file:///absolute/path", s, u.Host)
		}
		if u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
			return "", fmt.Errorf("checkpoint URI '%s' has no absolute path; use file:///absolute/path", s)
		}
		return filepath.Clean(filepath.FromSlash(u.Path)), nil
	}
	abs, err := filepath.Abs(s)
	if err != nil {
		return "", fmt.Errorf("cannot resolve checkpoint path '%s': %v", s, err)
	}
	return abs, nil
}

// uriScheme reports the scheme of s when s looks like "<scheme>:/…" with a
// scheme of at least two characters (so "C:/x" and "a:b" stay paths).
func uriScheme(s string) (string, bool) {
	i := strings.Index(s, ":")
	if i < 2 || i+1 >= len(s) || s[i+1] != '/' {
		return "", false
	}
	for j := 0; j < i; j++ {
		c := s[j]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case j > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return "", false
		}
	}
	return s[:i], true
}
