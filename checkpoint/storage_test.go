//go:build unix

package checkpoint

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// TestLocalStoragePermissions checks 0700 directories and 0600 files
// whatever the umask. It changes the process umask, so it does not run in
// parallel.
func TestLocalStoragePermissions(t *testing.T) {
	for _, mask := range []int{0o022, 0o000, 0o077} {
		old := syscall.Umask(mask)
		func() {
			defer syscall.Umask(old)
			st := NewLocalStorage()
			root := t.TempDir()
			dir := filepath.Join(root, "a", "b", "chk-1")
			if err := st.MkdirAll(dir); err != nil {
				t.Fatal(err)
			}
			for _, d := range []string{filepath.Join(root, "a"), filepath.Join(root, "a", "b"), dir} {
				fi, err := os.Stat(d)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o700 || !fi.IsDir() {
					t.Errorf("umask %03o: %s has mode %v, want drwx------", mask, d, fi.Mode())
				}
			}
			f := filepath.Join(dir, MetadataFile)
			if err := st.WriteAtomic(f, []byte("x")); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("umask %03o: %s has mode %v, want -rw-------", mask, f, fi.Mode())
			}
			// WriteCheckpoint's state files too.
			cdir := filepath.Join(root, "job", "chk-2")
			m := &Metadata{CheckpointID: 2, Operators: []OperatorState{{OperatorID: "o", Subtasks: []StateHandle{{Inline: bytes.Repeat([]byte{1}, 100)}}}}}
			if err := WriteCheckpoint(st, cdir, m, 10); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{MetadataFile, m.Operators[0].Subtasks[0].File} {
				fi, err := os.Stat(filepath.Join(cdir, name))
				if err != nil || fi.Mode().Perm() != 0o600 {
					t.Errorf("umask %03o: %s: %v %v", mask, name, fi.Mode(), err)
				}
			}
			for _, d := range []string{filepath.Join(root, "job"), cdir} {
				fi, err := os.Stat(d)
				if err != nil || fi.Mode().Perm() != 0o700 {
					t.Errorf("umask %03o: %s: %v %v", mask, d, fi.Mode(), err)
				}
			}
		}()
	}
}

func TestLocalStorageOps(t *testing.T) {
	st := NewLocalStorage()
	root := t.TempDir()
	p := filepath.Join(root, "f")
	if err := st.WriteAtomic(p, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := st.WriteAtomic(p, []byte("two")); err != nil { // replace
		t.Fatal(err)
	}
	if got, err := st.ReadFile(p); err != nil || string(got) != "two" {
		t.Fatalf("ReadFile = %q, %v", got, err)
	}
	if err := st.MkdirAll(filepath.Join(root, "d")); err != nil {
		t.Fatal(err)
	}
	if err := st.MkdirAll(filepath.Join(root, "d")); err != nil { // exists
		t.Fatal(err)
	}
	if err := st.MkdirAll(filepath.Join(p, "sub")); err == nil {
		t.Error("MkdirAll under a file succeeded")
	}
	es, err := st.List(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Name != "d" || !es[0].IsDir || es[1].Name != "f" || es[1].IsDir || es[1].Size != 3 || es[1].ModTime.IsZero() {
		t.Fatalf("List = %+v (temp files must not remain)", es)
	}
	if _, err := st.List(filepath.Join(root, "missing")); !os.IsNotExist(err) {
		t.Errorf("List(missing) = %v, want not-exist", err)
	}
	if err := st.Rename(p, filepath.Join(root, "d", "g")); err != nil {
		t.Fatal(err)
	}
	if err := st.Remove(filepath.Join(root, "d", "g")); err != nil {
		t.Fatal(err)
	}
	if err := st.Remove(filepath.Join(root, "d", "g")); err != nil {
		t.Errorf("Remove(missing) = %v", err)
	}
	if err := st.RemoveAll(filepath.Join(root, "d")); err != nil {
		t.Fatal(err)
	}
	if err := st.RemoveAll(filepath.Join(root, "d")); err != nil {
		t.Errorf("RemoveAll(missing) = %v", err)
	}
	if err := st.WriteAtomic(filepath.Join(root, "nodir", "x"), nil); err == nil {
		t.Error("WriteAtomic into a missing directory succeeded")
	}
}

func TestParseURI(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	ok := []struct{ in, want string }{
		{"file:///tmp/ckp", "/tmp/ckp"},
		{"file:///tmp/ckp/", "/tmp/ckp"},
		{"file:/tmp/ckp", "/tmp/ckp"},
		{"FILE:///tmp/ckp", "/tmp/ckp"},
		{"file://localhost/tmp/ckp", "/tmp/ckp"},
		{"file:///tmp/with%20space", "/tmp/with space"},
		{"/tmp/ckp", "/tmp/ckp"},
		{"/tmp/../tmp/ckp/./", "/tmp/ckp"},
		{"  /tmp/ckp  ", "/tmp/ckp"},
		{"ckp", filepath.Join(wd, "ckp")},
		{"./a/b", filepath.Join(wd, "a/b")},
		{"a:b", filepath.Join(wd, "a:b")},
		{"s3://bucket/flink/ckpt", "s3:/bucket/flink/ckpt"},
		{"s3a://bucket/flink/ckpt/", "s3:/bucket/flink/ckpt"},
		{"s3p://bucket//a/./b", "s3:/bucket/a/b"},
		{"S3://bucket", "s3:/bucket"},
		{"s3:/bucket/x", "s3:/bucket/x"},
	}
	for _, tt := range ok {
		got, err := ParseURI(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseURI(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, want string }{
		{"s3:///ckp", "names no bucket"},
		{"hdfs:///ckp", "Checkpoint storage scheme 'hdfs' is not supported: no HDFS client ships with this engine; use s3://bucket/path"},
		{"file://otherhost/ckp", "host 'otherhost'"},
		{"", "empty"},
		{"   ", "empty"},
	}
	for _, tt := range bad {
		if _, err := ParseURI(tt.in); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseURI(%q) error = %v, want %q", tt.in, err, tt.want)
		}
	}
	// "file:relative" has no "/" after the colon, so it is a relative path
	// name, like "a:b".
	if got, err := ParseURI("file:relative"); err != nil || got != filepath.Join(wd, "file:relative") {
		t.Errorf("ParseURI(file:relative) = %q, %v", got, err)
	}
}

func TestFaultStorage(t *testing.T) {
	root := t.TempDir()
	fs := &FaultStorage{Inner: NewLocalStorage(), Root: root}
	boom := errors.New("disk full")
	fs.FailWritesMatching("bad", boom)
	fs.CrashBeforeRename("crash")

	if err := fs.MkdirAll(filepath.Join(root, "d")); err != nil {
		t.Fatal(err)
	}
	if err := fs.WriteAtomic(filepath.Join(root, "d", "good"), []byte("g")); err != nil {
		t.Fatal(err)
	}
	if err := fs.WriteAtomic(filepath.Join(root, "d", "bad"), []byte("b")); !errors.Is(err, boom) {
		t.Fatalf("bad write = %v", err)
	}
	if err := fs.WriteAtomic(filepath.Join(root, "d", "crash"), []byte("c")); err == nil || !strings.Contains(err.Error(), "crash before renaming") {
		t.Fatalf("crash write = %v", err)
	}
	if !fs.Crashed() {
		t.Fatal("Crashed() = false after an injected crash")
	}
	// The "process" is dead: nothing works until the restart.
	if _, err := fs.List(filepath.Join(root, "d")); !errors.Is(err, ErrCrashed) {
		t.Fatalf("List after crash = %v", err)
	}
	fs.ClearFaults()
	es, err := fs.List(filepath.Join(root, "d"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name)
	}
	if len(names) != 2 || !strings.HasPrefix(names[0], "crash.tmp-") || names[1] != "good" {
		t.Fatalf("after faults the directory holds %v; want a crash temp file and good", names)
	}
	if got, err := fs.ReadFile(filepath.Join(root, "d", names[0])); err != nil || string(got) != "c" {
		t.Fatalf("temp file = %q, %v", got, err)
	}
	_ = fs.Rename(filepath.Join(root, "d", "good"), filepath.Join(root, "d", "good2"))
	_ = fs.Remove(filepath.Join(root, "d", "good2"))
	_ = fs.RemoveAll(filepath.Join(root, "d"))
	want := []string{
		"mkdir d", "write d/good", "write d/bad", "write d/crash", "list d", "list d",
		"read d/" + names[0], "rename d/good -> d/good2", "remove d/good2", "removeall d",
	}
	if got := fs.Ops(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Ops =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	fs.ResetOps()
	if err := fs.MkdirAll(filepath.Join(root, "d")); err != nil {
		t.Fatal(err)
	}
	if err := fs.WriteAtomic(filepath.Join(root, "d", "bad"), nil); err != nil {
		t.Fatalf("after ClearFaults: %v", err)
	}
	if got := fs.Ops(); len(got) != 2 {
		t.Errorf("after ResetOps: %v", got)
	}
	// Without Root, paths are recorded as given; a nil fault error gets a
	// default one.
	plain := NewFaultStorage(NewLocalStorage())
	plain.FailWritesMatching("", nil)
	if err := plain.WriteAtomic(filepath.Join(root, "x"), nil); err == nil || !strings.Contains(err.Error(), "injected") {
		t.Errorf("nil fault error = %v", err)
	}
	if got := plain.Ops(); len(got) != 1 || got[0] != "write "+filepath.Join(root, "x") {
		t.Errorf("Ops = %v", got)
	}
}

func TestFaultStorageConcurrent(t *testing.T) {
	root := t.TempDir()
	fs := NewFaultStorage(NewLocalStorage())
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := filepath.Join(root, string(rune('a'+i)))
			for j := 0; j < 20; j++ {
				if j == 10 {
					fs.FailWritesMatching("never-matches", errors.New("x"))
				}
				_ = fs.WriteAtomic(p, []byte{byte(j)})
				_, _ = fs.ReadFile(p)
				_ = fs.Ops()
			}
		}(i)
	}
	wg.Wait()
	if n := len(fs.Ops()); n != 8*20*2 {
		t.Errorf("recorded %d ops, want %d", n, 8*20*2)
	}
}
