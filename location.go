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

// distanceBands are the upper bounds, in metres, that distances to confidential sites are
// rounded up to: "within 5 km" is all a person needs to decide to call, and exact distances
// from many points would outline the area around the site.
var distanceBands = [...]float64{2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000}

// DistanceBand returns the smallest band at least d metres (2, 5, 10, 20, 50, 100, 200, 500,
// 1,000 km); beyond the last, d rounded up to 1,000 km. Every output that gives a distance to a
// confidential site gives it this way (API, CSV, HSDS, text messages).
func DistanceBand(d float64) float64 {
	for _, b := range distanceBands {
		if d <= b {
			return b
		}
	}
	return math.Ceil(d/1_000_000) * 1_000_000
}
