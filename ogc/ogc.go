// Package ogc is OGC API - Features, Part 1: Core with the GeoJSON encoding, as aidmap
// publishes its sites: the conformance classes, the one collection ("sites"), the landing,
// conformance and collection documents with their links, and the datetime parameter's
// grammar. It has no HTTP: web serves these documents under /ogc, and the collection's items,
// which are exactly the GeoJSON features of /api/v1 (confidential sites at their public
// point, area-only address), found by package query. Coordinates are CRS84 (lon, lat), the
// only CRS of Part 1.
//
// It imports the domain only; its layer is in ARCHITECTURE.md, checked by internal/archtest.
package ogc

import (
	"strings"
	"time"

	"github.com/aidmap/aidmap"
)

// Conformance are the conformance classes implemented.
var Conformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
}

const (
	// CollectionID is the one collection: the sites.
	CollectionID = "sites"
	// CRS84 is WGS84 longitude, latitude: the only CRS of Part 1.
	CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	// GeoJSONType is the media type of features and feature collections.
	GeoJSONType = "application/geo+json"
)

// Link is a link object of OGC API - Common.
type Link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// Landing is the landing page of the API at base, the absolute URL of its root (clients such
// as QGIS follow links as given, so they must be absolute and name the host the client used).
// The documentation is the site's own page, at base without its last element.
func Landing(base string) map[string]any {
	return map[string]any{
		"title":       "aidmap",
		"description": "Places where people find free food, shelter and help, as OGC API - Features.",
		"links": []Link{
			{Href: base, Rel: "self", Type: "application/json", Title: "this document"},
			{Href: strings.TrimSuffix(base, "/ogc") + "/", Rel: "service-doc", Type: "text/html", Title: "the aidmap map and its documentation"},
			{Href: base + "/conformance", Rel: "conformance", Type: "application/json", Title: "conformance classes"},
			{Href: base + "/collections", Rel: "data", Type: "application/json", Title: "collections"},
		},
	}
}

// ConformanceDoc is the conformance declaration.
func ConformanceDoc() map[string]any { return map[string]any{"conformsTo": Conformance} }

// Collection describes the sites collection of the API at base; bbox, when not nil, is its
// spatial extent (minLon, minLat, maxLon, maxLat: the data's bounds).
func Collection(base string, bbox []float64) map[string]any {
	c := map[string]any{
		"id":          CollectionID,
		"title":       "Sites",
		"description": "Food banks, meals, shelters, clinics and other services. Confidential sites are at an approximate point.",
		"itemType":    "feature",
		"crs":         []string{CRS84},
		"links": []Link{
			{Href: base + "/collections/" + CollectionID, Rel: "self", Type: "application/json"},
			{Href: base + "/collections/" + CollectionID + "/items", Rel: "items", Type: GeoJSONType, Title: "the sites"},
		},
	}
	if bbox != nil {
		c["extent"] = map[string]any{"spatial": map[string]any{"bbox": [][]float64{bbox}, "crs": CRS84}}
	}
	return c
}

// Collections lists the collections of the API at base: the sites (see Collection).
func Collections(base string, bbox []float64) map[string]any {
	return map[string]any{
		"links":       []Link{{Href: base + "/collections", Rel: "self", Type: "application/json"}},
		"collections": []any{Collection(base, bbox)},
	}
}

// ItemsParams are the query parameters the items of the collection take; others are a 400, as
// Core asks. Besides Core's (bbox, limit, datetime) and paging (offset, or cursor from a next
// link), the property filters of /api/v1 lists: category, open_now and open_at, q, lang,
// free, wheelchair, status, updated_since, verified_since.
var ItemsParams = map[string]bool{"bbox": true, "limit": true, "offset": true, "cursor": true,
	"datetime": true, "category": true, "f": true, "open_now": true, "open_at": true, "q": true,
	"lang": true, "free": true, "wheelchair": true, "status": true, "updated_since": true, "verified_since": true}

// ParseDatetime reads Core's datetime: an instant or an interval "start/end" in RFC 3339 (or a
// date), an end ".." or "" being open. It filters on each site's updated_at; zero times mean
// unbounded, and an instant is an interval of one instant. Errors are *aidmap.FieldError
// naming datetime.
func ParseDatetime(raw string) (from, to time.Time, err error) {
	bad := &aidmap.FieldError{Field: "datetime", Reason: "must be an RFC 3339 time or an interval such as 2026-01-01T00:00:00Z/.."}
	parse := func(s string) (time.Time, error) {
		if s == "" || s == ".." {
			return time.Time{}, nil
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t, nil
		}
		return time.Parse(time.DateOnly, s)
	}
	a, b, interval := strings.Cut(raw, "/")
	if from, err = parse(a); err != nil {
		return from, to, bad
	}
	if !interval {
		if from.IsZero() {
			return from, to, bad
		}
		return from, from, nil
	}
	if to, err = parse(b); err != nil {
		return from, to, bad
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return from, to, &aidmap.FieldError{Field: "datetime", Reason: "the interval ends before it starts"}
	}
	return from, to, nil
}
