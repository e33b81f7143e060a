package geocode

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode/addr"
)

// Gazetteer is an in-memory index of address points, grouped by street and locality. It
// answers a parsed address with the best points it can honestly give: the address point
// itself, the same number ignoring the unit, an interpolation between the nearest numbers on
// the same side of the street, the street, the postal code or the locality, each labelled
// with its precision. A Gazetteer is immutable once built and safe for concurrent use.
//
// Memory: about 50 bytes a point plus the street names, so a million points take well under
// 300 MB (BenchmarkGazetteerBuild reports it).
type Gazetteer struct {
	streets []street
	// byKey maps a street key (addr.Street form) to its streets, one per locality.
	byKey map[string][]int32
	// byDeletion maps each one-character deletion of a street key to the keys it comes from,
	// for typo-tolerant lookups (the symmetric-deletion method: a query and a key within
	// edit distance 1, and most pairs within 2, share a deletion).
	byDeletion map[string][]string
	// byStem maps the first two letters of a key's longest word to the keys, so that a
	// street two edits away that shares no deletion ("comercail" for "commercial") is found
	// by checking a few hundred names rather than all of them.
	byStem map[string][]string
	// byName maps a street's name without directional and type (addr.StreetName: "hastings")
	// to its streets, for corners named as people say them ("Main & Hastings").
	byName map[string][]int32
	// postcodes holds the centroid of every full postal code the points carry.
	postcodes map[string]centroid
	// localities holds the centroid of every locality's points, for places the shipped
	// data does not know (neighbourhoods, small towns).
	localities map[string][]localityCentroid
	points     int
}

// street is one named street within one locality.
type street struct {
	key      string // addr.Street form: "w 4 ave"
	label    string // as the source wrote it: "West 4th Avenue"
	locality string // addr.Locality form; "" when the source did not say
	place    string // locality as written, for labels
	region   string // addr.Region form
	pts      []point
	mid      point // a point at the middle of the street's numbers: its representative
}

// point is one address point on a street. Coordinates are stored in 1e-7 degrees (about a
// centimetre), half the size of float64 pairs.
type point struct {
	num      int32  // numeric part of the house number
	suffix   string // "a" in "221a"
	unit     string // addr form of the unit; "" for the building
	lat, lon int32
}

type centroid struct {
	lat, lon float64
	n        int
	label    string
}

type localityCentroid struct {
	region string
	centroid
}

func toE7(deg float64) int32               { return int32(math.Round(deg * 1e7)) }
func fromE7(v int32) float64               { return float64(v) / 1e7 }
func (p point) latLon() (float64, float64) { return fromE7(p.lat), fromE7(p.lon) }

// splitNumber splits a normalised house number into its numeric part and suffix: "221a" →
// 221, "a". ok is false when the number does not start with a digit.
func splitNumber(s string) (n int32, suffix string, ok bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 9 {
		return 0, "", false
	}
	v, err := strconv.Atoi(s[:i])
	if err != nil {
		return 0, "", false
	}
	return int32(v), strings.TrimLeft(s[i:], " -/"), true
}

// Builder collects address points for a Gazetteer. The zero value is ready to use.
type Builder struct {
	streets   []street
	index     map[streetID]int32
	postcodes map[string]*centroid
	locs      map[localityID]*localityCentroid
	// norms remembers the normalised form of the street, locality and region strings seen:
	// a million points name a few tens of thousands of streets, and normalising each name
	// once instead of once a point makes building several times faster.
	norms    map[rawPlace]normPlace
	points   int
	rejected int
}

type streetID struct{ street, locality, region string }

type localityID struct{ locality, region string }

type rawPlace struct{ street, locality, region, postcode, country string }

type normPlace struct {
	street, locality, region, postcode string
}

// maxNorms bounds the normalisation memo; it starts again empty when full.
const maxNorms = 1 << 18

// normalise returns the normalised street, locality, region and postcode of p.
func (b *Builder) normalise(p aidmap.AddressPoint) normPlace {
	k := rawPlace{p.Street, p.Locality, p.Region, p.Postcode, p.Country}
	if n, ok := b.norms[k]; ok {
		return n
	}
	a := addr.FromPoint("0", p.Street, "", p.Locality, p.Region, p.Postcode, p.Country)
	n := normPlace{a.Street, a.Locality, a.Region, a.Postcode}
	if len(b.norms) >= maxNorms {
		clear(b.norms)
	}
	b.norms[k] = n
	return n
}

// Add normalises p and adds it. Points without a usable house number or street, or with
// coordinates out of range, are skipped (Rejected counts them): the file reader should have
// named them already.
func (b *Builder) Add(p aidmap.AddressPoint) {
	if b.index == nil {
		b.index = make(map[streetID]int32)
		b.postcodes = make(map[string]*centroid)
		b.locs = make(map[localityID]*localityCentroid)
		b.norms = make(map[rawPlace]normPlace)
	}
	if !(p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180) || (p.Lat == 0 && p.Lon == 0) {
		b.rejected++
		return
	}
	a := b.normalise(p)
	number, unit := addr.Number(p.Number), ""
	if p.Unit != "" {
		unit = addr.Unit(p.Unit)
	}
	if number == "" {
		// The number may be written at the start of the street ("12 Main St").
		full := addr.FromPoint(p.Number, p.Street, p.Unit, p.Locality, p.Region, p.Postcode, p.Country)
		number, unit, a.street = full.Number, full.Unit, full.Street
	}
	num, suffix, ok := splitNumber(number)
	if !ok || a.street == "" {
		b.rejected++
		return
	}
	id := streetID{a.street, a.locality, a.region}
	i, found := b.index[id]
	if !found {
		i = int32(len(b.streets))
		b.index[id] = i
		b.streets = append(b.streets, street{key: a.street, label: strings.TrimSpace(p.Street),
			locality: a.locality, place: strings.TrimSpace(p.Locality), region: a.region})
	}
	b.streets[i].pts = append(b.streets[i].pts, point{num: num, suffix: suffix, unit: unit, lat: toE7(p.Lat), lon: toE7(p.Lon)})
	if a.postcode != "" {
		c := b.postcodes[a.postcode]
		if c == nil {
			c = &centroid{label: a.postcode}
			b.postcodes[a.postcode] = c
		}
		c.add(p.Lat, p.Lon)
	}
	if a.locality != "" {
		k := localityID{a.locality, a.region}
		c := b.locs[k]
		if c == nil {
			c = &localityCentroid{region: a.region, centroid: centroid{label: strings.TrimSpace(p.Locality)}}
			b.locs[k] = c
		}
		c.add(p.Lat, p.Lon)
	}
	b.points++
}

// Rejected returns how many points Add skipped.
func (b *Builder) Rejected() int { return b.rejected }

func (c *centroid) add(lat, lon float64) {
	c.n++
	c.lat += (lat - c.lat) / float64(c.n)
	c.lon += (lon - c.lon) / float64(c.n)
}

// Build returns the Gazetteer of the points added so far. The Builder must not be used after.
func (b *Builder) Build() *Gazetteer {
	g := &Gazetteer{
		streets:    b.streets,
		byKey:      make(map[string][]int32),
		byDeletion: make(map[string][]string),
		byStem:     make(map[string][]string),
		byName:     make(map[string][]int32),
		postcodes:  make(map[string]centroid, len(b.postcodes)),
		localities: make(map[string][]localityCentroid),
		points:     b.points,
	}
	for i := range g.streets {
		s := &g.streets[i]
		slices.SortFunc(s.pts, func(a, b point) int {
			return cmp.Or(cmp.Compare(a.num, b.num), strings.Compare(a.suffix, b.suffix), strings.Compare(a.unit, b.unit))
		})
		s.pts = slices.Clip(s.pts)
		s.mid = s.pts[len(s.pts)/2]
		if len(g.byKey[s.key]) == 0 {
			if st := stem(s.key); st != "" {
				g.byStem[st] = append(g.byStem[st], s.key)
			}
			for _, d := range deletions(s.key) {
				if ks := g.byDeletion[d]; len(ks) == 0 || ks[len(ks)-1] != s.key {
					g.byDeletion[d] = append(ks, s.key)
				}
			}
		}
		g.byKey[s.key] = append(g.byKey[s.key], int32(i))
		if name := addr.StreetName(s.key); name != "" {
			g.byName[name] = append(g.byName[name], int32(i))
		}
	}
	for k, c := range b.postcodes {
		g.postcodes[k] = *c
	}
	for k, c := range b.locs {
		g.localities[k.locality] = append(g.localities[k.locality], *c)
	}
	for _, cs := range g.localities {
		slices.SortFunc(cs, func(a, b localityCentroid) int { return cmp.Compare(b.n, a.n) })
	}
	*b = Builder{}
	return g
}

// Len returns the number of address points held.
func (g *Gazetteer) Len() int {
	if g == nil {
		return 0
	}
	return g.points
}

// minFuzzyLen is the shortest street key that typo tolerance applies to: below it, one edit
// turns a name into another real one too easily ("1 ave" into "2 ave").
const minFuzzyLen = 5

// deletions returns every string made by deleting one letter of key (digits and spaces are
// kept: a typo never changes a street's number, "w 12 ave" is not "w 13 ave").
func deletions(key string) []string {
	if len(key) < minFuzzyLen {
		return nil
	}
	out := make([]string, 0, len(key))
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == ' ' || (c >= '0' && c <= '9') || c >= 0x80 {
			continue
		}
		if i > 0 && key[i-1] == c {
			continue // deleting either of a doubled letter gives the same string
		}
		out = append(out, key[:i]+key[i+1:])
	}
	return out
}

// streetMatch is a street the query's street may mean, with how well its name matched.
type streetMatch struct {
	idx   int32
	score float64 // 1 for the same key, less for a typo
}

// findStreets returns the streets whose key equals key or is within a small edit distance.
func (g *Gazetteer) findStreets(key string) []streetMatch {
	if ids, ok := g.byKey[key]; ok {
		out := make([]streetMatch, len(ids))
		for i, id := range ids {
			out[i] = streetMatch{id, 1}
		}
		return out
	}
	if len(key) < minFuzzyLen {
		return nil
	}
	maxDist := 1
	if len(key) >= 10 {
		maxDist = 2
	}
	seen := map[string]bool{}
	var out []streetMatch
	try := func(cand string) {
		if seen[cand] {
			return
		}
		seen[cand] = true
		if !sameDigits(cand, key) {
			return
		}
		d := editDistance(key, cand, maxDist)
		if d > maxDist {
			return
		}
		for _, id := range g.byKey[cand] {
			out = append(out, streetMatch{id, 1 - 0.1*float64(d)})
		}
	}
	// key itself may be a deletion of a real key (a letter missing), or a real key may be a
	// deletion of key (a letter too many), or they share a deletion (a letter wrong).
	for _, c := range g.byDeletion[key] {
		try(c)
	}
	for _, d := range deletions(key) {
		if _, ok := g.byKey[d]; ok {
			try(d)
		}
		for _, c := range g.byDeletion[d] {
			try(c)
		}
	}
	if len(out) == 0 && maxDist == 2 {
		for _, c := range g.byStem[stem(key)] {
			if l := len(c) - len(key); l <= 2 && l >= -2 {
				try(c)
			}
		}
	}
	return out
}

// stem returns the first two letters of key's longest word: the part of a street name a
// typo is least likely to touch.
func stem(key string) string {
	best := ""
	for w := range strings.FieldsSeq(key) {
		if len(w) > len(best) {
			best = w
		}
	}
	if len(best) < 4 || best[0] >= '0' && best[0] <= '9' {
		return ""
	}
	return best[:2]
}

// sameDigits reports whether a and b have the same digits in the same order.
func sameDigits(a, b string) bool {
	i, j := 0, 0
	for {
		for i < len(a) && (a[i] < '0' || a[i] > '9') {
			i++
		}
		for j < len(b) && (b[j] < '0' || b[j] > '9') {
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		if a[i] != b[j] {
			return false
		}
		i++
		j++
	}
}

// editDistance returns the optimal-string-alignment distance between a and b (insertions,
// deletions, substitutions and swaps of neighbours), or max+1 once it must exceed max.
func editDistance(a, b string, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	var rows [3][]int
	for i := range rows {
		rows[i] = make([]int, len(b)+1)
	}
	prev2, prev, cur := rows[0], rows[1], rows[2]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if best > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// Confidence of each kind of match before the street and locality scores multiply it.
const (
	confAddress      = 1.0
	confSameNumber   = 0.95 // the number matched but not the unit asked for
	confInterpolated = 0.8
	confNearby       = 0.7 // a neighbour a few numbers away on the same side: no pair to interpolate between
	confStreet       = 0.55
	confPostcode     = 0.45
	confLocality     = 0.3
)

// nearbySpan is how far in house numbers a neighbour may be from the number asked for when
// it is the only one on that side of the street.
const nearbySpan = 8

// Lookup returns the gazetteer's candidates for a parsed address, best first, at most limit.
// It gives nothing coarser than a postal code: localities are the caller's fallback (the
// shipped places know them better), though the gazetteer's own locality centroids are
// available through Locality.
func (g *Gazetteer) Lookup(q addr.Parsed, limit int) []Result {
	if g == nil || limit <= 0 {
		return nil
	}
	var out []Result
	if q.Street != "" {
		ms := g.findStreets(q.Street)
		if len(ms) == 0 && q.Locality == "" {
			// Written without a comma before the town ("999 Charleson Vancouver BC"), the
			// town's words end the street key: try the key without them.
			ws := strings.Fields(q.Street)
			for cut := len(ws) - 1; cut >= 1 && cut >= len(ws)-3 && len(ms) == 0; cut-- {
				if m := g.findStreets(strings.Join(ws[:cut], " ")); len(m) > 0 {
					ms = m
					q.Street, q.Locality = strings.Join(ws[:cut], " "), addr.Locality(strings.Join(ws[cut:], " "))
				}
			}
		}
		for i := range ms {
			ms[i].score *= localityScore(q, &g.streets[ms[i].idx])
		}
		// The same street name runs through many towns: place the number only on the streets
		// that could win (a town that does not match scores well below one that does).
		slices.SortStableFunc(ms, func(a, b streetMatch) int { return cmp.Compare(b.score, a.score) })
		for i, m := range ms {
			if i == 2*limit || m.score < ms[0].score*0.75 {
				break
			}
			r := g.streets[m.idx].resolve(q)
			r.Confidence *= m.score
			out = append(out, r)
		}
	}
	if q.Postcode != "" {
		if c, ok := g.postcodes[q.Postcode]; ok {
			out = append(out, Result{Lat: c.lat, Lon: c.lon, Precision: aidmap.PrecisionPostalCode,
				Confidence: confPostcode, Label: c.label, Source: SourceGazetteer})
		}
	}
	return rank(out, limit)
}

// Locality returns the centroid of the gazetteer's points in a locality (addr.Locality form),
// narrowed to a region when given.
func (g *Gazetteer) Locality(name, region string) (Result, bool) {
	if g == nil {
		return Result{}, false
	}
	for _, c := range g.localities[name] {
		if region == "" || c.region == "" || c.region == region {
			label := c.label
			if c.region != "" {
				label += ", " + strings.ToUpper(c.region)
			}
			return Result{Lat: c.lat, Lon: c.lon, Precision: aidmap.PrecisionLocality,
				Confidence: confLocality, Label: label, Source: SourceGazetteer}, true
		}
	}
	return Result{}, false
}

// localityScore says how well a street's locality and region agree with the query's: 1 when
// they match, less when either side does not say, 0.4 for a different town (a candidate still,
// when nothing better exists, but never a confident one).
func localityScore(q addr.Parsed, s *street) float64 {
	score := 1.0
	switch {
	case q.Locality == "" && q.Place == "":
		score = 0.9
	case s.locality == "":
		score = 0.85
	case s.locality == q.Locality || s.locality == q.Place:
	default:
		score = 0.4
	}
	if q.Region != "" && s.region != "" && q.Region != s.region {
		score *= 0.5
	}
	return score
}

// resolve places the query's house number on the street.
func (s *street) resolve(q addr.Parsed) Result {
	r := Result{Source: SourceGazetteer}
	num, suffix, ok := splitNumber(q.Number)
	if !ok {
		r.Lat, r.Lon = s.mid.latLon()
		r.Precision, r.Confidence, r.Label = aidmap.PrecisionStreet, confStreet, s.describe("")
		return r
	}
	label := s.describe(q.Number)
	// The first point with this number (and suffix), then the one with the unit asked for.
	i, _ := slices.BinarySearchFunc(s.pts, num, func(p point, n int32) int { return cmp.Compare(p.num, n) })
	exact, sameNumber := -1, -1
	for j := i; j < len(s.pts) && s.pts[j].num == num; j++ {
		p := s.pts[j]
		if p.suffix != suffix {
			continue
		}
		if p.unit == q.Unit {
			exact = j
			break
		}
		if sameNumber < 0 || p.unit == "" {
			sameNumber = j
		}
	}
	switch {
	case exact >= 0:
		r.Lat, r.Lon = s.pts[exact].latLon()
		r.Precision, r.Confidence, r.Label = aidmap.PrecisionAddress, confAddress, label
		return r
	case sameNumber >= 0:
		r.Lat, r.Lon = s.pts[sameNumber].latLon()
		r.Precision, r.Confidence, r.Label = aidmap.PrecisionAddress, confSameNumber, label
		return r
	}
	// Interpolate between the nearest numbers below and above on the same side (same parity);
	// numbers with a suffix ("12a") count as their number. When one side of the street has
	// no pair around the number, the other side's pair is the next best guess: across the
	// street is tens of metres away.
	if lo, hi := s.around(i, num, true); lo >= 0 && hi >= 0 {
		r.Lat, r.Lon, r.Confidence = s.interpolate(lo, hi, num, confInterpolated)
		r.Precision, r.Label = aidmap.PrecisionInterpolated, label
		return r
	}
	if lo, hi := s.around(i, num, false); lo >= 0 && hi >= 0 {
		r.Lat, r.Lon, r.Confidence = s.interpolate(lo, hi, num, confInterpolated*0.9)
		r.Precision, r.Label = aidmap.PrecisionInterpolated, label
		return r
	}
	// No pair around it: the number is past one end of the known numbers. The nearest known
	// number is a fair place when it is close; otherwise only the street is known.
	near := s.nearest(i, num, true)
	if near < 0 || abs32(s.pts[near].num-num) > nearbySpan {
		near = s.nearest(i, num, false)
	}
	gap := s.pts[near].num - num
	if gap < 0 {
		gap = -gap
	}
	r.Lat, r.Lon = s.pts[near].latLon()
	switch {
	case gap <= nearbySpan:
		r.Precision, r.Confidence, r.Label = aidmap.PrecisionInterpolated, confNearby, label
	case s.extrapolate(near, num, &r):
		r.Label = label
	default:
		r.Precision, r.Confidence, r.Label = aidmap.PrecisionStreet, confStreet, s.describe("")
		if gap > streetSpan {
			r.Lat, r.Lon = s.mid.latLon()
		}
	}
	return r
}

// nearest returns the index of the point whose number is nearest num (on the same side of
// the street when sameSide), -1 when there is none.
func (s *street) nearest(i int, num int32, sameSide bool) int {
	ok := func(j int) bool { return !sameSide || (s.pts[j].num-num)%2 == 0 }
	lo, hi := -1, -1
	for j := i - 1; j >= 0; j-- {
		if ok(j) {
			lo = j
			break
		}
	}
	for j := i; j < len(s.pts); j++ {
		if ok(j) {
			hi = j
			break
		}
	}
	switch {
	case lo < 0:
		return hi
	case hi < 0:
		return lo
	case num-s.pts[lo].num <= s.pts[hi].num-num:
		return lo
	}
	return hi
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// extrapolate continues the line through the two known numbers nearest the end num is past,
// when num is not much further from them than they are from each other: house numbers rise
// steadily along most streets. It sets r and reports whether it could.
func (s *street) extrapolate(near int, num int32, r *Result) bool {
	other := near - 1
	if num < s.pts[near].num {
		other = near + 1
	}
	if other < 0 || other >= len(s.pts) {
		return false
	}
	a, b := s.pts[other], s.pts[near] // b is the end nearest num
	span := abs32(b.num - a.num)
	past := abs32(num - b.num)
	if span < 2 || past > 2*span || past > maxExtrapolate {
		return false
	}
	alat, alon := a.latLon()
	blat, blon := b.latLon()
	if aidmap.DistanceM(alat, alon, blat, blon) < 1 {
		return false // the same spot: no direction to follow
	}
	f := float64(num-b.num) / float64(b.num-a.num)
	r.Lat, r.Lon = blat+f*(blat-alat), blon+f*(blon-alon)
	r.Precision, r.Confidence = aidmap.PrecisionInterpolated, confNearby*0.85
	return true
}

// maxExtrapolate bounds how far past the known numbers a number is extrapolated: about two
// city blocks in North American numbering.
const maxExtrapolate = 200

// streetSpan is how far in house numbers the nearest known number may be for it to stand for
// the street; beyond it, the street's middle does.
const streetSpan = 200

// around returns the indexes of the nearest points below and above num (i is where num
// would be inserted), on the same side of the street when sameSide; -1 when there is none.
func (s *street) around(i int, num int32, sameSide bool) (lo, hi int) {
	lo, hi = -1, -1
	for j := i - 1; j >= 0; j-- {
		if s.pts[j].num < num && (!sameSide || (s.pts[j].num-num)%2 == 0) {
			lo = j
			break
		}
	}
	for j := i; j < len(s.pts); j++ {
		if s.pts[j].num > num && (!sameSide || (s.pts[j].num-num)%2 == 0) {
			hi = j
			break
		}
	}
	return lo, hi
}

// interpolate places num on the line between points lo and hi, in proportion to the numbers.
func (s *street) interpolate(lo, hi int, num int32, conf float64) (lat, lon, confidence float64) {
	a, b := s.pts[lo], s.pts[hi]
	f := float64(num-a.num) / float64(b.num-a.num)
	alat, alon := a.latLon()
	blat, blon := b.latLon()
	// A wide gap (a park, a missing block) makes the guess weaker.
	if gap := b.num - a.num; gap > 100 {
		conf *= 0.8
	}
	return alat + f*(blat-alat), alon + f*(blon-alon), conf
}

// describe labels a match for people: "5171 221A Street, Langley BC".
func (s *street) describe(number string) string {
	var b strings.Builder
	if number != "" {
		b.WriteString(strings.ToUpper(number))
		b.WriteByte(' ')
	}
	b.WriteString(s.label)
	if s.place != "" {
		b.WriteString(", ")
		b.WriteString(s.place)
	}
	if s.region != "" {
		if s.place == "" {
			b.WriteByte(',')
		}
		b.WriteByte(' ')
		b.WriteString(strings.ToUpper(s.region))
	}
	return b.String()
}

// rank sorts results by confidence, then by how fine their precision is, drops any within
// sameSpotM of a better one, and keeps at most limit.
func rank(rs []Result, limit int) []Result {
	slices.SortStableFunc(rs, func(a, b Result) int {
		return cmp.Or(cmp.Compare(b.Confidence, a.Confidence), cmp.Compare(a.Precision.Rank(), b.Precision.Rank()))
	})
	out := rs[:0]
	for _, r := range rs {
		dup := false
		for _, o := range out {
			if aidmap.DistanceM(r.Lat, r.Lon, o.Lat, o.Lon) < sameSpotM {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, r)
			if len(out) == limit {
				break
			}
		}
	}
	return out
}

// sameSpotM is how close two candidates must be to count as the same answer.
const sameSpotM = 50

// Sources of results.
const (
	SourceGazetteer = "gazetteer"
	SourcePlaces    = "places"
)
