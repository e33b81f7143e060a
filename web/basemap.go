package web

import (
	"bytes"
	"compress/gzip"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/basemap"
)

// basemapCacheControl lets browsers keep basemap tiles for a day: an archive changes only
// when the server restarts with another file, and the ETag (the archive's content and the
// tile's place in it) makes the revalidation after that a 304.
const basemapCacheControl = "public, max-age=86400"

// archiveFunc returns the archive a route serves.
type archiveFunc func() (*basemap.Archive, error)

// basemapArchive is the --basemap archive, or the embedded world overview without one.
func (s *Server) basemapArchive() (*basemap.Archive, error) {
	if s.basemap != nil {
		return s.basemap, nil
	}
	return basemap.Default()
}

// handleArchiveTile serves /tiles/<name>/{z}/{x}/{y}.{ext} from an archive: the tile as
// stored when it is gzipped and the client takes gzip (no recompression), gunzipped for
// clients that do not, gzipped on the way for vector tiles stored plain. A tile the archive
// lacks is 204 for vector tiles (MapLibre draws nothing there, as for open sea) and 404 for
// images.
func (s *Server) handleArchiveTile(archive archiveFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := archive()
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		z, x, y, err := parseTilePath(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		info := a.Info()
		if ext := chi.URLParam(r, "ext"); ext != string(info.Format) && !(ext == "jpeg" && info.Format == basemap.JPEG) {
			writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "this basemap has ." + string(info.Format) + " tiles, not ." + ext})
			return
		}
		e, err := a.Find(r.Context(), z, x, y)
		if errors.Is(err, aidmap.ErrNotFound) && info.Format.Vector() {
			w.Header().Set("Cache-Control", basemapCacheControl)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h := w.Header()
		// Weak: the same tile goes out gzipped or not, as the client asks (Vary).
		etag := "W/" + e.ETag()
		h.Set("ETag", etag)
		h.Set("Cache-Control", basemapCacheControl)
		h.Set("Vary", "Accept-Encoding")
		if etagMatches(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body, err := a.Read(r.Context(), e)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		gzipped := a.IsGzip(body)
		switch {
		case gzipped && acceptsGzip(r):
			h.Set("Content-Encoding", "gzip")
		case gzipped:
			if body, err = gunzip(body); err != nil {
				s.writeError(w, r, err)
				return
			}
		case info.Format.Vector() && acceptsGzip(r):
			body = gzipBytes(body) // images are compressed already
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("Content-Type", info.Format.ContentType())
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}
}

// handleArchiveTileJSON serves an archive's TileJSON with tile URLs absolute on the
// request's host (MapLibre fetches tiles from a worker, where relative URLs do not resolve).
// aidmap_default tells the page that the archive is the embedded world overview, which it
// already draws, so it can leave the basemap source out.
func (s *Server) handleArchiveTileJSON(name string, archive archiveFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := archive()
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		def, _ := basemap.Default()
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
			scheme = p // behind a TLS-terminating proxy
		}
		u := scheme + "://" + r.Host + "/tiles/" + name + "/{z}/{x}/{y}." + string(a.Info().Format)
		doc, err := a.TileJSON(u, map[string]any{"aidmap_default": a == def})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-cache")
		h.Set("Vary", "Accept-Encoding, X-Forwarded-Proto")
		_, _ = w.Write(doc)
	}
}

var gzipPool = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzipPool.Get().(*gzip.Writer)
	zw.Reset(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	gzipPool.Put(zw)
	return buf.Bytes()
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, errors.New("web: basemap tile: " + err.Error())
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(zr); err != nil {
		return nil, errors.New("web: basemap tile: " + strings.TrimPrefix(err.Error(), "gzip: "))
	}
	return buf.Bytes(), nil
}
