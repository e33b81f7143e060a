// Package geocode turns addresses and place names into points with an honest precision: an
// embedded gazetteer built from open address points (OpenAddresses, OpenStreetMap), fallback
// localities and postal codes shipped in the binary (geocode/places), optional external
// providers (geocode/remote: Nominatim, Pelias, Photon) and a cache in the store.
//
// What it may import is in ARCHITECTURE.md (checked by internal/archtest); it never touches
// a store or reads flags or environment. The cache is the Cache interface it declares
// (store.Gazetteer satisfies it), and cmd/aidmap hands it the address points it builds from.
package geocode

import (
	"context"

	"github.com/aidmap/aidmap"
)

// Result is one place a geocoder matched.
type Result struct {
	Lat, Lon   float64          // WGS84 degrees
	Precision  aidmap.Precision // address, interpolated, street, postal_code or locality; never exact
	Confidence float64          // 0 to 1: how sure the geocoder is that this is the place asked for
	Label      string           // what was matched, for people to check: "5171 221A St, Langley BC"
	Source     string           // who answered: "gazetteer", "places", "nominatim", "pelias", "photon"
	// Note says what a person should know about how the answer was found, e.g. that a
	// configured provider was unavailable and the embedded geocoder answered instead.
	Note string
}

// PlacedConfidence is the least confidence of a Placed result.
const PlacedConfidence = 0.5

// Placed reports whether r places an address at least on its street (street, interpolated or
// address precision) with at least even confidence: the rule for an answer that stands on
// its own. The embedded geocoder looks no further (no postal code or locality fallbacks), and
// an upload's coordinates are checked only against such an answer.
func (r Result) Placed() bool {
	return r.Precision.AtLeast(aidmap.PrecisionStreet) && r.Confidence >= PlacedConfidence
}

// Request is one thing to locate: free text (the map's search box, the geocode command) or
// a structured address (an ingest row), or both. Structured fields win where both are given.
type Request struct {
	Text    string
	Address aidmap.Address
	// Limit caps the candidates returned; 0 means a sensible default (5).
	Limit int
}

// Provider locates requests. Geocode returns candidates best first. It returns an error
// wrapping aidmap.ErrNotFound when nothing matches, and one wrapping aidmap.ErrUnavailable
// when it could not look at all (a remote service down, timing out or rate-limiting us), so
// that a chain can fall back to the next provider.
type Provider interface {
	Name() string
	Geocode(ctx context.Context, req Request) ([]Result, error)
}
