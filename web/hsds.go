package web

import (
	"bufio"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
)

// The HSDS 3.0 API (Open Referral's Human Services Data Specification) under /hsds, so 211
// lines and other directories can read aidmap with the clients they already have.
//
// Model: each aidmap site is one HSDS service offered at one location, linked by one
// service_at_location. The organisation is the site's organisation; categories are the terms
// of one taxonomy ("aidmap"), linked to services through attributes. A confidential site is
// published like everywhere else: its area only (city, region, country and the public point;
// no street, unit or postal code).
//
// Extensions beyond the spec, documented in the README: lat, lon and radius_m (metres) on
// /services and /service_at_locations select those near a point, nearest first.

// hsdsVersion is the HSDS version this API follows.
const hsdsVersion = "3.0"

// HSDS IDs. Every HSDS object needs a UUID. A site's ID is already a UUIDv5 of its key; the
// service, location and service-at-location of a site get its ID XORed with a per-kind mask,
// which keeps them deterministic (stable across restarts and re-imports), distinct per kind
// and, unlike a fresh UUIDv5, reversible: /hsds/services/{id} finds its site with one index
// lookup, without a table of derived IDs. The masks leave the version and variant bits alone,
// so the results are well-formed version 5 UUIDs. Objects that are not sites (organisations,
// taxonomy terms, phones…) get a UUIDv5 of their key in a namespace of their own.
type hsdsKind byte

const (
	kindService hsdsKind = iota
	kindLocation
	kindServiceAtLocation
	kindAddress
	kindPhone
	kindSchedule
	kindLanguage
	kindAttribute
	kindAccessibility
	kindOrganization
	kindTaxonomy
	kindTerm
	nKinds
)

var hsdsMasks = func() (m [nKinds][16]byte) {
	for k := range m {
		sum := sha1.Sum([]byte("aidmap hsds 3.0 kind " + strconv.Itoa(k)))
		copy(m[k][:], sum[:16])
		m[k][6] &= 0x0f // keep the version nibble
		m[k][8] &= 0x3f // keep the variant bits
	}
	return m
}()

// parseUUID reads the canonical 8-4-4-4-12 hexadecimal form.
func parseUUID(s string) (u [16]byte, ok bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return u, false
	}
	return u, true
}

func formatUUID(u [16]byte) string {
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func xorUUID(u [16]byte, k hsdsKind) string {
	for i := range u {
		u[i] ^= hsdsMasks[k][i]
	}
	return formatUUID(u)
}

// hsdsSiteID returns the HSDS ID of kind k derived from a site ID ("" if it is not a UUID).
func hsdsSiteID(siteID string, k hsdsKind) string {
	u, ok := parseUUID(siteID)
	if !ok {
		return ""
	}
	return xorUUID(u, k)
}

// hsdsSiteOf reverses hsdsSiteID.
func hsdsSiteOf(id string, k hsdsKind) (string, bool) {
	u, ok := parseUUID(strings.ToLower(id))
	if !ok {
		return "", false
	}
	return xorUUID(u, k), true
}

// hsdsKeyID returns a UUIDv5 of key in kind k's namespace, for objects that are not sites.
func hsdsKeyID(k hsdsKind, key string) string {
	h := sha1.New()
	h.Write(hsdsMasks[k][:])
	h.Write([]byte(key))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = (u[6] & 0x0f) | 0x50
	u[8] = (u[8] & 0x3f) | 0x80
	return formatUUID(u)
}

// The HSDS objects aidmap publishes: the fields it has data for, with the spec's names.
// Required fields have no omitempty.
type (
	hsdsService struct {
		ID                     string                  `json:"id"`
		OrganizationID         string                  `json:"organization_id,omitempty"`
		Name                   string                  `json:"name"`
		Description            string                  `json:"description,omitempty"`
		URL                    string                  `json:"url,omitempty"`
		Email                  string                  `json:"email,omitempty"`
		Status                 string                  `json:"status"`
		FeesDescription        string                  `json:"fees_description,omitempty"`
		EligibilityDescription string                  `json:"eligibility_description,omitempty"`
		LastModified           string                  `json:"last_modified,omitempty"`
		Phones                 []hsdsPhone             `json:"phones,omitempty"`
		Schedules              []hsdsSchedule          `json:"schedules,omitempty"`
		ServiceAtLocations     []hsdsServiceAtLocation `json:"service_at_locations,omitempty"`
		Languages              []hsdsLanguage          `json:"languages,omitempty"`
		Organization           *hsdsOrganization       `json:"organization,omitempty"`
		Attributes             []hsdsAttribute         `json:"attributes,omitempty"`
		// DistanceM is the proximity extension's distance in metres (banded for confidential
		// sites, as in the rest of the API); only with lat and lon.
		DistanceM *float64 `json:"distance_m,omitempty"`
	}
	hsdsOrganization struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Website     string `json:"website,omitempty"`
	}
	hsdsServiceAtLocation struct {
		ID         string        `json:"id"`
		ServiceID  string        `json:"service_id,omitempty"`
		LocationID string        `json:"location_id,omitempty"`
		Location   *hsdsLocation `json:"location,omitempty"`
		Service    *hsdsService  `json:"service,omitempty"`
		DistanceM  *float64      `json:"distance_m,omitempty"`
	}
	hsdsLocation struct {
		ID             string              `json:"id"`
		LocationType   string              `json:"location_type"`
		OrganizationID string              `json:"organization_id,omitempty"`
		Name           string              `json:"name,omitempty"`
		Description    string              `json:"description,omitempty"`
		Latitude       float64             `json:"latitude"`
		Longitude      float64             `json:"longitude"`
		Addresses      []hsdsAddress       `json:"addresses,omitempty"`
		Accessibility  []hsdsAccessibility `json:"accessibility,omitempty"`
	}
	hsdsAddress struct {
		ID            string `json:"id"`
		LocationID    string `json:"location_id,omitempty"`
		Address1      string `json:"address_1"`
		Address2      string `json:"address_2,omitempty"`
		City          string `json:"city"`
		StateProvince string `json:"state_province"`
		PostalCode    string `json:"postal_code"`
		Country       string `json:"country"`
		AddressType   string `json:"address_type"`
	}
	hsdsAccessibility struct {
		ID          string `json:"id"`
		LocationID  string `json:"location_id,omitempty"`
		Description string `json:"description,omitempty"`
	}
	hsdsPhone struct {
		ID        string `json:"id"`
		ServiceID string `json:"service_id,omitempty"`
		Number    string `json:"number"`
	}
	hsdsSchedule struct {
		ID          string `json:"id"`
		ServiceID   string `json:"service_id,omitempty"`
		ValidFrom   string `json:"valid_from,omitempty"`
		ValidTo     string `json:"valid_to,omitempty"`
		Freq        string `json:"freq,omitempty"`
		Wkst        string `json:"wkst,omitempty"`
		ByDay       string `json:"byday,omitempty"`
		OpensAt     string `json:"opens_at,omitempty"`
		ClosesAt    string `json:"closes_at,omitempty"`
		Description string `json:"description,omitempty"`
		Notes       string `json:"notes,omitempty"`
	}
	hsdsLanguage struct {
		ID        string `json:"id"`
		ServiceID string `json:"service_id,omitempty"`
		Code      string `json:"code,omitempty"`
	}
	hsdsAttribute struct {
		ID             string            `json:"id"`
		LinkID         string            `json:"link_id,omitempty"`
		TaxonomyTermID string            `json:"taxonomy_term_id,omitempty"`
		LinkType       string            `json:"link_type,omitempty"`
		LinkEntity     string            `json:"link_entity,omitempty"`
		TaxonomyTerm   *hsdsTaxonomyTerm `json:"taxonomy_term,omitempty"`
	}
	hsdsTaxonomy struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Version     string `json:"version,omitempty"`
	}
	hsdsTaxonomyTerm struct {
		ID          string `json:"id"`
		Code        string `json:"code,omitempty"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Taxonomy    string `json:"taxonomy,omitempty"`
		TaxonomyID  string `json:"taxonomy_id,omitempty"`
	}
)

// hsdsPage is the spec's Page schema with its contents.
type hsdsPage[T any] struct {
	TotalItems int  `json:"total_items"`
	TotalPages int  `json:"total_pages"`
	PageNumber int  `json:"page_number"`
	Size       int  `json:"size"`
	FirstPage  bool `json:"first_page"`
	LastPage   bool `json:"last_page"`
	Empty      bool `json:"empty"`
	Contents   []T  `json:"contents"`
}

const hsdsTaxonomyName = "aidmap"

func hsdsTaxonomyObject() hsdsTaxonomy {
	return hsdsTaxonomy{ID: hsdsKeyID(kindTaxonomy, hsdsTaxonomyName), Name: hsdsTaxonomyName,
		Description: "aidmap's categories of places where people find free food, shelter and help", Version: "1"}
}

func hsdsTerm(c aidmap.Category) hsdsTaxonomyTerm {
	return hsdsTaxonomyTerm{ID: hsdsKeyID(kindTerm, string(c)), Code: string(c), Name: string(c), Description: c.Label(),
		Taxonomy: hsdsTaxonomyName, TaxonomyID: hsdsKeyID(kindTaxonomy, hsdsTaxonomyName)}
}

// hsdsStatus maps a site status to the spec's enumeration.
func hsdsStatus(s aidmap.Status) string {
	switch s {
	case aidmap.StatusTemporarilyClosed:
		return "temporarily closed"
	case aidmap.StatusClosed:
		return "inactive"
	case aidmap.StatusRetired:
		return "defunct"
	}
	return "active"
}

// hsdsURI returns s when it is an absolute http(s) URL (the spec's format uri), else "".
func hsdsURI(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return s
}

var rruleDays = [7]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// hsdsSchedules writes hours as RFC 5545-style weekly schedules, one per period, and dated
// exceptions as one-day schedules (closed days say so in their description). Times are local.
func hsdsSchedules(h aidmap.Hours, serviceID, key string) []hsdsSchedule {
	var out []hsdsSchedule
	n := 0
	id := func() string { n++; return hsdsKeyID(kindSchedule, key+"/"+strconv.Itoa(n)) }
	for _, p := range h.Weekly {
		out = append(out, hsdsSchedule{ID: id(), ServiceID: serviceID, Freq: "WEEKLY", Wkst: "MO",
			ByDay: rruleDays[p.Day%7], OpensAt: clock(p.Open), ClosesAt: clock(p.Close), Notes: h.Notes})
	}
	for _, e := range h.Exceptions {
		if e.Closed || len(e.Periods) == 0 {
			out = append(out, hsdsSchedule{ID: id(), ServiceID: serviceID, ValidFrom: e.Date, ValidTo: e.Date,
				Description: strings.TrimSpace("closed " + e.Note)})
			continue
		}
		for _, p := range e.Periods {
			out = append(out, hsdsSchedule{ID: id(), ServiceID: serviceID, ValidFrom: e.Date, ValidTo: e.Date,
				OpensAt: clock(p.Open), ClosesAt: clock(p.Close), Description: e.Note})
		}
	}
	if len(out) == 0 && h.Notes != "" {
		out = append(out, hsdsSchedule{ID: id(), ServiceID: serviceID, Description: h.Notes})
	}
	return out
}

// hsdsLocationOf publishes a site's location: the public point, and for a confidential site
// only the area of its address.
func hsdsLocationOf(site *aidmap.Site) *hsdsLocation {
	lat, lon := site.PublicLocation()
	loc := &hsdsLocation{ID: hsdsSiteID(site.ID, kindLocation), LocationType: "physical",
		OrganizationID: hsdsKeyID(kindOrganization, site.OrganizationID), Name: site.Name,
		Latitude: roundCoord(lat), Longitude: roundCoord(lon)}
	a := site.Address
	if site.Confidential {
		a = aidmap.Address{Locality: a.Locality, Region: a.Region, Country: a.Country}
		loc.Description = "Confidential location: only the area is published; call for the address."
	}
	if !a.IsZero() {
		loc.Addresses = []hsdsAddress{{ID: hsdsSiteID(site.ID, kindAddress), LocationID: loc.ID, Address1: a.Street,
			Address2: a.Unit, City: a.Locality, StateProvince: a.Region, PostalCode: a.PostalCode, Country: a.Country,
			AddressType: "physical"}}
	}
	if site.Accessibility != "" {
		loc.Accessibility = []hsdsAccessibility{{ID: hsdsSiteID(site.ID, kindAccessibility), LocationID: loc.ID,
			Description: site.Accessibility}}
	}
	return loc
}

func roundCoord(v float64) float64 {
	f, _ := strconv.ParseFloat(string(appendCoord(nil, v)), 64)
	return f
}

// hsdsServiceOf publishes a site as a service; full adds the nested objects (a single
// service's page), otherwise only the one-to-one fields (lists, per the spec).
func (s *Server) hsdsServiceOf(site *aidmap.Site, full bool) hsdsService {
	id := hsdsSiteID(site.ID, kindService)
	svc := hsdsService{ID: id, OrganizationID: hsdsKeyID(kindOrganization, site.OrganizationID), Name: site.Name,
		Description: site.Description, URL: hsdsURI(site.Website), Email: site.Email, Status: hsdsStatus(site.Status),
		FeesDescription: site.Fees, EligibilityDescription: site.Eligibility}
	if !site.UpdatedAt.IsZero() {
		svc.LastModified = site.UpdatedAt.UTC().Format(time.RFC3339)
	}
	if !full {
		return svc
	}
	if site.Phone != "" {
		svc.Phones = []hsdsPhone{{ID: hsdsSiteID(site.ID, kindPhone), ServiceID: id, Number: site.Phone}}
	}
	svc.Schedules = hsdsSchedules(site.Hours, id, site.ID)
	for _, l := range site.Languages {
		svc.Languages = append(svc.Languages, hsdsLanguage{ID: hsdsKeyID(kindLanguage, site.ID+"/"+l), ServiceID: id, Code: l})
	}
	for _, c := range site.Categories {
		t := hsdsTerm(c)
		svc.Attributes = append(svc.Attributes, hsdsAttribute{ID: hsdsKeyID(kindAttribute, site.ID+"/"+string(c)),
			LinkID: id, TaxonomyTermID: t.ID, LinkType: "service", LinkEntity: "service", TaxonomyTerm: &t})
	}
	org := s.hsdsOrganizationOf(site.OrganizationID)
	svc.Organization = &org
	svc.ServiceAtLocations = []hsdsServiceAtLocation{s.hsdsServiceAtLocationOf(site, false)}
	return svc
}

func (s *Server) hsdsServiceAtLocationOf(site *aidmap.Site, withService bool) hsdsServiceAtLocation {
	sal := hsdsServiceAtLocation{ID: hsdsSiteID(site.ID, kindServiceAtLocation), ServiceID: hsdsSiteID(site.ID, kindService),
		LocationID: hsdsSiteID(site.ID, kindLocation), Location: hsdsLocationOf(site)}
	if withService {
		svc := s.hsdsServiceOf(site, false)
		sal.Service = &svc
	}
	return sal
}

func (s *Server) hsdsOrganizationOf(slug string) hsdsOrganization {
	o, _ := s.source.Organization(slug)
	name := o.Name
	if name == "" {
		name = slug
	}
	return hsdsOrganization{ID: hsdsKeyID(kindOrganization, slug), Name: name, Description: name, Website: hsdsURI(o.Website)}
}

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
	ix.VisitBBox(worldBBox, geo.Filter{}, func(h geo.Hit) {
		slug := h.Site().OrganizationID
		id := hsdsKeyID(kindOrganization, slug)
		if _, ok := c.byUUID[id]; !ok {
			c.byUUID[id] = slug
			c.slugs = append(c.slugs, slug)
		}
	})
	slices.SortFunc(c.slugs, func(a, b string) int {
		return strings.Compare(hsdsKeyID(kindOrganization, a), hsdsKeyID(kindOrganization, b))
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
		w.Header().Set("Access-Control-Allow-Origin", "*")
		next.ServeHTTP(w, r)
	})
}

// hsdsOpenAPI is the official OpenAPI document of the HSDS 3.0 API, which this one follows.
const hsdsOpenAPI = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"

func (s *Server) handleHSDSInfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"version":     hsdsVersion,
		"profile":     "https://docs.openreferral.org/en/3.0/",
		"openapi_url": hsdsOpenAPI,
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
	modifiedAfter time.Time
	orgSlug       string // "" for any; organization_id filter
	filter        geo.Filter
	near          bool
	lat, lon, r   float64
}

const (
	hsdsDefaultPerPage = 50
	hsdsMaxPerPage     = 1000
)

func (s *Server) parseHSDSQuery(r *http.Request) (hsdsQuery, error) {
	q := r.URL.Query()
	hq := hsdsQuery{page: 1, perPage: hsdsDefaultPerPage}
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
		hq.modifiedAfter = t
	}
	if raw := q.Get("organization_id"); raw != "" {
		slug, ok := s.hsdsOrganizations(s.source.Index()).byUUID[strings.ToLower(raw)]
		if !ok {
			return hq, badParam("organization_id", "is not the ID of an organisation with published services")
		}
		hq.orgSlug = slug
	}
	if raw := q.Get("taxonomy_term_id"); raw != "" {
		for _, ci := range aidmap.Categories() {
			if hsdsTerm(ci.Slug).ID == strings.ToLower(raw) {
				hq.filter.Categories = aidmap.NewCategorySet(ci.Slug)
			}
		}
		if hq.filter.Categories == 0 {
			return hq, badParam("taxonomy_term_id", "is not the ID of a term in /hsds/taxonomy_terms")
		}
	}
	if q.Has("lat") || q.Has("lon") || q.Has("radius_m") {
		var err error
		if hq.lat, hq.lon, err = parsePoint(q); err != nil {
			return hq, err
		}
		hq.r = 5000
		if q.Has("radius_m") {
			if hq.r, err = parseRadius(q); err != nil {
				return hq, err
			}
		}
		hq.near = true
	}
	return hq, nil
}

// hsdsHits returns the published sites matching hq: by distance near a point, else by ID.
// Each request filters the whole snapshot: fine for the tens of thousands of sites of a city
// or a province, to be revisited (a cached ordering per snapshot) for millions.
func (s *Server) hsdsHits(hq hsdsQuery) []geo.Hit {
	ix := s.source.Index()
	var hits []geo.Hit
	if hq.near {
		hits = ix.Within(hq.lat, hq.lon, hq.r, hq.filter)
	} else {
		hits = ix.InBBox(worldBBox, hq.filter)
	}
	if hq.orgSlug == "" && hq.modifiedAfter.IsZero() {
		return hits
	}
	return slices.DeleteFunc(hits, func(h geo.Hit) bool {
		site := h.Site()
		return (hq.orgSlug != "" && site.OrganizationID != hq.orgSlug) ||
			(!hq.modifiedAfter.IsZero() && !site.UpdatedAt.After(hq.modifiedAfter))
	})
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
	p := hsdsPage[T]{TotalItems: n, PageNumber: hq.page, Contents: []T{}}
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
		d = distanceBand(h.DistanceM)
	}
	return &d
}

func (s *Server) handleHSDSServices(w http.ResponseWriter, r *http.Request) {
	hq, err := s.parseHSDSQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	hits := s.hsdsHits(hq)
	writeHSDSList(w, hq, len(hits), func(i int) hsdsService {
		svc := s.hsdsServiceOf(hits[i].Site(), false)
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
	hits := s.hsdsHits(hq)
	writeHSDSList(w, hq, len(hits), func(i int) hsdsServiceAtLocation {
		sal := s.hsdsServiceAtLocationOf(hits[i].Site(), false)
		sal.DistanceM = hsdsDistance(hq, hits[i])
		return sal
	})
}

// hsdsSite finds the site behind an HSDS ID of kind k, or writes a 404 problem.
func (s *Server) hsdsSite(w http.ResponseWriter, r *http.Request, k hsdsKind, what string) (*aidmap.Site, bool) {
	id := chi.URLParam(r, "id")
	if siteID, ok := hsdsSiteOf(id, k); ok {
		if site, ok := s.source.Index().Site(siteID); ok {
			return site, true
		}
	}
	writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no " + what + " with ID " + strconv.Quote(truncate(id))})
	return nil, false
}

func (s *Server) handleHSDSService(w http.ResponseWriter, r *http.Request) {
	if site, ok := s.hsdsSite(w, r, kindService, "service"); ok {
		writeJSON(w, http.StatusOK, s.hsdsServiceOf(site, true))
	}
}

func (s *Server) handleHSDSServiceAtLocation(w http.ResponseWriter, r *http.Request) {
	if site, ok := s.hsdsSite(w, r, kindServiceAtLocation, "service_at_location"); ok {
		writeJSON(w, http.StatusOK, s.hsdsServiceAtLocationOf(site, true))
	}
}

func (s *Server) handleHSDSOrganizations(w http.ResponseWriter, r *http.Request) {
	hq, err := s.parseHSDSQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	orgs := s.hsdsOrganizations(s.source.Index())
	writeHSDSList(w, hq, len(orgs.slugs), func(i int) hsdsOrganization { return s.hsdsOrganizationOf(orgs.slugs[i]) })
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
	writeHSDSList(w, hq, 1, func(int) hsdsTaxonomy { return hsdsTaxonomyObject() })
}

func (s *Server) handleHSDSTaxonomy(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if t := hsdsTaxonomyObject(); strings.EqualFold(id, t.ID) {
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
	writeHSDSList(w, hq, len(cats), func(i int) hsdsTaxonomyTerm { return hsdsTerm(cats[i].Slug) })
}

func (s *Server) handleHSDSTerm(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	for _, c := range aidmap.Categories() {
		if t := hsdsTerm(c.Slug); strings.EqualFold(id, t.ID) {
			writeJSON(w, http.StatusOK, t)
			return
		}
	}
	writeProblem(w, r, problem{Status: http.StatusNotFound, Detail: "no taxonomy term with ID " + strconv.Quote(truncate(id))})
}
