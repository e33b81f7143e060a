package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/tiles"
)

// tileCacheBytes bounds the gzipped site tiles kept per server: about 3,000 city tiles.
const tileCacheBytes = 64 << 20

// tileCacheControl lets browsers and CDNs reuse a tile for a minute and then revalidate it
// cheaply: the ETag is the index version, so a 304 costs no rendering.
const tileCacheControl = "public, max-age=60"

// handleSitesTile returns the handler of /tiles/sites/{z}/{x}/{y}.mvt with its own tile cache:
// tiles rendered from the live index (package tiles), gzipped when the client accepts it,
// 304 when its ETag (index version and filter) still matches.
func (s *Server) handleSitesTile() http.HandlerFunc {
	cache := tiles.NewCache(tileCacheBytes)
	return func(w http.ResponseWriter, r *http.Request) {
		z, x, y, err := parseTilePath(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		f, err := parseFilter(r.URL.Query())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		ix := s.source.Index()
		// One pin per place of several providers (#19), from the last places made for this
		// index, and sites at stacked points drawn as approximate; until they are made (or
		// while the index moved on), every site is drawn as it is. With no place of several
		// and no stacked point, tiles and ETags are those without places.
		var pl tiles.Places
		var gen int64
		if sn := s.places.peek(); sn != nil && sn.ix == ix && !sn.places.Empty() {
			pl, gen = sn.places, sn.gen
		}
		h := w.Header()
		etag := tileETag(ix, f, gen)
		h.Set("ETag", etag)
		h.Set("Cache-Control", tileCacheControl)
		h.Set("Vary", "Accept-Encoding")
		if etagMatches(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		gz, err := cache.GzippedPlaces(ix, pl, gen, z, x, y, f)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if len(gz) == 0 {
			w.WriteHeader(http.StatusNoContent) // no site here: MapLibre draws an empty tile
			return
		}
		h.Set("Content-Type", "application/vnd.mapbox-vector-tile")
		body := gz
		if acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
		} else if body, err = tiles.Gunzip(nil, gz); err != nil {
			s.writeError(w, r, err)
			return
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}
}

// handleSitesTileJSON serves the TileJSON of the sites layer, with tile URLs absolute on the
// request's host and carrying its category filter.
func (s *Server) handleSitesTileJSON(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p // behind a TLS-terminating proxy
	}
	u := scheme + "://" + r.Host + "/tiles/sites/{z}/{x}/{y}.mvt"
	if f.Categories != 0 {
		var slugs []string
		for _, c := range f.Categories.Slice() {
			slugs = append(slugs, string(c))
		}
		u += "?category=" + url.QueryEscape(strings.Join(slugs, ","))
	}
	ix := s.source.Index()
	doc, err := tiles.TileJSON(ix, u)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=60")
	h.Set("Vary", "Accept-Encoding, X-Forwarded-Proto")
	_, _ = w.Write(doc)
}

// parseTilePath reads z, x and y from the path; each must be a decimal integer in range.
func parseTilePath(r *http.Request) (z, x, y int, err error) {
	var v [3]int
	for i, name := range [...]string{"z", "x", "y"} {
		raw := chi.URLParam(r, name)
		n, err := strconv.Atoi(raw)
		if err != nil || len(raw) > 8 {
			return 0, 0, 0, badParam(name, "must be a whole number")
		}
		v[i] = n
	}
	if err := tiles.CheckTile(v[0], v[1], v[2]); err != nil {
		return 0, 0, 0, err
	}
	return v[0], v[1], v[2], nil
}

// tileETag is the ETag of every tile of one index version, filter and generation of places
// (0: none drawn): weak, as the same tile is sent gzipped or not.
func tileETag(ix *geo.Index, f geo.Filter, gen int64) string {
	b := make([]byte, 0, 48)
	b = append(b, `W/"sites-`...)
	b = strconv.AppendInt(b, ix.Version(), 10)
	b = append(b, '-')
	b = strconv.AppendUint(b, uint64(f.Categories), 16)
	if gen > 0 {
		b = append(b, "-p"...)
		b = strconv.AppendInt(b, gen, 10)
	}
	return string(append(b, '"'))
}

// etagMatches reports whether an If-None-Match header matches etag (weak comparison, as
// RFC 9110 asks for If-None-Match).
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether the request accepts gzip (not with q=0).
func acceptsGzip(r *http.Request) bool {
	rest := r.Header.Get("Accept-Encoding")
	for rest != "" { // Cut rather than Split: every API request asks, and Split allocates
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
