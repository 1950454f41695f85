package checkpoint

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// Names of Flink's checkpoint layout (reference §3.1).
const (
	MetadataFile     = "_metadata"  // the file whose presence makes a checkpoint complete
	SharedDir        = "shared"     // <job-id>/shared: files shared by incremental checkpoints
	TaskOwnedDir     = "taskowned"  // <job-id>/taskowned: task-owned state, never deleted by the coordinator
	CheckpointPrefix = "chk-"       // <job-id>/chk-<n>: one checkpoint's exclusive state
	SavepointPrefix  = "savepoint-" // savepoint-<job-id[0:6]>-<12 hex>
)

// JobDir is <root>/<jobID>, the directory holding one job's checkpoints.
func JobDir(root, jobID string) string {
	return filepath.Join(root, jobID)
}

// CheckpointDir is <root>/<jobID>/chk-<id>.
func CheckpointDir(root, jobID string, id int64) string {
	return filepath.Join(root, jobID, CheckpointPrefix+strconv.FormatInt(id, 10))
}

// NewSavepointDirName returns "savepoint-<jobID[0:6]>-<12 hex>" with the
// hex digits drawn from rnd (crypto/rand when rnd is nil or fails). A job
// id shorter than 6 characters is used whole.
func NewSavepointDirName(jobID string, rnd io.Reader) string {
	short := jobID
	if len(short) > 6 {
		short = short[:6]
	}
	var b [6]byte
	if rnd == nil {
		rnd = rand.Reader
	}
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		_, _ = rand.Read(b[:])
	}
	return SavepointPrefix + short + "-" + hex.EncodeToString(b[:])
}

// ParseCheckpointDirName parses "chk-<n>" (n a canonical non-negative
// decimal: no sign, no leading zeros) and returns n.
func ParseCheckpointDirName(name string) (id int64, ok bool) {
	rest, found := strings.CutPrefix(name, CheckpointPrefix)
	if !found || rest == "" || rest[0] == '+' || rest[0] == '-' {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || strconv.FormatInt(id, 10) != rest {
		return 0, false
	}
	return id, true
}

// IsJobID reports whether s is a job id as used for directory names: 32
// lowercase hex digits.
func IsJobID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// IsSavepointDirName reports whether name looks like a savepoint directory
// ("savepoint-…").
func IsSavepointDirName(name string) bool {
	return strings.HasPrefix(name, SavepointPrefix) && len(name) > len(SavepointPrefix)
}

// newStateFileName returns a random UUID-shaped (version 4) name for an
// exclusive state file.
func newStateFileName() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
