package jdbc

import (
	"strings"
	"testing"
	"time"

	"github.com/flinkgo/engine/connectors"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		name, url, user, pass string
		addr, db, tls         string
		wantUser, wantPass    string
		loc                   string
		err                   string
	}{
		{name: "plain", url: "jdbc:mysql://127.0.0.1:3306/shop", addr: "127.0.0.1:3306", db: "shop"},
		{name: "default port", url: "jdbc:mysql://db.example/shop", addr: "db.example:3306", db: "shop"},
		{name: "mariadb scheme", url: "jdbc:mariadb://h:3307/x", addr: "h:3307", db: "x"},
		{name: "ipv6", url: "jdbc:mysql://[::1]/x", addr: "[::1]:3306", db: "x"},
		{name: "connector/j params dropped or mapped",
			url:  "jdbc:mysql://h:3306/shop?useSSL=false&useUnicode=true&characterEncoding=UTF-8&characterSetResults=UTF-8&serverTimezone=Asia/Shanghai&rewriteBatchedStatements=true&allowPublicKeyRetrieval=true&zeroDateTimeBehavior=convertToNull&autoReconnect=true",
			addr: "h:3306", db: "shop", tls: "false", loc: "Asia/Shanghai"},
		{name: "useSSL true", url: "jdbc:mysql://h/d?useSSL=true", addr: "h:3306", db: "d", tls: "skip-verify"},
		{name: "useSSL verify", url: "jdbc:mysql://h/d?useSSL=true&verifyServerCertificate=true", addr: "h:3306", db: "d", tls: "true"},
		{name: "sslMode", url: "jdbc:mysql://h/d?sslMode=PREFERRED", addr: "h:3306", db: "d", tls: "preferred"},
		{name: "GMT offset", url: "jdbc:mysql://h/d?serverTimezone=GMT%2B8", addr: "h:3306", db: "d", loc: "GMT+8"},
		{name: "UTC", url: "jdbc:mysql://h/d?serverTimezone=UTC", addr: "h:3306", db: "d", loc: "UTC"},
		{name: "options override url credentials", url: "jdbc:mysql://u:p@h/d?user=x&password=y", user: "root", pass: "pw",
			addr: "h:3306", db: "d", wantUser: "root", wantPass: "pw"},
		{name: "url credentials", url: "jdbc:mysql://h/d?user=x&password=y", addr: "h:3306", db: "d", wantUser: "x", wantPass: "y"},
		{name: "userinfo", url: "jdbc:mysql://u:p%40ss@h/d", addr: "h:3306", db: "d", wantUser: "u", wantPass: "p@ss"},
		{name: "postgres rejected", url: "jdbc:postgresql://h/d?password=hunter2", err: "jdbc:postgresql://h/d?password=******"},
		{name: "bad port", url: "jdbc:mysql://h:99999/d", err: "port '99999'"},
		{name: "bad port after credentials", url: "jdbc:mysql://u:hunter2@h:99999/d", err: "The port is not a number"},
		{name: "unencoded password", url: "jdbc:mysql://u:se/cret@h:3307/d", addr: "h:3307", db: "d", wantUser: "u", wantPass: "se/cret"},
		{name: "hostile password", url: "jdbc:mysql://u:a/b?c#d;e@f:g@h/d?useSSL=false", addr: "h:3306", db: "d", tls: "false",
			wantUser: "u", wantPass: "a/b?c#d;e@f:g"},
		{name: "@ in a parameter", url: "jdbc:mysql://h:3306/d?user=a@b.com", addr: "h:3306", db: "d", wantUser: "a@b.com"},
		{name: "bad zone", url: "jdbc:mysql://h/d?serverTimezone=Mars/Base", err: "unknown time zone"},
		{name: "failover hosts", url: "jdbc:mysql://a,b/d", err: "Several hosts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseURL(tc.url, tc.user, tc.pass)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Addr != tc.addr || cfg.DBName != tc.db || cfg.TLSConfig != tc.tls {
				t.Errorf("addr/db/tls = %q %q %q, want %q %q %q", cfg.Addr, cfg.DBName, cfg.TLSConfig, tc.addr, tc.db, tc.tls)
			}
			if cfg.User != tc.wantUser || cfg.Passwd != tc.wantPass {
				t.Errorf("user/password = %q/%q, want %q/%q", cfg.User, cfg.Passwd, tc.wantUser, tc.wantPass)
			}
			wantLoc := tc.loc
			if wantLoc == "" {
				wantLoc = "UTC"
			}
			if cfg.Loc.String() != wantLoc {
				t.Errorf("loc = %s, want %s", cfg.Loc, wantLoc)
			}
			if len(cfg.Params) != 0 {
				t.Errorf("parameters would be sent as session variables: %v", cfg.Params)
			}
			// The formatted DSN carries no Connector/J parameter either.
			dsn := cfg.FormatDSN()
			for _, p := range []string{"useSSL", "useUnicode", "characterEncoding", "rewriteBatchedStatements", "serverTimezone", "autoReconnect", "zeroDateTime"} {
				if strings.Contains(dsn, p) {
					t.Errorf("DSN %q contains %s", strings.ReplaceAll(dsn, cfg.Passwd, "***"), p)
				}
			}
		})
	}
	if _, err := ParseURL("jdbc:mysql://h/d?serverTimezone=GMT%2B8", "", ""); err != nil {
		t.Fatal(err)
	} else if cfg, _ := ParseURL("jdbc:mysql://h/d?serverTimezone=GMT%2B8", "", ""); func() int {
		_, off := time.Unix(0, 0).In(cfg.Loc).Zone()
		return off
	}() != 8*3600 {
		t.Error("GMT+8 is not +08:00")
	}
}

func TestSecretMasking(t *testing.T) {
	tests := []struct{ key, value, want string }{
		{"password", "hunter2", "******"},
		{"PassWord", "x", "******"},
		{"properties.sasl.jaas.config", "x", "******"},
		{"fs.azure.account.key.acc", "x", "******"},
		{"my.apikey", "x", "******"},
		{"http-headers", "x", "******"},
		{"basic-auth", "x", "******"},
		{"service-key", "x", "******"},
		{"auth-params", "x", "******"},
		{"client.secret", "x", "******"},
		{"access-token", "x", "******"},
		{"username", "root", "root"},
		{"url", "jdbc:mysql://h:3306/d?user=u&password=hunter2&useSSL=false", "jdbc:mysql://h:3306/d?user=u&password=******&useSSL=false"},
		{"url", "jdbc:mysql://u:hunter2@h:3306/d", "jdbc:mysql://u:******@h:3306/d"},
		{"url", "jdbc:mysql://u:hunter2@h/d?password=x", "jdbc:mysql://u:******@h/d?password=******"},
		{"url", "jdbc:sqlserver://h;user=u;password=hunter2", "jdbc:sqlserver://h;user=u;password=******"},
		{"url", "jdbc:mysql://h/d?useSSL=false", "jdbc:mysql://h/d?useSSL=false"},
		{"path", "file:///tmp/out", "file:///tmp/out"},
		{"a", "x=1", "x=1"},
	}
	for _, tc := range tests {
		if got := connectors.MaskValue(tc.key, tc.value); got != tc.want {
			t.Errorf("MaskValue(%q, %q) = %q, want %q", tc.key, tc.value, got, tc.want)
		}
	}
	m := connectors.MaskOptions(map[string]string{"password": "hunter2", "url": "jdbc:mysql://a:hunter2@h/d"})
	for k, v := range m {
		if strings.Contains(v, "hunter2") {
			t.Errorf("MaskOptions left the password in %s: %s", k, v)
		}
	}
}

func TestStatements(t *testing.T) {
	tests := []struct{ got, want string }{
		{UpsertSQL("orders", []string{"id", "name"}, 1),
			"INSERT INTO `orders`(`id`, `name`) VALUES (?,?) ON DUPLICATE KEY UPDATE `id`=VALUES(`id`), `name`=VALUES(`name`)"},
		{UpsertSQL("t", []string{"a"}, 3), "INSERT INTO `t`(`a`) VALUES (?),(?),(?) ON DUPLICATE KEY UPDATE `a`=VALUES(`a`)"},
		{InsertSQL("we`ird", []string{"c`ol", "x y"}, 2), "INSERT INTO `we``ird`(`c``ol`, `x y`) VALUES (?,?),(?,?)"},
		{DeleteSQL("t", []string{"a", "b"}), "DELETE FROM `t` WHERE `a`=? AND `b`=?"},
		{deleteInSQL("t", []string{"a"}, 3), "DELETE FROM `t` WHERE `a` IN (?,?,?)"},
		{deleteInSQL("t", []string{"a", "b"}, 2), "DELETE FROM `t` WHERE (`a`,`b`) IN ((?,?),(?,?))"},
		{UpdateSQL("t", []string{"a", "b"}, []string{"a"}), "UPDATE `t` SET `a`=?, `b`=? WHERE `a`=?"},
		{SelectSQL("t", []string{"a", "b`"}, "WHERE `a` >= 3"), "SELECT `a`, `b``` FROM `t` WHERE `a` >= 3"},
		{Quote("a`;DROP TABLE x;--"), "`a``;DROP TABLE x;--`"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got  %s\nwant %s", tc.got, tc.want)
		}
	}
}

func TestPartitionRanges(t *testing.T) {
	tests := []struct {
		lo, hi int64
		n      int
		want   [][2]int64
	}{
		{1, 10, 3, [][2]int64{{1, 4}, {5, 7}, {8, 10}}},
		{0, 9, 2, [][2]int64{{0, 4}, {5, 9}}},
		{5, 5, 3, [][2]int64{{5, 5}}},
		{-5, 4, 4, [][2]int64{{-5, -3}, {-2, 0}, {1, 2}, {3, 4}}},
	}
	for _, tc := range tests {
		got := PartitionRanges(tc.lo, tc.hi, tc.n)
		if len(got) != len(tc.want) {
			t.Errorf("PartitionRanges(%d,%d,%d) = %v, want %v", tc.lo, tc.hi, tc.n, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("PartitionRanges(%d,%d,%d) = %v, want %v", tc.lo, tc.hi, tc.n, got, tc.want)
				break
			}
		}
	}
}

func TestOptionValidation(t *testing.T) {
	tests := []struct {
		name string
		opts map[string]string
		err  string
	}{
		{"username without password", map[string]string{"username": "root"}, "Either all or none of the following options should be provided:\nusername\npassword"},
		{"partial partition options", map[string]string{"scan.partition.column": "id"}, "Either all or none"},
		{"bad guarantee", map[string]string{"sink.delivery-guarantee": "twice"}, "Supported values are [at-least-once, exactly-once, none]"},
		{"bad cache", map[string]string{"lookup.cache": "FULL"}, "Supported values are [NONE, PARTIAL]"},
		{"partial cache needs a bound", map[string]string{"lookup.cache": "PARTIAL"}, "lookup.partial-cache.max-rows"},
		{"ok", map[string]string{"username": "u", "password": "hunter2", "driver": "com.mysql.cj.jdbc.Driver",
			"sink.buffer-flush.max-rows": "10", "sink.buffer-flush.interval": "2s", "sink.max-retries": "1",
			"scan.partition.column": "id", "scan.partition.num": "3", "scan.partition.lower-bound": "1", "scan.partition.upper-bound": "9",
			"lookup.cache": "PARTIAL", "lookup.partial-cache.max-rows": "10"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := map[string]string{"connector": "jdbc", "url": "jdbc:mysql://h/d", "table-name": "t"}
			for k, v := range tc.opts {
				o[k] = v
			}
			tbl := &connectors.Table{Name: "default_catalog.default_database.t", Options: o,
				Columns: []connectors.Column{{Name: "id", Type: intType}}}
			if err := connectors.ValidateOptions(Factory{}, o, []string{"id"}, nil); err != nil {
				t.Fatal(err)
			}
			_, err := Factory{}.CreateSink(tbl)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatal("password in error")
			}
		})
	}
}
