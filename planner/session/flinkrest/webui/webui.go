// Package webui serves the web dashboard of the REST API: one HTML page
// with its stylesheet and scripts (plain HTML, CSS and JavaScript modules,
// no build step, no external URL), embedded in the binary so it works
// offline. The page itself calls only the REST API of the server that
// served it (relative URLs): the cluster overview, the job list, and per
// job its operator graph with live metrics, checkpoints, exceptions and
// configuration, with cancel and stop-with-savepoint buttons.
//
// Handler serves GET / (the page) and GET /web/<file> (its assets; see
// Prefix); every other path is for the REST API's routes. Responses carry
// an ETag (the content's hash) with Cache-Control: no-cache, so a newer
// binary's assets are picked up at once, and a Content-Security-Policy
// that allows only this origin's scripts, styles and connections.
package webui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// Prefix is the path under which the dashboard's assets are served.
const Prefix = "/web/"

//go:embed static
var static embed.FS

// asset is one embedded file, ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// contentTypes maps the assets' extensions to their media types (fixed
// here rather than read from the system's MIME tables).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
}

// csp allows nothing but this origin: no inline script, no external
// resource, no framing.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

type handler struct {
	assets map[string]asset // by path under static/, e.g. "js/app.js"
}

// Handler returns the dashboard's handler: "/" is the page, Prefix+name
// the asset static/name; anything else, directories included, is 404.
func Handler() http.Handler {
	h := &handler{assets: map[string]asset{}}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ct := contentTypes[path.Ext(p)]
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.assets[strings.TrimPrefix(p, "static/")] = asset{body: body, contentType: ct,
			etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		panic("webui: embedded assets: " + err.Error()) // cannot happen: the files are compiled in
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := "index.html"
	if r.URL.Path != "/" {
		rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
		if !ok {
			http.NotFound(w, r)
			return
		}
		name = rest
	}
	a, ok := h.assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("ETag", a.etag)
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Content-Security-Policy", csp)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
}
