// Package tz finds the IANA time zone of a point, offline, from the time zone boundaries
// embedded in the binary (github.com/ringsaturn/tzf with its "lite" simplified polygons).
// Opening hours mean nothing without a zone, and most provider files do not name one.
//
// The boundary data costs about 7 MB of aidmap's binary; loading it takes about 0.7 s and
// 175 MB of peak memory, and keeps 30 MB of heap (measured 2026-11-26 on a loaded 2-core
// machine). It is loaded on the first lookup, so a server that never ingests hours without a
// zone never pays for it. A lookup then takes about 0.4 µs. It imports only tzf.
package tz

import (
	"fmt"
	"sync"

	"github.com/ringsaturn/tzf"
)

var finder = sync.OnceValues(func() (tzf.F, error) {
	f, err := tzf.NewDefaultFinder()
	if err != nil {
		return nil, fmt.Errorf("tz: load boundaries: %w", err)
	}
	return f, nil
})

// Find returns the IANA name of the time zone at (lat, lon) in WGS84 degrees, such as
// "America/Vancouver", or "" when the point is in no zone the data knows (open sea is covered
// by the Etc/GMT zones) or the data cannot be loaded.
func Find(lat, lon float64) string {
	f, err := finder()
	if err != nil {
		return ""
	}
	return f.GetTimezoneName(lon, lat)
}

// Load reads the boundary data now rather than on the first Find, so a caller can pay the
// cost at a time of its choosing (before a large upload) and learn of a failure.
func Load() error {
	_, err := finder()
	return err
}
