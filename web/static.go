package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"sync"
)

//go:embed static
var staticFiles embed.FS

func embeddedStatic() fs.FS {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the directory is embedded at build time; this cannot fail at run time
	}
	return sub
}

// contentSecurityPolicy allows only this origin: the app must never load anything from the
// internet. MapLibre's CSP build loads its worker from a file of ours; its control icons are
// data: images. 'wasm-unsafe-eval' lets the right-to-left text plugin (vendored, served from
// here) compile its WebAssembly, without which Arabic and Farsi labels are not drawn; it
// allows no JavaScript eval.
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; child-src 'self'; " +
	"img-src 'self' data: blob:; style-src 'self'; connect-src 'self'; font-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func (s *Server) handleIndexPage(w http.ResponseWriter, r *http.Request) {
	page, err := fs.ReadFile(s.static, "index.html")
	if err != nil {
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "the map app is not built into this binary"})
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Cache-Control", "no-cache")
	_, _ = w.Write(page)
}

// staticHandler serves the app's files. They change only with the binary, so clients
// revalidate (no-cache) with an ETag of the content: a repeat visit on a slow network costs one
// 304 per file instead of a megabyte of JavaScript.
func (s *Server) staticHandler() http.Handler {
	files := http.FileServerFS(s.static)
	var etags sync.Map // path → quoted ETag
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if p == "" || strings.HasSuffix(p, "/") {
			writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no such file"})
			return
		}
		etag, ok := etags.Load(p)
		if !ok {
			b, err := fs.ReadFile(s.static, p)
			if err != nil {
				writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no such file"})
				return
			}
			sum := sha256.Sum256(b)
			etag, _ = etags.LoadOrStore(p, `"`+hex.EncodeToString(sum[:12])+`"`)
		}
		h := w.Header()
		h.Set("ETag", etag.(string))
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		if p == "sw.js" {
			// The service worker lives with the other files but must control the page at /.
			h.Set("Service-Worker-Allowed", "/")
		}
		files.ServeHTTP(w, r)
	})
}
