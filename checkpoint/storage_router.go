package checkpoint

import (
	"errors"
	"fmt"
	"io"
)

// RoutingStorage sends S3 paths ("s3:/bucket/…", see storage_s3.go) to the
// store S3 returns and every other path to Local, so one Storage serves a
// session whose checkpoints go to S3 and whose savepoints stay local, or
// the reverse. It is safe for concurrent use if its stores are.
type RoutingStorage struct {
	Local Storage
	// S3 returns the store for S3 paths, built from the session's current
	// s3.* options; nil when S3 is not available.
	S3 func() (Storage, error)
}

var _ Storage = (*RoutingStorage)(nil)

func (r *RoutingStorage) pick(p string) (Storage, error) {
	if !IsS3Path(p) {
		return r.Local, nil
	}
	if r.S3 == nil {
		return nil, fmt.Errorf("%s: S3 storage is not available here", DisplayPath(p))
	}
	return r.S3()
}

func (r *RoutingStorage) MkdirAll(dir string) error {
	st, err := r.pick(dir)
	if err != nil {
		return err
	}
	return st.MkdirAll(dir)
}

func (r *RoutingStorage) WriteAtomic(p string, data []byte) error {
	st, err := r.pick(p)
	if err != nil {
		return err
	}
	return st.WriteAtomic(p, data)
}

func (r *RoutingStorage) CreateExclusive(p string, data []byte) error {
	st, err := r.pick(p)
	if err != nil {
		return err
	}
	return st.CreateExclusive(p, data)
}

func (r *RoutingStorage) WriteAtomicFrom(p string, rd io.Reader) (int64, error) {
	st, err := r.pick(p)
	if err != nil {
		return 0, err
	}
	return st.WriteAtomicFrom(p, rd)
}

func (r *RoutingStorage) ReadFile(p string) ([]byte, error) {
	st, err := r.pick(p)
	if err != nil {
		return nil, err
	}
	return st.ReadFile(p)
}

func (r *RoutingStorage) Open(p string) (io.ReadCloser, error) {
	st, err := r.pick(p)
	if err != nil {
		return nil, err
	}
	return st.Open(p)
}

func (r *RoutingStorage) List(dir string) ([]Entry, error) {
	st, err := r.pick(dir)
	if err != nil {
		return nil, err
	}
	return st.List(dir)
}

func (r *RoutingStorage) Remove(p string) error {
	st, err := r.pick(p)
	if err != nil {
		return err
	}
	return st.Remove(p)
}

func (r *RoutingStorage) RemoveAll(p string) error {
	st, err := r.pick(p)
	if err != nil {
		return err
	}
	return st.RemoveAll(p)
}

func (r *RoutingStorage) Rename(from, to string) error {
	if IsS3Path(from) != IsS3Path(to) {
		return errors.New("cannot rename between object storage and the local disk: " + DisplayPath(from) + " -> " + DisplayPath(to))
	}
	st, err := r.pick(from)
	if err != nil {
		return err
	}
	return st.Rename(from, to)
}
