package session

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/flinkgo/engine/planner"
	"github.com/flinkgo/engine/sql"
)

// The session's JAR resources: ADD JAR, REMOVE JAR and SHOW JARS with
// Flink's checks and messages (its ResourceManager). Flink scripts add the
// JARs of the connectors, formats and drivers they use; this engine has
// those built in, so a JAR is only registered, never loaded. A user-defined
// function from a JAR still fails at its CREATE FUNCTION, which says why.

// FileNotFoundError is Java's FileNotFoundException, the cause Flink's
// client prints for a JAR that does not exist.
type FileNotFoundError struct{ Msg string }

func (e *FileNotFoundError) Error() string      { return e.Msg }
func (e *FileNotFoundError) FlinkClass() string { return "java.io.FileNotFoundException" }

// jarPath checks a JAR path as Flink's ResourceManager.checkJarPath does
// (a .jar file name, an existing local file that is no directory) and
// returns it absolute, the form SHOW JARS lists. Only local files can be
// added: remote JARs would have to be downloaded for nothing.
func jarPath(path string) (string, error) {
	p := strings.TrimPrefix(strings.TrimPrefix(path, "file://"), "file:")
	if strings.Contains(p, "://") {
		return "", &planner.ValidationError{Msg: fmt.Sprintf(
			"Could not register the jar resource [%s]: only local files can be added (this engine loads no classes from JARs; its connectors, formats and drivers are built in).", path)}
	}
	if !strings.HasSuffix(strings.ToLower(filepath.Ext(p)), "jar") {
		return "", &planner.ValidationError{Msg: fmt.Sprintf("The registering or unregistering jar resource [%s] must ends with '.jar' suffix.", path)}
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", &planner.ValidationError{Msg: fmt.Sprintf("Invalid jar resource [%s]: %v", path, err)}
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", &FileNotFoundError{Msg: fmt.Sprintf("Jar resource [%s] not found.", path)}
	}
	if fi.IsDir() {
		return "", &planner.ValidationError{Msg: fmt.Sprintf("The registering or unregistering jar resource [%s] is a directory that is not allowed.", path)}
	}
	return abs, nil
}

// jarStatement runs ADD JAR, REMOVE JAR and SHOW JARS.
func (s *Session) jarStatement(st sql.Statement) (*Result, error) {
	switch x := st.(type) {
	case *sql.AddJar:
		p, err := jarPath(x.Path)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(s.jars, p) {
			s.jars = append(s.jars, p)
		}
		return ok(), nil
	case *sql.RemoveJar:
		p, err := jarPath(x.Path)
		if err != nil {
			return nil, err
		}
		s.jars = slices.DeleteFunc(s.jars, func(j string) bool { return j == p })
		return ok(), nil
	case *sql.ShowJars:
		return nameTable("jars", slices.Clone(s.jars)), nil
	}
	return nil, &ExecutionError{Msg: fmt.Sprintf("Unsupported statement: %s", st.SQL())}
}
