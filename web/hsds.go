package web

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/hsds"
	"github.com/aidmap/aidmap/query"
)

// The HSDS 3.0 API (Open Referral's Human Services Data Specification) under /hsds, so 211
// lines and other directories can read aidmap with the clients they already have. Package
// hsds maps sites to HSDS objects and IDs; this file serves them.
//
// Extensions beyond the spec, documented in the README: lat, lon and radius_m (metres) on
// /services and /service_at_locations select those near a point, nearest first.

// hsdsOrgs is the organisations that have published sites in one index snapshot, computed
// once per snapshot: organisations are few, sites many.
type hsdsOrgs struct {
	ix     *geo.Index
	slugs  []string          // sorted by HSDS ID, the order of /hsds/organizations
	byUUID map[string]string // HSDS ID → slug
}

var hsdsOrgCache atomic.Pointer[hsdsOrgs]

func (s *Server) hsdsOrganizations(ix *geo.Index) *hsdsOrgs {
	if c := hsdsOrgCache.Load(); c != nil && c.ix == ix {
		return c
	}
	c := &hsdsOrgs{ix: ix, byUUID: map[string]string{}}
	query.Visit(ix, &query.Query{BBox: query.World}, func(h geo.Hit) {
		slug := h.Site().OrganizationID
		id := hsds.OrganizationID(slug)
		if _, ok := c.byUUID[id]; !ok {
			c.byUUID[id] = slug
			c.slugs = append(c.slugs, slug)
		}
	})
	slices.SortFunc(c.slugs, func(a, b string) int {
		return strings.Compare(hsds.OrganizationID(a), hsds.OrganizationID(b))
	})
	hsdsOrgCache.Store(c)
	return c
}

// hsdsRoutes mounts the HSDS API. Every endpoint is a public read of open data, so any origin
// may call it.
func (s *Server) hsdsRoutes(r chi.Router) {
	r.Use(allowAnyOrigin, limitByIP(s.public), middleware.Compress(5, "application/json"))
	r.Get("/", s.handleHSDSInfo)
	r.Get("/services", s.handleHSDSServices)
	r.Get("/services/{id}", s.handleHSDSService)
	r.Get("/service_at_locations", s.handleHSDSServiceAtLocations)
	r.Get("/service_at_locations/{id}", s.handleHSDSServiceAtLocation)
	r.Get("/organizations", s.handleHSDSOrganizations)
	r.Get("/organizations/{id}", s.handleHSDSOrganization)
	r.Get("/taxonomies", s.handleHSDSTaxonomies)
	r.Get("/taxonomies/{id}", s.handleHSDSTaxonomy)
	r.Get("/taxonomy_terms", s.handleHSDSTerms)
	r.Get("/taxonomy_terms/{id}", s.handleHSDSTerm)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no such HSDS endpoint; see GET /hsds/"})
	})
}

// allowAnyOrigin lets browser apps on any site read the response (open data).
func allowAnyOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Access-Control-Allow-Origin"] = anyOrigin
		next.ServeHTTP(w, r)
	})
}

// hsdsOpenAPI is the official OpenAPI document of the HSDS 3.0 API, which this one follows;
// openapi_url names ours (it documents the HSDS routes and the proximity extension, and
// refers to the official schemas), and the root links the official one too.
const hsdsOpenAPI = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"

func (s *Server) handleHSDSInfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"version":          hsds.Version,
		"profile":          "https://docs.openreferral.org/en/3.0/",
		"openapi_url":      strings.TrimSuffix(ogcBase(r), "/ogc") + "/api/openapi.json",
		"hsds_openapi_url": hsdsOpenAPI,
		"extensions": map[string]string{
			"lat, lon, radius_m": "on /services and /service_at_locations: only those within radius_m metres (default 5000, at most 100000) of the point, nearest first, each with distance_m",
			"distance_m":         "metres from lat, lon; for confidential sites a coarse band (2000, 5000, 10000…)",
		},
	})
}

// hsdsQuery is what the HSDS list endpoints take.
type hsdsQuery struct {
	page, perPage int
	ndjson        bool
	q             query.Query // modified_after, organization_id, taxonomy_term_id and the point
	near          bool
	v31           bool // ?version=3.1: services carry HSDS 3.1 capacities
}

// hsdsVersion reads ?version=: 3.0 (the default) or 3.1.
func hsdsVersion(r *http.Request) (v31 bool, err error) {
	switch v := r.URL.Query().Get("version"); v {
	case "", hsds.Version:
		return false, nil
	case hsds.Version31:
		return true, nil
	default:
		return false, badParam("version", fmt.Sprintf("%q is not supported; use 3.0 (the default) or 3.1", truncate(v)))
	}
}

// hsdsService31 adds what HSDS 3.1 publishes of site to svc when v31: assured_date and its
// fresh capacities.
func (s *Server) hsdsService31(svc *hsds.Service, site *aidmap.Site, v31 bool) {
	if v31 {
		hsds.With31(svc, site, site.FreshCapacity(s.fresh.now(), s.fresh.CapacityTTL))
	}
}

const (
	hsdsDefaultPerPage = 50
	hsdsMaxPerPage     = 1000
)

func (s *Server) parseHSDSQuery(r *http.Request) (hsdsQuery, error) {
	q := r.URL.Query()
	hq := hsdsQuery{page: 1, perPage: hsdsDefaultPerPage}
	var err error
	if hq.v31, err = hsdsVersion(r); err != nil {
		return hq, err
	}
	for _, p := range []struct {
		name     string
		dst      *int
		min, max int
	}{{"page", &hq.page, 1, 1 << 30}, {"per_page", &hq.perPage, 1, hsdsMaxPerPage}} {
		raw := q.Get(p.name)
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < p.min || n > p.max {
			return hq, badParam(p.name, fmt.Sprintf("must be a whole number from %d to %d", p.min, p.max))
		}
		*p.dst = n
	}
	switch f := q.Get("format"); f {
	case "", "json":
	case "ndjson":
		hq.ndjson = true
	default:
		return hq, badParam("format", fmt.Sprintf("%q is not supported; use json or ndjson", truncate(f)))
	}
	if raw := q.Get("modified_after"); raw != "" {
		t, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, raw); err != nil {
				return hq, badParam("modified_after", "must be a date (2026-01-31) or an RFC 3339 time (2026-01-31T12:00:00Z)")
			}
		}
		// modified_after is strict and UpdatedSince inclusive: times count nanoseconds.
		hq.q.UpdatedSince = t.Add(time.Nanosecond)
	}
	if raw := q.Get("organization_id"); raw != "" {
		slug, ok := s.hsdsOrganizations(s.source.Index()).byUUID[strings.ToLower(raw)]
		if !ok {
			return hq, badParam("organization_id", "is not the ID of an organisation with published services")
		}
		hq.q.Organization = slug
	}
	if raw := q.Get("taxonomy_term_id"); raw != "" {
		for _, ci := range aidmap.Categories() {
			if hsds.Term(ci.Slug).ID == strings.ToLower(raw) {
				hq.q.Categories = aidmap.NewCategorySet(ci.Slug)
			}
		}
		if hq.q.Categories == 0 {
			return hq, badParam("taxonomy_term_id", "is not the ID of a term in /hsds/taxonomy_terms")
		}
	}
	if q.Has("lat") || q.Has("lon") || q.Has("radius_m") {
		var err error
		if hq.q.Lat, hq.q.Lon, err = parsePoint(q); err != nil {
			return hq, err
		}
		hq.q.RadiusM = 5000
		if q.Has("radius_m") {
			if hq.q.RadiusM, err = parseRadius(q); err != nil {
				return hq, err
			}
		}
		hq.near = true
	}
	return hq, nil
}

// hsdsHits returns the published sites of ix matching hq: by distance near a point, else by
// ID. Each request filters the whole snapshot: fine for the tens of thousands of sites of a
// city or a province, to be revisited (a cached ordering per snapshot) for millions.
func (s *Server) hsdsHits(ix *geo.Index, hq hsdsQuery) []geo.Hit {
	if hq.near {
		return query.Radius(ix, &hq.q).Hits // K 0: every one
	}
	hq.q.BBox = query.World
	return query.InBox(ix, &hq.q)
}

// writeHSDSList writes n items, made by item(i), as a Page of hq's page, or every item as
// NDJSON (a full dump, streamed) when hq asks for it.
func writeHSDSList[T any](w http.ResponseWriter, hq hsdsQuery, n int, item func(i int) T) {
	if hq.ndjson {
		w.Header().Set("Content-Type", "application/x-ndjson")
		bw := bufio.NewWriterSize(w, 32<<10)
		enc := json.NewEncoder(bw)
		for i := range n {
			_ = enc.Encode(item(i))
			if (i+1)%flushEvery == 0 {
				_ = bw.Flush()
				_ = http.NewResponseController(w).Flush()
			}
		}
		_ = bw.Flush()
		return
	}
	p := hsds.Page[T]{TotalItems: n, PageNumber: hq.page, Contents: []T{}}
	p.TotalPages = max(1, (n+hq.perPage-1)/hq.perPage)
	for i := (hq.page - 1) * hq.perPage; i < n && i < hq.page*hq.perPage; i++ {
		p.Contents = append(p.Contents, item(i))
	}
	p.Size, p.Empty = len(p.Contents), len(p.Contents) == 0
	p.FirstPage, p.LastPage = hq.page == 1, hq.page >= p.TotalPages
	writeJSON(w, http.StatusOK, p)
}

// hsdsDistance is distance_m of the proximity extension, banded for confidential sites.
func hsdsDistance(hq hsdsQuery, h geo.Hit) *float64 {
	if !hq.near {
		return nil
	}
	d := float64(int64(h.DistanceM*10+0.5)) / 10
	if h.Site().Confidential {
		d = aidmap.DistanceBand(h.DistanceM)
	}
	return &d
}

func (s *Server) handleHSDSServices(w http.ResponseWriter, r *http.Request) {
	hq, err := s.parseHSDSQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	hits := s.hsdsHits(s.source.Index(), hq)
	writeHSDSList(w, hq, len(hits), func(i int) hsds.Service {
		site := hits[i].Site()
		svc := s.hsdsServiceOf(site, false)
		s.hsdsService31(&svc, site, hq.v31)
		svc.DistanceM = hsdsDistance(hq, hits[i])
		return svc
	})
}

func (s *Server) handleHSDSServiceAtLocations(w http.ResponseWriter, r *http.Request) {
	hq, err := s.parseHSDSQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ix := s.source.Index()
	hits := s.hsdsHits(ix, hq)
	hp := s.hsdsPlacesFor(r.Context(), ix)
	writeHSDSList(w, hq, len(hits), func(i int) hsds.ServiceAtLocation {
		sal := s.hsdsServiceAtLocationOf(hits[i].Site(), false, hp)
		sal.DistanceM = hsdsDistance(hq, hits[i])
		return sal
	})
}

// hsdsSite finds the site behind an HSDS ID of kind k, or writes a 404 problem.
func (s *Server) hsdsSite(w http.ResponseWriter, r *http.Request, k hsds.Kind, what string) (*aidmap.Site, bool) {
	id := chi.URLParam(r, "id")
	if siteID, ok := hsds.SiteOf(id, k); ok {
		if site, ok := s.source.Index().Site(siteID); ok {
			return site, true
		}
	}
	writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no " + what + " with ID " + strconv.Quote(truncate(id))})
	return nil, false
}

func (s *Server) handleHSDSService(w http.ResponseWriter, r *http.Request) {
	v31, err := hsdsVersion(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if site, ok := s.hsdsSite(w, r, hsds.KindService, "service"); ok {
		svc := s.hsdsServiceOf(site, true)
		if loc := s.hsdsPlacesFor(r.Context(), s.source.Index()).location(site); loc != nil {
			for i := range svc.ServiceAtLocations {
				hsds.AtLocation(&svc.ServiceAtLocations[i], loc)
			}
		}
		s.hsdsService31(&svc, site, v31)
		writeJSON(w, http.StatusOK, svc)
	}
}

func (s *Server) handleHSDSServiceAtLocation(w http.ResponseWriter, r *http.Request) {
	if site, ok := s.hsdsSite(w, r, hsds.KindServiceAtLocation, "service_at_location"); ok {
		writeJSON(w, http.StatusOK, s.hsdsServiceAtLocationOf(site, true, s.hsdsPlacesFor(r.Context(), s.source.Index())))
	}
}

func (s *Server) handleHSDSOrganizations(w http.ResponseWriter, r *http.Request) {
	hq, err := s.parseHSDSQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	orgs := s.hsdsOrganizations(s.source.Index())
	writeHSDSList(w, hq, len(orgs.slugs), func(i int) hsds.Organization { return s.hsdsOrganizationOf(orgs.slugs[i]) })
}

func (s *Server) handleHSDSOrganization(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	slug, ok := s.hsdsOrganizations(s.source.Index()).byUUID[strings.ToLower(id)]
	if !ok {
		writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no organization with ID " + strconv.Quote(truncate(id))})
		return
	}
	writeJSON(w, http.StatusOK, s.hsdsOrganizationOf(slug))
}

func (s *Server) handleHSDSTaxonomies(w http.ResponseWriter, r *http.Request) {
	hq, err := s.parseHSDSQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeHSDSList(w, hq, 1, func(int) hsds.Taxonomy { return hsds.AidmapTaxonomy() })
}

func (s *Server) handleHSDSTaxonomy(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if t := hsds.AidmapTaxonomy(); strings.EqualFold(id, t.ID) {
		writeJSON(w, http.StatusOK, t)
		return
	}
	writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no taxonomy with ID " + strconv.Quote(truncate(id))})
}

func (s *Server) handleHSDSTerms(w http.ResponseWriter, r *http.Request) {
	hq, err := s.parseHSDSQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cats := aidmap.Categories()
	writeHSDSList(w, hq, len(cats), func(i int) hsds.TaxonomyTerm { return hsds.Term(cats[i].Slug) })
}

func (s *Server) handleHSDSTerm(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	for _, c := range aidmap.Categories() {
		if t := hsds.Term(c.Slug); strings.EqualFold(id, t.ID) {
			writeJSON(w, http.StatusOK, t)
			return
		}
	}
	writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no taxonomy term with ID " + strconv.Quote(truncate(id))})
}

// The HSDS objects of a site, with its organisation looked up.

func (s *Server) org(slug string) aidmap.Organization {
	o, _ := s.source.Organization(slug)
	return o
}

func (s *Server) hsdsServiceOf(site *aidmap.Site, full bool) hsds.Service {
	return hsds.NewService(site, s.org(site.OrganizationID), full)
}

// hsdsServiceAtLocationOf links a site's service to its location: its place's when it is in
// a place of several providers (hp, hsds_places.go), else its own.
func (s *Server) hsdsServiceAtLocationOf(site *aidmap.Site, withService bool, hp *hsdsPlaces) hsds.ServiceAtLocation {
	sal := hsds.NewServiceAtLocation(site, s.org(site.OrganizationID), withService)
	hsds.AtLocation(&sal, hp.location(site))
	return sal
}

func (s *Server) hsdsOrganizationOf(slug string) hsds.Organization {
	return hsds.NewOrganization(slug, s.org(slug))
}
