package session

import (
	"fmt"
	"sync"

	"github.com/flinkgo/engine/checkpoint"
	"github.com/flinkgo/engine/planner"
)

// objectStores builds the S3 store of a session from Flink's s3.* keys as
// they are when a checkpoint path on S3 is first used, and again when they
// change: s3.endpoint, s3.region, s3.access-key, s3.secret-key,
// s3.path.style.access (without keys, the AWS credential chain). Safe for
// concurrent use: jobs' checkpoint writers call it.
type objectStores struct {
	cfg *planner.Config

	mu    sync.Mutex
	opts  checkpoint.S3Options
	store *checkpoint.S3Storage
}

// s3 returns the store for the current options.
func (o *objectStores) s3() (checkpoint.Storage, error) {
	pathStyle, err := o.cfg.Bool("s3.path.style.access", false)
	if err != nil {
		return nil, &planner.ValidationError{Msg: err.Error()}
	}
	opts := checkpoint.S3Options{
		Endpoint:  o.cfg.String("s3.endpoint", ""),
		Region:    o.cfg.String("s3.region", ""),
		AccessKey: o.cfg.String("s3.access-key", ""),
		SecretKey: o.cfg.String("s3.secret-key", ""),
		PathStyle: pathStyle,
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.store != nil && o.opts == opts {
		return o.store, nil
	}
	st, err := checkpoint.NewS3Storage(opts)
	if err != nil {
		return nil, fmt.Errorf("%w (s3.endpoint '%s')", err, opts.Endpoint)
	}
	o.opts, o.store = opts, st
	return st, nil
}
