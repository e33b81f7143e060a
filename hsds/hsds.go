// Package hsds maps aidmap's sites to Open Referral's Human Services Data Specification 3.0:
// the objects (services, locations, service_at_locations, organisations, taxonomy terms), their
// stable IDs, and the tabular datapackage. The web API and `aidmap export --format hsds` both
// use it, so an object has the same ID and content in both. The HSDS reader (ingest/hsds)
// reads 3.0 JSON into the same objects (Decode, decode.go): one model for reading and writing.
//
// Model: each site is one HSDS service offered at one location, linked by one
// service_at_location; the sites of one place of several providers (#19) share one location,
// the place's (places.go). The organisation is the site's organisation; categories are terms of one
// taxonomy ("aidmap"), linked to services through attributes. Confidential sites are published
// as everywhere else: the area only (city, region, country and the public point; no street,
// unit or postal code).
//
// It imports only the domain.
package hsds

import (
	"crypto/sha1"
	"encoding/hex"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
)

// Version is the HSDS version followed. Version31 is the one asked for with ?version=3.1:
// the same documents plus what 3.1 added that aidmap has data for, a service's capacities
// (service_capacity with its unit). 3.0 stays the default: 3.1 is not a strict superset of it
// (it renamed and added required fields elsewhere), and 3.0 consumers keep valid documents.
const (
	Version   = "3.0"
	Version31 = "3.1"
)

// IDs. Every HSDS object needs a UUID. A site's ID is already a UUIDv5 of its key; the service,
// location and service_at_location of a site (and its address, phone…) get the site's ID XORed
// with a per-kind mask. That keeps them deterministic (stable across restarts and exports),
// distinct per kind and, unlike a fresh UUIDv5, reversible: the API finds the site behind
// /hsds/services/{id} with one index lookup and no table of derived IDs. The masks leave the
// version and variant bits alone, so the results are well-formed version 5 UUIDs. Objects that
// are not sites (organisations, taxonomy terms, languages…) get a UUIDv5 of their key in a
// namespace of their own.
type Kind byte

// Kinds of HSDS object.
const (
	KindService Kind = iota
	KindLocation
	KindServiceAtLocation
	KindAddress
	KindPhone
	KindSchedule
	KindLanguage
	KindAttribute
	KindAccessibility
	KindOrganization
	KindTaxonomy
	KindTerm
	KindCapacity // HSDS 3.1 service_capacity
	KindUnit     // HSDS 3.1 unit
	nKinds
)

var masks = func() (m [nKinds][16]byte) {
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

func xorUUID(u [16]byte, k Kind) string {
	for i := range u {
		u[i] ^= masks[k][i]
	}
	return formatUUID(u)
}

// SiteObjectID returns the ID of the kind k object derived from a site ID ("" if siteID is
// not a UUID).
func SiteObjectID(siteID string, k Kind) string {
	u, ok := parseUUID(siteID)
	if !ok {
		return ""
	}
	return xorUUID(u, k)
}

// SiteOf returns the site ID behind the ID of a kind k object; ok is false when id is not a
// UUID. Whether such a site exists is the caller's question.
func SiteOf(id string, k Kind) (siteID string, ok bool) {
	u, ok := parseUUID(strings.ToLower(id))
	if !ok {
		return "", false
	}
	return xorUUID(u, k), true
}

// KeyID returns a UUIDv5 of key in kind k's namespace, for objects that are not sites.
func KeyID(k Kind, key string) string {
	h := sha1.New()
	h.Write(masks[k][:])
	h.Write([]byte(key))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = (u[6] & 0x0f) | 0x50
	u[8] = (u[8] & 0x3f) | 0x80
	return formatUUID(u)
}

// OrganizationID returns the HSDS ID of the organisation with the given slug.
func OrganizationID(slug string) string { return KeyID(KindOrganization, slug) }

// The HSDS objects aidmap publishes: the fields it has data for, with the spec's names.
// Required fields have no omitempty. The same types are what ingest/hsds reads (Decode); the
// fields after "read only" are ones files give and aidmap never writes (it has no data for
// them), so they are always empty and omitted in aidmap's documents.
type (
	Service struct {
		ID                     string `json:"id"`
		OrganizationID         string `json:"organization_id,omitempty"`
		Name                   string `json:"name"`
		Description            string `json:"description,omitempty"`
		URL                    string `json:"url,omitempty"`
		Email                  string `json:"email,omitempty"`
		Status                 string `json:"status"`
		FeesDescription        string `json:"fees_description,omitempty"`
		EligibilityDescription string `json:"eligibility_description,omitempty"`
		LastModified           string `json:"last_modified,omitempty"`
		// AssuredDate is when the listing was last checked (aidmap's verified_at), a date:
		// only in 3.1 documents (With31; the 3.0 schema aidmap validates against lacks it).
		AssuredDate        string              `json:"assured_date,omitempty"`
		Phones             []Phone             `json:"phones,omitempty"`
		Schedules          []Schedule          `json:"schedules,omitempty"`
		ServiceAtLocations []ServiceAtLocation `json:"service_at_locations,omitempty"`
		Languages          []Language          `json:"languages,omitempty"`
		Organization       *Organization       `json:"organization,omitempty"`
		Attributes         []Attribute         `json:"attributes,omitempty"`
		// Capacities is HSDS 3.1's service_capacity list: only in 3.1 documents
		// (With31), never in 3.0 ones.
		Capacities []ServiceCapacity `json:"capacities,omitempty"`
		// DistanceM is the API's proximity extension: metres from the query point (banded for
		// confidential sites); nil without one.
		DistanceM *float64 `json:"distance_m,omitempty"`
	}
	// ServiceCapacity is HSDS 3.1's service_capacity: how many of a unit are available.
	// Names and shapes as in openreferral/specification's schema/service_capacity.json and
	// schema/unit.json (required: id, unit, available, updated; unit an object whose id and
	// name are required; updated a date-time); internal/hsdsvalidate validates 3.1 documents
	// against reductions of them.
	ServiceCapacity struct {
		ID        string `json:"id"`
		ServiceID string `json:"service_id,omitempty"`
		Unit      Unit   `json:"unit"`
		Available int    `json:"available"`
		Maximum   int    `json:"maximum,omitempty"`
		Updated   string `json:"updated"`
	}
	// Unit is HSDS 3.1's unit of a capacity ("beds").
	Unit struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	Organization struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Website     string `json:"website,omitempty"`
		// read only
		Email       string     `json:"email,omitempty"`
		URL         string     `json:"url,omitempty"` // HSDS 1.x and 2.x's name for website
		TaxStatus   string     `json:"tax_status,omitempty"`
		LegalStatus string     `json:"legal_status,omitempty"`
		Services    []Service  `json:"services,omitempty"`
		Locations   []Location `json:"locations,omitempty"`
		Phones      []Phone    `json:"phones,omitempty"`
	}
	ServiceAtLocation struct {
		ID         string    `json:"id"`
		ServiceID  string    `json:"service_id,omitempty"`
		LocationID string    `json:"location_id,omitempty"`
		Location   *Location `json:"location,omitempty"`
		Service    *Service  `json:"service,omitempty"`
		DistanceM  *float64  `json:"distance_m,omitempty"`
		// read only
		Description string     `json:"description,omitempty"`
		Phones      []Phone    `json:"phones,omitempty"`
		Schedules   []Schedule `json:"schedules,omitempty"`
	}
	Location struct {
		ID             string          `json:"id"`
		LocationType   string          `json:"location_type"`
		OrganizationID string          `json:"organization_id,omitempty"`
		Name           string          `json:"name,omitempty"`
		Description    string          `json:"description,omitempty"`
		Latitude       float64         `json:"latitude"`
		Longitude      float64         `json:"longitude"`
		Addresses      []Address       `json:"addresses,omitempty"`
		Accessibility  []Accessibility `json:"accessibility,omitempty"`
		// read only
		Phones    []Phone    `json:"phones,omitempty"`
		Schedules []Schedule `json:"schedules,omitempty"`
		Languages []Language `json:"languages,omitempty"`
		// LatitudeText and LongitudeText are the coordinates as the file wrote them (a
		// number's digits or a string): Decode keeps them so that a reader checks them by
		// its own rules and names a bad one by its text. Never written.
		LatitudeText  string `json:"-"`
		LongitudeText string `json:"-"`
	}
	Address struct {
		ID            string `json:"id"`
		LocationID    string `json:"location_id,omitempty"`
		Address1      string `json:"address_1"`
		Address2      string `json:"address_2,omitempty"`
		City          string `json:"city"`
		StateProvince string `json:"state_province"`
		PostalCode    string `json:"postal_code"`
		Country       string `json:"country"`
		AddressType   string `json:"address_type"`
		Region        string `json:"region,omitempty"` // read only
	}
	Accessibility struct {
		ID          string `json:"id"`
		LocationID  string `json:"location_id,omitempty"`
		Description string `json:"description,omitempty"`
		Details     string `json:"details,omitempty"` // read only
	}
	Phone struct {
		ID        string `json:"id"`
		ServiceID string `json:"service_id,omitempty"`
		Number    string `json:"number"`
		Extension string `json:"extension,omitempty"` // read only
	}
	Schedule struct {
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
		// read only
		Interval   string `json:"interval,omitempty"` // a number in the schema; read as text
		ByWeekNo   string `json:"byweekno,omitempty"`
		ByMonthDay string `json:"bymonthday,omitempty"`
		ByYearDay  string `json:"byyearday,omitempty"`
		Until      string `json:"until,omitempty"`
	}
	Language struct {
		ID        string `json:"id"`
		ServiceID string `json:"service_id,omitempty"`
		Code      string `json:"code,omitempty"`
		Name      string `json:"name,omitempty"` // read only
	}
	Attribute struct {
		ID             string        `json:"id"`
		LinkID         string        `json:"link_id,omitempty"`
		TaxonomyTermID string        `json:"taxonomy_term_id,omitempty"`
		LinkType       string        `json:"link_type,omitempty"`
		LinkEntity     string        `json:"link_entity,omitempty"`
		TaxonomyTerm   *TaxonomyTerm `json:"taxonomy_term,omitempty"`
	}
	Taxonomy struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Version     string `json:"version,omitempty"`
	}
	TaxonomyTerm struct {
		ID          string `json:"id"`
		Code        string `json:"code,omitempty"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Taxonomy    string `json:"taxonomy,omitempty"`
		TaxonomyID  string `json:"taxonomy_id,omitempty"`
	}
)

const taxonomyName = "aidmap"

// AidmapTaxonomy is the one taxonomy: aidmap's categories.
func AidmapTaxonomy() Taxonomy {
	return Taxonomy{ID: KeyID(KindTaxonomy, taxonomyName), Name: taxonomyName,
		Description: "aidmap's categories of places where people find free food, shelter and help", Version: "1"}
}

// Term returns the taxonomy term of a category. Its name is the category's slug, which the
// importer maps straight back to the category.
func Term(c aidmap.Category) TaxonomyTerm {
	return TaxonomyTerm{ID: KeyID(KindTerm, string(c)), Code: string(c), Name: string(c), Description: c.Label(),
		Taxonomy: taxonomyName, TaxonomyID: KeyID(KindTaxonomy, taxonomyName)}
}

// ExternalIDTermName is the name and code of the taxonomy term whose attributes carry a
// site's external ID in a datapackage export.
const ExternalIDTermName = "aidmap:external_id"

// ExternalIDTerm is the taxonomy term of the attribute that carries a site's external ID (the
// provider's key) in a datapackage: HSDS 3.0 has no field for a foreign key, but an attribute
// (link_entity "service_at_location", link_id the site's service_at_location) may have a
// value. ingest's HSDS reader takes that value as the site's external ID, so with the same
// --org a re-imported export keeps the sites' IDs (SiteID(org, external ID)) instead of
// keying them SERVICE_ID@LOCATION_ID.
func ExternalIDTerm() TaxonomyTerm {
	return TaxonomyTerm{ID: KeyID(KindTerm, ExternalIDTermName), Code: ExternalIDTermName, Name: ExternalIDTermName,
		Description: "the site's external ID in aidmap (the provider's own key), as the attribute's value",
		Taxonomy:    taxonomyName, TaxonomyID: KeyID(KindTaxonomy, taxonomyName)}
}

// Status maps a site status to the spec's enumeration.
func Status(s aidmap.Status) string {
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

// uri returns s when it is an absolute http(s) URL (the spec's format uri), else "".
func uri(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return s
}

var rruleDays = [7]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// clock formats minutes after midnight as HH:MM.
func clock(m int) string {
	return string([]byte{byte('0' + m/600), byte('0' + m/60%10), ':', byte('0' + m%60/10), byte('0' + m%10)})
}

// Schedules writes hours as RFC 5545-style weekly schedules, one per period, and dated
// exceptions as one-day schedules (valid_from = valid_to; a closed day has no times and a description saying closed, which
// importers, ours included, read as a closure). Times
// are local.
func Schedules(h aidmap.Hours, siteID string) []Schedule {
	var out []Schedule
	serviceID := SiteObjectID(siteID, KindService)
	n := 0
	id := func() string { n++; return KeyID(KindSchedule, siteID+"/"+strconv.Itoa(n)) }
	for _, p := range h.Weekly {
		out = append(out, Schedule{ID: id(), ServiceID: serviceID, Freq: "WEEKLY", Wkst: "MO",
			ByDay: rruleDays[p.Day%7], OpensAt: clock(p.Open), ClosesAt: clock(p.Close), Notes: h.Notes})
	}
	for _, e := range h.Exceptions {
		if e.Closed || len(e.Periods) == 0 {
			out = append(out, Schedule{ID: id(), ServiceID: serviceID, ValidFrom: e.Date, ValidTo: e.Date,
				Description: strings.TrimSpace("closed " + e.Note)})
			continue
		}
		for _, p := range e.Periods {
			out = append(out, Schedule{ID: id(), ServiceID: serviceID, ValidFrom: e.Date, ValidTo: e.Date,
				OpensAt: clock(p.Open), ClosesAt: clock(p.Close), Description: e.Note})
		}
	}
	if len(out) == 0 && h.Notes != "" {
		out = append(out, Schedule{ID: id(), ServiceID: serviceID, Description: h.Notes})
	}
	return out
}

// ConfidentialNote is the description of a confidential site's location.
const ConfidentialNote = "Confidential location: only the area is published; call for the address."

// NewLocation publishes a site's location. A confidential site must be in its public form
// (aidmap.Publisher.Public): its area pin, and no address. One in any other form is
// published with neither point nor address (fail closed).
func NewLocation(site *aidmap.Site) *Location {
	loc := &Location{ID: SiteObjectID(site.ID, KindLocation), LocationType: "physical",
		OrganizationID: OrganizationID(site.OrganizationID), Name: site.Name}
	a := site.Address
	if !site.Confidential || site.IsPublic() {
		loc.Latitude, loc.Longitude = roundCoord(site.Lat), roundCoord(site.Lon)
	}
	if site.Confidential {
		a = aidmap.Address{}
		loc.Description = ConfidentialNote
	}
	if !a.IsZero() {
		loc.Addresses = []Address{{ID: SiteObjectID(site.ID, KindAddress), LocationID: loc.ID, Address1: a.Street,
			Address2: a.Unit, City: a.Locality, StateProvince: a.Region, PostalCode: a.PostalCode, Country: a.Country,
			AddressType: "physical"}}
	}
	if site.Accessibility != "" {
		loc.Accessibility = []Accessibility{{ID: SiteObjectID(site.ID, KindAccessibility), LocationID: loc.ID,
			Description: site.Accessibility}}
	}
	return loc
}

// roundCoord rounds degrees to 7 decimals (about 1 cm), as the rest of the API does.
func roundCoord(v float64) float64 { return math.Round(v*1e7) / 1e7 }

// NewService publishes a site as a service. full adds the nested objects (a single service's
// document); lists carry only the one-to-one fields, as the spec's list schemas do.
func NewService(site *aidmap.Site, org aidmap.Organization, full bool) Service {
	id := SiteObjectID(site.ID, KindService)
	svc := Service{ID: id, OrganizationID: OrganizationID(site.OrganizationID), Name: site.Name,
		Description: site.Description, URL: uri(site.Website), Email: site.Email, Status: Status(site.Status),
		FeesDescription: site.Fees, EligibilityDescription: site.Eligibility}
	if !site.UpdatedAt.IsZero() {
		svc.LastModified = site.UpdatedAt.UTC().Format(time.RFC3339)
	}
	if !full {
		return svc
	}
	if site.Phone != "" {
		svc.Phones = []Phone{{ID: SiteObjectID(site.ID, KindPhone), ServiceID: id, Number: site.Phone}}
	}
	svc.Schedules = Schedules(site.Hours, site.ID)
	svc.Languages = Languages(site)
	svc.Attributes = Attributes(site)
	o := NewOrganization(site.OrganizationID, org)
	svc.Organization = &o
	svc.ServiceAtLocations = []ServiceAtLocation{NewServiceAtLocation(site, org, false)}
	return svc
}

// With31 makes svc an HSDS 3.1 service of site: its assured_date and its capacities caps
// (what the deployment publishes: only fresh ones). Each capacity's updated time is given to
// the minute, as every public output gives it.
func With31(svc *Service, site *aidmap.Site, caps []aidmap.Capacity) {
	if !site.VerifiedAt.IsZero() {
		svc.AssuredDate = site.VerifiedAt.UTC().Format(time.DateOnly)
	}
	svc.Capacities = nil
	for _, c := range caps {
		svc.Capacities = append(svc.Capacities, ServiceCapacity{
			ID:        KeyID(KindCapacity, site.ID+"/"+c.Unit),
			ServiceID: svc.ID,
			Unit:      Unit{ID: KeyID(KindUnit, c.Unit), Name: c.Unit},
			Available: c.Available, Maximum: c.Maximum,
			Updated: c.Updated.UTC().Truncate(time.Minute).Format(time.RFC3339),
		})
	}
}

// Languages lists the languages spoken at a site's service.
func Languages(site *aidmap.Site) []Language {
	var out []Language
	id := SiteObjectID(site.ID, KindService)
	for _, l := range site.Languages {
		out = append(out, Language{ID: KeyID(KindLanguage, site.ID+"/"+l), ServiceID: id, Code: l})
	}
	return out
}

// Attributes links a site's service to the terms of its categories.
func Attributes(site *aidmap.Site) []Attribute {
	var out []Attribute
	id := SiteObjectID(site.ID, KindService)
	for _, c := range site.Categories {
		t := Term(c)
		out = append(out, Attribute{ID: KeyID(KindAttribute, site.ID+"/"+string(c)),
			LinkID: id, TaxonomyTermID: t.ID, LinkType: "service", LinkEntity: "service", TaxonomyTerm: &t})
	}
	return out
}

// NewServiceAtLocation links a site's service and location; withService nests the service's
// one-to-one fields (a single service_at_location's document).
func NewServiceAtLocation(site *aidmap.Site, org aidmap.Organization, withService bool) ServiceAtLocation {
	sal := ServiceAtLocation{ID: SiteObjectID(site.ID, KindServiceAtLocation), ServiceID: SiteObjectID(site.ID, KindService),
		LocationID: SiteObjectID(site.ID, KindLocation), Location: NewLocation(site)}
	if withService {
		svc := NewService(site, org, false)
		sal.Service = &svc
	}
	return sal
}

// NewOrganization publishes an organisation; o may be zero when only its slug is known. The
// spec requires a description and aidmap has none, so it is the name.
func NewOrganization(slug string, o aidmap.Organization) Organization {
	name := o.Name
	if name == "" {
		name = slug
	}
	return Organization{ID: OrganizationID(slug), Name: name, Description: name, Website: uri(o.Website)}
}

// Page is the spec's Page schema: one page of a list, with its contents.
type Page[T any] struct {
	TotalItems int  `json:"total_items"`
	TotalPages int  `json:"total_pages"`
	PageNumber int  `json:"page_number"`
	Size       int  `json:"size"`
	FirstPage  bool `json:"first_page"`
	LastPage   bool `json:"last_page"`
	Empty      bool `json:"empty"`
	Contents   []T  `json:"contents"`
}
