package aidmap

import (
	"crypto/sha1"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Status says whether a site is operating.
type Status string

// Site statuses. A retired site is one its organisation removed (for example by a replace
// upload): kept in history, never shown.
const (
	StatusActive            Status = "active"
	StatusTemporarilyClosed Status = "temporarily_closed"
	StatusClosed            Status = "closed"
	StatusRetired           Status = "retired"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusActive, StatusTemporarilyClosed, StatusClosed, StatusRetired:
		return true
	}
	return false
}

// Precision says how exactly a site's point is known.
type Precision string

// Precisions from exact to coarse. Exact means the provider gave coordinates; the others come
// from the geocoder's match level.
const (
	PrecisionExact        Precision = "exact"
	PrecisionAddress      Precision = "address"
	PrecisionInterpolated Precision = "interpolated"
	PrecisionStreet       Precision = "street"
	PrecisionPostalCode   Precision = "postal_code"
	PrecisionLocality     Precision = "locality"
)

// Valid reports whether p is a known precision.
func (p Precision) Valid() bool {
	switch p {
	case PrecisionExact, PrecisionAddress, PrecisionInterpolated, PrecisionStreet,
		PrecisionPostalCode, PrecisionLocality:
		return true
	}
	return false
}

// Rank orders precisions from finest to coarsest: exact 0, address 1, interpolated 2,
// street 3, postal_code 4, locality 5; an unknown precision ranks after all of them (6).
func (p Precision) Rank() int {
	switch p {
	case PrecisionExact:
		return 0
	case PrecisionAddress:
		return 1
	case PrecisionInterpolated:
		return 2
	case PrecisionStreet:
		return 3
	case PrecisionPostalCode:
		return 4
	case PrecisionLocality:
		return 5
	}
	return 6
}

// AtLeast reports whether p is a known precision as fine as q or finer: a street-level match
// is AtLeast(PrecisionPostalCode), a locality is not AtLeast(PrecisionStreet).
func (p Precision) AtLeast(q Precision) bool { return p.Valid() && p.Rank() <= q.Rank() }

// Approximate reports whether a point of this precision is not the site's own location, so
// people must be told "approximate location".
func (p Precision) Approximate() bool {
	return p != PrecisionExact && p != PrecisionAddress
}

// Address is a postal address as people write it. Fields are free text; Country is an
// ISO 3166-1 alpha-2 code when known.
type Address struct {
	Street     string `json:"street,omitempty"`
	Unit       string `json:"unit,omitempty"`
	Locality   string `json:"locality,omitempty"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"`
}

// String returns the address on one line, parts separated by commas.
func (a Address) String() string {
	var parts []string
	street := a.Street
	if a.Unit != "" {
		street = strings.TrimSpace(a.Unit + " " + street)
	}
	for _, p := range []string{street, a.Locality, strings.TrimSpace(a.Region + " " + a.PostalCode), a.Country} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// IsZero reports whether no field of a is set.
func (a Address) IsZero() bool { return a == Address{} }

// Organization is a group that runs sites and uploads them. ID is its slug, stable and
// URL-safe. Demo marks the generated demonstration organisation, whose sites are not real.
type Organization struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Website   string    `json:"website,omitempty"`
	Demo      bool      `json:"demo,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Site is one place where a service is offered. The JSON form (used by dumps, not by the
// public API, which publishes confidential sites only as an area) keeps every field exactly.
type Site struct {
	// ID is stable: SiteID(OrganizationID, ExternalID). A confidential site is published
	// under another, keyed one (Publisher.PublicID).
	ID             string `json:"id"`
	OrganizationID string `json:"organization_id"`
	// ExternalID is the provider's own ID for the site, or a key derived from its name and
	// address when the provider has none.
	ExternalID  string     `json:"external_id"`
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	Categories  []Category `json:"categories"`
	Address     Address    `json:"address,omitzero"`
	// Lat and Lon are WGS84 degrees of the true location. For a confidential site they must
	// never be published: publish Publisher.Public's form of the site.
	Lat           float64   `json:"lat"`
	Lon           float64   `json:"lon"`
	Precision     Precision `json:"precision"`
	Phone         string    `json:"phone,omitempty"`
	Website       string    `json:"website,omitempty"`
	Email         string    `json:"email,omitempty"`
	Hours         Hours     `json:"hours,omitzero"`
	Languages     []string  `json:"languages,omitempty"` // BCP 47 tags such as "en", "fr", "pa"
	Eligibility   string    `json:"eligibility,omitempty"`
	Fees          string    `json:"fees,omitempty"`
	Accessibility string    `json:"accessibility,omitempty"`
	Confidential  bool      `json:"confidential,omitempty"`
	Status        Status    `json:"status"`
	UpdatedAt     time.Time `json:"updated_at"`
	VerifiedAt    time.Time `json:"verified_at,omitzero"` // zero when never verified
	// VerifiedBy says who last confirmed the site is current: the ID of the token that
	// verified it (the API, /manage, an upload with verify=true), or VerifiedByImport for a
	// file loaded with aidmap ingest --verify (VerifiedAt is then the file's date). Empty when
	// never verified. Kept for the organisation; the public API publishes only VerifiedAt.
	VerifiedBy string `json:"verified_by,omitempty"`

	// Capacity is the site's live availability (beds, meals...), one entry per unit, by unit.
	// It is not content: stores keep it beside the site (Capacities), uploads never change it,
	// and public outputs show only what is younger than the deployment's limit
	// (FreshCapacity).
	Capacity []Capacity `json:"capacity,omitempty"`
	// ClosedReports holds, for each distinct person with an open report that the site is
	// closed, when they last reported it, newest first, at most MaxClosedReports. Stores keep
	// it from the reports (never who sent them); the public outputs publish only whether
	// enough recent ones stand (ReportedClosed), never the times.
	ClosedReports []time.Time `json:"-"`

	// public marks the public form of a site (Publisher.Public): the only form that may be
	// indexed or published, and one that no store accepts.
	public bool
}

// VerifiedByImport is Site.VerifiedBy of a site verified by loading a file on the command line
// (aidmap ingest --verify), which has no token.
const VerifiedByImport = "import"

// CheckedAt is when the site's listing was last confirmed: VerifiedAt, or UpdatedAt when it
// was never verified (writing a site is the last sign of someone checking it). Freshness
// policies (stale badges, hiding long-unchecked listings) count from it.
func (s *Site) CheckedAt() time.Time {
	if !s.VerifiedAt.IsZero() {
		return s.VerifiedAt
	}
	return s.UpdatedAt
}

// CategorySet returns the site's categories as a set.
func (s *Site) CategorySet() CategorySet { return NewCategorySet(s.Categories...) }

// Visible reports whether the site is shown to the public at all (retired ones are not).
func (s *Site) Visible() bool { return s.Status != StatusRetired }

// Limits on field sizes, so no upload can make a site arbitrarily large.
const (
	MaxNameLen      = 300
	MaxTextLen      = 5000
	MaxShortTextLen = 500
	MaxIDLen        = 200
	MaxCategories   = 16
	MaxLanguages    = 50
)

// Validate checks that s can be stored and published. It returns the first problem found as a
// *FieldError (which wraps ErrInvalid).
func (s *Site) Validate() error {
	fail := func(field, value, reason string) error {
		return &FieldError{Field: field, Value: value, Reason: reason}
	}
	if s.OrganizationID == "" {
		return fail("organization_id", "", "is required")
	}
	if s.ExternalID == "" {
		return fail("external_id", "", "is required")
	}
	if err := checkText("external_id", s.ExternalID, MaxIDLen); err != nil {
		return err
	}
	if s.public {
		return fail("id", s.ID, "is the public form of a site (only the area of a confidential one); it cannot be stored")
	}
	if s.ID != SiteID(s.OrganizationID, s.ExternalID) {
		return fail("id", s.ID, "does not match the organisation and external ID")
	}
	if strings.TrimSpace(s.Name) == "" {
		return fail("name", "", "is required")
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"name", s.Name, MaxNameLen},
		{"description", s.Description, MaxTextLen},
		{"phone", s.Phone, MaxShortTextLen},
		{"website", s.Website, MaxShortTextLen},
		{"email", s.Email, MaxShortTextLen},
		{"eligibility", s.Eligibility, MaxTextLen},
		{"fees", s.Fees, MaxTextLen},
		{"accessibility", s.Accessibility, MaxTextLen},
		{"address.street", s.Address.Street, MaxShortTextLen},
		{"address.unit", s.Address.Unit, MaxShortTextLen},
		{"address.locality", s.Address.Locality, MaxShortTextLen},
		{"address.region", s.Address.Region, MaxShortTextLen},
		{"address.postal_code", s.Address.PostalCode, MaxShortTextLen},
		{"address.country", s.Address.Country, MaxShortTextLen},
		{"hours.notes", s.Hours.Notes, MaxTextLen},
		{"verified_by", s.VerifiedBy, MaxIDLen},
	} {
		if err := checkText(f.name, f.value, f.max); err != nil {
			return err
		}
	}
	if err := ValidLatLon(s.Lat, s.Lon); err != nil {
		return err
	}
	if !s.Precision.Valid() {
		return fail("precision", string(s.Precision), "is not one of exact, address, interpolated, street, postal_code, locality")
	}
	if len(s.Categories) == 0 {
		return fail("categories", "", "at least one category is required")
	}
	if len(s.Categories) > MaxCategories {
		return fail("categories", "", fmt.Sprintf("more than %d categories", MaxCategories))
	}
	for _, c := range s.Categories {
		if !c.Valid() {
			return fail("categories", string(c), "is not a known category")
		}
	}
	if len(s.Languages) > MaxLanguages {
		return fail("languages", "", fmt.Sprintf("more than %d languages", MaxLanguages))
	}
	for _, l := range s.Languages {
		if l == "" || len(l) > 35 || !utf8.ValidString(l) || strings.ContainsRune(l, 0) {
			return fail("languages", strings.ToValidUTF8(l, "?"), "is not a language tag such as en or fr-CA")
		}
	}
	if !s.Status.Valid() {
		return fail("status", string(s.Status), "is not one of active, temporarily_closed, closed, retired")
	}
	if err := s.Hours.Validate(); err != nil {
		return err
	}
	return nil
}

// checkText checks that a text field is valid UTF-8 without NUL bytes (which PostgreSQL cannot
// store) and at most max bytes long.
func checkText(field, value string, max int) error {
	if !utf8.ValidString(value) {
		return &FieldError{Field: field, Reason: "is not valid UTF-8 text; save the file as UTF-8"}
	}
	if strings.ContainsRune(value, 0) {
		return &FieldError{Field: field, Reason: "contains a NUL character"}
	}
	if len(value) > max {
		return &FieldError{Field: field, Value: value, Reason: fmt.Sprintf("is longer than %d bytes", max)}
	}
	return nil
}

// ValidLatLon checks WGS84 degrees. The error is a *FieldError naming lat or lon.
func ValidLatLon(lat, lon float64) error {
	if math.IsNaN(lat) || lat < -90 || lat > 90 {
		return &FieldError{Field: "lat", Value: fmt.Sprint(lat), Reason: "must be a number between -90 and 90"}
	}
	if math.IsNaN(lon) || lon < -180 || lon > 180 {
		return &FieldError{Field: "lon", Value: fmt.Sprint(lon), Reason: "must be a number between -180 and 180"}
	}
	return nil
}

// siteNamespace is the UUID namespace of site IDs (a UUIDv5 of the URL namespace and
// "https://aidmap.org/site"). Changing it would change every site's ID.
var siteNamespace = [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// SiteID returns the stable ID of the site with the given organisation and external ID: a
// UUIDv5 (RFC 9562) of both, so a re-upload updates instead of duplicating and HSDS exports
// get the UUIDs they need.
func SiteID(organizationID, externalID string) string {
	return uuidV5(siteNamespace, organizationID+"\x00"+externalID)
}

func uuidV5(ns [16]byte, name string) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = (u[6] & 0x0f) | 0x50 // version 5
	u[8] = (u[8] & 0x3f) | 0x80 // RFC 4122 variant
	return formatUUID(u)
}

// formatUUID writes u in the lowercase 8-4-4-4-12 form.
func formatUUID(u [16]byte) string {
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, b := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[b>>4], hex[b&0x0f])
	}
	return string(out)
}
