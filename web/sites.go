package web

import (
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/query"
)

// bufPool recycles response buffers: list responses are the hot path.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// hitPool recycles result slices for nearest queries.
var hitPool = sync.Pool{New: func() any { h := make([]geo.Hit, 0, 64); return &h }}

// handleNearest answers the k nearest sites to a point, by distance.
func (s *Server) handleNearest(w http.ResponseWriter, r *http.Request) {
	qp := parseQuery(r)
	defer qp.release()
	q := qp.v
	lp, err := parseListParams(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if lp.q.Lat, lp.q.Lon, err = parsePoint(q); err != nil {
		s.writeError(w, r, err)
		return
	}
	hp := hitPool.Get().(*[]geo.Hit)
	ix := s.source.Index()
	hits, complete := query.AppendNearest((*hp)[:0], ix, &lp.q)
	lp.incomplete = !complete
	s.writeList(w, ix, lp, hits, true, "")
	clear(hits) // drop index references so a pooled slice does not pin an old snapshot
	*hp = hits[:0]
	hitPool.Put(hp)
}

// handleSites lists sites within a radius (by distance) or a bounding box (by ID), a page at
// a time: each page links to the next while more results remain.
func (s *Server) handleSites(w http.ResponseWriter, r *http.Request) {
	qp := parseQuery(r)
	defer qp.release()
	q := qp.v
	lp, err := parseListParams(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	after, hasCursor, err := parseCursor(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if hasCursor {
		lp.q.After = (*query.Cursor)(&after)
	}
	ix := s.source.Index()
	var (
		res      query.Result
		byDist   bool
		rawBBox  = q.Get("bbox")
		hasPoint = q.Has("lat") || q.Has("lon") || q.Has("radius_m")
	)
	switch {
	case rawBBox != "" && hasPoint:
		s.writeError(w, r, badParam("bbox", "give either bbox or lat, lon and radius_m, not both"))
		return
	case rawBBox != "":
		if lp.q.BBox, err = parseBBox(rawBBox); err != nil {
			s.writeError(w, r, err)
			return
		}
		res = query.Box(ix, &lp.q) // one page by ID
	case hasPoint:
		if lp.q.Lat, lp.q.Lon, err = parsePoint(q); err != nil {
			s.writeError(w, r, err)
			return
		}
		if lp.q.RadiusM, err = parseRadius(q); err != nil {
			s.writeError(w, r, err)
			return
		}
		byDist = true
		// Ranked by relevance (with q), then distance: the cursor holds the rank key.
		res = query.Radius(ix, &lp.q)
	default:
		s.writeError(w, r, badParam("bbox", "give bbox=minLon,minLat,maxLon,maxLat, or lat, lon and radius_m"))
		return
	}
	next := ""
	if res.Next != nil {
		next = nextURL(r.URL, cursor(*res.Next))
	}
	s.writeList(w, ix, lp, res.Hits, byDist, next)
}

// nextURL returns the link to the page after c, keeping every other parameter.
func nextURL(u *url.URL, c cursor) string {
	q := u.Query()
	q.Set("cursor", c.encode())
	return u.Path + "?" + q.Encode()
}

// writeList encodes hits, found in ix, as {"sites":[...]} or as a GeoJSON FeatureCollection.
func (s *Server) writeList(w http.ResponseWriter, ix *geo.Index, lp listParams, hits []geo.Hit, withDist bool, next string) {
	format := lp.format
	if withDist {
		fresherFirstOnTies(hits)
	}
	if format == "csv" || format == "ndjson" {
		s.writeExport(w, format, hits, withDist, next)
		return
	}
	bp := bufPool.Get().(*[]byte)
	b := (*bp)[:0]
	geojson := format == "geojson"
	if geojson {
		b = append(b, `{"type":"FeatureCollection","features":[`...)
	} else {
		b = append(b, `{"sites":[`...)
	}
	// One site decoded at a time, into the same memory; allocated at the first miss only (it
	// escapes), so that an answer served from the cache allocates none.
	var decoded *aidmap.Site
	now := s.fresh.now()
	var gen *cacheGen
	orgs := orgMemo{src: s.source}
	// Sites at stacked points are approximate (#19), by the last places made.
	marks := s.places.marks()
	if !geojson {
		gen = s.sites.generation(ix, marks.StackedVersion())
	}
	for i, h := range hits {
		if i > 0 {
			b = append(b, ',')
		}
		if gen != nil {
			if e := gen.get(h, &orgs); e != nil {
				b = append(b, '{')
				b = append(b, e.head...)
				b = appendOpenMemo(b, &e.open, &e.hours, lp.q.When, lp.now)
				b = append(b, e.tail...)
				if s.fresh.StaleAfter > 0 && !s.fresh.staleChecked(e.checked, now).IsZero() {
					b = append(b, e.stale...) // appendStale(b, e.checked)
				}
				if withDist {
					b = appendDistanceM(b, h.DistanceM, e.confidential)
				}
				b = append(b, '}')
				continue
			}
		}
		if decoded == nil {
			decoded = new(aidmap.Site)
		}
		h.DecodeSite(decoded) // all but the ID, which the index keeps apart
		decoded.ID = h.ID()
		site := decoded
		v := siteView{site: site, dist: h.DistanceM, hasDist: withDist, open: evalOpen(site, lp.q.When), stale: s.staleOf(site),
			stacked: marks.Approximate(site.ID)}
		v.org = orgs.get(site.OrganizationID)
		switch {
		case geojson:
			b = appendFeatureJSON(b, v)
		case gen != nil:
			// appendSiteJSON in its parts, so that the static ones can be kept (sitecache.go).
			b = append(b, '{')
			head := len(b)
			b = appendSiteHead(b, v, true)
			headEnd := len(b)
			b = appendOpenState(b, v.open)
			tail := len(b)
			b = appendSiteTail(b, site)
			gen.put(h, site, v.org, b[head:headEnd], b[tail:])
			b = appendStale(b, v.stale.checked)
			b = appendLive(b, v.stale.live)
			b = appendDistance(b, v)
			b = append(b, '}')
		default:
			b = appendSiteJSON(b, v)
		}
	}
	b = append(b, `],"count":`...)
	b = strconv.AppendInt(b, int64(len(hits)), 10)
	if next != "" {
		b = append(b, `,"next":`...)
		b = appendString(b, next)
	}
	if lp.incomplete {
		b = append(b, `,"complete":false`...)
	}
	b = append(b, '}', '\n')
	h := w.Header()
	if geojson {
		h["Content-Type"] = geoJSONValue
	} else {
		h["Content-Type"] = jsonValue
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
	if cap(b) <= 1<<20 { // don't keep huge buffers around
		*bp = b
		bufPool.Put(bp)
	}
}

// handleSite returns one site by ID.
func (s *Server) handleSite(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	format, err := outputFormat(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ix := s.source.Index()
	site, ok := ix.Site(id)
	if !ok {
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no site with ID " + strconv.Quote(truncate(id))})
		return
	}
	v := siteView{site: site, stale: s.staleOf(site)}
	// At a stacked point (many unrelated records at one coordinate, #19), by the last places
	// made (never waited for), as the lists say: approximate, not a building.
	if sn := s.places.peek(); sn != nil {
		v.stacked = sn.places.Approximate(id)
	}
	v.org, _ = s.source.Organization(site.OrganizationID)
	var b []byte
	if format == "geojson" {
		b = appendFeatureJSON(nil, v)
		w.Header().Set("Content-Type", "application/geo+json")
	} else {
		b = appendSiteJSON(nil, v)
		w.Header().Set("Content-Type", "application/json")
	}
	_, _ = w.Write(append(b, '\n'))
}

// handleCategories lists the built-in taxonomy.
func (s *Server) handleCategories(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"categories": aidmap.Categories()})
}

// handleInfo describes the dataset: whether it is demo data, its size and extent.
func (s *Server) handleInfo(w http.ResponseWriter, r *http.Request) {
	ix := s.source.Index()
	info := map[string]any{
		"name":          "aidmap",
		"version":       s.version,
		"demo":          s.source.Demo(),
		"sites":         ix.Len(),
		"index_version": ix.Version(),
	}
	if b, ok := ix.Bounds(); ok {
		info["bounds"] = []float64{b.MinLon, b.MinLat, b.MaxLon, b.MaxLat}
	}
	if v := s.view; v != nil {
		info["default_view"] = map[string]float64{"lat": v.Lat, "lon": v.Lon, "zoom": v.Zoom}
	}
	writeJSON(w, http.StatusOK, info)
}
