package aidmap

import "math"

// EarthRadiusM is the mean Earth radius in metres (IUGG), used for every distance on the sphere.
const EarthRadiusM = 6371008.8

// DistanceM returns the great-circle distance in metres between two WGS84 points (haversine).
func DistanceM(lat1, lon1, lat2, lon2 float64) float64 {
	const rad = math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	s1 := math.Sin(dLat / 2)
	s2 := math.Sin(dLon / 2)
	h := s1*s1 + math.Cos(lat1*rad)*math.Cos(lat2*rad)*s2*s2
	if h > 1 {
		h = 1
	}
	return 2 * EarthRadiusM * math.Asin(math.Sqrt(h))
}

// Confidential sites (women's shelters, safe houses) are stored exactly but published only as
// an area: the centre of the ConfidentialCellDeg grid cell that holds them. When that centre is
// closer than ConfidentialMinOffsetM to the true point, the centre of the neighbouring cell is
// published instead, so a published point is never within that distance of the true one.
//
// Every spatial query is answered against the published point, never the true one, so a
// distance in a result is the distance to the area point: anyone could compute it from the
// published coordinates, and no set of queries can trilaterate the true location.
const (
	ConfidentialCellDeg    = 0.1 // about 11 km north-south
	ConfidentialMinOffsetM = 500 // metres
)

// PublicLocation returns the point that may be published for s: its own location, or for a
// confidential site the generalised area point described above.
func (s *Site) PublicLocation() (lat, lon float64) {
	if !s.Confidential {
		return s.Lat, s.Lon
	}
	return generalise(s.Lat, s.Lon)
}

func generalise(lat, lon float64) (float64, float64) {
	const c = ConfidentialCellDeg
	cellLat := math.Floor(lat/c)*c + c/2
	cellLon := math.Floor(lon/c)*c + c/2
	if cellLat > 90 {
		cellLat = 90 - c/2
	}
	if cellLon > 180 {
		cellLon = 180 - c/2
	}
	if DistanceM(lat, lon, cellLat, cellLon) < ConfidentialMinOffsetM {
		// Step one cell towards the equator: always possible, and a whole cell away.
		if cellLat > 0 {
			cellLat -= c
		} else {
			cellLat += c
		}
	}
	return round6(cellLat), round6(cellLon)
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
