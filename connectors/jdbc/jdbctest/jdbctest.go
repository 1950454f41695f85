// Package jdbctest finds a real MySQL/MariaDB server for tests and gives
// each test its own database.
//
// Where the server comes from, the first that answers: the env
// MYSQL_TEST_DSN (a go-sql-driver DSN, e.g. "root@tcp(127.0.0.1:3306)/test");
// root@tcp(127.0.0.1:3306)/test; a private instance
// started from /usr/sbin/mariadbd (mariadb-install-db into a temp data
// directory, a free port, its socket in that directory), stopped by Main
// when the test binary ends. With JDBCTEST_PRIVATE=1 the private instance
// is used even when a server answers. When none is found the test fails
// under CI=true and is skipped otherwise.
//
// Use: call Main from TestMain, then NewDatabase(t) in each test. Safe for
// parallel tests.
package jdbctest

import (
	"context"
	"crypto/rand"
	"database/sql"
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

	"github.com/go-sql-driver/mysql"
)

var (
	once     sync.Once
	base     *mysql.Config // server, no database
	why      string        // why none was found
	private  *exec.Cmd
	privDir  string
	stopOnce sync.Once
)

// Main runs the tests and stops a private server started for them.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop stops the private server, if one was started.
func Stop() {
	stopOnce.Do(func() {
		if private != nil && private.Process != nil {
			private.Process.Kill()
			private.Wait()
		}
		if privDir != "" {
			os.RemoveAll(privDir)
		}
	})
}

func ping(cfg *mysql.Config) error {
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(c)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

func find() {
	var tried []string
	if dsn := os.Getenv("MYSQL_TEST_DSN"); dsn != "" {
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			tried = append(tried, "MYSQL_TEST_DSN is not a valid go-sql-driver DSN: "+err.Error())
		} else {
			cfg.Logger = &mysql.NopLogger{}
			if err := ping(cfg); err == nil {
				base = cfg
				return
			} else {
				tried = append(tried, fmt.Sprintf("the server of MYSQL_TEST_DSN (%s) does not answer: %v", cfg.Addr, err))
			}
		}
	}
	if os.Getenv("JDBCTEST_PRIVATE") != "1" {
		cfg := mysql.NewConfig()
		cfg.User, cfg.Net, cfg.Addr, cfg.DBName, cfg.Logger = "root", "tcp", "127.0.0.1:3306", "test", &mysql.NopLogger{}
		if err := ping(cfg); err == nil {
			base = cfg
			return
		} else {
			tried = append(tried, "root@tcp(127.0.0.1:3306)/test does not answer: "+err.Error())
		}
	}
	cfg, err := startPrivate()
	if err == nil {
		base = cfg
		return
	}
	tried = append(tried, "a private mariadbd could not be started: "+err.Error())
	why = "no MySQL/MariaDB server: " + strings.Join(tried, "; ") + " (run .ci/services, or set MYSQL_TEST_DSN)"
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startPrivate() (*mysql.Config, error) {
	const mariadbd = "/usr/sbin/mariadbd"
	if _, err := os.Stat(mariadbd); err != nil {
		return nil, fmt.Errorf("%s not found", mariadbd)
	}
	install, err := exec.LookPath("mariadb-install-db")
	if err != nil {
		return nil, fmt.Errorf("mariadb-install-db not found: %v", err)
	}
	dir, err := os.MkdirTemp("", "jdbctest-mariadb")
	if err != nil {
		return nil, err
	}
	privDir = dir
	data := filepath.Join(dir, "data")
	user := []string{}
	if os.Geteuid() == 0 {
		user = []string{"--user=root"}
	}
	args := append([]string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"}, user...)
	if out, err := exec.Command(install, args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mariadb-install-db: %v: %s", err, tail(out))
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(dir, "mysqld.sock")
	args = append([]string{"--no-defaults", "--datadir=" + data, "--socket=" + sock, "--port=" + strconv.Itoa(port),
		"--bind-address=127.0.0.1", "--skip-grant-tables", "--pid-file=" + filepath.Join(dir, "mysqld.pid"),
		"--log-error=" + filepath.Join(dir, "error.log"), "--innodb-buffer-pool-size=32M"}, user...)
	cmd := exec.Command(mariadbd, args...)
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	private = cmd
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.Logger = "root", "tcp", "127.0.0.1:"+strconv.Itoa(port), &mysql.NopLogger{}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err = ping(cfg); err == nil {
			return cfg, nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			Stop()
			return nil, fmt.Errorf("private mariadbd did not answer within 30 s: %v: %s", err, tail(log))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func tail(b []byte) string {
	if len(b) > 800 {
		b = b[len(b)-800:]
	}
	return string(b)
}

// Server returns the server's configuration (no database selected), or
// fails/skips the test when there is none.
func Server(t testing.TB) *mysql.Config {
	t.Helper()
	once.Do(find)
	if base == nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("jdbctest: " + why)
		}
		t.Skip("jdbctest: " + why)
	}
	c := base.Clone()
	c.DBName = ""
	return c
}

// DB is a database created for one test and dropped at its end.
type DB struct {
	Name string
	// Config selects the database (a copy is yours to change).
	Config *mysql.Config
	// SQL is a pool on the database.
	SQL *sql.DB
}

// URL is the database's Flink JDBC URL ("jdbc:mysql://host:port/name").
func (d *DB) URL() string { return "jdbc:mysql://" + d.Config.Addr + "/" + d.Name }

// User and Password are the credentials for the 'username'/'password' options.
func (d *DB) User() string     { return d.Config.User }
func (d *DB) Password() string { return d.Config.Passwd }

// Exec runs statements, failing the test on error.
func (d *DB) Exec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := d.SQL.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// NewDatabase creates a database with a random name, dropped when the
// test ends.
func NewDatabase(t testing.TB) *DB {
	t.Helper()
	srv := Server(t)
	var rnd [6]byte
	rand.Read(rnd[:])
	name := "jt_" + hex.EncodeToString(rnd[:])
	admin, err := mysql.NewConnector(srv)
	if err != nil {
		t.Fatal(err)
	}
	adb := sql.OpenDB(admin)
	if _, err := adb.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4"); err != nil {
		adb.Close()
		t.Fatalf("jdbctest: cannot create database %s: %v", name, err)
	}
	cfg := srv.Clone()
	cfg.DBName = name
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := &DB{Name: name, Config: cfg, SQL: sql.OpenDB(c)}
	t.Cleanup(func() {
		d.SQL.Close()
		defer adb.Close()
		// A prepared XA transaction left by a failed test would hold its
		// locks forever: give up on the drop after 10 s instead of hanging.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := adb.Conn(ctx)
		if err == nil {
			defer c.Close()
			if _, err = c.ExecContext(ctx, "SET SESSION lock_wait_timeout = 10"); err == nil {
				_, err = c.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`")
			}
		}
		if err != nil {
			t.Logf("jdbctest: cannot drop database %s: %v", name, err)
		}
	})
	return d
}
