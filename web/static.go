package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
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
//
// Files are compressed once, at gzip's best level, the first time they are asked for: the
// answers' middleware uses the fastest level (an API answer is compressed per request), which
// on MapLibre's 1.4 MB of JavaScript costs a first visit about 60 KB more than level 9. The
// compressed form has its own ETag, since it is a different representation of the file.
func (s *Server) staticHandler() http.Handler {
	var cache sync.Map // path → *staticFile
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if p == "" || strings.HasSuffix(p, "/") {
			writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no such file"})
			return
		}
		v, ok := cache.Load(p)
		if !ok {
			f, err := loadStaticFile(s.static, p)
			if err != nil {
				writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no such file"})
				return
			}
			v, _ = cache.LoadOrStore(p, f)
		}
		f := v.(*staticFile)
		h := w.Header()
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Content-Type", f.contentType)
		if p == "sw.js" {
			// The service worker lives with the other files but must control the page at /.
			h.Set("Service-Worker-Allowed", "/")
		}
		body, etag := f.body, f.etag
		if f.gzipped != nil {
			if !slices.Contains(h.Values("Vary"), "Accept-Encoding") { // the middleware may have said it
				h.Add("Vary", "Accept-Encoding")
			}
			if acceptsGzip(r) { // tiles.go
				body, etag = f.gzipped, f.gzipETag
				h.Set("Content-Encoding", "gzip")
			}
		}
		h.Set("ETag", etag)
		http.ServeContent(w, r, p, time.Time{}, bytes.NewReader(body))
	})
}

// staticFile is one app file as served: its bytes, and their gzip form when that is smaller.
type staticFile struct {
	body, gzipped  []byte
	etag, gzipETag string
	contentType    string
}

func loadStaticFile(fsys fs.FS, name string) (*staticFile, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	tag := hex.EncodeToString(sum[:12])
	f := &staticFile{body: b, etag: `"` + tag + `"`, contentType: mime.TypeByExtension(path.Ext(name))}
	if f.contentType == "" {
		f.contentType = http.DetectContentType(b)
	}
	if len(b) >= gzipMinSize && compressibleType(f.contentType) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid constant level
		_, _ = zw.Write(b)
		_ = zw.Close()
		if buf.Len() < len(b) {
			f.gzipped = buf.Bytes()
			f.gzipETag = `"` + tag + `-gz"`
		}
	}
	return f, nil
}

// compressibleType says whether a file of this media type shrinks under gzip: text does;
// images, fonts and WebAssembly here are already compressed or nearly incompressible.
func compressibleType(contentType string) bool {
	ct, _, _ := strings.Cut(contentType, ";")
	ct = strings.TrimSpace(strings.ToLower(ct))
	switch {
	case strings.HasPrefix(ct, "text/"), ct == "image/svg+xml":
		return true
	case ct == "application/javascript", ct == "text/javascript", ct == "application/json",
		ct == "application/manifest+json", ct == "application/wasm":
		return true
	}
	return strings.HasSuffix(ct, "+json")
}
