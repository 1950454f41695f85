package jdbc

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/flinkgo/engine/connectors"
)

// ParseURL translates Flink's JDBC URL for MySQL/MariaDB
// ("jdbc:mysql://host:port/db?param=value&...", also "jdbc:mariadb://")
// into a go-sql-driver configuration. user and password (the 'username'
// and 'password' options) take precedence over credentials in the URL.
//
// Connector/J parameters users paste are mapped where the Go driver has a
// meaning for them and otherwise accepted and dropped; none is ever sent to
// the server as a session variable (the driver would turn unknown
// parameters into "SET <name>=<value>"):
//
//	useSSL=false / sslMode=DISABLED           tls=false
//	useSSL=true  / sslMode=REQUIRED           tls=skip-verify (true with verifyServerCertificate=true)
//	sslMode=PREFERRED                         tls=preferred
//	sslMode=VERIFY_CA / VERIFY_IDENTITY       tls=true
//	serverTimezone / connectionTimeZone       Loc (IANA name, UTC, GMT+8, +08:00)
//	characterEncoding / characterSetResults   charset (UTF-8 → utf8mb4, ...)
//	connectTimeout (ms)                       dial timeout
//	socketTimeout (ms)                        read/write timeout
//	user / password                           credentials
//	allowPublicKeyRetrieval=true              allowCleartextPasswords is NOT set; the
//	                                          driver fetches the RSA key itself
//	everything else (useUnicode, rewriteBatchedStatements, autoReconnect,
//	zeroDateTimeBehavior, ...)                accepted, ignored
//
// Errors never contain the password.
func ParseURL(jdbcURL, user, password string) (*mysql.Config, error) {
	const where = "Invalid 'url' of the jdbc connector"
	raw := strings.TrimSpace(jdbcURL)
	rest, ok := cutPrefixFold(raw, "jdbc:mysql://")
	if !ok {
		if rest, ok = cutPrefixFold(raw, "jdbc:mariadb://"); !ok {
			return nil, connectors.Errorf("%s: '%s'. Expected the form jdbc:mysql://host:port/database?params (only MySQL and MariaDB are supported).",
				where, connectors.MaskURL(raw))
		}
	}
	cfg := mysql.NewConfig()
	cfg.Logger = &mysql.NopLogger{}
	cfg.Net = "tcp"
	info, hasInfo := "", false
	if i := userInfoEnd(rest); i >= 0 {
		info, rest, hasInfo = rest[:i], rest[i+1:], true
	}
	query := ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest, query = rest[:i], rest[i+1:]
	}
	hostPart, db, _ := strings.Cut(rest, "/")
	if at := strings.LastIndexByte(hostPart, '@'); at >= 0 {
		info, hostPart, hasInfo = hostPart[:at], hostPart[at+1:], true
	}
	if hasInfo {
		u, p, _ := strings.Cut(info, ":")
		if uu, err := url.PathUnescape(u); err == nil {
			u = uu
		}
		if pp, err := url.PathUnescape(p); err == nil {
			p = pp
		}
		cfg.User, cfg.Passwd = u, p
	}
	if strings.Contains(hostPart, ",") {
		return nil, connectors.Errorf("%s: '%s'. Several hosts (failover/load balancing) are not supported; name one host.",
			where, connectors.MaskURL(raw))
	}
	if hostPart == "" {
		hostPart = "127.0.0.1"
	}
	if strings.HasPrefix(hostPart, "[") { // [::1]:3306
		if !strings.Contains(hostPart, "]:") {
			hostPart += ":3306"
		}
	} else if !strings.Contains(hostPart, ":") {
		hostPart += ":3306"
	}
	if _, port, ok := strings.Cut(hostPart[strings.LastIndexByte(hostPart, ']')+1:], ":"); ok {
		if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
			if strings.Contains(raw, "@") {
				// What stands where the port should may be part of a password.
				return nil, connectors.Errorf("%s: '%s'. The port is not a number between 1 and 65535 (percent-encode '/', '?', '#' and '@' in a password inside the URL, or give it in the 'password' option).",
					where, connectors.MaskURL(raw))
			}
			return nil, connectors.Errorf("%s: '%s'. The port '%s' is not a number between 1 and 65535.",
				where, connectors.MaskURL(raw), port)
		}
	}
	cfg.Addr = hostPart
	if d, err := url.PathUnescape(db); err == nil {
		db = d
	}
	cfg.DBName = db

	var charset string
	var verify bool
	tlsMode := ""
	for _, kv := range strings.FieldsFunc(query, func(r rune) bool { return r == '&' || r == ';' }) {
		k, v, _ := strings.Cut(kv, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		switch strings.ToLower(k) {
		case "user":
			cfg.User = v
		case "password":
			cfg.Passwd = v
		case "usessl", "requiressl":
			if strings.EqualFold(v, "true") {
				if tlsMode == "" {
					tlsMode = "skip-verify"
				}
			} else if strings.EqualFold(v, "false") {
				tlsMode = "false"
			}
		case "sslmode":
			switch strings.ToUpper(v) {
			case "DISABLED":
				tlsMode = "false"
			case "PREFERRED":
				tlsMode = "preferred"
			case "REQUIRED":
				tlsMode = "skip-verify"
			case "VERIFY_CA", "VERIFY_IDENTITY":
				tlsMode = "true"
			default:
				return nil, connectors.Errorf("%s: unknown sslMode '%s'; use DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY.", where, v)
			}
		case "verifyservercertificate":
			verify = strings.EqualFold(v, "true")
		case "servertimezone", "connectiontimezone":
			loc, err := parseZone(v)
			if err != nil {
				return nil, connectors.Errorf("%s: unknown time zone '%s' in parameter %s: %v", where, v, k, err)
			}
			cfg.Loc = loc
		case "characterencoding", "charset":
			charset = javaCharset(v)
		case "charactersetresults":
			if charset == "" && v != "" && !strings.EqualFold(v, "null") {
				charset = javaCharset(v)
			}
		case "connecttimeout":
			if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms > 0 {
				cfg.Timeout = time.Duration(ms) * time.Millisecond
			}
		case "sockettimeout":
			if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms > 0 {
				cfg.ReadTimeout = time.Duration(ms) * time.Millisecond
				cfg.WriteTimeout = cfg.ReadTimeout
			}
		default:
			// Accepted and ignored: useUnicode, rewriteBatchedStatements,
			// allowPublicKeyRetrieval, zeroDateTimeBehavior, autoReconnect,
			// useServerPrepStmts, cachePrepStmts, ... Never forwarded.
		}
	}
	if tlsMode == "skip-verify" && verify {
		tlsMode = "true"
	}
	cfg.TLSConfig = tlsMode
	if charset == "" {
		charset = "utf8mb4"
	}
	if err := cfg.Apply(mysql.Charset(charset, "")); err != nil {
		return nil, connectors.Errorf("%s: charset %s: %v", where, charset, err)
	}
	if user != "" || password != "" {
		cfg.User, cfg.Passwd = user, password
	}
	return cfg, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// javaCharset maps a Java charset name to a MySQL one.
func javaCharset(v string) string {
	switch strings.ToUpper(strings.ReplaceAll(v, "_", "-")) {
	case "UTF-8", "UTF8", "UTF8MB4":
		return "utf8mb4"
	case "UTF8MB3":
		return "utf8mb3"
	case "ISO-8859-1", "LATIN1", "CP1252", "WINDOWS-1252":
		return "latin1"
	case "US-ASCII", "ASCII":
		return "ascii"
	case "GBK", "CP936":
		return "gbk"
	case "GB2312":
		return "gb2312"
	case "GB18030":
		return "gb18030"
	case "BIG5":
		return "big5"
	case "SJIS", "SHIFT-JIS", "WINDOWS-31J":
		return "sjis"
	case "EUC-JP", "UJIS":
		return "ujis"
	case "EUC-KR", "EUCKR":
		return "euckr"
	case "UTF-16", "UTF16":
		return "utf8mb4" // a client connection cannot use UTF-16
	}
	return strings.ToLower(v)
}

// parseZone reads serverTimezone values: IANA names, UTC, GMT+8, +08:00.
func parseZone(v string) (*time.Location, error) {
	s := strings.TrimSpace(v)
	up := strings.ToUpper(s)
	switch up {
	case "UTC", "GMT", "Z":
		return time.UTC, nil
	}
	off := ""
	switch {
	case strings.HasPrefix(up, "GMT") || strings.HasPrefix(up, "UTC"):
		off = s[3:]
	case strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-"):
		off = s
	}
	if off != "" {
		sign := 1
		switch off[0] {
		case '+':
		case '-':
			sign = -1
		default:
			return nil, fmt.Errorf("bad offset")
		}
		hs, ms, _ := strings.Cut(off[1:], ":")
		h, err := strconv.Atoi(hs)
		if err != nil || h > 18 {
			return nil, fmt.Errorf("bad offset")
		}
		m := 0
		if ms != "" {
			if m, err = strconv.Atoi(ms); err != nil || m > 59 {
				return nil, fmt.Errorf("bad offset")
			}
		}
		return time.FixedZone(s, sign*(h*3600+m*60)), nil
	}
	return time.LoadLocation(s)
}

// userInfoEnd returns the index of the '@' that ends the user-info of rest
// (the URL after "//") when the password holds characters that end the
// authority early ('/', '?', '#', ';', '@'), or -1: only when the plain
// authority (up to the first '/' or '?') holds no '@' and no valid
// host[:port], the first later '@' after which a valid host[:port] follows
// up to '/', '?' or the end.
func userInfoEnd(rest string) int {
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	if strings.Contains(rest[:end], "@") || !strings.Contains(rest[end:], "@") || validHostPort(rest[:end]) {
		return -1
	}
	for i := end; i < len(rest); i++ {
		if rest[i] != '@' {
			continue
		}
		host := rest[i+1:]
		if j := strings.IndexAny(host, "/?"); j >= 0 {
			host = host[:j]
		}
		if host != "" && !strings.ContainsAny(host, "@=&;#") && validHostPort(host) {
			return i
		}
	}
	return -1
}

// validHostPort reports whether hp is a host with no port or a numeric one.
func validHostPort(hp string) bool {
	_, port, ok := strings.Cut(hp[strings.LastIndexByte(hp, ']')+1:], ":")
	if !ok {
		return true
	}
	n, err := strconv.Atoi(port)
	return err == nil && n > 0 && n <= 65535
}
