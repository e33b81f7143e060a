package ingest

import (
	"math"
	"strconv"
	"strings"
)

// CoordinateOrder is the order of the two numbers in a combined coordinates column.
type CoordinateOrder uint8

// Orders. WKT points are always lon lat (x y) and need no order.
const (
	OrderUnknown CoordinateOrder = iota
	LatLon                       // "49.28,-123.1", ISO 6709 and most spreadsheets
	LonLat                       // "-123.1,49.28", GeoJSON and GIS exports
)

func (o CoordinateOrder) String() string {
	switch o {
	case LatLon:
		return "lat,lon"
	case LonLat:
		return "lon,lat"
	}
	return ""
}

// ParseCoordinateOrder reads "lat,lon" or "lon,lat" (also "latlng", "x,y", "y,x", ...).
func ParseCoordinateOrder(s string) (CoordinateOrder, bool) {
	if NormaliseKey(s) == "" {
		return OrderUnknown, true
	}
	o := CoordinateOrderOfHeader(s)
	return o, o != OrderUnknown
}

// CoordPair is a combined coordinates value taken apart.
type CoordPair struct {
	A, B       string  // the two numbers as written (hemisphere letters kept)
	DegA, DegB float64 // their values in degrees, signed
	// Order is known from the text itself: WKT (lon lat), or hemisphere letters (49.2N 123.1W).
	Order CoordinateOrder
}

// SplitCoordinates takes apart one cell holding two coordinates: "49.28, -123.1",
// "-123.1,49.28", "(49.28, -123.1)", "[-123.1, 49.28]", "49.28 -123.1", "49,28; -123,1"
// (decimal commas), "49.28N 123.1W", "POINT(-123.1 49.28)", "SRID=4326;POINT (-123.1 49.28)".
func SplitCoordinates(s string) (CoordPair, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 10 && strings.EqualFold(s[:5], "srid=") {
		if i := strings.IndexByte(s, ';'); i > 0 {
			s = strings.TrimSpace(s[i+1:])
		}
	}
	wkt := false
	if len(s) >= 5 && strings.EqualFold(s[:5], "point") {
		s = strings.TrimSpace(s[5:])
		for _, dim := range []string{"zm", "z", "m"} { // POINT Z (x y z)
			if len(s) > len(dim) && strings.EqualFold(s[:len(dim)], dim) && !isDigitByte(s[len(dim)]) {
				s = strings.TrimSpace(s[len(dim):])
				break
			}
		}
		if len(s) < 2 || s[0] != '(' || s[len(s)-1] != ')' {
			return CoordPair{}, false
		}
		wkt = true
	}
	if len(s) >= 2 {
		switch s[0] {
		case '(', '[', '{':
			s = strings.TrimSpace(s[1 : len(s)-1])
		}
	}
	var parts []string
	switch {
	case wkt:
		parts = strings.Fields(s)
		if len(parts) == 3 || len(parts) == 4 {
			parts = parts[:2] // z, m
		}
	case strings.Contains(s, ";"):
		parts = strings.Split(s, ";")
	case strings.Count(s, ",") == 1:
		parts = strings.Split(s, ",")
	default:
		parts = strings.Fields(strings.ReplaceAll(s, ", ", " "))
	}
	if len(parts) != 2 {
		return CoordPair{}, false
	}
	p := CoordPair{A: strings.TrimSpace(parts[0]), B: strings.TrimSpace(parts[1])}
	var ha, hb byte
	var ok bool
	if p.DegA, ha, ok = ParseDegrees(p.A); !ok {
		return CoordPair{}, false
	}
	if p.DegB, hb, ok = ParseDegrees(p.B); !ok {
		return CoordPair{}, false
	}
	switch {
	case wkt:
		p.Order = LonLat
	case ha == 'N' && hb == 'E':
		p.Order = LatLon
	case ha == 'E' && hb == 'N':
		p.Order = LonLat
	}
	return p, true
}

func isDigitByte(c byte) bool { return '0' <= c && c <= '9' }

// ParseDegrees reads decimal degrees as people write them: "49.28", "-123.1", "+49.28",
// "49,28" (decimal comma), "49.28°", "49.28 N", "123.1W". The hemisphere letter gives the sign
// (S and W negative) and is returned as 'N' (for N/S), 'E' (for E/W) or 0.
func ParseDegrees(s string) (v float64, hemi byte, ok bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, "°")
	neg := false
	if n := len(s); n > 1 {
		switch s[n-1] {
		case 'N', 'n':
			hemi = 'N'
		case 'S', 's':
			hemi, neg = 'N', true
		case 'E', 'e':
			hemi = 'E'
		case 'W', 'w', 'O', 'o': // O: ouest
			hemi, neg = 'E', true
		}
		if hemi != 0 {
			s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s[:n-1]), "°"))
		}
	}
	if strings.IndexByte(s, ',') >= 0 {
		if strings.IndexByte(s, '.') >= 0 || strings.Count(s, ",") > 1 {
			return 0, 0, false
		}
		s = strings.Replace(s, ",", ".", 1)
	}
	if s == "" || !isNumberText(s) {
		return 0, 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, 0, false
	}
	if neg {
		if v < 0 {
			return 0, 0, false // "-49.2 S" says south twice; refuse to guess
		}
		v = -v
	}
	return v, hemi, true
}

// isNumberText reports whether s is a plain decimal number: an optional sign, digits and at most
// one point. strconv.ParseFloat alone would also take "NaN", "Inf", "0x1p3" and "1_000".
func isNumberText(s string) bool {
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	digits, points := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			digits++
		case c == '.':
			points++
		case (c == 'e' || c == 'E') && digits > 0 && i+1 < len(s):
			// 4.9e1: rare, but some exports write it
			rest := s[i+1:]
			if rest[0] == '+' || rest[0] == '-' {
				rest = rest[1:]
			}
			if rest == "" {
				return false
			}
			for j := 0; j < len(rest); j++ {
				if !isDigitByte(rest[j]) {
					return false
				}
			}
			return points <= 1
		default:
			return false
		}
	}
	return digits > 0 && points <= 1
}

// PairOrder says which orders a pair's values allow: LatLon, LonLat, OrderUnknown when both
// do (|both| ≤ 90), and ok=false when neither does.
func PairOrder(a, b float64) (CoordinateOrder, bool) {
	latLon := math.Abs(a) <= 90 && math.Abs(b) <= 180
	lonLat := math.Abs(a) <= 180 && math.Abs(b) <= 90
	switch {
	case latLon && lonLat:
		return OrderUnknown, true
	case latLon:
		return LatLon, true
	case lonLat:
		return LonLat, true
	}
	return OrderUnknown, false
}
