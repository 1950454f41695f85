package flinkrest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestDashboardRoutes: the server serves the web dashboard at / and its
// assets under /web/ next to the REST API, whose paths keep answering
// JSON, and unknown paths still get Flink's JSON 404.
func TestDashboardRoutes(t *testing.T) {
	f := newFixture(t, defaultConfig())
	for _, c := range []struct {
		method, path string
		code         int
		ctype, has   string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", `<script type="module" src="web/js/app.js">`},
		{"HEAD", "/", 200, "text/html; charset=utf-8", ""},
		{"GET", "/web/js/app.js", 200, "text/javascript; charset=utf-8", "refresh-interval"},
		{"GET", "/web/style.css", 200, "text/css; charset=utf-8", "#checkpoint-chart"},
		{"GET", "/web/nope.js", 404, "", ""},
		{"GET", "/config", 200, "application/json; charset=UTF-8", `"refresh-interval":3000`},
		{"GET", "/jobs/overview", 200, "application/json; charset=UTF-8", `{"jobs":[]}`},
		{"GET", "/v1/overview", 200, "application/json; charset=UTF-8", `"slots-total":4`},
		{"GET", "/index.html", 404, "application/json; charset=UTF-8", `{"errors":["Not found: /index.html"]}`},
		{"GET", "/jobs/overview/nothing", 404, "application/json; charset=UTF-8", `{"errors":["Not found: /jobs/overview/nothing"]}`},
		{"POST", "/", 404, "application/json; charset=UTF-8", `{"errors":["Not found: /"]}`},
	} {
		req, err := http.NewRequest(c.method, f.url+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		body := string(b)
		if resp.StatusCode != c.code || (c.ctype != "" && resp.Header.Get("Content-Type") != c.ctype) ||
			!strings.Contains(body, c.has) {
			t.Errorf("%s %s: %d %q %.200s, want %d %q with %q", c.method, c.path, resp.StatusCode,
				resp.Header.Get("Content-Type"), body, c.code, c.ctype, c.has)
		}
	}
}
