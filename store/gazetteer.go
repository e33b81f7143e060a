package store

import (
	"context"

	"github.com/aidmap/aidmap"
)

// Gazetteer is the part of a store that keeps the embedded geocoder's address points and the
// geocode cache. Both store implementations provide it; a running server polls
// GazetteerVersion to pick up an import made by another process without a restart.
type Gazetteer interface {
	// ReplaceAddressPoints replaces every address point of source (a label such as the
	// imported file's base name) with the points that next yields, in one transaction: a
	// failure or cancelled ctx leaves the previous points exactly as they were. next returns
	// a nil error with each batch and io.EOF (with no points) at the end; any other error
	// aborts the import and is returned wrapped. Points of other sources are untouched.
	// It returns how many points were stored and the new gazetteer version.
	ReplaceAddressPoints(ctx context.Context, source string, next func() ([]aidmap.AddressPoint, error)) (n int, version int64, err error)
	// EachAddressPoint calls fn for every stored point, streaming, and returns the gazetteer
	// version the iteration reflects. It stops at and returns the first error fn returns.
	EachAddressPoint(ctx context.Context, fn func(aidmap.AddressPoint) error) (version int64, err error)
	// GazetteerVersion returns a number that changes whenever the stored points change; 0
	// when there are none.
	GazetteerVersion(ctx context.Context) (int64, error)

	// GeocodeCache returns the cached value for key, or an error wrapping aidmap.ErrNotFound.
	// Keys and values are opaque to the store (the geocode package encodes them).
	GeocodeCache(ctx context.Context, key string) ([]byte, error)
	// PutGeocodeCache stores value under key, replacing any previous value.
	PutGeocodeCache(ctx context.Context, key string, value []byte) error
}
