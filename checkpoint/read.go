package checkpoint

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// LoadCheckpoint reads the checkpoint or savepoint at p, which may be a
// chk-<n> directory, its _metadata file, or a savepoint directory, as a
// path or file:// URI. It returns the decoded metadata and the directory
// that the state files of its handles are relative to (see ReadState).
//
// Errors say what is wrong and what to do: the path does not exist, a
// directory has no _metadata (the job was killed while writing it), a job
// directory was given instead of one of its chk-<n>, or the metadata is
// corrupt (a *MetadataError).
func LoadCheckpoint(st Storage, p string) (*Metadata, string, error) {
	abs, err := ParseURI(p)
	if err != nil {
		return nil, "", err
	}
	if filepath.Base(abs) == MetadataFile {
		return loadMetadataFile(st, abs)
	}
	entries, err := st.List(abs)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, "", fmt.Errorf("checkpoint path %s does not exist", abs)
		}
		// Not a directory (or unreadable): maybe a metadata file under
		// another name.
		data, rerr := st.ReadFile(abs)
		if rerr != nil {
			return nil, "", fmt.Errorf("cannot read checkpoint %s: %w", abs, err)
		}
		m, derr := DecodeMetadata(data, abs)
		if derr != nil {
			return nil, "", derr
		}
		return m, filepath.Dir(abs), nil
	}
	var chks []string
	for _, e := range entries {
		if e.Name == MetadataFile && !e.IsDir {
			return loadMetadataFile(st, filepath.Join(abs, MetadataFile))
		}
		if _, ok := ParseCheckpointDirName(e.Name); ok && e.IsDir {
			chks = append(chks, e.Name)
		}
	}
	if len(chks) > 0 {
		return nil, "", fmt.Errorf("%s is a job's checkpoint directory, not a checkpoint; use one of its checkpoints (%s) or 'latest'",
			abs, strings.Join(chks, ", "))
	}
	return nil, "", fmt.Errorf("%s is not a complete checkpoint: %s is missing (the job may have been killed while writing it); use an older chk-<n> or 'latest'",
		abs, MetadataFile)
}

func loadMetadataFile(st Storage, file string) (*Metadata, string, error) {
	data, err := st.ReadFile(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			dir := filepath.Dir(file)
			if _, lerr := st.List(dir); lerr == nil {
				return nil, "", fmt.Errorf("%s is not a complete checkpoint: %s is missing (the job may have been killed while writing it); use an older chk-<n> or 'latest'",
					dir, MetadataFile)
			}
			return nil, "", fmt.Errorf("checkpoint path %s does not exist", file)
		}
		return nil, "", fmt.Errorf("cannot read checkpoint metadata %s: %w", file, err)
	}
	m, err := DecodeMetadata(data, file)
	if err != nil {
		return nil, "", err
	}
	return m, filepath.Dir(file), nil
}

// StatePath returns where the state file of h lives for a checkpoint in
// dir: an absolute File as is, "shared/…" in the job directory (the parent
// of dir), anything else relative to dir. A File with ".." components is
// rejected. StatePath is meaningless for inline handles.
func StatePath(dir string, h StateHandle) (string, error) {
	f := h.File
	if filepath.IsAbs(f) {
		return filepath.Clean(f), nil
	}
	slash := filepath.ToSlash(f)
	for _, part := range strings.Split(slash, "/") {
		if part == ".." {
			return "", fmt.Errorf("state file name %q in the metadata of %s leaves the checkpoint directory", f, dir)
		}
	}
	clean := path.Clean(slash)
	if clean == "." || clean == "/" {
		return "", fmt.Errorf("state file name %q in the metadata of %s is empty", f, dir)
	}
	if strings.HasPrefix(clean, SharedDir+"/") {
		return filepath.Join(filepath.Dir(dir), filepath.FromSlash(clean)), nil
	}
	return filepath.Join(dir, filepath.FromSlash(clean)), nil
}

// ReadState returns the state of h for the checkpoint in dir (as returned
// by LoadCheckpoint): the Inline bytes, or the content of its file after
// checking its Size and CRC32C Checksum. Errors name the file and say
// what is wrong (missing, wrong size, checksum mismatch).
func ReadState(st Storage, dir string, h StateHandle) ([]byte, error) {
	if h.File == "" {
		return h.Inline, nil
	}
	p, err := StatePath(dir, h)
	if err != nil {
		return nil, err
	}
	data, err := st.ReadFile(p)
	if err != nil {
		return nil, stateFileReadError(p, dir, err)
	}
	if err := checkStateFile(p, int64(len(data)), Checksum(data), h.Size, h.Checksum); err != nil {
		return nil, err
	}
	return data, nil
}

// stateFileReadError explains why state file p of the checkpoint in dir
// could not be read.
func stateFileReadError(p, dir string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("state file %s of checkpoint %s is missing; %s", p, dir, useOlder)
	}
	return fmt.Errorf("cannot read state file %s: %w", p, err)
}

// checkStateFile compares the size and CRC32C of state file p with what
// the checkpoint recorded for it.
func checkStateFile(p string, size int64, sum uint32, wantSize int64, wantSum uint32) error {
	if size != wantSize {
		return fmt.Errorf("state file %s has %d bytes but the checkpoint metadata says %d (truncated or replaced); %s", p, size, wantSize, useOlder)
	}
	if sum != wantSum {
		return fmt.Errorf("state file %s is corrupt (checksum mismatch); %s", p, useOlder)
	}
	return nil
}
