package query

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
)

// Limits of one query. They are part of the API (documented in the README and the OpenAPI
// document), so they change only with it.
const (
	// MaxK is the most results one query or page returns.
	MaxK = 1000
	// MaxRadiusM is the largest radius, in metres.
	MaxRadiusM = 100_000
	// MaxTextBytes and MaxTextWords bound the work of one text query.
	MaxTextBytes = 200
	MaxTextWords = 8
	// MaxRead bounds how many sites one filtered Nearest reads through the exact check (the
	// index's own filters prune for free and are not counted). A text query or open-now
	// filter that matches nothing would otherwise decode every site of the index: about a
	// second on 1M sites, which anyone could ask for again and again. Up to the bound the
	// answer is exact; a query that reaches it says so (Complete false) and gives the nearest
	// matching sites among those read. (Text whose words the text index finds in at most
	// maxCandidates sites never reaches it: only those sites are read, nearest first.)
	MaxRead = 1 << 14
)

// Query is one question asked of the sites: where (a point with k or a radius, or a box), the
// filters, which all combine with AND, and the page. The zero value asks for every site.
// Check it with Validate before running it.
//
// Errors name each field by its API parameter (lat, radius_m, q…): the names a client,
// whatever its transport, knows the filters by.
type Query struct {
	// Lat and Lon are the point of Nearest and Radius, in WGS84 degrees (lat, lon).
	Lat, Lon float64
	// RadiusM is Radius's radius in metres (radius_m); 0 when not given.
	RadiusM float64
	// BBox is Box's box (bbox); MinLon > MaxLon crosses the antimeridian.
	BBox geo.BBox
	// K is how many results (limit): Nearest's k, a page's size for Radius and Box. 0 means
	// every match to the functions that list everything (InRadius, InBox, Visit).
	K int
	// After resumes a listing after the last result of a page (cursor); nil for the first.
	After *Cursor

	// Categories keeps sites of any of these (category); the zero value for any.
	Categories aidmap.CategorySet
	// Languages keeps sites that speak any of these BCP 47 tags, compared by primary subtag
	// ("fr" matches "fr-CA") (lang).
	Languages []string
	// Text keeps sites matching every word of it, ranked by relevance (q): see textScore.
	Text string
	// Open keeps only sites open at When (open_now, open_at). Sites whose hours are unknown
	// never pass: "we don't know" is not "open".
	Open bool
	// When is the moment opening hours are evaluated at, for Open and for each answer's open
	// state; the zero value is the zero time, so set it (now, or the time asked for).
	When OpenAt
	// Free keeps sites whose fees say they are free (free); Wheelchair those whose
	// accessibility says a wheelchair gets in (wheelchair). Unknown is neither.
	Free, Wheelchair bool
	// Statuses keeps sites with any of these (status): active, temporarily_closed, closed.
	Statuses []aidmap.Status
	// UpdatedSince and UpdatedUntil keep sites updated in that span, both inclusive, the zero
	// time leaving it open (updated_since; OGC's datetime).
	UpdatedSince, UpdatedUntil time.Time
	// VerifiedSince keeps sites verified at or after it (verified_since); a site never
	// verified does not pass.
	VerifiedSince time.Time
	// Organization keeps the sites of one organisation, by its ID (HSDS organization_id).
	Organization string
}

// Cursor marks the last result of a page: the results after it form the next page. Listings by
// distance resume after (Distance, ID), Distance being the result's rank key (its distance
// without text); listings by box resume after ID.
type Cursor struct {
	Distance float64
	ID       string
}

// invalid is the error of an invalid field: an *aidmap.FieldError naming the API parameter,
// whose message ("lat: must be between -90 and 90 degrees") is written for the person who
// sent the query, so it carries no package prefix. It is an aidmap.ErrInvalid.
func invalid(field, reason string) error { return &aidmap.FieldError{Field: field, Reason: reason} }

// Validate checks every field and returns an *aidmap.FieldError naming the first invalid one
// by its API parameter. Fields that are not given (zero) are valid; which are needed depends
// on the function run (a point for Nearest, a radius for Radius).
func (q *Query) Validate() error {
	switch {
	case !(q.Lat >= -90 && q.Lat <= 90):
		return invalid("lat", "must be between -90 and 90 degrees")
	case !(q.Lon >= -180 && q.Lon <= 180):
		return invalid("lon", "must be between -180 and 180 degrees")
	case q.RadiusM != 0 && !(q.RadiusM > 0 && q.RadiusM <= MaxRadiusM):
		return invalid("radius_m", fmt.Sprintf("must be more than 0 and at most %d metres", MaxRadiusM))
	case q.K < 0 || q.K > MaxK:
		return invalid("limit", fmt.Sprintf("must be between 1 and %d", MaxK))
	}
	if err := validBBox(q.BBox); err != nil {
		return err
	}
	if q.After != nil && math.IsNaN(q.After.Distance) {
		return invalid("cursor", "is not a cursor from a next link; start again without it")
	}
	if len(q.Text) > MaxTextBytes {
		return invalid("q", fmt.Sprintf("is longer than %d bytes", MaxTextBytes))
	}
	if n := len(words(q.Text)); n > MaxTextWords {
		return invalid("q", fmt.Sprintf("has more than %d words", MaxTextWords))
	}
	for _, st := range q.Statuses {
		if !st.Valid() || st == aidmap.StatusRetired {
			return invalid("status", fmt.Sprintf("%q is not active, temporarily_closed or closed", clip(string(st))))
		}
	}
	return nil
}

// validBBox checks a box's ranges and order.
func validBBox(b geo.BBox) error {
	inLon := func(v float64) bool { return v >= -180 && v <= 180 }
	inLat := func(v float64) bool { return v >= -90 && v <= 90 }
	switch {
	case !inLon(b.MinLon) || !inLon(b.MaxLon):
		return invalid("bbox", "longitudes must be between -180 and 180")
	case !inLat(b.MinLat) || !inLat(b.MaxLat):
		return invalid("bbox", "latitudes must be between -90 and 90")
	case b.MinLat > b.MaxLat:
		return invalid("bbox", "minLat is greater than maxLat; the order is minLon,minLat,maxLon,maxLat")
	}
	return nil
}

// World is the box of every point: Box and Visit over it list everything.
var World = geo.BBox{MinLon: -180, MinLat: -90, MaxLon: 180, MaxLat: 90}

// clip shortens a value quoted back in an error.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// sitePredicates reports whether q has a filter the index cannot decide by itself, which is
// then checked site by site (Matcher.Match); hasText says whether its text has words. A new
// filter without index bits belongs here.
func (q *Query) sitePredicates(hasText bool) bool {
	return q.Open || hasText || q.Free || q.Wheelchair || !q.UpdatedSince.IsZero() ||
		!q.UpdatedUntil.IsZero() || !q.VerifiedSince.IsZero() || q.Organization != ""
}

// plain reports whether q filters by nothing but categories, which the index applies exactly
// by itself, so that an answer comes straight from the index. It reads Text as given (spaces
// only are not plain, though they filter nothing): the hot path checks it on every request and
// must not allocate.
func (q *Query) plain() bool {
	return !q.sitePredicates(q.Text != "") && len(q.Languages) == 0 && len(q.Statuses) == 0
}

// OpenAt is the moment opening hours are evaluated at: an instant, or (Local) a wall-clock time
// read in each site's own time zone ("2026-12-24T18:00", what a person planning a visit
// means). An instant is the same moment everywhere.
type OpenAt struct {
	Time  time.Time // the instant, or the wall-clock fields when Local
	Local bool      // Time's fields are read in each site's zone
}

// At returns the instant o names for a site in time zone tz (UTC when unknown).
func (o OpenAt) At(tz string) time.Time {
	if !o.Local {
		return o.Time
	}
	loc := time.UTC
	if tz != "" {
		if l, err := aidmap.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	y, m, d := o.Time.Date()
	return time.Date(y, m, d, o.Time.Hour(), o.Time.Minute(), o.Time.Second(), 0, loc)
}

// openAtLayouts are the forms ParseOpenAt accepts without an offset.
var openAtLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"}

// ParseOpenAt reads a time as open_at takes it: RFC 3339 with an offset or Z (an instant), or
// without one (2026-12-24T18:00, a wall-clock time in each site's zone).
func ParseOpenAt(raw string) (OpenAt, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > 64 {
		return OpenAt{}, invalid("open_at", "is too long to be a time")
	}
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return OpenAt{Time: t}, nil
	}
	for _, layout := range openAtLayouts {
		if t, err := time.Parse(layout, raw); err == nil {
			return OpenAt{Time: t, Local: true}, nil
		}
	}
	return OpenAt{}, invalid("open_at", fmt.Sprintf("%q is not a time such as 2026-12-24T18:00 (in each site's time zone) or 2026-12-24T18:00:00Z", clip(raw)))
}
