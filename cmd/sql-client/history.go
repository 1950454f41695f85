package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/chzyer/readline"

	"github.com/flinkgo/engine/sql"
)

// historyLimit is how many lines the history file keeps, as readline keeps
// in memory.
const historyLimit = 500

// history is the REPL's history file. It holds statements with their secret
// values masked (sql.MaskText), one statement per line — a statement typed
// on several lines keeps its line breaks escaped as \n (and backslashes as
// \\), as JLine's history file does, so that up-arrow recalls the whole
// statement — and only its owner may read it (0600). readline itself is not
// given the file: it would write every line as typed and recreate the file
// world-readable when it trims it.
type history struct {
	f  *os.File
	rl *readline.Instance
}

// openHistory opens the history file at path, creating it or restricting
// it to 0600, and loads its last lines into rl. Lines that hold a secret
// (written before secrets were masked) are masked, and the file is rewritten
// when they were or when it grew past historyLimit lines. A nil history
// keeps nothing.
func openHistory(path string, rl *readline.Instance) (*history, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, err
	}
	var lines []string
	changed := false
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		line := escapeHistory(sql.MaskText(unescapeHistory(sc.Text())))
		changed = changed || line != sc.Text()
		if strings.TrimSpace(line) != "" {
			lines = append(lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		f.Close()
		return nil, err
	}
	if len(lines) > historyLimit {
		lines, changed = lines[len(lines)-historyLimit:], true
	}
	if changed {
		f.Close()
		if f, err = rewriteHistory(path, lines); err != nil {
			return nil, err
		}
	}
	for _, line := range lines {
		rl.SaveHistory(unescapeHistory(line))
	}
	return &history{f: f, rl: rl}, nil
}

// rewriteHistory replaces the file at path by lines, through a 0600
// temporary file, and opens it for appending.
func rewriteHistory(path string, lines []string) (*os.File, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, err
	}
	_, err = io.WriteString(tmp, strings.Join(lines, "\n")+"\n")
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return nil, err
	}
	return os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0o600)
}

// add keeps a complete statement (as typed, possibly several lines) in
// readline's memory, as one entry, and in the file, its secret values
// masked.
func (h *history) add(statement string) {
	if h == nil {
		return
	}
	entry := strings.TrimRight(sql.MaskText(statement), "\r\n")
	if strings.TrimSpace(entry) == "" {
		return
	}
	h.rl.SaveHistory(entry)
	fmt.Fprintln(h.f, escapeHistory(entry))
}

var (
	historyEscaper   = strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`)
	historyUnescaper = strings.NewReplacer(`\\`, `\`, `\n`, "\n", `\r`, "\r")
)

// escapeHistory writes an entry on one line of the file.
func escapeHistory(entry string) string { return historyEscaper.Replace(entry) }

// unescapeHistory reads one line of the file back (lines of files written
// before entries were escaped come back as they are, but for their
// backslash sequences).
func unescapeHistory(line string) string { return historyUnescaper.Replace(line) }

func (h *history) close() {
	if h != nil {
		h.f.Close()
	}
}
