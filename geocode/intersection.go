package geocode

import (
	"cmp"
	"math"
	"strings"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode/addr"
)

// Corners: "Main & Hastings", "Main St and E Hastings St", "Main/Hastings", "corner of Main
// and Hastings, Vancouver", "coin Main et Hastings". The gazetteer has no street lines, only
// address points; two streets meet where their points come closest, and the corner is where
// the lines the two streets' points follow there cross.

// Thresholds of a corner, in metres.
const (
	// cornerNearM is how close the two streets' nearest points must be: corner lots are
	// addressed on one street, so the other's first point is a lot or two away.
	cornerNearM = 150
	// cornerAxisM is the radius around the nearest points whose points give each street's
	// direction there.
	cornerAxisM = 250
	// cornerOffM is how far the crossing of the two lines may be from each street's
	// nearest point: further, and the streets do not meet (they end apart).
	cornerOffM = 200
	// cornerSameM: points this close are the same corner point (a corner lot addressed on
	// both streets).
	cornerSameM = 5
)

// confCorner is an intersection's confidence: placed on both streets, less sure than an
// address.
const confCorner = 0.6

// cornerSeparators split the two streets of a corner, tried in order. Spaces around words
// keep "Anderson" and "Bayview" whole.
var cornerSeparators = []string{"&", "/", "@", " and ", " et ", " y ", " at ", " à ", " with "}

// cornerPrefixes are the words before a corner that say it is one.
var cornerPrefixes = []string{"corner of ", "corner ", "cnr of ", "cnr ", "intersection of ", "coin de ", "coin ",
	"angle de ", "angle ", "intersection de ", "esquina de ", "esquina ", "cruce de "}

// SplitCorner splits text naming a corner into its two streets and what follows a comma
// (the town, for the caller to parse): "Main & Hastings, Vancouver" → "Main", "Hastings",
// "Vancouver". ok is false when text does not read as a corner (no separator, a house
// number, an empty side).
func SplitCorner(text string) (a, b, rest string, ok bool) {
	s := strings.TrimSpace(text)
	if i := strings.IndexByte(s, ','); i >= 0 {
		s, rest = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	}
	low := strings.ToLower(s)
	for _, p := range cornerPrefixes {
		if strings.HasPrefix(low, p) {
			s, low = strings.TrimSpace(s[len(p):]), low[len(p):]
			low = strings.TrimSpace(low)
			break
		}
	}
	for _, sep := range cornerSeparators {
		i := strings.Index(low, sep)
		if i < 0 {
			continue
		}
		a, b = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+len(sep):])
		if a == "" || b == "" || startsWithNumber(a) {
			return "", "", "", false
		}
		return a, b, rest, true
	}
	return "", "", "", false
}

// startsWithNumber reports whether s starts with a house number ("401 Main"): an address,
// not a corner, even with "and" in it.
func startsWithNumber(s string) bool {
	f := strings.Fields(s)
	return len(f) > 1 && f[0][0] >= '0' && f[0][0] <= '9' && !strings.ContainsAny(f[1][:1], "0123456789") &&
		addr.Number(f[0]) != "" && !isOrdinal(f[0])
}

// isOrdinal reports whether w is an ordinal written in digits ("4th", "1er"): a numbered
// street's name, not a house number.
func isOrdinal(w string) bool {
	w = strings.ToLower(w)
	for _, suf := range []string{"st", "nd", "rd", "th", "er", "re", "e"} {
		if strings.HasSuffix(w, suf) && isDigits(strings.TrimSuffix(w, suf)) {
			return true
		}
	}
	return false
}

// Intersection returns where the streets a and b (as people write them: "Main", "E Hastings
// St", "4th Ave") meet, in the locality and region given (addr.Locality and addr.Region
// forms; "" for any), at street precision: the crossing of the lines the two streets'
// points follow where they come closest, or the point they share. When several towns have
// both streets, the pair that comes closest wins. ok is false when no two such streets come
// within cornerNearM of each other or they run side by side.
func (g *Gazetteer) Intersection(a, b, locality, region string) (Result, bool) {
	if g == nil {
		return Result{}, false
	}
	as, bs := g.namedStreets(a), g.namedStreets(b)
	var (
		best   Result
		bestD  = math.Inf(1)
		found  bool
		sa, sb *street
	)
	for _, i := range as {
		for _, j := range bs {
			x, y := &g.streets[i], &g.streets[j]
			if i == j || !sameTown(x, y) || !inTown(x, locality, region) || !inTown(y, locality, region) {
				continue
			}
			pa, pb, d := closest(x, y)
			if d > cornerNearM || d >= bestD {
				continue
			}
			lat, lon, ok := corner(x, y, pa, pb, d)
			if !ok {
				continue
			}
			best, bestD, found, sa, sb = Result{Lat: lat, Lon: lon}, d, true, x, y
		}
	}
	if !found {
		return Result{}, false
	}
	best.Precision, best.Confidence, best.Source = aidmap.PrecisionStreet, confCorner, SourceGazetteer
	best.Label = sa.label + " & " + sb.describe("")
	return best, true
}

// namedStreets returns the streets a name may mean: its Street key (a typo forgiven), and
// every street of that name whatever its type and directional ("Hastings" is "E Hastings St"
// and "W Hastings St").
func (g *Gazetteer) namedStreets(s string) []int32 {
	key := addr.Street(s)
	if key == "" {
		return nil
	}
	var out []int32
	seen := map[int32]bool{}
	add := func(id int32) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, m := range g.findStreets(key) {
		add(m.idx)
	}
	for _, id := range g.byName[addr.StreetName(key)] {
		add(id)
	}
	return out
}

// sameTown reports whether two streets can meet: the same locality and region where both
// say.
func sameTown(x, y *street) bool {
	return (x.locality == "" || y.locality == "" || x.locality == y.locality) &&
		(x.region == "" || y.region == "" || x.region == y.region)
}

func inTown(s *street, locality, region string) bool {
	return (locality == "" || s.locality == "" || s.locality == locality) &&
		(region == "" || s.region == "" || s.region == region)
}

// metres converts degrees to metres on a plane tangent at lat: good to well under a metre
// over a few hundred.
func metres(lat float64) (perLat, perLon float64) {
	const perDeg = 111_195.0 // metres a degree of latitude (mean Earth radius)
	return perDeg, perDeg * math.Cos(lat*math.Pi/180)
}

// closest returns the nearest pair of points of x and y and their distance in metres. It
// buckets the shorter street's points in cells of about cornerNearM, so two streets of
// thousands of points take milliseconds, not a product of their lengths.
func closest(x, y *street) (pa, pb point, d float64) {
	swap := len(x.pts) > len(y.pts)
	if swap {
		x, y = y, x
	}
	lat0, _ := x.pts[0].latLon()
	ky, kx := metres(lat0)
	cell := func(p point) [2]int32 {
		lat, lon := p.latLon()
		return [2]int32{int32(math.Floor(lat * ky / cornerNearM)), int32(math.Floor(lon * kx / cornerNearM))}
	}
	cells := make(map[[2]int32][]point, len(x.pts))
	for _, p := range x.pts {
		c := cell(p)
		cells[c] = append(cells[c], p)
	}
	d2 := math.Inf(1)
	for _, q := range y.pts {
		c := cell(q)
		qlat, qlon := q.latLon()
		for dy := int32(-1); dy <= 1; dy++ {
			for dx := int32(-1); dx <= 1; dx++ {
				for _, p := range cells[[2]int32{c[0] + dy, c[1] + dx}] {
					plat, plon := p.latLon()
					ey, ex := (plat-qlat)*ky, (plon-qlon)*kx
					if v := ey*ey + ex*ex; v < d2 {
						d2, pa, pb = v, p, q
					}
				}
			}
		}
	}
	if swap {
		pa, pb = pb, pa
	}
	return pa, pb, math.Sqrt(d2)
}

// corner places the corner of x and y near their nearest points pa (of x) and pb (of y), d
// metres apart: where the lines of the two streets there cross, or, when a street's points
// there give no direction, the midpoint of pa and pb when they are close. ok is false for
// streets that run side by side (back-to-back lots come close, streets that do not meet).
func corner(x, y *street, pa, pb point, d float64) (lat, lon float64, ok bool) {
	alat, alon := pa.latLon()
	blat, blon := pb.latLon()
	if d <= cornerSameM {
		return (alat + blat) / 2, (alon + blon) / 2, true
	}
	lat0, lon0 := (alat+blat)/2, (alon+blon)/2
	ky, kx := metres(lat0)
	// Points on a plane in metres around (lat0, lon0): north y, east x.
	xy := func(lat, lon float64) (float64, float64) { return (lon - lon0) * kx, (lat - lat0) * ky }
	ca, ua, okA := axis(x, pa, xy)
	cb, ub, okB := axis(y, pb, xy)
	if !okA || !okB {
		if d <= cornerNearM/2 {
			return lat0, lon0, true
		}
		return 0, 0, false
	}
	cross := ua[0]*ub[1] - ua[1]*ub[0]
	if math.Abs(cross) < math.Sin(30*math.Pi/180) {
		return 0, 0, false // side by side, or meeting at too shallow an angle to tell where
	}
	// ca + t·ua = cb + s·ub
	wx, wy := cb[0]-ca[0], cb[1]-ca[1]
	t := (wx*ub[1] - wy*ub[0]) / cross
	px, py := ca[0]+t*ua[0], ca[1]+t*ua[1]
	ax, ay := xy(alat, alon)
	bx, by := xy(blat, blon)
	if math.Hypot(px-ax, py-ay) > cornerOffM || math.Hypot(px-bx, py-by) > cornerOffM {
		return 0, 0, false
	}
	return lat0 + py/ky, lon0 + px/kx, true
}

// axis returns the centroid and the direction (a unit vector) of s's points within
// cornerAxisM of p, on the plane xy maps to: the principal axis of their spread. ok is false
// when they are too few or too bunched to give one.
func axis(s *street, p point, xy func(lat, lon float64) (float64, float64)) (c, u [2]float64, ok bool) {
	px, py := xy(p.latLon())
	var xs, ys []float64
	for _, q := range s.pts {
		x, y := xy(q.latLon())
		if math.Hypot(x-px, y-py) <= cornerAxisM {
			xs, ys = append(xs, x), append(ys, y)
		}
	}
	n := float64(len(xs))
	if len(xs) < 3 {
		return c, u, false
	}
	for i := range xs {
		c[0] += xs[i] / n
		c[1] += ys[i] / n
	}
	var sxx, syy, sxy float64
	for i := range xs {
		dx, dy := xs[i]-c[0], ys[i]-c[1]
		sxx, syy, sxy = sxx+dx*dx, syy+dy*dy, sxy+dx*dy
	}
	theta := 0.5 * math.Atan2(2*sxy, sxx-syy)
	u = [2]float64{math.Cos(theta), math.Sin(theta)}
	// The spread along the axis must dominate the spread across it (the street's width and
	// both sides' setbacks), else there is no direction.
	along, across := 0.0, 0.0
	for i := range xs {
		dx, dy := xs[i]-c[0], ys[i]-c[1]
		a := dx*u[0] + dy*u[1]
		b := -dx*u[1] + dy*u[0]
		along, across = along+a*a, across+b*b
	}
	if along < 4*across || along/n < 20*20 {
		return c, u, false
	}
	return c, u, true
}

// corner answers text that names a corner ("Main & Hastings, Vancouver") when the
// gazetteer has both streets meeting. A town is what follows a comma or, without one, the
// last words of the second street that are not part of its name ("Main and Hastings
// Vancouver").
func (g *Gazetteer) corner(text string) (Result, bool) {
	if g == nil {
		return Result{}, false
	}
	a, b, rest, ok := SplitCorner(text)
	if !ok {
		return Result{}, false
	}
	var locality, region string
	if rest != "" {
		p := addr.Parse(rest)
		locality, region = cmp.Or(p.Locality, p.Place), p.Region
	}
	if r, ok := g.Intersection(a, b, locality, region); ok {
		return r, true
	}
	if rest != "" {
		return Result{}, false
	}
	ws := strings.Fields(b)
	for cut := len(ws) - 1; cut >= 1 && cut >= len(ws)-3; cut-- {
		p := addr.Parse(strings.Join(ws[cut:], " "))
		if r, ok := g.Intersection(a, strings.Join(ws[:cut], " "), cmp.Or(p.Locality, p.Place), p.Region); ok {
			return r, true
		}
	}
	return Result{}, false
}
