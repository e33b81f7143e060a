package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/aidmap/aidmap/fonts"
)

// fontCacheControl lets browsers and proxies keep glyphs for a week without asking: they change
// only when the binary's font data is regenerated, which is rare and harmless to see late. The
// ETag (a digest of the content) makes the revalidation after that a 304.
const fontCacheControl = "public, max-age=604800"

// maxFontstack bounds the fontstack path segment; real stacks name a few fonts.
const maxFontstack = 512

// handleGlyphs serves /fonts/{fontstack}/{range}.pbf, the glyphs URL of the map style: the
// glyph range of a comma-separated font stack, combined per code point by package fonts.
// Unknown font names fall back to the default font and ranges without glyphs are empty PBFs,
// because MapLibre asks for the range of every code point it sees and treats errors as fatal
// for the label.
func (s *Server) handleGlyphs(w http.ResponseWriter, r *http.Request) {
	if s.fonts == nil {
		writeProblem(w, r, problem{Status: http.StatusServiceUnavailable, Detail: "the label fonts could not be loaded; see the server log"})
		return
	}
	stack := chi.URLParam(r, "fontstack")
	if u, err := url.PathUnescape(stack); err == nil {
		stack = u // chi matches the escaped path when a client escapes more than Go does (%2C)
	}
	if len(stack) > maxFontstack {
		s.writeError(w, r, badParam("fontstack", "is longer than "+strconv.Itoa(maxFontstack)+" bytes"))
		return
	}
	first, err := fonts.ParseRange(chi.URLParam(r, "range"))
	if err != nil {
		s.writeError(w, r, badParam("range", "must be N-M with N a multiple of 256 up to 65280 and M = N+255, like 0-255"))
		return
	}
	rg, err := s.fonts.Range(stack, first)
	if err != nil {
		if errors.Is(err, fonts.ErrInvalidRange) {
			s.writeError(w, r, badParam("range", err.Error()))
			return
		}
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("ETag", rg.ETag)
	h.Set("Cache-Control", fontCacheControl)
	h.Set("Vary", "Accept-Encoding")
	if etagMatches(r.Header.Get("If-None-Match"), rg.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/x-protobuf")
	body := rg.Gzip
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
	} else if body, err = rg.Gunzip(); err != nil {
		s.writeError(w, r, err)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// loadFonts returns the fonts a server uses: the configured library or the embedded one. A
// broken embedded library (a build problem) is logged and turns /fonts into 503s rather than
// stopping the map.
func (s *Server) loadFonts(l *fonts.Library) *fonts.Library {
	if l != nil {
		return l
	}
	l, err := fonts.Embedded()
	if err != nil {
		s.logger.Error("web: label fonts", "err", err)
		return nil
	}
	return l
}
