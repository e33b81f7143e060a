package web

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
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
// internet. MapLibre runs its workers from blob: URLs and draws images from data:/blob:.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; " +
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

// staticHandler serves the app's files. Vendored libraries change only with the binary, so
// clients revalidate (no-cache) rather than cache blindly: cheap with If-Modified-Since.
func (s *Server) staticHandler() http.Handler {
	files := http.FileServerFS(s.static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no such file"})
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
		files.ServeHTTP(w, r)
	})
}
