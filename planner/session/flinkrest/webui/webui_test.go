package webui_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/flinkgo/engine/planner/session/flinkrest/webui"
)

func get(t *testing.T, h http.Handler, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Result()
}

// TestServesPageAndAssets: / is the page, /web/<file> its assets, with
// their media types, an ETag the client can revalidate and the CSP;
// unknown files and directories are 404.
func TestServesPageAndAssets(t *testing.T) {
	h := webui.Handler()
	for path, ctype := range map[string]string{
		"/":                   "text/html; charset=utf-8",
		"/web/index.html":     "text/html; charset=utf-8",
		"/web/style.css":      "text/css; charset=utf-8",
		"/web/js/app.js":      "text/javascript; charset=utf-8",
		"/web/js/graph.js":    "text/javascript; charset=utf-8",
		"/web/favicon.svg":    "image/svg+xml",
		"/web/js/overview.js": "text/javascript; charset=utf-8",
	} {
		resp := get(t, h, path)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ctype || len(body) == 0 {
			t.Errorf("GET %s: %d %q, %d bytes", path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
			continue
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
		etag := resp.Header.Get("ETag")
		if etag == "" || resp.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: ETag %q, Cache-Control %q", path, etag, resp.Header.Get("Cache-Control"))
			continue
		}
		if again := get(t, h, path, "If-None-Match", etag); again.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with its ETag: %d, want 304", path, again.StatusCode)
		}
	}
	if body, _ := io.ReadAll(get(t, h, "/").Body); !strings.Contains(string(body), `src="web/js/app.js"`) {
		t.Errorf("the page does not load web/js/app.js:\n%s", body)
	}
	for _, path := range []string{"/web/", "/web/js", "/web/js/", "/web/nope.js", "/web/../webui.go", "/other"} {
		if resp := get(t, h, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

var (
	// externalRef is an http(s) URL or a protocol-relative one in a
	// string, attribute or url(): the dashboard must work offline.
	externalRef = regexp.MustCompile(`(?i)\bhttps?:|\bwss?:|["'(=][ \t]*//`)
	// htmlSinks are the DOM calls that parse HTML: data goes in as text.
	htmlSinks    = regexp.MustCompile(`\.(?:innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(`)
	svgNamespace = regexp.MustCompile(`["']http://www\.w3\.org/2000/svg["']`)
	jsImport     = regexp.MustCompile(`(?m)^import .* from '(\./[a-z]+\.js)';$`)
	pageRef      = regexp.MustCompile(`(?:src|href)="(web/[^"]+)"`)
)

// TestAssetsAreSelfContained: no asset refers to another host, no script
// builds HTML from strings, every module import and every file the page
// refers to is embedded, and no script grows past the size rule.
func TestAssetsAreSelfContained(t *testing.T) {
	root := filepath.Join("static")
	h := webui.Handler()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := string(b)
		// The SVG namespace is a name, not a resource.
		if m := externalRef.FindString(svgNamespace.ReplaceAllString(s, "")); m != "" {
			t.Errorf("%s refers to another host: %q", p, m)
		}
		if filepath.Ext(p) == ".js" {
			if m := htmlSinks.FindString(s); m != "" {
				t.Errorf("%s uses %s", p, m)
			}
			if n := strings.Count(s, "\n"); n > 800 {
				t.Errorf("%s has %d lines: split it by view", p, n)
			}
			for _, m := range jsImport.FindAllStringSubmatch(s, -1) {
				if resp := get(t, h, "/web/js/"+strings.TrimPrefix(m[1], "./")); resp.StatusCode != 200 {
					t.Errorf("%s imports %s: %d", p, m[1], resp.StatusCode)
				}
			}
		}
		if filepath.Ext(p) == ".html" {
			for _, m := range pageRef.FindAllStringSubmatch(s, -1) {
				if resp := get(t, h, "/"+m[1]); resp.StatusCode != 200 {
					t.Errorf("%s refers to %s: %d", p, m[1], resp.StatusCode)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
