package aidmap

import "math"

// EarthRadiusM is the mean Earth radius in metres (IUGG), used for every distance on the sphere.
const EarthRadiusM = 6371008.8

// DistanceM returns the great-circle distance in metres between two WGS84 points.
//
// It is computed from the chord between the points' unit vectors, d = 2R·asin(c/2), which is
// mathematically the haversine formula, so that an index holding unit vectors computes the very
// same float64 (UnitVector, SquaredChord, ChordToMetres) without any trigonometry per point.
func DistanceM(lat1, lon1, lat2, lon2 float64) float64 {
	x1, y1, z1 := UnitVector(lat1, lon1)
	x2, y2, z2 := UnitVector(lat2, lon2)
	return ChordToMetres(SquaredChord(x1, y1, z1, x2, y2, z2))
}

// UnitVector returns the 3D unit vector of a WGS84 point (degrees): x towards (0°, 0°), y towards
// (0°, 90°E), z towards the North Pole.
func UnitVector(lat, lon float64) (x, y, z float64) {
	const rad = math.Pi / 180
	sφ, cφ := math.Sincos(lat * rad)
	sλ, cλ := math.Sincos(lon * rad)
	return cφ * cλ, cφ * sλ, sφ
}

// SquaredChord returns the squared straight-line distance between two unit vectors. The
// conversions keep the compiler from fusing multiply-adds, so every caller gets the same bits.
func SquaredChord(x1, y1, z1, x2, y2, z2 float64) float64 {
	dx, dy, dz := x1-x2, y1-y2, z1-z2
	return float64(dx*dx) + float64(dy*dy) + float64(dz*dz)
}

// ChordToMetres returns the great-circle distance in metres that a squared chord c2 between
// two unit vectors spans: 2R·asin(√c2/2). It is non-decreasing in c2.
//
// Below x = √c2/2 = 0.01 (about 127 km) it uses the asin series to the x⁹ term, whose remainder
// (< 3e-24 relative) is far below float64 rounding; above, math.Asin.
func ChordToMetres(c2 float64) float64 {
	x := math.Sqrt(c2) * 0.5
	if x < 0.01 {
		x2 := float64(x * x)
		p := float64(x2*(35.0/1152)) + 5.0/112
		p = float64(x2*p) + 3.0/40
		p = float64(x2*p) + 1.0/6
		return 2 * EarthRadiusM * (x + float64(float64(x*x2)*p))
	}
	if x >= 1 {
		return math.Pi * EarthRadiusM
	}
	return 2 * EarthRadiusM * math.Asin(x)
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
