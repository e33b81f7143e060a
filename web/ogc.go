package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/aidmap/aidmap/ogc"
	"github.com/aidmap/aidmap/query"
)

// OGC API - Features under /ogc, so GIS software (QGIS: Layer > Add WFS / OGC API -
// Features, URL http://host/ogc) can add the sites as a layer and page through every feature.
// Package ogc holds the standard's documents and parameters; this file serves them, with the
// items found by package query and encoded as /api/v1's GeoJSON features.

const (
	ogcCollection   = ogc.CollectionID
	ogcDefaultLimit = 100
	ogcMaxLimit     = maxLimit
	geoJSONType     = ogc.GeoJSONType
)

// ogcRoutes mounts the OGC API. Reads of open data: any origin may call it.
func (s *Server) ogcRoutes(r chi.Router) {
	r.Use(allowAnyOrigin, limitByIP(s.public), middleware.Compress(5, "application/json", geoJSONType))
	r.Get("/", s.handleOGCLanding)
	r.Get("/conformance", s.handleOGCConformance)
	r.Get("/collections", s.handleOGCCollections)
	r.Get("/collections/{collection}", s.handleOGCCollection)
	r.Get("/collections/{collection}/items", s.handleOGCItems)
	r.Get("/collections/{collection}/items/{featureId}", s.handleOGCItem)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no such OGC API resource; start at /ogc"})
	})
}

// ogcBase returns the absolute URL of /ogc as the client reached it: clients such as QGIS
// follow links as given, so they must be absolute and name the host the client used.
func ogcBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/ogc"
}

// checkOGCFormat answers f= (the spec's format parameter): JSON is the only encoding.
func checkOGCFormat(q url.Values) error {
	switch f := q.Get("f"); f {
	case "", "json", "geojson":
		return nil
	default:
		return badParam("f", strconv.Quote(truncate(f))+" is not supported; use json")
	}
}

func (s *Server) handleOGCLanding(w http.ResponseWriter, r *http.Request) {
	if err := checkOGCFormat(r.URL.Query()); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ogc.Landing(ogcBase(r)))
}

func (s *Server) handleOGCConformance(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, ogc.ConformanceDoc())
}

// ogcExtent is the sites collection's extent: the data's bounds, nil when there are none.
func (s *Server) ogcExtent() []float64 {
	if b, ok := s.source.Index().Bounds(); ok {
		return []float64{b.MinLon, b.MinLat, b.MaxLon, b.MaxLat}
	}
	return nil
}

func (s *Server) handleOGCCollections(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, ogc.Collections(ogcBase(r), s.ogcExtent()))
}

// ogcCollectionOK writes a 404 problem unless the path names the sites collection.
func ogcCollectionOK(w http.ResponseWriter, r *http.Request) bool {
	if c := chi.URLParam(r, "collection"); c != ogcCollection {
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no collection " + strconv.Quote(truncate(c)) + "; the only one is sites"})
		return false
	}
	return true
}

func (s *Server) handleOGCCollection(w http.ResponseWriter, r *http.Request) {
	if ogcCollectionOK(w, r) {
		writeJSON(w, http.StatusOK, ogc.Collection(ogcBase(r), s.ogcExtent()))
	}
}

// ogcItemsQuery is a parsed /items request.
type ogcItemsQuery struct {
	q      query.Query // bbox, limit, cursor, datetime and the property filters
	offset int
}

func parseOGCItems(q url.Values) (ogcItemsQuery, error) {
	oq := ogcItemsQuery{q: query.Query{BBox: worldBBox, K: ogcDefaultLimit}}
	for name := range q {
		if !ogc.ItemsParams[name] {
			return oq, badParam(name, "is not a parameter of this collection; see bbox, limit, offset, datetime, category")
		}
	}
	if err := checkOGCFormat(q); err != nil {
		return oq, err
	}
	var err error
	if raw := q.Get("bbox"); raw != "" {
		if oq.q.BBox, err = parseBBox(raw); err != nil {
			return oq, err
		}
	}
	if raw := q.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return oq, badParam("limit", "must be a whole number of at least 1")
		}
		// Core lets a server cap limit; clients such as QGIS ask for large pages and follow
		// next links, so a cap serves them better than an error.
		oq.q.K = min(n, ogcMaxLimit)
	}
	if raw := q.Get("offset"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 {
			return oq, badParam("offset", "must be a whole number, 0 or more")
		}
		oq.offset = n
	}
	if q.Has("cursor") {
		c, _, err := parseCursor(q)
		if err != nil {
			return oq, err
		}
		if q.Has("offset") {
			return oq, badParam("cursor", "give offset or cursor, not both")
		}
		oq.q.After = &query.Cursor{ID: c.ID}
	}
	f, err := parseFilter(q)
	if err != nil {
		return oq, err
	}
	after, bbox, limit := oq.q.After, oq.q.BBox, oq.q.K
	if oq.q, err = parseSiteQuery(q, time.Now()); err != nil {
		return oq, err
	}
	oq.q.After, oq.q.BBox, oq.q.K, oq.q.Categories = after, bbox, limit, f.Categories
	if raw := q.Get("datetime"); raw != "" {
		from, to, err := ogc.ParseDatetime(raw)
		if err != nil {
			return oq, err
		}
		// datetime and updated_since both bound updated_at: the later start holds.
		if from.After(oq.q.UpdatedSince) {
			oq.q.UpdatedSince = from
		}
		oq.q.UpdatedUntil = to
	}
	return oq, nil
}

// handleOGCItems answers one page of features in ID order, with numberMatched, numberReturned
// and a next link (a cursor, or the next offset when the client paged by offset).
func (s *Server) handleOGCItems(w http.ResponseWriter, r *http.Request) {
	if !ogcCollectionOK(w, r) {
		return
	}
	q := r.URL.Query()
	oq, err := parseOGCItems(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, matched := query.BoxOffset(s.source.Index(), &oq.q, oq.offset)
	hits, more := res.Hits, res.Next != nil
	oq.offset = min(oq.offset, matched)

	base := ogcBase(r)
	items := base + "/collections/" + ogcCollection + "/items"
	links := []ogc.Link{
		{Href: items + queryString(q), Rel: "self", Type: geoJSONType, Title: "this page"},
		{Href: base + "/collections/" + ogcCollection, Rel: "collection", Type: "application/json"},
	}
	if more && len(hits) > 0 {
		nq := cloneValues(q)
		if q.Has("offset") {
			nq.Set("offset", strconv.Itoa(oq.offset+len(hits)))
		} else {
			nq.Set("cursor", cursor{ID: hits[len(hits)-1].ID()}.encode())
		}
		links = append(links, ogc.Link{Href: items + queryString(nq), Rel: "next", Type: geoJSONType, Title: "next page"})
	}

	b := append([]byte(nil), `{"type":"FeatureCollection","features":[`...)
	marks := s.places.marks() // sites at stacked points are approximate (#19)
	for i, h := range hits {
		if i > 0 {
			b = append(b, ',')
		}
		v := siteView{site: h.Site(), stacked: marks.Approximate(h.Site().ID)}
		v.stale = s.staleOf(v.site)
		v.org, _ = s.source.Organization(v.site.OrganizationID)
		b = appendFeatureJSON(b, v)
	}
	b = append(b, `],"numberMatched":`...)
	b = strconv.AppendInt(b, int64(matched), 10)
	b = append(b, `,"numberReturned":`...)
	b = strconv.AppendInt(b, int64(len(hits)), 10)
	b = append(b, `,"timeStamp":"`...)
	b = time.Now().UTC().AppendFormat(b, time.RFC3339)
	b = append(b, `","links":`...)
	b = appendLinks(b, links)
	b = append(b, '}', '\n')
	w.Header().Set("Content-Type", geoJSONType)
	_, _ = w.Write(b)
}

func (s *Server) handleOGCItem(w http.ResponseWriter, r *http.Request) {
	if !ogcCollectionOK(w, r) {
		return
	}
	if err := checkOGCFormat(r.URL.Query()); err != nil {
		s.writeError(w, r, err)
		return
	}
	id := chi.URLParam(r, "featureId")
	site, ok := s.source.Index().Site(id)
	if !ok {
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no feature with ID " + strconv.Quote(truncate(id))})
		return
	}
	v := siteView{site: site, stale: s.staleOf(site), stacked: s.places.marks().Approximate(site.ID)}
	v.org, _ = s.source.Organization(site.OrganizationID)
	b := appendFeatureJSON(nil, v)
	base := ogcBase(r) + "/collections/" + ogcCollection
	b = append(b[:len(b)-1], `,"links":`...) // reopen the feature object to add its links
	b = appendLinks(b, []ogc.Link{
		{Href: base + "/items/" + url.PathEscape(site.ID), Rel: "self", Type: geoJSONType},
		{Href: base, Rel: "collection", Type: "application/json"},
	})
	b = append(b, '}', '\n')
	w.Header().Set("Content-Type", geoJSONType)
	_, _ = w.Write(b)
}

func appendLinks(b []byte, links []ogc.Link) []byte {
	b = append(b, '[')
	for i, l := range links {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"href":`...)
		b = appendString(b, l.Href)
		b = appendStringField(b, "rel", l.Rel)
		b = appendStringField(b, "type", l.Type)
		b = appendStringField(b, "title", l.Title)
		b = append(b, '}')
	}
	return append(b, ']')
}

func queryString(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func cloneValues(q url.Values) url.Values {
	c := make(url.Values, len(q))
	for k, v := range q {
		c[k] = append([]string(nil), v...)
	}
	return c
}
